"""A real Redis (``redis-server`` on 127.0.0.1, a free port, a temp folder) and real Celery
worker processes (``mealplan worker``, not eager mode) for the Celery tests.

Without the ``redis-server`` binary the tests are skipped, saying so (CI installs it
through scripts/install_system_packages.sh)."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from mealplan.config import DistributedSettings

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
REDIS = shutil.which("redis-server") or (
    "/usr/bin/redis-server" if Path("/usr/bin/redis-server").exists() else None
)
START_TIMEOUT_S = 120.0


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _ping(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5) as s:
            s.sendall(b"PING\r\n")
            return s.recv(16).startswith(b"+PONG")
    except OSError:
        return False


@pytest.fixture(scope="module")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A throw-away Redis on 127.0.0.1 (no persistence), stopped after the module."""
    if REDIS is None:
        pytest.skip("redis-server is not installed (apt-get install redis-server)")
    folder = tmp_path_factory.mktemp("redis")
    port = _free_port()
    with (folder / "redis.log").open("wb") as log:
        proc = subprocess.Popen(
            [REDIS, "--port", str(port), "--bind", "127.0.0.1", "--dir", str(folder),
             "--save", "", "--appendonly", "no", "--daemonize", "no"],
            stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
    deadline = time.monotonic() + 30
    while not _ping(port):
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            pytest.fail(f"redis-server did not start: {(folder / 'redis.log').read_text()}")
        time.sleep(0.1)
    yield f"redis://127.0.0.1:{port}/0"
    proc.terminate()
    proc.wait(timeout=10)


class Workers:
    """Worker processes started for one test; all stopped at its end."""

    def __init__(self, redis_url: str, folder: Path) -> None:
        self.redis_url = redis_url
        self.folder = folder
        self.procs: list[subprocess.Popen[bytes]] = []
        self.marks = folder / "marks"
        self.marks.mkdir(parents=True, exist_ok=True)

    def env(self) -> dict[str, str]:
        env = dict(os.environ)
        env["MEALPLAN_BROKER_URL"] = self.redis_url
        env["PYTHONPATH"] = os.pathsep.join([str(HERE), str(ROOT)])
        env["MEALPLAN_TEST_TASK_MARKS"] = str(self.marks)
        # CI and this machine run as root; production workers run as their own user
        env["C_FORCE_ROOT"] = "1"
        return env

    def start(
        self, name: str, queues: str = "compute", *, slowed: bool = False, nice: int = 0
    ) -> subprocess.Popen[bytes]:
        """Start ``mealplan worker`` (``slowed``: each task's first delivery sleeps;
        ``nice``: its --nice)."""
        entry = [str(HERE / "celery_helpers.py")] if slowed else ["-m", "mealplan"]
        args = ([] if slowed else ["worker"]) + (["--nice", str(nice)] if nice else [])
        with (self.folder / f"{name}.log").open("wb") as log:
            self.procs.append(
                subprocess.Popen(
                    [sys.executable, *entry, *args, "--queues", queues, "--concurrency", "1",
                     "--name", f"{name}@test", "--loglevel", "info"],
                    env=self.env(), cwd=str(ROOT), stdout=log, stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
            )  # fmt: skip
        return self.procs[-1]

    def wait_ready(self, names: list[str], queue: str = "compute") -> None:
        """Wait until every named worker consumes ``queue``."""
        from mealplan import distributed

        d = DistributedSettings(broker_url=self.redis_url)
        app = distributed.app_for(d)
        deadline = time.monotonic() + START_TIMEOUT_S
        want = {f"{n}@test" for n in names}
        while True:
            queues = app.control.inspect(timeout=1.0).active_queues() or {}
            ready = {w for w, qs in queues.items() if any(q["name"] == queue for q in qs)}
            if want <= ready:
                return
            dead = [p for p in self.procs if p.poll() is not None]
            if dead or time.monotonic() > deadline:
                logs = "\n".join(p.read_text()[-2000:] for p in self.folder.glob("*.log"))
                pytest.fail(f"workers {sorted(want - ready)} did not start:\n{logs}")

    def stop(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
        for proc in self.procs:
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=10)


@pytest.fixture
def workers(redis_url: str, tmp_path: Path) -> Iterator[Workers]:
    """Start workers with ``workers.start(name)``; they are stopped after the test."""
    from mealplan import distributed

    pool = Workers(redis_url, tmp_path / "workers")
    yield pool
    pool.stop()
    # the test's queues start empty next time
    distributed.app_for(DistributedSettings(broker_url=redis_url)).control.purge()


@pytest.fixture
def kill_when() -> Callable[[Callable[[], int | None], float], None]:
    """``kill_when(find_pid, timeout)``: SIGKILL the process ``find_pid()`` names as
    soon as it names one (polled in a background thread)."""
    import threading

    def start(find_pid: Callable[[], int | None], timeout: float) -> None:
        def watch() -> None:
            deadline = time.monotonic() + timeout
            while time.monotonic() < deadline:
                pid = find_pid()
                if pid:
                    os.kill(pid, signal.SIGKILL)
                    return
                time.sleep(0.05)

        threading.Thread(target=watch, daemon=True).start()

    return start
