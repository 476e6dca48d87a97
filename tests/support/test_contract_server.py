"""Tests of the loopback contract server and the media it serves."""

import base64
import io
import json
import math
import time
import wave
from collections.abc import Iterator

import httpx
import imageio_ffmpeg
import pytest
from PIL import Image

from tests.support.contract_server import PRICES, ContractServer, ContractState, Fault, build_contract_app
from tests.support.media import mp4_bytes, png_bytes, sniff_media, wav_bytes

KEY = "test-key"


@pytest.fixture(scope="module")
def server() -> Iterator[ContractServer]:
    with ContractServer(api_key=KEY, prefix="/v1") as srv:
        yield srv


@pytest.fixture
def srv(server: ContractServer) -> Iterator[ContractServer]:
    server.reset()
    yield server
    server.reset()


@pytest.fixture
def client(srv: ContractServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=srv.base_url, headers={"Authorization": f"Bearer {KEY}"}, timeout=10) as c:
        yield c


@pytest.fixture
def anon(srv: ContractServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=srv.base_url, timeout=10) as c:
        yield c


def mp4_info(data: bytes, tmp_path) -> tuple[int, float]:
    path = tmp_path / "video.mp4"
    path.write_bytes(data)
    return imageio_ffmpeg.count_frames_and_secs(str(path))


# --------------------------------------------------------------------------------------------------
# Life cycle


def test_start_stop_and_context_manager() -> None:
    srv = ContractServer(api_key="k", prefix="/api/v1")
    started = time.monotonic()
    srv.start()
    try:
        assert time.monotonic() - started < 10
        assert srv.url.startswith("http://127.0.0.1:")
        assert srv.port and srv.port > 0
        assert httpx.get(f"{srv.url}/api/v1/models").status_code == 200
        assert httpx.get(f"{srv.url}/v1/models").status_code == 404
    finally:
        srv.stop()
    with pytest.raises(RuntimeError):
        _ = srv.url
    with ContractServer() as again:
        assert httpx.get(again.base_url + "/models").status_code == 200


def test_common_headers_and_recording(client: httpx.Client, srv: ContractServer) -> None:
    r = client.get("/models", headers={"X-Request-ID": "abc-123"})
    assert r.headers["x-request-id"] == "abc-123"
    assert r.headers["x-ratelimit-remaining"].isdigit()
    assert client.get("/models").headers["x-request-id"]
    client.post("/chat/completions", json={"model": "gpt-4", "messages": [{"role": "user", "content": "x"}]})
    recorded = srv.requests_to("/chat/completions")
    assert len(recorded) == 1
    assert recorded[0].method == "POST"
    assert recorded[0].path == "/v1/chat/completions"
    assert recorded[0].json["model"] == "gpt-4"
    assert recorded[0].headers["Authorization"] == f"Bearer {KEY}"
    assert [r.path for r in srv.requests][:2] == ["/v1/models", "/v1/models"]


# --------------------------------------------------------------------------------------------------
# Listings


def test_models_both_shapes(anon: httpx.Client, srv: ContractServer) -> None:
    body = anon.get("/models").json()
    assert body["object"] == "list"
    assert {(m["id"], m["created"]) for m in body["data"]} == {
        ("gpt-4", 1687882411),
        ("gpt-3.5-turbo", 1677610602),
        ("claude-3-5-sonnet-20241022", 1729641600),
    }
    assert all(m["owned_by"] == "ainative" and m["available"] is True for m in body["data"])
    srv.models_shape = "models"
    assert [m["id"] for m in anon.get("/models").json()["models"]][0] == "gpt-4"


