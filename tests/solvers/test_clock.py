"""The one clock helper: minutes since midnight <-> HH:MM."""

import pytest

from solvers.clock import day_offset, hhmm, hhmm_days, parse_hhmm, parse_hhmm_or_none, parse_window


def test_hhmm_pads_and_does_not_wrap() -> None:
    """hhmm pads to two digits and keeps hours past 24 (1500 min is 25:00)."""
    assert hhmm(0) == "00:00"
    assert hhmm(690) == "11:30"  # 11*60 + 30
    assert hhmm(1500) == "25:00"


def test_hhmm_days_marks_later_days() -> None:
    """hhmm_days writes a minute past midnight as a day offset plus the time of that day."""
    assert hhmm_days(690) == "11:30"
    assert hhmm_days(1470) == "+1d 00:30"  # 1440 + 30
    assert day_offset(2 * 1440 + 5) == (2, 5)


def test_parse_hhmm_round_trips() -> None:
    """parse_hhmm is the inverse of hhmm over the whole day, 00:00 to 24:00."""
    for minute in range(0, 1441, 7):
        assert parse_hhmm(hhmm(minute)) == minute
    assert parse_hhmm("24:00") == 1440
    assert parse_hhmm(" 7:05 ") == 425
    assert parse_hhmm("１１：４５") == 705  # full-width forms, as typed on a Chinese keyboard


@pytest.mark.parametrize("text", ["", "11", "11:5", "25:00", "24:01", "11:60", "ab:cd", "11:45:00"])
def test_parse_hhmm_rejects_non_times(text: str) -> None:
    """parse_hhmm raises ValueError for anything that is not a time of day (and None-variant)."""
    with pytest.raises(ValueError):
        parse_hhmm(text)
    assert parse_hhmm_or_none(text) is None


def test_parse_hhmm_seconds_only_when_allowed() -> None:
    """A trailing :SS is accepted only with allow_seconds, and dropped."""
    assert parse_hhmm("11:45:30", allow_seconds=True) == 705


def test_parse_window() -> None:
    """parse_window reads HH:MM-HH:MM into a (start, end) pair of minutes."""
    assert parse_window("11:00-12:30") == (660, 750)
    with pytest.raises(ValueError):
        parse_window("11:00")
