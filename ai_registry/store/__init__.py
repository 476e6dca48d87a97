"""Persistence: SQLModel tables, keyword-only query functions, alembic migrations."""
