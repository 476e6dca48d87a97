"""The built-in catalog data file and readmes: the spec's models, ids, slugs, prices and parameters."""

from __future__ import annotations

import json
import re
import time

import pytest

from ai_registry.catalog.builtin import CATALOG_FILE, load_builtin_catalog
from ai_registry.catalog.models import (
    CATEGORY_CAPABILITIES,
    ModelParameter,
    PriceTier,
    Pricing,
    RateLimit,
    UnifiedAIModel,
)
from ai_registry.catalog.token_prices import token_price_rows

EXPECTED_SLUGS = {
    "gpt-4": "gpt-4",
    "gpt-3.5-turbo": "gpt-3-5-turbo",
    "claude-3-5-sonnet-20241022": "claude-3-5-sonnet-20241022",
    "qwen-image-edit": "qwen-image-edit",
    "wan22-i2v": "alibaba-wan-22-i2v-720p",
    "seedance-i2v": "seedance-i2v",
    "sora2-i2v": "sora-2-i2v",
    "t2v-premium": "text-to-video",
    "cogvideox-2b": "cogvideox-2b",
    "whisper-transcription": "whisper-transcription",
    "whisper-translation": "whisper-translation",
    "tts-1": "tts",
    "BAAI/bge-small-en-v1.5": "bge-small-en-v1-5",
    "BAAI/bge-base-en-v1.5": "bge-base-en-v1-5",
    "BAAI/bge-large-en-v1.5": "bge-large-en-v1-5",
}
# The detail-page URLs the spec lists by name.
SPEC_SLUGS = {
    "gpt-4",
    "alibaba-wan-22-i2v-720p",
    "qwen-image-edit",
    "whisper-transcription",
    "bge-small-en-v1-5",
}

# CONTRACT.md "Prices": (credits, usd, unit).
CONTRACT_PRICES = {
    "qwen-image-edit": (50, 0.025, "per image"),
    "wan22-i2v": (400, 0.20, "per 5s video"),
    "seedance-i2v": (520, 0.26, "per 5s video"),
    "sora2-i2v": (800, 0.40, "per 4s video"),
    "t2v-premium": (1000, 0.50, "per video"),
    "cogvideox-2b": (800, 0.40, "per video"),
    "whisper-transcription": (5, 0.006, "per minute of audio"),
    "whisper-translation": (5, 0.006, "per minute of audio"),
    "tts-1": (14, 0.015, "per 1,000 characters"),
}
UNPRICED = {
    "gpt-4",
    "gpt-3.5-turbo",
    "claude-3-5-sonnet-20241022",
    "BAAI/bge-small-en-v1.5",
    "BAAI/bge-base-en-v1.5",
    "BAAI/bge-large-en-v1.5",
}
# CONTRACT.md "Rate limits per user and endpoint", per minute.
CONTRACT_RATE_LIMITS = {
    "qwen-image-edit": 5,
    "tts-1": 10,
    "wan22-i2v": 2,
    "seedance-i2v": 2,
    "sora2-i2v": 2,
    "t2v-premium": 1,
    "cogvideox-2b": 1,
}
# No public release date exists for AINative's own text-to-video service.
UNDATED = {"t2v-premium"}

README_SECTIONS = (
    "Overview",
    "Features",
    "Parameters",
    "Examples",
    "Use cases",
    "Pricing",
    "Rate limits",
    "Best practices",
    "Limitations",
)
SLUG_RE = re.compile(r"^[a-z0-9-]+$")
PARAM_TYPES = {
    "string": (str,),
    "integer": (int,),
    "number": (int, float),
    "boolean": (bool,),
    "array": (list,),
}


@pytest.fixture(scope="module")
def catalog() -> list[UnifiedAIModel]:
    return load_builtin_catalog()


@pytest.fixture(scope="module")
def by_id(catalog: list[UnifiedAIModel]) -> dict[str, UnifiedAIModel]:
    return {m.id: m for m in catalog}


def all_models():
    return [pytest.param(m, id=m.slug) for m in load_builtin_catalog()]


def all_parameters():
    return [pytest.param(m, p, id=f"{m.slug}:{p.name}") for m in load_builtin_catalog() for p in m.parameters]


