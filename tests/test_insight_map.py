import io
import itertools
import struct
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pytest
import shapely
from matplotlib.colors import to_rgba
from PIL import Image  # matplotlib's own dependency

from bot.insight.map import NO_REPORTS, MapArea, MapPoint, reports_map_figure, reports_map_png
from bot.regions.geo import Boundaries

BOUNDARIES = Path(__file__).resolve().parents[1].parent / "shared/data/kecamatan_boundaries.geojson.gz"
KOTA_JAMBI = "15.71"
PASAR_JAMBI = "15.71.04"
needs_boundaries = pytest.mark.skipif(not BOUNDARIES.exists(), reason="../shared/data boundaries not present")


@pytest.fixture(scope="module")
def boundaries() -> Boundaries:
    return Boundaries.load(BOUNDARIES)


def _png_size(content: bytes) -> tuple[int, int]:
    assert content[:8] == b"\x89PNG\r\n\x1a\n"
    assert content[12:16] == b"IHDR"
    return struct.unpack(">II", content[16:24])


def _areas_collection(figure):
    (found,) = [c for c in figure.axes[0].collections if c.get_gid() == "areas"]
    return found


def _luminance(rgba) -> float:
    r, g, b = rgba[:3]
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def _jambi_areas(boundaries: Boundaries) -> list[MapArea]:
    areas = []
    for n, (code, geometry) in enumerate(boundaries.areas(KOTA_JAMBI)):
        reports = 250 if code == PASAR_JAMBI else (0 if n % 3 == 0 else n)
        areas.append(MapArea(code, f"Kecamatan {code[-2:]}", geometry, reports))
    return areas


POINTS = [
    MapPoint(-1.5900, 103.6130, "Politik uang"),
    MapPoint(-1.6200, 103.5800, "Politik uang"),
    MapPoint(-1.6050, 103.6300, "Netralitas ASN"),
    MapPoint(-1.5000, 103.4000, "Netralitas ASN"),  # outside every kecamatan of the city: drawn all the same
    MapPoint(-1.6400, 103.6000, "Politik uang"),
]


# --- Boundaries.areas ---------------------------------------------------------------------------------------------


@needs_boundaries
def test_areas_of_a_kota_are_its_kecamatan_in_code_order(boundaries):
    areas = boundaries.areas(KOTA_JAMBI)
    codes = [code for code, _ in areas]
    assert codes, "Kota Jambi has kecamatan"
    assert all(code.startswith(KOTA_JAMBI + ".") for code in codes)
    assert codes == sorted(codes)
    assert len(set(codes)) == len(codes)
    assert PASAR_JAMBI in codes
    assert all(geometry.geom_type in ("Polygon", "MultiPolygon") and not geometry.is_empty for _, geometry in areas)
    # Pasar Jambi's own geometry contains a point in Pasar Jambi.
    assert dict(areas)[PASAR_JAMBI].covers(shapely.Point(103.6130, -1.5900))
    # Every kecamatan of the province whose code is under 15.71 is there, and nothing from 15.7 (a prefix, not a code).
    assert [c for c, _ in boundaries.areas("15") if c.startswith("15.71.")] == codes
    assert not any(c.startswith("15.71") for c, _ in boundaries.areas("15.7"))
    assert [c for c, _ in boundaries.areas(PASAR_JAMBI)] == [PASAR_JAMBI]
    assert boundaries.areas("99.99") == []
    everything = [c for c, _ in boundaries.areas(None)]
    assert len(everything) == len(boundaries) and everything == sorted(everything)


def test_areas_of_a_small_set():
    square = shapely.box(0, 0, 1, 1)
    b = Boundaries(["15.72.02", "15.71.02", "15.71.01", "15.710.1"], [square, square, square, square])
    assert [c for c, _ in b.areas("15.71")] == ["15.71.01", "15.71.02"]
    assert [c for c, _ in b.areas(None)] == ["15.71.01", "15.71.02", "15.710.1", "15.72.02"]
    assert b.areas("15.71")[0][1].equals(square)


# --- the map -------------------------------------------------------------------------------------------------------


@needs_boundaries
def test_map_png_is_800_wide(boundaries):
    png = reports_map_png("Peta laporan — Kota Jambi", _jambi_areas(boundaries), POINTS, "Jumlah laporan",
                          "Belum ada laporan")
    width, height = _png_size(png)
    assert width == 800
    assert 400 <= height <= 1000
    image = Image.open(io.BytesIO(png)).convert("RGB")
    assert image.size == (width, height)
    colours = {image.getpixel((x, y)) for x in range(0, width, 2) for y in range(0, height, 2)}
    assert (0x80, 0x00, 0x26) in colours  # the darkest end of YlOrRd: Pasar Jambi's 250 reports
    assert (0xF0, 0xF0, 0xF0) in colours  # grey-white: the kecamatan without reports


