"""money (issue 14): elders' jurisdiction, card and registered site; sites' jurisdiction;
price tiers, subsidy rules, canteen check-ins and claim decisions

Revision ID: 20261204_0020
Revises: 20261204_0009
Create Date: 2026-12-04 20:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "20261204_0020"
down_revision: str | None = "20261204_0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _place_columns() -> list[sa.Column[str]]:
    return [
        sa.Column("district", sa.String(length=60), server_default="", nullable=False),
        sa.Column("street", sa.String(length=60), server_default="", nullable=False),
    ]


def upgrade() -> None:
    with op.batch_alter_table("site", schema=None) as batch_op:
        for column in _place_columns():
            batch_op.add_column(column)
    with op.batch_alter_table("client", schema=None) as batch_op:
        for column in _place_columns():
            batch_op.add_column(column)
        batch_op.add_column(sa.Column("card_number", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("site_id", sa.Integer(), nullable=True))
        batch_op.create_unique_constraint("uq_client_card_number", ["card_number"])
        batch_op.create_foreign_key(
            "fk_client_site_id_site", "site", ["site_id"], ["id"], ondelete="SET NULL"
        )
    op.create_table(
        "price_tier",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("service", sa.String(length=20), nullable=False),
        sa.Column("category", sa.String(length=20), nullable=False),
        sa.Column("meal_price_fen", sa.Integer(), nullable=False),
        sa.Column("elder_pays_fen", sa.Integer(), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("valid_to", sa.Date(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_price_tier"),
        sa.UniqueConstraint("code", name="uq_price_tier_code"),
    )
    op.create_table(
        "subsidy_rule",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("category", sa.String(length=20), nullable=False),
        sa.Column("level", sa.String(length=20), nullable=False),
        sa.Column("funder", sa.String(length=120), nullable=False),
        sa.Column("amount_fen", sa.Integer(), nullable=True),
        sa.Column("outside", sa.String(length=20), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("valid_to", sa.Date(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_subsidy_rule"),
        sa.UniqueConstraint("code", name="uq_subsidy_rule_code"),
    )
    op.create_table(
        "meal_checkin",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("service", sa.String(length=20), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=True),
        sa.Column("category", sa.String(length=20), nullable=False),
        sa.Column("diet_profile_id", sa.Integer(), nullable=True),
        sa.Column("repeat", sa.Boolean(), nullable=False),
        sa.Column("full_price", sa.Boolean(), nullable=False),
        sa.Column("meal_price_fen", sa.Integer(), nullable=False),
        sa.Column("paid_fen", sa.Integer(), nullable=False),
        sa.Column("city_fen", sa.Integer(), nullable=False),
        sa.Column("district_fen", sa.Integer(), nullable=False),
        sa.Column("street_fen", sa.Integer(), nullable=False),
        sa.Column("operator_fen", sa.Integer(), nullable=False),
        sa.Column("lost_levels", sa.String(length=40), nullable=False),
        sa.Column("recorded_by", sa.String(length=80), nullable=False),
        sa.Column("recorded_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["site_id"], ["site.id"], name="fk_meal_checkin_site_id_site"),
        sa.ForeignKeyConstraint(
            ["client_id"], ["client.id"], name="fk_meal_checkin_client_id_client"
        ),
        sa.ForeignKeyConstraint(
            ["diet_profile_id"],
            ["diet_profile.id"],
            name="fk_meal_checkin_diet_profile_id_diet_profile",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_meal_checkin"),
    )
    op.create_index("ix_meal_checkin_date", "meal_checkin", ["date"])
    op.create_table(
        "claim_decision",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("line", sa.String(length=40), nullable=False),
        sa.Column("accepted", sa.Boolean(), nullable=False),
        sa.Column("reason", sa.String(length=200), nullable=False),
        sa.Column("decided_by", sa.String(length=80), nullable=False),
        sa.Column("decided_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_claim_decision"),
        sa.UniqueConstraint("line", name="uq_claim_decision_line"),
    )


def downgrade() -> None:
    op.drop_table("claim_decision")
    op.drop_index("ix_meal_checkin_date", table_name="meal_checkin")
    op.drop_table("meal_checkin")
    op.drop_table("subsidy_rule")
    op.drop_table("price_tier")
    with op.batch_alter_table("client", schema=None) as batch_op:
        batch_op.drop_constraint("fk_client_site_id_site", type_="foreignkey")
        batch_op.drop_constraint("uq_client_card_number", type_="unique")
        batch_op.drop_column("site_id")
        batch_op.drop_column("card_number")
        batch_op.drop_column("street")
        batch_op.drop_column("district")
    with op.batch_alter_table("site", schema=None) as batch_op:
        batch_op.drop_column("street")
        batch_op.drop_column("district")
