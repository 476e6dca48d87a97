"""Compare's shared input, mapped by each model's kind onto its own parameters, and what it cannot take."""

from __future__ import annotations

from ai_registry.aggregator.runtime import find_model, local_catalog
from ai_registry.catalog.builtin import load_builtin_catalog
from ai_registry.kinds.shared import map_shared, setting_names, share_settings, shared_params, shared_roles

MODELS = {m.slug: m for m in [*load_builtin_catalog(), *local_catalog()]}
UPLOAD = {"filename": "boat.png", "content_type": "image/png", "path": "/tmp/boat.png"}


def test_one_prompt_is_prompt_for_one_video_model_and_motion_prompt_for_another() -> None:
    seedance, t2v, wan = MODELS["seedance-i2v"], MODELS["text-to-video"], MODELS["alibaba-wan-22-i2v-720p"]
    shared = {"prompt": "waves roll in", "image": UPLOAD}
    first = map_shared(seedance, shared)
    assert first.values["motion_prompt"] == "waves roll in" and first.values["image_url"] == UPLOAD
    assert "prompt" not in first.values and first.not_taken == []
    assert map_shared(wan, shared).values == {"prompt": "waves roll in", "image": UPLOAD}
    second = map_shared(t2v, shared)
    assert second.values == {"prompt": "waves roll in"}
    assert second.not_taken == ["Source image"]  # shown in its panel, never silently dropped
    assert shared_roles([t2v, seedance]) == ["prompt", "image"]


def test_an_empty_shared_input_is_not_a_missing_one() -> None:
    assert map_shared(MODELS["text-to-video"], {"prompt": "x", "image": ""}).not_taken == []


def test_chat_message_becomes_one_user_turn_and_streams() -> None:
    smol = MODELS["local-smollm2-135m-instruct"]
    mapped = map_shared(smol, {"message": "Name a colour."}, {"temperature": "0.2"})
    assert mapped.values == {
        "messages": [{"role": "user", "content": "Name a colour."}],
        "temperature": "0.2",
        "stream": True,
    }
    assert "messages" not in setting_names(smol) and "stream" not in setting_names(smol)
    assert "temperature" in setting_names(smol)


def test_texts_to_embed_and_text_to_speak() -> None:
    assert map_shared(MODELS["bge-small-en-v1-5"], {"texts": "a\nb"}).values["input"] == "a\nb"
    assert map_shared(MODELS["tts"], {"text": "Hello"}).values["input"] == "Hello"
    assert shared_params(MODELS["whisper-transcription"]) == {"audio": "file"}


def test_settings_the_model_lacks_are_named() -> None:
    qwen = MODELS["qwen-image-edit"]
    mapped = map_shared(qwen, {"prompt": "a lighthouse"}, {"width": "512", "num_frames": "17"})
    assert mapped.values == {"prompt": "a lighthouse", "width": "512"}
    assert mapped.not_taken == ["setting num_frames"]


def test_same_settings_for_all_keeps_what_each_model_has() -> None:
    cog, t2v = MODELS["cogvideox-2b"], MODELS["text-to-video"]
    source = {"num_frames": "17", "guidance_scale": "6", "num_inference_steps": "50"}
    kept, lacking = share_settings(source, t2v)
    assert kept == {} and lacking == ["num_frames", "guidance_scale", "num_inference_steps"]
    assert share_settings({"duration": "5"}, t2v) == ({"duration": "5"}, [])
    assert find_model("cogvideox-2b") is not None and setting_names(cog) == list(source)
