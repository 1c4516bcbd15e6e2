"""run_each on Celery: real Redis, real worker processes; results as the local pool's,
a worker process killed mid-task re-delivers its task, clear errors without workers."""

from __future__ import annotations

import socket
from pathlib import Path
from typing import TYPE_CHECKING

import celery_helpers
import pytest

from mealplan import distributed, parallel
from mealplan.config import DistributedSettings, load_settings
from mealplan.errors import ConfigError

if TYPE_CHECKING:  # the fixture's type only: under xdist `conftest` may be another folder's
    from conftest import Workers

pytestmark = [pytest.mark.celery, pytest.mark.slow]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _engine(url: str) -> distributed.CeleryEngine:
    return distributed.CeleryEngine(DistributedSettings(broker_url=url))


def test_broker_url_is_read_through_config() -> None:
    """MEALPLAN_BROKER_URL lands in settings.distributed; no broker means local runs."""
    assert not distributed.enabled(load_settings({}))
    s = load_settings({"MEALPLAN_BROKER_URL": "redis://:pw@db:6379/0"})
    assert distributed.enabled(s)
    assert s.distributed.broker_url == "redis://:pw@db:6379/0"
    assert distributed.redact(s.distributed.broker_url) == "redis://***@db:6379/0"
    with pytest.raises(ConfigError, match="broker_url"):
        load_settings({"MEALPLAN_BROKER_URL": "amqp://x"})


def test_run_each_on_workers_gives_the_local_results(workers: Workers) -> None:
    """Every call's result comes back once, under its index, as the local run gives it."""
    workers.start("a")
    workers.start("b")
    workers.wait_ready(["a", "b"])
    calls = [(x,) for x in range(7)]
    local = dict(parallel.run_each(celery_helpers.square, calls, 1))
    with parallel.using(_engine(workers.redis_url)):
        remote = list(parallel.run_each(celery_helpers.square, calls, 1, priority=lambda i: -i))
    assert sorted(i for i, _ in remote) == list(range(7))
    assert dict(remote) == local


def test_task_error_reaches_the_caller(workers: Workers) -> None:
    """A call that raises on a worker raises the same exception in the coordinator."""
    workers.start("a")
    workers.wait_ready(["a"])
    with parallel.using(_engine(workers.redis_url)), pytest.raises(ValueError, match="bad x"):
        list(parallel.run_each(celery_helpers.fail, [("bad x",), ("bad y",)], 2))


def test_worker_process_killed_mid_task_is_redelivered(
    workers: Workers, tmp_path: Path, kill_when
) -> None:  # type: ignore[no-untyped-def]
    """SIGKILL of the process running a task: the task runs again and every call's result
    still comes back exactly once."""
    workers.start("a")
    workers.start("b")
    workers.wait_ready(["a", "b"])
    folder = tmp_path / "calls"
    folder.mkdir()
    victim = folder / "victim.pid"

    def find() -> int | None:
        text = victim.read_text("ascii") if victim.exists() else ""
        return int(text) if text.isdigit() else None

    kill_when(find, 120.0)
    calls = [(str(folder), i) for i in range(4)]
    with parallel.using(_engine(workers.redis_url)):
        results = dict(parallel.run_each(celery_helpers.slow_once, calls, 2))
    assert sorted(results) == [0, 1, 2, 3]
    assert results[0] == (0, 2)  # killed once, re-delivered, ran again
    assert all(results[i] == (i, 1) for i in (1, 2, 3))


def test_no_worker_is_a_clear_error(redis_url: str) -> None:
    """A broker without compute workers: an error saying to start `mealplan worker`."""
    with (
        parallel.using(_engine(redis_url)),
        pytest.raises(distributed.BrokerUnavailableError, match="mealplan worker"),
    ):
        list(parallel.run_each(celery_helpers.square, [(1,), (2,)], 2))


def test_unreachable_broker_is_a_clear_error() -> None:
    """A broker nobody listens on: an error naming it, no traceback of Redis internals."""

    url = f"redis://127.0.0.1:{_free_port()}/0"
    with (
        parallel.using(_engine(url)),
        pytest.raises(distributed.BrokerUnavailableError, match="cannot reach the broker"),
    ):
        list(parallel.run_each(celery_helpers.square, [(1,), (2,)], 2))


def test_worker_check_stops_at_the_first_compute_worker(
    workers: Workers, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With a compute worker up, a fan-out asks the workers once and stops listening at the
    first answer (no fixed wait for stragglers before every fan-out)."""
    workers.start("a")
    workers.wait_ready(["a"])
    asked: list[int | None] = []
    real = distributed.compute_workers

    def spy(d: DistributedSettings, timeout_s: float = distributed.PING_S, *,
            limit: int | None = None) -> list[str]:  # fmt: skip
        asked.append(limit)
        return real(d, timeout_s, limit=limit)

    monkeypatch.setattr(distributed, "compute_workers", spy)
    with parallel.using(_engine(workers.redis_url)):
        assert dict(parallel.run_each(celery_helpers.square, [(2,), (3,)], 2)) == {
            0: (2, 4),
            1: (3, 9),
        }
    assert asked == [1]


def test_worker_nice_lowers_its_priority(workers: Workers) -> None:
    """`mealplan worker --nice 7` runs at 7 more niceness than its parent (the panel on the
    same machine is served first)."""
    import os

    proc = workers.start("a", nice=7)
    workers.wait_ready(["a"])
    mine = os.getpriority(os.PRIO_PROCESS, 0)
    assert os.getpriority(os.PRIO_PROCESS, proc.pid) == min(19, mine + 7)
