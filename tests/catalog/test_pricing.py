"""Price labels, tables and cost estimates: unknown stays unknown, never $0."""

from __future__ import annotations

from typing import Any

import pytest

from ai_registry.catalog.builtin import load_builtin_catalog
from ai_registry.catalog.models import ModelParameter, PriceTier, Pricing, UnifiedAIModel
from ai_registry.catalog.pricing import (
    FREE_LOCAL,
    PRICE_UNKNOWN,
    estimate_cost,
    format_credits,
    format_usd,
    price_label,
    price_table,
    pricing_note,
)


def make(pricing: Pricing | None, parameters: list[ModelParameter] | None = None) -> UnifiedAIModel:
    return UnifiedAIModel(
        id="m", slug="m", name="M", provider="P", category="Video", endpoint="/v1/x",
        pricing=pricing, parameters=parameters or [],
    )


@pytest.fixture(scope="module")
def builtin() -> dict[str, UnifiedAIModel]:
    return {m.id: m for m in load_builtin_catalog()}


@pytest.mark.parametrize(
    ("usd", "text"),
    [
        (0, "$0.00"),
        (0.3, "$0.30"),
        (0.025, "$0.025"),
        (0.006, "$0.006"),
        (0.48, "$0.48"),
        (0.2, "$0.20"),
        (1, "$1.00"),
        (12.5, "$12.50"),
        (100, "$100.00"),
        (0.0015, "$0.0015"),
        # Tiny per-unit prices keep their digits instead of reading $0.00.
        (0.00002, "$0.00002"),
        (0.000015, "$0.000015"),
        (0.00015, "$0.00015"),
    ],
)
def test_format_usd(usd: float, text: str) -> None:
    assert format_usd(usd) == text


def test_a_known_nonzero_price_never_reads_zero() -> None:
    for usd in (1e-3, 4e-4, 3e-5, 2e-6, 1e-7):
        assert format_usd(usd) != "$0.00"


def test_format_credits() -> None:
    assert format_credits(1) == "1 credit"
    assert format_credits(50) == "50 credits"
    assert format_credits(2.5) == "2.5 credits"


def test_price_label_unknown_is_never_zero() -> None:
    assert price_label(None) == PRICE_UNKNOWN
    assert price_label(Pricing(credits=10)) == PRICE_UNKNOWN  # credits without a dollar figure
    assert price_label(Pricing(unit="per image")) == PRICE_UNKNOWN
    assert "$0" not in price_label(None)


def test_price_label_flat_and_free() -> None:
    assert price_label(Pricing(credits=50, usd=0.025, unit="per image")) == "50 credits (~$0.025) per image"
    assert price_label(Pricing(usd=0.4)) == "$0.40"
    assert price_label(Pricing(basis="free")) == FREE_LOCAL
    assert price_label(Pricing(basis="free", unit="Free on this box")) == "Free on this box"


def test_builtin_price_labels(builtin: dict[str, UnifiedAIModel]) -> None:
    assert price_label(builtin["wan22-i2v"].pricing) == "Cost: 5s $0.30, 8s $0.48, 10s $0.60, 15s $0.70"
    assert price_label(builtin["qwen-image-edit"].pricing) == "50 credits (~$0.025) per image"
    assert price_label(builtin["whisper-transcription"].pricing) == "5 credits (~$0.006) per minute of audio"
    assert price_label(builtin["tts-1"].pricing) == "14 credits (~$0.015) per 1,000 characters"
    # Issue 15: no upstream price, so OpenAI's list price from the models.dev snapshot.
    assert price_label(builtin["gpt-4"].pricing) == "$30.00 / $60.00 per 1M input / output tokens"


def test_price_table(builtin: dict[str, UnifiedAIModel]) -> None:
    assert price_table(None) == [("Price", "unknown")]
    assert price_table(Pricing(credits=5)) == [("Price", "unknown")]
    assert price_table(Pricing(basis="free")) == [("Price", FREE_LOCAL)]
    assert price_table(Pricing(usd=0.5)) == [("Per request", "$0.50")]
    # Issue 10: the table is what a run costs; the contradicting summary is the note's business.
    assert price_table(builtin["wan22-i2v"].pricing) == [
        ("5s (duration)", "$0.30"),
        ("8s (duration)", "$0.48"),
        ("10s (duration)", "$0.60"),
        ("15s (duration)", "$0.70"),
    ]


# -- estimates ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(("duration", "usd"), [(5, 0.30), (8, 0.48), (10, 0.60), (15, 0.70), ("10", 0.60)])
def test_estimate_wan_by_duration(builtin: dict[str, UnifiedAIModel], duration: Any, usd: float) -> None:
    estimate = estimate_cost(builtin["wan22-i2v"], {"duration": duration})
    assert estimate.usd == pytest.approx(usd)
    assert estimate.label == format_usd(usd)


