"""The embedded local engine: small real CPU models behind an OpenAI-compatible HTTP API.

Importing this package (or any module in it) loads no model and imports no heavy library:
each model loads on first use, once per process, and runs in a worker thread.

Public entry points:
- `ai_registry.local.api.build_local_router()`: the FastAPI router to mount on the backend, assembled
  from one router per kind in `local/routers/` (models, chat, embeddings, audio).
- `ai_registry.local.catalog.local_models()`: one `UnifiedAIModel` card per local model.
- `ai_registry.local.thumbnails.generate_thumbnails(out_dir)`: real example-output thumbnails.
"""
