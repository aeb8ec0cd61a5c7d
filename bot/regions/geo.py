"""GPS point -> kecamatan, over a GeoJSON FeatureCollection of kecamatan boundaries (shapely 2).

Pure module: no Telegram, no SQL. Measured on the real 7,284-kecamatan file (7.1 MB uncompressed, 1.9 MB gzipped;
Python 3.11, shapely 2.2, a busy 2-core dev container; bench/geo_locate.py, bench/startup_memory.py): load 0.5 s;
the bot's peak RSS until it polls 126 MiB with the file, 107 MiB without (the file is decoded one feature at a
time, never whole as Python objects); locate() p50 about 30 µs; nearest(k=3) p99 0.7 ms for points in and around
Indonesia, 1.1 ms far from it.

nearest() finds the same kecamatan as measuring every one would, measuring few: candidates come from a window
(in degrees) around the point, are measured in the order of a lower bound of their bounding boxes' great-circle
distance, and the window widens until nothing outside it can be closer than the k-th nearest found.

The file is a FeatureCollection whose features are Polygon or MultiPolygon geometries in [longitude, latitude]
(WGS 84) with ``properties.code`` = the Kemendagri kecamatan code ("15.71.04"; "157104" is accepted too).
Gzip compression is detected from the magic bytes, not from the file name.
"""

from __future__ import annotations

import gzip
import json
import math
import re
import zlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from shapely.errors import GEOSException

__all__ = ["Boundaries", "BoundariesError", "NearbyKecamatan"]

_GZIP_MAGIC = b"\x1f\x8b"
_EARTH_RADIUS_KM = 6371.0088
_KECAMATAN_CODE = re.compile(r"\d{2}\.\d{2}\.\d{2}")
_PLAIN_CODE = re.compile(r"\d{6}")
# nearest()'s first window: 1.5 times the lon/lat distance to the nearest geometry, at least 0.05 degrees (a
# guess that usually holds the k nearest; any size gives the same answer). 180 degrees takes in the whole world.
_FIRST_WINDOW_DEG = 0.05
_FIRST_WINDOW_GROWTH = 1.5
_WHOLE_WORLD_DEG = 180.0
# Candidates are measured this many at a time, those whose bounding boxes could be nearest first.
_BATCH = 16
# Farther than this (degrees) from every box, the point is far from Indonesia: look at every box at once.
_FAR_DEG = 20.0
# Lower bounds are compared with this much slack, so that float rounding never drops a candidate.
_SLACK = 1e-9
_WHITESPACE = re.compile(r"[ \t\n\r]*")


class BoundariesError(Exception):
    """The boundaries file cannot be read or is not a usable kecamatan FeatureCollection."""


@dataclass(frozen=True)
class NearbyKecamatan:
    code: str
    distance_km: float


def _valid(latitude: float, longitude: float) -> bool:
    try:
        lat, lon = float(latitude), float(longitude)
    except (TypeError, ValueError):
        return False
    return math.isfinite(lat) and math.isfinite(lon) and abs(lat) <= 90 and abs(lon) <= 180


def _normalize_code(value: Any) -> str | None:
    if not isinstance(value, str):
        return None
    c = value.strip()
    if _KECAMATAN_CODE.fullmatch(c):
        return c
    if _PLAIN_CODE.fullmatch(c):
        return f"{c[0:2]}.{c[2:4]}.{c[4:6]}"
    return None


