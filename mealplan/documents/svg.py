"""A small route map as inline SVG, drawn from coordinates alone (no tiles, works offline)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from xml.sax.saxutils import escape

FONT = "Noto Sans CJK SC"


def _project(points: Sequence[tuple[float, float]]) -> list[tuple[float, float]]:
    """Equirectangular projection: x = lon x cos(mean latitude), y = lat (degrees)."""
    mean_lat = sum(lat for lat, _ in points) / len(points)
    k = math.cos(math.radians(mean_lat))
    return [(lon * k, lat) for lat, lon in points]


def route_map_svg(
    points: Sequence[tuple[float, float]],
    width: int = 320,
    height: int = 240,
    *,
    padding: int = 18,
    labels: Sequence[str] | None = None,
    return_leg: bool = True,
) -> str:
    """An SVG map of one trip.

    Args:
        points: ``(lat, lon)`` in degrees; the first is the kitchen, the rest the stops in
            delivery order.
        width, height: size of the drawing in SVG user units (CSS px).
        padding: margin kept free around the drawn points.
        labels: text of each stop marker (default ``1, 2, ...``).
        return_leg: draw the way back to the kitchen as a dashed line.

    Returns:
        An ``<svg>`` element: the kitchen as a square (``class="kitchen"``), each stop as a
        numbered circle (``class="stop"``), the route as a polyline (``class="route"``).
        North is up; both axes share one scale so distances keep their proportions.

    Raises:
        ValueError: no points, a size not larger than twice the padding, or wrong labels.
    """
    if not points:
        raise ValueError("route_map_svg needs at least the kitchen's point")
    if width <= 2 * padding or height <= 2 * padding:
        raise ValueError(f"width and height must exceed 2 x padding ({2 * padding})")
    n_stops = len(points) - 1
    if labels is None:
        labels = [str(i) for i in range(1, n_stops + 1)]
    if len(labels) != n_stops:
        raise ValueError(f"{len(labels)} labels for {n_stops} stops")

    xy = _project(points)
    xs = [x for x, _ in xy]
    ys = [y for _, y in xy]
    span_x = max(xs) - min(xs)
    span_y = max(ys) - min(ys)
    inner_w = width - 2 * padding
    inner_h = height - 2 * padding
    fits = [inner_w / span_x] if span_x else []
    fits += [inner_h / span_y] if span_y else []
    scale = min(fits) if fits else 1.0  # one point (or all equal): drawn at the centre
    mid_x = (max(xs) + min(xs)) / 2
    mid_y = (max(ys) + min(ys)) / 2

    def to_px(x: float, y: float) -> tuple[float, float]:
        return (
            round(width / 2 + (x - mid_x) * scale, 1),
            round(height / 2 - (y - mid_y) * scale, 1),
        )

    px = [to_px(x, y) for x, y in xy]
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="route-map" width="{width}" '
        f'height="{height}" viewBox="0 0 {width} {height}">',
        f'<rect class="frame" x="0.5" y="0.5" width="{width - 1}" height="{height - 1}" '
        'fill="#ffffff" stroke="#999999" stroke-width="1"/>',
    ]
    if n_stops:
        path = " ".join(f"{x},{y}" for x, y in px)
        parts.append(
            f'<polyline class="route" points="{path}" fill="none" stroke="#333333" '
            'stroke-width="1.5" stroke-linejoin="round"/>'
        )
        if return_leg:
            (x0, y0), (x1, y1) = px[0], px[-1]
            parts.append(
                f'<line class="return" x1="{x1}" y1="{y1}" x2="{x0}" y2="{y0}" '
                'stroke="#999999" stroke-width="1" stroke-dasharray="4 3"/>'
            )
    kx, ky = px[0]
    parts.append(
        f'<rect class="kitchen" x="{kx - 6}" y="{ky - 6}" width="12" height="12" fill="#000000"/>'
    )
    for (x, y), label in zip(px[1:], labels, strict=True):
        parts.append(
            f'<circle class="stop" cx="{x}" cy="{y}" r="8" fill="#ffffff" stroke="#000000" '
            'stroke-width="1.2"/>'
        )
        parts.append(
            f'<text class="stop-label" x="{x}" y="{round(y + 3.5, 1)}" font-family="{FONT}" '
            f'font-size="10" text-anchor="middle" fill="#000000">{escape(label)}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)
