"""The official `openai` package against the local engine: list, chat, stream, embed, speak, transcribe."""

from __future__ import annotations

import io
import re
import wave

import numpy as np
import pytest
from openai import OpenAI

LOCAL_IDS = {"smollm2-135m-instruct", "all-minilm-l6-v2", "whisper-tiny.en", "piper-en_US-joe-medium"}
SENTENCE = "Local models answer questions on this computer without the internet."


def words(text: str) -> list[str]:
    """Lower-case words without punctuation."""
    return re.sub(r"[^a-z0-9' ]", " ", text.lower()).split()


def test_lists_the_four_local_models(client: OpenAI) -> None:
    models = client.models.list()
    by_id = {m.id: m for m in models.data}
    assert set(by_id) == LOCAL_IDS
    for model in by_id.values():
        assert model.object == "model"
        assert model.owned_by == "local"
        assert model.model_extra["available"] is True
    assert client.models.retrieve("whisper-tiny.en").id == "whisper-tiny.en"


def test_chat_without_streaming(client: OpenAI) -> None:
    completion = client.chat.completions.create(
        model="smollm2-135m-instruct",
        messages=[
            {"role": "system", "content": "You are a helpful assistant."},
            {"role": "user", "content": "What is the capital of France?"},
        ],
        max_tokens=40,
        temperature=0,
    )
    assert completion.model == "smollm2-135m-instruct"
    assert completion.object == "chat.completion"
    answer = completion.choices[0].message.content
    assert answer and answer.strip()
    assert completion.choices[0].message.role == "assistant"
    assert completion.choices[0].finish_reason in ("stop", "length")
    assert 0 < completion.usage.completion_tokens <= 40
    assert completion.usage.total_tokens == completion.usage.prompt_tokens + completion.usage.completion_tokens


def test_chat_streams_several_chunks(client: OpenAI) -> None:
    stream = client.chat.completions.create(
        model="smollm2-135m-instruct",
        messages=[{"role": "user", "content": "Count from one to ten in words."}],
        max_tokens=48,
        stream=True,
        stream_options={"include_usage": True},
    )
    chunks = list(stream)
    content = [c.choices[0].delta.content for c in chunks if c.choices and c.choices[0].delta.content]
    assert len(content) >= 5, "tokens should arrive as separate chunks"
    assert "".join(content).strip()
    assert all(c.object == "chat.completion.chunk" and c.model == "smollm2-135m-instruct" for c in chunks)
    assert chunks[0].choices[0].delta.role == "assistant"
    finishes = [c.choices[0].finish_reason for c in chunks if c.choices and c.choices[0].finish_reason]
    assert finishes and finishes[-1] in ("stop", "length")
    assert chunks[-1].usage is not None and chunks[-1].usage.completion_tokens > 0


def test_embeddings_are_unit_vectors_that_rank_meaning(client: OpenAI) -> None:
    texts = ["The cat sits on the mat.", "A kitten is resting on a rug.", "Stock markets fell sharply today."]
    # The SDK asks for base64 by default and decodes it; ask for floats too.
    for encoding in (None, "float"):
        kwargs = {"encoding_format": encoding} if encoding else {}
        result = client.embeddings.create(model="all-minilm-l6-v2", input=texts, **kwargs)
        vectors = np.array([d.embedding for d in sorted(result.data, key=lambda d: d.index)])
        assert vectors.shape == (3, 384)
        assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-4)
        similar, unrelated = vectors[0] @ vectors[1], vectors[0] @ vectors[2]
        assert similar > unrelated + 0.3
        assert result.usage.prompt_tokens > 0
        assert result.model == "all-minilm-l6-v2"


def test_single_string_input_embeds_once(client: OpenAI) -> None:
    result = client.embeddings.create(model="all-minilm-l6-v2", input="hello world")
    assert len(result.data) == 1 and len(result.data[0].embedding) == 384


def test_speech_then_transcription_gives_back_the_words(client: OpenAI) -> None:
    # Piper samples noise, so one take in many blurs a word; a second take settles it.
    for _take in range(2):
        speech = client.audio.speech.create(
            model="piper-en_US-joe-medium", voice="joe", input=SENTENCE, response_format="wav"
        )
        audio = speech.read()
        assert audio[:4] == b"RIFF" and audio[8:12] == b"WAVE"
        with wave.open(io.BytesIO(audio)) as wav:
            assert wav.getframerate() == 22050 and wav.getnchannels() == 1 and wav.getsampwidth() == 2
            seconds = wav.getnframes() / wav.getframerate()
        assert 2.0 < seconds < 12.0
        transcript = client.audio.transcriptions.create(
            model="whisper-tiny.en", file=("speech.wav", audio, "audio/wav"), language="en"
        )
        if words(transcript.text) == words(SENTENCE):
            break
    assert words(transcript.text) == words(SENTENCE)

    verbose = client.audio.transcriptions.create(
        model="whisper-tiny.en", file=("speech.wav", audio, "audio/wav"), response_format="verbose_json"
    )
    assert words(verbose.text) == words(SENTENCE)
    assert verbose.duration == pytest.approx(seconds, abs=0.1)
    assert verbose.segments and verbose.segments[0].start >= 0
    assert all(s.end > s.start for s in verbose.segments)
    assert verbose.segments[-1].end <= seconds + 0.5

    plain = client.audio.transcriptions.create(
        model="whisper-tiny.en", file=("speech.wav", audio, "audio/wav"), response_format="text"
    )
    assert words(str(plain)) == words(SENTENCE)


def test_word_timestamps_and_subtitles(client: OpenAI) -> None:
    audio = client.audio.speech.create(
        model="piper-en_US-joe-medium", voice="joe", input="The quick brown fox jumps over the lazy dog."
    ).read()
    verbose = client.audio.transcriptions.create(
        model="whisper-tiny.en",
        file=("fox.wav", audio, "audio/wav"),
        response_format="verbose_json",
        timestamp_granularities=["word", "segment"],
    )
    assert [w.word.lower().strip(".,") for w in verbose.words][:3] == ["the", "quick", "brown"]
    assert all(w.end >= w.start for w in verbose.words)
    srt = client.audio.transcriptions.create(
        model="whisper-tiny.en", file=("fox.wav", audio, "audio/wav"), response_format="srt"
    )
    assert str(srt).startswith("1\n00:00:00,000 --> ")
    vtt = client.audio.transcriptions.create(
        model="whisper-tiny.en", file=("fox.wav", audio, "audio/wav"), response_format="vtt"
    )
    assert str(vtt).startswith("WEBVTT")

