"""The daily plan under faults: a busy database, an output folder that cannot be swapped
in or written, SIGTERM, kill -9 (stale runs and staging folders), workers whose parent
died."""

from __future__ import annotations

import errno
import os
import sqlite3
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select
from test_daily_plan import DAY, kitchen_world  # noqa: F401  (the small kitchen's fixture)

from mealplan.cli import main
from mealplan.config import Settings
from mealplan.db import session as db_session
from mealplan.db.models import Headcount, PlanRun, Route, RouteStop, Site
from mealplan.db.session import dispose_engines, session_factory, unit_of_work
from mealplan.planning import daily
from mealplan.planning.daily import run_daily_plan
from mealplan.planning.runs import RunRecorder, sweep_staging, sweep_stale_runs
from mealplan.services import users

pytestmark = [pytest.mark.db]


def _sqlite_file(settings: Settings) -> str:
    if not settings.database_url.startswith("sqlite"):
        pytest.skip("SQLite's single writer lock")
    return settings.database_url.split("///", 1)[1]


@pytest.fixture
def short_busy_timeout(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Writers give up after 1 s instead of 15 s (new engines pick it up)."""
    dispose_engines()
    monkeypatch.setattr(db_session, "BUSY_TIMEOUT_S", 1)
    yield
    dispose_engines()


@contextmanager
def _write_locked(settings: Settings) -> Iterator[None]:
    """Another program holds SQLite's write lock within the block."""
    conn = sqlite3.connect(_sqlite_file(settings), isolation_level=None, timeout=5)
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield
    finally:
        conn.execute("ROLLBACK")
        conn.close()


def _dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


# --------------------------------------------------------------------------- busy database


def test_cli_on_a_locked_database_exits_2_with_a_clean_message(
    settings: Settings, short_busy_timeout: None
) -> None:
    """`user create` while another writer holds the lock: exit 2, one line saying the
    database is busy, no traceback."""
    with _write_locked(settings):
        result = CliRunner().invoke(
            main,
            ["user", "create", "--username", "ann", "--role", "viewer", "--password-stdin"],
            input="pw-123456789\n",
        )
    assert result.exit_code == 2, result.output
    assert "database is busy" in result.output
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_panel_on_a_locked_database_answers_503_in_chinese(
    settings: Settings, short_busy_timeout: None
) -> None:
    """A panel write while another writer holds the lock: 503 with a Chinese page, not 500."""
    from web import create_app

    app = create_app({"TESTING": True, "WTF_CSRF_ENABLED": False, "SECRET_KEY": "t",
                      "MEALPLAN_SETTINGS": settings})  # fmt: skip
    with unit_of_work(settings) as s:
        users.create_user(s, "ann", "pw-123456789", "viewer", actor="test")
    with _write_locked(settings):  # a failed login writes the failure count
        response = app.test_client().post("/login", data={"username": "ann", "password": "x"})
    assert response.status_code == 503
    assert "数据库正忙" in response.get_data(as_text=True)


def test_the_plan_holds_no_write_lock_while_it_computes(
    kitchen_world: Settings,  # noqa: F811
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """While the routes are being planned another program can take SQLite's write lock at
    once: the plan writes in one short transaction at the end."""
    path = _sqlite_file(kitchen_world)
    probes: list[str] = []
    real = daily.stages.plan_routes

    def probe(*args: Any, **kwargs: Any) -> Any:
        conn = sqlite3.connect(path, isolation_level=None, timeout=0.2)
        try:
            conn.execute("BEGIN IMMEDIATE")
            conn.execute("ROLLBACK")
            probes.append("free")
        except sqlite3.OperationalError as exc:
            probes.append(str(exc))
        finally:
            conn.close()
        return real(*args, **kwargs)

    monkeypatch.setattr(daily.stages, "plan_routes", probe)
    result = run_daily_plan(kitchen_world, DAY, out_dir=tmp_path / "out", seed=5,
                            routing_time_limit_s=2)  # fmt: skip
    assert result.ok and probes and set(probes) == {"free"}


# --------------------------------------------------------------------------- documents + commit


def _snapshot(settings: Settings) -> list[tuple[Any, ...]]:
    """The stored plan: every route stop with its meals, and the day's headcounts."""
    with unit_of_work(settings) as s:
        stops = s.execute(select(RouteStop.site_id, RouteStop.client_id, RouteStop.meals)
                          .order_by(RouteStop.id)).all()  # fmt: skip
        counts = s.execute(select(Headcount.site_id, Headcount.count, Headcount.source)
                           .where(Headcount.date == DAY).order_by(Headcount.id)).all()  # fmt: skip
        return [tuple(r) for r in stops] + [tuple(r) for r in counts]


def _report_c1_again(settings: Settings) -> None:
    """C1 corrects today's count (so that a new plan differs from the stored one)."""
    with unit_of_work(settings) as s:
        row = s.scalar(select(Headcount).join(Site, Headcount.site_id == Site.id).where(
            Headcount.date == DAY, Site.code == "C1", Headcount.count == 30))  # fmt: skip
        assert row is not None
        row.count = 37


def test_a_folder_that_cannot_be_swapped_in_commits_nothing(
    kitchen_world: Settings,  # noqa: F811
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """When the new documents cannot replace the old folder, the new plan is not committed:
    the old documents and the old stored plan stay, the run is failed, exit 2 naming the
    folder."""
    out = tmp_path / "out"
    run_daily_plan(kitchen_world, DAY, out_dir=out, seed=5, routing_time_limit_s=2)
    before_docs = (out / "plan.json").read_text("utf-8")
    _report_c1_again(kitchen_world)
    before_db = _snapshot(kitchen_world)
    real_rename = Path.rename

    def rename(self: Path, target: Any) -> Any:
        if Path(target) == out.resolve() and ".tmp-" in self.name:
            raise PermissionError(errno.EACCES, "Permission denied", str(out))
        return real_rename(self, target)

    monkeypatch.setattr(Path, "rename", rename)
    result = CliRunner().invoke(main, ["plan", "--date", DAY.isoformat(), "--out", str(out),
                                       "--seed", "5", "--time-limit", "2"])  # fmt: skip
    assert result.exit_code == 2, result.output
    assert str(out) in result.output and "Traceback" not in result.output
    assert (out / "plan.json").read_text("utf-8") == before_docs
    assert _snapshot(kitchen_world) == before_db
    assert not list(tmp_path.glob(".out.*"))
    with unit_of_work(kitchen_world) as s:
        assert s.scalars(select(PlanRun.status).order_by(PlanRun.id)).all() == ["done", "failed"]


def test_a_failed_commit_puts_the_old_documents_back(
    kitchen_world: Settings,  # noqa: F811
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """When the commit fails after the swap, the old documents are put back."""
    out = tmp_path / "out"
    run_daily_plan(kitchen_world, DAY, out_dir=out, seed=5, routing_time_limit_s=2)
    before_docs = (out / "plan.json").read_text("utf-8")
    _report_c1_again(kitchen_world)
    before_db = _snapshot(kitchen_world)
    real_swap = daily._swap_in

    def swap_then_break_commit(staging: Path, target: Path) -> Path | None:
        old = real_swap(staging, target)
        from sqlalchemy.orm import Session

        def fail(self: Session) -> None:
            raise RuntimeError("the disk under the database failed")

        monkeypatch.setattr(Session, "commit", fail)
        return old

    monkeypatch.setattr(daily, "_swap_in", swap_then_break_commit)
    with pytest.raises(RuntimeError):
        run_daily_plan(kitchen_world, DAY, out_dir=out, seed=5, routing_time_limit_s=2)
    monkeypatch.undo()
    assert (out / "plan.json").read_text("utf-8") == before_docs
    assert _snapshot(kitchen_world) == before_db


def test_an_unwritable_output_disk_is_a_clean_error_and_stores_nothing(
    kitchen_world: Settings,  # noqa: F811
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A full (or read-only) output disk: exit 2 naming the path, no traceback, nothing
    stored, no staging folder left."""
    before_db = _snapshot(kitchen_world)
    out = tmp_path / "out"
    real_write = Path.write_bytes

    def full(self: Path, data: Any) -> int:
        if ".tmp-" in str(self.parent):
            raise OSError(errno.ENOSPC, "No space left on device", str(self))
        return real_write(self, data)

    monkeypatch.setattr(Path, "write_bytes", full)
    result = CliRunner().invoke(main, ["plan", "--date", DAY.isoformat(), "--out", str(out),
                                       "--seed", "5", "--time-limit", "2"])  # fmt: skip
    assert result.exit_code == 2, result.output
    assert "No space left on device" in result.output and str(tmp_path) in result.output
    assert "Traceback" not in result.output
    assert _snapshot(kitchen_world) == before_db
    assert not out.exists() and not list(tmp_path.glob(".out.*"))


def test_a_read_only_output_folder_is_a_clean_error(
    kitchen_world: Settings,  # noqa: F811
    tmp_path: Path,
) -> None:
    """An output path under a file (as a read-only mount, nothing can be made there):
    exit 2 naming the path before anything is planned."""
    blocker = tmp_path / "blocker"
    blocker.write_text("x")
    result = CliRunner().invoke(main, ["plan", "--date", DAY.isoformat(), "--out",
                                       str(blocker / "out")])  # fmt: skip
    assert result.exit_code == 2, result.output
    assert str(blocker) in result.output and "Traceback" not in result.output
    with unit_of_work(kitchen_world) as s:
        assert s.scalar(select(func.count()).select_from(Route)) == 0


# --------------------------------------------------------------------------- killed runs


def test_stale_runs_and_staging_folders_are_swept(settings: Settings, tmp_path: Path) -> None:
    """A `running` run whose process is gone is marked killed; its staging folder goes; an
    old folder left between the two renames of a swap is put back; live ones stay."""
    factory = session_factory(settings)
    dead = _dead_pid()
    with factory() as s:
        s.add(PlanRun(kind="daily", date=DAY, service="lunch", status="running",
                      inputs={"holder": f"{os.uname().nodename}:{dead}"}))  # fmt: skip
        s.add(PlanRun(kind="daily", date=DAY, service="dinner", status="running",
                      inputs={"holder": f"{os.uname().nodename}:{os.getpid()}"}))  # fmt: skip
        s.commit()
    assert len(sweep_stale_runs(factory)) == 1
    with factory() as s:
        assert s.scalars(select(PlanRun.status).order_by(PlanRun.id)).all() == [
            "killed",
            "running",
        ]
    plans = tmp_path / "plans"
    out = plans / "lunch"
    (plans / f".lunch.tmp-{dead}").mkdir(parents=True)
    (plans / f".lunch.old-{dead}").mkdir()
    (plans / f".lunch.old-{dead}" / "plan.json").write_text("{}")
    (plans / f".lunch.tmp-{os.getpid()}").mkdir()  # this process's own: not touched here
    sweep_staging(out)
    assert sorted(p.name for p in plans.iterdir()) == [f".lunch.tmp-{os.getpid()}", "lunch"]
    assert (out / "plan.json").read_text() == "{}"


def test_the_job_list_marks_a_killed_run(settings: Settings) -> None:
    """The panel's job list shows a run whose process was killed with -9 as killed."""
    from mealplan.services import jobs

    factory = session_factory(settings)
    recorder = RunRecorder.start(factory, "daily", DAY, "lunch", {})
    with factory() as s:
        run = s.get(PlanRun, recorder.run_id)
        assert run is not None
        run.inputs = {**run.inputs, "holder": f"{os.uname().nodename}:{_dead_pid()}"}
        s.commit()
    with factory() as s:
        assert [r.status for r in jobs.recent_runs(settings, s)] == ["killed"]


_TERM_SCRIPT = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from mealplan.config import load_settings
    from mealplan.planning import daily
    from mealplan.planning.daily import run_daily_plan
    import datetime as dt

    def slow(*args, **kwargs):
        print("routing", flush=True)
        time.sleep(120)

    daily.stages.plan_routes = slow
    run_daily_plan(load_settings(), dt.date.fromisoformat(sys.argv[1]),
                   out_dir=Path(sys.argv[2]))
    """
)


@pytest.mark.slow
def test_sigterm_ends_the_run_as_killed(
    kitchen_world: Settings,  # noqa: F811
    tmp_path: Path,
) -> None:
    """SIGTERM during a run: exit 143, the run is killed, no staging folder stays."""
    out = tmp_path / "out"
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    proc = subprocess.Popen([sys.executable, "-c", _TERM_SCRIPT, DAY.isoformat(), str(out)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=env)  # fmt: skip
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline().strip()
        assert line == "routing", proc.communicate(timeout=60)[1]
        assert list(tmp_path.glob(".out.tmp-*"))
        proc.terminate()
        assert proc.wait(timeout=60) == 143
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.communicate()
    assert not list(tmp_path.glob(".out.*")) and not out.exists()
    with unit_of_work(kitchen_world) as s:
        run = s.scalars(select(PlanRun)).one()
        assert run.status == "killed" and "SIGTERM" in run.error


_PARENT_SCRIPT = textwrap.dedent(
    """
    import os, sys, time
    from mealplan.parallel import run_each

    def sleeper(path):
        with open(path, "w") as fh:
            fh.write(str(os.getpid()))
        time.sleep(300)

    if __name__ == "__main__":
        for _ in run_each(sleeper, [(sys.argv[1] + "/a",), (sys.argv[1] + "/b",)], 2):
            pass
    """
)


@pytest.mark.slow
def test_workers_exit_with_their_parent(tmp_path: Path) -> None:
    """Worker processes of a parent killed with -9 exit too."""
    script = tmp_path / "parent.py"
    script.write_text(_PARENT_SCRIPT)
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    parent = subprocess.Popen([sys.executable, str(script), str(tmp_path)], env=env)
    pids: list[int] = []
    for _ in range(600):
        if all((tmp_path / n).exists() and (tmp_path / n).read_text() for n in "ab"):
            pids = [int((tmp_path / n).read_text()) for n in "ab"]
            break
        time.sleep(0.1)
    assert len(pids) == 2
    parent.kill()
    parent.wait()
    alive = pids
    for _ in range(100):
        alive = [p for p in pids if _alive(p)]
        if not alive:
            break
        time.sleep(0.1)
    assert alive == []


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rpartition(")")[2].split()[:1] != ["Z"]