def readme_sections(readme: str) -> dict[str, str]:
    """The body under each `## ` heading, keyed by heading text."""
    parts = re.split(r"^## +(.+?)\s*$", readme, flags=re.M)
    return {parts[i].strip(): parts[i + 1] for i in range(1, len(parts) - 1, 2)}


def prose_words(markdown: str) -> int:
    without_code = re.sub(r"```.*?```", " ", markdown, flags=re.S)
    return len(re.findall(r"[A-Za-z0-9][\w'.-]*", without_code))


# --- the model list -------------------------------------------------------------------------------


def test_catalog_has_exactly_the_spec_models_with_their_slugs(catalog):
    assert len(catalog) == 15
    assert {m.id: m.slug for m in catalog} == EXPECTED_SLUGS


def test_ids_and_slugs_are_unique(catalog):
    assert len({m.id for m in catalog}) == len(catalog)
    assert len({m.slug for m in catalog}) == len(catalog)


@pytest.mark.parametrize("model", all_models())
def test_slug_is_url_safe(model):
    assert SLUG_RE.match(model.slug), model.slug


def test_spec_detail_page_slugs_present(catalog):
    assert {m.slug for m in catalog} >= SPEC_SLUGS


def test_catalog_file_uses_only_known_fields():
    """The schema ignores unknown keys, so a misspelt field would vanish silently."""
    records = json.loads(CATALOG_FILE.read_text(encoding="utf-8"))["models"]
    for record in records:
        assert set(record) <= set(UnifiedAIModel.model_fields), record["id"]
        for param in record.get("parameters", []):
            assert set(param) <= set(ModelParameter.model_fields), (record["id"], param["name"])
        if record.get("pricing"):
            assert set(record["pricing"]) <= set(Pricing.model_fields), record["id"]
            for tier in record["pricing"].get("tiers", []):
                assert set(tier) <= set(PriceTier.model_fields), record["id"]
        if record.get("rate_limit"):
            assert set(record["rate_limit"]) <= set(RateLimit.model_fields), record["id"]


def test_load_returns_independent_copies():
    first = load_builtin_catalog()
    first[0].name = "changed"
    first[0].parameters.clear()
    second = load_builtin_catalog()
    assert second[0].name != "changed"
    assert second[0].parameters


def test_every_model_is_marked_as_builtin(catalog):
    assert all(m.sources == ["builtin"] for m in catalog)


# --- flags, categories, metadata ------------------------------------------------------------------


def test_default_and_premium_models(catalog):
    assert {m.id for m in catalog if m.is_default} == {"wan22-i2v", "BAAI/bge-small-en-v1.5"}
    assert {m.id for m in catalog if m.is_premium} == {"sora2-i2v", "t2v-premium"}


def test_at_most_one_default_per_category(catalog):
    defaults = [m.category for m in catalog if m.is_default]
    assert len(defaults) == len(set(defaults))


@pytest.mark.parametrize("model", all_models())
def test_category_filter_matches_own_capabilities(model):
    assert set(model.capabilities) & CATEGORY_CAPABILITIES[model.category], model.capabilities


def test_categories(by_id):
    expected = {
        "Coding": {"gpt-4", "gpt-3.5-turbo", "claude-3-5-sonnet-20241022"},
        "Image": {"qwen-image-edit"},
        "Video": {"wan22-i2v", "seedance-i2v", "sora2-i2v", "t2v-premium", "cogvideox-2b"},
        "Audio": {"whisper-transcription", "whisper-translation", "tts-1"},
        "Embedding": {"BAAI/bge-small-en-v1.5", "BAAI/bge-base-en-v1.5", "BAAI/bge-large-en-v1.5"},
    }
    for category, ids in expected.items():
        assert {i for i, m in by_id.items() if m.category == category} == ids


def test_spec_capabilities(by_id):
    assert by_id["gpt-4"].capabilities == ["text-generation", "reasoning", "code", "vision"]
    assert by_id["gpt-3.5-turbo"].capabilities == ["text-generation", "code"]
    assert by_id["whisper-transcription"].capabilities == ["audio", "transcription", "speech-to-text"]
    assert by_id["whisper-translation"].capabilities == ["audio", "translation"]
    assert by_id["tts-1"].capabilities == ["audio-generation", "text-to-speech"]
    assert by_id["wan22-i2v"].capabilities == ["image-to-video", "video-generation"]


