"""AI Model Registry: a self-hostable gallery, playground and code generator for AI models."""
