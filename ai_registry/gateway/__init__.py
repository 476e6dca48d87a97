"""The registry as a metered gateway (issue 13): every catalog model's own routes at the registry's
base URL, opened by a person's registry key, forwarded to the embedded engine or to the upstream
with the administrator's key, metered into `usage_record` and held to budgets and rate limits.

`routes.build_gateway_router()` is what `backend.py` mounts; the rest are its parts.
"""
