"""The inference client against the loopback upstream of CONTRACT.md: one run per kind, every failure."""

from __future__ import annotations

import asyncio
import base64
import json
import socket
import wave
from pathlib import Path

import httpx
import imageio_ffmpeg
import pytest
from PIL import Image

from ai_registry.catalog.models import RateLimit
from ai_registry.inference import rate_limit
from ai_registry.inference.result import RunResult
from ai_registry.inference.run import run_and_record, run_model
from ai_registry.kinds import kind_for
from ai_registry.media.storage import media_dir, upload_dir
from ai_registry.settings import get_settings
from ai_registry.store.db import session_scope
from ai_registry.store.migrate import upgrade
from ai_registry.store.runs import get_run
from tests.kinds.factories import image_model, model
from tests.support.contract_server import ContractServer, Fault
from tests.support.media import wav_bytes


def succeeded(result: RunResult) -> RunResult:
    assert result.status == "succeeded", result.error
    assert result.error is None
    return result


def media_path(result: RunResult) -> Path:
    assert result.output_path is not None and result.output_url is not None
    path = Path(result.output_path)
    assert path.parent == media_dir()
    assert result.output_url == f"/media/{path.name}"
    assert path.is_file() and path.stat().st_size > 0
    return path


def video_seconds(path: Path) -> float:
    frames, seconds = imageio_ffmpeg.count_frames_and_secs(str(path))
    assert frames > 0
    return seconds


# -- one successful run per kind -------------------------------------------------------------------


async def test_image_run_writes_a_png(upstream: ContractServer, catalog) -> None:
    result = succeeded(
        await run_model(
            catalog["qwen-image-edit"], {"prompt": "a lighthouse", "width": "640", "height": "512"}, run_id="img1"
        )
    )
    path = media_path(result)
    assert (path.name, result.output_kind, result.media_type, result.http_status) == (
        "img1.png",
        "image",
        "image/png",
        201,
    )
    with Image.open(path) as image:
        assert image.width > 0 and image.height > 0
    sent = upstream.requests_to("/multimodal/image")[0]
    assert sent.json == {"prompt": "a lighthouse", "width": 640, "height": 512}
    assert sent.headers["authorization"] == "Bearer test-key"
    assert result.cost_usd == pytest.approx(0.025)
    response = json.loads(result.response_json)
    assert response["image_base64"].startswith("iVBORw0KGgo") and response["image_base64"].endswith(" bytes)")
    request = json.loads(result.request_json)
    assert request["url"] == f"{upstream.url}/v1/multimodal/image"
    assert "test-key" not in result.request_json
    assert result.duration_ms >= 0


async def test_image_given_as_a_link_is_downloaded(upstream: ContractServer, catalog) -> None:
    upstream.image_mode = "url"
    result = succeeded(await run_model(catalog["qwen-image-edit"], {"prompt": "a fox"}, run_id="img2"))
    with Image.open(media_path(result)) as image:
        assert image.format == "PNG"
    assert json.loads(result.response_json)["image_url"].startswith(upstream.url)


@pytest.mark.parametrize(
    ("link", "why"),
    [
        ("http://169.254.169.254/latest/meta-data/cat.png", "169.254.169.254 is a link-local address"),
        ("http://10.0.0.5/cat.png", "10.0.0.5 is a private address"),
        ("http://[::1]:9/cat.png", "::1 is a loopback address"),
        ("http://127.0.0.2:9/cat.png", "127.0.0.2 is a loopback address"),  # not the upstream's 127.0.0.1
    ],
)
async def test_an_output_link_inside_the_network_is_not_fetched(
    upstream: ContractServer, catalog, link: str, why: str
) -> None:
    # The configured upstream's own host is trusted for its answers' links; any other inside address is not.
    upstream.set_fault("/multimodal/image", Fault(body=json.dumps({"image_url": link}).encode()))
    result = await run_model(catalog["qwen-image-edit"], {"prompt": "a fox"}, run_id="img-ssrf")
    assert result.status == "failed" and result.error is not None
    assert result.error.kind == "bad_response"
    assert "its output link was not fetched" in result.error.message and why in result.error.message
    assert list(media_dir().iterdir()) == []


