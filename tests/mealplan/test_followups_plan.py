"""Follow-ups (回访) of the meals the daily plan leaves unserved, opened when the plan is
stored (``mealplan plan``, the command the panel's job runs), one per elder, day and
service however often the day is planned again; a manager reassigns a task (audited)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from mealplan.cli import main
from mealplan.config import Settings
from mealplan.db.models import (
    AuditEntry,
    Client,
    DietProfile,
    FollowUp,
    Kitchen,
    NutritionGroup,
    Site,
    UnservedStop,
    User,
)
from mealplan.db.session import unit_of_work
from mealplan.planning.daily import DailyPlanResult
from mealplan.services import followups, users
from mealplan.services.records import RecordValidationError
from tests.mealplan.test_daily_plan import DAY as PLAN_DAY
from tests.mealplan.test_daily_plan import kitchen_world  # noqa: F401 (the daily plan's kitchen)

pytestmark = pytest.mark.db
DAY = dt.date(2026, 12, 7)


def _world(session: Session) -> None:
    """Kitchen K1, canteen S1, elders C1 and C2 at home, worker w1 (南华西街), manager m."""
    kitchen = Kitchen(code="K1", name="K", lat=30, lon=120)
    group = NutritionGroup(code="regular", name_zh="普通", name_en="R")
    reg = DietProfile(code="reg", name_zh="普通", name_en="Regular", group=group)
    site = Site(code="S1", kind="canteen", name="食堂", lat=30, lon=120, kitchen=kitchen)
    session.add_all([kitchen, reg, site])
    for i in (1, 2):
        session.add(Client(code=f"C{i}", name=f"老人{i}", lat=30, lon=120, diet_profile=reg,
                           category="age_80", kitchen=kitchen, lunch_days="1234567",
                           street="南华西街"))  # fmt: skip
    session.flush()
    for name, role, street in (
        ("w1", "community_worker", "南华西街"),
        ("w2", "community_worker", ""),
        ("m", "manager", ""),
    ):
        users.create_user(session, name, "password-1234", role, street=street, actor="admin")
    session.flush()


def _store_unserved(session: Session, codes: list[str], service: str = "lunch") -> None:
    """What storing a plan does: the day's unserved stops replaced (ids may be reused)."""
    session.execute(
        delete(UnservedStop).where(UnservedStop.date == DAY, UnservedStop.service == service)
    )
    site_id = session.scalar(select(Site.id))
    session.add(UnservedStop(date=DAY, service=service, site_id=site_id, meals={"reg": 5},
                             reason="capacity"))  # fmt: skip
    for code in codes:
        client_id = session.scalar(select(Client.id).where(Client.code == code))
        session.add(UnservedStop(date=DAY, service=service, client_id=client_id,
                                 meals={"reg": 1}, reason="hold_limit"))  # fmt: skip
    session.flush()


def _tasks(session: Session) -> list[tuple[str, dt.date, str]]:
    """(elder, day, service) of every unserved-meal task, recomputed from the rows."""
    rows = session.execute(
        select(Client.code, FollowUp.event_date, FollowUp.service)
        .join(Client, Client.id == FollowUp.client_id)
        .where(FollowUp.source == "unserved")
        .order_by(Client.code, FollowUp.service)
    )
    return [(c, d, s) for c, d, s in rows]


@pytest.fixture
def world(session: Session) -> Session:
    _world(session)
    return session


def test_one_task_per_elder_day_and_service(world: Session) -> None:
    """Storing the day's unserved meals opens a task per home elder (not the site's stop);
    the day stored again, even with reused ids, opens nothing new; another elder in the
    new plan gets a task and the earlier ones stay; collect() adds nothing after it."""
    _store_unserved(world, ["C1"])
    assert followups.from_unserved(world, DAY, "lunch") == 1
    assert _tasks(world) == [("C1", DAY, "lunch")]
    _store_unserved(world, ["C1"])
    assert followups.from_unserved(world, DAY, "lunch") == 0
    _store_unserved(world, ["C2", "C1"])  # C2 may now hold C1's old stop id
    assert followups.from_unserved(world, DAY, "lunch") == 1
    _store_unserved(world, ["C1"], service="dinner")
    assert followups.from_unserved(world, DAY, "dinner") == 1
    assert followups.collect(world) == 0
    assert _tasks(world) == [("C1", DAY, "dinner"), ("C1", DAY, "lunch"), ("C2", DAY, "lunch")]
    assert world.scalar(select(func.count(FollowUp.id))) == 3


