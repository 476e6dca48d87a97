"""Chat models: OpenAI-style chat completions, streamed as server-sent events."""
