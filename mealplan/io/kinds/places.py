"""Kitchens, sites and home clients."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from mealplan.db.models import Client
from mealplan.domain.schemas import CLIENTS, KITCHENS, SITES
from mealplan.io.kinds.base import Kind
from mealplan.io.kinds.context import Parsed, Row


class Kitchens(Kind):
    schema = KITCHENS


class Sites(Kind):
    schema = SITES


class Clients(Kind):
    """Home clients; their meal pauses are one column (replaced as a whole when given)."""

    schema = CLIENTS

    def check(self, session: Session, p: Parsed) -> None:
        super().check(session, p)
        self.check_cards(session, p)
        for number, row in p.rows:
            if row.get("dinner_days") and (
                row.get("dinner_window_start") is None or row.get("dinner_window_end") is None
            ):
                p.warn(
                    number,
                    f"client {row.get('code')} subscribes to dinner without a dinner window: "
                    "the default 16:30-17:30 applies",
                )
            if row.get("lunch_days") == "" and row.get("dinner_days") == "" and row.get("active"):
                p.warn(number, f"client {row.get('code')} subscribes to no day")

    def check_cards(self, session: Session, p: Parsed) -> None:
        """A card number belongs to one elder: not twice in the file, not another's."""
        if "card_number" not in p.present:
            return
        held = {str(card): str(code) for card, code in
                session.execute(select(Client.card_number, Client.code))}  # fmt: skip
        first: dict[str, int] = {}
        for number, row in p.rows:
            card = row.get("card_number")
            if card is None:
                continue
            if card in first:
                p.error(number, "card_number", card,
                        f"duplicate card number (first at row {first[card]})")  # fmt: skip
                continue
            first[card] = number
            owner = held.get(card)
            if owner is not None and owner != row.get("code"):
                p.error(number, "card_number", card, f"card number held by client {owner}")

    def export_records(self, session: Session) -> list[Row]:
        session.scalars(select(Client).options(selectinload(Client.pauses))).all()
        return super().export_records(session)

    def extra_export(self, obj: Any) -> Row:
        return {"pauses": sorted((x.start_date, x.end_date, x.reason) for x in obj.pauses)}
