"""The curation overlay applied to a merged catalog, and the checks of an imported file (pure)."""

from __future__ import annotations

import json

import pytest

from ai_registry.catalog.builtin import load_builtin_catalog
from ai_registry.catalog.curation import (
    MAX_NAME,
    MAX_WORDS,
    Curation,
    CurationOverlay,
    export_document,
    parse_curation,
    read_document,
)
from ai_registry.catalog.query import CatalogIndex, sort_models


@pytest.fixture
def catalog():
    return load_builtin_catalog()


def by_id(models):
    return {m.id: m for m in models}


def defaults(models, category):
    return [m.id for m in models if m.category == category and m.is_default]


def test_an_empty_overlay_returns_the_very_same_models(catalog) -> None:
    curated = CurationOverlay().apply(catalog)
    assert all(a is b for a, b in zip(curated, catalog, strict=True))


def test_hiding_marks_the_model_and_the_index_leaves_it_out_for_non_admins(catalog) -> None:
    curated = CurationOverlay.of([Curation("gpt-4", hidden=True)]).apply(catalog)
    assert by_id(curated)["gpt-4"].hidden and not by_id(catalog)["gpt-4"].hidden
    index = CatalogIndex(curated)
    assert "gpt-4" not in [m.id for m in index.query()]
    assert "gpt-4" not in [m.id for m in index.query(q="gpt")]
    assert "gpt-4" in [m.id for m in index.query(q="gpt", include_hidden=True)]
    assert index.facets()["Coding"] == index.facets(include_hidden=True)["Coding"] - 1
    assert len(index.query()) == len(catalog) - 1


def test_a_new_default_takes_the_star_from_the_category_and_nowhere_else(catalog) -> None:
    assert defaults(catalog, "Video") == ["wan22-i2v"]
    curated = CurationOverlay.of([Curation("seedance-i2v", default=True)]).apply(catalog)
    assert defaults(curated, "Video") == ["seedance-i2v"]
    assert defaults(curated, "Embedding") == defaults(catalog, "Embedding")  # other categories untouched
    assert sum(m.is_default for m in curated) == sum(m.is_default for m in catalog)


def test_hiding_the_default_removes_its_star(catalog) -> None:
    curated = CurationOverlay.of([Curation("wan22-i2v", hidden=True)]).apply(catalog)
    assert defaults(curated, "Video") == []


def test_several_merged_defaults_in_one_category_keep_only_the_first(catalog) -> None:
    twice = [m.model_copy(update={"is_default": True}) if m.id == "seedance-i2v" else m for m in catalog]
    curated = CurationOverlay().apply(twice)
    assert defaults(curated, "Video") == ["wan22-i2v"]


def test_overrides_replace_name_description_readme_and_premium(catalog) -> None:
    entry = Curation("gpt-4", name="GPT-4 (team pick)", description="Our reviewer.", readme="# Ours", premium=True)
    model = by_id(CurationOverlay.of([entry]).apply(catalog))["gpt-4"]
    assert (model.name, model.description, model.readme, model.is_premium) == (
        "GPT-4 (team pick)", "Our reviewer.", "# Ours", True,
    )
    unset = by_id(CurationOverlay.of([Curation("sora2-i2v", premium=False)]).apply(catalog))["sora2-i2v"]
    assert unset.is_premium is False and by_id(catalog)["sora2-i2v"].is_premium is True


def test_tags_and_aliases_are_found_by_search(catalog) -> None:
    entry = Curation("wan22-i2v", tags=("teamfav",), aliases=("wanny",))
    index = CatalogIndex(CurationOverlay.of([entry]).apply(catalog))
    assert [m.id for m in index.query(q="wanny")] == ["wan22-i2v"]
    assert [m.id for m in index.query(q="teamfav", category="Video")] == ["wan22-i2v"]
    assert CatalogIndex(catalog).query(q="wanny") == []


def test_featured_models_come_first_in_the_default_sort_only(catalog) -> None:
    overlay = CurationOverlay.of([Curation("bge-large-en-v1.5".replace("bge", "BAAI/bge"), featured=True),
                                  Curation("gpt-3.5-turbo", featured=True)])
    curated = overlay.apply(catalog)
    index = CatalogIndex(curated)
    newest = [m.id for m in index.query()]
    assert newest[:2] == ["BAAI/bge-large-en-v1.5", "gpt-3.5-turbo"]  # newest first among the featured
    assert newest == [m.id for m in sort_models(curated, "newest")]
    by_name = [m.id for m in index.query(sort="name")]
    assert by_name == [m.id for m in sort_models(catalog, "name")]


