"""Small models built in the tests, shaped like the routes of CONTRACT.md (independent of catalog.json)."""

from __future__ import annotations

from typing import Any

from ai_registry.catalog.models import ModelParameter, UnifiedAIModel

IMAGE_URL = "https://image.ainative.studio/asset/alibaba/wan-2i2v720.png"


def param(name: str, type_: str = "string", **kw: Any) -> ModelParameter:
    return ModelParameter(name=name, type=type_, **kw)


def model(id_: str, category: str, endpoint: str, parameters: list[ModelParameter], **kw: Any) -> UnifiedAIModel:
    return UnifiedAIModel(
        id=id_,
        slug=id_.lower().replace("/", "-").replace(".", "-"),
        name=id_,
        provider="Test",
        category=category,
        endpoint=endpoint,
        parameters=parameters,
        **kw,
    )


def chat_model(**kw: Any) -> UnifiedAIModel:
    return model(
        "gpt-4",
        "Coding",
        "/v1/chat/completions",
        [
            param("messages", "array", required=True),
            param("temperature", "number", default=1, min=0, max=2),
            param("top_p", "number", default=1, min=0, max=1),
            param("max_tokens", "integer", default=1024, min=1, max=8192),
            param("stream", "boolean", default=True),
        ],
        upstream_model="gpt-4",
        **kw,
    )


def image_model() -> UnifiedAIModel:
    return model(
        "qwen-image-edit",
        "Image",
        "/v1/multimodal/image",
        [
            param("prompt", required=True, max_length=2000),
            param("width", "integer", default=1024, min=512, max=2048),
            param("height", "integer", default=1024, min=512, max=2048),
            param("style", options=["photographic", "anime"]),
        ],
    )


def wan_model() -> UnifiedAIModel:
    return model(
        "wan22-i2v",
        "Video",
        "/v1/wan-2-2-i2v-720/run",
        [
            param("image", "file", required=True, accept=["image/png", "image/jpeg"]),
            param("prompt", required=True),
            param("negative_prompt"),
            param("duration", "integer", default=8, options=[5, 8, 10, 15]),
            param("num_inference_steps", "integer", default=40, min=1, max=100),
            param("guidance", "number", default=5),
            param("flow_shift", "number", default=5),
            param("seed", "integer"),
            param("enable_prompt_optimization", "boolean", default=False),
            param("enable_safety_checker", "boolean", default=True),
            param("size", default="1280*720", options=["1280*720"]),
        ],
    )


def i2v_model(id_: str = "seedance-i2v", *, declare_provider: bool = True) -> UnifiedAIModel:
    parameters = [param("image_url", "file", required=True), param("motion_prompt", required=True)]
    if declare_provider:
        parameters.append(param("provider", required=True, default="seedance", options=["seedance"]))
    return model(id_, "Video", "/v1/multimodal/video/i2v", parameters)


def t2v_model() -> UnifiedAIModel:
    return model(
        "t2v-premium",
        "Video",
        "/v1/multimodal/video/t2v",
        [param("prompt", required=True, max_length=1000), param("duration", "integer", default=5, min=1, max=10)],
    )


def cogvideox_model(steps_name: str = "num_inference_steps") -> UnifiedAIModel:
    return model(
        "cogvideox-2b",
        "Video",
        "/v1/multimodal/video/cogvideox",
        [
            param("prompt", required=True),
            param("num_frames", "integer", default=49, options=[17, 33, 49]),
            param("guidance_scale", "number", default=6.0),
            param(steps_name, "integer", default=50),
        ],
    )


def whisper_model(route: str = "transcriptions") -> UnifiedAIModel:
    parameters = [
        param("file", "file", required=True, example="speech.wav", accept=["audio/wav", "audio/mpeg"]),
        param("prompt"),
        param("temperature", "number", default=0, min=0, max=1),
        param("response_format", default="json", options=["json", "text"]),
    ]
    if route == "transcriptions":
        parameters.insert(1, param("language", options=["en", "de"]))
    return model(f"whisper-{route}", "Audio", f"/v1/audio/{route}", parameters, upstream_model="whisper-1")


def tts_model(text_name: str = "input") -> UnifiedAIModel:
    return model(
        "tts-1",
        "Audio",
        "/v1/audio/speech",
        [
            param(text_name, required=True, max_length=4096),
            param("voice", required=True, default="alloy", options=["alloy", "echo"]),
            param("model", default="tts-1", options=["tts-1", "tts-1-hd"]),
            param("response_format", default="mp3", options=["mp3", "wav"]),
            param("speed", "number", default=1, min=0.25, max=4),
        ],
        upstream_model="tts-1",
    )


def embedding_model(endpoint: str = "/v1/embeddings", text_type: str = "array") -> UnifiedAIModel:
    return model(
        "BAAI/bge-small-en-v1.5",
        "Embedding",
        endpoint,
        [param("input", text_type, required=True), param("normalize", "boolean", default=True)],
        upstream_model="BAAI/bge-small-en-v1.5",
    )


ALL_FACTORIES = {
    "chat": chat_model,
    "image": image_model,
    "wan": wan_model,
    "i2v": i2v_model,
    "t2v": t2v_model,
    "cogvideox": cogvideox_model,
    "transcription": whisper_model,
    "translation": lambda: whisper_model("translations"),
    "speech": tts_model,
    "embedding": embedding_model,
}
