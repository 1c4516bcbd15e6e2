"""Headcounts: meals per date, service, site and diet profile."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from mealplan.db.models import Headcount, Site
from mealplan.domain.schemas import HEADCOUNTS
from mealplan.domain.vocab import HeadcountSource, Service
from mealplan.io.kinds.base import Kind, state_of
from mealplan.io.kinds.context import Counts, Parsed, Row
from mealplan.io.store import Refs, write_record

FORECAST = HeadcountSource.FORECAST.value


class Headcounts(Kind):
    """Matched by (date, service, site, profile) rather than a code."""

    schema = HEADCOUNTS

    def check(self, session: Session, p: Parsed) -> None:
        super().check(session, p)
        if p.errors or "site" not in p.present:
            return
        no_dinner = {
            code
            for code, start in session.execute(select(Site.code, Site.dinner_window_start_min))
            if start is None
        }
        for number, row in p.rows:
            if row.get("service") == Service.DINNER and row.get("site") in no_dinner:
                p.warn(number, f"site {row['site']} has no dinner window but reports dinner")

    def upsert(self, session: Session, p: Parsed) -> Counts:
        counts = Counts()
        refs = Refs(session, p.refs)
        dates = sorted({row["date"] for _n, row in p.rows})
        existing = {
            (h.date, h.service, h.site_id, h.diet_profile_id): h
            for h in session.scalars(select(Headcount).where(Headcount.date.in_(dates)))
        }
        for number, row in p.rows:
            key = (row["date"], row["service"], refs.ids("sites")[row["site"]],
                   refs.ids("diet-profiles")[row["profile"]])  # fmt: skip
            obj = existing.get(key)
            values = p.given(number, row, obj is not None)
            if obj is not None and "source" not in values and obj.source == FORECAST:
                # an imported count is a report: it replaces the plan's forecast (which the
                # next plan would delete) unless the file says it is a forecast
                values = {"source": HeadcountSource.REPORTED.value, "reported_by": "", **values}
            written = write_record(session, self.schema, obj, values, refs=refs)
            existing[key] = written.obj
            counts.add(state_of(written.created, bool(written.changes)))
        session.flush()
        return counts

    def export_records(self, session: Session) -> list[Row]:
        refs = Refs(session)
        sites, profiles = refs.codes("sites"), refs.codes("diet-profiles")
        rows = [
            {
                "date": h.date,
                "service": h.service,
                "site": sites[h.site_id],
                "profile": profiles[h.diet_profile_id],
                "count": h.count,
                "source": h.source,
                "reported_at": h.reported_at,
                "reported_by": h.reported_by,
            }
            for h in session.scalars(select(Headcount))
        ]
        rows.sort(key=lambda r: (r["date"], r["service"], r["site"], r["profile"]))
        return rows
