"""Configuration: environment variables first, then an optional TOML file, then defaults.

- ``MEALPLAN_DATABASE_URL``: any SQLAlchemy URL (``postgresql+psycopg://user@127.0.0.1/db``);
  default a SQLite file ``mealplan.sqlite3`` in the instance folder.
- ``MEALPLAN_INSTANCE_PATH``: the instance folder (database, outputs, logs); default
  ``./instance``.
- ``MEALPLAN_CONFIG``: a TOML file with the sections below; unknown keys warn.
- ``MEALPLAN_WORKERS``: overrides ``[planning] workers`` (e.g. ``1`` on a
  machine shared with other services).
- ``MEALPLAN_BROKER_URL``: a Redis URL (``redis://:password@db:6379/0``); when set,
  the daily plan's fan-out and the panel's jobs run on Celery workers
  (``[distributed]``, docs/deployment.md). ``MEALPLAN_RESULT_URL``: where task results
  are kept (default: the broker).
"""

from __future__ import annotations

import logging
import os
import re
import tomllib
import warnings
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from mealplan.errors import ConfigError

log = logging.getLogger(__name__)


class UnknownConfigKeyWarning(UserWarning):
    """A configuration file names a key that mealplan does not know."""


@dataclass(frozen=True)
class PlanningSettings:
    """Planning defaults a kitchen tunes (all durations in minutes, money in fen)."""

    headcount_cutoff: str = "09:00"  # same-day cut-off for site reports (HH:MM)
    followup_due_days: int = 3  # a follow-up task (回访) is due this many days after its event
    forecast_weeks: int = 4  # same-weekday history used for forecasts
    # a second check-in of one elder for the same day and service (issue 14): "refuse",
    # or "full_price" (served, charged the whole meal price, no subsidy)
    repeat_meal: str = "refuse"
    hold_limit_bulk_minutes: int = 120  # cook -> eat for canteens and dining points
    hold_limit_home_minutes: int = 60  # pack -> arrive for home delivery
    purchase_waste_allowance: float = 0.05  # added to purchase quantities
    default_budget_fen: int = 700
    menu_time_limit_s: float = 1800.0  # safety net only: work budgets bound the menu solves
    menu_backend: str = "highs"
    # Routing budgets in work units, so that the same inputs give the same routes on a busy
    # machine (docs/routing.md "Budgets"): search iterations per kitchen and seed, seeds
    # per kitchen (the best plan is kept), OR-Tools polish solutions (0: no polish). The
    # wall time is only a safety net for all kitchens of one service together.
    routing_iterations: int = 10_000
    routing_seeds: int = 2
    routing_polish_solutions: int = 0
    routing_what_if_runs: int = 3  # solver runs to find what serves everyone (0: off)
    routing_time_limit_s: float = 1800.0
    workers: int = 0  # processes for routing and PDF rendering (0: one per core, <= 4)
    max_trips_per_vehicle: int = 2  # waves a vehicle may drive per service
    reload_minutes: int = 15  # at the kitchen between two trips
    home_service_minutes: int = 3  # hand over a box and get a signature
    vehicle_fixed_cost: int = 50_000  # objective weight of using a vehicle (metre-equivalents)
    circuity_van: float = 1.3  # road metres per straight-line metre
    circuity_e_tricycle: float = 1.25
    default_dinner_window: str = "16:30-17:30"  # for home clients without one
    seed: int = 1
    # Weekly variety rules applied to every profile as soft rules (a profile whose
    # dishes cannot meet one reports a shortfall instead of failing).
    fish_meals_per_week_min: int = 2
    pork_meals_per_week_max: int = 3
    share_reward_fen: float = 0.0  # reward per dish shared by two profiles on a day
    soft_bound_weight_fen: float = 200.0  # penalty per 1 % a soft nutrient bound is missed
    # Menu objective (docs/menu-model.md "Objective"): the ingredient cost band per meal
    # (free inside, priced per fen outside) and the weights of the quality score maximised
    # inside it, in fen-equivalents per meal and diner.
    cost_band_min_fen: int = 450
    cost_band_max_fen: int = 600
    cost_under_band_fen: float = 1.0  # per fen of ingredient cost below the band
    cost_over_band_fen: float = 2.0  # per fen above the band
    quality_rating_fen: float = 40.0  # per star of acceptability above 3
    rating_prior_count: float = 5.0  # pseudo-ratings of 3 stars every dish starts with
    quality_seasonal_fen: float = 15.0  # per vegetable/side/soup/fruit in season
    quality_protein_fen: float = 40.0  # per unit of protein quality of a main or side
    quality_variety_fen: float = 10.0  # per dish not served to the profile last week
    # Menu rotation per profile and service (soft rules, named shortfalls when missed).
    staple_max_per_week: int = 3
    soup_max_per_week: int = 2
    dish_max_per_week: int = 2
    protein_max_per_week: int = 3  # meals with one main protein (pork, fish, ...)
    rice_min_per_week: int = 4  # meals with a rice staple, where the texture allows
    rotation_weight_fen: float = 300.0  # per meal or day beyond a rotation rule
    # Prices printed on the public weekly menu (fen per meal): the standard price and
    # what the elder pays by subsidy category.
    meal_price_fen: int = 1200
    elder_price_fen: dict[str, int] = field(
        default_factory=lambda: {"hardship": 100, "disabled": 100, "age_80": 300, "age_60": 500}
    )


