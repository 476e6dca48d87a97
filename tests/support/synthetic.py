"""Synthetic models in the CONTRACT's ai-registry shape, for scale tests and benchmarks.

`synthetic_registry_models(10_000)` gives what `GET /v1/public/ai-registry/models` would list for a
large catalog: varied categories, capabilities, providers, release dates and prices, so filters,
sorts and searches have real work to do. The same `n` always gives the same models.
"""

from __future__ import annotations

import random
from typing import Any

_KINDS: tuple[tuple[str, list[str], str, str], ...] = (
    # (category as the contract spells it, capabilities, endpoint, noun)
    ("image", ["image-generation", "text-to-image"], "/v1/multimodal/image", "image"),
    ("video", ["video-generation", "image-to-video"], "/v1/multimodal/video/i2v", "video"),
    ("audio", ["text-to-speech", "audio"], "/v1/audio/speech", "voice"),
    ("coding", ["text-generation", "chat", "code"], "/v1/chat/completions", "chat"),
    ("embedding", ["embedding", "semantic-search"], "/v1/embeddings", "embedder"),
)
_PROVIDERS = ("Acme Labs", "Northwind AI", "Globex", "Initech", "Umbrella Research", "Hooli", "Vandelay")
_ADJECTIVES = ("swift", "bright", "quiet", "bold", "tiny", "grand", "lucid", "vivid", "nimble", "steady")
_NOUNS = ("falcon", "otter", "comet", "maple", "harbor", "quartz", "ember", "delta", "willow", "nova")
SYNTHETIC_PREFIX = "synthetic-"


def synthetic_registry_models(n: int, *, seed: int = 7) -> list[dict[str, Any]]:
    """`n` distinct models as the upstream registry source would list them."""
    rng = random.Random(seed)
    models = []
    for i in range(n):
        category, capabilities, endpoint, noun = _KINDS[i % len(_KINDS)]
        adjective, animal = rng.choice(_ADJECTIVES), rng.choice(_NOUNS)
        provider = _PROVIDERS[rng.randrange(len(_PROVIDERS))]
        credits = rng.choice((5, 10, 50, 120, 400, 800))
        caps = list(capabilities)
        if i % 7 == 0:  # a cross-category capability, so capability filtering is exercised
            caps.append(_KINDS[(i + 1) % len(_KINDS)][1][0])
        record: dict[str, Any] = {
            "id": f"{SYNTHETIC_PREFIX}{i:05d}-{adjective}-{animal}",
            "name": f"{adjective.title()} {animal.title()} {i}",
            "provider": provider,
            "category": category,
            "capabilities": caps,
            "description": f"A {adjective} {noun} model by {provider}, number {i} of a large synthetic catalog.",
            "endpoint": endpoint,
            "method": "POST",
            "pricing": {"credits": credits, "usd": credits / 2000, "unit": noun},
            "is_default": False,
            "is_premium": i % 11 == 0,
            "created": 1_600_000_000 + rng.randrange(150_000_000),
        }
        if i % 3 == 0:
            record["speed"] = rng.choice(("Fast", "Medium", "Slow"))
        models.append(record)
    return models