def test_estimate_wan_uses_the_parameter_default(builtin: dict[str, UnifiedAIModel]) -> None:
    wan = builtin["wan22-i2v"]
    default = wan.parameter("duration").default
    expected = {t.value: t.usd for t in wan.pricing.tiers}[float(default)]
    assert estimate_cost(wan, {}).usd == pytest.approx(expected)
    assert estimate_cost(wan, {"duration": ""}).usd == pytest.approx(expected)


def test_estimate_tier_outside_the_table_is_unknown(builtin: dict[str, UnifiedAIModel]) -> None:
    wan = builtin["wan22-i2v"]
    assert estimate_cost(wan, {"duration": 7}).usd is None
    assert "7s" in estimate_cost(wan, {"duration": 7}).label
    assert estimate_cost(wan, {"duration": "long"}).usd is None


def test_estimate_tier_without_default_is_unknown() -> None:
    pricing = Pricing(tier_parameter="duration", tiers=[PriceTier(value=5, usd=0.3)])
    model = make(pricing, [ModelParameter(name="duration", type="integer")])
    assert estimate_cost(model, {}).usd is None
    assert estimate_cost(model, {"duration": 5}).usd == pytest.approx(0.3)


def test_estimate_flat(builtin: dict[str, UnifiedAIModel]) -> None:
    estimate = estimate_cost(builtin["qwen-image-edit"], {"prompt": "a cat"})
    assert estimate.usd == pytest.approx(0.025)
    assert estimate.credits == pytest.approx(50)
    assert estimate.label == "$0.025"


def test_estimate_unknown_and_free() -> None:
    assert estimate_cost(make(None), {}).usd is None
    assert estimate_cost(make(None), {}).label == PRICE_UNKNOWN
    assert estimate_cost(make(Pricing(credits=3)), {}).usd is None
    free = estimate_cost(make(Pricing(basis="free")), {})
    assert free.usd == 0.0 and free.label == "Free"


def test_estimate_per_audio_minute(builtin: dict[str, UnifiedAIModel]) -> None:
    whisper = builtin["whisper-transcription"]
    unknown_length = estimate_cost(whisper, {})
    assert unknown_length.usd is None
    assert unknown_length.label == "$0.006 per minute of audio"
    assert estimate_cost(whisper, {}, audio_seconds=120).usd == pytest.approx(0.012)
    assert estimate_cost(whisper, {}, audio_seconds=120).credits == pytest.approx(10)
    # Very short clips are billed as at least one second, never as free.
    assert estimate_cost(whisper, {}, audio_seconds=0).usd == pytest.approx(0.006 / 60)
    assert estimate_cost(whisper, {}, audio_seconds=0).label != "~$0.00"


def test_estimate_per_1000_characters(builtin: dict[str, UnifiedAIModel]) -> None:
    tts = builtin["tts-1"]
    estimate = estimate_cost(tts, {"input": "x" * 2000})
    assert estimate.usd == pytest.approx(0.03)
    assert estimate.label == "~$0.03"
    assert estimate_cost(tts, {"text": "x" * 1000}).usd == pytest.approx(0.015)
    short = estimate_cost(tts, {"input": "hello"})
    assert short.usd == pytest.approx(0.015 * 5 / 1000)
    assert short.label == "~$0.000075"
    empty = estimate_cost(tts, {"input": ""})
    assert empty.usd is None
    assert empty.label == "$0.015 per 1,000 characters"


def test_estimate_per_1000_tokens_is_not_a_flat_price() -> None:
    estimate = estimate_cost(make(Pricing(usd=0.03, basis="per_1k_tokens")), {"messages": []})
    assert estimate.usd is None
    assert estimate.label == "$0.03 per 1,000 tokens"


def test_every_builtin_estimate_is_known_or_says_unknown(builtin: dict[str, UnifiedAIModel]) -> None:
    for model in builtin.values():
        defaults = {p.name: p.default for p in model.parameters if p.default is not None}
        estimate = estimate_cost(model, defaults, audio_seconds=30)
        if model.pricing is None:
            assert estimate.usd is None and estimate.label == PRICE_UNKNOWN
        else:
            assert estimate.label
            assert estimate.label != "$0.00"


# -- a price never covers what its unit does not (issue 17) ------------------------------------------


def five_second_video(**pricing) -> UnifiedAIModel:
    duration = ModelParameter(name="duration", type="integer", default=5, options=[5, 8, 10])
    return make(Pricing(credits=400, usd=0.2, unit="per 5s video", **pricing), [duration])


