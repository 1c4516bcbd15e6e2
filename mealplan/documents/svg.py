"""Route maps as inline SVG, drawn from coordinates alone (no tiles, works offline).

One renderer, :func:`routes_svg`, draws any number of routes: the panel's map of a day
(every vehicle in its palette colour) and a route sheet's map of one trip
(:func:`route_map_svg`, the same drawing with one black route).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from xml.sax.saxutils import escape

FONT = "Noto Sans CJK SC"

#: Route colours, distinct on screen and in grey print (cycled past ten routes).
PALETTE = (
    "#1f77b4",
    "#d62728",
    "#2ca02c",
    "#9467bd",
    "#ff7f0e",
    "#17becf",
    "#8c564b",
    "#e377c2",
    "#7f7f7f",
    "#bcbd22",
)

#: Above this many points the stops are drawn small and unnumbered (the numbers overlap).
CROWDED_POINTS = 400


@dataclass(frozen=True)
class MapPoint:
    """A kitchen or a stop: ``(lat, lon)`` in degrees, the marker's text, a hover title."""

    lat: float
    lon: float
    label: str = ""
    title: str = ""


@dataclass(frozen=True)
class MapTrip:
    """One trip: its stops in delivery order; ``dashed`` for a vehicle's later trips.
    ``key`` is written as ``data-trip`` (the panel links a line to its trip)."""

    stops: tuple[MapPoint, ...]
    dashed: bool = False
    key: str = ""


@dataclass(frozen=True)
class MapRoute:
    """One vehicle's trips from one kitchen, drawn in ``colour``; ``key`` is written as
    ``data-route``."""

    kitchen: MapPoint
    trips: tuple[MapTrip, ...]
    colour: str = "#333333"
    key: str = ""


def _title(text: str) -> str:
    return f"<title>{escape(text)}</title>" if text else ""