def _hhmm(text: str) -> int | None:
    """Minutes after midnight of ``HH:MM`` (00:00-23:59), else None."""
    match = re.fullmatch(r"(\d{1,2}):(\d{2})", text.strip()) if text.isascii() else None
    if match is None:
        return None
    hours, minutes = int(match.group(1)), int(match.group(2))
    if hours > 23 or minutes > 59:
        return None
    return hours * 60 + minutes


# Allowed range of every number in [planning] (inclusive). A value outside its range is
# a ConfigError at load, naming the key, so that no page or batch meets it later.
PLANNING_RANGES: dict[str, tuple[float, float]] = {
    "forecast_weeks": (1, 52),
    "hold_limit_bulk_minutes": (1, 600),
    "hold_limit_home_minutes": (1, 600),
    "purchase_waste_allowance": (0, 1),
    "default_budget_fen": (1, 100_000),
    "menu_time_limit_s": (0.1, 3600),
    "routing_iterations": (0, 10_000_000),
    "routing_seeds": (1, 16),
    "routing_polish_solutions": (0, 1_000_000),
    "routing_what_if_runs": (0, 20),
    "routing_time_limit_s": (0.1, 3600),
    "workers": (0, 64),
    "max_trips_per_vehicle": (1, 10),
    "reload_minutes": (0, 240),
    "home_service_minutes": (0, 120),
    "vehicle_fixed_cost": (0, 100_000_000),
    "circuity_van": (1, 5),
    "circuity_e_tricycle": (1, 5),
    "seed": (0, 2**31 - 1),
    "fish_meals_per_week_min": (0, 21),
    "pork_meals_per_week_max": (0, 21),
    "share_reward_fen": (0, 100_000),
    "soft_bound_weight_fen": (0, 1_000_000),
    "cost_band_min_fen": (0, 100_000),
    "cost_band_max_fen": (1, 100_000),
    "cost_under_band_fen": (0, 1_000),
    "cost_over_band_fen": (0, 1_000),
    "quality_rating_fen": (0, 100_000),
    "rating_prior_count": (0, 1_000),
    "quality_seasonal_fen": (0, 100_000),
    "quality_protein_fen": (0, 100_000),
    "quality_variety_fen": (0, 100_000),
    "staple_max_per_week": (1, 14),
    "soup_max_per_week": (1, 14),
    "dish_max_per_week": (1, 14),
    "protein_max_per_week": (1, 14),
    "rice_min_per_week": (0, 14),
    "rotation_weight_fen": (0, 1_000_000),
    "meal_price_fen": (0, 100_000),
    "followup_due_days": (0, 60),
}
MENU_BACKENDS = ("highs", "cbc")
REPEAT_MEAL_RULES = ("refuse", "full_price")
MAX_PRICE_FEN = 100_000


def _in_range(value: float, low: float, high: float) -> bool:
    return low <= value <= high  # False for NaN too