@dataclass(frozen=True)
class _Scope:
    """The kecamatan nearest() may answer with: their geometries, with a tree over them, and the bounding boxes
    of each one's coordinates (every ring, holes too). ``idx`` maps a position here to the index in Boundaries."""

    idx: np.ndarray
    boxes: np.ndarray  # rows west, east, south, north, cosine of the latitude farthest from 0; a column per position
    tree: shapely.STRtree
    # Positions whose GEOS envelope (of the shells only) misses some of their coordinates: invalid polygons with a
    # hole outside their shell. The tree cannot find them by box; window() checks them one by one.
    odd: tuple[int, ...]

    @classmethod
    def of(cls, idx: np.ndarray, geoms: np.ndarray, bounds: np.ndarray, tree: shapely.STRtree | None = None) -> _Scope:
        """``tree``: one over exactly ``geoms[idx]``, if there is one already."""
        west, south, east, north = (bounds[idx, j] for j in range(4))
        cos_far = np.cos(np.radians(np.maximum(np.abs(south), np.abs(north))))
        boxes = np.vstack((west, east, south, north, cos_far))
        odd = np.flatnonzero(np.any(shapely.bounds(geoms[idx]) != bounds[idx], axis=1))
        return cls(idx, boxes, tree or shapely.STRtree(geoms[idx]), tuple(odd.tolist()))

    def first_window(self, point: shapely.Point) -> float:
        """A window (degrees) that reaches at least the geometry nearest to the point in lon/lat."""
        found, deg = self.tree.query_nearest(point, return_distance=True)
        return float(deg[0]) * (1 + 1e-6) + 1e-9 if len(found) else _WHOLE_WORLD_DEG

    def window(self, lat: float, lon: float, deg: float) -> np.ndarray:
        """Positions whose bounding box has a point less than ``deg`` degrees of latitude and of longitude (either
        way round the globe) from the point, maybe a few more; every position once ``deg`` reaches _WHOLE_WORLD_DEG."""
        if deg >= _WHOLE_WORLD_DEG:
            return np.arange(len(self.idx))
        south, north = lat - deg, lat + deg
        spans = [(lon - deg, lon + deg)]
        if lon - deg < -180:
            spans.append((lon - deg + 360, 180.0))
        if lon + deg > 180:
            spans.append((-180.0, lon + deg - 360))
        boxes = [shapely.box(w, south, e, north) for w, e in spans]
        hits = self.tree.query(boxes[0]) if len(boxes) == 1 else np.unique(self.tree.query(boxes)[1])
        west, east, box_south, box_north = self.boxes[0], self.boxes[1], self.boxes[2], self.boxes[3]
        extra = [i for i in self.odd if box_south[i] <= north and box_north[i] >= south
                 and any(west[i] <= e and east[i] >= w for w, e in spans)]
        return np.union1d(hits, extra).astype(np.intp) if extra else np.asarray(hits, dtype=np.intp)

    def lower_bounds(self, lat: float, lon: float, pos: np.ndarray) -> np.ndarray:
        """For the boxes at ``pos``: no point of the box is nearer to the point than this, as the haversine term
        ``a`` of Boundaries._measure (which grows with the distance). Each term of the sum is at its smallest over the
        box on its own: the latitude gap, the longitude gap (either way round), the cosine farthest from 0."""
        west, east, south, north, cos_far = self.boxes[:, pos]
        dlat = np.maximum(south - lat, lat - north)
        np.maximum(dlat, 0.0, out=dlat)
        dlon = np.maximum(west - lon, lon - east)
        np.maximum(dlon, 0.0, out=dlon)
        np.minimum(dlon, 360.0 - dlon, out=dlon)
        half = math.pi / 360  # degrees -> half the angle in radians
        dlat *= half
        dlon *= half
        sin_lat, sin_lon = _sin_at_most(dlat), _sin_at_most(dlon)
        sin_lon *= sin_lon
        sin_lon *= cos_far
        sin_lon *= math.cos(math.radians(lat))
        sin_lat *= sin_lat
        sin_lat += sin_lon
        return sin_lat


def _sin_at_most(x: np.ndarray) -> np.ndarray:
    """sin(x) for 0 <= x <= pi/2, or on long arrays a lower bound within 2e-4 of it that takes a third of the time:
    the Taylor series up to x**7 (a partial sum that ends on a negative term is below the sine for x >= 0)."""
    if len(x) < 256:
        return np.sin(x)
    x2 = x * x
    out = x2 * (-1 / 42)
    out += 1
    out *= x2 * (-1 / 20)
    out += 1
    out *= x2 * (-1 / 6)
    out += 1
    out *= x
    return out


def _haversine_a(km: float) -> float:
    """The haversine term ``a`` of a great-circle distance."""
    return math.sin(min(km, math.pi * _EARTH_RADIUS_KM) / (2 * _EARTH_RADIUS_KM)) ** 2


def _outside_window_km(lat: float, deg: float) -> float:
    """No point with a latitude or a longitude (either way round) more than ``deg`` degrees from a point at ``lat``
    is nearer than this: the distance to the meridian ``deg`` degrees east or west of it."""
    s = math.cos(math.radians(lat)) * math.sin(math.radians(min(deg, 90.0)))
    return _EARTH_RADIUS_KM * math.asin(min(1.0, max(0.0, s)))


def _window_for_km(lat: float, km: float) -> float:
    """The smallest window (degrees) outside which nothing is within ``km`` of a point at ``lat``."""
    angle = km / _EARTH_RADIUS_KM
    cos_lat = math.cos(math.radians(lat))
    if angle >= math.pi / 2 or cos_lat <= 0 or math.sin(angle) >= cos_lat:
        return _WHOLE_WORLD_DEG
    return math.degrees(math.asin(math.sin(angle) / cos_lat)) * (1 + 1e-6) + 1e-9


