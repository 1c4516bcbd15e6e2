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
import io
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from markupsafe import escape
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
from mealplan.documents.i18n import Translator
from mealplan.documents.render import TEMPLATES_DIR, html_to_pdf
from mealplan.domain.pricing import LEVELS, PricingError
from mealplan.domain.values import N_, guard_formula
from mealplan.domain.vocab import ClientStatus
from mealplan.errors import MealplanError
from mealplan.services import audit
from mealplan.services.checkins import jurisdiction_on, price_for_client, status_on

#: anti-fraud checks, code -> catalogue text
FLAGS: dict[str, str] = {
    "repeat": N_("two meals in one service"),
    "paused": N_("elder paused that day"),
    "moved_out": N_("meal after the elder moved out"),
    "deceased": N_("meal after the elder's death"),
    "outside": N_("eaten outside the elder's jurisdiction"),
    "unconfirmed": N_("home delivery without confirmation"),
}


class ClaimError(MealplanError):
    """A claim period or decision the service cannot take: ``message`` is a catalogue
    template, ``params`` fill it."""

    def __init__(self, message: str, **params: object) -> None:
        self.message = message
        self.params: dict[str, object] = params
        super().__init__(message % params if params else message)


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
            N_("period %(period)s is neither a month (2026-12) nor a quarter (2026-Q4)"),
            period=period,
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


def _meal_order(x: ClaimLine) -> tuple[dt.date, str, str, int]:
    """Lines in the order their meals were recorded: the later of two meals is the repeat."""
    kind, _, number = x.line.partition(":")
    return (x.date, x.service, kind, int(number))


