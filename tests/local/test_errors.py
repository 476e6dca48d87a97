"""Bad input gets OpenAI-style error JSON with the right status; keys are required where they should be."""

from __future__ import annotations

import json
from typing import Any

import httpx
import openai
import pytest
from openai import OpenAI

from ai_registry.local.chat import ChatEngineError, ChatRunner
from ai_registry.local.config import LocalEngineSettings
from tests.local.conftest import REVOKED_KEY, TEST_KEY
from tests.media.craft import wav_bytes as craft_wav
from tests.media.craft import wav_with
from tests.support.media import png_bytes

CHAT = "/v1/chat/completions"
EMBED = "/v1/embeddings"
SPEECH = "/v1/audio/speech"
TRANSCRIBE = "/v1/audio/transcriptions"
USER = [{"role": "user", "content": "Hello"}]


def error_of(response: httpx.Response, status: int, code: str | None = None, param: str | None = None) -> dict:
    """Assert an OpenAI-style error with this status (and code/param when given); return its body."""
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"error"}
    error = body["error"]
    assert set(error) == {"message", "type", "param", "code"}
    assert error["message"]
    if code is not None:
        assert error["code"] == code
    if param is not None:
        assert error["param"] == param
    return error


def post(http: httpx.Client, auth: dict[str, str], path: str, body: Any) -> httpx.Response:
    return http.post(path, json=body, headers=auth)


# --- keys -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("POST", CHAT, {"messages": USER}),
        ("POST", EMBED, {"input": "x"}),
        ("POST", SPEECH, {"input": "x"}),
        ("POST", TRANSCRIBE, None),
        ("POST", "/v1/public/proj-1/embeddings/generate", {"texts": ["x"]}),
    ],
)
def test_every_model_route_needs_a_key(http: httpx.Client, method: str, path: str, body: Any) -> None:
    missing = http.request(method, path, json=body)
    error = error_of(missing, 401, "missing_api_key")
    assert error["type"] == "authentication_error"
    assert missing.headers["www-authenticate"] == "Bearer"
    error_of(http.request(method, path, json=body, headers={"Authorization": f"Bearer {REVOKED_KEY}"}), 401,
             "invalid_api_key")
    error_of(http.request(method, path, json=body, headers={"X-API-Key": "nope"}), 401, "invalid_api_key")
    error_of(http.request(method, path, json=body, headers={"Authorization": "Basic abc"}), 401, "missing_api_key")


def test_x_api_key_header_works(http: httpx.Client) -> None:
    response = http.post(EMBED, json={"input": "hello"}, headers={"X-API-Key": TEST_KEY})
    assert response.status_code == 200


def test_model_lists_and_health_need_no_key(http: httpx.Client) -> None:
    for path in ("/v1/models", "/v1/public/embeddings/models", "/v1/public/ai-registry/models",
                 "/v1/multimodal/health"):
        assert http.get(path).status_code == 200, path


def test_openai_client_raises_authentication_error(server_url: str) -> None:
    with OpenAI(base_url=f"{server_url}/v1", api_key=REVOKED_KEY, max_retries=0) as bad:
        with pytest.raises(openai.AuthenticationError) as caught:  # noqa: SIM117 (the client is used below)
            bad.embeddings.create(model="all-minilm-l6-v2", input="x")
        assert caught.value.status_code == 401
        assert caught.value.code == "invalid_api_key"
        # Listing models stays open.
        assert len(bad.models.list().data) == 4


# --- bodies -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", [CHAT, EMBED, SPEECH])
def test_malformed_json_is_400(http: httpx.Client, auth: dict[str, str], path: str) -> None:
    headers = {**auth, "Content-Type": "application/json"}
    error_of(http.post(path, content=b'{"model": "x", ', headers=headers), 400, "invalid_json")
    error_of(http.post(path, content=b"[1, 2]", headers=headers), 400, "invalid_json")
    error_of(http.post(path, content=b"", headers=headers), 400, "empty_body")


def test_oversize_json_body_is_413(http: httpx.Client, auth: dict[str, str]) -> None:
    body = json.dumps({"input": ["word " * 1000] * 500}).encode()
    assert len(body) > 2_000_000
    error_of(http.post(EMBED, content=body, headers={**auth, "Content-Type": "application/json"}), 413,
             "request_too_large")


def test_unknown_model_is_404(client: OpenAI) -> None:
    with pytest.raises(openai.NotFoundError) as caught:
        client.chat.completions.create(model="gpt-4", messages=USER)
    assert caught.value.code == "model_not_found"
    with pytest.raises(openai.NotFoundError):
        client.embeddings.create(model="text-embedding-3-small", input="x")
    with pytest.raises(openai.NotFoundError):
        client.audio.speech.create(model="tts-1", voice="joe", input="x")
    with pytest.raises(openai.NotFoundError):
        client.audio.transcriptions.create(model="whisper-1", file=("a.wav", b"RIFF", "audio/wav"))
    with pytest.raises(openai.NotFoundError):
        client.models.retrieve("gpt-4")


