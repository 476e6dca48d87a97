"""Stored source data with its address: catalog_model.source_facts and source_status.last_good.

`catalog_model.source_facts` keeps what each upstream source said about a stored model and from
which API root; `source_status.last_good` keeps the health route's last good answer. A restart
rebuilds the catalog from these and drops what came from a source no longer configured (issue 17).
Rows stored before this revision have neither: they feed nothing until their sources answer again.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-02 19:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("catalog_model", schema=None) as batch_op:
        batch_op.add_column(sa.Column("source_facts", sqlmodel.sql.sqltypes.AutoString(), nullable=True))
    with op.batch_alter_table("source_status", schema=None) as batch_op:
        batch_op.add_column(sa.Column("last_good", sqlmodel.sql.sqltypes.AutoString(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("source_status", schema=None) as batch_op:
        batch_op.drop_column("last_good")
    with op.batch_alter_table("catalog_model", schema=None) as batch_op:
        batch_op.drop_column("source_facts")
