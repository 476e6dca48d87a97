"""Concurrent chats are decoded together (llama.cpp's parallel slots), not one after another: three
streamed chats started at once all receive their first words before any of them finishes, and each
answers its own question. (How fast that is compared with one chat is measured in benchmarks/scale.py.)"""

from __future__ import annotations

import threading

from openai import OpenAI

from ai_registry.local.config import get_local_settings

QUESTIONS = {
    "France": "Paris",
    "Italy": "Rome",
    "Japan": "Tokyo",
}


def test_three_concurrent_chats_stream_together_and_each_answers(client: OpenAI) -> None:
    assert get_local_settings().chat_parallel >= 3
    events: list[tuple[str, str]] = []
    answers: dict[str, str] = {}
    failures: list[BaseException] = []
    lock, start = threading.Lock(), threading.Barrier(len(QUESTIONS))

    def chat(country: str) -> None:
        try:
            start.wait(timeout=60)
            stream = client.chat.completions.create(
                model="smollm2-135m-instruct",
                messages=[
                    {
                        "role": "user",
                        "content": f"What is the capital of {country}? Answer with the city's name, "
                        "then write two sentences about it.",
                    }
                ],
                max_tokens=64,
                temperature=0,
                stream=True,
            )
            parts = []
            for chunk in stream:
                text = chunk.choices[0].delta.content if chunk.choices else None
                if text:
                    with lock:
                        if not parts:
                            events.append(("first", country))
                    parts.append(text)
            with lock:
                events.append(("end", country))
            answers[country] = "".join(parts)
        except BaseException as exc:  # reported by the test below
            failures.append(exc)

    threads = [threading.Thread(target=chat, args=(country,)) for country in QUESTIONS]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    assert not failures, failures
    for country, city in QUESTIONS.items():
        assert city in answers[country], (country, answers[country])
    kinds = [kind for kind, _ in events]
    # One after another would be first, end, first, end, ...: here every chat has begun before one ends.
    assert kinds[: len(QUESTIONS)] == ["first"] * len(QUESTIONS), events