@pytest.mark.parametrize("model", all_models())
def test_model_has_description_and_endpoint(model):
    assert model.name and model.provider
    assert 20 <= len(model.description) <= 300
    assert model.endpoint.startswith("/v1/")
    assert model.method == "POST"
    assert model.parameters


@pytest.mark.parametrize("model", all_models())
def test_created_is_a_plausible_release_date(model):
    if model.id in UNDATED:
        assert model.created is None
        return
    assert isinstance(model.created, int)
    assert 1640995200 <= model.created <= time.time()  # 2022-01-01 .. now


def test_contract_created_values(by_id):
    assert by_id["gpt-4"].created == 1687882411
    assert by_id["gpt-3.5-turbo"].created == 1677610602
    assert by_id["claude-3-5-sonnet-20241022"].created == 1729641600


@pytest.mark.parametrize("model", all_models())
def test_expected_seconds_and_example_response(model):
    assert model.expected_seconds and model.expected_seconds > 0
    if model.category == "Video":
        assert model.expected_seconds >= 60
    assert isinstance(json.loads(model.example_response), dict)
    assert len(model.example_response) < 600, "example responses keep base64 short"


def test_upstream_model_values(by_id):
    for chat_id in ("gpt-4", "gpt-3.5-turbo", "claude-3-5-sonnet-20241022"):
        assert by_id[chat_id].upstream_model == chat_id
    assert by_id["whisper-transcription"].upstream_model == "whisper-1"
    assert by_id["whisper-translation"].upstream_model == "whisper-1"
    assert by_id["tts-1"].upstream_model == "tts-1"
    for size in ("small", "base", "large"):
        model_id = f"BAAI/bge-{size}-en-v1.5"
        assert by_id[model_id].upstream_model == model_id


def test_embedding_facts(by_id):
    expected = {"small": ("384", "Fast"), "base": ("768", "Medium"), "large": ("1024", "Slow")}
    for size, (dims, speed) in expected.items():
        model = by_id[f"BAAI/bge-{size}-en-v1.5"]
        assert model.facts["dimensions"] == dims
        assert model.speed == speed
        assert model.endpoint == "/v1/embeddings"
        assert [p.name for p in model.parameters] == ["input", "normalize"]


def test_video_facts(by_id):
    assert by_id["wan22-i2v"].facts["resolution"] == "1280x720"
    assert by_id["seedance-i2v"].facts["duration"] == "5 s"
    assert by_id["sora2-i2v"].facts["duration"] == "4 s"
    assert by_id["sora2-i2v"].quality == "Cinematic"
    assert by_id["cogvideox-2b"].facts["fps"] == "8"


# --- Wan, the spec's worked example ---------------------------------------------------------------


def test_wan_matches_the_spec_example(by_id):
    wan = by_id["wan22-i2v"]
    assert wan.name == "Alibaba Wan 2.2 I2V 720p"
    assert wan.provider == "Alibaba"
    assert wan.endpoint == "/v1/wan-2-2-i2v-720/run"
    assert wan.thumbnail_url == "https://image.ainative.studio/asset/alibaba/wan-2i2v720.png"
    assert (wan.speed, wan.quality) == ("Fast", "High")
    assert wan.description.startswith("Wan 2.2 is an open-source AI video generation model")


def test_wan_parameter_order_and_advanced_split(by_id):
    wan = by_id["wan22-i2v"]
    assert [p.name for p in wan.parameters] == [
        "image",
        "prompt",
        "negative_prompt",
        "duration",
        "num_inference_steps",
        "guidance",
        "flow_shift",
        "seed",
        "enable_prompt_optimization",
        "enable_safety_checker",
        "size",
    ]
    basic = [p.name for p in wan.parameters if not p.advanced]
    assert basic == ["image", "prompt", "negative_prompt", "duration"]
    image = wan.parameter("image")
    assert image.type == "file" and image.required and image.max_bytes == 10 * 1024 * 1024
    assert wan.parameter("duration").options == [5, 8, 10, 15]
    assert wan.parameter("duration").default == 8
    assert wan.parameter("seed").default is None


def test_wan_duration_price_table_is_exact(by_id):
    pricing = by_id["wan22-i2v"].pricing
    assert pricing.tier_parameter == "duration"
    assert pricing.tier_unit == "s"
    assert [(t.value, t.usd) for t in pricing.tiers] == [(5, 0.30), (8, 0.48), (10, 0.60), (15, 0.70)]


