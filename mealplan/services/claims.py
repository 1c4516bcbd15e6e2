"""Settlement claims (issue 14): the meals (人次) of a month or quarter that the funders
subsidise, per elder, category, site and street, with each funder level's amount and what
the elders paid, from canteen check-ins and home deliveries.

Each line is one meal: a check-in (``checkin:<id>``, amounts as priced when checked in) or
a home delivery (``delivery:<stop id>``, priced by the one pricing rule at home). A home
stop whose delivery is recorded as no answer or refused is not a meal and is left out;
walk-ins carry no subsidy and are left out. Anti-fraud checks flag lines (:data:`FLAGS`)
for the officer, who accepts or rejects each line (:func:`decide`, audited); rejected lines
do not count in the totals.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from mealplan.db.models import (
    ClaimDecision,
    Client,
    ClientPause,
    Delivery,
    MealCheckin,
    Route,
    RouteStop,
    SubsidyRule,
    Trip,
)
from mealplan.domain.pricing import LEVELS, PricingError
from mealplan.domain.values import N_
from mealplan.errors import MealplanError
from mealplan.services import audit
from mealplan.services.checkins import price_for_client

#: anti-fraud checks, code -> catalogue text
FLAGS: dict[str, str] = {
    "repeat": N_("two meals in one service"),
    "paused": N_("elder paused that day"),
    "inactive": N_("elder inactive (deceased or moved away)"),
    "outside": N_("eaten outside the elder's jurisdiction"),
    "unconfirmed": N_("home delivery without confirmation"),
}


class ClaimError(MealplanError):
    """A claim period or decision the service cannot take."""


def period_dates(period: str) -> tuple[dt.date, dt.date]:
    """``2026-12`` -> the month, ``2026-Q4`` -> the quarter (first and last day)."""
    text = period.strip().upper()
    try:
        year_text, _, part = text.partition("-")
        year = int(year_text)
        if part.startswith("Q"):
            quarter = int(part[1:])
            if not 1 <= quarter <= 4:
                raise ValueError
            first_month, months = 3 * quarter - 2, 3
        else:
            first_month, months = int(part), 1
            if not 1 <= first_month <= 12:
                raise ValueError
        start = dt.date(year, first_month, 1)
    except ValueError:
        raise ClaimError(
            f"period {period!r} is neither a month (2026-12) nor a quarter (2026-Q4)"
        ) from None
    end_month = first_month + months
    end = dt.date(year + (end_month > 12), (end_month - 1) % 12 + 1, 1) - dt.timedelta(days=1)
    return start, end


@dataclass
class ClaimLine:
    """One subsidised meal."""

    line: str  # checkin:<id> | delivery:<route stop id>
    date: dt.date
    service: str
    client_code: str
    client_name: str
    category: str
    site_name: str  # the canteen or dining point; "" for a home delivery
    district: str  # the elder's registered district and street
    street: str
    paid_fen: int
    subsidy_fen: dict[str, int]  # level -> fen
    operator_fen: int = 0
    flags: list[str] = field(default_factory=list)
    accepted: bool | None = None  # the officer's decision (None: not decided)
    reason: str = ""

    @property
    def counts(self) -> bool:
        """Whether the line counts in the totals (not rejected)."""
        return self.accepted is not False


@dataclass
class Claim:
    period: str
    start: dt.date
    end: dt.date
    lines: list[ClaimLine]
    funders: dict[str, list[str]]  # level -> funder names of rules in force in the period

    def totals(self, lines: Iterable[ClaimLine] | None = None) -> dict[str, int]:
        """Meals, paid and each level's subsidy over the counted lines."""
        out = {"meals": 0, "paid_fen": 0, "operator_fen": 0, **{lv: 0 for lv in LEVELS}}
        for x in self.lines if lines is None else lines:
            if not x.counts:
                continue
            out["meals"] += 1
            out["paid_fen"] += x.paid_fen
            out["operator_fen"] += x.operator_fen
            for level in LEVELS:
                out[level] += x.subsidy_fen[level]
        return out

    def by(self, attr: str) -> dict[str, dict[str, int]]:
        """Totals grouped by a line attribute (client_name, category, site_name, street)."""
        groups: dict[str, list[ClaimLine]] = defaultdict(list)
        for x in self.lines:
            groups[str(getattr(x, attr))].append(x)
        return {key: self.totals(group) for key, group in sorted(groups.items())}


def _paused(
    session: Session, start: dt.date, end: dt.date
) -> dict[int, list[tuple[dt.date, dt.date]]]:
    out: dict[int, list[tuple[dt.date, dt.date]]] = defaultdict(list)
    for p in session.scalars(
        select(ClientPause).where(ClientPause.start_date <= end, ClientPause.end_date >= start)
    ):
        out[p.client_id].append((p.start_date, p.end_date))
    return out


