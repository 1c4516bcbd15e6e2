"""an elder's register status (active, paused, moved out, deceased) with its date and
reason, the history of the elder's registered district, street and site, and the service
of a follow-up for an unserved meal

Revision ID: 20261205_0032
Revises: 20261204_0031
Create Date: 2026-12-05 08:00:00

Existing elders: an active one stays ``active``, an inactive one (reason unknown) becomes
``paused`` with no date; each gets one jurisdiction row valid since registration (no date).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "20261205_0032"
down_revision: str | None = "20261204_0031"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("client", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("status", sa.String(length=20), server_default="active", nullable=False)
        )
        batch_op.add_column(sa.Column("status_date", sa.Date(), nullable=True))
        batch_op.add_column(
            sa.Column("status_reason", sa.String(length=200), server_default="", nullable=False)
        )
        batch_op.add_column(sa.Column("jurisdiction_from", sa.Date(), nullable=True))
    op.create_table(
        "client_jurisdiction",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=True),
        sa.Column("district", sa.String(length=60), nullable=False),
        sa.Column("street", sa.String(length=60), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=True),
        sa.Column("recorded_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["client_id"],
            ["client.id"],
            name=op.f("fk_client_jurisdiction_client_id_client"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["site_id"],
            ["site.id"],
            name=op.f("fk_client_jurisdiction_site_id_site"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_client_jurisdiction")),
        sa.UniqueConstraint(
            "client_id", "valid_from", name=op.f("uq_client_jurisdiction_client_id_valid_from")
        ),
    )
    with op.batch_alter_table("client_jurisdiction", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_client_jurisdiction_client_id"), ["client_id"], unique=False
        )
    with op.batch_alter_table("follow_up", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("service", sa.String(length=20), server_default="", nullable=False)
        )
    client = sa.table(
        "client",
        sa.column("id", sa.Integer()),
        sa.column("active", sa.Boolean()),
        sa.column("status", sa.String()),
        sa.column("district", sa.String()),
        sa.column("street", sa.String()),
        sa.column("site_id", sa.Integer()),
    )
    op.execute(client.update().where(client.c.active.is_(False)).values(status="paused"))
    op.execute(
        sa.text(
            "INSERT INTO client_jurisdiction (client_id, valid_from, district, street, site_id,"
            " recorded_at) SELECT id, NULL, district, street, site_id, CURRENT_TIMESTAMP"
            " FROM client"
        )
    )


def downgrade() -> None:
    with op.batch_alter_table("follow_up", schema=None) as batch_op:
        batch_op.drop_column("service")
    with op.batch_alter_table("client_jurisdiction", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_client_jurisdiction_client_id"))
    op.drop_table("client_jurisdiction")
    with op.batch_alter_table("client", schema=None) as batch_op:
        batch_op.drop_column("jurisdiction_from")
        batch_op.drop_column("status_reason")
        batch_op.drop_column("status_date")
        batch_op.drop_column("status")