def planning_problems(planning: PlanningSettings) -> list[str]:
    """Every out-of-range value of ``planning``, one message per key (empty: all fine)."""
    problems: list[str] = []

    def bad(key: str, message: str) -> None:
        problems.append(f"[planning] {key}: {message}")

    for key, (low, high) in PLANNING_RANGES.items():
        value = getattr(planning, key)
        if isinstance(value, bool) or not _in_range(value, low, high):
            bad(key, f"must be between {low:g} and {high:g}, got {value!r}")
    if _hhmm(planning.headcount_cutoff) is None:
        bad(
            "headcount_cutoff",
            f"must be a time HH:MM (00:00-23:59), got {planning.headcount_cutoff!r}",
        )
    start, sep, end = planning.default_dinner_window.partition("-")
    window = (_hhmm(start), _hhmm(end)) if sep else (None, None)
    if window[0] is None or window[1] is None or window[0] >= window[1]:
        bad(
            "default_dinner_window",
            f"must be HH:MM-HH:MM with the start before the end, got "
            f"{planning.default_dinner_window!r}",
        )
    if planning.cost_band_min_fen > planning.cost_band_max_fen:
        bad(
            "cost_band_min_fen",
            f"must not exceed cost_band_max_fen ({planning.cost_band_max_fen}), got "
            f"{planning.cost_band_min_fen}",
        )
    if planning.repeat_meal not in REPEAT_MEAL_RULES:
        bad(
            "repeat_meal",
            f"must be one of {', '.join(REPEAT_MEAL_RULES)}, got {planning.repeat_meal!r}",
        )
    if planning.menu_backend not in MENU_BACKENDS:
        bad(
            "menu_backend",
            f"must be one of {', '.join(MENU_BACKENDS)}, got {planning.menu_backend!r}",
        )
    for category, fen in planning.elder_price_fen.items():
        if isinstance(fen, bool) or not isinstance(fen, int) or not 0 <= fen <= MAX_PRICE_FEN:
            bad(
                f"elder_price_fen.{category}",
                f"must be a whole number of fen between 0 and {MAX_PRICE_FEN}, got {fen!r}",
            )
    return problems


MAX_AUTO_WORKERS = 4
"""Processes used when ``workers`` is 0 (one per core): at most this many."""


def resolve_workers(setting: int) -> int:
    """Processes for a ``[planning] workers`` setting (0: one per core, at most
    :data:`MAX_AUTO_WORKERS`)."""
    if setting < 0:
        raise ValueError(f"workers must be >= 0, got {setting}")
    if setting:
        return setting
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return max(1, min(MAX_AUTO_WORKERS, cores or 1))


@dataclass(frozen=True)
class DistributedSettings:
    """Celery on Redis (docs/deployment.md); no broker: everything runs locally."""

    broker_url: str = ""  # MEALPLAN_BROKER_URL; "" = local process pool and panel processes
    result_url: str = ""  # MEALPLAN_RESULT_URL; "" = the broker
    # a task whose worker machine vanished is handed to another worker after this long
    # (must exceed the longest task; a worker process killed on a live machine is
    # re-queued at once)
    visibility_timeout_s: int = 3600
    batch_time: str = "09:15"  # `mealplan beat`: when the daily batch runs (HH:MM, local)
    batch_services: str = "lunch"  # comma-separated services the batch plans


DISTRIBUTED_RANGES: dict[str, tuple[int, int]] = {"visibility_timeout_s": (60, 7 * 86_400)}


def distributed_problems(d: DistributedSettings) -> list[str]:
    """What is wrong with a ``[distributed]`` section (each naming its key)."""
    problems = []
    for key, (low, high) in DISTRIBUTED_RANGES.items():
        value = getattr(d, key)
        if not low <= value <= high:
            problems.append(f"[distributed] {key}: must be {low}..{high}, got {value}")
    if _hhmm(d.batch_time) is None:
        problems.append(f"[distributed] batch_time: must be HH:MM, got {d.batch_time!r}")
    services = [s.strip() for s in d.batch_services.split(",") if s.strip()]
    if not services or any(s not in ("lunch", "dinner") for s in services):
        problems.append(
            f"[distributed] batch_services: lunch and/or dinner, got {d.batch_services!r}"
        )
    for key in ("broker_url", "result_url"):
        url = getattr(d, key)
        if url and not url.startswith(("redis://", "rediss://", "memory://")):
            problems.append(f"[distributed] {key}: must be a redis:// URL, got {url!r}")
    return problems


