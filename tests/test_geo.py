import gzip
import json
import math
from pathlib import Path

import pytest
import shapely

from bot.regions.geo import Boundaries, BoundariesError, NearbyKecamatan

BOUNDARIES = Path(__file__).resolve().parents[1].parent / "shared/data/kecamatan_boundaries.geojson.gz"
KM_PER_DEGREE = 2 * math.pi * 6371.0088 / 360  # along the equator or a meridian


@pytest.fixture(scope="module")
def boundaries() -> Boundaries:
    assert BOUNDARIES.is_file(), f"test data missing: {BOUNDARIES}"
    return Boundaries.load(BOUNDARIES)


# --- the real file -----------------------------------------------------------------------------------------------


def test_loads_every_kecamatan(boundaries):
    assert len(boundaries) == 7284
    assert "15.71.04" in boundaries
    assert "72.06.20" not in boundaries  # missing from the source, per its README


@pytest.mark.parametrize(
    ("lat", "lon", "code"),
    [
        (-1.5900, 103.6130, "15.71.04"),  # Pasar Jambi
        (-1.6200, 103.5800, "15.71.01"),  # Telanaipura
        (-6.1754, 106.8272, "31.71.01"),  # Gambir (Monas)
        (-8.3500, 115.1500, "51.02.09"),  # Baturiti
    ],
)
def test_spot_checks(boundaries, lat, lon, code):
    assert boundaries.locate(lat, lon) == code
    nearest = boundaries.nearest(lat, lon)
    assert nearest[0] == NearbyKecamatan(code, 0.0)


def test_swapped_coordinates_do_not_match(boundaries):
    # (lat 103.6, lon -1.59) is not a valid latitude; the argument order is latitude first.
    assert boundaries.locate(103.6130, -1.5900) is None


def test_indian_ocean(boundaries):
    lat, lon = -7.9, 106.3  # some 55 km off the south coast of Kabupaten Sukabumi
    assert boundaries.locate(lat, lon) is None
    nearest = boundaries.nearest(lat, lon)
    assert len(nearest) == 3
    assert all(n.code.startswith("32.02.") for n in nearest), nearest  # Kabupaten Sukabumi
    distances = [n.distance_km for n in nearest]
    assert distances == sorted(distances)
    assert 40 < distances[0] < 80
    assert len({n.code for n in nearest}) == 3


def test_nearest_k(boundaries):
    five = boundaries.nearest(-1.5900, 103.6130, k=5)
    assert len(five) == 5
    assert [n.code for n in five[:3]] == [n.code for n in boundaries.nearest(-1.5900, 103.6130)]
    assert all(0 < n.distance_km < 10 for n in five[1:])  # the neighbours in Kota Jambi
    assert boundaries.nearest(-1.59, 103.613, k=0) == []


def test_nearest_within_scope(boundaries):
    monas = (-6.1754, 106.8272)
    in_jambi = boundaries.nearest(*monas, within="15")
    assert len(in_jambi) == 3
    assert all(n.code.startswith("15.") for n in in_jambi)
    assert all(500 < n.distance_km < 700 for n in in_jambi)  # Jakarta to Jambi's nearest edge
    in_kota_jambi = boundaries.nearest(*monas, within="15.71", k=4)
    assert all(n.code.startswith("15.71.") for n in in_kota_jambi) and len(in_kota_jambi) == 4
    assert boundaries.nearest(*monas, within="15.71.04") == [
        NearbyKecamatan("15.71.04", boundaries.nearest(*monas, within="15.71.04")[0].distance_km)
    ]
    assert boundaries.nearest(*monas, within="99") == []
    # "1" is not the prefix of "15": scopes match whole code segments only.
    assert boundaries.nearest(*monas, within="1") == []
    # Inside the scope, the containing kecamatan still comes first.
    assert boundaries.nearest(-1.59, 103.613, within="15")[0] == NearbyKecamatan("15.71.04", 0.0)


@pytest.mark.parametrize(
    ("lat", "lon"),
    [
        (float("nan"), 106.8),
        (-6.2, float("nan")),
        (float("inf"), 106.8),
        (-6.2, float("-inf")),
        (90.5, 106.8),
        (-91, 106.8),
        (-6.2, 180.01),
        (-6.2, -181),
    ],
)
def test_invalid_coordinates(boundaries, lat, lon):
    assert boundaries.locate(lat, lon) is None
    assert boundaries.nearest(lat, lon) == []


def test_valid_extremes_are_accepted(boundaries):
    assert boundaries.locate(90, 180) is None
    assert len(boundaries.nearest(-90, -180, k=1)) == 1


# --- file formats and errors -------------------------------------------------------------------------------------


def test_plain_geojson_loads(tmp_path):
    # Named .gz but not compressed: the magic bytes decide, not the name.
    plain = tmp_path / "boundaries.geojson.gz"
    plain.write_bytes(gzip.decompress(BOUNDARIES.read_bytes()))
    assert plain.read_bytes()[:1] == b"{"
    b = Boundaries.load(str(plain))
    assert len(b) == 7284
    assert b.locate(-1.5900, 103.6130) == "15.71.04"


def _square(code, x0, y0, size=1.0, *, geometry_type="MultiPolygon"):
    ring = [[x0, y0], [x0 + size, y0], [x0 + size, y0 + size], [x0, y0 + size], [x0, y0]]
    coordinates = [[ring]] if geometry_type == "MultiPolygon" else [ring]
    return {
        "type": "Feature",
        "properties": {"code": code, "name": code},
        "geometry": {"type": geometry_type, "coordinates": coordinates},
    }


def _write(path: Path, data, *, compress=False) -> Path:
    raw = json.dumps(data).encode()
    path.write_bytes(gzip.compress(raw) if compress else raw)
    return path


