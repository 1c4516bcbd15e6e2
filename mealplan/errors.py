"""Errors the use cases raise; entry points (CLI, web) translate them for people."""

from __future__ import annotations

from dataclasses import dataclass


class MealplanError(Exception):
    """Base class for errors a user can act on (bad input, missing data, a busy lock)."""


class NotFoundError(MealplanError):
    """A record named by code does not exist."""


class ConfigError(MealplanError):
    """The configuration is invalid."""


class PlanLockedError(MealplanError):
    """Another run holds the lock for the same date and service."""


@dataclass(frozen=True)
class RowError:
    """One problem in an imported file: where it is and what is wrong."""

    file: str
    row: (
        int | None
    )  # 1-based data row as a spreadsheet shows it (header is row 1); None = file-level
    column: str | None
    value: object
    message: str

    def __str__(self) -> str:
        where = self.file
        if self.row is not None:
            where += f", row {self.row}"
        if self.column is not None:
            where += f", column {self.column!r}"
        value = "" if self.value is None else f" (value {self.value!r})"
        return f"{where}: {self.message}{value}"


class ImportValidationError(MealplanError):
    """An imported file has errors; nothing was written."""

    def __init__(self, errors: list[RowError]) -> None:
        self.errors = errors
        lines = "\n".join(f"  - {e}" for e in errors[:200])
        more = f"\n  ... and {len(errors) - 200} more" if len(errors) > 200 else ""
        super().__init__(f"{len(errors)} error(s); nothing was imported:\n{lines}{more}")
