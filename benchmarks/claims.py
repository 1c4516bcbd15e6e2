"""Check-in and claim figures on the demo district: every active elder checks in at their
registered site for lunch on each day of a month, then the month's claim is built and
exported. Prints the counts and the times (wall, noisy on a shared machine).

    python benchmarks/claims.py [--days 20] [--seed 0]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import tempfile
import time
from pathlib import Path

from sqlalchemy import select

from mealplan.config import load_settings
from mealplan.db.migrate import upgrade
from mealplan.db.models import Client, Site
from mealplan.db.session import unit_of_work
from mealplan.demo import load_demo
from mealplan.services import checkins, claims


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--days", type=int, default=20)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["MEALPLAN_DATABASE_URL"] = f"sqlite:///{Path(tmp) / 'b.sqlite3'}"
        os.environ["MEALPLAN_INSTANCE_PATH"] = tmp
        settings = load_settings()
        upgrade(settings)
        first = dt.date(2026, 11, 2)
        with unit_of_work(settings) as s:
            load_demo(s, "district", date=first, seed=args.seed)
        with unit_of_work(settings) as s:
            elders = [c for c in s.scalars(select(Client)) if c.active and c.site_id]
            codes = {site.id: site.code for site in s.scalars(select(Site))}
            t0 = time.perf_counter()
            n = refused = 0
            for d in range(args.days):
                day = first + dt.timedelta(days=d)
                for c in elders:
                    try:
                        checkins.check_in(s, site_code=codes[int(c.site_id or 0)], date=day,
                                          service="lunch", card=str(c.card_number), actor="b",
                                          repeat_meal="refuse")  # fmt: skip
                        n += 1
                    except checkins.CheckinRefused:
                        refused += 1
            t1 = time.perf_counter()
            claim = claims.build_claim(s, "2026-11")
            t2 = time.perf_counter()
            xlsx = claims.claim_xlsx(claim)
            t3 = time.perf_counter()
        print(f"check-ins: {n} recorded, {refused} refused (paused), "
              f"{(t1 - t0) / max(n, 1) * 1000:.1f} ms each")  # fmt: skip
        print(f"claim 2026-11: {len(claim.lines)} lines, {claim.totals()['meals']} meals, "
              f"built in {t2 - t1:.2f} s; XLSX {len(xlsx) // 1024} KiB in {t3 - t2:.2f} s")  # fmt: skip


if __name__ == "__main__":
    main()
