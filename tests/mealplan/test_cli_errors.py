"""The command line's common error handling: file-system errors a person can fix (a
read-only or full output disk, a path that is not a folder) are one line naming the path
and exit code 2, not a traceback."""

from __future__ import annotations

import errno
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from mealplan.cli import main
from mealplan.config import Settings

pytestmark = pytest.mark.db


def test_plan_into_a_path_that_is_not_a_folder_exits_2(settings: Settings, tmp_path: Path) -> None:
    """``--out`` below a regular file: exit 2 and the path, no traceback."""
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x", encoding="utf-8")
    result = CliRunner().invoke(
        main, ["plan", "--date", "2026-01-05", "--out", str(blocker / "out")]
    )
    assert result.exit_code == 2, result.output
    assert "error: cannot write" in result.output
    assert str(blocker) in result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize(
    ("code", "reason"),
    [(errno.EROFS, "Read-only file system"), (errno.ENOSPC, "No space left on device")],
)
def test_plan_on_a_read_only_or_full_disk_exits_2(
    settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, code: int, reason: str
) -> None:
    """A read-only or full output disk while writing the documents: exit 2 with the path."""
    target = tmp_path / "out" / "route_sheets.pdf"

    def fail(*args: Any, **kwargs: Any) -> None:
        raise OSError(code, reason, str(target))

    monkeypatch.setattr("mealplan.cli.plan.run_daily_plan", fail)
    result = CliRunner().invoke(main, ["plan", "--date", "2026-01-05", "--out", str(tmp_path)])
    assert result.exit_code == 2, result.output
    assert f"error: cannot write {target}: {reason}" in result.output


def test_full_disk_without_a_path_exits_2(
    settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """ENOSPC from a write() (no file name) still gives a one-line error and exit 2."""

    def fail(*args: Any, **kwargs: Any) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr("mealplan.cli.plan.run_daily_plan", fail)
    result = CliRunner().invoke(main, ["plan", "--date", "2026-01-05", "--out", str(tmp_path)])
    assert result.exit_code == 2
    assert "No space left on device" in result.output


def test_other_os_errors_are_not_hidden(
    settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A connection error is a bug report, not a disk problem: it is not swallowed."""

    def fail(*args: Any, **kwargs: Any) -> None:
        raise ConnectionRefusedError(errno.ECONNREFUSED, "Connection refused")

    monkeypatch.setattr("mealplan.cli.plan.run_daily_plan", fail)
    result = CliRunner().invoke(main, ["plan", "--date", "2026-01-05", "--out", str(tmp_path)])
    assert isinstance(result.exception, ConnectionRefusedError)
