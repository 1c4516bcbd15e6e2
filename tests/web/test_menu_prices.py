"""The printed weekly menu shows the price tier in force (issue 14), not the configured
prices, once price tiers exist."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from mealplan.db.models import PriceTier
from tests.web.test_menus import MONDAY, _login, week  # noqa: F401 (the week fixture)


def test_weekly_menu_prices_come_from_the_tier(
    client: FlaskClient,
    auth: Any,
    week: Any,  # noqa: F811
    session: Session,
) -> None:
    """With a lunch tier in force (meal 15.00, 80+ pay 2.50) the menu prints those prices."""
    session.add_all([
        PriceTier(code="t1", service="lunch", category="age_80", meal_price_fen=1500,
                  elder_pays_fen=250, valid_from=dt.date(2020, 1, 1)),
        PriceTier(code="t2", service="lunch", category="hardship", meal_price_fen=1500,
                  elder_pays_fen=50, valid_from=dt.date(2020, 1, 1)),
    ])  # fmt: skip
    session.commit()
    _login(client, auth, language="zh_Hans_CN")
    html = client.get(f"/menus/print?week={MONDAY.isoformat()}&site=S1").get_data(as_text=True)
    assert "2.50" in html and "15.00" in html and "0.50" in html
