"""Media files: what they are (sniff), where they live (storage), how answers become files (extract),
whether an upload fits a parameter (uploads), and a deep check before any model sees one (probe)."""
