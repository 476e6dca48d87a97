from ai_registry.kinds import build_request, example_values, kind_for
from ai_registry.kinds.chat import EXAMPLE_MESSAGES
from tests.kinds.factories import chat_model, model, param


def test_example_values_have_messages_and_stream() -> None:
    values = example_values(chat_model())
    assert values["messages"] == EXAMPLE_MESSAGES
    assert values["stream"] is True
    assert values["temperature"] == 1
    assert values["max_tokens"] == 1024
    # Examples are copies: changing them does not change the next call's.
    values["messages"].append({"role": "user", "content": "x"})
    assert example_values(chat_model())["messages"] == EXAMPLE_MESSAGES


def test_chat_body_in_contract_order_and_streams() -> None:
    spec = build_request(chat_model(), {})
    assert kind_for(chat_model()).name == "chat"
    assert (spec.method, spec.path) == ("POST", "/v1/chat/completions")
    # The contract's fields in its order; a stream also asks for its token counts (issue 10: usage).
    assert list(spec.json) == ["model", "messages", "temperature", "top_p", "max_tokens", "stream", "stream_options"]
    assert spec.json["stream_options"] == {"include_usage": True}
    assert spec.json["model"] == "gpt-4"
    assert spec.stream is True and spec.json["stream"] is True
    assert spec.accept == "text/event-stream"
    assert spec.form is None and spec.files == []
    assert spec.content_type == "application/json"


def test_person_values_flow_in_and_stream_can_be_off() -> None:
    messages = [{"role": "user", "content": "Hi"}]
    spec = build_request(chat_model(), {"messages": messages, "temperature": 0.2, "stream": False, "max_tokens": None})
    assert spec.json["messages"] == messages
    assert spec.json["temperature"] == 0.2
    assert "max_tokens" not in spec.json  # optional and cleared: dropped
    assert spec.stream is False and spec.accept is None
    assert spec.json["stream"] is False and "stream_options" not in spec.json


def test_required_messages_left_empty_take_the_example() -> None:
    for empty in (None, ""):
        spec = build_request(chat_model(), {"messages": empty})
        assert spec.json["messages"] == EXAMPLE_MESSAGES


def test_model_without_declared_parameters_still_gets_a_complete_body() -> None:
    bare = model("local-smollm2", "Coding", "/v1/chat/completions", [])
    spec = build_request(bare, {"messages": "Hello there"})
    assert spec.json == {
        "model": "local-smollm2",
        "messages": [{"role": "user", "content": "Hello there"}],
        "stream": True,
        "stream_options": {"include_usage": True},
    }


def test_upstream_model_name_wins_over_id() -> None:
    m = model("my-gpt", "Coding", "/v1/chat/completions", [param("messages", "array")], upstream_model="gpt-4o")
    assert build_request(m, {}).json["model"] == "gpt-4o"


def test_prefix_is_applied() -> None:
    assert build_request(chat_model(), {}, prefix="/api/v1").path == "/api/v1/chat/completions"


def test_usage_summary_reads_counts_and_timing() -> None:
    from ai_registry.kinds.chat import usage_summary

    response = {"usage": {"prompt_tokens": 25, "completion_tokens": 40, "total_tokens": 65}}
    assert usage_summary(response, duration_ms=2500, first_text_ms=500) == (
        "25 prompt tokens · 40 completion tokens · first token 0.50 s · 20.0 tokens/s"
    )
    summary = usage_summary(response, duration_ms=2000, first_text_ms=None)
    assert summary.endswith("40 completion tokens · 20.0 tokens/s")
    assert usage_summary({"choices": []}, duration_ms=900, first_text_ms=300) == (
        "unreported prompt tokens · unreported completion tokens · first token 0.30 s"
    )
    assert usage_summary(None, duration_ms=0, first_text_ms=None).startswith("unreported")
