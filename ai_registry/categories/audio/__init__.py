"""Audio models: speech-to-text (transcription, translation) and text-to-speech."""
