"""Video models: image-to-video and text-to-video generation."""
