"""Travel-time providers: (metres, minutes) matrices for a list of points and a vehicle kind.

Every provider implements :class:`TravelProvider`::

    metres, minutes = provider.matrices([(lat, lon), ...], "van")

Both matrices are square lists of lists of non-negative integers, indexed like the points,
with zeros on the diagonal. The routing solver (:mod:`solvers.routing`) takes one such pair
per vehicle kind.

- :class:`HaversineProvider` (the default, no setup): great-circle distance times a circuity
  factor per vehicle kind, driven at a speed per kind.
- :class:`MatrixProvider`: matrices supplied by the caller (e.g. parsed from a CSV file).
- :class:`OsrmProvider`: the ``table`` service of an OSRM server (``urllib`` only).

Pure: standard library only.
"""

from __future__ import annotations

import json
import logging
import math
import urllib.request
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol

logger = logging.getLogger(__name__)

Point = tuple[float, float]
"""(latitude, longitude) in decimal degrees (WGS-84; GCJ-02 is close enough for estimates)."""

IntMatrix = list[list[int]]

EARTH_RADIUS_M = 6_371_008.8
"""Mean Earth radius in metres (IUGG)."""


class TravelProvider(Protocol):
    """Anything that turns points and a vehicle kind into (metres, minutes) matrices."""

    def matrices(self, points: Sequence[Point], vehicle_kind: str) -> tuple[IntMatrix, IntMatrix]:
        """Return ``(metres, minutes)``, both ``len(points) x len(points)``, integers >= 0."""
        ...


def _check_points(points: Sequence[Point]) -> None:
    for i, (lat, lon) in enumerate(points):
        if not (-90.0 <= lat <= 90.0) or not (-180.0 <= lon <= 180.0):
            raise ValueError(f"point {i} = ({lat}, {lon}) is not a (lat, lon) in degrees")


def haversine_m(a: Point, b: Point) -> float:
    """Great-circle distance in metres between two (lat, lon) points."""
    lat1, lon1 = math.radians(a[0]), math.radians(a[1])
    lat2, lon2 = math.radians(b[0]), math.radians(b[1])
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(h)))


@dataclass(frozen=True)
class VehicleProfile:
    """How a vehicle kind moves: road metres per straight metre, and average speed.

    Attributes:
        circuity: road distance / great-circle distance (>= 1; about 1.3 in Chinese cities).
        speed_kmh: average door-to-door speed in km/h (> 0).
    """

    circuity: float = 1.3
    speed_kmh: float = 25.0

    def __post_init__(self) -> None:
        if not (self.circuity >= 1.0 and math.isfinite(self.circuity)):
            raise ValueError(f"circuity must be >= 1, got {self.circuity}")
        if not (self.speed_kmh > 0 and math.isfinite(self.speed_kmh)):
            raise ValueError(f"speed_kmh must be > 0, got {self.speed_kmh}")


DEFAULT_PROFILES: Mapping[str, VehicleProfile] = {
    "van": VehicleProfile(circuity=1.3, speed_kmh=25.0),
    "tricycle": VehicleProfile(circuity=1.25, speed_kmh=15.0),
    "car": VehicleProfile(circuity=1.3, speed_kmh=30.0),
}
"""Rough urban defaults; override per deployment."""


@dataclass(frozen=True)
class HaversineProvider:
    """Great-circle distance x circuity, at a constant speed per vehicle kind.

    Attributes:
        profiles: vehicle kind -> :class:`VehicleProfile`.
        default: profile for kinds not in ``profiles`` (``None``: unknown kinds raise).

    Metres are rounded to the nearest metre; minutes are rounded up (never optimistic), so a
    non-zero distance takes at least one minute.
    """

    profiles: Mapping[str, VehicleProfile] = field(default_factory=lambda: dict(DEFAULT_PROFILES))
    default: VehicleProfile | None = VehicleProfile()

    def profile(self, vehicle_kind: str) -> VehicleProfile:
        """The profile used for ``vehicle_kind``."""
        if vehicle_kind in self.profiles:
            return self.profiles[vehicle_kind]
        if self.default is None:
            raise ValueError(f"no travel profile for vehicle kind {vehicle_kind!r}")
        return self.default

    def matrices(self, points: Sequence[Point], vehicle_kind: str) -> tuple[IntMatrix, IntMatrix]:
        """(metres, minutes) matrices; see the class docstring for rounding."""
        _check_points(points)
        prof = self.profile(vehicle_kind)
        metres_per_min = prof.speed_kmh * 1000.0 / 60.0
        n = len(points)
        metres: IntMatrix = [[0] * n for _ in range(n)]
        minutes: IntMatrix = [[0] * n for _ in range(n)]
        for i in range(n):
            for j in range(i + 1, n):
                road = haversine_m(points[i], points[j]) * prof.circuity
                m = round(road)
                t = math.ceil(road / metres_per_min - 1e-9)
                metres[i][j] = metres[j][i] = m
                minutes[i][j] = minutes[j][i] = t
        return metres, minutes


