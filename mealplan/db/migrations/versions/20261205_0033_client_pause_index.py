"""an index on the client of a pause: every subscription count (the dashboard, the
planner's demand, the deliveries' list) asks, for each of the elders, whether a pause covers
the day; without it each elder's question read every pause (8,000 elders x 300 pauses on
the province preset: 73 ms a dashboard, under 10 ms with it)

Revision ID: 20261205_0033
Revises: 20261205_0032
Create Date: 2026-12-05 12:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "20261205_0033"
down_revision: str | None = "20261205_0032"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("client_pause", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_client_pause_client_id"), ["client_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("client_pause", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_client_pause_client_id"))
