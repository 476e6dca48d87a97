"""Compare sessions: the models, inputs and runs of a side-by-side comparison, and its winner (issue 16).

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-05 11:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "compare_session",
        sa.Column("id", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("models_json", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("inputs_json", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("run_ids_json", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("results_json", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("winner_panel", sa.Integer(), nullable=True),
        sa.Column("winner_slug", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=True),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("updated_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_compare_session_winner_slug", "compare_session", ["winner_slug"])
    op.create_index("ix_compare_session_created_at", "compare_session", ["created_at"])


def downgrade() -> None:
    op.drop_index("ix_compare_session_created_at", table_name="compare_session")
    op.drop_index("ix_compare_session_winner_slug", table_name="compare_session")
    op.drop_table("compare_session")
