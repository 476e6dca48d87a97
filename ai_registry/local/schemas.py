"""Request bodies of the local engine's OpenAI-compatible routes (pydantic; unknown fields ignored).

The engine's limits (prompt size, tokens, texts per request) are validators here, not checks in the
routers: a route validates with `context={"limits": engine.settings}` (see `bodies.read_json_model`),
and a refused value raises `refusal(...)`, which `errors.from_validation_errors` turns into a 400
with this code, message and parameter. Validated without a context, the defaults apply.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator, model_validator
from pydantic_core import PydanticCustomError

from ai_registry.local.chat import CHAT_MODEL_ID
from ai_registry.local.config import LocalEngineSettings
from ai_registry.local.embeddings import EMBEDDING_MODEL_ID
from ai_registry.local.errors import REFUSAL
from ai_registry.local.speech import SPEECH_MODEL_ID, VOICE

TRANSCRIPTION_FORMATS = ("json", "text", "verbose_json", "srt", "vtt")
MAX_TRANSCRIPTION_PROMPT_CHARS = 1000


def refusal(code: str, message: str, param: str | None = None) -> PydanticCustomError:
    """A validation error the client sees as written: `code`, `message`, and `param` when it is
    more precise than the field that failed (`input[3]`)."""
    return PydanticCustomError(code, "{message}", {"message": message, "param": param, REFUSAL: True})


def limits_of(info: ValidationInfo) -> LocalEngineSettings:
    """The engine settings a route validates with, or the defaults."""
    context = info.context or {}
    limits = context.get("limits")
    return limits if isinstance(limits, LocalEngineSettings) else _default_limits()


_DEFAULTS: list[LocalEngineSettings] = []


def _default_limits() -> LocalEngineSettings:
    if not _DEFAULTS:
        _DEFAULTS.append(LocalEngineSettings())
    return _DEFAULTS[0]


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

    @field_validator("messages")
    @classmethod
    def _text_within_limits(cls, messages: list[ChatMessage], info: ValidationInfo) -> list[ChatMessage]:
        limits = limits_of(info)
        for index, message in enumerate(messages):
            if message.has_non_text():
                raise refusal(
                    "unsupported_content", "Only text content is supported by this model.", f"messages[{index}].content"
                )
        if not any(m.text().strip() for m in messages):
            raise refusal("empty_input", "The messages hold no text.")
        if len(messages) >= 2 and messages[-1].role == messages[-2].role == "assistant":
            raise refusal(
                "invalid_messages",
                "The messages end with two assistant messages in a row; the model continues at most one. "
                "End with a user message.",
            )
        chars = sum(len(m.text()) for m in messages)
        if chars > limits.chat_max_prompt_chars:
            raise refusal(
                "context_length_exceeded",
                f"The messages hold {chars:,} characters; the limit is {limits.chat_max_prompt_chars:,}.",
            )
        return messages

    @field_validator("max_tokens", "max_completion_tokens")
    @classmethod
    def _tokens_within_limit(cls, tokens: int | None, info: ValidationInfo) -> int | None:
        most = limits_of(info).chat_max_tokens
        if tokens is not None and tokens > most:
            raise refusal(
                "max_tokens_exceeded",
                f"max_tokens is {tokens}; this model answers with at most {most} tokens.",
                "max_tokens",
            )
        return tokens

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


def _embeddable(raw: str | list[Any], field: str, info: ValidationInfo) -> list[str]:
    """The texts to embed, within the engine's count and length limits."""
    limits = limits_of(info)
    texts = [raw] if isinstance(raw, str) else list(raw)
    if not texts:
        raise refusal("empty_input", f"'{field}' is empty: give at least one text.")
    if not all(isinstance(t, str) for t in texts):
        raise refusal("invalid_value", "Token arrays are not supported here: send text strings.")
    if len(texts) > limits.embedding_max_inputs:
        raise refusal(
            "too_many_inputs",
            f"'{field}' has {len(texts)} texts; send at most {limits.embedding_max_inputs} per request.",
        )
    for index, text in enumerate(texts):
        if not text.strip():
            raise refusal("empty_input", f"{field}[{index}] is empty.", f"{field}[{index}]")
        if len(text) > limits.embedding_max_chars:
            raise refusal(
                "input_too_long",
                f"{field}[{index}] has {len(text):,} characters; the limit is {limits.embedding_max_chars:,}.",
                f"{field}[{index}]",
            )
    return texts


