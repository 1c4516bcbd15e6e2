"""Price tiers and subsidy rules (issue 14): what each elder category pays for a meal and
what each funder level subsidises, dated; :mod:`mealplan.domain.pricing` reads them."""

from __future__ import annotations

from sqlalchemy.orm import Session

from mealplan.domain.schemas import PRICE_TIERS, SUBSIDY_RULES, money_problems
from mealplan.io.kinds.base import Kind
from mealplan.io.kinds.context import Parsed


class _Dated(Kind):
    def check(self, session: Session, p: Parsed) -> None:
        super().check(session, p)
        for number, row in p.rows:
            parsed = {k: v for k, v in row.items() if (number, k) not in p.failed}
            for problem in money_problems(parsed):
                p.error(number, problem.field, problem.value, str(problem))


class PriceTiers(_Dated):
    schema = PRICE_TIERS


class SubsidyRules(_Dated):
    schema = SUBSIDY_RULES
