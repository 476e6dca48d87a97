"""Request bodies of the local engine's OpenAI-compatible routes (pydantic; unknown fields ignored)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from ai_registry.local.chat import CHAT_MODEL_ID
from ai_registry.local.embeddings import EMBEDDING_MODEL_ID
from ai_registry.local.speech import SPEECH_MODEL_ID, VOICE


class _Body(BaseModel):
    model_config = ConfigDict(extra="ignore")


class TextPart(_Body):
    """A text part of a message's content."""

    type: str
    text: str | None = None


class ChatMessage(_Body):
    """One message of a conversation."""

    role: Literal["system", "developer", "user", "assistant"]
    content: str | list[TextPart] | None = None

    def text(self) -> str:
        """The message's text; only text parts are supported."""
        if self.content is None:
            return ""
        if isinstance(self.content, str):
            return self.content
        return "".join(part.text or "" for part in self.content if part.type == "text")

    def has_non_text(self) -> bool:
        """Whether the content has parts other than text (images, audio)."""
        return isinstance(self.content, list) and any(part.type != "text" for part in self.content)


class StreamOptions(_Body):
    """OpenAI's `stream_options`."""

    include_usage: bool = False


class ChatCompletionRequest(_Body):
    """`POST /v1/chat/completions`."""

    model: str = CHAT_MODEL_ID
    messages: list[ChatMessage] = Field(min_length=1)
    temperature: float = Field(default=0.7, ge=0, le=2)
    top_p: float = Field(default=0.95, gt=0, le=1)
    max_tokens: int | None = Field(default=None, ge=1)
    max_completion_tokens: int | None = Field(default=None, ge=1)
    stream: bool = False
    stream_options: StreamOptions | None = None
    stop: str | list[str] | None = None
    seed: int | None = None
    n: int = Field(default=1, ge=1, le=1)
    presence_penalty: float = Field(default=0.0, ge=-2, le=2)
    frequency_penalty: float = Field(default=0.0, ge=-2, le=2)

    @model_validator(mode="after")
    def _stop_limit(self) -> ChatCompletionRequest:
        if isinstance(self.stop, list) and len(self.stop) > 4:
            raise ValueError("stop takes at most 4 sequences")
        return self

    def requested_tokens(self, default: int) -> int:
        """`max_completion_tokens`, else `max_tokens`, else the default."""
        return self.max_completion_tokens or self.max_tokens or default

    def engine_body(self, max_tokens: int) -> dict[str, Any]:
        """The request as llama.cpp's chat handler takes it (text-only messages)."""
        body: dict[str, Any] = {
            "messages": [{"role": m.role, "content": m.text()} for m in self.messages],
            "max_tokens": max_tokens,
            "temperature": self.temperature,
            "top_p": self.top_p,
            "presence_penalty": self.presence_penalty,
            "frequency_penalty": self.frequency_penalty,
        }
        if self.stop:
            body["stop"] = [self.stop] if isinstance(self.stop, str) else self.stop
        if self.seed is not None:
            body["seed"] = self.seed
        return body


class EmbeddingRequest(_Body):
    """`POST /v1/embeddings`. `normalize` goes beyond OpenAI (its vectors are always normalized)."""

    model: str = EMBEDDING_MODEL_ID
    input: str | list[str] | list[int] | list[list[int]]
    encoding_format: Literal["float", "base64"] = "float"
    dimensions: int | None = Field(default=None, ge=1)
    normalize: bool = True


class EmbeddingGenerateRequest(_Body):
    """CONTRACT.md's `POST /v1/public/{project_id}/embeddings/generate`."""

    texts: list[str]
    model: str = EMBEDDING_MODEL_ID
    normalize: bool = True


class SpeechRequest(_Body):
    """`POST /v1/audio/speech`: `input` (OpenAI) or `text` (the upstream's name)."""

    model: str = SPEECH_MODEL_ID
    input: str | None = None
    text: str | None = None
    voice: str = VOICE
    response_format: Literal["wav"] = "wav"
    speed: float = Field(default=1.0, ge=0.5, le=2.0)

    def words(self) -> str:
        """The text to speak."""
        return self.input if self.input is not None else (self.text or "")


def _inline_refs(node: Any, defs: dict[str, Any]) -> Any:
    if isinstance(node, dict):
        if "$ref" in node:
            return _inline_refs(defs[node["$ref"].rsplit("/", 1)[-1]], defs)
        return {key: _inline_refs(value, defs) for key, value in node.items() if key != "$defs"}
    if isinstance(node, list):
        return [_inline_refs(item, defs) for item in node]
    return node


def openapi_json_body(model: type[BaseModel], **property_limits: dict[str, Any]) -> dict[str, Any]:
    """`openapi_extra` declaring `model` as the route's JSON body (the route still parses it itself).

    `property_limits` adds server settings to a property's schema, e.g. `max_tokens={"maximum": 512}`,
    so clients and the fuzzer see the limits the route enforces.
    """
    schema = model.model_json_schema()
    inlined = _inline_refs(schema, schema.get("$defs", {}))
    for name, limits in property_limits.items():
        inlined["properties"][name] = {**inlined["properties"][name], **limits}
    return {"requestBody": {"required": True, "content": {"application/json": {"schema": inlined}}}}


TRANSCRIPTION_FORM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["file"],
    "properties": {
        "file": {"type": "string", "format": "binary", "description": "WAV, MP3, OGG, FLAC... (at most 25 MB)"},
        "model": {"type": "string"},
        "language": {"type": "string", "enum": ["en", "english"]},
        "prompt": {"type": "string", "maxLength": 1000},
        "response_format": {"type": "string", "enum": ["json", "text", "verbose_json", "srt", "vtt"]},
        "temperature": {"type": "number", "minimum": 0, "maximum": 1},
    },
}


def openapi_form_body(schema: dict[str, Any]) -> dict[str, Any]:
    """`openapi_extra` declaring a multipart/form-data body (the route parses the form itself)."""
    return {"requestBody": {"required": True, "content": {"multipart/form-data": {"schema": schema}}}}
