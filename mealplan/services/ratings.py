"""Elders' ratings (1-5) of the day's dishes and of the service, recorded by site staff.

A rating of 2 stars or less, or one with a comment, opens a follow-up task (回访) as it is
recorded (:func:`mealplan.services.followups.from_rating`)."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from mealplan.db.models import Client, DietProfile, Dish, Menu, MenuItem, Rating, Site
from mealplan.domain.vocab import Service
from mealplan.errors import NotFoundError
from mealplan.services import audit, followups
from mealplan.services.records import N_, Issue, RecordValidationError

log = logging.getLogger(__name__)

SUBJECTS: tuple[str, ...] = ("dish", "service")
SCORES: tuple[int, ...] = (1, 2, 3, 4, 5)


def _check_score(field: str, score: object) -> Issue | None:
    if not isinstance(score, int) or isinstance(score, bool) or score not in SCORES:
        return Issue(field, N_("a score is a whole number from 1 to 5"))
    return None


def _id_by_code(
    session: Session, model: type[Site] | type[Client] | type[Dish], code: str | None
) -> int | None:
    if not code:
        return None
    found = session.scalar(select(model.id).where(model.code == code))
    if found is None:
        raise NotFoundError(f"no {model.__tablename__} with code {code!r}")
    return found


#: the longest comment an elder's meal rating takes (the form's limit too)
MAX_COMMENT = 500


def record_rating(
    session: Session,
    *,
    date: dt.date,
    service: str,
    subject: str,
    score: int,
    site_code: str | None = None,
    client_code: str | None = None,
    dish_code: str | None = None,
    comment: str = "",
    actor: str,
    follow_up: bool = True,
) -> Rating:
    """One rating of a dish (``dish_code``) or of the service, at a site and/or by an
    elder (``client_code``: an elder at a canteen, or at home). With ``follow_up`` a low
    score or a comment opens its follow-up task (a meal's form opens one for all)."""
    issues: list[Issue] = []
    if subject not in SUBJECTS:
        issues.append(Issue("subject", N_("not a valid choice: %(value)s"), {"value": subject}))
    if service not in {s.value for s in Service}:
        issues.append(Issue("service", N_("not a valid choice: %(value)s"), {"value": service}))
    bad = _check_score("score", score)
    if bad:
        issues.append(bad)
    if subject == "dish" and not dish_code:
        issues.append(Issue("dish", N_("this field is required")))
    if not site_code and not client_code:
        issues.append(Issue(None, N_("name a site or an elder")))
    if issues:
        raise RecordValidationError(issues)
    rating = Rating(
        date=date,
        service=service,
        subject=subject,
        score=score,
        site_id=_id_by_code(session, Site, site_code),
        client_id=_id_by_code(session, Client, client_code),
        dish_id=_id_by_code(session, Dish, dish_code) if subject == "dish" else None,
        comment=comment.strip()[:2000],
        recorded_by=actor,
    )
    session.add(rating)
    session.flush()
    if follow_up:
        followups.from_rating(session, rating)
    return rating


def record_meal_ratings(
    session: Session,
    *,
    site_code: str,
    date: dt.date,
    service: str,
    dish_scores: Mapping[str, int],
    service_score: int | None,
    comment: str = "",
    actor: str,
    client_code: str | None = None,
) -> list[Rating]:
    """One elder's ratings of a meal at a site: some dishes and/or the service. With
    ``client_code`` the ratings are that elder's, and only the dishes of the elder's diet
    menu that day (:func:`elder_dishes`) may be rated."""
    if not dish_scores and service_score is None:
        raise RecordValidationError([Issue(None, N_("tap at least one score"))])
    if len(comment.strip()) > MAX_COMMENT:
        raise RecordValidationError(
            [Issue("comment", N_("at most %(n)s characters"), {"n": MAX_COMMENT})]
        )
    if client_code:
        served = {d.code for d in elder_dishes(session, client_code, date, service)}
        stray = sorted(set(dish_scores) - served)
        if stray:
            raise RecordValidationError(
                [
                    Issue(
                        "dish",
                        N_("not on this elder's menu that day: %(value)s"),
                        {"value": ", ".join(stray)},
                    )
                ]
            )
    # the comment goes with the service score, else with the first dish's
    ratings = [
        record_rating(
            session,
            date=date,
            service=service,
            subject="dish",
            score=score,
            site_code=site_code,
            client_code=client_code,
            dish_code=code,
            comment=comment if service_score is None and i == 0 else "",
            actor=actor,
            follow_up=False,
        )
        for i, (code, score) in enumerate(dish_scores.items())
    ]
    if service_score is not None:
        ratings.append(
            record_rating(
                session,
                date=date,
                service=service,
                subject="service",
                score=service_score,
                site_code=site_code,
                client_code=client_code,
                comment=comment,
                actor=actor,
                follow_up=False,
            )
        )
    followups.from_meal_ratings(session, ratings)  # one task for the meal, if any
    audit.record(
        session,
        actor=actor,
        action="create",
        entity="rating",
        entity_code=f"{site_code}/{date.isoformat()}/{service}",
        details={
            "dishes": dict(dish_scores),
            "service": service_score,
            "client": client_code or "",
        },
    )
    return ratings


def dishes_served(session: Session, date: dt.date, service: str) -> list[Dish]:
    """The distinct dishes on any menu of ``date`` and ``service``, by code."""
    # (DISTINCT over the JSON columns of dish is not allowed on PostgreSQL: select ids.)
    served = (
        select(MenuItem.dish_id)
        .join(Menu, Menu.id == MenuItem.menu_id)
        .where(Menu.date == date, Menu.service == service)
    )
    stmt = select(Dish).where(Dish.id.in_(served)).order_by(Dish.code)
    return list(session.scalars(stmt))


def profile_dishes(session: Session, profile_code: str, date: dt.date, service: str) -> list[Dish]:
    """The dishes of one diet profile's stored menu of ``date`` and ``service``, in menu
    order (empty when no menu is stored)."""
    stmt = (
        select(Dish)
        .join(MenuItem, MenuItem.dish_id == Dish.id)
        .join(Menu, Menu.id == MenuItem.menu_id)
        .join(DietProfile, DietProfile.id == Menu.diet_profile_id)
        .where(Menu.date == date, Menu.service == service, DietProfile.code == profile_code)
        .order_by(MenuItem.position, MenuItem.id)
    )
    return list(session.scalars(stmt))


def elder_dishes(session: Session, client_code: str, date: dt.date, service: str) -> list[Dish]:
    """The dishes the elder was served: the menu of the elder's diet that day."""
    client = session.scalar(select(Client).where(Client.code == client_code))
    if client is None:
        raise NotFoundError(f"no client with code {client_code!r}")
    return profile_dishes(session, client.diet_profile.code, date, service)


def menu_profiles(session: Session, date: dt.date, service: str) -> list[DietProfile]:
    """The diet profiles with a stored menu of ``date`` and ``service``, by code."""
    stmt = (
        select(DietProfile)
        .where(
            DietProfile.id.in_(
                select(Menu.diet_profile_id).where(Menu.date == date, Menu.service == service)
            )
        )
        .order_by(DietProfile.code)
    )
    return list(session.scalars(stmt))


@dataclass(frozen=True)
class ScoreSummary:
    count: int
    average: float | None


def summary(
    session: Session, *, site_code: str, date: dt.date, service: str
) -> dict[str, ScoreSummary]:
    """Ratings so far at a site for a meal: key ``"service"`` or a dish code."""
    site_id = _id_by_code(session, Site, site_code)
    rows = session.execute(
        select(Rating.subject, Dish.code, func.count(Rating.id), func.avg(Rating.score))
        .outerjoin(Dish, Dish.id == Rating.dish_id)
        .where(Rating.site_id == site_id, Rating.date == date, Rating.service == service)
        .group_by(Rating.subject, Dish.code)
    )
    out: dict[str, ScoreSummary] = {}
    for subject, dish_code, count, avg in rows:
        key = "service" if subject == "service" else str(dish_code)
        out[key] = ScoreSummary(int(count), round(float(avg), 2) if avg is not None else None)
    return out
