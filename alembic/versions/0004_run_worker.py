"""Runs record the process executing them: run.worker (`host:pid:start`).

On start, a process marks `interrupted` every run left `running` by a process of its host that is no
longer alive (pid gone, or reused by a process started at another time). Rows stored before this
revision have no worker and are left as they are.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-05 11:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("run", schema=None) as batch_op:
        batch_op.add_column(sa.Column("worker", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("run", schema=None) as batch_op:
        batch_op.drop_column("worker")
