"""Media files: what they are (sniff), where they live (storage), how answers become files (extract)."""