@needs_boundaries
def test_map_figure_draws_every_polygon_by_its_count_and_every_point(boundaries):
    areas = _jambi_areas(boundaries)
    figure = reports_map_figure("Peta laporan — Kota Jambi", areas, POINTS, "Jumlah laporan", "Belum ada laporan")
    try:
        assert figure.get_size_inches()[0] == 8 and figure.dpi == 100
        axes = figure.axes[0]
        assert axes.get_title() == "Peta laporan — Kota Jambi"
        assert not axes.axison

        collection = _areas_collection(figure)
        polygons = [len(shapely.get_parts(a.geometry)) for a in areas]
        assert len(collection.get_paths()) == sum(polygons)
        faces = collection.get_facecolors()
        assert len(faces) == sum(polygons)
        owner = np.repeat(np.arange(len(areas)), polygons)  # the area of each path, in order
        busiest = next(i for i, a in enumerate(areas) if a.code == PASAR_JAMBI)
        darkest = min(_luminance(f) for f in faces)
        assert all(_luminance(f) == darkest for f in faces[owner == busiest])
        assert all(_luminance(f) > darkest for f in faces[owner != busiest])
        # More reports, never a paler colour; none, grey-white.
        by_count = sorted((areas[i].reports, _luminance(f)) for i, f in zip(owner, faces, strict=True))
        for (count_a, lum_a), (count_b, lum_b) in itertools.pairwise(by_count):
            if count_b > count_a:
                assert lum_b < lum_a
        for i, f in zip(owner, faces, strict=True):
            if areas[i].reports == 0:
                assert tuple(f) == to_rgba(NO_REPORTS)

        scatters = [c for c in axes.collections if c is not collection]
        offsets = np.concatenate([c.get_offsets() for c in scatters])
        assert sorted(map(tuple, offsets.tolist())) == sorted((p.longitude, p.latitude) for p in POINTS)
        (legend,) = figure.legends
        assert sorted(t.get_text() for t in legend.get_texts()) == ["Netralitas ASN", "Politik uang"]
        assert {c.get_label() for c in scatters} == {"Netralitas ASN", "Politik uang"}

        # The view takes in the point outside the city too.
        west, east = axes.get_xlim()
        south, north = axes.get_ylim()
        assert west < 103.4 < east and south < -1.5 < north
        assert "Belum ada laporan" not in [t.get_text() for t in axes.texts]
        assert "Kecamatan 04" in [t.get_text() for t in axes.texts]  # names, at most 40 areas
        colourbar_labels = [a.get_ylabel() for a in figure.axes[1:]]
        assert "Jumlah laporan" in colourbar_labels
    finally:
        plt.close(figure)


def test_many_categories_share_one_legend_entry_past_ten():
    area = MapArea("15.71.01", "Satu", shapely.box(103.0, -2.0, 104.0, -1.0), 3)
    categories = [f"Kategori {n:02d}" for n in range(13)]
    # Kategori 00 is the most frequent, 12 the least: the ten most frequent get their own entries.
    points = [MapPoint(-1.5, 103.5, c) for n, c in enumerate(categories) for _ in range(20 - n)]
    figure = reports_map_figure("Peta", [area], points, "Jumlah", "Kosong")
    try:
        (legend,) = figure.legends
        assert [t.get_text() for t in legend.get_texts()] == [*categories[:10], "…"]
        scatters = [c for c in figure.axes[0].collections if c.get_gid() != "areas"]
        assert sum(len(c.get_offsets()) for c in scatters) == len(points)
        assert len(scatters) == 11
    finally:
        plt.close(figure)


def test_no_reports_is_written_on_the_map():
    areas = [MapArea("15.71.01", "Barat", shapely.box(103.0, -2.0, 103.5, -1.5), 0),
             MapArea("15.71.02", "Timur", shapely.box(103.5, -2.0, 104.0, -1.5), 0)]
    figure = reports_map_figure("Peta", areas, [], "Jumlah laporan", "Belum ada laporan")
    try:
        axes = figure.axes[0]
        assert "Belum ada laporan" in [t.get_text() for t in axes.texts]
        collection = _areas_collection(figure)
        assert len(collection.get_paths()) == 2
        assert all(tuple(f) == to_rgba(NO_REPORTS) for f in collection.get_facecolors())
        assert not figure.legends
    finally:
        plt.close(figure)
    width, _ = _png_size(reports_map_png("Peta", areas, [], "Jumlah laporan", "Belum ada laporan"))
    assert width == 800
    # One report somewhere: no such text.
    figure = reports_map_figure("Peta", areas, [MapPoint(-1.7, 103.2, "Lain")], "Jumlah laporan", "Belum ada laporan")
    try:
        assert "Belum ada laporan" not in [t.get_text() for t in figure.axes[0].texts]
    finally:
        plt.close(figure)


def test_a_hole_stays_a_hole_and_multipolygons_draw_each_part():
    ring = shapely.box(0, 0, 4, 4).difference(shapely.box(1, 1, 3, 3))
    islands = shapely.MultiPolygon([shapely.box(5, 0, 6, 1), shapely.box(7, 0, 8, 1)])
    areas = [MapArea("15.71.01", "", ring, 9), MapArea("15.71.02", "", islands, 9)]
    figure = reports_map_figure("Peta", areas, [], "Jumlah", "Kosong")
    try:
        assert len(_areas_collection(figure).get_paths()) == 3
        figure.canvas.draw()
        pixels = np.asarray(figure.canvas.buffer_rgba())
        height = pixels.shape[0]

        def colour_at(lon: float, lat: float) -> tuple[int, ...]:
            x, y = figure.axes[0].transData.transform((lon, lat))
            return tuple(int(v) for v in pixels[int(height - y), int(x), :3])

        darkest = (0x80, 0x00, 0x26)  # the top of the scale: both areas have the most reports
        assert colour_at(0.5, 0.5) == darkest
        assert colour_at(5.5, 0.5) == darkest and colour_at(7.5, 0.5) == darkest
        assert colour_at(2, 2) == (255, 255, 255)  # the hole
        assert colour_at(6.5, 0.5) == (255, 255, 255)  # between the islands
    finally:
        plt.close(figure)


def test_no_areas_is_an_error():
    with pytest.raises(ValueError):
        reports_map_figure("Peta", [], [MapPoint(-1.6, 103.6, "Lain")], "Jumlah", "Kosong")
    with pytest.raises(ValueError):
        reports_map_png("Peta", [], [], "Jumlah", "Kosong")
