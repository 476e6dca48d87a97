"""Every failure becomes a message with what to do: error bodies in all the contract's shapes."""

from __future__ import annotations

import json

import pytest

from ai_registry.inference import errors
from ai_registry.inference.errors import RunError


def body(obj) -> bytes:
    return json.dumps(obj).encode()


def test_error_detail_reads_every_shape() -> None:
    assert errors.error_detail(body({"detail": "Insufficient credits"})) == ("Insufficient credits", {})
    assert errors.error_detail(body({"message": "Rate limit exceeded"})) == ("Rate limit exceeded", {})
    assert errors.error_detail(body({"error": {"message": "Invalid key", "type": "auth"}})) == ("Invalid key", {})
    assert errors.error_detail(body({"error": "boom"})) == ("boom", {})
    assert errors.error_detail(b"<html>Bad Gateway</html>") == ("<html>Bad Gateway</html>", {})
    assert errors.error_detail(body([1, 2])) == ("", {})
    text, fields = errors.error_detail(
        body({"error": {"message": "Voice 'x' is not available", "param": "voice", "code": "unsupported_voice"}})
    )
    assert fields == {"voice": "Voice 'x' is not available"}


def test_fastapi_validation_details_become_field_messages() -> None:
    detail = {
        "detail": [
            {"loc": ["body", "width"], "msg": "Input should be less than or equal to 2048", "type": "less_than_equal"},
            {"loc": ["body", "input", "prompt"], "msg": "Value error, must not be blank", "type": "value_error"},
            {"loc": ["body"], "msg": "Field required", "type": "missing"},
        ]
    }
    error = errors.from_response(422, body(detail))
    assert error.kind == "invalid" and error.status == 422
    assert error.fields == {
        "width": "Input should be less than or equal to 2048",
        "prompt": "must not be blank",
        "request": "Field required",
    }
    assert "width: Input should be less than or equal to 2048" in error.message
    assert error.message.startswith("The upstream refused some values (422 Unprocessable")


def test_401_links_to_developer_settings() -> None:
    error = errors.from_response(401, body({"detail": "Invalid API key"}))
    assert error.kind == "unauthorized"
    assert "rejected the API key" in error.message and "Invalid API key" in error.message
    assert error.link == "/dashboard/developer-settings"


def test_402_is_about_credits() -> None:
    error = errors.from_response(402, body({"message": "Insufficient credits"}))
    assert error.kind == "credits"
    assert error.message.startswith("Out of credits")
    assert "Add credits" in error.hint


def test_429_reports_remaining_and_retry_after() -> None:
    error = errors.from_response(
        429, body({"detail": "Rate limit exceeded"}), {"X-RateLimit-Remaining": "0", "Retry-After": "41"}
    )
    assert error.kind == "rate_limited"
    assert "Requests remaining in this window: 0." in error.message
    assert error.hint == "Try again in 41 s."
    assert error.retry_after_s == 41
    plain = errors.from_response(429, b"")
    assert plain.hint == "Wait a minute, then try again." and plain.retry_after_s is None


@pytest.mark.parametrize("status", [500, 502, 504])
def test_server_errors(status: int) -> None:
    error = errors.from_response(status, body({"detail": "upstream exploded"}))
    assert error.kind == "upstream" and error.status == status
    assert error.message.startswith(f"The upstream failed ({status}")
    assert "try again" in error.hint


def test_503_is_unavailable_and_other_4xx_are_refusals() -> None:
    assert errors.from_response(503, b"").kind == "unavailable"
    not_found = errors.from_response(404, body({"detail": "Not Found"}))
    assert not_found.kind == "invalid" and "404 Not Found" in not_found.message


def test_fixed_messages() -> None:
    assert errors.no_key_error().message == (
        "No upstream API key is set. Add AINATIVE_API_KEY to the environment or save a key in Developer settings."
    )
    assert errors.no_key_error().link == "/dashboard/developer-settings"
    assert errors.timeout_error(180).message == "The model did not answer within 180 s."
    assert errors.timeout_error(0.5).message == "The model did not answer within 0.5 s."
    refused = errors.unreachable_error("http://127.0.0.1:9/v1/multimodal/image")
    assert refused.message == "Could not reach http://127.0.0.1:9 (connection refused)."
    assert "AINATIVE_API_BASE" in refused.hint
    garbage = errors.bad_response_error("it is not JSON ('<html>')", 200)
    assert garbage.kind == "bad_response" and "could not be read" in garbage.message
    fields = errors.validation_error({"width": "Must be between 512 and 2048"})
    assert fields.kind == "validation" and fields.fields == {"width": "Must be between 512 and 2048"}


def test_long_bodies_are_clipped_and_errors_serialize() -> None:
    error = errors.from_response(500, b"x" * 5000)
    assert len(error.message) < 400
    data = error.to_dict()
    assert data["kind"] == "upstream" and data["status"] == 500
    assert isinstance(RunError(**data), RunError)
    assert str(errors.no_key_error()).startswith("No upstream API key")
