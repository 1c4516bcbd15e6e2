"""Background plan jobs (mealplan.services.jobs) and the daily plan pages: start, progress,
refusal of a second job, lost jobs, status JSON, documents and download path safety."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from mealplan.config import Settings
from mealplan.db.models import PlanRun
from mealplan.db.session import session_factory
from mealplan.planning.demand import day_demand
from mealplan.planning.runs import RunRecorder
from mealplan.services import headcounts, jobs, reports
from web import create_app

pytestmark = pytest.mark.db

DAY = dt.date(2025, 3, 3)  # a Monday


class FakeRunner:
    """Plays a job in-process instead of starting a process: records the command and the
    run's status at launch, then (unless ``finish`` is False) drives the run through
    running to done with two stages and writes small documents into the output folder."""

    def __init__(self, settings: Settings, *, finish: bool = True) -> None:
        self.settings = settings
        self.finish = finish
        self.calls: list[list[str]] = []
        self.status_at_launch: list[str] = []

    def __call__(self, command: Sequence[str], env: Mapping[str, str], log: Path) -> int | None:
        self.calls.append(list(command))
        run_id = int(command[command.index("--run-id") + 1])
        factory = session_factory(self.settings)
        with factory() as s:
            run = s.get(PlanRun, run_id)
            assert run is not None
            self.status_at_launch.append(run.status)
            kind, date, service = run.kind, run.date, run.service
        assert env["MEALPLAN_DATABASE_URL"] == self.settings.database_url
        log.write_text("fake job\n", encoding="utf-8")
        if not self.finish:
            return None
        recorder = RunRecorder.start(factory, kind, date, service, {"fake": True}, run_id=run_id)
        recorder.stage("demand", 0.1)
        recorder.stage("routes", 0.5)
        recorder.warnings.append("site S2 (东湖助餐点) has no report and no history")
        output: dict[str, Any] = {}
        if "--out" in command:
            out = Path(command[command.index("--out") + 1])
            out.mkdir(parents=True, exist_ok=True)
            for key, name in jobs.DAILY_FILES.items():
                (out / name).write_bytes(b"%PDF-1.4 fake " + key.encode())
            output = {"dir": str(out), "files": dict(jobs.DAILY_FILES)}
        figures = {
            "meals": 12,
            "routes": 1,
            "profiles_without_menu": ["regular"],
            "one_meal_trips": [{"kitchen": "K1", "trip": "V1-1", "reason": "window"}],
        }
        recorder.finish("done", figures=figures, output=output)  # fmt: skip
        return None


@pytest.fixture
def fake(settings: Settings) -> FakeRunner:
    return FakeRunner(settings)


@pytest.fixture
def fake_app(settings: Settings, app_config: dict[str, Any], fake: FakeRunner) -> Flask:
    return create_app({**app_config, "MEALPLAN_SETTINGS": settings, "JOB_RUNNER": fake})


@pytest.fixture
def fclient(fake_app: Flask) -> FlaskClient:
    return fake_app.test_client()


def _login(client: FlaskClient, make_user: Any, role: str, language: str = "en") -> None:
    user = make_user(role, language=language)
    response = client.post(
        "/login", data={"username": user.username, "password": "correct horse 1"}
    )
    assert response.status_code == 302


def _run(session: Session, run_id: int) -> PlanRun:
    session.expire_all()
    run = session.get(PlanRun, run_id)
    assert run is not None
    return run


# --------------------------------------------------------------------------- the service


def test_start_job_queues_then_runner_completes(
    settings: Settings, session: Session, fake: FakeRunner
) -> None:
    """The row is queued when the runner starts; the job moves it through running to done."""
    run_id = jobs.start_job(settings, "daily", DAY, "lunch", {}, runner=fake, actor="wang")
    assert fake.status_at_launch == ["queued"]
    run = _run(session, run_id)
    assert (run.kind, run.date, run.service, run.status) == ("daily", DAY, "lunch", "done")
    assert run.progress == 1.0
    assert set(run.timings) == {"demand", "routes"}
    status = jobs.job_status(settings, session, run_id)
    assert status is not None and status.finished
    assert status.files == tuple(jobs.DAILY_FILES)


def test_job_commands_are_the_cli(settings: Settings) -> None:
    """The daily job runs `python -m mealplan plan`, the menu job `menu plan`, with --run-id."""
    daily = jobs.job_command(settings, "daily", DAY, "lunch", {}, 7)
    assert daily[:4] == [sys.executable, "-m", "mealplan", "plan"]
    assert daily[daily.index("--date") + 1] == "2025-03-03"
    assert daily[daily.index("--out") + 1] == str(settings.instance_path / "runs" / "7")
    assert daily[-2:] == ["--run-id", "7"]
    menu = jobs.job_command(settings, "menu", DAY, "lunch,dinner", {"days": 7}, 8)
    assert menu[3:9] == ["menu", "plan", "--start", "2025-03-03", "--days", "7"]
    assert menu[menu.index("--services") + 1] == "lunch,dinner"


def test_second_start_refused_while_one_runs(settings: Settings, session: Session) -> None:
    """While a job for the same kind/date/service is queued, a second start is refused;
    another service or kind may start."""
    stuck = FakeRunner(settings, finish=False)
    first = jobs.start_job(settings, "daily", DAY, "lunch", {}, runner=stuck)
    with pytest.raises(jobs.JobConflictError) as err:
        jobs.start_job(settings, "daily", DAY, "lunch", {}, runner=stuck)
    assert err.value.run_id == first
    assert "already queued or running" in str(err.value)
    jobs.start_job(settings, "daily", DAY, "dinner", {}, runner=stuck)
    jobs.start_job(settings, "menu", DAY, "lunch", {}, runner=stuck)
    assert len(stuck.calls) == 3


def test_lost_job_is_marked_failed_and_frees_the_slot(settings: Settings, session: Session) -> None:
    """A queued job whose process is gone becomes failed when looked at; a new one may start."""
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()

    def runner(command: Sequence[str], env: Mapping[str, str], log: Path) -> int:
        return dead.pid

    run_id = jobs.start_job(settings, "daily", DAY, "lunch", {}, runner=runner)
    status = jobs.job_status(settings, session, run_id)
    session.commit()
    assert status is not None and status.status == "failed"
    assert "ended without finishing" in status.error
    again = jobs.start_job(settings, "daily", DAY, "lunch", {}, runner=FakeRunner(settings))
    assert _run(session, again).status == "done"


def test_runner_error_is_recorded(settings: Settings, session: Session) -> None:
    """A runner that cannot launch leaves a failed run with the reason, not a queued one."""

    def broken(command: Sequence[str], env: Mapping[str, str], log: Path) -> int:
        raise OSError("no such interpreter")

    with pytest.raises(jobs.JobError, match="could not be started"):
        jobs.start_job(settings, "daily", DAY, "lunch", {}, runner=broken)
    (run,) = session.query(PlanRun).all()
    assert run.status == "failed" and "no such interpreter" in run.error


def test_bad_kind_service_and_days_refused(settings: Settings) -> None:
    """Unknown kinds and services, a two-service daily plan and silly day counts are refused."""
    with pytest.raises(jobs.JobError):
        jobs.start_job(settings, "routes", DAY, "lunch", {})
    with pytest.raises(jobs.JobError):
        jobs.start_job(settings, "daily", DAY, "brunch", {})
    with pytest.raises(jobs.JobError):
        jobs.start_job(settings, "daily", DAY, "lunch,dinner", {})
    with pytest.raises(jobs.JobError):
        jobs.start_job(settings, "menu", DAY, "lunch", {"days": 90})


def test_subprocess_runner_detaches_and_logs(tmp_path: Path) -> None:
    """The real runner starts the command in its own session with output in the log file."""
    log = tmp_path / "jobs" / "1.log"
    code = "import os, time; print('sid', os.getsid(0)); time.sleep(0.3)"
    pid = jobs.subprocess_runner([sys.executable, "-c", code], dict(os.environ), log)
    assert os.getsid(pid) == pid != os.getsid(0)  # a new session led by the job
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and "sid" not in log.read_text(encoding="utf-8"):
        time.sleep(0.05)
    assert f"sid {pid}" in log.read_text(encoding="utf-8")


@pytest.mark.slow
def test_real_job_finishes_in_the_background(settings: Settings, session: Session) -> None:
    """A real `python -m mealplan plan` job returns at once and ends done or failed
    (failed when the plan command is missing or the database is empty), with a log."""
    started = time.monotonic()
    run_id = jobs.start_job(settings, "daily", DAY, "lunch", {})
    assert time.monotonic() - started < 5
    deadline = time.monotonic() + 120
    status = jobs.job_status(settings, session, run_id)
    while status is not None and not status.finished and time.monotonic() < deadline:
        time.sleep(0.5)
        session.expire_all()
        status = jobs.job_status(settings, session, run_id)
        session.commit()
    assert status is not None and status.finished, status
    assert jobs.log_path(settings, run_id).exists()


def test_output_file_stays_inside_the_instance(settings: Settings, session: Session) -> None:
    """Files outside the instance folder, escaping names, symlinks out and unknown keys
    give None; a file inside is served."""
    inside = settings.instance_path / "runs" / "1"
    inside.mkdir(parents=True)
    (inside / "route_sheets.pdf").write_bytes(b"%PDF")
    outside = settings.instance_path.parent / "elsewhere"
    outside.mkdir()
    (outside / "secret.txt").write_text("secret", encoding="utf-8")
    (inside / "link.pdf").symlink_to(outside / "secret.txt")
    run = PlanRun(
        kind="daily",
        date=DAY,
        service="lunch",
        status="done",
        output={
            "dir": str(inside),
            "files": {
                "route_sheets": "route_sheets.pdf",
                "escape": "../../../elsewhere/secret.txt",
                "absolute": str(outside / "secret.txt"),
                "link": "link.pdf",
                "missing": "labels.pdf",
            },
        },
    )
    assert jobs.output_file(settings, run, "route_sheets") == (inside / "route_sheets.pdf")
    for key in ("escape", "absolute", "link", "missing", "nope"):
        assert jobs.output_file(settings, run, key) is None, key
    run.output = {"dir": str(outside), "files": {"x": "secret.txt"}}
    assert jobs.output_file(settings, run, "x") is None


# --------------------------------------------------------------------------- the pages


def test_run_button_starts_job_and_redirects_to_status(
    fclient: FlaskClient, make_user: Any, world: Any, session: Session, fake: FakeRunner
) -> None:
    """The manager's 'run the plan' starts a daily job and lands on its status page,
    which shows the warnings, figures, stage timings and every document link."""
    _login(fclient, make_user, "manager")
    response = fclient.post("/plans/run", data={"date": DAY.isoformat(), "service": "lunch"})
    assert response.status_code == 302
    run_id = int(response.headers["Location"].rstrip("/").rsplit("/", 1)[1])
    assert fake.calls and fake.calls[0][fake.calls[0].index("--date") + 1] == "2025-03-03"
    html = fclient.get(f"/plans/{run_id}").get_data(as_text=True)
    assert "has no report and no history" in html
    assert 'id="figures"' in html and "Meals" in html  # figure names, not keys
    figures = html.split('id="figures"', 1)[1].split("</dl>", 1)[0]
    assert "<dt>One-meal trips</dt><dd>1</dd>" in figures  # a count, not the list
    assert "[" not in figures and "regular" not in figures  # the diet by name
    assert 'id="timings"' in html and "demand" in html
    for key in jobs.DAILY_FILES:
        assert f"/plans/{run_id}/files/{key}" in html
    page = fclient.get("/plans/")
    assert f"/plans/{run_id}" in page.get_data(as_text=True)


def test_second_click_is_refused_with_a_message(
    settings: Settings, app_config: dict[str, Any], make_user: Any, world: Any
) -> None:
    """Clicking 'run' while the same plan runs says so and shows the running job."""
    stuck = FakeRunner(settings, finish=False)
    app = create_app({**app_config, "MEALPLAN_SETTINGS": settings, "JOB_RUNNER": stuck})
    client = app.test_client()
    _login(client, make_user, "dispatcher")
    data = {"date": DAY.isoformat(), "service": "lunch"}
    first = client.post("/plans/run", data=data)
    second = client.post("/plans/run", data=data, follow_redirects=True)
    assert first.headers["Location"] == second.request.path
    assert "already running" in second.get_data(as_text=True)
    assert len(stuck.calls) == 1


def test_status_json_reports_progress(
    fclient: FlaskClient, make_user: Any, world: Any, session: Session, settings: Settings
) -> None:
    """The status endpoint gives stage, percent and, when done, the document links."""
    run = PlanRun(
        kind="daily", date=DAY, service="lunch", status="running", stage="routes", progress=0.42
    )
    session.add(run)
    session.commit()
    _login(fclient, make_user, "viewer")
    body = fclient.get(f"/plans/{run.id}/status").get_json()
    assert body["status"] == "running" and body["percent"] == 42
    assert body["stage"] == "routes" and body["finished"] is False
    assert body["links"] == {}
    out = settings.instance_path / "runs" / str(run.id)
    out.mkdir(parents=True)
    (out / "labels.pdf").write_bytes(b"%PDF")
    run.status, run.progress = "done", 1.0
    run.output = {"dir": str(out), "files": {"labels": "labels.pdf", "production": "p.pdf"}}
    session.commit()
    body = fclient.get(f"/plans/{run.id}/status").get_json()
    assert body["finished"] is True
    assert body["links"] == {"labels": f"/plans/{run.id}/files/labels"}
    assert fclient.get("/plans/9999/status").status_code == 404


def test_download_serves_inside_files_only(
    fclient: FlaskClient, make_user: Any, world: Any, session: Session, settings: Settings
) -> None:
    """A document of the run downloads; a path outside the instance folder is a 404."""
    out = settings.instance_path / "runs" / "x"
    out.mkdir(parents=True)
    (out / "purchase.xlsx").write_bytes(b"PK fake")
    (settings.instance_path.parent / "passwd").write_text("root", encoding="utf-8")
    run = PlanRun(
        kind="daily",
        date=DAY,
        service="lunch",
        status="done",
        output={
            "dir": str(out),
            "files": {"purchase_xlsx": "purchase.xlsx", "evil": "../../../passwd"},
        },
    )
    session.add(run)
    session.commit()
    _login(fclient, make_user, "dispatcher")
    ok = fclient.get(f"/plans/{run.id}/files/purchase_xlsx")
    assert ok.status_code == 200 and ok.data == b"PK fake"
    assert "attachment" in ok.headers["Content-Disposition"]
    ok.close()
    assert fclient.get(f"/plans/{run.id}/files/evil").status_code == 404
    assert fclient.get(f"/plans/{run.id}/files/labels").status_code == 404
    assert fclient.get(f"/plans/{run.id + 1}/files/purchase_xlsx").status_code == 404


def test_failed_run_shows_error_and_log(
    fclient: FlaskClient, make_user: Any, world: Any, session: Session, settings: Settings
) -> None:
    """A failed run shows its error and the last lines of the job log."""
    run = PlanRun(
        kind="daily", date=DAY, service="lunch", status="failed", error="no vehicles", progress=1
    )
    session.add(run)
    session.commit()
    jobs.log_path(settings, run.id).parent.mkdir(parents=True, exist_ok=True)
    jobs.log_path(settings, run.id).write_text("line 1\nTraceback: boom\n", encoding="utf-8")
    _login(fclient, make_user, "manager")
    html = fclient.get(f"/plans/{run.id}").get_data(as_text=True)
    assert "no vehicles" in html and "Traceback: boom" in html


def test_viewer_sees_no_run_button(fclient: FlaskClient, make_user: Any, world: Any) -> None:
    """Viewers may read the plans page but get no 'run the plan' form."""
    _login(fclient, make_user, "viewer")
    html = fclient.get("/plans/").get_data(as_text=True)
    assert 'id="run-form"' not in html


def test_status_page_in_chinese(
    fclient: FlaskClient, make_user: Any, world: Any, session: Session
) -> None:
    """The status page speaks Chinese by default (status and stage labels)."""
    run = PlanRun(kind="daily", date=DAY, service="lunch", status="running", stage="routes")
    session.add(run)
    session.commit()
    _login(fclient, make_user, "manager", language="zh_Hans_CN")
    html = fclient.get(f"/plans/{run.id}").get_data(as_text=True)
    assert "运行中" in html and "路线" in html


# --------------------------------------------------------------------------- dashboard


def test_dashboard_uses_the_planners_forecast(
    session: Session, world: Any, make_home_client: Any
) -> None:
    """The dashboard's figures are day_demand's: S1 forecast from its same-weekday
    history ((10 + 14) / 2 = 12), S2 missing, one home subscription."""
    for weeks, n in ((1, 10), (2, 14)):
        headcounts.record_headcounts(
            session,
            "S1",
            DAY - dt.timedelta(weeks=weeks),
            "lunch",
            {"regular": n},
            "t",
            allow_late=True,
        )
    make_home_client("C1")
    session.commit()
    summary = reports.day_summary(session, DAY, "lunch")
    demand = day_demand(session, DAY, "lunch")
    assert {p.code: p.total for p in summary.profiles} == demand.meals_by_profile()
    assert [(s.site_code, s.status, s.total) for s in summary.sites] == [
        ("S1", "forecast", 12),
        ("S2", "missing", 0),
    ]
    assert summary.home_clients == len(demand.homes) == 1


def test_settings_replace_keeps_instance(settings: Settings) -> None:
    """Jobs write their logs and outputs under the instance folder of the settings."""
    other = replace(settings, instance_path=settings.instance_path / "sub")
    assert jobs.log_path(other, 3) == settings.instance_path / "sub" / "jobs" / "3.log"
    assert jobs.output_dir(other, 3) == settings.instance_path / "sub" / "runs" / "3"


def test_a_kitchens_own_document_is_labelled_with_its_code(app: Flask) -> None:
    """With several kitchens a run's files are per kitchen (``production@K2``); the status
    page labels them like the day's file, followed by the kitchen's code."""
    from web.plans.common import file_label

    with app.test_request_context("/"):
        assert file_label("production@K2") == file_label("production") + " · K2"
        assert file_label("something") == "something"


def test_status_page_shows_the_fleet_bound_and_what_if(
    fclient: FlaskClient, make_user: Any, world: Any, session: Session, settings: Settings
) -> None:
    """A finished daily run's page shows each kitchen's bound (trips and vehicle-minutes
    needed of available, proven short) and the what-if that serves everyone, from its
    plan.json, in Chinese."""
    out = settings.instance_path / "runs" / "fleet"
    out.mkdir(parents=True)
    plan = {
        "objective": {"bound": {"K1": {"trips_needed": 58, "trips_available": 56,
                                       "minutes_needed": 4100, "minutes_available": 4000,
                                       "binding": "trips", "fleet_short": True}}},
        "what_if": {"K1": {"found": True, "change": "add_vehicles", "count": 2,
                           "vehicle_kind": "e_tricycle@15", "kitchen": "K1", "minutes": 0,
                           "unserved_meals": 0, "runs": 1, "text": ""}},
    }  # fmt: skip
    (out / "plan.json").write_text(__import__("json").dumps(plan), encoding="utf-8")
    run = PlanRun(kind="daily", date=DAY, service="lunch", status="done", progress=1,
                  output={"dir": str(out), "files": {"plan_json": "plan.json"}})  # fmt: skip
    session.add(run)
    session.commit()
    _login(fclient, make_user, "manager", language="zh_Hans_CN")
    html = fclient.get(f"/plans/{run.id}").get_data(as_text=True)
    assert 'id="fleet"' in html and 'data-kitchen="K1"' in html
    assert "58 / 56" in html and "4100 / 4000" in html
    assert "已证明车辆不足" in html
    assert "在厨房 K1 增加 2 辆 e_tricycle@15" in html