class EmbeddingRequest(_Body):
    """`POST /v1/embeddings`. `normalize` goes beyond OpenAI (its vectors are always normalized)."""

    model: str = EMBEDDING_MODEL_ID
    input: str | list[str] | list[int] | list[list[int]]
    encoding_format: Literal["float", "base64"] = "float"
    dimensions: int | None = Field(default=None, ge=1)
    normalize: bool = True

    @field_validator("input")
    @classmethod
    def _texts_within_limits(cls, value: str | list[Any], info: ValidationInfo) -> str | list[Any]:
        _embeddable(value, "input", info)
        return value

    def texts(self) -> list[str]:
        """The validated input as a list of texts."""
        return [self.input] if isinstance(self.input, str) else [str(text) for text in self.input]


class EmbeddingGenerateRequest(_Body):
    """CONTRACT.md's `POST /v1/public/{project_id}/embeddings/generate`."""

    texts: list[str]
    model: str = EMBEDDING_MODEL_ID
    normalize: bool = True

    @field_validator("texts")
    @classmethod
    def _texts_within_limits(cls, value: list[str], info: ValidationInfo) -> list[str]:
        return _embeddable(value, "texts", info)


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

    @model_validator(mode="after")
    def _speakable(self, info: ValidationInfo) -> SpeechRequest:
        text, most = self.words(), limits_of(info).speech_max_chars
        if not text.strip():
            raise refusal("empty_input", "'input' is empty: give text to speak.", "input")
        if len(text) > most:
            raise refusal("input_too_long", f"'input' has {len(text):,} characters; the limit is {most:,}.", "input")
        if self.voice.strip().lower() != VOICE:
            raise refusal(
                "unsupported_voice",
                f"Voice '{self.voice}' is not available; this model has one voice, '{VOICE}'.",
                "voice",
            )
        return self


class TranscriptionFields(_Body):
    """The text fields beside the file of `POST /v1/audio/transcriptions` (a multipart form)."""

    model: str | None = None
    language: str = "en"
    response_format: str = "json"
    prompt: str | None = None
    temperature: str = "0"
    # The OpenAI SDK sends the list as `timestamp_granularities[]`.
    timestamp_granularities: list[str] = []

    @field_validator("language")
    @classmethod
    def _english(cls, value: str) -> str:
        language = value.strip().lower() or "en"
        if language not in ("en", "english"):
            raise refusal(
                "unsupported_language",
                f"Language '{language}' is not supported: this model transcribes English ('en') only.",
            )
        return language

    @field_validator("response_format")
    @classmethod
    def _known_format(cls, value: str) -> str:
        response_format = value.strip() or "json"
        if response_format not in TRANSCRIPTION_FORMATS:
            raise refusal("invalid_value", f"response_format must be one of {', '.join(TRANSCRIPTION_FORMATS)}.")
        return response_format

    @field_validator("prompt")
    @classmethod
    def _short_prompt(cls, value: str | None) -> str | None:
        if value and len(value) > MAX_TRANSCRIPTION_PROMPT_CHARS:
            raise refusal(
                "input_too_long",
                f"prompt has {len(value):,} characters; the limit is {MAX_TRANSCRIPTION_PROMPT_CHARS:,}.",
            )
        return value or None

    @field_validator("temperature")
    @classmethod
    def _unit_temperature(cls, value: str) -> str:
        # A form field is text: parsed here so a non-number and an out-of-range one read alike.
        try:
            number = float(value or 0)
        except ValueError:
            number = -1.0
        if not 0 <= number <= 1:
            raise refusal("invalid_value", "temperature must be a number from 0 to 1.")
        return str(number)

    @property
    def sampling_temperature(self) -> float:
        """`temperature` as a number."""
        return float(self.temperature)

    @property
    def word_timestamps(self) -> bool:
        """Whether word timings were asked for."""
        return "word" in self.timestamp_granularities


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
        "prompt": {"type": "string", "maxLength": MAX_TRANSCRIPTION_PROMPT_CHARS},
        "response_format": {"type": "string", "enum": list(TRANSCRIPTION_FORMATS)},
        "temperature": {"type": "number", "minimum": 0, "maximum": 1},
    },
}


def openapi_form_body(schema: dict[str, Any]) -> dict[str, Any]:
    """`openapi_extra` declaring a multipart/form-data body (the route parses the form itself)."""
    return {"requestBody": {"required": True, "content": {"multipart/form-data": {"schema": schema}}}}
