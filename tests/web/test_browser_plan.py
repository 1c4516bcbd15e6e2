"""End-to-end in headless Chromium: the manager runs the daily plan, watches the progress
bar reach done (surviving a reload), downloads the route sheets and opens a trip's route
sheet; the driver's trip page fits a phone. The job is a fast in-process fake runner."""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest
from chromium_support import chromium, login, needs_chromium, serving

from mealplan.config import Settings
from mealplan.db.models import PlanRun
from mealplan.db.session import session_factory
from mealplan.planning.runs import RunRecorder
from mealplan.services import jobs
from web import create_app

pytestmark = [
    pytest.mark.browser,
    pytest.mark.db,
    needs_chromium,
]

DAY = dt.date.today()
STAGES = (("demand", 0.05), ("menu", 0.15), ("routes", 0.4), ("documents", 0.85))


class SlowFakeRunner:
    """Runs the job in a thread: four stages a few tenths of a second apart, then tiny
    documents in the output folder and ``done`` (as ``mealplan plan --run-id`` would)."""

    def __init__(self, settings: Settings, step_s: float = 0.6) -> None:
        self.settings = settings
        self.step_s = step_s
        self.threads: list[threading.Thread] = []

    def __call__(self, command: Sequence[str], env: Mapping[str, str], log: Path) -> None:
        run_id = int(command[command.index("--run-id") + 1])
        out = Path(command[command.index("--out") + 1])
        thread = threading.Thread(target=self._play, args=(run_id, out), daemon=True)
        thread.start()
        self.threads.append(thread)

    def _play(self, run_id: int, out: Path) -> None:
        factory = session_factory(self.settings)
        with factory() as s:
            run = s.get(PlanRun, run_id)
            assert run is not None
            kind, date, service = run.kind, run.date, run.service
        time.sleep(self.step_s)
        recorder = RunRecorder.start(factory, kind, date, service, {}, run_id=run_id)
        for stage, progress in STAGES:
            recorder.stage(stage, progress)
            time.sleep(self.step_s)
        out.mkdir(parents=True, exist_ok=True)
        for key, name in jobs.DAILY_FILES.items():
            (out / name).write_bytes(b"%PDF-1.4\n% fake " + key.encode() + b"\n")
        recorder.warnings.append("site S2 (东湖助餐点) has no report and no history")
        recorder.finish(
            "done",
            figures={"meals": 10, "routes": 1},
            output={"dir": str(out), "files": dict(jobs.DAILY_FILES)},
        )


@pytest.fixture
def fake_runner(settings: Settings) -> Iterator[SlowFakeRunner]:
    runner = SlowFakeRunner(settings)
    yield runner
    for thread in runner.threads:
        thread.join(timeout=30)


@pytest.fixture
def live_server(
    settings: Settings, app_config: dict[str, Any], fake_runner: SlowFakeRunner
) -> Iterator[str]:
    """The panel on a real HTTP server on 127.0.0.1 (free port), CSRF on, fake jobs."""
    app = create_app(
        {
            **app_config,
            "WTF_CSRF_ENABLED": True,
            "TESTING": False,
            "MEALPLAN_SETTINGS": settings,
            "JOB_RUNNER": fake_runner,
        }
    )
    with serving(app) as base:
        yield base


@pytest.fixture
def browser() -> Iterator[Any]:
    with chromium() as b:
        yield b


def test_manager_runs_the_plan_and_opens_a_route_sheet(
    live_server: str, browser: Any, world: Any, make_user: Any, make_route: Any
) -> None:
    """Run the plan, see the bar move and reach done after a reload, download the route
    sheets, then open a trip's printed route sheet from the routes page."""
    make_route(DAY, [("site", "S1", {"regular": 6}), ("site", "S2", {"regular": 4})])
    manager = make_user("manager")
    context = browser.new_context(accept_downloads=True)
    page = context.new_page()
    login(page, live_server, manager.username)
    page.click("nav.main a[href='/plans/']")
    page.wait_for_load_state("domcontentloaded")
    page.fill("#run-form input[name=date]", DAY.isoformat())
    page.click("#run-form button[type=submit]")
    page.wait_for_load_state("domcontentloaded")
    assert "/plans/" in page.url
    # the bar moves while the job runs; a reload keeps following it
    # (a selector, not a JavaScript predicate: the panel's CSP forbids eval)
    page.wait_for_selector(
        "#run-progress[aria-valuenow]:not([aria-valuenow='0'])", state="attached", timeout=15_000
    )
    url = page.url
    for _attempt in range(5):  # the page reloads itself when the run ends: retry a clash
        try:
            page.goto(url, wait_until="domcontentloaded")
            break
        except Exception:  # playwright's Error: navigation interrupted by the page's own
            page.wait_for_timeout(300)
    page.wait_for_selector("#documents", timeout=20_000)  # reloaded once the run is done
    assert page.inner_text("#run-status") == "已完成"
    assert page.get_attribute("#run-progress", "aria-valuenow") == "100"
    assert "东湖助餐点" in page.inner_text("#warnings")
    assert "路线" in page.inner_text("#timings")
    with page.expect_download() as info:
        page.click("#documents a[data-key=route_sheets]")
    download = info.value
    assert download.suggested_filename == "route_sheets.pdf"
    assert Path(download.path()).read_bytes().startswith(b"%PDF")
    page.click("text=路线与地图")
    page.wait_for_load_state("domcontentloaded")
    assert page.locator("svg.routes-map circle").count() == 2
    with context.expect_page() as popup:
        page.click("a.sheet-link")
    sheet = popup.value
    sheet.wait_for_load_state("domcontentloaded")
    assert "八一社区食堂" in sheet.inner_text("body")
    context.close()


def test_driver_trip_page_on_a_phone(
    live_server: str, browser: Any, world: Any, make_user: Any, make_route: Any
) -> None:
    """The driver's trip page fits a 390 px phone without horizontal scrolling."""
    stops = make_route(DAY, [("site", "S1", {"regular": 6}), ("site", "S2", {"regular": 4})])
    dispatcher = make_user("dispatcher")
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    page = context.new_page()
    login(page, live_server, dispatcher.username)
    for url in (f"/routes/trips/{stops[0].trip_id}", f"/routes/?date={DAY.isoformat()}"):
        page.goto(f"{live_server}{url}")
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"), url
    page.goto(f"{live_server}/routes/trips/{stops[0].trip_id}")
    assert page.locator("#trip-stops li").count() == 2
    context.close()