def test_embedding_models_need_auth(anon: httpx.Client, client: httpx.Client) -> None:
    r = anon.get("/public/embeddings/models")
    assert r.status_code == 401
    assert r.json() == {"detail": "Not authenticated"}
    r = anon.get("/public/embeddings/models", headers={"Authorization": "Bearer wrong"})
    assert r.status_code == 401
    assert r.json() == {"detail": "Invalid API key"}
    models = anon.get("/public/embeddings/models", headers={"X-API-Key": KEY}).json()
    assert [(m["id"], m["dimensions"], m["speed"]) for m in models] == [
        ("BAAI/bge-small-en-v1.5", 384, "Fast"),
        ("BAAI/bge-base-en-v1.5", 768, "Medium"),
        ("BAAI/bge-large-en-v1.5", 1024, "Slow"),
    ]
    assert models[0]["loaded"] is True and all(m["description"] for m in models)
    assert client.get("/public/embeddings/models").status_code == 200


def test_registry_and_health(anon: httpx.Client, srv: ContractServer) -> None:
    assert anon.get("/public/ai-registry/models").json() == {"models": [], "total": 0}
    srv.registry_models = [{"id": "m1", "name": "M1", "category": "image"}]
    assert anon.get("/public/ai-registry/models").json() == {"models": srv.registry_models, "total": 1}
    health = anon.get("/multimodal/health").json()
    assert health["status"] == "healthy"
    assert health["services"]["video"]["models"] == ["wan22", "seedance", "sora2", "t2v", "cogvideox"]
    srv.health = {"status": "degraded", "services": {"image": {"available": False, "models": []}}}
    assert anon.get("/multimodal/health").json()["status"] == "degraded"


# --------------------------------------------------------------------------------------------------
# Chat


def test_chat_completion(client: httpx.Client) -> None:
    r = client.post(
        "/chat/completions",
        json={
            "model": "gpt-4",
            "messages": [{"role": "system", "content": "be brief"}, {"role": "user", "content": "hello there"}],
            "temperature": 0.5,
            "extra_field": "ignored",
        },
    )
    assert r.status_code == 200
    body = r.json()
    assert body["model"] == "gpt-4"
    assert body["choices"][0]["message"] == {"role": "assistant", "content": "Echo: hello there"}
    assert body["usage"]["total_tokens"] == body["usage"]["prompt_tokens"] + body["usage"]["completion_tokens"]
    short = client.post(
        "/chat/completions",
        json={"model": "gpt-4", "max_tokens": 2, "messages": [{"role": "user", "content": "a b c d"}]},
    ).json()
    assert short["choices"][0]["message"]["content"] == "Echo: a"
    assert short["choices"][0]["finish_reason"] == "length"


def test_chat_stream_arrives_in_chunks(client: httpx.Client) -> None:
    payload = {"model": "gpt-4", "stream": True, "messages": [{"role": "user", "content": "one two three four"}]}
    arrivals: list[float] = []
    events: list[str] = []
    with client.stream("POST", "/chat/completions", json=payload) as r:
        assert r.status_code == 200
        assert r.headers["content-type"].startswith("text/event-stream")
        for line in r.iter_lines():
            if line.startswith("data: "):
                arrivals.append(time.monotonic())
                events.append(line[len("data: ") :])
    assert events[-1] == "[DONE]"
    chunks = [json.loads(e) for e in events[:-1]]
    assert all(c["object"] == "chat.completion.chunk" for c in chunks)
    text = "".join(c["choices"][0]["delta"].get("content", "") for c in chunks)
    assert text == "Echo: one two three four"
    assert chunks[-1]["choices"][0]["finish_reason"] == "stop"
    assert len(chunks) >= 6
    assert arrivals[-1] - arrivals[0] >= 0.06  # words were spread over time, not sent at once


def test_chat_validation(client: httpx.Client) -> None:
    bad = [
        {"model": "gpt-4", "messages": []},
        {"model": "gpt-4", "messages": [{"role": "user", "content": "x"}], "temperature": 3},
        {"model": "gpt-4", "messages": [{"role": "user", "content": "x"}], "top_p": 1.5},
        {"messages": [{"role": "user", "content": "x"}]},
        {"model": "gpt-4", "messages": [{"role": "robot", "content": "x"}]},
    ]
    for body in bad:
        r = client.post("/chat/completions", json=body)
        assert r.status_code == 422, body
        detail = r.json()["detail"]
        assert isinstance(detail, list) and {"loc", "msg", "type"} <= set(detail[0])
    r = client.post("/chat/completions", content=b"{not json", headers={"Content-Type": "application/json"})
    assert r.status_code == 422


