"""meal orders and cancellations, per-elder ordering links, follow-up tasks (回访)

Revision ID: 20261204_0030
Revises: 20261204_0020
Create Date: 2026-12-04 20:05:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "20261204_0030"
down_revision: str | None = "20261204_0020"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "meal_order",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("service", sa.String(length=20), nullable=False),
        sa.Column("wanted", sa.Boolean(), nullable=False),
        sa.Column("via", sa.String(length=20), nullable=False),
        sa.Column("ordered_by", sa.String(length=80), nullable=False),
        sa.Column("ordered_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["client_id"],
            ["client.id"],
            name=op.f("fk_meal_order_client_id_client"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_meal_order")),
        sa.UniqueConstraint(
            "client_id", "date", "service", name=op.f("uq_meal_order_client_id_date_service")
        ),
    )
    with op.batch_alter_table("meal_order", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_meal_order_date"), ["date"], unique=False)
    op.create_table(
        "order_link",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("token_sha256", sa.String(length=64), nullable=False),
        sa.Column("holder", sa.String(length=80), nullable=False),
        sa.Column("created_by", sa.String(length=80), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("expires_on", sa.Date(), nullable=True),
        sa.Column("revoked_at", sa.DateTime(), nullable=True),
        sa.Column("revoked_by", sa.String(length=80), nullable=False),
        sa.Column("last_used_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["client_id"],
            ["client.id"],
            name=op.f("fk_order_link_client_id_client"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_order_link")),
        sa.UniqueConstraint("token_sha256", name=op.f("uq_order_link_token_sha256")),
    )
    op.create_table(
        "follow_up",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("source_id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=True),
        sa.Column("site_id", sa.Integer(), nullable=True),
        sa.Column("event_date", sa.Date(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=False),
        sa.Column("assignee", sa.String(length=80), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("outcome", sa.Text(), nullable=False),
        sa.Column("closed_at", sa.DateTime(), nullable=True),
        sa.Column("closed_by", sa.String(length=80), nullable=False),
        sa.ForeignKeyConstraint(
            ["client_id"], ["client.id"], name=op.f("fk_follow_up_client_id_client")
        ),
        sa.ForeignKeyConstraint(["site_id"], ["site.id"], name=op.f("fk_follow_up_site_id_site")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_follow_up")),
        sa.UniqueConstraint("source", "source_id", name=op.f("uq_follow_up_source_source_id")),
    )
    with op.batch_alter_table("follow_up", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_follow_up_created_at"), ["created_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_follow_up_event_date"), ["event_date"], unique=False)
        batch_op.create_index(batch_op.f("ix_follow_up_status"), ["status"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("follow_up", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_follow_up_status"))
        batch_op.drop_index(batch_op.f("ix_follow_up_event_date"))
        batch_op.drop_index(batch_op.f("ix_follow_up_created_at"))
    op.drop_table("follow_up")
    op.drop_table("order_link")
    with op.batch_alter_table("meal_order", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_meal_order_date"))
    op.drop_table("meal_order")
