"""Times of day as integer minutes since midnight, the one place that formats and parses them.

Every time in the solvers, the database and the files is an ``int`` of minutes since the
service day's midnight; a value of 1440 or more is on a later day (a late route, a
delivery recorded after midnight). Text is ``HH:MM``.
"""

from __future__ import annotations

import re
import unicodedata

MINUTES_PER_DAY = 24 * 60

_TIME_RE = re.compile(r"(\d{1,2}):(\d{2})(?::(\d{2}))?")


def hhmm(minutes: int) -> str:
    """``690`` -> ``"11:30"``; hours are not wrapped, so ``1500`` -> ``"25:00"``."""
    minutes = int(minutes)
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def day_offset(minutes: int) -> tuple[int, int]:
    """``1470`` -> ``(1, 30)``: whole days after the service day, and the minute of that day."""
    days, rest = divmod(int(minutes), MINUTES_PER_DAY)
    return days, rest


def hhmm_days(minutes: int) -> str:
    """``690`` -> ``"11:30"``; past midnight with a day offset: ``1470`` -> ``"+1d 00:30"``."""
    days, rest = day_offset(minutes)
    text = hhmm(rest)
    return f"+{days}d {text}" if days else text


def parse_hhmm(text: str, *, allow_seconds: bool = False) -> int:
    """``"11:45"`` -> 705, between ``00:00`` and ``24:00``; ``ValueError`` otherwise.

    Full-width digits and colons (``"１１：４５"``) are read as their ASCII forms. With
    ``allow_seconds`` a trailing ``:SS`` (as spreadsheets write times) is accepted and dropped.
    """
    s = unicodedata.normalize("NFKC", str(text)).strip()
    m = _TIME_RE.fullmatch(s)
    if not m or (m.group(3) is not None and not allow_seconds):
        raise ValueError(f"expected a time of day as HH:MM, got {text!r}")
    hours, mins = int(m.group(1)), int(m.group(2))
    if hours > 24 or mins > 59 or (hours == 24 and mins > 0):
        raise ValueError(f"expected a time of day between 00:00 and 24:00, got {text!r}")
    return hours * 60 + mins


def parse_hhmm_or_none(text: str, *, allow_seconds: bool = False) -> int | None:
    """:func:`parse_hhmm`, or ``None`` when the text is not a time of day."""
    try:
        return parse_hhmm(text, allow_seconds=allow_seconds)
    except ValueError:
        return None


def parse_window(text: str) -> tuple[int, int]:
    """``"11:00-12:30"`` -> ``(660, 750)``; ``ValueError`` when either end is not a time."""
    start, sep, end = str(text).partition("-")
    if not sep:
        raise ValueError(f"expected a window as HH:MM-HH:MM, got {text!r}")
    return parse_hhmm(start), parse_hhmm(end)
