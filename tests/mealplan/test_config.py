"""Configuration: every [planning] value is range-checked at load, naming its key; a file
that is not UTF-8 is a ConfigError naming the file."""

from __future__ import annotations

from pathlib import Path

import pytest

from mealplan.config import PLANNING_RANGES, PlanningSettings, load_settings, planning_problems
from mealplan.errors import ConfigError


def _load(tmp_path: Path, body: str) -> object:
    cfg = tmp_path / "mealplan.toml"
    cfg.write_text(body, encoding="utf-8")
    return load_settings({"MEALPLAN_INSTANCE_PATH": str(tmp_path), "MEALPLAN_CONFIG": str(cfg)})


def test_defaults_are_valid() -> None:
    """The shipped defaults pass every check."""
    assert planning_problems(PlanningSettings()) == []


def test_hold_limit_out_of_range_names_the_key(tmp_path: Path) -> None:
    """A negative hold limit is refused with the key, the range and the value."""
    with pytest.raises(
        ConfigError,
        match=r"\[planning\] hold_limit_home_minutes: must be between 1 and 600, got -5",
    ):
        _load(tmp_path, "[planning]\nhold_limit_home_minutes = -5\n")


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("forecast_weeks", "0"),
        ("hold_limit_bulk_minutes", "-1"),
        ("hold_limit_home_minutes", "0"),
        ("hold_limit_home_minutes", "601"),
        ("purchase_waste_allowance", "-0.1"),
        ("purchase_waste_allowance", "1.5"),
        ("purchase_waste_allowance", "nan"),
        ("default_budget_fen", "0"),
        ("menu_time_limit_s", "-3.0"),
        ("menu_time_limit_s", "inf"),
        ("routing_time_limit_s", "0"),
        ("workers", "65"),
        ("max_trips_per_vehicle", "0"),
        ("reload_minutes", "-15"),
        ("home_service_minutes", "-1"),
        ("vehicle_fixed_cost", "-1"),
        ("circuity_van", "0.5"),
        ("circuity_e_tricycle", "0"),
        ("seed", "-1"),
        ("fish_meals_per_week_min", "-1"),
        ("pork_meals_per_week_max", "22"),
        ("share_reward_fen", "-1"),
        ("soft_bound_weight_fen", "-200"),
        ("meal_price_fen", "-1"),
    ],
)
def test_each_number_is_range_checked(tmp_path: Path, key: str, value: str) -> None:
    """Every numeric [planning] key refuses a value outside its range, naming the key."""
    assert key in PLANNING_RANGES
    with pytest.raises(ConfigError, match=rf"\[planning\] {key}: must be between"):
        _load(tmp_path, f"[planning]\n{key} = {value}\n")


def test_every_numeric_key_has_a_range() -> None:
    """No number in PlanningSettings escapes the range table."""
    numeric = {
        name
        for name, value in vars(PlanningSettings()).items()
        if isinstance(value, int | float) and not isinstance(value, bool)
    }
    assert numeric == set(PLANNING_RANGES)


@pytest.mark.parametrize("value", ["25:99", "24:00", "9", "9:5", "09:00:00", "", "０９:００"])
def test_bad_cutoff_is_refused(tmp_path: Path, value: str) -> None:
    """The headcount cut-off must be a clock time HH:MM."""
    with pytest.raises(ConfigError, match=r"\[planning\] headcount_cutoff: must be a time HH:MM"):
        _load(tmp_path, f'[planning]\nheadcount_cutoff = "{value}"\n')


@pytest.mark.parametrize("value", ["17:30-16:30", "16:30", "16:30-25:00", "x-y"])
def test_bad_dinner_window_is_refused(tmp_path: Path, value: str) -> None:
    """The default dinner window is HH:MM-HH:MM with the start first."""
    with pytest.raises(ConfigError, match=r"\[planning\] default_dinner_window"):
        _load(tmp_path, f'[planning]\ndefault_dinner_window = "{value}"\n')


def test_unknown_menu_backend_is_refused(tmp_path: Path) -> None:
    """Only the backends the menu solver knows."""
    with pytest.raises(ConfigError, match=r"\[planning\] menu_backend: must be one of highs, cbc"):
        _load(tmp_path, '[planning]\nmenu_backend = "gurobi"\n')


def test_bad_elder_price_is_refused(tmp_path: Path) -> None:
    """Each elder price is whole fen in range, named by its category."""
    with pytest.raises(ConfigError, match=r"\[planning\] elder_price_fen.age_80"):
        _load(tmp_path, "[planning]\nelder_price_fen = { age_80 = -300 }\n")
    with pytest.raises(ConfigError, match=r"\[planning\] elder_price_fen.age_60"):
        _load(tmp_path, '[planning]\nelder_price_fen = { age_60 = "5" }\n')


def test_boolean_for_a_number_is_refused(tmp_path: Path) -> None:
    """``true`` is not a count of trips (bool is an int in Python)."""
    with pytest.raises(ConfigError, match=r"\[planning\] max_trips_per_vehicle: must be int"):
        _load(tmp_path, "[planning]\nmax_trips_per_vehicle = true\n")


def test_good_values_load(tmp_path: Path) -> None:
    """In-range values are kept (ints for float keys are widened)."""
    settings = _load(
        tmp_path,
        '[planning]\nheadcount_cutoff = "08:30"\nhold_limit_home_minutes = 45\n'
        'default_dinner_window = "16:00-17:00"\nrouting_time_limit_s = 5\n',
    )
    planning = settings.planning  # type: ignore[attr-defined]
    assert planning.headcount_cutoff == "08:30"
    assert planning.hold_limit_home_minutes == 45
    assert planning.routing_time_limit_s == 5.0


def test_non_utf8_file_is_a_config_error_naming_it(tmp_path: Path) -> None:
    """A GBK-encoded file is a ConfigError naming the file, not a UnicodeDecodeError."""
    cfg = tmp_path / "mealplan.toml"
    cfg.write_bytes("# 配置\n[planning]\nforecast_weeks = 4\n".encode("gbk"))
    with pytest.raises(ConfigError, match=r"mealplan\.toml: not UTF-8") as caught:
        load_settings({"MEALPLAN_INSTANCE_PATH": str(tmp_path), "MEALPLAN_CONFIG": str(cfg)})
    assert str(cfg) in str(caught.value)


def test_superscript_workers_is_a_config_error() -> None:
    """MEALPLAN_WORKERS=² (isdigit() but not int()) is a ConfigError, not a ValueError."""
    with pytest.raises(ConfigError, match="MEALPLAN_WORKERS"):
        load_settings({"MEALPLAN_WORKERS": "²"})
