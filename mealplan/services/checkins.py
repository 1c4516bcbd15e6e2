"""Check-in at canteens and dining points (issue 14): who ate, which diet, what they paid
and each funder level's subsidy, one :class:`MealCheckin` row per meal (就餐人次).

The price is the one pricing rule (:func:`mealplan.domain.pricing.price_meal`) over the
price tiers and subsidy rules in force on the day (:func:`pricing_inputs`), the elder's
registered district and street and the site's. A second meal of the same service for the
same elder and day is refused or charged the full price, as ``[planning] repeat_meal``
says; walk-ins pay the full price. Refusals are :class:`CheckinRefused` with a catalogue
template (the panel translates it) and change nothing.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from mealplan.config import load_settings
from mealplan.db.models import (
    Client,
    ClientPause,
    DietProfile,
    Headcount,
    MealCheckin,
    Site,
)
from mealplan.db.models import PriceTier as PriceTierRow
from mealplan.db.models import SubsidyRule as SubsidyRuleRow
from mealplan.domain.pricing import (
    Jurisdiction,
    Price,
    PriceTier,
    PricingError,
    SubsidyRule,
    price_meal,
)
from mealplan.domain.values import N_
from mealplan.domain.vocab import ClientStatus
from mealplan.domain.vocab import status_on as register_status_on
from mealplan.errors import MealplanError
from mealplan.services import audit
from mealplan.services.headcounts import services_of

REFUSE = "refuse"
FULL_PRICE = "full_price"
#: what an elder card's QR code holds before the card number
CARD_PREFIX = "MEALPLAN-CARD:"


class CheckinRefused(MealplanError):
    """A check-in the site cannot record: ``message`` is a catalogue template."""

    def __init__(self, message: str, **params: object) -> None:
        self.message = message
        self.params: dict[str, object] = params
        super().__init__(message % params if params else message)


@dataclass(frozen=True)
class CheckinResult:
    """A recorded check-in and what the tablet shows."""

    checkin: MealCheckin
    name: str  # the elder's name, "" for a walk-in
    category: str
    diet: str  # diet profile code ("" for a walk-in)
    price: Price


def pricing_inputs(session: Session) -> tuple[list[PriceTier], list[SubsidyRule]]:
    """The stored price tiers (grouped per service, date range and meal price) and subsidy
    rules, as the pricing rule reads them."""
    grouped: dict[tuple[str, dt.date, dt.date | None, int], dict[str, int]] = {}
    for row in session.scalars(select(PriceTierRow).order_by(PriceTierRow.code)):
        key = (row.service, row.valid_from, row.valid_to, row.meal_price_fen)
        grouped.setdefault(key, {})[row.category] = row.elder_pays_fen
    tiers = [PriceTier(s, a, b, meal, pays) for (s, a, b, meal), pays in grouped.items()]
    rules = [
        SubsidyRule(
            r.category, r.level, r.funder, r.amount_fen, r.valid_from, r.valid_to, r.outside
        )  # fmt: skip
        for r in session.scalars(select(SubsidyRuleRow).order_by(SubsidyRuleRow.code))
    ]
    return tiers, rules


def jurisdiction(place: Client | Site) -> Jurisdiction:
    """The registered district and street of an elder or a site (today's, for an elder)."""
    return Jurisdiction(place.district, place.street)


def jurisdiction_on(client: Client, on: dt.date) -> Jurisdiction:
    """The elder's registered district and street in force on ``on``: the history row
    (:class:`ClientJurisdiction`) with the latest ``valid_from`` not after ``on`` (a row
    without a date holds since registration); the earliest row for a day before every
    dated row; the client's own fields when there is no history."""
    rows = sorted(client.jurisdictions, key=lambda r: (r.valid_from or dt.date.min, r.id or 0))
    in_force = [r for r in rows if r.valid_from is None or r.valid_from <= on]
    row = in_force[-1] if in_force else (rows[0] if rows else None)
    if row is None:
        return jurisdiction(client)
    return Jurisdiction(row.district, row.street)


@dataclass(frozen=True)
class JurisdictionRow:
    """One period of an elder's registered jurisdiction (the client's page)."""

    valid_from: dt.date | None  # None: since registration
    valid_to: dt.date | None  # the day before the next period; None: still in force
    district: str
    street: str
    site_name: str


def jurisdiction_history(session: Session, client: Client) -> list[JurisdictionRow]:
    """The elder's jurisdiction periods, oldest first, each until the next one starts."""
    rows = sorted(client.jurisdictions, key=lambda r: (r.valid_from or dt.date.min, r.id or 0))
    names = {int(i): str(n) for i, n in session.execute(select(Site.id, Site.name))}
    out: list[JurisdictionRow] = []
    for i, row in enumerate(rows):
        nxt = rows[i + 1].valid_from if i + 1 < len(rows) else None
        out.append(
            JurisdictionRow(
                row.valid_from,
                None if nxt is None else nxt - dt.timedelta(days=1),
                row.district,
                row.street,
                "" if row.site_id is None else names.get(row.site_id, ""),
            )
        )
    return out


def status_on(client: Client, on: dt.date) -> str | None:
    """The register status that stops ``client``'s meal on ``on``, or None
    (:func:`mealplan.domain.vocab.status_on`)."""
    return register_status_on(client.status, client.status_date, on)


def price_for_client(
    session: Session,
    client: Client,
    *,
    on: dt.date,
    service: str,
    at: Site | None = None,
    full_price: bool = False,
) -> Price:
    """What ``client`` pays for a meal on ``on`` eaten at ``at`` (None: delivered home, so
    inside the elder's own jurisdiction); PricingError if the tiers cannot price it."""
    tiers, rules = pricing_inputs(session)
    home = jurisdiction_on(client, on)
    where = home if at is None else jurisdiction(at)
    return price_meal(tiers, rules, on=on, service=service, category=client.category,
                      home=home, at=where, full_price=full_price)  # fmt: skip


def _day(date: dt.date | None) -> str:
    return "?" if date is None else date.isoformat()


def _site(session: Session, site_code: str, service: str) -> Site:
    site = session.scalar(select(Site).where(Site.code == site_code))
    if site is None:
        raise CheckinRefused(N_("unknown site %(site)s"), site=site_code)
    if not site.active:
        raise CheckinRefused(N_("site %(site)s is not active"), site=site.name)
    if service not in services_of(site):
        raise CheckinRefused(
            N_("site %(site)s does not serve %(service)s"), site=site.name, service=service
        )
    return site


def _store(
    session: Session,
    *,
    site: Site,
    date: dt.date,
    service: str,
    client: Client | None,
    price: Price,
    repeat: bool,
    actor: str,
) -> MealCheckin:
    row = MealCheckin(
        date=date, service=service, site_id=site.id,
        client_id=None if client is None else client.id,
        category="" if client is None else client.category,
        diet_profile_id=None if client is None else client.diet_profile_id,
        repeat=repeat, full_price=price.full_price, meal_price_fen=price.meal_price_fen,
        paid_fen=price.elder_pays_fen, city_fen=price.subsidy_fen["city"],
        district_fen=price.subsidy_fen["district"], street_fen=price.subsidy_fen["street"],
        operator_fen=price.operator_fen, lost_levels=";".join(price.lost_levels),
        recorded_by=actor,
    )  # fmt: skip
    session.add(row)
    session.flush()
    audit.record(
        session, actor=actor, action="checkin", entity="meal_checkin",
        entity_code=f"{site.code}/{date.isoformat()}/{service}",
        details={"client": None if client is None else client.code, "paid_fen": row.paid_fen,
                 "repeat": repeat, "full_price": row.full_price},
    )  # fmt: skip
    return row


def _priced(
    session: Session,
    client: Client | None,
    *,
    on: dt.date,
    service: str,
    site: Site,
    full_price: bool = False,
) -> Price:
    """The pricing rule's price, or a refusal naming why the tiers cannot price the meal."""
    try:
        if client is None:
            tiers, rules = pricing_inputs(session)
            return price_meal(
                tiers,
                rules,
                on=on,
                service=service,
                category=None,
                home=None,
                at=jurisdiction(site),
            )
        return price_for_client(
            session, client, on=on, service=service, at=site, full_price=full_price
        )
    except PricingError as exc:
        raise CheckinRefused(N_("the meal cannot be priced: %(why)s"), why=str(exc)) from None


def check_in(
    session: Session,
    *,
    site_code: str,
    date: dt.date,
    service: str,
    card: str,
    actor: str,
    repeat_meal: str | None = None,
) -> CheckinResult:
    """Record the meal of the elder holding ``card`` at the site (see module)."""
    site = _site(session, site_code, service)
    card = card.strip().removeprefix(CARD_PREFIX).strip()
    if not card:
        raise CheckinRefused(N_("scan or type a card number"))
    client = session.scalar(select(Client).where(Client.card_number == card))
    if client is None:
        raise CheckinRefused(N_("unknown card number %(card)s"), card=card)
    stopped = status_on(client, date)
    if stopped == ClientStatus.DECEASED:
        raise CheckinRefused(
            N_("%(name)s is recorded as deceased (%(date)s): card %(card)s cannot be used"),
            name=client.name, card=card, date=_day(client.status_date),
        )  # fmt: skip
    if stopped == ClientStatus.MOVED_OUT:
        raise CheckinRefused(
            N_("%(name)s has moved out (%(date)s): card %(card)s cannot be used here"),
            name=client.name, card=card, date=_day(client.status_date),
        )  # fmt: skip
    if stopped is not None:
        raise CheckinRefused(N_("%(name)s is not active (card %(card)s)"),
                             name=client.name, card=card)  # fmt: skip
    pause = session.scalar(
        select(ClientPause).where(ClientPause.client_id == client.id,
                                  ClientPause.start_date <= date, ClientPause.end_date >= date)
    )  # fmt: skip
    if pause is not None:
        raise CheckinRefused(N_("%(name)s has paused meals from %(start)s to %(end)s"),
                             name=client.name, start=pause.start_date.isoformat(),
                             end=pause.end_date.isoformat())  # fmt: skip
    earlier = session.scalar(
        select(MealCheckin).where(MealCheckin.client_id == client.id, MealCheckin.date == date,
                                  MealCheckin.service == service).order_by(MealCheckin.id)
    )  # fmt: skip
    rule = repeat_meal if repeat_meal is not None else load_settings().planning.repeat_meal
    if earlier is not None and rule != FULL_PRICE:
        raise CheckinRefused(
            N_("%(name)s already had this meal today at %(site)s (%(time)s)"),
            name=client.name, site=earlier.site.name,
            time=earlier.recorded_at.strftime("%H:%M"),
        )  # fmt: skip
    repeat = earlier is not None
    price = _priced(session, client, on=date, service=service, site=site, full_price=repeat)
    row = _store(session, site=site, date=date, service=service, client=client, price=price,
                 repeat=repeat, actor=actor)  # fmt: skip
    diet = session.get(DietProfile, client.diet_profile_id)
    return CheckinResult(row, client.name, client.category, diet.code if diet else "", price)


def check_in_walk_in(
    session: Session, *, site_code: str, date: dt.date, service: str, actor: str
) -> CheckinResult:
    """Record a walk-in's meal at the full price, with no subsidy."""
    site = _site(session, site_code, service)
    price = _priced(session, None, on=date, service=service, site=site)
    row = _store(session, site=site, date=date, service=service, client=None, price=price,
                 repeat=False, actor=actor)  # fmt: skip
    return CheckinResult(row, "", "", "", price)


def day_checkins(
    session: Session, *, site_code: str, date: dt.date, service: str
) -> list[MealCheckin]:
    """The site's check-ins of a day and service, oldest first."""
    return list(
        session.scalars(
            select(MealCheckin).join(Site, Site.id == MealCheckin.site_id)
            .where(Site.code == site_code, MealCheckin.date == date,
                   MealCheckin.service == service)
            .order_by(MealCheckin.id)
        )
    )  # fmt: skip


@dataclass(frozen=True)
class HeadcountCheck:
    """A site's reported headcount and its check-ins for one day and service, per diet."""

    diet: str  # diet profile code ("" for walk-ins)
    headcount: int
    checkins: int

    @property
    def difference(self) -> int:
        return self.checkins - self.headcount


def headcount_vs_checkins(
    session: Session, *, site_code: str, date: dt.date, service: str
) -> list[HeadcountCheck]:
    """The site's headcount per diet next to the meals checked in, diets in code order."""
    site = session.scalar(select(Site).where(Site.code == site_code))
    if site is None:
        raise CheckinRefused(N_("unknown site %(site)s"), site=site_code)
    codes = {int(i): str(c) for i, c in session.execute(select(DietProfile.id, DietProfile.code))}
    heads: Counter[str] = Counter()
    for profile_id, count in session.execute(
        select(Headcount.diet_profile_id, func.sum(Headcount.count))
        .where(Headcount.site_id == site.id, Headcount.date == date,
               Headcount.service == service)
        .group_by(Headcount.diet_profile_id)
    ):  # fmt: skip
        heads[codes[profile_id]] += int(count)
    eaten: Counter[str] = Counter()
    for row in day_checkins(session, site_code=site_code, date=date, service=service):
        eaten["" if row.diet_profile_id is None else codes[row.diet_profile_id]] += 1
    return [HeadcountCheck(d, heads[d], eaten[d]) for d in sorted(set(heads) | set(eaten))]


def card_qr_svg(card_number: str, *, scale: int = 6) -> str:
    """The QR code of an elder card (``MEALPLAN-CARD:<number>``) as an inline SVG element."""
    import segno  # imported here: only the card page needs it

    qr = segno.make(CARD_PREFIX + card_number, error="m", micro=False)
    return str(qr.svg_inline(scale=scale, border=2))


def elder_card(session: Session, client_code: str) -> tuple[Client, Site | None]:
    """The elder and their registered site for the printed card; refused without a card."""
    client = session.scalar(select(Client).where(Client.code == client_code))
    if client is None:
        raise CheckinRefused(N_("unknown elder %(code)s"), code=client_code)
    if not client.card_number:
        raise CheckinRefused(N_("%(name)s has no card number yet"), name=client.name)
    site = None if client.site_id is None else session.get(Site, client.site_id)
    return client, site