def _collection(*features):
    return {"type": "FeatureCollection", "features": list(features)}


def test_small_file_polygon_types_codes_and_gzip_detection(tmp_path):
    path = _write(
        tmp_path / "small.json",  # gzipped despite the name
        _collection(
            _square("10.01.01", 100, 0),
            _square("100102", 101, 0, geometry_type="Polygon"),  # plain code, plain Polygon
            {"type": "Feature", "properties": {"code": "10.01.03"}, "geometry": None},  # no boundary: skipped
        ),
        compress=True,
    )
    b = Boundaries.load(path)
    assert len(b) == 2
    assert b.locate(0.5, 100.5) == "10.01.01"
    assert b.locate(0.5, 101.5) == "10.01.02"
    assert b.locate(100.5, 0.5) is None  # lon/lat order
    assert b.locate(0.5, 102.5) is None
    assert "10.01.03" not in b


def test_boundary_counts_as_inside():
    b = Boundaries(["10.01.02", "10.01.01"], [shapely.box(101, 0, 102, 1), shapely.box(100, 0, 101, 1)])
    assert b.locate(1.0, 100.5) == "10.01.01"  # outer edge
    assert b.locate(0.0, 100.0) == "10.01.01"  # corner
    assert b.locate(1.0000001, 100.5) is None
    # On a shared edge: the lower code, whatever the order of the features.
    for codes, boxes in [
        (["10.01.02", "10.01.01"], [shapely.box(101, 0, 102, 1), shapely.box(100, 0, 101, 1)]),
        (["10.01.01", "10.01.02"], [shapely.box(100, 0, 101, 1), shapely.box(101, 0, 102, 1)]),
    ]:
        assert Boundaries(codes, boxes).locate(0.5, 101.0) == "10.01.01"


def test_nearest_distances_in_km():
    b = Boundaries(["10.01.01", "10.01.02"], [shapely.box(100, 0, 101, 1), shapely.box(103, 0, 104, 1)])
    east = b.nearest(0.5, 102.0, k=5)
    assert [n.code for n in east] == ["10.01.01", "10.01.02"]  # k larger than the file
    assert east[0].distance_km == pytest.approx(KM_PER_DEGREE, rel=1e-3)
    assert east[1].distance_km == pytest.approx(KM_PER_DEGREE, rel=1e-3)
    south = b.nearest(-1.0, 100.5, k=1)
    assert south == [NearbyKecamatan("10.01.01", pytest.approx(KM_PER_DEGREE, rel=1e-3))]
    # Far away: the search widens until it finds something.
    far = b.nearest(-60.0, 10.0, k=1)
    assert far[0].code == "10.01.01" and far[0].distance_km > 8000


def test_duplicate_codes_count_once():
    b = Boundaries(
        ["10.01.01", "10.01.01", "10.01.02"],
        [shapely.box(100, 0, 101, 1), shapely.box(100, 2, 101, 3), shapely.box(100, 4, 101, 5)],
    )
    assert b.locate(2.5, 100.5) == "10.01.01"
    assert [n.code for n in b.nearest(2.5, 100.5, k=2)] == ["10.01.01", "10.01.02"]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"\x00\x01garbage\xff" * 50, "not valid JSON"),
        (b"", "not valid JSON"),
        (gzip.compress(b'{"type": "FeatureCollection"')[:-10], "gzip"),
        (gzip.compress(b"not json at all"), "not valid JSON"),
        (b'{"type": "Feature", "geometry": null}', "FeatureCollection"),
        (b"[1, 2, 3]", "FeatureCollection"),
        (b'{"type": "FeatureCollection"}', "features"),
        (b'{"type": "FeatureCollection", "features": []}', "no kecamatan"),
    ],
)
def test_garbage_raises(tmp_path, content, message):
    path = tmp_path / "bad.geojson"
    path.write_bytes(content)
    with pytest.raises(BoundariesError, match=message) as exc:
        Boundaries.load(path)
    assert str(path) in str(exc.value)


@pytest.mark.parametrize(
    ("feature", "message"),
    [
        ({**_square("10.01.01", 100, 0), "properties": {"name": "x"}}, "code"),
        ({**_square("10.01.01", 100, 0), "properties": {"code": "10.01"}}, "code"),
        ({**_square("10.01.01", 100, 0), "geometry": {"type": "Point", "coordinates": [100, 0]}}, "Point"),
        (
            {**_square("10.01.01", 100, 0), "geometry": {"type": "Polygon", "coordinates": [[[100, 0], [101, 0]]]}},
            "at least 4",
        ),
        (
            {
                **_square("10.01.01", 100, 0),
                "geometry": {"type": "Polygon", "coordinates": [[["a", 0], [101, 0], [101, 1], ["a", 0]]]},
            },
            "number pairs",
        ),
        (_square("10.01.01", -6.2, 106.8), "out of range"),  # [lat, lon] instead of [lon, lat]
        ("not a feature", "not an object"),
    ],
)
def test_invalid_features_raise(tmp_path, feature, message):
    path = _write(tmp_path / "bad.geojson", _collection(_square("10.01.09", 100, 0), feature))
    with pytest.raises(BoundariesError, match=message) as exc:
        Boundaries.load(path)
    assert str(path) in str(exc.value)


def test_missing_file(tmp_path):
    missing = tmp_path / "nope.geojson.gz"
    with pytest.raises(BoundariesError, match="cannot read") as exc:
        Boundaries.load(missing)
    assert str(missing) in str(exc.value)
    with pytest.raises(BoundariesError, match="cannot read"):
        Boundaries.load(tmp_path)  # a directory
