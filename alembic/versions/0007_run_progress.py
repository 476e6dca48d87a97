"""Runs executed as jobs report their progress in the row: run.output_text (the text streamed so far)
and run.cancel_requested (Stop, read by the job worker).

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-05 11:35:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("run", schema=None) as batch_op:
        batch_op.add_column(sa.Column("output_text", sa.String(), nullable=True))
        batch_op.add_column(sa.Column("cancel_requested", sa.Boolean(), nullable=False, server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table("run", schema=None) as batch_op:
        batch_op.drop_column("cancel_requested")
        batch_op.drop_column("output_text")