class Boundaries:
    """Kecamatan polygons with a spatial index. Immutable after construction; safe to share between threads."""

    def __init__(self, codes: Sequence[str], geometries: Sequence[Any] | np.ndarray) -> None:
        if len(codes) != len(geometries):
            raise ValueError("codes and geometries differ in length")
        self._codes: list[str] = list(codes)
        self._geoms = np.asarray(geometries, dtype=object)
        self._tree = shapely.STRtree(self._geoms)
        self._code_set = frozenset(self._codes)
        # Bounding box of every ring's coordinates (an invalid polygon's holes may lie outside its shell, and
        # GEOS's envelope covers the shell only); empty geometries have none and are never nearest.
        self._bounds = np.full((len(self._codes), 4), np.nan)
        for first in range(0, len(self._geoms), 512):  # a slice at a time: a copy of every coordinate is 7 MB
            xy, which = shapely.get_coordinates(self._geoms[first : first + 512], return_index=True)
            if len(which):
                starts = np.flatnonzero(np.r_[True, which[1:] != which[:-1]])
                owners = which[starts] + first
                for j, (reduce, column) in enumerate(((np.minimum, 0), (np.minimum, 1), (np.maximum, 0), (np.maximum, 1))):
                    self._bounds[owners, j] = reduce.reduceat(xy[:, column], starts)
        self._mapped = np.flatnonzero(~np.isnan(self._bounds[:, 0]))
        whole = len(self._mapped) == len(self._codes)  # (no empty geometry)
        self._all = (_Scope.of(self._mapped, self._geoms, self._bounds, self._tree if whole else None)
                     if len(self._mapped) else None)
        # within= scopes seen so far (a deployment uses one or two), with their own tree.
        self._scopes: dict[str, _Scope | None] = {}

    @classmethod
    def load(cls, path: str | Path) -> Boundaries:
        """Reads a (gzipped or plain) GeoJSON file. Synchronous and CPU-bound: run it in a thread.

        The features are decoded one at a time and their coordinates packed into one array as they come, so the
        whole file never exists as Python objects at once (that took some 80 MB at peak, 4 times the result)."""
        p = Path(path)
        try:
            raw = p.read_bytes()
        except OSError as e:
            raise BoundariesError(f"cannot read kecamatan boundaries file {str(p)!r}: {e}") from e
        try:
            if raw[:2] == _GZIP_MAGIC:
                raw = gzip.decompress(raw)
            text = raw.decode(json.detect_encoding(raw), "surrogatepass")  # as json.loads(bytes) does
            del raw
            codes, packer = _parse_feature_collection(text)
            del text  # before the geometries are made: they can take its place in memory
            geoms = packer.geometries()
        except (OSError, EOFError, zlib.error) as e:
            raise BoundariesError(f"kecamatan boundaries file {str(p)!r} is not valid gzip: {e}") from e
        except BoundariesError as e:
            raise BoundariesError(f"kecamatan boundaries file {str(p)!r}: {e}") from None
        except ValueError as e:  # JSONDecodeError and UnicodeDecodeError are ValueErrors
            raise BoundariesError(f"kecamatan boundaries file {str(p)!r} is not valid JSON: {e}") from e
        # Code strings allocated among the decoded features would each pin a bit of their memory; re-create them.
        blob = "\n".join(codes)
        del codes
        return cls(blob.split("\n"), geoms)

    def __len__(self) -> int:
        return len(self._codes)

    def __contains__(self, code: object) -> bool:
        return isinstance(code, str) and code in self._code_set

    def _scoped(self, prefix: str | None) -> _Scope | None:
        """The kecamatan of a ``within`` scope, with their own tree; None if no mapped code falls under it."""
        if prefix is None:
            return self._all
        try:
            return self._scopes[prefix]
        except KeyError:
            pass
        idx = np.asarray(
            [i for i in self._mapped if self._codes[i] == prefix or self._codes[i].startswith(prefix + ".")],
            dtype=np.intp,
        )
        scoped = _Scope.of(idx, self._geoms, self._bounds) if len(idx) else None
        if len(self._scopes) >= 64:  # callers pass their deployment's scope; don't grow without bound
            self._scopes.clear()
        # Thread-safe enough: two threads may both build it, and either result is right.
        self._scopes[prefix] = scoped
        return scoped

    def areas(self, prefix: str | None) -> list[tuple[str, Any]]:
        """(code, shapely geometry) of each mapped kecamatan equal to ``prefix`` or below it (None: all), by code."""
        scope = self._scoped(prefix.strip() if prefix else None)
        if scope is None:
            return []
        return sorted(((self._codes[i], self._geoms[i]) for i in scope.idx.tolist()), key=lambda area: area[0])

    def locate(self, latitude: float, longitude: float) -> str | None:
        """Code of the kecamatan containing the point (its boundary counts as inside), or None."""
        if not _valid(latitude, longitude):
            return None
        point = shapely.Point(float(longitude), float(latitude))
        hits = self._tree.query(point, predicate="intersects")
        if len(hits) == 0:
            return None
        # On a shared border (or where source polygons overlap) pick deterministically.
        return min(self._codes[i] for i in hits)

    def nearest(self, latitude: float, longitude: float, *, k: int = 3, within: str | None = None) -> list[NearbyKecamatan]:
        """The ``k`` kecamatan closest to the point, nearest first (ties by code), by distance to their boundary.

        A kecamatan containing the point is at 0 km. ``within`` ("15", "15.71", "15.71.04") keeps only codes equal
        to it or below it. A kecamatan's distance is the great-circle distance (km, rounded to metres) to the point
        of its boundary closest in lon/lat space, which at Indonesia's latitudes is within about 2 % of the true
        nearest distance. The answer is the same as computing that for every kecamatan and sorting; the search
        only skips those whose bounding box proves them farther than the k-th closest found.
        """
        if k <= 0 or not _valid(latitude, longitude):
            return []
        lat, lon = float(latitude), float(longitude)
        scope = self._scoped(within.strip() if within else None)
        if scope is None:
            return []
        point = shapely.Point(lon, lat)
        best: dict[str, float] = {}
        # The first window reaches the box nearest in lon/lat; far from every box, it is the whole world.
        deg = max(_FIRST_WINDOW_DEG, scope.first_window(point) * _FIRST_WINDOW_GROWTH)
        if deg > _FAR_DEG:
            deg = _WHOLE_WORLD_DEG
        seen = np.zeros(len(scope.idx), dtype=bool)
        while True:
            found = scope.window(lat, lon, deg)
            new = found[~seen[found]]
            seen[new] = True
            self._consider(point, lat, lon, k, scope, new, best)
            bound = self._kth(best, k)
            if deg >= _WHOLE_WORLD_DEG or bound * (1 + _SLACK) + _SLACK < _outside_window_km(lat, deg):
                break
            # Widen to where nothing outside can beat the k-th found (it only gets closer): normally the last round.
            deg = 2 * deg if math.isinf(bound) else max(1.01 * deg, _window_for_km(lat, bound))
        ranked = sorted(best.items(), key=lambda item: (item[1], item[0]))[:k]
        return [NearbyKecamatan(code, round(d, 3)) for code, d in ranked]

    def _consider(self, point: shapely.Point, lat: float, lon: float, k: int, scope: _Scope, pos: np.ndarray,
                  best: dict[str, float]) -> None:
        """Measure those of the geometries at ``pos`` (positions in ``scope``) that may be among the k nearest:
        in the order of their boxes' lower bounds, a batch at a time, until the k-th nearest found is closer than
        the lower bound of any left."""
        if len(pos) <= _BATCH:
            self._measure(point, lat, lon, scope.idx[pos], best)
            return
        lb = scope.lower_bounds(lat, lon, pos)
        left = np.arange(len(pos))
        while True:
            if len(best) >= k:
                left = left[lb[left] <= _haversine_a(self._kth(best, k)) * (1 + _SLACK) + 1e-18]
            if not len(left):
                return
            if len(left) > _BATCH:
                nearer = np.argpartition(lb[left], _BATCH)
                batch, left = left[nearer[:_BATCH]], left[nearer[_BATCH:]]
            else:
                batch, left = left, left[:0]
            self._measure(point, lat, lon, scope.idx[pos[batch]], best)

    @staticmethod
    def _kth(best: dict[str, float], k: int) -> float:
        """The k-th smallest distance found so far (inf before k kecamatan have one)."""
        if len(best) < k:
            return math.inf
        return sorted(best.values())[k - 1]

    def _measure(self, point: shapely.Point, lat: float, lon: float, idx: np.ndarray, best: dict[str, float]) -> None:
        """Distance (km) from the point to each geometry in ``idx`` via its closest point in lon/lat; the smallest
        per code into ``best``. (The haversine in plain Python: for a few points it is 3 times numpy's speed.)"""
        ends = shapely.get_coordinates(shapely.shortest_line(point, self._geoms[idx]))[1::2].tolist()
        p1 = math.radians(lat)
        cos_p1 = math.cos(p1)
        codes = self._codes
        for i, (x, y) in zip(idx.tolist(), ends, strict=True):
            p2 = math.radians(y)
            a = math.sin((p2 - p1) / 2) ** 2 + cos_p1 * math.cos(p2) * math.sin(math.radians(x - lon) / 2) ** 2
            d = 2 * _EARTH_RADIUS_KM * math.asin(math.sqrt(min(a, 1.0)))
            code = codes[i]
            if d < best.get(code, math.inf):
                best[code] = d


