"""Image models: text-to-image generation."""
