"""route stop lock and unserved action: a dispatcher locks a stop to its vehicle (a
re-plan keeps it there) and records what was done about an unserved stop

Revision ID: 20261204_0003
Revises: 20261204_0002
Create Date: 2026-12-04 16:20:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "20261204_0003"
down_revision: str | None = "20261204_0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("route_stop", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("locked", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch_op.add_column(
            sa.Column("locked_by", sa.String(length=80), server_default="", nullable=False)
        )
    with op.batch_alter_table("unserved_stop", schema=None) as batch_op:
        batch_op.add_column(sa.Column("action", sa.Text(), server_default="", nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("unserved_stop", schema=None) as batch_op:
        batch_op.drop_column("action")
    with op.batch_alter_table("route_stop", schema=None) as batch_op:
        batch_op.drop_column("locked_by")
        batch_op.drop_column("locked")