def test_a_model_of_the_wrong_kind_is_400(http: httpx.Client, auth: dict[str, str]) -> None:
    error_of(post(http, auth, CHAT, {"model": "all-minilm-l6-v2", "messages": USER}), 400,
             "model_not_supported", "model")


def test_registry_slug_is_accepted_as_model(http: httpx.Client, auth: dict[str, str]) -> None:
    response = post(http, auth, EMBED, {"model": "local-all-minilm-l6-v2", "input": "x"})
    assert response.status_code == 200
    assert response.json()["model"] == "all-minilm-l6-v2"


# --- chat -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "code", "param"),
    [
        ({"messages": []}, "invalid_value", "messages"),
        ({"messages": [{"role": "user", "content": "   "}]}, "empty_input", "messages"),
        ({"messages": [{"role": "wizard", "content": "hi"}]}, "invalid_value", None),
        ({"messages": [{"role": "user", "content": "x" * 16_001}]}, "context_length_exceeded", "messages"),
        ({"messages": USER, "max_tokens": 513}, "max_tokens_exceeded", "max_tokens"),
        ({"messages": USER, "max_tokens": 0}, "invalid_value", "max_tokens"),
        ({"messages": USER, "temperature": 2.5}, "invalid_value", "temperature"),
        ({"messages": USER, "temperature": "hot"}, "invalid_value", "temperature"),
        ({"messages": USER, "n": 2}, "invalid_value", "n"),
        (
            {"messages": [{"role": "user", "content": [{"type": "image_url", "image_url": {"url": "x"}}]}]},
            "unsupported_content",
            "messages[0].content",
        ),
    ],
)
def test_bad_chat_requests_are_400(
    http: httpx.Client, auth: dict[str, str], body: dict, code: str, param: str | None
) -> None:
    error = error_of(post(http, auth, CHAT, body), 400, code)
    if param:
        assert error["param"] == param


def test_too_many_prompt_tokens_is_400(client: OpenAI) -> None:
    # Under the character limit, but about 12,000 tokens: more than the served context.
    with pytest.raises(openai.BadRequestError) as caught:
        client.chat.completions.create(
            model="smollm2-135m-instruct", messages=[{"role": "user", "content": "7 " * 6000}], max_tokens=8
        )
    assert caught.value.code == "context_length_exceeded"
    with pytest.raises(openai.BadRequestError):
        client.chat.completions.create(
            model="smollm2-135m-instruct",
            messages=[{"role": "user", "content": "7 " * 6000}],
            max_tokens=8,
            stream=True,
        )


# --- embeddings -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "code", "param"),
    [
        ({"input": []}, "empty_input", "input"),
        ({"input": ""}, "empty_input", "input[0]"),
        ({"input": ["ok", "  "]}, "empty_input", "input[1]"),
        ({"input": ["x"] * 101}, "too_many_inputs", "input"),
        ({"input": ["x" * 8_001]}, "input_too_long", "input[0]"),
        ({"input": [1, 2, 3]}, "invalid_value", "input"),
        ({"input": "x", "dimensions": 512}, "invalid_value", "dimensions"),
        ({"input": "x", "encoding_format": "int8"}, "invalid_value", "encoding_format"),
        ({}, "invalid_value", "input"),
    ],
)
def test_bad_embedding_requests_are_400(
    http: httpx.Client, auth: dict[str, str], body: dict, code: str, param: str
) -> None:
    error_of(post(http, auth, EMBED, body), 400, code, param)


def test_contract_generate_route(http: httpx.Client, auth: dict[str, str]) -> None:
    response = post(http, auth, "/v1/public/proj-1/embeddings/generate", {"texts": ["a", "b"]})
    assert response.status_code == 200
    body = response.json()
    assert body["dimensions"] == 384 and body["count"] == 2 and body["project_id"] == "proj-1"
    assert len(body["embeddings"]) == 2 and len(body["embeddings"][0]) == 384
    error_of(post(http, auth, "/v1/public/proj-1/embeddings/generate", {"texts": []}), 400, "empty_input")


# --- speech -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "code", "param"),
    [
        ({"input": ""}, "empty_input", "input"),
        ({"input": "   "}, "empty_input", "input"),
        ({}, "empty_input", "input"),
        ({"input": "a" * 1001}, "input_too_long", "input"),
        ({"input": "hello", "voice": "alloy"}, "unsupported_voice", "voice"),
        ({"input": "hello", "response_format": "mp3"}, "invalid_value", "response_format"),
        ({"input": "hello", "speed": 5}, "invalid_value", "speed"),
    ],
)
def test_bad_speech_requests_are_400(
    http: httpx.Client, auth: dict[str, str], body: dict, code: str, param: str
) -> None:
    error_of(post(http, auth, SPEECH, body), 400, code, param)