def build_claim(session: Session, period: str) -> Claim:
    """The claim of ``period`` (a month or a quarter) with its flags and decisions."""
    start, end = period_dates(period)
    lines: list[ClaimLine] = []
    clients: dict[int, Client] = {
        c.id: c for c in session.scalars(select(Client).options(selectinload(Client.jurisdictions)))
    }
    checkins = session.scalars(
        select(MealCheckin)
        .options(selectinload(MealCheckin.site))
        .where(MealCheckin.date >= start, MealCheckin.date <= end,
               MealCheckin.client_id.is_not(None))
        .order_by(MealCheckin.date, MealCheckin.service, MealCheckin.id)
    )  # fmt: skip
    for row in checkins:
        client = clients[int(row.client_id or 0)]
        home = jurisdiction_on(client, row.date)
        x = ClaimLine(
            f"checkin:{row.id}", row.date, row.service, client.code, client.name, row.category,
            row.site.name, home.district, home.street, row.paid_fen,
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
            raise ClaimError(
                N_("home delivery to %(code)s on %(date)s cannot be priced: %(why)s"),
                code=client.code, date=date.isoformat(), why=str(exc),
            ) from None  # fmt: skip
        home = jurisdiction_on(client, date)
        for _ in range(max(1, sum(int(n) for n in stop.meals.values()))):
            x = ClaimLine(
                f"delivery:{stop.id}", date, service, client.code, client.name,
                client.category, "", home.district, home.street, price.elder_pays_fen,
                dict(price.subsidy_fen), price.operator_fen,
            )  # fmt: skip
            if status is None:
                x.flags.append("unconfirmed")
            lines.append(x)
    # cross-line checks: two meals in one service, paused, moved out or deceased by then
    paused = _paused(session, start, end)
    seen: set[tuple[str, dt.date, str]] = set()
    by_code = {c.code: c for c in clients.values()}
    for x in sorted(lines, key=_meal_order):
        key = (x.client_code, x.date, x.service)
        if key in seen and "repeat" not in x.flags:
            x.flags.append("repeat")
        seen.add(key)
        client = by_code[x.client_code]
        stopped = status_on(client, x.date)
        if stopped == ClientStatus.PAUSED or any(
            a <= x.date <= b for a, b in paused.get(client.id, ())
        ):
            x.flags.append("paused")
        elif stopped is not None:
            x.flags.append(stopped)
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
        raise ClaimError(N_("unknown claim line %(line)s"), line=line)
    reason = reason.strip()[:200]
    if not accepted and not reason:
        raise ClaimError(N_("give a reason to reject a claim line"))
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


# --------------------------------------------------------------------------- documents


def _yuan(fen: int) -> str:
    return f"{fen / 100:.2f}"


def claim_tables(claim: Claim, lang: str = "zh") -> list[tuple[str, list[str], list[list[str]]]]:
    """The claim's tables with names, not codes: totals per funder level, by category, site,
    street and elder, then every meal with its checks and decision."""
    t = Translator(lang)
    totals = claim.totals()
    levels = [t.code("funder_level", lv) for lv in LEVELS]
    sep = "、" if lang == "zh" else ", "
    summary = [
        [t.code("funder_level", lv), sep.join(claim.funders[lv]), _yuan(totals[lv])]
        for lv in LEVELS
    ]
    summary.append([t("paid_by_elders"), "", _yuan(totals["paid_fen"])])
    summary.append([t("operator_share"), "", _yuan(totals["operator_fen"])])
    summary.append([t("meal_count"), "", str(totals["meals"])])
    tables = [(t("claim"), [t("funder_level"), t("funder"), t("amount_yuan")], summary)]
    for attr, title, first in (
        ("category", "by_category", "elder_category"),
        ("site_name", "by_site", "site"),
        ("street", "by_street", "street"),
        ("client_name", "by_elder", "elder"),
    ):
        rows = []
        for key, tot in claim.by(attr).items():
            name = key
            if attr == "category":
                name = t.code("elder_category", key)
            elif attr == "site_name" and not key:
                name = t("home_delivery")
            rows.append([name, str(tot["meals"]), *(_yuan(tot[lv]) for lv in LEVELS),
                         _yuan(tot["paid_fen"])])  # fmt: skip
        tables.append((t(title), [t(first), t("meal_count"), *levels, t("paid_by_elders")], rows))
    lines = []
    for x in claim.lines:
        decision = "" if x.accepted is None else t("accepted" if x.accepted else "rejected")
        if x.reason:
            decision += f" {x.reason}"
        lines.append([
            x.date.isoformat(), t.code("service", x.service), x.client_name,
            t.code("elder_category", x.category), x.site_name or t("home_delivery"), x.street,
            _yuan(x.paid_fen), *(_yuan(x.subsidy_fen[lv]) for lv in LEVELS),
            sep.join(t.code("claim_flag", f) for f in x.flags), decision,
        ])  # fmt: skip
    tables.append((t("lines"), [
        t("date"), t("service"), t("elder"), t("elder_category"), t("site"), t("street"),
        t("paid_by_elders"), *levels, t("checks"), t("decision"),
    ], lines))  # fmt: skip
    return tables


def claim_xlsx(claim: Claim, lang: str = "zh") -> bytes:
    """The claim as an XLSX workbook, one sheet per table (text guarded against formulas)."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    t = Translator(lang)
    wb = Workbook()
    first = True
    for title, headers, rows in claim_tables(claim, lang):
        ws = wb.active if first else wb.create_sheet()
        assert ws is not None
        first = False
        ws.title = title[:31]
        ws.append([f"{t('claim')} · {t('period')} {claim.period}"])
        ws.append([])
        ws.append(headers)
        for cell in ws[ws.max_row]:
            cell.font = Font(bold=True)
        for row in rows:
            ws.append([guard_formula(v) for v in row])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def claim_html(claim: Claim, lang: str = "zh") -> str:
    """The claim as one printable HTML page (A4 landscape) for :func:`claim_pdf`."""
    t = Translator(lang)
    css = (TEMPLATES_DIR / "documents.css").read_text(encoding="utf-8")
    parts = [
        f'<!DOCTYPE html><html lang="{"zh-CN" if lang == "zh" else "en"}"><head>'
        f'<meta charset="utf-8"><title>{escape(t("claim"))}</title><style>{css}'
        "@page { size: A4 landscape; } table { width: 100%; border-collapse: collapse; }"
        "td, th { border: 1px solid #999; padding: 2px 4px; font-size: 9pt; }</style></head>"
        f"<body><h1>{escape(t('claim'))}</h1><p>{escape(t('period'))}: "
        f"{escape(claim.period)} ({claim.start.isoformat()} – {claim.end.isoformat()})</p>"
    ]
    for title, headers, rows in claim_tables(claim, lang):
        parts.append(f"<h2>{escape(title)}</h2><table><thead><tr>")
        parts.extend(f"<th>{escape(h)}</th>" for h in headers)
        parts.append("</tr></thead><tbody>")
        for row in rows:
            parts.append("<tr>" + "".join(f"<td>{escape(v)}</td>" for v in row) + "</tr>")
        parts.append("</tbody></table>")
    parts.append("</body></html>")
    return "".join(parts)


def claim_pdf(claim: Claim, lang: str = "zh") -> bytes:
    """The claim as PDF bytes (the documents' renderer and fonts)."""
    return html_to_pdf(claim_html(claim, lang))
