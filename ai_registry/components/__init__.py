"""Shared UI built from plain elements and Tailwind classes."""