def test_upstream_text_field_is_accepted(http: httpx.Client, auth: dict[str, str]) -> None:
    response = post(http, auth, SPEECH, {"text": "Hello there.", "voice": "joe"})
    assert response.status_code == 200
    assert response.headers["content-type"] == "audio/wav"
    assert response.content[:4] == b"RIFF"


# --- transcription ----------------------------------------------------------------------------------


def transcribe(http: httpx.Client, auth: dict[str, str], content: bytes, mime: str = "audio/wav",
               **fields: str) -> httpx.Response:
    return http.post(TRANSCRIBE, headers=auth, files={"file": ("upload.wav", content, mime)},
                     data={"model": "whisper-tiny.en", **fields})


@pytest.mark.parametrize(
    ("content", "mime"),
    [
        (b"this is plain text pretending to be audio " * 40, "audio/wav"),
        (png_bytes(32, 32), "audio/mpeg"),
        (b'{"json": true}', "audio/ogg"),
        (b"RIFF\x24\x00\x00\x00WAVEfmt ", "audio/wav"),
        # A real WAV whose data chunk claims far more audio than the file holds, refused before the model.
        (wav_with(craft_wav(1.0), offset=40, fmt="<I", value=0x7FFF0000), "audio/wav"),
        # A real MP4 header would pass; a PNG named as audio is refused by its bytes.
        (png_bytes(8, 8), "audio/wav"),
    ],
)
def test_non_audio_upload_is_400_even_with_an_audio_type(
    http: httpx.Client, auth: dict[str, str], content: bytes, mime: str
) -> None:
    error_of(transcribe(http, auth, content, mime), 400, "invalid_audio", "file")


def test_a_conversation_llama_cpp_cannot_template_is_a_400(http: httpx.Client, auth: dict[str, str]) -> None:
    # Found by schemathesis: two assistant messages at the end made llama.cpp raise, and the route a 500.
    messages = [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello"},
                {"role": "assistant", "content": "again"}]
    error = error_of(post(http, auth, CHAT, {"model": "smollm2-135m-instruct", "messages": messages}), 400,
                     "invalid_messages", "messages")
    assert "two assistant messages in a row" in error["message"]
    runner = ChatRunner(LocalEngineSettings())
    runner._model = FakeTemplateServer()
    with pytest.raises(ChatEngineError) as caught:
        runner.complete({"messages": messages})
    assert caught.value.status == 400 and caught.value.code == "invalid_messages"
    assert str(caught.value) == "Cannot have 2 or more assistant messages at the end of the list."


class FakeTemplateServer:
    """Stands in for xllamacpp.Server's one behaviour under test: refusing a conversation by ValueError."""

    def handle_chat_completions(self, request: dict, *args: object) -> dict:
        raise ValueError("Cannot have 2 or more assistant messages at the end of the list.")


def test_a_wav_header_that_lies_is_refused_before_the_model(http: httpx.Client, auth: dict[str, str]) -> None:
    lying = wav_with(craft_wav(1.0), offset=40, fmt="<I", value=0x7FFF0000)
    error = error_of(transcribe(http, auth, lying, "audio/wav"), 400, "invalid_audio", "file")
    assert error["message"].startswith("The WAV header says it holds 67,106.8 s of audio, but the file has only 1.0 s")


def test_bad_transcription_requests(http: httpx.Client, auth: dict[str, str], client: OpenAI) -> None:
    audio = client.audio.speech.create(model="piper-en_US-joe-medium", voice="joe", input="Hi.").read()
    error_of(transcribe(http, auth, b""), 400, "invalid_audio", "file")
    error_of(transcribe(http, auth, audio, language="fr"), 400, "unsupported_language", "language")
    error_of(transcribe(http, auth, audio, response_format="mp3"), 400, "invalid_value", "response_format")
    error_of(transcribe(http, auth, audio, temperature="warm"), 400, "invalid_value", "temperature")
    error_of(transcribe(http, auth, audio, prompt="p" * 1001), 400, "input_too_long", "prompt")
    error_of(http.post(TRANSCRIBE, headers=auth, data={"model": "whisper-tiny.en"},
                       files={"other": ("x.txt", b"x", "text/plain")}), 400, "missing_file", "file")
    error_of(http.post(TRANSCRIBE, headers=auth, json={"file": "x"}), 400, "invalid_content_type")


def test_oversize_upload_is_413(http: httpx.Client, auth: dict[str, str]) -> None:
    big = b"\0" * 26_500_000
    error_of(transcribe(http, auth, big), 413, "request_too_large")


def test_file_part_over_the_upload_limit_is_413(http: httpx.Client, auth: dict[str, str]) -> None:
    # Within the multipart allowance, but the file itself is over 25 MB.
    error_of(transcribe(http, auth, b"\0" * 25_000_100), 413, "file_too_large", "file")
