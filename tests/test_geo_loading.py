"""Boundaries.load() reads the FeatureCollection one feature at a time: the same geometries as decoding the whole
file with json and shapely.geometry.shape, whatever the members' order and whitespace, and JSON errors still say so."""

import gzip
import json
from pathlib import Path

import pytest
import shapely
from shapely.geometry import shape

from bot.regions.geo import Boundaries, BoundariesError

BOUNDARIES = Path(__file__).resolve().parents[1].parent / "shared/data/kecamatan_boundaries.geojson.gz"


def _square(code, x0, y0, *, z=False):
    ring = [[x0, y0], [x0 + 1, y0], [x0 + 1, y0 + 1], [x0, y0 + 1], [x0, y0]]
    if z:
        ring = [[*p, 12.5] for p in ring]
    return {"type": "Feature", "properties": {"code": code}, "geometry": {"type": "Polygon", "coordinates": [ring]}}


def test_real_file_gives_the_geometries_json_and_shapely_give():
    data = json.loads(gzip.decompress(BOUNDARIES.read_bytes()))
    expected = [(f["properties"]["code"], shape(f["geometry"])) for f in data["features"] if f["geometry"]]
    del data
    b = Boundaries.load(BOUNDARIES)
    assert b._codes == [code for code, _ in expected]
    assert all(shapely.equals_exact(b._geoms, [shapely.MultiPolygon(g) if g.geom_type == "Polygon" else g
                                               for _, g in expected], tolerance=0))


def test_member_order_whitespace_and_extra_members(tmp_path):
    features = [_square("10.01.01", 100, 0), _square("10.01.02", 101, 0, z=True)]
    text = (
        '\n { "features" :\n [ ' + " ,\n\t".join(json.dumps(f, indent=2) for f in features) + " ] ,"
        ' "name": "x", "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:OGC:1.3:CRS84"}},'
        ' "bbox": [100, 0, 102, 1], "type" : "FeatureCollection" }\r\n'
    )
    for encoding in ("utf-8", "utf-8-sig", "utf-16"):
        path = tmp_path / f"{encoding}.geojson"
        path.write_bytes(text.encode(encoding))
        b = Boundaries.load(path)
        assert b._codes == ["10.01.01", "10.01.02"], encoding
        assert b.locate(0.5, 100.5) == "10.01.01"
        assert b.locate(0.5, 101.5) == "10.01.02"
        assert not shapely.has_z(b._geoms[1])  # the elevation is dropped


def test_empty_object_and_empty_features(tmp_path):
    path = tmp_path / "b.geojson"
    path.write_text("{ }\n")
    with pytest.raises(BoundariesError, match="not a GeoJSON FeatureCollection"):
        Boundaries.load(path)
    path.write_text('{"features": [ ], "type": "FeatureCollection"}')
    with pytest.raises(BoundariesError, match="no kecamatan"):
        Boundaries.load(path)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('{"type": "FeatureCollection", "features": [SQUARE]} x', "not valid JSON"),
        ('{"type": "FeatureCollection", "features": [SQUARE]}{}', "not valid JSON"),
        ('{"type": "FeatureCollection", "features": [SQUARE SQUARE]}', "not valid JSON"),
        ('{"type": "FeatureCollection", "features": [SQUARE,]}', "not valid JSON"),
        ('{"type": "FeatureCollection", "features": [SQUARE', "not valid JSON"),
        ('{"type": "FeatureCollection" "features": [SQUARE]}', "not valid JSON"),
        ('{"type": "FeatureCollection", "features" [SQUARE]}', "not valid JSON"),
        ('{"type": "FeatureCollection", features: [SQUARE]}', "not valid JSON"),
        ('{"features": [SQUARE], "type": "Feature"}', "not a GeoJSON FeatureCollection"),
        ('{"type": "FeatureCollection", "features": {"a": 1}}', "'features' list"),
        ('{"type": "FeatureCollection", "features": [SQUARE], "features": [SQUARE]}', "more than one 'features'"),
        ("[SQUARE]", "not a GeoJSON FeatureCollection"),
        ("[SQUARE", "not valid JSON"),
    ],
)
def test_broken_json_raises(tmp_path, text, message):
    path = tmp_path / "bad.geojson"
    path.write_text(text.replace("SQUARE", json.dumps(_square("10.01.01", 100, 0))))
    with pytest.raises(BoundariesError, match=message) as exc:
        Boundaries.load(path)
    assert str(path) in str(exc.value)


def test_many_features_are_made_in_batches_in_order(tmp_path):
    # More positions than one batch of _Packer: codes and geometries stay paired, in the file's order.
    features = [_square(f"10.{i // 100:02d}.{i % 100:02d}", 89 + (i % 90), -80 + i // 90) for i in range(9000)]
    path = tmp_path / "many.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    b = Boundaries.load(path)
    assert len(b) == 9000
    for i in (0, 1, 4999, 6554, 8999):
        assert b.locate(-80 + i // 90 + 0.5, 89 + (i % 90) + 0.5) == f"10.{i // 100:02d}.{i % 100:02d}"
