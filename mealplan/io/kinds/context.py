"""What one import carries from parsing to writing: typed rows, errors, warnings, refs."""

from __future__ import annotations

import reprlib
from dataclasses import dataclass, field
from typing import Any

from mealplan.config import PlanningSettings
from mealplan.errors import RowError
from mealplan.io.reading import RawTable

Row = dict[str, Any]

#: how much of a value an error message shows
SHOWN_CHARACTERS = 200
_REPR = reprlib.Repr()
_REPR.maxlevel = 3
_REPR.maxstring = _REPR.maxother = SHOWN_CHARACTERS


def shown(value: object) -> object:
    """A value as an error names it: long text cut to its start (with its length), lists
    and objects abbreviated, so that a hostile cell cannot flood a message."""
    if isinstance(value, str):
        if len(value) <= SHOWN_CHARACTERS:
            return value
        return f"{value[:SHOWN_CHARACTERS]}… ({len(value)} characters)"
    if isinstance(value, (list, tuple, dict, set)):
        return _REPR.repr(value)
    return value


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
    blank: set[tuple[int, str]] = field(default_factory=set)  # (row, column) left blank

    def given(self, number: int, row: Row, existing: bool) -> Row:
        """The values of ``row`` to write: for a record that exists, a blank cell is not
        given and keeps the stored value (a default is never written over it)."""
        if not existing:
            return row
        return {k: v for k, v in row.items() if (number, k) not in self.blank}

    def grouped(self, key: str) -> list[tuple[Any, int, list[Row]]]:
        """The rows by their value of ``key`` (a record written from several rows, such as a
        dish and its recipe lines): (value, number of its first row, its rows), in file order."""
        groups: dict[Any, tuple[int, list[Row]]] = {}
        for number, row in self.rows:
            groups.setdefault(row[key], (number, []))[1].append(row)
        return [(value, number, rows) for value, (number, rows) in groups.items()]

    def error(self, row: int | None, name: str | None, value: object, message: str) -> None:
        column = None if name is None else self.table.header_of(name)
        self.errors.append(RowError(self.table.filename, row, column, shown(value), message))

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
