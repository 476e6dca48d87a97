"""Reading helpers the kinds share: the JSON an answer must hold, and media answers.

Pure: they look at an `Answer` the decoder already read and raise `BadAnswer` with the reason.
"""

from __future__ import annotations

from typing import Any

from ai_registry.kinds.base import Answer, BadAnswer, KindOutput, OutputKind


def require_json(answer: Answer) -> Any:
    """The answer's JSON; a body that is not JSON is a `BadAnswer` quoting its start."""
    if answer.json is None:
        snippet = (answer.text or "")[:80]
        raise BadAnswer(f"it is not JSON ({snippet!r})")
    return answer.json


def media_output(answer: Answer, expected: OutputKind) -> KindOutput:
    """The media file the decoder saved, as the output of a route that gives `expected`."""
    media = answer.media
    if media is None:  # the decoder refuses answers without media first; this is the contract
        raise BadAnswer(f"it holds no {expected}")
    return KindOutput(media.output, media=media, response=answer.json)


def base64_media_python(stem: str, ext: str) -> list[str]:
    """Python lines that save `{stem}_base64` from a JSON answer to `{stem}.{format}`."""
    return [
        "result = response.json()",
        f'if result.get("{stem}_base64"):',
        f"    filename = f\"{stem}.{{result.get('format', '{ext}')}}\"",
        '    with open(filename, "wb") as file:',
        f'        file.write(base64.b64decode(result["{stem}_base64"]))',
        '    print("Saved", filename)',
        "else:",
        f'    print(result.get("{stem}_url") or result)',
    ]


def base64_media_javascript(stem: str, ext: str) -> list[str]:
    """JavaScript lines that save `{stem}_base64` from a JSON answer with the snippet's `save`."""
    return [
        "const result = await response.json();",
        f"if (result.{stem}_base64) {{",
        f'  await save(`{stem}.${{result.format ?? "{ext}"}}`, fromBase64(result.{stem}_base64));',
        "} else {",
        f"  console.log(result.{stem}_url ?? result);",
        "}",
    ]
