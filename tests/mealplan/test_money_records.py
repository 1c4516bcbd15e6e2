"""Elder cards and price records through the panel's services and the importer: a card
number belongs to one elder, blank cards are allowed for many, bad dates are refused."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from mealplan.db.models import Client
from mealplan.errors import ImportValidationError
from mealplan.io.importing import import_table
from mealplan.services import records
from mealplan.services.records import RecordValidationError
from tests.money_world import build

pytestmark = pytest.mark.db
BASE = {"name": "新老人", "lat": 23.1, "lon": 113.3, "diet_profile": "reg",
        "category": "age_60", "kitchen": "K1"}  # fmt: skip


def test_card_numbers_are_unique(session: Session) -> None:
    """Blank cards are fine for several elders; another elder's card is refused by the panel
    and by an import (naming the holder); an elder keeps their own card on update."""
    build(session)
    records.create_client(session, {**BASE, "code": "N1", "card_number": ""}, actor="t")
    records.create_client(session, {**BASE, "code": "N2"}, actor="t")
    assert session.scalar(select(Client.card_number).where(Client.code == "N1")) is None
    with pytest.raises(RecordValidationError) as exc:
        records.create_client(session, {**BASE, "code": "N3", "card_number": "1000000001"},
                              actor="t")  # fmt: skip
    assert exc.value.issues[0].field == "card_number"
    assert exc.value.issues[0].params == {"code": "E01"}
    records.update_client(session, "E01", {"card_number": "1000000001", "street": "龙凤街"},
                          actor="t")  # fmt: skip
    csv = "code,name,lat,lon,diet_profile,category,kitchen,卡号\nN4,甲,23.1,113.3,reg,age_60,K1,1000000002\nN5,乙,23.1,113.3,reg,age_60,K1,77777777\nN6,丙,23.1,113.3,reg,age_60,K1,77777777\n"
    with pytest.raises(ImportValidationError) as err:
        import_table(session, "clients", csv.encode(), filename="c.csv")
    messages = sorted(e.message for e in err.value.errors)
    assert messages == ["card number held by client E02", "duplicate card number (first at row 3)"]
    with pytest.raises(RecordValidationError):
        records.create_client(session, {**BASE, "code": "N7", "card_number": "12 34"}, actor="t")


def test_price_records_refuse_bad_dates_and_prices(session: Session) -> None:
    """A tier whose elder pays more than the meal, or a rule ending before it starts, is
    refused by the panel's service and by an import."""
    tier = {"code": "T1", "service": "lunch", "category": "age_60", "meal_price_fen": 1200,
            "elder_pays_fen": 1300, "valid_from": "2026-01-01"}  # fmt: skip
    with pytest.raises(RecordValidationError) as exc:
        records.create_record(session, "price-tiers", tier, actor="t")
    assert exc.value.issues[0].field == "elder_pays_fen"
    csv = "编码,类别,出资层级,出资单位,生效日期,失效日期\nR1,特困,市级,市民政局,2026-02-01,2026-01-01\n"
    with pytest.raises(ImportValidationError, match="before the valid-from date"):
        import_table(session, "subsidy-rules", csv.encode(), filename="r.csv")
