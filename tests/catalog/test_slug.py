"""Slugs: the spec's URL rule, organisation prefixes, bounds and uniqueness."""

from __future__ import annotations

import pytest

from ai_registry.catalog.slug import MAX_SLUG_LENGTH, model_slug, slugify, unique_slug


@pytest.mark.parametrize(
    ("text", "slug"),
    [
        ("gpt-4", "gpt-4"),
        ("GPT-3.5 Turbo", "gpt-3-5-turbo"),
        ("bge-small-en-v1.5", "bge-small-en-v1-5"),
        ("Alibaba Wan 2.2 I2V 720p", "alibaba-wan-2-2-i2v-720p"),
        ("  --Hello,   World!!--  ", "hello-world"),
        ("a__b..c//d", "a-b-c-d"),
        ("claude-3-5-sonnet-20241022", "claude-3-5-sonnet-20241022"),
        ("", ""),
        ("!!!", ""),
    ],
)
def test_slugify(text: str, slug: str) -> None:
    assert slugify(text) == slug


def test_slugify_only_keeps_url_safe_characters() -> None:
    slug = slugify("../../etc/passwd?x=<script>&y=\"'` é")
    assert slug == "etc-passwd-x-script-y"
    assert all(c.isascii() and (c.isalnum() or c == "-") for c in slug)


def test_slugify_is_idempotent() -> None:
    for text in ("GPT-3.5 Turbo", "BAAI/bge-large-en-v1.5", "Qwen Image Edit"):
        once = slugify(text)
        assert slugify(once) == once


def test_slugify_bounds_length_without_a_trailing_hyphen() -> None:
    long = "ab-" * 100
    slug = slugify(long)
    assert len(slug) <= MAX_SLUG_LENGTH
    assert not slug.endswith("-")
    assert slugify("x" * 500) == "x" * MAX_SLUG_LENGTH


@pytest.mark.parametrize(
    ("model_id", "slug"),
    [
        ("BAAI/bge-small-en-v1.5", "bge-small-en-v1-5"),
        ("BAAI/bge-base-en-v1.5", "bge-base-en-v1-5"),
        ("org/team/model-x", "model-x"),
        ("gpt-3.5-turbo", "gpt-3-5-turbo"),
        ("whisper-transcription", "whisper-transcription"),
    ],
)
def test_model_slug_drops_the_organisation(model_id: str, slug: str) -> None:
    assert model_slug(model_id) == slug


def test_model_slug_falls_back_when_the_last_part_is_empty() -> None:
    assert model_slug("acme/") == "acme"
    assert model_slug("acme/!!!") == "acme"
    assert model_slug("!!!") == "model"
    assert model_slug("日本語") == "model"


def test_unique_slug() -> None:
    assert unique_slug("gpt-4", set()) == "gpt-4"
    assert unique_slug("gpt-4", {"gpt-4"}) == "gpt-4-2"
    assert unique_slug("gpt-4", {"gpt-4", "gpt-4-2", "gpt-4-3"}) == "gpt-4-4"
    # A gap is reused: the first free suffix wins.
    assert unique_slug("gpt-4", {"gpt-4", "gpt-4-3"}) == "gpt-4-2"


def test_unique_slug_many_collisions_stay_distinct() -> None:
    taken: set[str] = set()
    for _ in range(50):
        taken.add(unique_slug("model", taken))
    assert len(taken) == 50
    assert {"model", "model-2", "model-50"} <= taken
