"""Travel-time providers: haversine values, user matrices, OSRM against a fake server."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from solvers.travel import (
    HaversineProvider,
    MatrixProvider,
    OsrmProvider,
    TravelProvider,
    VehicleProfile,
    haversine_m,
)


def test_haversine_one_degree_of_latitude() -> None:
    """haversine: one degree of latitude is 2*pi*6371008.8/360 = 111195.08 m."""
    assert haversine_m((30.0, 120.0), (31.0, 120.0)) == pytest.approx(111195.08, abs=0.01)


def test_haversine_provider_circuity_and_speed() -> None:
    """haversine provider: 111195 m x 1.5 = 166793 m; at 60 km/h = 166.8 -> 167 min (up)."""
    prov = HaversineProvider(profiles={"van": VehicleProfile(circuity=1.5, speed_kmh=60)})
    metres, minutes = prov.matrices([(30.0, 120.0), (31.0, 120.0)], "van")
    assert metres == [[0, 166793], [166793, 0]]
    assert minutes == [[0, 167], [167, 0]]


def test_haversine_provider_unknown_kind() -> None:
    """haversine provider: unknown kinds use the default profile, or raise without one."""
    pts = [(30.0, 120.0), (30.0, 120.01)]
    assert HaversineProvider().matrices(pts, "boat")[0][0][1] > 0
    with pytest.raises(ValueError, match="boat"):
        HaversineProvider(default=None).matrices(pts, "boat")


def test_matrix_provider_selects_sub_matrix() -> None:
    """matrix provider: asking for points (c, a) returns rows/columns 2 and 0 in that order."""
    a, b, c = (30.0, 120.0), (30.1, 120.0), (30.2, 120.0)
    prov: TravelProvider = MatrixProvider(
        points=[a, b, c],
        metres={"van": [[0, 1, 2], [3, 0, 4], [5, 6, 0]]},
        minutes={"van": [[0, 10, 20], [30, 0, 40], [50, 60, 0]]},
    )
    assert prov.matrices([c, a], "van") == ([[0, 5], [2, 0]], [[0, 50], [20, 0]])


def test_matrix_provider_validates() -> None:
    """matrix provider: a ragged or negative matrix is rejected naming the cell."""
    with pytest.raises(ValueError, match=r"metres\['van'\]\[0\]\[1\]"):
        MatrixProvider(
            points=[(0.0, 0.0), (0.0, 1.0)],
            metres={"van": [[0, -1], [1, 0]]},
            minutes={"van": [[0, 1], [1, 0]]},
        )
    with pytest.raises(ValueError, match="row 1"):
        MatrixProvider(
            points=[(0.0, 0.0), (0.0, 1.0)],
            metres={"van": [[0, 1], [1]]},
            minutes={"van": [[0, 1], [1, 0]]},
        )


class _FakeOsrm(BaseHTTPRequestHandler):
    paths: list[str] = []

    def do_GET(self) -> None:  # noqa: N802
        _FakeOsrm.paths.append(self.path)
        body = json.dumps(
            {
                "code": "Ok",
                "durations": [[0, 90.5], [61, 0]],
                "distances": [[0, 1200.4], [1150.6, 0]],
            }
        ).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        return


@pytest.fixture
def osrm_url() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _FakeOsrm)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def test_osrm_provider_parses_table(osrm_url: str) -> None:
    """OSRM: lon,lat order in the URL; seconds rounded up to minutes, metres to nearest."""
    prov = OsrmProvider(osrm_url, profiles={"tricycle": "bike"})
    metres, minutes = prov.matrices([(31.2, 121.4), (31.21, 121.41)], "tricycle")
    assert metres == [[0, 1200], [1151, 0]]
    assert minutes == [[0, 2], [2, 0]]  # 90.5 s -> 2 min, 61 s -> 2 min
    assert _FakeOsrm.paths[-1].startswith("/table/v1/bike/121.400000,31.200000;")
    assert "annotations=duration,distance" in _FakeOsrm.paths[-1]
