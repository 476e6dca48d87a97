"""Rate limits shared by every process on one database: rate_send, a sliding log of counted runs.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-05 11:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "rate_send",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
        sa.Column("sent_at", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_rate_send_key_sent_at", "rate_send", ["key", "sent_at"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_rate_send_key_sent_at", table_name="rate_send")
    op.drop_table("rate_send")
