"""Aggregation of every model source into one catalog."""
