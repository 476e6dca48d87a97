"""Thin Reflex states: inputs, derived vars and handlers that call the layers below."""
