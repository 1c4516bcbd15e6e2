"""What one import carries from parsing to writing: typed rows, errors, warnings, refs."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from mealplan.config import PlanningSettings
from mealplan.errors import RowError
from mealplan.io.reading import RawTable

Row = dict[str, Any]


@dataclass
class Parsed:
    """Typed rows of one file plus what the checks found."""

    kind: str
    table: RawTable
    present: frozenset[str]
    rows: list[tuple[int, Row]]
    errors: list[RowError] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    refs: dict[str, dict[str, int]] = field(default_factory=dict)  # kind -> code -> id
    planning: PlanningSettings | None = None  # supplies configured defaults
    failed: set[tuple[int, str]] = field(default_factory=set)  # (row, column) not parsed

    def error(self, row: int | None, name: str | None, value: object, message: str) -> None:
        column = None if name is None else self.table.header_of(name)
        self.errors.append(RowError(self.table.filename, row, column, value, message))

    def warn(self, row: int | None, message: str) -> None:
        where = f"{self.table.filename}, row {row}" if row is not None else self.table.filename
        self.warnings.append(f"{where}: {message}")


@dataclass
class Counts:
    """Records created, updated and left unchanged by an import."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0

    def add(self, state: str) -> None:
        setattr(self, state, getattr(self, state) + 1)
