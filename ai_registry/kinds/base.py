"""The vocabulary every kind shares: what a run gives back, the request it sends, the answer it reads,
and the `Kind` contract each of `chat`, `image`, `video`, `audio` and `embedding` implements.

Pure: no I/O, no reflex. A kind owns both directions of its call (request and response) and the
lines a snippet adds to handle the answer, as a provider config does in litellm.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any, ClassVar

from ai_registry.catalog.endpoint import endpoint_route
from ai_registry.catalog.models import UnifiedAIModel


class OutputKind(StrEnum):
    """What a model's route gives back. The one vocabulary for requests, results, runs and the UI."""

    CHAT = "chat"  # an assistant message, streamed or whole
    IMAGE = "image"
    VIDEO = "video"
    AUDIO = "audio"
    TEXT = "text"  # a transcript
    EMBEDDINGS = "embeddings"  # vectors, with their similarity matrix
    JSON = "json"  # any other JSON answer (a GET route)

    @property
    def is_media(self) -> bool:
        """True for outputs that are a media file (decoded from base64 or raw bytes)."""
        return self in (OutputKind.IMAGE, OutputKind.VIDEO, OutputKind.AUDIO)


@dataclass(frozen=True)
class FilePart:
    """A file a request carries.

    In a multipart request it is the part named `field`. In a JSON request (an uploaded image for
    image-to-video) `json_path` says where in the body it belongs; the body holds
    `placeholder_url` there and the caller puts the file's bytes in as a `data:` URI.
    """

    field: str
    filename: str
    content_type: str
    # What a snippet shows for the file: "@speech.wav" for a form part, the stand-in text in JSON.
    placeholder_url: str | None = None
    path: str | None = None  # a local file holding the bytes (an upload), when there is one
    url: str | None = None  # a remote file the caller fetches, when the value was a URL
    json_path: tuple[str, ...] | None = None


@dataclass(frozen=True)
class RequestSpec:
    """One HTTP request to a model's endpoint, independent of any HTTP library."""

    method: str
    path: str  # endpoint with the configured prefix applied, e.g. "/v1/multimodal/image"
    json: dict[str, Any] | None  # the JSON body, or None for multipart and GET
    form: dict[str, str] | None  # multipart text fields
    files: list[FilePart] = field(default_factory=list)
    stream: bool = False  # chat answers as server-sent events
    accept: str | None = None  # e.g. "text/event-stream"
    output: OutputKind = OutputKind.JSON
    timeout_s: float = 30.0  # how long a client should wait (CONTRACT.md: video 180 s, media 120 s)

    @property
    def is_multipart(self) -> bool:
        """True when the body is a multipart form rather than JSON."""
        return self.form is not None

    @property
    def content_type(self) -> str | None:
        """The request's content type, without the multipart boundary."""
        if self.is_multipart:
            return "multipart/form-data"
        return "application/json" if self.json is not None else None


@dataclass(frozen=True)
class SavedMedia:
    """A media file the decoder wrote from the answer: where, what the bytes are, and its container."""

    path: Path
    content_type: str  # e.g. "video/mp4", from the bytes
    container: str  # "png", "mp4", "wav", ... (see `ai_registry.media.sniff.MEDIA_TYPES`)
    output: OutputKind  # what the container usually holds
    size: int = 0  # bytes


@dataclass
class Answer:
    """An upstream answer as the decoder read it, before a kind interprets it.

    Exactly one of the shapes is filled: `events` for a stream, `media` for a decoded file (with the
    JSON around it in `json`, if any), `json` for a JSON body, `text` for any other body.
    """

    status: int | None = None
    content_type: str = ""
    json: Any = None
    text: str | None = None
    media: SavedMedia | None = None
    events: list[Mapping[str, Any]] | None = None
    streamed_text: str = ""


@dataclass
class KindOutput:
    """What a kind made of an answer: the typed output a result shows."""

    kind: OutputKind
    text: str = ""  # the chat answer or transcript
    media: SavedMedia | None = None
    data: dict[str, Any] | None = None  # embeddings: vectors, dimensions, similarity, texts (kept as a file)
    response: Any = None  # the answer as JSON, for the request log


class BadAnswer(ValueError):
    """An answer a kind cannot read; the message says what is wrong with it ("it has no text")."""


class Kind(ABC):
    """One kind of model. Subclasses declare the class variables and implement the abstract methods."""

    name: ClassVar[str]  # "chat", ...: the playground that fits the kind
    output: ClassVar[OutputKind]  # what its routes give back, unless `output_kind` says otherwise
    categories: ClassVar[tuple[str, ...]]  # catalog categories it takes when no route matches
    expected_seconds: ClassVar[float]  # a typical run, for the progress bar
    own_fields: ClassVar[frozenset[str]] = frozenset()  # parameters its playground draws itself
    # Compare: each shared input the kind takes (a role of `kinds.shared.ROLES`) and the parameters
    # that may hold it, first match wins ("prompt" is `prompt` for one model, `motion_prompt` for another).
    shared_inputs: ClassVar[tuple[tuple[str, tuple[str, ...]], ...]] = ()

    @abstractmethod
    def handles(self, route: str) -> bool:
        """True when `route` (the endpoint without its version prefix) is one of this kind's."""

    def handles_model(self, model: UnifiedAIModel) -> bool:
        """True when the model's route is one of this kind's."""
        return self.handles(endpoint_route(model.endpoint))

    def output_kind(self, model: UnifiedAIModel) -> OutputKind:
        """What the model's route gives back."""
        return self.output

    def expected_run_seconds(self, model: UnifiedAIModel) -> float:
        """How long a run usually takes: the catalog's figure, else the kind's."""
        return model.expected_seconds or self.expected_seconds

    @abstractmethod
    def example_values(self, model: UnifiedAIModel) -> dict[str, Any]:
        """Realistic example values for every parameter of the model (defaults first)."""

    @abstractmethod
    def build_request(self, model: UnifiedAIModel, values: Mapping[str, Any], *, path: str) -> RequestSpec:
        """The request that runs `model` with `values` at `path` (missing values take examples)."""

    @abstractmethod
    def read_response(self, answer: Answer, spec: RequestSpec) -> KindOutput:
        """The typed output of an answer to `spec`; raises `BadAnswer` when it holds none."""

    def shared_value(self, role: str, value: Any) -> Any:
        """A shared input (the compare form's text, lines or upload) as this kind's parameter value."""
        return value

    def compare_values(self, model: UnifiedAIModel) -> dict[str, Any]:
        """Values every compared run of the model sets besides the shared input and its settings."""
        return {}

    def units_text(self, model: UnifiedAIModel, values: Mapping[str, Any], result: Mapping[str, Any]) -> str:
        """What a finished run used, in the kind's own units; `result` has `text`, `data` and `response`."""
        return ""

    def stream_text(self, event: Mapping[str, Any]) -> str:
        """The text one streamed event adds to the answer (kinds that stream override this)."""
        return ""

    @abstractmethod
    def python_result(self, spec: RequestSpec) -> list[str]:
        """Python lines that handle `response` (an httpx response) once it is known to be 2xx."""

    @abstractmethod
    def javascript_result(self, spec: RequestSpec) -> list[str]:
        """JavaScript lines that handle `response` (a fetch response) once it is known to be ok."""

    def python_stream(self, spec: RequestSpec) -> list[str]:
        """Python lines that send a streamed request and print the answer as it arrives."""
        raise NotImplementedError(f"{self.name} models do not stream")

    def curl_output(self, spec: RequestSpec) -> list[str]:
        """curl options that keep the answer (e.g. `-o speech.wav` for binary audio)."""
        return []
