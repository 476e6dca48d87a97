"""Each kind reads recorded upstream answers (CONTRACT.md shapes) into its typed output."""

from __future__ import annotations

import base64
import re
import struct
from pathlib import Path

import pytest

from ai_registry.catalog.builtin import load_builtin_catalog
from ai_registry.kinds import Answer, BadAnswer, OutputKind, SavedMedia, build_request, kind_for

CATALOG = {m.slug: m for m in load_builtin_catalog()}


def read(slug: str, answer: Answer, values: dict | None = None):
    model = CATALOG[slug]
    spec = build_request(model, values or {})
    return kind_for(model).read_response(answer, spec)


def test_chat_completion_whole() -> None:
    body = {"id": "c1", "choices": [{"index": 0, "message": {"role": "assistant", "content": "Hi there"}}]}
    out = read("gpt-4", Answer(json=body))
    assert (out.kind, out.text, out.response) == (OutputKind.CHAT, "Hi there", body)


def test_chat_stream_events_become_one_completion() -> None:
    events = [
        {"id": "s1", "model": "gpt-4", "choices": [{"delta": {"content": "Hel"}}]},
        {"id": "s1", "choices": [{"delta": {"content": "lo"}, "finish_reason": "stop"}]},
        {"id": "s1", "choices": [], "usage": {"prompt_tokens": 3, "completion_tokens": 2}},
    ]
    kind = kind_for(CATALOG["gpt-4"])
    assert [kind.stream_text(e) for e in events] == ["Hel", "lo", ""]
    out = read("gpt-4", Answer(events=events, streamed_text="Hello"))
    assert out.text == "Hello"
    assert out.response["choices"][0] == {
        "index": 0,
        "message": {"role": "assistant", "content": "Hello"},
        "finish_reason": "stop",
    }
    assert out.response["usage"] == {"prompt_tokens": 3, "completion_tokens": 2}
    assert (out.response["id"], out.response["model"], out.response["events"]) == ("s1", "gpt-4", 3)


@pytest.mark.parametrize(
    ("answer", "reason"),
    [
        (Answer(text="<html>oops</html>"), "not JSON"),
        (Answer(json={"choices": []}), re.escape("no choices[0].message.content")),
    ],
)
def test_chat_refuses_garbage(answer: Answer, reason: str) -> None:
    with pytest.raises(BadAnswer, match=reason):
        read("gpt-4", answer)


def test_transcript_from_json_and_from_text() -> None:
    out = read("whisper-transcription", Answer(json={"text": "hello world"}))
    assert (out.kind, out.text) == (OutputKind.TEXT, "hello world")
    out = read("whisper-transcription", Answer(json={"transcript": "from the other field"}))
    assert out.text == "from the other field"
    srt = "1\n00:00:00,000 --> 00:00:01,000\nhello\n"
    out = read("whisper-transcription", Answer(text=srt, content_type="application/x-subrip"))
    assert out.text == srt and out.response == {"text": srt, "content_type": "application/x-subrip"}
    with pytest.raises(BadAnswer, match="no text or transcript"):
        read("whisper-transcription", Answer(json={"words": []}))
    with pytest.raises(BadAnswer, match="not JSON"):  # broken JSON is not a transcript
        read("whisper-transcription", Answer(text='{"text": "cut', content_type="application/json"))


def media(tmp_path: Path, container: str, output: OutputKind, content_type: str) -> SavedMedia:
    path = tmp_path / f"run.{container}"
    path.write_bytes(b"x")
    return SavedMedia(path=path, content_type=content_type, container=container, output=output, size=1)


def test_image_and_video_keep_the_saved_file(tmp_path: Path) -> None:
    png = media(tmp_path, "png", OutputKind.IMAGE, "image/png")
    out = read("qwen-image-edit", Answer(media=png, json={"format": "png"}))
    assert (out.kind, out.media, out.response) == (OutputKind.IMAGE, png, {"format": "png"})
    mp4 = media(tmp_path, "mp4", OutputKind.VIDEO, "video/mp4")
    out = read("cogvideox-2b", Answer(media=mp4))
    assert (out.kind, out.media) == (OutputKind.VIDEO, mp4)
    with pytest.raises(BadAnswer, match="holds no video"):
        read("cogvideox-2b", Answer(json={"status": "done"}))


def test_speech_in_an_mp4_container_is_audio(tmp_path: Path) -> None:
    mp4 = media(tmp_path, "mp4", OutputKind.VIDEO, "video/mp4")
    out = read("tts", Answer(media=mp4))
    assert out.kind is OutputKind.AUDIO
    assert out.media is not None and out.media.content_type == "audio/mp4"
    wav = media(tmp_path, "wav", OutputKind.AUDIO, "audio/wav")
    assert read("tts", Answer(media=wav)).media == wav


def test_embeddings_in_both_shapes_and_base64() -> None:
    values = {"input": ["a", "b"]}
    openai = {"data": [{"index": 1, "embedding": [0.0, 1.0]}, {"index": 0, "embedding": [1.0, 0.0]}], "model": "m"}
    out = read("bge-small-en-v1-5", Answer(json=openai), values)
    assert out.kind is OutputKind.EMBEDDINGS and out.data is not None
    assert out.data["vectors"] == [[1.0, 0.0], [0.0, 1.0]]  # ordered by index
    assert out.data["similarity"] == [[1.0, 0.0], [0.0, 1.0]]
    assert (out.data["dimensions"], out.data["texts"], out.data["model"]) == (2, ["a", "b"], "m")
    packed = base64.b64encode(struct.pack("<2f", 0.6, 0.8)).decode()
    out = read("bge-small-en-v1-5", Answer(json={"embeddings": [packed, [0.6, 0.8]]}), values)
    assert out.data is not None and out.data["similarity"][0][1] == pytest.approx(1.0)


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ({"data": []}, "no embedding vectors"),
        ({"embeddings": [[1.0], "%%%"]}, "no embedding vectors"),
        ({"embeddings": [[1.0, 2.0], [1.0]]}, "different lengths"),
    ],
)
def test_embeddings_refuse_garbage(body: dict, reason: str) -> None:
    with pytest.raises(BadAnswer, match=reason):
        read("bge-small-en-v1-5", Answer(json=body))
