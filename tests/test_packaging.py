"""Packaging: a wheel built from a clean checkout (no compiled catalogues in it, as in a
fresh clone) carries the compiled Chinese catalogue, so that ``pip install .`` serves the
panel in Chinese without ``make``."""

from __future__ import annotations

import importlib.util
import io
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from babel.messages.mofile import read_mo

ROOT = Path(__file__).resolve().parents[1]
MO = "web/translations/zh_Hans_CN/LC_MESSAGES/messages.mo"

pytestmark = pytest.mark.slow


def _clean_checkout(target: Path) -> None:
    """The files git would give a fresh clone (tracked and new, not ignored ones)."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        check=True,
        capture_output=True,
    ).stdout.decode()
    for name in filter(None, listed.split("\0")):
        source = ROOT / name
        if source.is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)


def _can_build_without_isolation() -> bool:
    """setuptools >= 70.1 builds wheels itself; older ones need the wheel package."""
    if importlib.util.find_spec("setuptools.command.bdist_wheel") is not None:
        return True
    return importlib.util.find_spec("wheel") is not None


def test_wheel_contains_the_compiled_chinese_catalogue(tmp_path: Path) -> None:
    """``pip wheel .`` from a clean checkout puts messages.mo in the wheel, and it
    translates the panel into Chinese."""
    src = tmp_path / "src"
    _clean_checkout(src)
    assert not (src / MO).exists()
    command = [sys.executable, "-m", "pip", "wheel", ".", "--no-deps", "-q", "-w", "dist"]
    if _can_build_without_isolation():
        command.append("--no-build-isolation")
    subprocess.run(command, cwd=src, check=True, capture_output=True, timeout=600)
    (wheel,) = (src / "dist").glob("mealplan-*.whl")
    with zipfile.ZipFile(wheel) as zf:
        assert MO in zf.namelist()
        catalog = read_mo(io.BytesIO(zf.read(MO)))
    assert catalog.get("Log in") is not None
    assert catalog.get("Log in").string == "登录"  # type: ignore[union-attr]