def routes_svg(
    routes: Sequence[MapRoute],
    width: int,
    height: int,
    *,
    padding: int = 18,
    css_class: str = "route-map",
    fluid: bool = False,
    return_leg: bool = True,
) -> str:
    """An SVG map of ``routes``.

    Args:
        routes: the routes to draw; each kitchen is drawn once however many routes leave it.
        width, height: size of the drawing in SVG user units (CSS px).
        padding: margin kept free around the drawn points.
        css_class: the ``<svg>`` element's class.
        fluid: scale to the width of the page (``width="100%"``) instead of a fixed size.
        return_leg: draw each trip's way back to the kitchen as a dashed line.

    Returns:
        An ``<svg>`` element: each kitchen a black square (``class="kitchen"``), each trip
        a polyline in its route's colour (``class="trip"``) from the kitchen through its
        stops, each stop a circle (``class="stop"``) with its label (numbered unless more
        than :data:`CROWDED_POINTS` points crowd the map). North is up; both axes share one
        scale so distances keep their proportions. No routes: an empty frame.

    Raises:
        ValueError: a size not larger than twice the padding.
    """
    if width <= 2 * padding or height <= 2 * padding:
        raise ValueError(f"width and height must exceed 2 x padding ({2 * padding})")
    size = (
        'width="100%" preserveAspectRatio="xMidYMid meet"'
        if fluid
        else f'width="{width}" height="{height}"'
    )
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="{escape(css_class)}" '
        f'viewBox="0 0 {width} {height}" {size} role="img">',
        f'<rect class="frame" x="0.5" y="0.5" width="{width - 1}" height="{height - 1}" '
        'fill="#ffffff" stroke="#999999" stroke-width="1"/>',
    ]
    points = [(r.kitchen.lat, r.kitchen.lon) for r in routes]
    points += [(s.lat, s.lon) for r in routes for t in r.trips for s in t.stops]
    if not points:
        return "".join(parts) + "</svg>"
    # equirectangular projection: x = lon x cos(mean latitude), y = lat (degrees)
    k = math.cos(math.radians(sum(lat for lat, _ in points) / len(points)))
    xs = [lon * k for _, lon in points]
    ys = [lat for lat, _ in points]
    span_x, span_y = max(xs) - min(xs), max(ys) - min(ys)
    fits = [(width - 2 * padding) / span_x] if span_x else []
    fits += [(height - 2 * padding) / span_y] if span_y else []
    scale = min(fits) if fits else 1.0  # one point (or all equal): drawn at the centre
    mid_x, mid_y = (max(xs) + min(xs)) / 2, (max(ys) + min(ys)) / 2

    def px(p: MapPoint) -> tuple[float, float]:
        return (
            round(width / 2 + (p.lon * k - mid_x) * scale, 1),
            round(height / 2 - (p.lat - mid_y) * scale, 1),
        )

    crowded = len(points) > CROWDED_POINTS
    radius = 3.5 if crowded else 8
    marks: list[str] = []
    for r in routes:
        kx, ky = px(r.kitchen)
        route_attr = f' data-route="{escape(r.key)}"' if r.key else ""
        for t in r.trips:
            if not t.stops:
                continue
            path = [(kx, ky), *(px(s) for s in t.stops)]
            dash = ' stroke-dasharray="6 3"' if t.dashed else ""
            trip_attr = f' data-trip="{escape(t.key)}"' if t.key else ""
            parts.append(
                f'<polyline class="trip"{route_attr}{trip_attr} points="'
                + " ".join(f"{x},{y}" for x, y in path)
                + f'" fill="none" stroke="{r.colour}" stroke-width="2"{dash} '
                'stroke-linejoin="round" opacity="0.85"/>'
            )
            if return_leg:
                x1, y1 = path[-1]
                parts.append(
                    f'<line class="return" x1="{x1}" y1="{y1}" x2="{kx}" y2="{ky}" '
                    f'stroke="{r.colour}" stroke-width="1" stroke-dasharray="2 4" '
                    'opacity="0.6"/>'
                )
            for s in t.stops:
                x, y = px(s)
                marks.append(
                    f'<circle class="stop" cx="{x}" cy="{y}" r="{radius}" fill="#ffffff" '
                    f'stroke="{r.colour}" stroke-width="2">{_title(s.title)}</circle>'
                )
                if s.label and not crowded:
                    marks.append(
                        f'<text class="stop-label" x="{x}" y="{round(y + 3.5, 1)}" '
                        f'font-family="{FONT}" font-size="10" text-anchor="middle" '
                        f'fill="#000000">{escape(s.label)}</text>'
                    )
    kitchens = {(r.kitchen.lat, r.kitchen.lon): r.kitchen for r in routes}
    for _, kitchen in sorted(kitchens.items()):
        x, y = px(kitchen)
        marks.append(
            f'<rect class="kitchen" x="{round(x - 6, 1)}" y="{round(y - 6, 1)}" width="12" '
            f'height="12" fill="#000000">{_title(kitchen.title)}</rect>'
        )
    parts += marks
    parts.append("</svg>")
    return "".join(parts)


def route_map_svg(
    points: Sequence[tuple[float, float]],
    width: int = 320,
    height: int = 240,
    *,
    padding: int = 18,
    labels: Sequence[str] | None = None,
    return_leg: bool = True,
) -> str:
    """An SVG map of one trip (a route sheet's map), drawn by :func:`routes_svg`.

    Args:
        points: ``(lat, lon)`` in degrees; the first is the kitchen, the rest the stops in
            delivery order.
        width, height: size of the drawing in SVG user units (CSS px).
        padding: margin kept free around the drawn points.
        labels: text of each stop marker (default ``1, 2, ...``).
        return_leg: draw the way back to the kitchen as a dashed line.

    Raises:
        ValueError: no points, a size not larger than twice the padding, or wrong labels.
    """
    if not points:
        raise ValueError("route_map_svg needs at least the kitchen's point")
    n_stops = len(points) - 1
    if labels is None:
        labels = [str(i) for i in range(1, n_stops + 1)]
    if len(labels) != n_stops:
        raise ValueError(f"{len(labels)} labels for {n_stops} stops")
    (klat, klon), stops = points[0], points[1:]
    trip = MapTrip(
        tuple(MapPoint(lat, lon, label) for (lat, lon), label in zip(stops, labels, strict=True))
    )
    route = MapRoute(MapPoint(klat, klon), (trip,), colour="#000000")
    return routes_svg([route], width, height, padding=padding, return_leg=return_leg)