def test_reapplying_keeps_the_same_objects_so_the_index_update_is_cheap(catalog) -> None:
    overlay = CurationOverlay.of([Curation("gpt-4", hidden=True), Curation("seedance-i2v", default=True)])
    first = overlay.apply(catalog)
    again = overlay.with_entries(overlay.entries.values()).apply(catalog)
    assert all(a is b for a, b in zip(first, again, strict=True))
    index = CatalogIndex(first)
    changed = overlay.with_entries([Curation("gpt-4", hidden=False, name="Four")]).apply(catalog)
    moved = [b for a, b in zip(first, changed, strict=True) if a is not b]
    assert {m.id for m in moved} == {"gpt-4", "seedance-i2v", "wan22-i2v"}  # the renamed and both stars
    updated = index.updated(changed)
    assert [m.id for m in updated.query(q="four")] == ["gpt-4"]
    assert [m.id for m in updated.query()] == [m.id for m in CatalogIndex(changed).query()]


def test_an_upstream_change_does_not_undo_the_overlay(catalog) -> None:
    overlay = CurationOverlay.of([Curation("gpt-4", name="Team GPT-4", hidden=True)])
    overlay.apply(catalog)
    refreshed = [m.model_copy(update={"name": "GPT-4 (new upstream name)"}) if m.id == "gpt-4" else m for m in catalog]
    model = by_id(overlay.apply(refreshed))["gpt-4"]
    assert model.name == "Team GPT-4" and model.hidden


# -- checking entries ----------------------------------------------------------------------------------


def test_parse_curation_accepts_words_as_text_or_lists() -> None:
    entry, problems = parse_curation("x", {"tags": "fast, cheap  fast", "aliases": ["wan22", "wan-2.2"]})
    assert problems == []
    assert entry.tags == ("fast", "cheap") and entry.aliases == ("wan22", "wan-2.2")


@pytest.mark.parametrize(
    ("data", "fragment"),
    [
        ({"name": "x" * (MAX_NAME + 1)}, "name must be 1 to 120 characters"),
        ({"tags": "Fast"}, "“Fast” is not a lowercase word"),
        ({"aliases": ["two words"]}, "“two words” is not a lowercase word"),
        ({"tags": " ".join(f"t{i}" for i in range(MAX_WORDS + 1))}, "tags: at most 20"),
        ({"hidden": "yes"}, "hidden must be true or false"),
        ({"hidden": True, "default": True}, "a hidden model cannot be its category's default"),
        ({"colour": "red"}, "unknown fields: colour"),
        ({"description": "a\x00b"}, "description holds a NUL character"),
    ],
)
def test_parse_curation_names_each_problem(data, fragment) -> None:
    _entry, problems = parse_curation("x", data)
    assert any(fragment in p for p in problems), problems


def test_export_is_sorted_versioned_and_lists_only_changes(catalog) -> None:
    entries = [Curation("wan22-i2v", default=True, tags=("b", "a")), Curation("gpt-4", hidden=True), Curation("tts-1")]
    document = export_document(entries, {m.id.casefold(): m.slug for m in catalog})
    assert document["format"] == "ai-registry-curation" and document["version"] == 1
    assert document["models"] == [
        {"id": "gpt-4", "slug": "gpt-4", "hidden": True},
        {"id": "wan22-i2v", "slug": "alibaba-wan-22-i2v-720p", "default": True, "tags": ["b", "a"]},
    ]
    read, problems = read_document(json.loads(json.dumps(document)), catalog)
    assert problems == [] and sorted(read, key=lambda e: e.model_id) == sorted(entries[:2], key=lambda e: e.model_id)


def test_read_document_lists_every_problem_at_once(catalog) -> None:
    document = {
        "format": "ai-registry-curation",
        "version": 1,
        "models": [
            {"slug": "no-such-model", "hidden": True},
            {"id": "gpt-4", "name": ""},
            {"id": "gpt-4", "tags": ["UPPER"]},
            {"slug": "seedance-i2v", "default": True},
            {"id": "wan22-i2v", "default": True},
            {"id": "tts-1", "slug": "gpt-4"},
            "not an object",
            {"hidden": True},
        ],
    }
    _entries, problems = read_document(document, catalog)
    text = "\n".join(problems)
    assert "models[1] (no-such-model): no model has the slug 'no-such-model'" in text
    assert "models[3] (gpt-4): the same model as models[2]" in text
    assert "“UPPER” is not a lowercase word" in text
    assert "models[5] (wan22-i2v): a second default for Video (models[4])" in text
    assert "models[6] (tts-1): slug 'gpt-4' is not this model's ('tts')" in text
    assert "models[7]: must be an object" in text
    assert 'models[8]: needs an "id" or a "slug"' in text
    assert len(problems) == 7


def test_read_document_refuses_a_wrong_format_or_version(catalog) -> None:
    assert read_document([], catalog)[1]
    _e, problems = read_document({"format": "other", "version": 2, "models": []}, catalog)
    assert len(problems) == 2
