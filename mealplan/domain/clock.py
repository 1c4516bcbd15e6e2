"""Times of day as minutes since midnight: the solvers' helpers, re-exported for mealplan."""

from solvers.clock import (
    MINUTES_PER_DAY,
    day_offset,
    hhmm,
    hhmm_days,
    parse_hhmm,
    parse_hhmm_or_none,
    parse_window,
)

__all__ = [
    "MINUTES_PER_DAY",
    "day_offset",
    "hhmm",
    "hhmm_days",
    "parse_hhmm",
    "parse_hhmm_or_none",
    "parse_window",
]
