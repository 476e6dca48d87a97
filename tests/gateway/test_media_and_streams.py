"""Media and streams through the gateway: video routes (the route picks the model, or the body's
`model` or `provider` does), the RunPod-style Wan route, images; server-sent events arrive as the
upstream sends them, not at the end."""

from __future__ import annotations

import base64
import time

import httpx

from tests.gateway.test_openai_client import records


def auth(gateway) -> dict[str, str]:
    return {"Authorization": f"Bearer {gateway.keys['member']}"}


def test_video_and_image_routes_pass_the_upstreams_answer_through(gateway) -> None:
    url = gateway.base_url
    cog = httpx.post(f"{url}/multimodal/video/cogvideox", json={"prompt": "a cat", "num_frames": 17},
                     headers=auth(gateway), timeout=60)  # fmt: skip
    assert cog.status_code == 201 and base64.b64decode(cog.json()["video_base64"])[4:8] == b"ftyp"
    i2v = httpx.post(
        f"{url}/multimodal/video/i2v",
        json={"model": "seedance-i2v", "image_url": "https://example.com/cat.png", "motion_prompt": "turns",
              "provider": "seedance"},
        headers=auth(gateway), timeout=60,
    )  # fmt: skip
    assert i2v.status_code == 201, i2v.text
    wan = httpx.post(
        f"{url}/wan-2-2-i2v-720/run",
        json={"input": {"prompt": "waves", "image": "https://example.com/sea.png"}, "duration": 5},
        headers=auth(gateway), timeout=60,
    )  # fmt: skip
    assert wan.status_code in (200, 201), wan.text
    image = httpx.post(f"{url}/multimodal/image", json={"prompt": "a red square", "width": 512, "height": 512},
                       headers=auth(gateway), timeout=60)  # fmt: skip
    assert image.status_code == 201 and image.json()["credits_used"] == 50
    sent = gateway.upstream.requests_to("/multimodal/video/i2v")
    assert sent[0].json["provider"] == "seedance" and "model" not in sent[0].json  # the route takes no model
    rows = {r.model_slug: r for r in records(4)}
    assert rows["cogvideox-2b"].kind == "video" and rows["cogvideox-2b"].video_seconds
    assert rows["cogvideox-2b"].credits == 800 and not rows["cogvideox-2b"].estimated
    assert rows["seedance-i2v"].credits == 520
    assert rows["qwen-image-edit"].images == 1 and rows["qwen-image-edit"].usd == 0.025


def test_events_arrive_as_the_upstream_sends_them(gateway) -> None:
    gateway.upstream.stream_delay = 0.3
    body = {"model": "gpt-4", "messages": [{"role": "user", "content": "one two three four five"}], "stream": True}
    started = time.monotonic()
    arrivals = []
    with httpx.stream("POST", f"{gateway.base_url}/chat/completions", json=body, headers=auth(gateway),
                      timeout=30) as answer:  # fmt: skip
        assert answer.headers["content-type"].startswith("text/event-stream")
        for line in answer.iter_lines():
            if line.startswith("data:") and '"content"' in line:
                arrivals.append(time.monotonic() - started)
    assert len(arrivals) >= 6
    # The first word came long before the last: nothing was held back until the end.
    assert arrivals[1] < arrivals[-1] - 1.0
