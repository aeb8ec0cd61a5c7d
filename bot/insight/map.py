"""The map of reports (issue 14): each kecamatan's boundary filled by its number of reports, and the reports that
have a GPS location as markers by category; rendered by matplotlib headless (Agg), called off the event loop.
Pure: figures in, PNG out."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import matplotlib

matplotlib.use("Agg")  # headless: no display, before pyplot is imported
import matplotlib.pyplot as plt
import numpy as np
import shapely
from matplotlib import colormaps, patheffects
from matplotlib.cm import ScalarMappable
from matplotlib.collections import PathCollection
from matplotlib.colors import TABLEAU_COLORS, ListedColormap, PowerNorm
from matplotlib.figure import Figure
from matplotlib.path import Path
from matplotlib.ticker import MaxNLocator
from shapely.geometry.polygon import orient

from bot.kernel.drawing import figure_png

__all__ = ["MAX_CATEGORIES", "MAX_LABELS", "MapArea", "MapPoint", "reports_map_figure", "reports_map_png"]

MAX_CATEGORIES = 10  # categories with their own colour and legend entry; the rest share one, "…"
MAX_LABELS = 40  # kecamatan names are written on the map only when there are at most this many
NO_REPORTS, EDGE, OTHERS = "#f0f0f0", "#3a3a3a", "#7f7f7f"
MARKERS = ("o", "s", "^", "D", "v", "P", "X", "*", "<", ">")
# The upper part of YlOrRd: its palest end is too close to the grey-white of "no reports".
SCALE = ListedColormap(colormaps["YlOrRd"](np.linspace(0.15, 1.0, 256)), name="pantau_reports").with_extremes(
    under=NO_REPORTS)
WIDTH_IN, DPI, MIN_HEIGHT_IN, MAX_HEIGHT_IN = 8.0, 100, 4.0, 10.0
MANY_POINTS = 2000  # above this, markers get smaller, borderless and translucent
NAME_CHARS = 16


@dataclass(frozen=True, slots=True)
class MapArea:
    code: str
    name: str
    geometry: Any  # shapely Polygon or MultiPolygon (lon/lat)
    reports: int


@dataclass(frozen=True, slots=True)
class MapPoint:
    latitude: float
    longitude: float
    category: str  # the label shown in the legend, already localised


def _polygon_path(polygon: Any) -> Path:
    """One polygon as a path: the shell counter-clockwise and the holes clockwise, so that they stay unfilled."""
    rings = [polygon.exterior, *polygon.interiors]
    vertices = np.concatenate([np.asarray(ring.coords)[:, :2] for ring in rings])
    codes = np.full(len(vertices), Path.LINETO, dtype=Path.code_type)
    start = 0
    for ring in rings:
        n = len(ring.coords)
        codes[start] = Path.MOVETO
        codes[start + n - 1] = Path.CLOSEPOLY
        start += n
    return Path(vertices, codes)


def _polygons(geometry: Any) -> list[Any]:
    """The non-empty polygons of a Polygon, MultiPolygon or collection of them, oriented for _polygon_path."""
    if geometry is None:
        return []
    parts = shapely.get_parts(geometry)
    out: list[Any] = []
    for part in parts:
        if part.is_empty:
            continue
        if part.geom_type == "Polygon":
            out.append(orient(part, 1.0))
        elif part.geom_type in ("MultiPolygon", "GeometryCollection"):
            out.extend(_polygons(part))
    return out


def _short(name: str) -> str:
    name = name.strip()
    return name if len(name) <= NAME_CHARS else name[: NAME_CHARS - 1].rstrip() + "…"


def _ticks(most: int) -> list[int]:
    """Whole numbers for the colour bar, from 1 to the largest count."""
    if most <= 6:
        return list(range(1, max(most, 1) + 1))
    ticks = [int(t) for t in MaxNLocator(integer=True, nbins=5, steps=[1, 2, 5, 10]).tick_values(1, most) if 1 < t <= most]
    return [1, *ticks]


def reports_map_figure(title: str, areas: Sequence[MapArea], points: Sequence[MapPoint], legend_title: str,
                       no_reports: str) -> Figure:
    """`areas`: the kecamatan to draw, each filled by its number of reports on a sequential scale (0: grey-white),
    with a colour bar titled `legend_title`; `points`: reports with a GPS location, drawn on top with one colour and
    marker per category (the 10 most frequent; the rest together as "…"); the view takes in every area and point.
    With no reports at all, `no_reports` is written over the map. No area (or no polygon in any) is a ValueError.
    The caller closes it (plt.close)."""
    areas = list(areas)
    if not areas:
        raise ValueError("no areas to draw")
    paths: list[Path] = []
    counts: list[int] = []
    for area in areas:
        for polygon in _polygons(area.geometry):
            paths.append(_polygon_path(polygon))
            counts.append(max(0, int(area.reports)))
    if not paths:
        raise ValueError("no area has a boundary to draw")
    lons = np.fromiter((p.longitude for p in points), dtype=float, count=len(points))
    lats = np.fromiter((p.latitude for p in points), dtype=float, count=len(points))
    shown = np.isfinite(lons) & np.isfinite(lats)

    # The view: every area and every point, with a margin; lon/lat corrected for the latitude.
    xy = np.concatenate([path.vertices for path in paths])
    west, south = xy.min(axis=0)
    east, north = xy.max(axis=0)
    if shown.any():
        west, east = min(west, lons[shown].min()), max(east, lons[shown].max())
        south, north = min(south, lats[shown].min()), max(north, lats[shown].max())
    pad = 0.03 * max(east - west, north - south, 1e-3)
    west, east, south, north = west - pad, east + pad, south - pad, north + pad
    aspect = 1 / max(math.cos(math.radians((south + north) / 2)), 0.05)
    ratio = (north - south) * aspect / (east - west)  # height over width, on the page

    ranked = sorted(Counter(p.category for p, ok in zip(points, shown.tolist(), strict=True) if ok).items(),
                    key=lambda item: (-item[1], item[0]))
    own = [category for category, _ in ranked[:MAX_CATEGORIES]]
    entries = len(own) + (len(ranked) > MAX_CATEGORIES)
    columns = min(entries, 4)
    legend_rows = math.ceil(entries / columns) if entries else 0
    height = min(MAX_HEIGHT_IN, max(MIN_HEIGHT_IN, (WIDTH_IN - 1.4) * ratio + 0.9 + 0.3 * legend_rows))

    figure = plt.figure(figsize=(WIDTH_IN, height), dpi=DPI, layout="constrained")
    try:
        axes = figure.add_subplot()
        most = max(counts)
        # vmin 0.5: a kecamatan without reports falls under the scale (its "under" colour), one with 1 on it.
        norm = PowerNorm(gamma=0.5, vmin=0.5, vmax=max(most, 1))
        colours = SCALE(norm(np.asarray(counts, dtype=float)))
        collection = PathCollection(paths, facecolors=colours, edgecolors=EDGE, linewidths=0.4, zorder=1)
        collection.set_gid("areas")
        axes.add_collection(collection)

        if len(areas) <= MAX_LABELS:
            halo = [patheffects.withStroke(linewidth=2, foreground="white")]
            for area in areas:
                if not area.name.strip() or area.geometry is None or area.geometry.is_empty:
                    continue
                spot = area.geometry.representative_point()
                axes.text(spot.x, spot.y, _short(area.name), fontsize=6.5, ha="center", va="center", color="#222222",
                          zorder=2, path_effects=halo, clip_on=True)

        many = int(shown.sum()) > MANY_POINTS
        style: dict[str, Any] = ({"s": 4, "linewidths": 0, "alpha": 0.6} if many
                                 else {"s": 16, "edgecolors": "white", "linewidths": 0.4})
        if ranked:
            categories = np.asarray([p.category for p in points], dtype=object)
            palette = list(TABLEAU_COLORS.values())  # tab10
            rest = shown.copy()
            for n, category in enumerate(own):
                mine = shown & (categories == category)
                rest &= ~mine
                axes.scatter(lons[mine], lats[mine], color=palette[n % len(palette)], marker=MARKERS[n % len(MARKERS)],
                             label=category, zorder=3, **style)
            if rest.any():
                axes.scatter(lons[rest], lats[rest], color=OTHERS, marker=".", label="…", zorder=3, **style)
            figure.legend(loc="outside lower center", ncols=columns, fontsize=8, frameon=False,
                          markerscale=3 if many else 1.2, handletextpad=0.3, columnspacing=1.2)

        if most == 0 and not shown.any():
            axes.text(0.5, 0.5, no_reports, transform=axes.transAxes, ha="center", va="center", fontsize=11,
                      color="#333333", zorder=4, bbox={"boxstyle": "round", "facecolor": "white", "alpha": 0.85})

        bar = figure.colorbar(ScalarMappable(norm=norm, cmap=SCALE), ax=axes, shrink=0.7, extend="min",
                              extendfrac=0.04, pad=0.02)
        bar.set_label(legend_title, fontsize=9)
        bar.set_ticks(_ticks(most))
        bar.ax.tick_params(labelsize=8)

        axes.set_xlim(west, east)
        axes.set_ylim(south, north)
        axes.set_aspect(aspect)
        axes.set_axis_off()
        axes.set_title(title, fontsize=11)
    except BaseException:
        plt.close(figure)
        raise
    return figure


def reports_map_png(title: str, areas: Sequence[MapArea], points: Sequence[MapPoint], legend_title: str,
                    no_reports: str) -> bytes:
    """The map of `reports_map_figure`, as PNG (800 pixels wide)."""
    return figure_png(reports_map_figure(title, areas, points, legend_title, no_reports))