def _parse_feature_collection(text: str) -> tuple[list[str], _Packer]:
    """The codes and polygons of the features (the polygons made into geometries only by _Packer.geometries)."""
    collection = _Collection(text)
    codes: list[str] = []
    packer = _Packer()
    for n, feature in enumerate(collection.features()):
        where = f"feature #{n}"
        if not isinstance(feature, dict):
            raise BoundariesError(f"{where} is not an object")
        props = feature.get("properties")
        code = _normalize_code(props.get("code") if isinstance(props, dict) else None)
        if code is None:
            raise BoundariesError(f"{where} has no kecamatan code like '15.71.04' in properties.code")
        where = f"feature #{n} ({code})"
        geometry = feature.get("geometry")
        if geometry is None:
            continue  # a kecamatan without a mapped boundary
        gtype = geometry.get("type") if isinstance(geometry, dict) else None
        polygons = geometry.get("coordinates") if isinstance(geometry, dict) else None
        if gtype == "Polygon":
            polygons = [polygons]
        elif gtype != "MultiPolygon":
            raise BoundariesError(f"{where}: geometry must be a Polygon or MultiPolygon, not {gtype!r}")
        if not isinstance(polygons, list) or not all(isinstance(p, list) for p in polygons):
            raise BoundariesError(f"{where}: malformed coordinates")
        if not any(polygons):
            continue
        packer.add(polygons, where)
        codes.append(code)
    collection.finish()
    if not codes:
        raise BoundariesError("no kecamatan boundaries in the file")
    return codes, packer


