"""Boundaries.nearest() against a brute-force reference on the real boundaries file.

The reference measures every kecamatan: the point of its geometry closest in lon/lat (shapely.shortest_line),
the great-circle distance to it, the smallest per code, sorted by (distance, code). nearest() must give the same
codes in the same order and the same distances (rounded to metres; a last-digit difference from float rounding is
allowed) on seeded random points at sea, inside kecamatan, on their borders and anywhere on the globe.
"""

import math
import random
from pathlib import Path

import numpy as np
import pytest
import shapely

from bot.regions.geo import Boundaries

BOUNDARIES = Path(__file__).resolve().parents[1].parent / "shared/data/kecamatan_boundaries.geojson.gz"
EARTH_RADIUS_KM = 6371.0088
SCOPES = (None, "15", "32.02", "91.71.01")
K = 5


@pytest.fixture(scope="module")
def boundaries() -> Boundaries:
    assert BOUNDARIES.is_file(), f"test data missing: {BOUNDARIES}"
    return Boundaries.load(BOUNDARIES)


@pytest.fixture(scope="module")
def reference(boundaries):
    geoms = boundaries._geoms
    codes = boundaries._codes

    def ranked(lat: float, lon: float, within: str | None) -> list[tuple[str, float]]:
        idx = [i for i, c in enumerate(codes) if within is None or c == within or c.startswith(within + ".")]
        ends = shapely.get_coordinates(shapely.get_point(shapely.shortest_line(shapely.Point(lon, lat), geoms[idx]), 1))
        p1, p2 = np.radians(lat), np.radians(ends[:, 1])
        a = np.sin((p2 - p1) / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(np.radians(ends[:, 0] - lon) / 2) ** 2
        km = 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(a, 0, 1)))
        best: dict[str, float] = {}
        for i, d in zip(idx, km.tolist(), strict=True):
            best[codes[i]] = min(d, best.get(codes[i], math.inf))
        return sorted(best.items(), key=lambda item: (item[1], item[0]))[:K]

    return ranked


def random_points(boundaries: Boundaries) -> list[tuple[str, float, float]]:
    rng = random.Random(20240214)
    coords = shapely.get_coordinates(boundaries._geoms)
    points = []
    for _ in range(30):
        points.append(("near Indonesia", rng.uniform(-11.5, 6.5), rng.uniform(94, 142)))
    for _ in range(20):
        points.append(("anywhere", rng.uniform(-90, 90), rng.uniform(-180, 180)))
    for _ in range(15):  # exactly on a border: a vertex, and halfway along an edge
        i = rng.randrange(len(coords) - 1)
        points.append(("vertex", float(coords[i, 1]), float(coords[i, 0])))
        points.append(("edge", float((coords[i, 1] + coords[i + 1, 1]) / 2), float((coords[i, 0] + coords[i + 1, 0]) / 2)))
    return points


FIXED = [
    ("vertex shared with an invalid polygon's stray hole (81.05.16 at 0 km)", -3.83031, 130.76546),
    ("Indian Ocean west of Sumatra", -6.567129004953071, 94.34040777295198),
    ("Antarctic waters", -81.2903776161222, 34.720683587338016),
    ("Argentina", -36.63, -58.47),
    ("north pole", 90.0, 0.0),
    ("south pole", -90.0, 180.0),
    ("date line", 0.0, 180.0),
    ("date line, west side", 1.0, -180.0),
    ("sea off Sukabumi", -7.9, 106.3),
    ("Monas", -6.1754, 106.8272),
]


def check(boundaries, reference, name, lat, lon):
    for within in SCOPES:
        expected = reference(lat, lon, within)
        for k in (1, 3, K):
            got = [(n.code, n.distance_km) for n in boundaries.nearest(lat, lon, k=k, within=within)]
            want = expected[:k]
            where = f"{name} ({lat}, {lon}) within={within} k={k}"
            assert [c for c, _ in got] == [c for c, _ in want], f"{where}: {got} != {want}"
            for (_, d), (_, e) in zip(got, want, strict=True):
                assert abs(d - e) <= 0.0011, f"{where}: {got} != {want}"


@pytest.mark.parametrize(("name", "lat", "lon"), FIXED, ids=[f[0] for f in FIXED])
def test_fixed_points_match_brute_force(boundaries, reference, name, lat, lon):
    check(boundaries, reference, name, lat, lon)


def test_random_points_match_brute_force(boundaries, reference):
    for name, lat, lon in random_points(boundaries):
        check(boundaries, reference, name, lat, lon)


def test_border_point_is_at_zero_km_for_every_kecamatan_touching_it(boundaries):
    # The vertex is on 81.05.02's boundary and on a ring of 81.05.16 (a polygon whose hole lies outside its shell,
    # so that GEOS's envelope of it does not cover the vertex): both are 0 km away.
    nearest = boundaries.nearest(-3.83031, 130.76546, k=3)
    assert [(n.code, n.distance_km) for n in nearest[:2]] == [("81.05.02", 0.0), ("81.05.16", 0.0)]
