"""`mealplan beat`: the daily batch is scheduled at [distributed] batch_time on the jobs queue
(the schedule object), and a real beat process sends it to a real Redis at that minute."""

from __future__ import annotations

import datetime as dt
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import redis

from mealplan import distributed
from mealplan.config import load_settings

pytestmark = [pytest.mark.celery]

#: the repository (not imported from conftest: under xdist ``conftest`` may name another
#: folder's module)
ROOT = Path(__file__).resolve().parents[2]


def test_beat_schedule_has_the_daily_batch_at_the_configured_time(tmp_path: Path) -> None:
    """[distributed] batch_time 06:45 and batch_services lunch,dinner: the beat schedule holds
    one entry, the batch task on the jobs queue every day at 06:45 local time."""
    config = tmp_path / "mealplan.toml"
    config.write_text(
        '[distributed]\nbatch_time = "06:45"\nbatch_services = "lunch,dinner"\n', encoding="utf-8"
    )
    settings = load_settings(
        {"MEALPLAN_CONFIG": str(config), "MEALPLAN_BROKER_URL": "redis://127.0.0.1:1/0"}
    )
    app = distributed.app_for(settings.distributed)
    schedule = app.conf.beat_schedule
    assert list(schedule) == ["daily-batch"]
    entry = schedule["daily-batch"]
    assert entry["task"] == distributed.BATCH == "mealplan.batch"
    assert entry["options"]["queue"] == distributed.JOBS
    cron = entry["schedule"]
    assert (cron.hour, cron.minute) == ({6}, {45})
    assert cron.day_of_week == set(range(7)) and cron.day_of_month == set(range(1, 32))
    assert app.conf.task_routes[distributed.BATCH] == {"queue": distributed.JOBS}
    assert settings.distributed.batch_services == "lunch,dinner"


@pytest.mark.slow
def test_beat_process_sends_the_batch_to_the_jobs_queue(redis_url: str, tmp_path: Path) -> None:
    """A real `mealplan beat` with batch_time set to the coming minute puts one
    mealplan.batch message on Redis's jobs list at that minute (no worker consumes it)."""
    now = dt.datetime.now()
    at = (now + dt.timedelta(minutes=2 if now.second >= 45 else 1)).replace(second=0, microsecond=0)
    config = tmp_path / "mealplan.toml"
    config.write_text(f'[distributed]\nbatch_time = "{at:%H:%M}"\n', encoding="utf-8")
    env = dict(os.environ, MEALPLAN_BROKER_URL=redis_url, MEALPLAN_CONFIG=str(config),
               MEALPLAN_INSTANCE_PATH=str(tmp_path / "instance"), C_FORCE_ROOT="1")  # fmt: skip
    client = redis.Redis.from_url(redis_url)
    client.delete(distributed.JOBS)
    log = tmp_path / "beat.log"
    with log.open("wb") as out:
        beat = subprocess.Popen(
            [sys.executable, "-m", "mealplan", "beat", "--loglevel", "info"],
            env=env, cwd=str(ROOT), stdout=out, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
    try:
        deadline = at + dt.timedelta(seconds=45)
        while client.llen(distributed.JOBS) == 0 and dt.datetime.now() < deadline:
            assert beat.poll() is None, log.read_text("utf-8", "replace")
            time.sleep(0.5)
        sent_at = dt.datetime.now()
        messages = client.lrange(distributed.JOBS, 0, -1)
    finally:
        os.killpg(beat.pid, signal.SIGTERM)
        beat.wait(timeout=30)
    assert len(messages) == 1, log.read_text("utf-8", "replace")
    assert json.loads(messages[0])["headers"]["task"] == distributed.BATCH
    assert sent_at >= at  # not before the configured minute
    assert f"daily batch at {at:%H:%M}" in log.read_text("utf-8", "replace")


def test_beat_without_broker_is_a_clear_error() -> None:
    """`mealplan beat` without MEALPLAN_BROKER_URL says so in one line (exit 2, no traceback)."""
    env = {k: v for k, v in os.environ.items() if k != "MEALPLAN_BROKER_URL"}
    env.pop("MEALPLAN_CONFIG", None)
    proc = subprocess.run(
        [sys.executable, "-m", "mealplan", "beat"], env=env, cwd=str(ROOT),
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert proc.returncode != 0
    assert "MEALPLAN_BROKER_URL is not set" in proc.stderr + proc.stdout
    assert "Traceback" not in proc.stderr
