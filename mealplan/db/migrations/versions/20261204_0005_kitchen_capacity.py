"""kitchen packing and cooking capacity: packing lines, portions per 15 minutes per
line, the cook-to-pack lead and cooking minutes per dish category

Revision ID: 20261204_0005
Revises: 20261204_0004
Create Date: 2026-12-04 16:40:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "20261204_0005"
down_revision: str | None = "20261204_0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CATEGORIES = ("staple", "main", "side", "vegetable", "soup", "fruit")


def upgrade() -> None:
    with op.batch_alter_table("kitchen", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("packing_lines", sa.Integer(), server_default="3", nullable=False)
        )
        batch_op.add_column(
            sa.Column(
                "packing_portions_per_slot", sa.Integer(), server_default="400", nullable=False
            )
        )
        batch_op.add_column(
            sa.Column("cook_to_pack_minutes", sa.Integer(), server_default="10", nullable=False)
        )
        for category in CATEGORIES:
            batch_op.add_column(sa.Column(f"cook_minutes_{category}", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("kitchen", schema=None) as batch_op:
        for category in reversed(CATEGORIES):
            batch_op.drop_column(f"cook_minutes_{category}")
        batch_op.drop_column("cook_to_pack_minutes")
        batch_op.drop_column("packing_portions_per_slot")
        batch_op.drop_column("packing_lines")
