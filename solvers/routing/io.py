"""A :class:`RoutingProblem` as plain JSON data (integer matrices), for fixtures and
for reproducing a product problem outside the database.

``problem_to_dict`` / ``problem_from_dict`` are exact inverses; ``save_problem`` /
``load_problem`` write and read compact JSON files.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from solvers.routing.types import Kitchen, RoutingProblem, Stop, StopKind, TravelMatrix, Vehicle

FORMAT = "mealplan-routing-problem/1"


def problem_to_dict(problem: RoutingProblem) -> dict[str, Any]:
    """JSON-ready dict of a problem (lists, ints, floats, strings only)."""
    return {
        "format": FORMAT,
        "split_oversize": problem.split_oversize,
        "kitchens": [
            {"id": k.id, "location": k.location, "lat": k.lat, "lon": k.lon}
            for k in problem.kitchens
        ],
        "stops": [
            {
                "id": s.id,
                "location": s.location,
                "hot": s.hot,
                "cold": s.cold,
                "window": list(s.window),
                "service_minutes": s.service_minutes,
                "kind": s.kind.value,
                "hold_limit": s.hold_limit,
                "name": s.name,
                "lat": s.lat,
                "lon": s.lon,
            }
            for s in problem.stops
        ],
        "vehicles": [
            {
                "id": v.id,
                "kind": v.kind,
                "start_kitchen": v.start_kitchen,
                "hot_capacity": v.hot_capacity,
                "cold_capacity": v.cold_capacity,
                "end_kitchen": v.end_kitchen,
                "shift": list(v.shift),
                "fixed_cost": v.fixed_cost,
                "cost_per_metre": v.cost_per_metre,
                "cost_per_minute": v.cost_per_minute,
                "max_trips": v.max_trips,
                "reload_minutes": v.reload_minutes,
                "loading_minutes": v.loading_minutes,
                "ready_times": list(v.ready_times),
            }
            for v in problem.vehicles
        ],
        "matrices": {
            kind: {"metres": [list(r) for r in m.metres], "minutes": [list(r) for r in m.minutes]}
            for kind, m in problem.matrices.items()
        },
    }


def _window(value: Any) -> tuple[int, int]:
    a, b = value
    return int(a), int(b)


def problem_from_dict(data: dict[str, Any]) -> RoutingProblem:
    """Inverse of :func:`problem_to_dict` (raises ``ValueError`` on a bad document)."""
    if data.get("format") != FORMAT:
        raise ValueError(f"not a {FORMAT} document (format {data.get('format')!r})")
    kitchens = tuple(
        Kitchen(k["id"], k["location"], k.get("lat"), k.get("lon")) for k in data["kitchens"]
    )
    stops = tuple(
        Stop(
            id=s["id"],
            location=s["location"],
            hot=s["hot"],
            cold=s["cold"],
            window=_window(s["window"]),
            service_minutes=s["service_minutes"],
            kind=StopKind(s["kind"]),
            hold_limit=s["hold_limit"],
            name=s.get("name", ""),
            lat=s.get("lat"),
            lon=s.get("lon"),
        )
        for s in data["stops"]
    )
    vehicles = tuple(
        Vehicle(
            id=v["id"],
            kind=v["kind"],
            start_kitchen=v["start_kitchen"],
            hot_capacity=v["hot_capacity"],
            cold_capacity=v["cold_capacity"],
            end_kitchen=v["end_kitchen"],
            shift=_window(v["shift"]),
            fixed_cost=v["fixed_cost"],
            cost_per_metre=v["cost_per_metre"],
            cost_per_minute=v["cost_per_minute"],
            max_trips=v["max_trips"],
            reload_minutes=v["reload_minutes"],
            loading_minutes=v["loading_minutes"],
            ready_times=tuple(v["ready_times"]),
        )
        for v in data["vehicles"]
    )
    matrices = {
        kind: TravelMatrix(
            tuple(tuple(r) for r in m["metres"]), tuple(tuple(r) for r in m["minutes"])
        )
        for kind, m in data["matrices"].items()
    }
    return RoutingProblem(
        kitchens, stops, vehicles, matrices, split_oversize=bool(data.get("split_oversize", True))
    )


def save_problem(problem: RoutingProblem, path: str | Path) -> None:
    """Write a problem as compact JSON (UTF-8)."""
    Path(path).write_text(
        json.dumps(problem_to_dict(problem), ensure_ascii=False, separators=(",", ":")),
        encoding="utf-8",
    )


def load_problem(path: str | Path) -> RoutingProblem:
    """Read a problem written by :func:`save_problem`."""
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    if not isinstance(data, dict):
        raise ValueError(f"{path}: not a JSON object")
    return problem_from_dict(data)
