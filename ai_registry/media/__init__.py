"""Media files people hand the server: `probe.inspect_upload` checks one before any model sees it."""
