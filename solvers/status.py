"""Solver outcome shared by the planners (menu, routing).

Each solver maps its backend's own status onto this enum, so callers never read PuLP,
HiGHS or OR-Tools codes.
"""

from __future__ import annotations

from enum import StrEnum

__all__ = ["SolveStatus"]


class SolveStatus(StrEnum):
    """Outcome of a solve.

    ``OPTIMAL``: proven optimal (within the requested relative gap).
    ``FEASIBLE``: a plan was found but optimality is not proven (stopped on a limit).
    ``INFEASIBLE``: proven that no plan satisfies the hard rules.
    ``NO_SOLUTION``: a limit stopped the search before any plan was found.
    ``ERROR``: the backend failed (not installed, crashed, bad model).
    """

    OPTIMAL = "optimal"
    FEASIBLE = "feasible"
    INFEASIBLE = "infeasible"
    NO_SOLUTION = "no_solution"
    ERROR = "error"

    @property
    def has_solution(self) -> bool:
        """True when a plan comes with this status."""
        return self in (SolveStatus.OPTIMAL, SolveStatus.FEASIBLE)