class _Packer:
    """Features' polygons, each feature's positions as one compact array, made into GEOS MultiPolygons at the end
    (after the file's text is gone) some 30,000 positions at a time."""

    BATCH = 32768

    def __init__(self) -> None:
        # Per feature: its (n, 2) positions, where each ring ends in them, how many rings each polygon has.
        self.features: list[tuple[np.ndarray, list[int], list[int]]] = []

    def add(self, polygons: list[Any], where: str) -> None:
        positions: list[Any] = []
        ring_ends: list[int] = []
        ring_counts: list[int] = []
        for polygon in polygons:
            for ring in polygon:
                if not isinstance(ring, list) or len(ring) < 4:
                    raise BoundariesError(f"{where}: a polygon ring needs at least 4 positions")
                positions.extend(ring)
                ring_ends.append(len(positions))
            ring_counts.append(len(polygon))
        self.features.append((_positions(positions), ring_ends, ring_counts))

    def geometries(self) -> np.ndarray:
        """The MultiPolygons, in the order added (each feature's arrays are let go as its batch is made)."""
        done: list[np.ndarray] = []
        features, self.features = self.features, []
        features.reverse()  # pop() from the end hands them out in order
        while features:
            xys: list[np.ndarray] = []
            ring_offsets, polygon_offsets, multipolygon_offsets = [0], [0], [0]
            count = 0
            while features and count < self.BATCH:
                xy, ring_ends, ring_counts = features.pop()
                xys.append(xy)
                ring_offsets.extend(count + end for end in ring_ends)
                for rings in ring_counts:
                    polygon_offsets.append(polygon_offsets[-1] + rings)
                multipolygon_offsets.append(multipolygon_offsets[-1] + len(ring_counts))
                count += len(xy)
            done.append(self._make(np.concatenate(xys), ring_offsets, polygon_offsets, multipolygon_offsets))
        return np.concatenate(done)

    @staticmethod
    def _make(xy: np.ndarray, ring_offsets: list[int], polygon_offsets: list[int],
              multipolygon_offsets: list[int]) -> np.ndarray:
        if not np.isfinite(xy).all():
            raise BoundariesError("coordinates contain NaN or infinity")
        if (np.abs(xy[:, 0]) > 180).any() or (np.abs(xy[:, 1]) > 90).any():
            raise BoundariesError("coordinates out of range: expected [longitude, latitude] in degrees (WGS 84)")
        offsets = (np.asarray(ring_offsets), np.asarray(polygon_offsets), np.asarray(multipolygon_offsets))
        try:
            return shapely.from_ragged_array(shapely.GeometryType.MULTIPOLYGON, xy, offsets)
        except (GEOSException, ValueError, TypeError) as e:
            raise BoundariesError(f"invalid polygon: {e}") from None