def test_shared_i2v_route_selects_provider(by_id):
    for model_id, provider in (("seedance-i2v", "seedance"), ("sora2-i2v", "sora2")):
        model = by_id[model_id]
        assert model.endpoint == "/v1/multimodal/video/i2v"
        assert [p.name for p in model.parameters] == ["image_url", "motion_prompt", "provider"]
        param = model.parameter("provider")
        assert param.options == [provider] and param.default == provider and param.advanced


# --- pricing and rate limits ----------------------------------------------------------------------


def test_contract_prices(by_id):
    for model_id, (credits, usd, unit) in CONTRACT_PRICES.items():
        pricing = by_id[model_id].pricing
        assert (pricing.credits, pricing.usd, pricing.unit) == (credits, usd, unit), model_id


def test_unknown_prices_are_null_not_zero(by_id):
    assert set(by_id) == set(CONTRACT_PRICES) | UNPRICED
    for model_id in UNPRICED:
        pricing = by_id[model_id].pricing
        # The data file states no price; the only figures are the provider's list price (issue 15),
        # per token and credited to the models.dev snapshot, never a made-up per-request dollar figure.
        assert pricing is not None, model_id
        assert pricing.usd is None and pricing.credits is None and not pricing.tiers, model_id
        assert pricing.input_usd > 0, model_id
        assert set(pricing.field_sources.values()) == {"models-dev"}, model_id


def test_pricing_bases(by_id):
    assert by_id["whisper-transcription"].pricing.basis == "per_minute_audio"
    assert by_id["whisper-translation"].pricing.basis == "per_minute_audio"
    assert by_id["tts-1"].pricing.basis == "per_1k_chars"
    assert by_id["qwen-image-edit"].pricing.basis == "flat"


@pytest.mark.parametrize("model", all_models())
def test_no_price_is_zero(model):
    pricing = model.pricing
    if pricing is None:
        return
    if pricing.input_usd is not None:  # a provider list price per 1M tokens (issue 15)
        assert pricing.input_usd > 0 and pricing.unit
        return
    assert pricing.usd is not None and pricing.usd > 0
    assert pricing.credits is not None and pricing.credits > 0
    assert pricing.unit
    assert all(t.usd > 0 for t in pricing.tiers)
    if pricing.tiers:
        tiered = model.parameter(pricing.tier_parameter)
        assert tiered is not None
        assert [t.value for t in pricing.tiers] == tiered.options


def test_contract_rate_limits(by_id):
    for model_id, model in by_id.items():
        expected = CONTRACT_RATE_LIMITS.get(model_id)
        if expected is None:
            assert model.rate_limit is None, model_id
        else:
            assert (model.rate_limit.requests, model.rate_limit.per_seconds) == (expected, 60), model_id


# --- parameters -----------------------------------------------------------------------------------


@pytest.mark.parametrize(("model", "param"), all_parameters())
def test_parameter_default_is_valid(model, param: ModelParameter):
    default = param.default
    if default is None:
        return
    if param.type == "file":
        pytest.fail("file parameters have no default")
    assert isinstance(default, PARAM_TYPES[param.type])
    if param.type in ("integer", "number"):
        assert not isinstance(default, bool)
    if param.options is not None:
        assert default in param.options
    if param.min is not None:
        assert default >= param.min
    if param.max is not None:
        assert default <= param.max
    if param.step and param.min is not None:
        steps = (default - param.min) / param.step
        assert abs(steps - round(steps)) < 1e-9, "default lies on the step grid"
    if param.max_length is not None:
        assert len(default) <= param.max_length


@pytest.mark.parametrize(("model", "param"), all_parameters())
def test_parameter_schema_is_consistent(model, param: ModelParameter):
    assert re.match(r"^[a-z][a-z0-9_]*$", param.name)
    assert param.description
    if param.min is not None and param.max is not None:
        assert param.min < param.max
    if param.options is not None:
        assert param.options, "an options list is never empty"
        assert len(set(map(str, param.options))) == len(param.options)
        assert all(isinstance(o, PARAM_TYPES.get(param.type, (object,))) for o in param.options)
    if param.type == "file":
        assert param.accept and param.max_bytes
    else:
        assert param.accept is None and param.max_bytes is None
    if param.max_length is not None:
        assert param.type == "string"