def build_claim(session: Session, period: str) -> Claim:
    """The claim of ``period`` (a month or a quarter) with its flags and decisions."""
    start, end = period_dates(period)
    lines: list[ClaimLine] = []
    clients: dict[int, Client] = {c.id: c for c in session.scalars(select(Client))}
    checkins = session.scalars(
        select(MealCheckin)
        .options(selectinload(MealCheckin.site))
        .where(MealCheckin.date >= start, MealCheckin.date <= end,
               MealCheckin.client_id.is_not(None))
        .order_by(MealCheckin.date, MealCheckin.service, MealCheckin.id)
    )  # fmt: skip
    for row in checkins:
        client = clients[int(row.client_id or 0)]
        x = ClaimLine(
            f"checkin:{row.id}", row.date, row.service, client.code, client.name, row.category,
            row.site.name, client.district, client.street, row.paid_fen,
            {"city": row.city_fen, "district": row.district_fen, "street": row.street_fen},
            row.operator_fen,
        )  # fmt: skip
        if row.repeat:
            x.flags.append("repeat")
        if row.lost_levels:
            x.flags.append("outside")
        lines.append(x)
    stops = session.execute(
        select(RouteStop, Route.date, Route.service, Delivery.status)
        .join(Trip, Trip.id == RouteStop.trip_id)
        .join(Route, Route.id == Trip.route_id)
        .outerjoin(Delivery, Delivery.route_stop_id == RouteStop.id)
        .where(Route.date >= start, Route.date <= end, RouteStop.client_id.is_not(None))
        .order_by(Route.date, Route.service, RouteStop.id)
    )  # fmt: skip
    for stop, date, service, status in stops:
        if status is not None and status != "delivered":
            continue
        client = clients[int(stop.client_id or 0)]
        try:
            price = price_for_client(session, client, on=date, service=service)
        except PricingError as exc:
            raise ClaimError(f"home delivery to {client.code} on {date}: {exc}") from None
        for _ in range(max(1, sum(int(n) for n in stop.meals.values()))):
            x = ClaimLine(
                f"delivery:{stop.id}", date, service, client.code, client.name,
                client.category, "", client.district, client.street, price.elder_pays_fen,
                dict(price.subsidy_fen), price.operator_fen,
            )  # fmt: skip
            if status is None:
                x.flags.append("unconfirmed")
            lines.append(x)
    # cross-line checks: two meals in one service, paused, inactive
    paused = _paused(session, start, end)
    seen: set[tuple[str, dt.date, str]] = set()
    by_code = {c.code: c for c in clients.values()}
    for x in sorted(lines, key=lambda x: (x.date, x.service, x.line)):
        key = (x.client_code, x.date, x.service)
        if key in seen and "repeat" not in x.flags:
            x.flags.append("repeat")
        seen.add(key)
        client = by_code[x.client_code]
        if any(a <= x.date <= b for a, b in paused.get(client.id, ())):
            x.flags.append("paused")
        if not client.active:
            x.flags.append("inactive")
    decisions = {
        d.line: d
        for d in session.scalars(
            select(ClaimDecision).where(ClaimDecision.line.in_({x.line for x in lines}))
        )
    }
    for x in lines:
        decision = decisions.get(x.line)
        if decision is not None:
            x.accepted, x.reason = decision.accepted, decision.reason
    funders: dict[str, list[str]] = {level: [] for level in LEVELS}
    for rule in session.scalars(
        select(SubsidyRule).where(SubsidyRule.valid_from <= end).order_by(SubsidyRule.code)
    ):
        if (rule.valid_to is None or rule.valid_to >= start) and rule.funder not in funders[
            rule.level
        ]:
            funders[rule.level].append(rule.funder)
    lines.sort(key=lambda x: (x.date, x.service, x.site_name, x.client_code, x.line))
    return Claim(period, start, end, lines, funders)


def decide(session: Session, line: str, *, accepted: bool, reason: str, actor: str) -> None:
    """Record the officer's acceptance or rejection of a claim line (audited); a rejection
    needs a reason."""
    kind, _, number = line.partition(":")
    if kind not in ("checkin", "delivery") or not number.isdigit():
        raise ClaimError(f"unknown claim line {line!r}")
    reason = reason.strip()[:200]
    if not accepted and not reason:
        raise ClaimError("give a reason to reject a claim line")
    row = session.scalar(select(ClaimDecision).where(ClaimDecision.line == line))
    if row is None:
        row = ClaimDecision(line=line, accepted=accepted, reason=reason, decided_by=actor)
        session.add(row)
    else:
        row.accepted, row.reason, row.decided_by = accepted, reason, actor
        row.decided_at = dt.datetime.now()
    session.flush()
    audit.record(
        session, actor=actor, action="accept" if accepted else "reject",
        entity="claim_line", entity_code=line, details={"reason": reason},
    )  # fmt: skip
