"""menu.locked (a dietitian's edit survives re-planning) and meal_structure (the set-meal
structures the kitchen edits and imports)

Revision ID: 20261204_0004
Revises: 20261204_0003
Create Date: 2026-12-04 16:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "20261204_0004"
down_revision: str | None = "20261204_0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("menu", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("locked", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
    op.create_table(
        "meal_structure",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("name_zh", sa.String(length=80), nullable=False),
        sa.Column("name_en", sa.String(length=80), nullable=False),
        sa.Column("diet", sa.String(length=20), nullable=False),
        sa.Column("services", sa.JSON(), nullable=False),
        sa.Column("staple", sa.Integer(), nullable=False),
        sa.Column("main", sa.Integer(), nullable=False),
        sa.Column("side", sa.Integer(), nullable=False),
        sa.Column("vegetable", sa.Integer(), nullable=False),
        sa.Column("soup", sa.Integer(), nullable=False),
        sa.Column("fruit", sa.Integer(), nullable=False),
        sa.Column("main_food_groups", sa.JSON(), nullable=False),
        sa.Column("side_food_groups", sa.JSON(), nullable=False),
        sa.Column("price_fen", sa.Integer(), nullable=True),
        sa.Column("budget_fen", sa.Integer(), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_meal_structure")),
        sa.UniqueConstraint("code", name=op.f("uq_meal_structure_code")),
    )


def downgrade() -> None:
    op.drop_table("meal_structure")
    with op.batch_alter_table("menu", schema=None) as batch_op:
        batch_op.drop_column("locked")
