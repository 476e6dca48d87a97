"""One FastAPI router per kind of local model (models, chat, embeddings, audio), assembled in `local.api`."""
