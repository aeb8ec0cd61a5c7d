"""How long matching a GPS point to its kecamatan takes (step 4's shared location), and the nearest ones.

    python -m bench.geo_locate [--repeat 200] [--nearest-repeat 20] [--boundaries PATH] [--seed 8]

locate: a fixed set of points (inside kecamatan of Jambi, Jakarta, Bali and Papua, in the sea, off Indonesia) is
located `--repeat` times each with the kecamatan boundaries file (default ../shared/data/…).

nearest (k=3), the fallback when locate finds nothing or a kecamatan outside REGION_SCOPE: seeded random points
in three groups, each point looked up `--nearest-repeat` times: at sea around Indonesia (in its bounding box but
outside every kecamatan, scope none), inside a kecamatan outside Jambi with the scope "15" (Jambi), and far from
Indonesia (anywhere on the globe, scope none). The figures are nearest-rank p50, p95 and p99 of a single call, per
point or group and over all calls, in microseconds (wall clock: on a busy machine they are noisy). Nothing is
asserted. The last line is a one-line summary, e.g. `geo locate_p99_us=… nearest_p99_us=… nearest_far_p99_us=…`,
where nearest_p99_us covers the first two groups (points in and around Indonesia).
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from collections.abc import Sequence
from functools import partial
from pathlib import Path

if __package__ in (None, ""):  # run as `python bench/geo_locate.py`
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.regions_search import percentile, timings_us
from bot.regions.geo import Boundaries

DEFAULT_BOUNDARIES = Path(__file__).resolve().parents[2] / "shared" / "data" / "kecamatan_boundaries.geojson.gz"
POINTS = (
    ("Pasar Jambi", -1.5900, 103.6130),
    ("Telanaipura", -1.6200, 103.5800),
    ("Gambir, Jakarta", -6.1754, 106.8272),
    ("Denpasar, Bali", -8.6500, 115.2167),
    ("Jayapura, Papua", -2.5330, 140.7170),
    ("sea off Sukabumi", -7.9000, 106.3000),
    ("Indian Ocean", 0.0, 90.0),
)
INDONESIA = (-11.5, 6.5, 94.0, 142.0)  # south, north, west, east
SCOPE = "15"


def nearest_groups(boundaries: Boundaries, seed: int) -> list[tuple[str, str | None, list[tuple[float, float]]]]:
    """(group name, within, points): 100 at sea, 50 in other provinces (scope Jambi), 10 far from Indonesia."""
    rng = random.Random(seed)
    south, north, west, east = INDONESIA
    sea: list[tuple[float, float]] = []
    elsewhere: list[tuple[float, float]] = []
    while len(sea) < 100 or len(elsewhere) < 50:
        lat, lon = rng.uniform(south, north), rng.uniform(west, east)
        code = boundaries.locate(lat, lon)
        if code is None and len(sea) < 100:
            sea.append((lat, lon))
        elif code is not None and not code.startswith(SCOPE + ".") and len(elsewhere) < 50:
            elsewhere.append((lat, lon))
    far = [(rng.uniform(-90, 90), rng.uniform(-180, 180)) for _ in range(10)]
    return [("at sea near Indonesia", None, sea), (f"elsewhere, scope {SCOPE}", SCOPE, elsewhere),
            ("far from Indonesia", None, far)]


def row(name: str, times: Sequence[float]) -> str:
    return (f"   {name:<28} {len(times):>6} {percentile(times, 50):>9.1f} {percentile(times, 95):>9.1f}"
            f" {percentile(times, 99):>9.1f} {times[-1]:>9.1f}")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.geo_locate", description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=200, help="locate calls per point (default 200)")
    parser.add_argument("--nearest-repeat", type=int, default=20, help="nearest calls per point (default 20)")
    parser.add_argument("--seed", type=int, default=8, help="seed of the random nearest points (default 8)")
    parser.add_argument("--boundaries", type=Path, default=DEFAULT_BOUNDARIES, help="the kecamatan boundaries file")
    args = parser.parse_args(argv)
    if args.repeat < 1 or args.nearest_repeat < 1:
        parser.error("--repeat and --nearest-repeat must be at least 1")
    if not args.boundaries.is_file():
        print(f"no boundaries file at {args.boundaries} (see --boundaries)", file=sys.stderr)
        return 1

    start = time.perf_counter()
    boundaries = Boundaries.load(args.boundaries)
    print(f"boundaries            {args.boundaries.name}, loaded in {(time.perf_counter() - start) * 1000:.0f} ms")
    header = f"   {'':<28} {'calls':>6} {'p50':>9} {'p95':>9} {'p99':>9} {'max':>9}"
    print(f"locate, µs per call   {args.repeat} calls per point")
    print(header.replace(" " * 28, f"{'point (kecamatan)':<28}", 1))
    every: list[float] = []
    for name, lat, lon in POINTS:
        code = boundaries.locate(lat, lon)
        times = timings_us(partial(boundaries.locate, lat, lon), args.repeat)
        every.extend(times)
        print(row(f"{name} ({code or '-'})", times))
    every.sort()
    print(row("all points", every))
    locate_p99 = percentile(every, 99)

    print(f"nearest (k=3), µs per call   {args.nearest_repeat} calls per point, seed {args.seed}")
    print(header.replace(" " * 28, f"{'group':<28}", 1))
    near: list[float] = []
    far: list[float] = []
    for group, within, points in nearest_groups(boundaries, args.seed):
        times: list[float] = []
        for lat, lon in points:
            times.extend(timings_us(partial(boundaries.nearest, lat, lon, k=3, within=within), args.nearest_repeat))
        times.sort()
        print(row(group, times))
        (far if group.startswith("far") else near).extend(times)
    near.sort()
    print(row("in and around Indonesia", near))
    nearest_p99, far_p99 = percentile(near, 99), percentile(sorted(far), 99)

    print(f"geo locate_p99_us={locate_p99:.1f} nearest_p99_us={nearest_p99:.1f} nearest_far_p99_us={far_p99:.1f}"
          f" locate_p50_us={percentile(every, 50):.1f} nearest_p50_us={percentile(near, 50):.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