def _positions(positions: list[Any]) -> np.ndarray:
    """[[lon, lat], ...] (or with an elevation, ignored) as an (n, 2) float array."""
    try:
        xy = np.asarray(positions, dtype=np.float64)
    except (ValueError, TypeError) as e:
        raise BoundariesError(f"coordinates are not all [longitude, latitude] number pairs: {e}") from None
    if xy.ndim != 2 or xy.shape[1] not in (2, 3):
        raise BoundariesError("coordinates are not all [longitude, latitude] number pairs")
    return xy if xy.shape[1] == 2 else np.ascontiguousarray(xy[:, :2])


class _Collection:
    """A GeoJSON FeatureCollection's text, read member by member: ``features()`` decodes one feature at a time.

    Any JSON error raises json.JSONDecodeError (a ValueError), as json.loads would; ``finish()`` checks the rest
    of the text and that the object was a FeatureCollection with a features list."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.decoder = json.JSONDecoder()
        self.type: Any = None
        self.has_features = False
        self.pos = self._skip(0)
        if text[self.pos : self.pos + 1] != "{":
            json.loads(text)  # invalid JSON raises the usual error; valid JSON but no object is no collection
            raise BoundariesError("not a GeoJSON FeatureCollection")
        self.pos = self._skip(self.pos + 1)
        self.closed = text[self.pos : self.pos + 1] == "}"
        if self.closed:
            self.pos = self._skip(self.pos + 1)

    def _skip(self, pos: int) -> int:
        match = _WHITESPACE.match(self.text, pos)
        return match.end() if match else pos

    def _error(self, message: str) -> json.JSONDecodeError:
        return json.JSONDecodeError(message, self.text, self.pos)

    def _value(self) -> Any:
        value, self.pos = self.decoder.raw_decode(self.text, self.pos)
        self.pos = self._skip(self.pos)
        return value

    def _members(self) -> Iterator[str]:
        """Each member's key, leaving pos at its value; the caller reads the value before asking for the next."""
        while not self.closed:
            if self.text[self.pos : self.pos + 1] != '"':
                raise self._error("Expecting property name enclosed in double quotes")
            key = self._value()
            if self.text[self.pos : self.pos + 1] != ":":
                raise self._error("Expecting ':' delimiter")
            self.pos = self._skip(self.pos + 1)
            yield key
            delimiter = self.text[self.pos : self.pos + 1]
            self.pos = self._skip(self.pos + 1)
            if delimiter == "}":
                self.closed = True
            elif delimiter != ",":
                self.pos -= 1
                raise self._error("Expecting ',' delimiter")

    def features(self) -> Iterator[Any]:
        for key in self._members():
            if key == "type":
                self.type = self._value()
                if self.type != "FeatureCollection":
                    raise BoundariesError("not a GeoJSON FeatureCollection")
            elif key == "features" and not self.has_features and self.text[self.pos : self.pos + 1] == "[":
                self.has_features = True
                self.pos = self._skip(self.pos + 1)
                if self.text[self.pos : self.pos + 1] == "]":
                    self.pos = self._skip(self.pos + 1)
                    continue
                while True:
                    yield self._value()
                    delimiter = self.text[self.pos : self.pos + 1]
                    self.pos = self._skip(self.pos + 1)
                    if delimiter == "]":
                        break
                    if delimiter != ",":
                        raise self._error("Expecting ',' delimiter")
            elif key == "features":
                how_many = "more than one" if self.has_features else "no"
                raise BoundariesError(f"FeatureCollection has {how_many} 'features' list")
            else:
                self._value()

    def finish(self) -> None:
        if self.pos != len(self.text):
            raise self._error("Extra data")
        if self.type != "FeatureCollection":
            raise BoundariesError("not a GeoJSON FeatureCollection")
        if not self.has_features:
            raise BoundariesError("FeatureCollection has no 'features' list")