@dataclass(frozen=True)
class Settings:
    database_url: str
    instance_path: Path
    planning: PlanningSettings = field(default_factory=PlanningSettings)
    distributed: DistributedSettings = field(default_factory=DistributedSettings)
    osrm_url: str | None = None
    secret_key: str | None = None

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


def _apply_section(obj: Any, data: dict[str, Any], section: str) -> Any:
    known = {f.name: f for f in fields(obj)}
    changes: dict[str, Any] = {}
    for key, value in data.items():
        if key not in known:
            warnings.warn(
                f"unknown configuration key [{section}] {key!r} (ignored)",
                UnknownConfigKeyWarning,
                stacklevel=3,
            )
            continue
        current = getattr(obj, key)
        if isinstance(value, bool) and not isinstance(current, bool):
            raise ConfigError(f"[{section}] {key}: must be {type(current).__name__}, got {value!r}")
        if current is not None and not isinstance(value, type(current)):
            if isinstance(current, float) and isinstance(value, int):
                value = float(value)
            else:
                raise ConfigError(
                    f"[{section}] {key}: must be {type(current).__name__}, got {value!r}"
                )
        changes[key] = value
    return replace(obj, **changes)


def load_settings(env: dict[str, str] | None = None) -> Settings:
    """Read the settings from the environment (``os.environ`` by default) and config file."""
    env = dict(os.environ) if env is None else env
    instance = Path(env.get("MEALPLAN_INSTANCE_PATH", "instance")).resolve()
    url = env.get("MEALPLAN_DATABASE_URL") or f"sqlite:///{instance / 'mealplan.sqlite3'}"
    settings = Settings(database_url=url, instance_path=instance)
    config_path = env.get("MEALPLAN_CONFIG")
    if config_path:
        path = Path(config_path)
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except UnicodeDecodeError as exc:
            raise ConfigError(
                f"cannot read configuration file {path}: not UTF-8 text "
                f"(byte {exc.start}); save it as UTF-8"
            ) from exc
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise ConfigError(f"cannot read configuration file {path}: {exc}") from exc
        for key, value in data.items():
            if key == "planning" and isinstance(value, dict):
                settings = replace(
                    settings, planning=_apply_section(settings.planning, value, "planning")
                )
            elif key == "distributed" and isinstance(value, dict):
                settings = replace(
                    settings,
                    distributed=_apply_section(settings.distributed, value, "distributed"),
                )
            elif key == "osrm_url":
                settings = replace(settings, osrm_url=str(value))
            elif key == "secret_key":
                settings = replace(settings, secret_key=str(value))
            else:
                warnings.warn(
                    f"unknown configuration key {key!r} in {path} (ignored)",
                    UnknownConfigKeyWarning,
                    stacklevel=2,
                )
    if env.get("MEALPLAN_WORKERS"):
        raw = env["MEALPLAN_WORKERS"]
        if not (raw.isascii() and raw.isdigit()):
            raise ConfigError(f"MEALPLAN_WORKERS must be a whole number >= 0, got {raw!r}")
        planning = replace(settings.planning, workers=int(raw))
        settings = replace(settings, planning=planning)
    if settings.planning.workers < 0:
        raise ConfigError(f"[planning] workers must be >= 0, got {settings.planning.workers}")
    problems = planning_problems(settings.planning)
    if problems:
        raise ConfigError("; ".join(problems))
    if env.get("MEALPLAN_BROKER_URL"):
        distributed = replace(settings.distributed, broker_url=env["MEALPLAN_BROKER_URL"].strip())
        settings = replace(settings, distributed=distributed)
    if env.get("MEALPLAN_RESULT_URL"):
        distributed = replace(settings.distributed, result_url=env["MEALPLAN_RESULT_URL"].strip())
        settings = replace(settings, distributed=distributed)
    problems = distributed_problems(settings.distributed)
    if problems:
        raise ConfigError("; ".join(problems))
    if env.get("MEALPLAN_OSRM_URL"):
        settings = replace(settings, osrm_url=env["MEALPLAN_OSRM_URL"])
    if env.get("MEALPLAN_SECRET_KEY"):
        settings = replace(settings, secret_key=env["MEALPLAN_SECRET_KEY"])
    return settings
