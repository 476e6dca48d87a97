"""The official `openai` client, with a member's registry key and the gateway as `base_url`: it lists
the catalog and runs chat (streamed and not), embeddings, speech and transcription against upstream
models (the loopback contract server, which sees the administrator's key, never the member's) and
against the embedded engine's local models. Every call leaves a usage record."""

from __future__ import annotations

import base64
import io
import json
import time
import wave

import pytest
from openai import OpenAI

from ai_registry.store.db import session_scope
from ai_registry.store.tables import UsageRecord
from tests.gateway.conftest import UPSTREAM_KEY
from tests.support.media import wav_bytes


def records(at_least: int = 0) -> list[UsageRecord]:
    """The usage records, oldest first; waits (at most 10 s) until `at_least` are there, since a
    streamed answer's record is written just after its last byte."""
    from sqlmodel import select

    deadline = time.monotonic() + 10
    while True:
        with session_scope() as session:
            rows = list(session.exec(select(UsageRecord).order_by(UsageRecord.id)))
        if len(rows) >= at_least or time.monotonic() > deadline:
            return rows
        time.sleep(0.05)


@pytest.fixture
def client(gateway) -> OpenAI:
    with OpenAI(base_url=gateway.base_url, api_key=gateway.keys["member"], max_retries=0, timeout=120) as openai:
        yield openai


def assert_admin_key_only(gateway, path: str, count: int | None = None) -> None:
    seen = gateway.upstream.requests_to(path)
    assert seen, f"the upstream received no call of {path}"
    if count is not None:
        assert len(seen) == count
    for request in seen:
        assert request.headers.get("authorization") == f"Bearer {UPSTREAM_KEY}"
        assert gateway.keys["member"] not in json.dumps(request.headers)
        assert "x-api-key" not in {k.lower() for k in request.headers}


def test_lists_every_catalog_model_for_a_member(client) -> None:
    ids = {m.id for m in client.models.list().data}
    assert {"gpt-4", "tts-1", "whisper-transcription", "qwen-image-edit", "smollm2-135m-instruct"} <= ids
    assert len(ids) >= 19
    assert client.models.retrieve("gpt-4").owned_by


def test_upstream_chat_plain_and_streamed(client, gateway) -> None:
    answer = client.chat.completions.create(
        model="gpt-4", messages=[{"role": "user", "content": "Say hello"}], max_tokens=20
    )
    assert answer.choices[0].message.content
    assert answer.usage.completion_tokens > 0
    stream = client.chat.completions.create(
        model="gpt-4", messages=[{"role": "user", "content": "Count to five please"}], max_tokens=30, stream=True
    )
    pieces = [c.choices[0].delta.content for c in stream if c.choices and c.choices[0].delta.content]
    assert len(pieces) >= 2
    assert_admin_key_only(gateway, "/chat/completions", count=2)
    rows = [r for r in records(2) if r.model_slug == "gpt-4"]
    assert len(rows) == 2 and all(r.status == "ok" and r.source == "api" for r in rows)
    assert rows[0].prompt_tokens and rows[0].completion_tokens == answer.usage.completion_tokens
    assert rows[1].ttft_ms is not None and rows[1].latency_ms >= rows[1].ttft_ms
    assert all(r.user_id == gateway.user_ids["member"] and r.key_id == gateway.key_ids["member"] for r in rows)
    assert len({r.request_id for r in rows}) == 2


def test_upstream_embeddings_speech_transcription(client, gateway) -> None:
    vectors = client.embeddings.create(model="BAAI/bge-small-en-v1.5", input=["one", "two"])
    assert len(vectors.data) == 2 and len(vectors.data[0].embedding) == 384
    speech = client.audio.speech.create(model="tts-1", voice="alloy", input="Hello from the gateway")
    body = speech.read()
    audio = base64.b64decode(json.loads(body)["audio_base64"]) if body.startswith(b"{") else body
    assert audio[:4] == b"RIFF"
    text = client.audio.transcriptions.create(
        model="whisper-1", file=("hello.wav", wav_bytes(1.0, 440.0, 16000), "audio/wav")
    )
    assert text.text
    for path in ("/embeddings", "/audio/speech", "/audio/transcriptions"):
        assert_admin_key_only(gateway, path, count=1)
    by_model = {r.model_slug: r for r in records(3)}
    tts = by_model["tts"]
    assert tts.characters == len("Hello from the gateway")
    assert tts.credits == 14 and tts.estimated is False  # the contract server's credits_used
    assert tts.usd == pytest.approx(0.015)


def test_local_models_through_the_gateway(client, gateway) -> None:
    answer = client.chat.completions.create(
        model="smollm2-135m-instruct", messages=[{"role": "user", "content": "Hi"}], max_tokens=8, temperature=0
    )
    assert answer.choices[0].message.content is not None
    stream = client.chat.completions.create(
        model="smollm2-135m-instruct",
        messages=[{"role": "user", "content": "Name a color"}],
        max_tokens=8,
        stream=True,
    )
    assert "".join(c.choices[0].delta.content or "" for c in stream if c.choices)
    vectors = client.embeddings.create(model="all-minilm-l6-v2", input="local vectors")
    assert len(vectors.data[0].embedding) == 384
    speech = client.audio.speech.create(model="piper-en_US-joe-medium", voice="joe", input="Local speech works.")
    audio = speech.read()
    assert audio[:4] == b"RIFF"
    with wave.open(io.BytesIO(audio)) as clip:
        assert clip.getnframes() > 0
    text = client.audio.transcriptions.create(model="whisper-tiny.en", file=("speech.wav", audio, "audio/wav"))
    assert "speech" in text.text.lower() or text.text.strip()
    assert [r.path for r in gateway.upstream.requests if r.method == "POST"] == []  # nothing local went upstream
    rows = records(5)
    assert [r.model_slug for r in rows] == [
        "local-smollm2-135m-instruct", "local-smollm2-135m-instruct", "local-all-minilm-l6-v2",
        "local-piper-en-us-joe", "local-whisper-tiny-en",
    ]  # fmt: skip
    assert all(r.status == "ok" and r.usd == 0 and not r.estimated for r in rows)