@pytest.mark.parametrize(("model", "param"), all_parameters())
def test_required_parameters_have_no_default_unless_fixed_choice(model, param: ModelParameter):
    if not param.required or param.default is None:
        return
    # A selector (provider, voice) always sends a value, so a default there is the sensible choice.
    assert param.options and param.default in param.options, f"{model.id}:{param.name}"


@pytest.mark.parametrize("model", all_models())
def test_required_parameters_come_first_and_have_examples(model):
    required = [p for p in model.parameters if p.required and p.default is None]
    assert required, "every model needs some input"
    names = [p.name for p in model.parameters]
    assert names[: len(required)] == [p.name for p in required]
    for param in required:
        assert param.example is not None, f"{param.name} needs an example for code snippets"
        if param.max_length is not None:
            assert len(param.example) <= param.max_length


def test_spec_parameter_limits(by_id):
    qwen = by_id["qwen-image-edit"]
    assert qwen.parameter("prompt").max_length == 2000
    for side in ("width", "height"):
        p = qwen.parameter(side)
        assert (p.min, p.max, p.default) == (512, 2048, 1024)
    t2v = by_id["t2v-premium"]
    assert t2v.parameter("prompt").max_length == 1000
    duration = t2v.parameter("duration")
    assert (duration.min, duration.max, duration.default) == (1, 10, 5)
    cog = by_id["cogvideox-2b"].parameter("num_frames")
    assert (cog.options, cog.default) == ([17, 33, 49], 49)
    assert by_id["gpt-4"].parameter("max_tokens").max == 8192
    assert by_id["tts-1"].parameter("input").max_length == 4096
    assert by_id["tts-1"].parameter("voice").options == ["alloy", "echo", "fable", "onyx", "nova", "shimmer"]
    assert by_id["whisper-transcription"].parameter("file").max_bytes == 25 * 1024 * 1024
    assert by_id["whisper-translation"].parameter("language") is None, "translation always outputs English"


# --- readmes --------------------------------------------------------------------------------------


@pytest.mark.parametrize("model", all_models())
def test_readme_has_every_section_in_order(model):
    assert model.readme, f"readmes/{model.slug}.md is missing"
    assert model.readme.startswith(f"# {model.name}\n")
    sections = readme_sections(model.readme)
    assert list(sections) == list(README_SECTIONS)
    assert all(body.strip() for body in sections.values())


@pytest.mark.parametrize("model", all_models())
def test_readme_documents_every_parameter(model):
    table = readme_sections(model.readme)["Parameters"]
    rows = [line for line in table.splitlines() if line.startswith("| `")]
    assert [re.match(r"\| `([^`]+)`", row).group(1) for row in rows] == [p.name for p in model.parameters]
    assert all(row.count("|") == 7 for row in rows), "name, type, required, default, range, description"


@pytest.mark.parametrize("model", all_models())
def test_readme_example_is_valid_json(model):
    examples = readme_sections(model.readme)["Examples"]
    blocks = re.findall(r"```json\n(.*?)```", examples, flags=re.S)
    assert len(blocks) >= 2, "a request body and a response"
    for block in blocks:
        json.loads(block)


@pytest.mark.parametrize("model", all_models())
def test_readme_pricing_and_rate_limit_match_the_data(model):
    sections = readme_sections(model.readme)
    pricing = sections["Pricing"]
    assert "|---|" in pricing, "pricing is a table"
    if model.pricing is None:
        assert "unknown" in pricing
    elif model.pricing.input_usd is not None:  # a provider list price (issue 15)
        assert f"| per 1M input tokens | none | {token_price_rows(model.pricing)[0][1]} |" in pricing
        assert "models.dev" in pricing
    elif model.pricing.tiers:
        for tier in model.pricing.tiers:
            assert f"| {tier.value:g} s | ${tier.usd:.2f} |" in pricing
    else:
        assert f"| {model.pricing.credits:g} |" in pricing
    if model.rate_limit is not None:
        assert f"{model.rate_limit.requests} request" in sections["Rate limits"]


@pytest.mark.parametrize("model", all_models())
def test_readme_length(model):
    assert 150 <= prose_words(model.readme) <= 400


def test_readmes_are_not_one_template(catalog):
    limitations = [readme_sections(m.readme)["Limitations"].strip() for m in catalog]
    assert len(set(limitations)) == len(limitations)