async def test_wan_image_to_video_with_an_uploaded_png(upstream: ContractServer, catalog, png_upload) -> None:
    values = {"image": png_upload, "prompt": "the cat turns its head", "duration": "5", "seed": ""}
    result = succeeded(await run_model(catalog["alibaba-wan-22-i2v-720p"], values, run_id="wan1"))
    path = media_path(result)
    assert path.suffix == ".mp4" and result.output_kind == "video"
    assert video_seconds(path) > 0
    sent = upstream.requests_to("/wan-2-2-i2v-720/run")[0].json
    header, _, payload = sent["input"]["image"].partition(",")
    assert header == "data:image/png;base64"
    assert base64.b64decode(payload) == Path(png_upload["path"]).read_bytes()
    assert sent["duration"] == 5 and "seed" not in sent
    # The log shows the upload shortened, never its bytes.
    logged = json.loads(result.request_json)["json"]["input"]["image"]
    assert logged.startswith("data:image/png;base64,iVBORw0KGgo") and logged.endswith(" bytes)")
    assert result.cost_usd == pytest.approx(0.30)


async def test_seedance_with_an_image_url(upstream: ContractServer, catalog) -> None:
    values = {"image_url": "https://example.com/cat.png", "motion_prompt": "zoom in slowly"}
    result = succeeded(await run_model(catalog["seedance-i2v"], values, run_id="seed1"))
    assert video_seconds(media_path(result)) > 0
    assert upstream.requests_to("/multimodal/video/i2v")[0].json["image_url"] == "https://example.com/cat.png"


async def test_text_to_video_and_cogvideox(upstream: ContractServer, catalog) -> None:
    t2v = succeeded(
        await run_model(catalog["text-to-video"], {"prompt": "waves at dusk", "duration": "5"}, run_id="t2v1")
    )
    assert video_seconds(media_path(t2v)) > 0
    cog = succeeded(
        await run_model(catalog["cogvideox-2b"], {"prompt": "a paper boat", "num_frames": "17"}, run_id="cog1")
    )
    assert video_seconds(media_path(cog)) > 0
    assert upstream.requests_to("/multimodal/video/cogvideox")[0].json["num_frames"] == 17


async def test_text_to_speech_writes_a_wav(upstream: ContractServer, catalog) -> None:
    result = succeeded(await run_model(catalog["tts"], {"input": "Your export is ready."}, run_id="tts1"))
    path = media_path(result)
    assert result.output_kind == "audio" and path.suffix == ".wav"
    with wave.open(str(path)) as w:
        assert w.getnframes() > 0
    assert result.cost_usd == pytest.approx(0.015 * len("Your export is ready.") / 1000)
    upstream.speech_mode = "bytes"  # raw audio/wav instead of JSON
    raw = succeeded(await run_model(catalog["tts"], {"input": "Again."}, run_id="tts2"))
    with wave.open(str(media_path(raw))) as w:
        assert w.getnframes() > 0


async def test_transcription_returns_text(upstream: ContractServer, catalog, wav_upload) -> None:
    result = succeeded(await run_model(catalog["whisper-transcription"], {"file": wav_upload}, run_id="stt1"))
    assert result.output_kind == "text" and result.output_path is None
    assert result.text.startswith("Transcribed")
    sent = upstream.requests_to("/audio/transcriptions")[0]
    assert sent.files["file"][0] == "speech.wav" and sent.files["file"][2] == wav_upload["size"]
    assert result.cost_usd == pytest.approx(0.006 / 60)  # one second of audio, billed per minute
    upstream.transcript_key = "transcript"
    other = succeeded(await run_model(catalog["whisper-translation"], {"file": wav_upload}, run_id="stt2"))
    assert other.text.startswith("Translated")
    plain = succeeded(
        await run_model(catalog["whisper-transcription"], {"file": wav_upload, "response_format": "text"}, run_id="s3")
    )
    assert plain.text.startswith("Transcribed")


