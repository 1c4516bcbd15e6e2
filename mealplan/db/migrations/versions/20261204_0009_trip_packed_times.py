"""trip packed time and its cooking wave's cook finish, from the kitchen's schedule

Revision ID: 20261204_0009
Revises: 20261204_0008
Create Date: 2026-12-04 19:40:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "20261204_0009"
down_revision: str | None = "20261204_0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("trip", schema=None) as batch_op:
        batch_op.add_column(sa.Column("packed_min", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("cook_finish_min", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("trip", schema=None) as batch_op:
        batch_op.drop_column("cook_finish_min")
        batch_op.drop_column("packed_min")