# --------------------------------------------------------------------------------------------------
# Image and video


def test_image_generation(client: httpx.Client, srv: ContractServer) -> None:
    r = client.post("/multimodal/image", json={"prompt": "a red fox", "width": 768, "style": "anime"})
    assert r.status_code == 201
    body = r.json()
    assert (body["format"], body["width"], body["height"], body["credits_used"]) == ("png", 768, 1024, 50)
    image = Image.open(io.BytesIO(base64.b64decode(body["image_base64"])))
    assert image.format == "PNG"
    assert image.size == (768 // 8, 1024 // 8)
    again = client.post("/multimodal/image", json={"prompt": "a red fox", "width": 768}).json()
    assert again["image_base64"] == body["image_base64"]  # deterministic per prompt
    assert client.post("/multimodal/image", json={"prompt": "x", "width": 100}).status_code == 422
    assert client.post("/multimodal/image", json={"prompt": "x" * 2001}).status_code == 422
    assert client.post("/multimodal/image", json={}).json()["detail"][0]["loc"] == ["body", "prompt"]

    srv.image_mode = "url"
    url = client.post("/multimodal/image", json={"prompt": "a red fox"}).json()["image_url"]
    fetched = httpx.get(url)
    assert fetched.status_code == 200 and sniff_media(fetched.content) == "png"


def test_image_to_video_providers(client: httpx.Client, srv: ContractServer, tmp_path) -> None:
    data_uri = "data:image/png;base64," + base64.b64encode(png_bytes(8, 8, (1, 2, 3))).decode()
    for provider, credits, seconds in (("wan22", 400, 5), ("seedance", 520, 5), ("sora2", 800, 4)):
        r = client.post(
            "/multimodal/video/i2v",
            json={"image_url": data_uri, "motion_prompt": "slow pan", "provider": provider},
        )
        assert r.status_code == 201, r.text
        body = r.json()
        assert (body["format"], body["fps"], body["credits_used"]) == ("mp4", 8, credits)
        assert body["duration_s"] == seconds
        assert body["credits_remaining"] == srv.credits
        frames, secs = mp4_info(base64.b64decode(body["video_base64"]), tmp_path)
        assert frames == seconds * 8 and secs > 0
        usage = client.get(f"/multimodal/usage/{body['usage_id']}").json()
        assert usage["endpoint_type"] == "video_i2v" and usage["status"] == "completed"
    for bad in (
        {"image_url": "ftp://x/y.png", "motion_prompt": "pan"},
        {"image_url": "data:image/png;base64,aGVsbG8=", "motion_prompt": "pan"},  # "hello" is no image
        {"image_url": "https://x/y.png", "motion_prompt": "pan", "provider": "other"},
        {"image_url": "https://x/y.png"},
    ):
        assert client.post("/multimodal/video/i2v", json=bad).status_code == 422, bad


def test_wan_run_route(client: httpx.Client, tmp_path) -> None:
    body = {
        "input": {"prompt": "origami boat", "image": "https://example.com/a.png", "negative_prompt": "blur"},
        "num_inference_steps": 40,
        "guidance": 5,
        "flow_shift": 3,
        "seed": 42,
        "enable_prompt_optimization": False,
        "enable_safety_checker": True,
        "size": "1280*720",
        "duration": 8,
    }
    r = client.post("/wan-2-2-i2v-720/run", json=body)
    assert r.status_code == 201, r.text
    result = r.json()
    assert result["duration_s"] == 8 and result["credits_used"] == PRICES["wan_run"][8]
    assert mp4_info(base64.b64decode(result["video_base64"]), tmp_path)[0] == 64
    for change in ({"duration": 7}, {"num_inference_steps": 0}, {"size": "640*480"}, {"input": {"prompt": "x"}}):
        r = client.post("/wan-2-2-i2v-720/run", json={**body, **change})
        assert r.status_code == 422, change


def test_text_to_video_and_cogvideox(client: httpx.Client, tmp_path) -> None:
    r = client.post("/multimodal/video/t2v", json={"prompt": "waves", "duration": 2})
    assert r.status_code == 201 and r.json()["credits_used"] == 1000 and r.json()["duration_s"] == 2
    assert client.post("/multimodal/video/t2v", json={"prompt": "waves", "duration": 11}).status_code == 422
    assert client.post("/multimodal/video/t2v", json={"prompt": "x" * 1001}).status_code == 422
    r = client.post("/multimodal/video/cogvideox", json={"prompt": "a cat", "num_frames": 17, "guidance_scale": 6})
    assert r.status_code == 201 and r.json()["credits_used"] == 800
    frames, _ = mp4_info(base64.b64decode(r.json()["video_base64"]), tmp_path)
    assert frames == 17
    assert client.post("/multimodal/video/cogvideox", json={"prompt": "a", "num_frames": 20}).status_code == 422
    bad_steps = {"prompt": "a", "num_inference_steps": 101}
    assert client.post("/multimodal/video/cogvideox", json=bad_steps).status_code == 422


# --------------------------------------------------------------------------------------------------
# Audio


def test_transcription_and_translation(client: httpx.Client, srv: ContractServer) -> None:
    audio = wav_bytes(0.5)
    r = client.post(
        "/audio/transcriptions",
        files={"file": ("tone.wav", audio, "audio/wav")},
        data={"model": "whisper-1", "language": "en", "response_format": "json", "temperature": "0"},
    )
    assert r.status_code == 200
    assert r.json() == {"text": f"Transcribed {len(audio)} bytes of audio"}
    recorded = srv.requests_to("/audio/transcriptions")[0]
    assert recorded.files["file"] == ("tone.wav", "audio/wav", len(audio))
    assert recorded.form["language"] == "en"

    srv.transcript_key = "transcript"
    r = client.post("/audio/translations", files={"file": ("t.mp4", mp4_bytes(), "video/mp4")})
    assert r.json()["transcript"].startswith("Translated ")
    r = client.post(
        "/audio/transcriptions", files={"file": ("a.wav", audio, "audio/wav")}, data={"response_format": "text"}
    )
    assert r.headers["content-type"].startswith("text/plain") and r.text.startswith("Transcribed")

    r = client.post("/audio/transcriptions", files={"file": ("notes.txt", b"just some text", "audio/wav")})
    assert r.status_code == 422
    assert r.json()["detail"][0]["loc"] == ["body", "file"]
    assert client.post("/audio/transcriptions", data={"model": "whisper-1"}).status_code == 422


def test_speech_json_and_bytes(client: httpx.Client, srv: ContractServer) -> None:
    r = client.post("/audio/speech", json={"input": "hello world", "voice": "alloy"})
    assert r.status_code == 201
    body = r.json()
    assert body["format"] == "wav" and body["credits_used"] == 14 and body["usage_id"]
    with wave.open(io.BytesIO(base64.b64decode(body["audio_base64"]))) as w:
        assert abs(w.getnframes() / w.getframerate() * 1000 - body["duration_ms"]) < 5
    assert client.post("/audio/speech", json={"text": "hi", "voice": "nova"}).status_code == 201
    assert client.post("/audio/speech", json={"voice": "alloy"}).status_code == 422
    srv.speech_mode = "bytes"
    r = client.post("/audio/speech", json={"input": "hello", "voice": "alloy"})
    assert r.headers["content-type"] == "audio/wav"
    assert sniff_media(r.content) == "wav"


# --------------------------------------------------------------------------------------------------
# Embeddings and usage


def test_openai_embeddings(client: httpx.Client) -> None:
    r = client.post("/embeddings", json={"input": ["alpha", "beta"], "model": "BAAI/bge-base-en-v1.5"})
    assert r.status_code == 200
    body = r.json()
    assert body["object"] == "list" and body["model"] == "BAAI/bge-base-en-v1.5"
    vectors = [d["embedding"] for d in body["data"]]
    assert [len(v) for v in vectors] == [768, 768]
    assert math.isclose(math.fsum(x * x for x in vectors[0]), 1.0, rel_tol=1e-9)
    single = client.post("/embeddings", json={"input": "alpha", "model": "bge-base-en-v1.5"}).json()
    assert single["data"][0]["embedding"] == vectors[0]
    assert client.post("/embeddings", json={"input": "x", "model": "nope"}).status_code == 422


def test_project_embeddings(client: httpx.Client) -> None:
    r = client.post(
        "/public/proj-7/embeddings/generate", json={"texts": ["a", "b", "c"], "model": "BAAI/bge-large-en-v1.5"}
    )
    body = r.json()
    assert r.status_code == 200
    assert (body["dimensions"], body["count"], body["project_id"]) == (1024, 3, "proj-7")
    assert all(math.isclose(math.fsum(x * x for x in v), 1.0, rel_tol=1e-9) for v in body["embeddings"])
    raw = client.post("/public/p/embeddings/generate", json={"texts": ["a"], "normalize": False}).json()
    assert raw["model"] == "BAAI/bge-small-en-v1.5" and raw["dimensions"] == 384
    assert not math.isclose(math.fsum(x * x for x in raw["embeddings"][0]), 1.0, rel_tol=1e-3)
    assert client.post("/public/p/embeddings/generate", json={"texts": []}).status_code == 422
    assert client.post("/public/p/embeddings/generate", json={"texts": ["x"] * 101}).status_code == 422


def test_usage_listing(client: httpx.Client, srv: ContractServer) -> None:
    client.post("/multimodal/image", json={"prompt": "one"})
    client.post("/audio/speech", json={"input": "two", "voice": "alloy"})
    pending = srv.add_usage_record("video_t2v", status="pending")
    listing = client.get("/multimodal/usage", params={"skip": 0, "limit": 10}).json()
    assert listing["total"] == 3 and [r["endpoint_type"] for r in listing["items"]] == ["video_t2v", "tts", "image"]
    only = client.get("/multimodal/usage", params={"endpoint_type": "image"}).json()
    assert [r["endpoint_type"] for r in only["items"]] == ["image"]
    assert client.get(f"/multimodal/usage/{pending}").json()["status"] == "pending"
    assert client.get("/multimodal/usage/missing").status_code == 404
    assert client.get("/multimodal/usage", params={"limit": 101}).status_code == 422
    assert client.get("/multimodal/usage", params={"endpoint_type": "bogus"}).status_code == 422


# --------------------------------------------------------------------------------------------------
# Auth, credits, rate limits, error styles


def test_run_routes_require_auth(anon: httpx.Client) -> None:
    routes = [
        "/chat/completions",
        "/multimodal/image",
        "/multimodal/video/i2v",
        "/wan-2-2-i2v-720/run",
        "/multimodal/video/t2v",
        "/multimodal/video/cogvideox",
        "/audio/transcriptions",
        "/audio/translations",
        "/audio/speech",
        "/embeddings",
        "/public/p/embeddings/generate",
    ]
    for route in routes:
        r = anon.post(route, json={})
        assert r.status_code == 401, route
        assert r.json() == {"detail": "Not authenticated"}
        assert anon.post(route, json={}, headers={"X-API-Key": "bad"}).json() == {"detail": "Invalid API key"}
    r = anon.post("/multimodal/image", json={"prompt": "x"}, headers={"X-API-Key": KEY})
    assert r.status_code == 201


def test_insufficient_credits(client: httpx.Client, srv: ContractServer) -> None:
    srv.credits = 60
    assert client.post("/multimodal/image", json={"prompt": "x"}).status_code == 201
    r = client.post("/multimodal/image", json={"prompt": "x"})
    assert r.status_code == 402 and r.json() == {"detail": "Insufficient credits"}
    assert srv.credits == 10


def test_rate_limits(client: httpx.Client, srv: ContractServer) -> None:
    for _ in range(7):
        assert client.post("/multimodal/image", json={"prompt": "x"}).status_code == 201  # off by default
    srv.enforce_rate_limits = True
    remaining = [client.post("/multimodal/image", json={"prompt": "x"}).headers["x-ratelimit-remaining"]
                 for _ in range(5)]  # fmt: skip
    assert remaining == ["4", "3", "2", "1", "0"]
    r = client.post("/multimodal/image", json={"prompt": "x"})
    assert r.status_code == 429 and r.json() == {"detail": "Rate limit exceeded"}
    assert r.headers["x-ratelimit-remaining"] == "0"
    assert client.post("/audio/speech", json={"input": "x", "voice": "a"}).status_code == 201  # other bucket
    srv.rate_window = 0.2
    time.sleep(0.25)
    assert client.post("/multimodal/image", json={"prompt": "x"}).status_code == 201


def test_error_styles(anon: httpx.Client, srv: ContractServer) -> None:
    srv.error_style = "message"
    assert anon.post("/multimodal/image", json={}).json() == {"message": "Not authenticated"}
    srv.error_style = "error"
    err = anon.post("/multimodal/image", json={}).json()["error"]
    assert err["message"] == "Not authenticated" and err["type"] and err["code"]


# --------------------------------------------------------------------------------------------------
# Faults


def test_fault_status(anon: httpx.Client, srv: ContractServer) -> None:
    srv.set_fault("/models", Fault(status=503))
    r = anon.get("/models")
    assert r.status_code == 503 and r.json() == {"detail": "Service Unavailable"}
    assert anon.get("/public/ai-registry/models").status_code == 200  # other routes untouched
    srv.set_fault("/public/ai-registry/models", Fault(status=404))
    assert anon.get("/public/ai-registry/models").json() == {"detail": "Not Found"}
    srv.set_fault("/models", None)
    assert anon.get("/models").status_code == 200


def test_fault_timeout(anon: httpx.Client, srv: ContractServer) -> None:
    srv.set_fault("/multimodal/health", Fault(delay=2.0))
    started = time.monotonic()
    with pytest.raises(httpx.TimeoutException):
        anon.get("/multimodal/health", timeout=0.2)
    assert time.monotonic() - started < 1.5
    srv.set_fault("/multimodal/health", Fault(delay=0.1))
    r = anon.get("/multimodal/health")
    assert r.status_code == 200 and r.elapsed.total_seconds() >= 0.1


def test_fault_drop_connection(anon: httpx.Client, srv: ContractServer) -> None:
    srv.set_fault("/models", Fault(drop_connection=True))
    with pytest.raises(httpx.RemoteProtocolError):
        anon.get("/models")
    srv.set_fault("/models", None)
    assert anon.get("/models").status_code == 200  # the server survives


def test_connection_refused_after_stop() -> None:
    srv = ContractServer().start()
    url = srv.base_url + "/models"
    srv.stop()
    with pytest.raises(httpx.ConnectError):
        httpx.get(url, timeout=2)


def test_fault_malformed_and_wrong_types(anon: httpx.Client, srv: ContractServer) -> None:
    srv.set_fault("/models", Fault(body=b"{not json"))
    r = anon.get("/models")
    assert r.status_code == 200
    with pytest.raises(json.JSONDecodeError):
        r.json()
    srv.set_fault("/models", Fault(body=b'{"data": "nope"}'))
    assert anon.get("/models").json() == {"data": "nope"}
    srv.set_fault("/models", Fault(status=502, body=b"<html>Bad gateway</html>", content_type="text/html"))
    r = anon.get("/models")
    assert r.status_code == 502 and r.headers["content-type"] == "text/html"


def test_fault_oversize(anon: httpx.Client, srv: ContractServer) -> None:
    size = 3_000_000
    srv.set_fault("/public/ai-registry/models", Fault(oversize_bytes=size))
    with anon.stream("GET", "/public/ai-registry/models") as r:
        assert "content-length" not in r.headers
        seen = 0
        for chunk in r.iter_bytes():
            seen += len(chunk)
            if seen > 1_000_000:  # a careful client stops here
                break
    assert seen > 1_000_000
    full = anon.get("/public/ai-registry/models")
    assert len(full.content) == size
    assert full.json()["models"] == []  # valid-looking JSON
    assert anon.get("/models").status_code == 200


def test_fault_times_and_patterns(anon: httpx.Client, client: httpx.Client, srv: ContractServer) -> None:
    srv.set_fault("/models", Fault(status=500, times=1))
    assert anon.get("/models").status_code == 500
    assert anon.get("/models").status_code == 200
    srv.set_fault("/multimodal/usage/{usage_id}", Fault(status=500))
    assert client.get("/multimodal/usage/abc").status_code == 500
    srv.set_fault("/public/*/embeddings/generate", Fault(status=503))
    assert client.post("/public/p1/embeddings/generate", json={"texts": ["a"]}).status_code == 503


def test_latency(anon: httpx.Client, srv: ContractServer) -> None:
    srv.set_latency(0.15)
    started = time.monotonic()
    anon.get("/models")
    assert time.monotonic() - started >= 0.15
    srv.reset()
    assert srv.latency == 0


# --------------------------------------------------------------------------------------------------
# In process


async def test_in_process_app() -> None:
    state = ContractState(api_key="k2", prefix="/api/v1")
    app = build_contract_app(state)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://contract") as c:
        assert (await c.get("/api/v1/models")).json()["data"][0]["id"] == "gpt-4"
        r = await c.post("/api/v1/multimodal/image", json={"prompt": "x"}, headers={"X-API-Key": "k2"})
        assert r.status_code == 201
        assert (await c.post("/api/v1/multimodal/image", json={"prompt": "x"})).status_code == 401
        state.set_fault("/models", Fault(drop_connection=True))
        with pytest.raises(httpx.RemoteProtocolError):
            await c.get("/api/v1/models")
    assert [r.path for r in state.requests][:2] == ["/api/v1/models", "/api/v1/multimodal/image"]


# --------------------------------------------------------------------------------------------------
# Media


def test_media_helpers(tmp_path) -> None:
    png = png_bytes(20, 10, (10, 20, 30))
    image = Image.open(io.BytesIO(png))
    assert image.size == (20, 10) and image.getpixel((0, 0)) == (10, 20, 30)
    video = mp4_bytes(64, 36, 1.0, 8)
    assert mp4_bytes(64, 36, 1.0, 8) is video  # cached
    frames, secs = mp4_info(video, tmp_path)
    assert frames == 8 and secs > 0
    assert b"avc1" in video[:4096] or b"avc1" in video  # H.264
    audio = wav_bytes(0.25, 440, 8000)
    with wave.open(io.BytesIO(audio)) as w:
        assert (w.getframerate(), w.getnframes(), w.getnchannels()) == (8000, 2000, 1)
    assert [sniff_media(b) for b in (png, video, audio)] == ["png", "mp4", "wav"]


@pytest.mark.parametrize(
    ("head", "kind"),
    [
        (b"ID3\x04\x00" + b"\x00" * 16, "mp3"),
        (b"\xff\xfb\x90\x00" + b"\x00" * 16, "mp3"),
        (b"OggS\x00\x02" + b"\x00" * 16, "ogg"),
        (b"\x1a\x45\xdf\xa3" + b"\x00" * 16, "webm"),
        (b"fLaC\x00\x00\x00\x22" + b"\x00" * 16, "flac"),
        (b"\xff\xd8\xff\xe0" + b"\x00" * 16, "jpeg"),
        (b"RIFF\x00\x00\x00\x00WEBPVP8 ", "webp"),
        (b"\xff\xf1\x50\x80" + b"\x00" * 16, None),  # AAC ADTS, not MP3
        (b"hello world, not media", None),
        (b"", None),
    ],
)
def test_sniff_media(head: bytes, kind: str | None) -> None:
    assert sniff_media(head) == kind