async def test_a_file_url_inside_the_network_is_refused_before_any_connection(
    upstream: ContractServer, catalog
) -> None:
    upstream.media["meeting.wav"] = (wav_bytes(2.0), "audio/wav")
    url = f"{upstream.base_url}/media/meeting.wav"
    result = await run_model(catalog["whisper-transcription"], {"file": url}, run_id="stt-ssrf")
    assert result.status == "failed" and result.error is not None
    assert result.error.message == f"The URL {url} was refused: 127.0.0.1 is a loopback address."
    assert result.error.fields == {"file": "URL refused"}
    assert upstream.requests_to("/media/meeting.wav") == []  # the guard said no before connecting
    assert upstream.requests_to("/audio/transcriptions") == []
    assert list(upload_dir().iterdir()) == []


async def test_transcription_of_a_file_given_by_url(
    upstream: ContractServer, catalog, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The loopback upstream stands for a public file host: allowed by the setting that is off by default.
    monkeypatch.setenv("AI_REGISTRY_FETCH_ALLOW_HOSTS", "127.0.0.1")
    get_settings.cache_clear()
    audio = wav_bytes(2.0)
    upstream.media["meeting.wav"] = (audio, "audio/wav")
    url = f"{upstream.base_url}/media/meeting.wav"
    result = succeeded(await run_model(catalog["whisper-transcription"], {"file": url}, run_id="stt-url"))
    assert result.text == f"Transcribed {len(audio)} bytes of audio"
    assert upstream.requests_to("/audio/transcriptions")[0].files["file"] == ("meeting.wav", "audio/wav", len(audio))
    assert list(upload_dir().iterdir()) == []  # the download is not kept
    upstream.media["notes.wav"] = (b"plain text pretending to be audio", "audio/wav")
    refused = await run_model(
        catalog["whisper-transcription"], {"file": f"{upstream.base_url}/media/notes.wav"}, run_id="stt-url-2"
    )
    assert refused.error is not None and refused.error.fields == {"file": "MP3, WAV, WebM, OGG, FLAC or MP4 only"}


async def test_chat_without_streaming(upstream: ContractServer, catalog) -> None:
    result = succeeded(
        await run_model(catalog["gpt-4"], {"messages": "hello there", "stream": "false"}, run_id="chat1")
    )
    assert result.output_kind == "chat" and result.text == "Echo: hello there"
    assert json.loads(result.response_json)["usage"]["total_tokens"] > 0


async def test_chat_streams_token_by_token(upstream: ContractServer, catalog) -> None:
    pieces: list[str] = []

    async def on_text(delta: str) -> None:
        pieces.append(delta)

    message = "one two three four five six"
    result = succeeded(await run_model(catalog["gpt-4"], {"messages": message}, run_id="chat2", on_text=on_text))
    assert len(pieces) >= 5
    assert "".join(pieces) == result.text == f"Echo: {message}"
    response = json.loads(result.response_json)
    assert response["streamed"] is True
    assert response["choices"][0]["message"]["content"] == result.text
    assert upstream.requests_to("/chat/completions")[0].json["stream"] is True


async def test_cancel_stops_a_stream_early(upstream: ContractServer, catalog) -> None:
    upstream.stream_delay = 0.05
    cancel = asyncio.Event()
    pieces: list[str] = []

    async def on_text(delta: str) -> None:
        pieces.append(delta)
        if len(pieces) == 2:
            cancel.set()

    words = " ".join(f"w{i}" for i in range(40))
    result = await run_model(catalog["gpt-4"], {"messages": words}, run_id="chat3", on_text=on_text, cancel=cancel)
    assert result.status == "cancelled" and result.error is None
    assert len(pieces) == 2 and result.text == "".join(pieces)
    assert result.duration_ms < 1000  # 40 words at 50 ms each would take 2 s


async def test_cancel_a_long_video_run(upstream: ContractServer, catalog) -> None:
    upstream.set_fault("/multimodal/video/t2v", Fault(delay=10))
    cancel = asyncio.Event()
    asyncio.get_running_loop().call_later(0.2, cancel.set)
    result = await run_model(catalog["text-to-video"], {"prompt": "slow"}, run_id="slow1", cancel=cancel)
    assert result.status == "cancelled" and result.duration_ms < 2000
    assert result.output_path is None and list(media_dir().iterdir()) == []


async def test_embeddings_give_vectors_and_similarity(upstream: ContractServer, catalog) -> None:
    texts = "How do I rotate a key?\nKeys rotate in settings.\nBananas are yellow."
    result = succeeded(await run_model(catalog["bge-small-en-v1-5"], {"input": texts}, run_id="emb1"))
    data = result.data
    assert data is not None and result.output_kind == "embeddings"
    assert data["dimensions"] == 384 and len(data["vectors"]) == 3
    assert data["texts"] == texts.splitlines()
    similarity = data["similarity"]
    assert [similarity[i][i] for i in range(3)] == [1.0, 1.0, 1.0]
    assert similarity[0][1] == similarity[1][0]
    # The log keeps a few numbers per vector; the file keeps them all.
    logged = json.loads(result.response_json)["data"][0]["embedding"]
    assert logged[-1] == "… (384 numbers)"
    saved = json.loads(media_path(result).read_text())
    assert saved["vectors"] == data["vectors"]


# -- failures --------------------------------------------------------------------------------------


async def test_no_key_says_which_setting_is_missing(upstream: ContractServer, catalog, monkeypatch) -> None:
    monkeypatch.delenv("AINATIVE_API_KEY")
    get_settings.cache_clear()
    result = await run_model(catalog["qwen-image-edit"], {"prompt": "x"}, run_id="nokey")
    assert result.status == "failed" and result.error is not None
    assert result.error.kind == "no_key"
    assert result.error.message.startswith("No upstream API key is set. Add AINATIVE_API_KEY")
    assert result.error.link == "/dashboard/developer-settings"
    assert upstream.requests == []


async def test_invalid_values_are_never_sent(upstream: ContractServer, catalog) -> None:
    result = await run_model(catalog["qwen-image-edit"], {"prompt": "", "width": "9999"}, run_id="bad")
    assert result.error is not None and result.error.kind == "validation"
    assert result.error.fields == {"prompt": "Required", "width": "Must be between 512 and 2048"}
    fake = Path(get_settings().data_dir) / "uploads" / "fake.png"
    fake.parent.mkdir(parents=True, exist_ok=True)
    fake.write_bytes(b"not an image, just text")
    ref = {"filename": "fake.png", "content_type": "image/png", "path": str(fake), "size": fake.stat().st_size}
    result = await run_model(catalog["alibaba-wan-22-i2v-720p"], {"image": ref, "prompt": "x"}, run_id="bad2")
    assert result.error is not None and result.error.fields == {"image": "PNG, JPEG or WebP only"}
    assert upstream.requests == []


async def test_wrong_key_401(upstream: ContractServer, catalog, monkeypatch) -> None:
    monkeypatch.setenv("AINATIVE_API_KEY", "wrong-key")
    get_settings.cache_clear()
    result = await run_model(catalog["qwen-image-edit"], {"prompt": "x"}, run_id="e401")
    assert result.error is not None and (result.error.kind, result.http_status) == ("unauthorized", 401)
    assert "Invalid API key" in result.error.message


async def test_out_of_credits_402(upstream: ContractServer, catalog) -> None:
    upstream.credits = 0
    result = await run_model(catalog["qwen-image-edit"], {"prompt": "x"}, run_id="e402")
    assert result.error is not None and result.error.kind == "credits" and result.http_status == 402
    assert result.cost_usd is None


async def test_upstream_validation_422_names_the_field(upstream: ContractServer) -> None:
    # A schema looser than the upstream's (width up to 4096) lets the upstream answer 422.
    loose = image_model()
    loose.parameters[1].max = 4096
    result = await run_model(loose, {"prompt": "x", "width": "3000"}, run_id="e422")
    assert result.error is not None and result.error.kind == "invalid" and result.http_status == 422
    assert set(result.error.fields) == {"width"}
    assert "2048" in result.error.fields["width"]


async def test_upstream_rate_limit_429(upstream: ContractServer, catalog) -> None:
    upstream.enforce_rate_limits = True
    upstream.rate_limits["image"] = 1
    succeeded(await run_model(catalog["qwen-image-edit"], {"prompt": "x"}, run_id="r1"))
    result = await run_model(catalog["qwen-image-edit"], {"prompt": "y"}, run_id="r2")
    assert result.error is not None and result.error.kind == "rate_limited" and result.http_status == 429
    assert "Requests remaining in this window: 0." in result.error.message


async def test_the_page_keeps_to_the_models_rate_limit(upstream: ContractServer, catalog) -> None:
    wan = catalog["alibaba-wan-22-i2v-720p"]
    values = {"image": "https://example.com/cat.png", "prompt": "x", "duration": "5"}
    for i in range(2):
        succeeded(await run_model(wan, values, run_id=f"wan-limit-{i}"))
    result = await run_model(wan, values, run_id="wan-limit-3")
    assert result.error is not None and result.error.kind == "local_rate_limit"
    assert result.error.message.startswith("Rate limit: 2 runs per minute for this model; try again in ")
    assert result.error.message.endswith(" s")
    assert len(upstream.requests_to("/wan-2-2-i2v-720/run")) == 2


def test_rate_limiter_window() -> None:
    now = [1000.0]
    limiter = rate_limit.RateLimiter(clock=lambda: now[0])
    limited = model("limited", "Image", "/v1/multimodal/image", [], rate_limit=RateLimit(requests=2, per_seconds=60))
    free = model("free", "Image", "/v1/multimodal/image", [])
    assert limiter.acquire(limited) is None
    now[0] += 19
    assert limiter.acquire(limited) is None
    assert limiter.check(limited) == pytest.approx(41)
    assert rate_limit.limit_message(limited, 40.2) == "Rate limit: 2 runs per minute for this model; try again in 41 s"
    now[0] += 41
    assert limiter.acquire(limited) is None  # the first send left the window
    assert all(limiter.acquire(free) is None for _ in range(100))
    assert rate_limit.limit_label(free) is None


@pytest.mark.parametrize("status", [500, 502])
async def test_server_errors_5xx(upstream: ContractServer, catalog, status: int) -> None:
    upstream.set_fault("/multimodal/image", Fault(status=status))
    result = await run_model(catalog["qwen-image-edit"], {"prompt": "x"}, run_id=f"e{status}")
    assert result.error is not None and result.error.kind == "upstream" and result.http_status == status


async def test_timeout(upstream: ContractServer, catalog) -> None:
    upstream.set_fault("/multimodal/image", Fault(delay=3))
    result = await run_model(catalog["qwen-image-edit"], {"prompt": "x"}, run_id="slow", timeout_s=0.3)
    assert result.error is not None and result.error.kind == "timeout"
    assert result.error.message == "The model did not answer within 0.3 s."
    assert result.duration_ms < 2000


async def test_connection_refused(upstream: ContractServer, catalog, monkeypatch) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    monkeypatch.setenv("AINATIVE_API_BASE", f"http://127.0.0.1:{port}")
    get_settings.cache_clear()
    result = await run_model(catalog["qwen-image-edit"], {"prompt": "x"}, run_id="refused")
    assert result.error is not None and result.error.kind == "unreachable"
    assert result.error.message == f"Could not reach http://127.0.0.1:{port} (connection refused)."


@pytest.mark.parametrize(
    ("slug", "route", "fault", "reason"),
    [
        (
            "qwen-image-edit",
            "/multimodal/image",
            Fault(body=b"<html>oops</html>", content_type="text/html"),
            "expected",
        ),
        ("qwen-image-edit", "/multimodal/image", Fault(body=b'{"format": "png"}'), "holds no image"),
        ("cogvideox-2b", "/multimodal/video/cogvideox", Fault(body=b'{"video_base64": "%%%%"}'), "not valid base64"),
        ("gpt-4", "/chat/completions", Fault(body=b"not json at all"), "not JSON"),
        ("bge-small-en-v1-5", "/embeddings", Fault(body=b'{"data": []}'), "no embedding vectors"),
        ("tts", "/audio/speech", Fault(drop_connection=True), "connection closed"),
    ],
)
async def test_garbage_answers(upstream: ContractServer, catalog, slug, route, fault, reason) -> None:
    upstream.set_fault(route, fault)
    values = {"prompt": "x", "messages": "hi", "input": "a\nb", "stream": "false"}
    result = await run_model(catalog[slug], values, run_id="garbage")
    assert result.status == "failed" and result.error is not None
    assert result.error.kind == "bad_response", result.error
    assert reason in result.error.message
    assert list(media_dir().iterdir()) == []


async def test_an_injected_client_is_used_and_left_open(upstream: ContractServer, catalog) -> None:
    async with httpx.AsyncClient() as client:
        succeeded(await run_model(catalog["qwen-image-edit"], {"prompt": "x"}, run_id="c1", client=client))
        assert not client.is_closed


def test_expected_output_kinds(catalog) -> None:
    kinds = {slug: kind_for(m).output_kind(m) for slug, m in catalog.items()}
    assert kinds["qwen-image-edit"] == "image"
    assert kinds["cogvideox-2b"] == "video"
    assert kinds["tts"] == "audio"
    assert kinds["whisper-transcription"] == "text"
    assert kinds["gpt-4"] == "chat"
    assert kinds["bge-base-en-v1-5"] == "embeddings"


# -- recording -------------------------------------------------------------------------------------


async def test_run_and_record_stores_the_run(upstream: ContractServer, catalog) -> None:
    upgrade()
    result = succeeded(await run_and_record(catalog["qwen-image-edit"], {"prompt": "a cat", "width": "512"}))
    with session_scope() as session:
        row = get_run(session=session, run_id=result.run_id)
        assert row is not None
        assert (row.status, row.output_kind, row.model_slug) == ("succeeded", "image", "qwen-image-edit")
        assert row.output_path == result.output_path
        assert json.loads(row.inputs_json) == {"prompt": "a cat", "width": "512"}
        assert row.cost_usd == pytest.approx(0.025)
        assert "iVBORw0KGgo" in (row.response_json or "")
    failed = await run_and_record(catalog["qwen-image-edit"], {"prompt": ""})
    with session_scope() as session:
        row = get_run(session=session, run_id=failed.run_id)
        assert row is not None and row.status == "failed" and "prompt" in (row.error or "")


# -- the local engine, in-process ------------------------------------------------------------------


def _local_model(slug: str):
    """A local model card, or a skip naming why its files cannot load on this machine."""
    try:
        from ai_registry.local.catalog import local_models
    except ImportError as exc:  # pragma: no cover - the engine ships with the app
        pytest.skip(f"the local engine package cannot be imported: {exc}")
    found = {m.slug: m for m in local_models()}[slug]
    if not found.available:
        pytest.skip(f"{slug}: the local model files cannot be loaded here ({found.availability_note})")
    return found


async def test_local_embeddings_run_in_process_without_a_key() -> None:
    minilm = _local_model("local-all-minilm-l6-v2")
    texts = "A cat sleeps on the sofa.\nA kitten naps on the couch.\nThe stock market fell today."
    result = succeeded(await run_model(minilm, {"input": texts}, run_id="local-emb"))
    data = result.data
    assert data is not None and data["dimensions"] == 384 and len(data["vectors"]) == 3
    similarity = data["similarity"]
    assert similarity[0][1] > similarity[0][2]  # real embeddings: the cat sentences are closer
    request = json.loads(result.request_json)
    assert request["transport"] == "in-process (local engine)"
    assert "Authorization" not in request["headers"]
    assert result.cost_usd == 0.0


async def test_local_chat_streams_in_process_and_stops_on_cancel() -> None:
    smol = _local_model("local-smollm2-135m-instruct")
    pieces: list[str] = []

    async def on_text(delta: str) -> None:
        pieces.append(delta)

    values = {"messages": "Name three colours.", "max_tokens": "24", "temperature": "0"}
    result = succeeded(await run_model(smol, values, run_id="local-chat", on_text=on_text))
    assert len(pieces) >= 3 and "".join(pieces) == result.text and result.text.strip()

    cancel = asyncio.Event()
    pieces.clear()

    async def stop_after_two(delta: str) -> None:
        pieces.append(delta)
        if len(pieces) == 2:
            cancel.set()

    long = {"messages": "Count from one to one hundred in words.", "max_tokens": "200"}
    stopped = await run_model(smol, long, run_id="local-chat-2", on_text=stop_after_two, cancel=cancel)
    assert stopped.status == "cancelled" and len(pieces) == 2


async def test_local_speech_then_transcription() -> None:
    piper = _local_model("local-piper-en-us-joe")
    whisper = _local_model("local-whisper-tiny-en")
    spoken = succeeded(await run_model(piper, {"input": "The quick brown fox."}, run_id="local-tts"))
    with wave.open(str(media_path(spoken))) as w:
        assert w.getnframes() > 0
    audio = Path(get_settings().data_dir) / "uploads" / "fox.wav"
    audio.parent.mkdir(parents=True, exist_ok=True)
    audio.write_bytes(Path(spoken.output_path or "").read_bytes())
    ref = {"filename": "fox.wav", "content_type": "audio/wav", "path": str(audio), "size": audio.stat().st_size}
    heard = succeeded(await run_model(whisper, {"file": ref}, run_id="local-stt"))
    assert "fox" in heard.text.lower()


# -- the in-process transport ----------------------------------------------------------------------


async def test_in_process_transport_streams_and_reports_disconnects() -> None:
    from starlette.applications import Starlette
    from starlette.responses import StreamingResponse
    from starlette.routing import Route

    from ai_registry.inference.local_transport import InProcessTransport

    finished: list[str] = []

    async def ticks(request):
        async def body():
            try:
                for i in range(20):
                    yield f"tick {i}\n"
                    await asyncio.sleep(0.05)
            finally:
                finished.append("closed")

        return StreamingResponse(body(), media_type="text/plain")

    app = Starlette(routes=[Route("/ticks", ticks)])
    async with httpx.AsyncClient(transport=InProcessTransport(app), base_url="http://app") as client:
        loop = asyncio.get_running_loop()
        started = loop.time()
        async with client.stream("GET", "/ticks") as response:
            assert response.status_code == 200
            async for line in response.aiter_lines():
                first_after = loop.time() - started
                assert line == "tick 0"
                break
        assert first_after < 0.5  # the first piece arrives long before the 1 s the whole body takes
        await asyncio.sleep(0.05)
        assert finished == ["closed"]  # closing the response early stopped the app's generator
        whole = await client.get("/ticks")
        assert whole.text.count("tick") == 20


def test_validated_values_validate_again_unchanged(catalog, png_upload) -> None:
    """The playground may pass already typed values: validating them again changes nothing."""
    from ai_registry.inference.validation import validate_values

    raw = {"image": png_upload, "prompt": "go", "duration": "5", "seed": "", "enable_safety_checker": "off"}
    wan = catalog["alibaba-wan-22-i2v-720p"]
    typed, errors = validate_values(wan, raw)
    assert errors == {}
    assert validate_values(wan, typed) == (typed, {})
    chat = catalog["gpt-4"]
    typed, _ = validate_values(chat, {"messages": "hi", "temperature": "0.5"})
    assert validate_values(chat, typed) == (typed, {})