def test_reassign_to_another_worker_is_audited(world: Session) -> None:
    """A manager gives an open task to worker w2: the assignee changes and the audit names
    both; a non-worker or unknown user is refused, and so is a closed task."""
    _store_unserved(world, ["C1"])
    followups.from_unserved(world, DAY, "lunch")
    task = world.scalar(select(FollowUp))
    assert task is not None
    followups.reassign(world, task.id, "w2", actor="m")
    assert world.get(FollowUp, task.id).assignee == "w2"  # type: ignore[union-attr]
    entry = world.scalar(select(AuditEntry).where(AuditEntry.action == "reassign"))
    assert entry is not None and entry.actor == "m" and "w2" in json.dumps(entry.details)
    for who in ("m", "nobody", ""):
        with pytest.raises(RecordValidationError, match="not an active community worker"):
            followups.reassign(world, task.id, who, actor="m")
    world.scalar(select(User).where(User.username == "w1")).active = False  # type: ignore[union-attr]
    with pytest.raises(RecordValidationError):
        followups.reassign(world, task.id, "w1", actor="m")
    followups.close(world, task.id, "电话联系，已补送", user="w2")
    with pytest.raises(RecordValidationError, match="already closed"):
        followups.reassign(world, task.id, "w2", actor="m")


@pytest.fixture
def cli_world(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Iterator[Settings]:
    """The world committed, and the daily plan replaced by one that stores C1's lunch as
    unserved the way the planner does (the planner itself is tested elsewhere)."""
    with unit_of_work(settings) as s:
        _world(s)

    def fake_plan(cfg: Settings, day: dt.date, service: str, **_: Any) -> DailyPlanResult:
        with unit_of_work(cfg) as s:
            _store_unserved(s, ["C1"], service)
        return DailyPlanResult(date=day, service=service, run_id=1, out_dir=Path("."), ok=True)

    monkeypatch.setattr("mealplan.cli.plan.run_daily_plan", fake_plan)
    yield settings


def test_plan_command_opens_the_follow_ups(cli_world: Settings) -> None:
    """``mealplan plan`` opens C1's task as soon as the plan is stored (said in its JSON);
    running it again opens none."""
    runner = CliRunner()
    first = runner.invoke(main, ["plan", "--date", DAY.isoformat(), "--json"])
    assert first.exit_code == 0, first.output
    assert json.loads(first.stdout)["follow_ups"] == 1
    again = runner.invoke(main, ["plan", "--date", DAY.isoformat()])
    assert again.exit_code == 0, again.output
    assert "follow-ups" not in again.stdout
    with unit_of_work(cli_world) as s:
        assert _tasks(s) == [("C1", DAY, "lunch")]
        task = s.scalar(select(FollowUp))
        assert task is not None and task.status == "open"
        assert task.due_date > DAY


def test_routes_command_opens_the_follow_ups(
    cli_world: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``mealplan routes`` (routes only, stored) opens the follow-ups of the meals it leaves
    unserved too, and says so in its JSON; again, none."""

    class Stored:
        has_plan = True
        warnings: list[str] = []

        def summary(self) -> str:
            return "stored"

    def fake_routes(session: Session, day: dt.date, service: str, *_: Any, **__: Any) -> Any:
        _store_unserved(session, ["C2"], service)
        return Stored()

    monkeypatch.setattr("mealplan.cli.routes.plan_routes", fake_routes)
    runner = CliRunner()
    first = runner.invoke(main, ["routes", "--date", DAY.isoformat(), "--format", "json"])
    assert first.exit_code == 0, first.output
    assert json.loads(first.stdout)["follow_ups"] == 1
    again = runner.invoke(main, ["routes", "--date", DAY.isoformat()])
    assert again.exit_code == 0, again.output
    assert "follow-ups" not in again.stdout
    with unit_of_work(cli_world) as s:
        assert _tasks(s) == [("C2", DAY, "lunch")]


@pytest.mark.slow
def test_real_plan_opens_the_follow_up_of_an_unreachable_elder(
    kitchen_world: Settings,  # noqa: F811 (the fixture imported above)
    tmp_path: Path,
) -> None:
    """End to end with the real planner: an elder whose delivery window closes before any
    vehicle's shift starts is stored as unserved and has one open follow-up right after
    ``mealplan plan``; planning the day again opens no second one."""
    with unit_of_work(kitchen_world) as s:
        k = s.scalar(select(Kitchen))
        profile = s.scalar(select(DietProfile).where(DietProfile.code == "low_sodium"))
        assert k is not None and profile is not None
        s.add(Client(code="H9", name="赵奶奶", address="远方路 9 号", lat=30.3, lon=120.14,
                     diet_profile_id=profile.id, lunch_days="1234567", window_start_min=360,
                     window_end_min=370, category="age_80", kitchen_id=k.id))  # fmt: skip
    runner = CliRunner()
    for _ in range(2):
        result = runner.invoke(main, ["plan", "--date", PLAN_DAY.isoformat(),
                                      "--out", str(tmp_path / "out")])  # fmt: skip
        assert result.exit_code == 0, result.output
    with unit_of_work(kitchen_world) as s:
        unserved = s.scalars(select(UnservedStop.client_id).where(UnservedStop.date == PLAN_DAY))
        h9 = s.scalar(select(Client.id).where(Client.code == "H9"))
        assert h9 in set(unserved)
        tasks = s.execute(
            select(Client.code, FollowUp.service, FollowUp.status)
            .join(Client, Client.id == FollowUp.client_id)
            .where(FollowUp.source == "unserved")
        ).all()
        assert [tuple(t) for t in tasks if t[0] == "H9"] == [("H9", "lunch", "open")]