def _check_matrix(name: str, matrix: Sequence[Sequence[int]], n: int | None = None) -> IntMatrix:
    size = len(matrix) if n is None else n
    if len(matrix) != size:
        raise ValueError(f"{name} has {len(matrix)} rows, expected {size}")
    out: IntMatrix = []
    for i, row in enumerate(matrix):
        if len(row) != size:
            raise ValueError(f"{name} row {i} has {len(row)} entries, expected {size}")
        for j, v in enumerate(row):
            if not isinstance(v, int) or isinstance(v, bool) or v < 0:
                raise ValueError(f"{name}[{i}][{j}] = {v!r} is not an integer >= 0")
        out.append(list(row))
    return out


@dataclass(frozen=True)
class MatrixProvider:
    """Matrices supplied by the caller, indexed by position in a fixed list of points.

    Attributes:
        points: the points the matrices are indexed by (a requested point must be one of
            them, matched exactly).
        metres: vehicle kind -> square matrix of integer metres.
        minutes: vehicle kind -> square matrix of integer minutes.
        default_kind: kind used when a requested kind is missing (``None``: raise).
    """

    points: Sequence[Point]
    metres: Mapping[str, Sequence[Sequence[int]]]
    minutes: Mapping[str, Sequence[Sequence[int]]]
    default_kind: str | None = None

    def __post_init__(self) -> None:
        _check_points(self.points)
        n = len(self.points)
        if set(self.metres) != set(self.minutes):
            raise ValueError(
                f"metres kinds {sorted(self.metres)} != minutes kinds {sorted(self.minutes)}"
            )
        for kind in self.metres:
            _check_matrix(f"metres[{kind!r}]", self.metres[kind], n)
            _check_matrix(f"minutes[{kind!r}]", self.minutes[kind], n)
        if self.default_kind is not None and self.default_kind not in self.metres:
            raise ValueError(f"default_kind {self.default_kind!r} has no matrices")

    def matrices(self, points: Sequence[Point], vehicle_kind: str) -> tuple[IntMatrix, IntMatrix]:
        """The sub-matrices for ``points`` (each must be one of ``self.points``)."""
        kind = vehicle_kind
        if kind not in self.metres:
            if self.default_kind is None:
                raise ValueError(f"no matrices for vehicle kind {vehicle_kind!r}")
            kind = self.default_kind
        where = {p: i for i, p in enumerate(self.points)}
        idx: list[int] = []
        for p in points:
            if p not in where:
                raise ValueError(f"point {p} is not in the matrix provider's points")
            idx.append(where[p])
        dm, tm = self.metres[kind], self.minutes[kind]
        return [[dm[a][b] for b in idx] for a in idx], [[tm[a][b] for b in idx] for a in idx]


@dataclass(frozen=True)
class OsrmProvider:
    """OSRM ``table`` service (``/table/v1/{profile}/...?annotations=duration,distance``).

    Attributes:
        base_url: e.g. ``"http://127.0.0.1:5000"`` (no trailing path).
        profiles: vehicle kind -> OSRM profile name (default: ``"driving"`` for every kind).
        timeout_s: HTTP timeout.

    Durations (seconds) are rounded up to minutes, distances to the nearest metre. An
    unreachable pair (``null``) raises ``ValueError``.
    """

    base_url: str
    profiles: Mapping[str, str] = field(default_factory=dict)
    timeout_s: float = 30.0

    def __post_init__(self) -> None:
        if not self.base_url.startswith(("http://", "https://")):
            raise ValueError(f"base_url must start with http:// or https://, got {self.base_url!r}")
        if self.timeout_s <= 0:
            raise ValueError(f"timeout_s must be > 0, got {self.timeout_s}")

    def url(self, points: Sequence[Point], vehicle_kind: str) -> str:
        """The request URL (OSRM wants lon,lat order)."""
        profile = self.profiles.get(vehicle_kind, "driving")
        coords = ";".join(f"{lon:.6f},{lat:.6f}" for lat, lon in points)
        return (
            f"{self.base_url.rstrip('/')}/table/v1/{profile}/{coords}?annotations=duration,distance"
        )

    def matrices(self, points: Sequence[Point], vehicle_kind: str) -> tuple[IntMatrix, IntMatrix]:
        """Query the server once for the full table."""
        _check_points(points)
        n = len(points)
        if n == 0:
            return [], []
        url = self.url(points, vehicle_kind)
        logger.debug("OSRM table request for %d points", n)
        with urllib.request.urlopen(url, timeout=self.timeout_s) as resp:  # noqa: S310
            body = json.loads(resp.read().decode("utf-8"))
        if body.get("code") != "Ok":
            raise ValueError(f"OSRM answered {body.get('code')!r}: {body.get('message', '')}")
        durations = body.get("durations")
        distances = body.get("distances")
        if durations is None or distances is None:
            raise ValueError("OSRM answer lacks durations or distances")
        metres: IntMatrix = [[0] * n for _ in range(n)]
        minutes: IntMatrix = [[0] * n for _ in range(n)]
        for i in range(n):
            for j in range(n):
                if i == j:
                    continue
                d, s = distances[i][j], durations[i][j]
                if d is None or s is None:
                    raise ValueError(f"OSRM found no route from point {i} to point {j}")
                metres[i][j] = round(float(d))
                minutes[i][j] = math.ceil(float(s) / 60.0 - 1e-9)
        return metres, minutes
