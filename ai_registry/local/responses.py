"""OpenAI response shapes built from what the local runners return."""

from __future__ import annotations

import base64
import time
from typing import Any

from ai_registry.local.embeddings import EmbeddingResult
from ai_registry.local.transcription import Transcript


def _usage(raw: dict[str, Any] | None) -> dict[str, int] | None:
    if not raw:
        return None
    prompt = int(raw.get("prompt_tokens", 0))
    completion = int(raw.get("completion_tokens", 0))
    return {"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion}


def chat_completion(result: dict[str, Any], model_id: str) -> dict[str, Any]:
    """A `chat.completion` object from llama.cpp's answer, naming our model id."""
    choices = [
        {
            "index": choice.get("index", 0),
            "message": {
                "role": (choice.get("message") or {}).get("role", "assistant"),
                "content": (choice.get("message") or {}).get("content") or "",
            },
            "logprobs": None,
            "finish_reason": choice.get("finish_reason") or "stop",
        }
        for choice in result.get("choices", [])
    ]
    return {
        "id": result.get("id") or f"chatcmpl-local-{time.time_ns()}",
        "object": "chat.completion",
        "created": int(result.get("created") or time.time()),
        "model": model_id,
        "choices": choices,
        "usage": _usage(result.get("usage")) or {"prompt_tokens": 0, "completion_tokens": 0, "total_tokens": 0},
    }


def chat_chunk(chunk: dict[str, Any], model_id: str) -> dict[str, Any] | None:
    """A `chat.completion.chunk` from one llama.cpp stream chunk, or None when it carries nothing."""
    choices = []
    for choice in chunk.get("choices", []):
        delta = dict(choice.get("delta") or {})
        if delta.get("content") is None:
            delta.pop("content", None)
            if "role" in delta:
                delta["content"] = ""
        choices.append(
            {
                "index": choice.get("index", 0),
                "delta": delta,
                "logprobs": None,
                "finish_reason": choice.get("finish_reason"),
            }
        )
    usage = _usage(chunk.get("usage"))
    if not choices and usage is None:
        return None
    out: dict[str, Any] = {
        "id": chunk.get("id") or f"chatcmpl-local-{time.time_ns()}",
        "object": "chat.completion.chunk",
        "created": int(chunk.get("created") or time.time()),
        "model": model_id,
        "choices": choices,
    }
    if usage is not None:
        out["usage"] = usage
    return out


def embedding_list(result: EmbeddingResult, model_id: str, encoding_format: str) -> dict[str, Any]:
    """OpenAI's embeddings list; base64 is little-endian float32, as the OpenAI SDK decodes it."""
    data = []
    for index, vector in enumerate(result.vectors):
        if encoding_format == "base64":
            embedding: Any = base64.b64encode(vector.astype("<f4").tobytes()).decode("ascii")
        else:
            # Seven decimals keep float32 precision and make the JSON a third shorter.
            embedding = vector.astype("float64").round(7).tolist()
        data.append({"object": "embedding", "index": index, "embedding": embedding})
    return {
        "object": "list",
        "data": data,
        "model": model_id,
        "usage": {"prompt_tokens": result.token_count, "total_tokens": result.token_count},
    }


def transcription_json(transcript: Transcript, *, verbose: bool, words: bool) -> dict[str, Any]:
    """OpenAI's `json` ({text}) or `verbose_json` (duration, segments, optional words) transcription."""
    if not verbose:
        return {"text": transcript.text}
    body: dict[str, Any] = {
        "task": "transcribe",
        "language": "english" if transcript.language == "en" else transcript.language,
        "duration": transcript.duration,
        "text": transcript.text,
        "segments": [
            {
                "id": s.id,
                "seek": s.seek,
                "start": s.start,
                "end": s.end,
                "text": s.text,
                "tokens": s.tokens,
                "temperature": s.temperature,
                "avg_logprob": s.avg_logprob,
                "compression_ratio": s.compression_ratio,
                "no_speech_prob": s.no_speech_prob,
            }
            for s in transcript.segments
        ],
    }
    if words:
        body["words"] = [
            {"word": w.word.strip(), "start": w.start, "end": w.end}
            for s in transcript.segments
            for w in s.words
        ]
    return body


def _clock(seconds: float, separator: str) -> str:
    millis = int(round(seconds * 1000))
    hours, millis = divmod(millis, 3_600_000)
    minutes, millis = divmod(millis, 60_000)
    secs, millis = divmod(millis, 1000)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}{separator}{millis:03d}"


def transcription_subtitles(transcript: Transcript, kind: str) -> str:
    """The transcript as SubRip (`srt`) or WebVTT (`vtt`) cues, one per segment."""
    separator = "," if kind == "srt" else "."
    cues = []
    for number, s in enumerate(transcript.segments, start=1):
        timing = f"{_clock(s.start, separator)} --> {_clock(s.end, separator)}"
        cue = f"{timing}\n{s.text.strip()}\n"
        cues.append(f"{number}\n{cue}" if kind == "srt" else cue)
    body = "\n".join(cues)
    return f"WEBVTT\n\n{body}" if kind == "vtt" else body
