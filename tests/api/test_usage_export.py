"""`/usage.csv`: the usage page's export, for the signed-in browser, scoped on the server."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient

from ai_registry.backend import build_backend
from ai_registry.identity.keys import create_key_for
from ai_registry.identity.web import SESSION_COOKIE
from ai_registry.store.db import session_scope
from ai_registry.store.tables import UsageRecord
from ai_registry.store.usage import insert_usage
from ai_registry.store.users import get_user_by_email
from tests.support.accounts import session_token

pytestmark = pytest.mark.usefixtures("migrated_db")

BASE = "http://testserver"
TODAY = datetime.now(UTC).replace(hour=12, minute=0, second=0, microsecond=0)


@pytest.fixture
def people() -> dict[str, object]:
    tokens = {name: session_token(role, f"{name}@example.org") for name, role in
              (("ann", "member"), ("bob", "member"), ("root", "admin"), ("vic", "viewer"))}  # fmt: skip
    with session_scope() as session:
        ann = get_user_by_email(session=session, email="ann@example.org")
        bob = get_user_by_email(session=session, email="bob@example.org")
        key, _raw = create_key_for(session=session, owner=ann, name="=cmd|' /C calc'!A0")
        ids = {"ann": ann.id, "bob": bob.id, "ann_key": key.id}
        for who, model, at, usd in (
            (ann, "gpt-4", TODAY, 0.5),
            (ann, "qwen-image", TODAY - timedelta(days=2), 2.0),
            (ann, "gpt-4", TODAY - timedelta(days=60), 9.0),
            (bob, "claude-3-5-sonnet", TODAY, 3.0),
        ):
            insert_usage(session=session, record=UsageRecord(
                at=at, user_id=who.id, key_id=ids["ann_key"] if who is ann else None, model_slug=model, usd=usd,
                prompt_tokens=7, estimated=model == "gpt-4", source="api",
            ))  # fmt: skip
    return {"tokens": tokens, **ids}


def get(token: str | None, **params) -> object:
    client = TestClient(build_backend(), base_url=BASE)
    if token:
        client.cookies.set(SESSION_COOKIE, token)
    return client.get("/usage.csv", params=params)


def rows_of(answer) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(answer.text)))


def days(n: int) -> str:
    return (TODAY - timedelta(days=n)).date().isoformat()


def test_a_member_downloads_only_their_own_rows(people) -> None:
    answer = get(people["tokens"]["ann"], start=days(6), end=days(0))
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/csv")
    assert answer.headers["content-disposition"] == f'attachment; filename="usage-{days(6)}-to-{days(0)}.csv"'
    rows = rows_of(answer)
    assert [(r["user"], r["model"], r["usd"]) for r in rows] == [
        ("ann@example.org", "qwen-image", "2.0"),
        ("ann@example.org", "gpt-4", "0.5"),
    ]
    assert rows[1]["estimated"] == "yes" and rows[0]["estimated"] == "no" and rows[0]["prompt_tokens"] == "7"
    # A key name that a spreadsheet would run as a formula is written as text.
    assert rows[0]["key"] == "'=cmd|' /C calc'!A0"
    # Naming Bob changes nothing: a member's export is their own.
    assert rows_of(get(people["tokens"]["ann"], start=days(6), end=days(0), user=str(people["bob"]))) == rows


def test_filters_narrow_the_export(people) -> None:
    ann = people["tokens"]["ann"]
    assert [r["model"] for r in rows_of(get(ann, start=days(6), end=days(0), model="gpt-4"))] == ["gpt-4"]
    assert len(rows_of(get(ann, start=days(90), end=days(0)))) == 3
    assert len(rows_of(get(ann, start=days(6), end=days(0), key=str(people["ann_key"])))) == 2
    assert len(rows_of(get(ann))) == 2  # no dates: the last 30 days


def test_an_admin_exports_everyone_or_one_person(people) -> None:
    admin = people["tokens"]["root"]
    everyone = rows_of(get(admin, start=days(6), end=days(0)))
    assert {r["user"] for r in everyone} == {"ann@example.org", "bob@example.org"} and len(everyone) == 3
    bob = rows_of(get(admin, start=days(6), end=days(0), user=str(people["bob"])))
    assert [(r["user"], r["model"], r["key"]) for r in bob] == [("bob@example.org", "claude-3-5-sonnet", "")]


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"start": "2026-13-01", "end": "2026-12-31"}, "The start date “2026-13-01” is not a date: use YYYY-MM-DD."),
        (
            {"start": "2026-12-05", "end": "2026-12-01"},
            "The end date (2026-12-01) is before the start date (2026-12-05).",
        ),
        ({"start": "2020-01-01", "end": "2026-01-01"}, "choose at most 366 days"),
        ({"end": "2026-12-01"}, "Choose the start date."),
        ({"start": "2026-12-01", "end": "2026-12-02", "user": "1 OR 1=1"}, "is not an id"),
        ({"start": "2026-12-01", "end": "2026-12-02", "model": "m" * 301}, "longer than any model name"),
    ],
)
def test_bad_input_is_a_400_saying_what_to_fix(people, params, message) -> None:
    answer = get(people["tokens"]["ann"], **params)
    assert answer.status_code == 400 and message in answer.json()["detail"]


def test_anonymous_forged_and_viewer_callers_get_nothing(people) -> None:
    assert get(None).status_code == 401
    assert get("forged-token").status_code == 401
    viewer = get(people["tokens"]["vic"])
    assert viewer.status_code == 403 and "viewer calls no models" in viewer.json()["detail"]
