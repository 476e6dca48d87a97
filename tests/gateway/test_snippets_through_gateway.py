"""Every catalog model's snippet, as the API tab shows it by default, run against the gateway.

The default form calls this registry with a key of this registry (issue 13 point 2). For each model of
the running registry's catalog (the spec's upstream models and the embedded engine's local ones), the
curl, Python and JavaScript snippets are run as a person runs them after pasting their key: the
registry answers 2xx, the script does something visible with the answer, and an upstream model's call
reaches the loopback contract server with the administrator's upstream key, never the member's.
"""

from __future__ import annotations

import sys
from pathlib import Path

import httpx
import pytest

from ai_registry.aggregator.runtime import find_model
from ai_registry.catalog import builtin
from ai_registry.codegen.key_source import REGISTRY_KEY_PLACEHOLDER, registry_key
from ai_registry.codegen.snippets import snippet
from ai_registry.inference.transport import is_local
from ai_registry.kinds import build_request
from tests.codegen.test_snippets_run import NODE, check_output, provide_files, run_curl, run_script
from tests.gateway.conftest import UPSTREAM_KEY

LANGUAGES = ["curl", "python", "javascript"]
# The spec's 15 upstream models, by the slugs the spec gives them (the embedded engine's 4 are added below).
SLUGS = sorted(m.slug for m in builtin.load_builtin_catalog())


def catalog_slugs(gateway) -> list[str]:
    listed = httpx.get(f"{gateway.base_url}/models", headers={"X-API-Key": gateway.keys["admin"]}, timeout=60)
    assert listed.status_code == 200, listed.text
    return sorted(m["slug"] for m in listed.json()["data"])


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    import os

    return {**os.environ, "NO_PROXY": "127.0.0.1,localhost", "no_proxy": "127.0.0.1,localhost"}


def test_the_catalog_under_test_is_the_whole_catalog(gateway) -> None:
    """The parametrized list below is every model the gateway lists (upstream ones; local ones are added)."""
    slugs = catalog_slugs(gateway)
    assert set(SLUGS) <= set(slugs), sorted(set(SLUGS) - set(slugs))
    local = [s for s in slugs if is_local(find_model(s))]
    assert len(local) == 4 and set(slugs) == set(SLUGS) | set(local), slugs


def _local_slugs(gateway) -> list[str]:
    return [s for s in catalog_slugs(gateway) if is_local(find_model(s))]


def _run(gateway, slug: str, language: str, tmp_path: Path, env: dict[str, str]) -> None:
    catalog_slugs(gateway)  # the catalog is loaded in this process, as the gateway serves it
    model = find_model(slug)
    assert model is not None, slug
    spec = build_request(model, {})
    provide_files(spec, tmp_path)
    code = snippet(language, model, {}, base_url=gateway.url, prefix="/v1", key_source=registry_key(gateway.url))
    assert REGISTRY_KEY_PLACEHOLDER in code and gateway.url in code
    code = code.replace(REGISTRY_KEY_PLACEHOLDER, gateway.keys["member"])  # the person pastes their key
    since = len(gateway.upstream.requests)
    if language == "curl":
        status, body = run_curl(code, tmp_path, env)
        assert 200 <= status < 300, body.decode(errors="replace")[:600]
    else:
        script = tmp_path / ("snippet.py" if language == "python" else "snippet.mjs")
        script.write_text(code, encoding="utf-8")
        done = run_script([sys.executable if language == "python" else str(NODE), str(script)], tmp_path, env)
        if not is_local(model):
            check_output(spec, tmp_path, done.stdout)
        else:
            assert done.stdout.strip() or any(p.name.startswith("speech.") for p in tmp_path.iterdir()), done.stdout
    received = gateway.upstream.requests[since:]
    if is_local(model):
        assert received == [], "a local model's call must not reach the upstream"
        return
    assert [(r.method, r.path) for r in received] == [(spec.method, spec.path)]
    assert received[0].headers.get("authorization") == f"Bearer {UPSTREAM_KEY}"
    assert gateway.keys["member"] not in str(received[0].headers)


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("slug", SLUGS)
def test_an_upstream_models_snippet_runs_through_the_gateway(gateway, slug, language, tmp_path, env) -> None:
    if language == "javascript" and NODE is None:
        pytest.skip("node is not installed")
    _run(gateway, slug, language, tmp_path, env)


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_local_models_snippet_runs_through_the_gateway(gateway, language, tmp_path, env) -> None:
    if language == "javascript" and NODE is None:
        pytest.skip("node is not installed")
    slugs = _local_slugs(gateway)
    assert len(slugs) == 4, slugs
    for slug in slugs:
        run_dir = tmp_path / slug
        run_dir.mkdir()
        _run(gateway, slug, language, run_dir, env)