def test_a_per_5s_price_prices_a_5s_video_only() -> None:
    model = five_second_video()
    assert estimate_cost(model, {"duration": 5}).usd == pytest.approx(0.2)
    assert estimate_cost(model, {}).usd == pytest.approx(0.2)  # the default is 5 s
    eight = estimate_cost(model, {"duration": 8})
    assert eight.usd is None
    assert eight.label == "Price unknown for 8s (the price is per 5s video)"


def test_a_per_5s_price_without_a_duration_input_covers_the_model_s_one_length() -> None:
    model = make(Pricing(credits=520, usd=0.26, unit="per 5s video"), [ModelParameter(name="motion_prompt")])
    assert estimate_cost(model, {"motion_prompt": "pan left"}).usd == pytest.approx(0.26)


def test_a_per_video_price_covers_every_duration() -> None:
    model = make(Pricing(usd=0.5, unit="per video"), [ModelParameter(name="duration", type="integer", default=5)])
    assert estimate_cost(model, {"duration": 9}).usd == pytest.approx(0.5)


def test_frame_count_and_size_units() -> None:
    frames = make(Pricing(usd=0.4, unit="per 49 frames"), [ModelParameter(name="num_frames", default=49)])
    assert estimate_cost(frames, {}).usd == pytest.approx(0.4)
    assert estimate_cost(frames, {"num_frames": 17}).label == "Price unknown for 17 frames (the price is per 49 frames)"
    image = make(
        Pricing(usd=0.03, unit="per 1024x1024 image"),
        [ModelParameter(name="width", default=1024), ModelParameter(name="height", default=1024)],
    )
    assert estimate_cost(image, {}).usd == pytest.approx(0.03)
    assert estimate_cost(image, {"width": 2048}).usd is None
    assert "2048x1024" in estimate_cost(image, {"width": 2048}).label


def test_a_rate_in_the_unit_is_a_rate_even_without_its_basis() -> None:
    # An upstream that says "per minute" but sends no basis: never one flat price for any length.
    audio = make(Pricing(usd=0.006, unit="per minute"))
    assert estimate_cost(audio, {}).usd is None
    assert estimate_cost(audio, {}, audio_seconds=120).usd == pytest.approx(0.012)
    speech = make(Pricing(usd=0.015, unit="per 1k characters"))
    assert estimate_cost(speech, {"input": "x" * 2000}).usd == pytest.approx(0.03)
    tokens = make(Pricing(usd=2.5, unit="per 1M tokens"))
    assert estimate_cost(tokens, {}).usd is None
    assert estimate_cost(tokens, {}).label == "$2.50 per 1M tokens"


def test_table_first_then_the_unit_for_what_the_table_lacks() -> None:
    model = five_second_video(tier_parameter="duration", tiers=[PriceTier(value=8, usd=0.48)])
    assert estimate_cost(model, {"duration": 8}).source == "table"
    five = estimate_cost(model, {"duration": 5})
    assert (five.usd, five.source) == (pytest.approx(0.2), "unit")
    assert estimate_cost(model, {"duration": 10}).usd is None


def test_estimate_from_unit_prefers_the_unit_where_both_cover(builtin: dict[str, UnifiedAIModel]) -> None:
    wan = builtin["wan22-i2v"]
    by_unit = wan.model_copy(update={"pricing": wan.pricing.model_copy(update={"estimate_from": "unit"})})
    assert estimate_cost(by_unit, {"duration": 5}).usd == pytest.approx(0.2)
    assert estimate_cost(by_unit, {"duration": 8}).usd == pytest.approx(0.48)  # the unit does not cover 8 s
    assert estimate_cost(wan, {"duration": 5}).usd == pytest.approx(0.3)  # by default the table


def test_summary_stays_when_it_agrees_with_the_table_or_prices_runs() -> None:
    tiers = [{"value": 5, "usd": 0.2}, {"value": 8, "usd": 0.48}]
    agrees = Pricing(credits=400, usd=0.2, unit="per 5s video", tier_parameter="duration", tiers=tiers)
    assert price_table(agrees)[0] == ("per 5s video", "400 credits (~$0.20)")
    by_unit = agrees.model_copy(update={"usd": 0.25, "estimate_from": "unit"})
    assert price_table(by_unit)[0] == ("per 5s video", "400 credits (~$0.25)")


def test_pricing_note_says_both_figures_their_sources_and_the_choice(builtin: dict[str, UnifiedAIModel]) -> None:
    from ai_registry.aggregator.merge import merge_catalog

    wan = next(m for m in merge_catalog(list(builtin.values()), []) if m.id == "wan22-i2v")
    assert pricing_note(wan) == (
        "Two prices for a 5s run: 400 credits (~$0.20) per 5s video (Built-in catalog), "
        "and $0.30 in the table (Built-in catalog). Estimates use the duration table."
    )
    assert pricing_note(builtin["qwen-image-edit"]) is None
    assert pricing_note(make(None)) is None
