"""The pages; each registers itself with the app through `ai_registry.ai_registry`."""
