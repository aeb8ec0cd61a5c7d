"""How long matching a GPS point to its kecamatan takes (step 4's shared location), and the nearest ones.

    python -m bench.geo_locate [--repeat 200] [--boundaries PATH]

A fixed set of points (inside kecamatan of Jambi, Jakarta, Bali and Papua, in the sea, off Indonesia) is
located `--repeat` times each with the kecamatan boundaries file (default ../shared/data/…); then the three
nearest kecamatan of the points outside every kecamatan are looked up. The figures are the nearest-rank p50
and p99 of a single call, per point and over all calls, in microseconds. Nothing is asserted. The last line
is a one-line summary, e.g. `geo_locate p50_us=… p99_us=…`.
"""

from __future__ import annotations

import argparse
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


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.geo_locate", description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=200, help="calls per point (default 200)")
    parser.add_argument("--boundaries", type=Path, default=DEFAULT_BOUNDARIES, help="the kecamatan boundaries file")
    args = parser.parse_args(argv)
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")
    if not args.boundaries.is_file():
        print(f"no boundaries file at {args.boundaries} (see --boundaries)", file=sys.stderr)
        return 1

    start = time.perf_counter()
    boundaries = Boundaries.load(args.boundaries)
    print(f"boundaries            {args.boundaries.name}, loaded in {(time.perf_counter() - start) * 1000:.0f} ms")
    print(f"locate, µs per call   {args.repeat} calls per point")
    print(f"   {'point':<22} {'kecamatan':>10} {'p50':>9} {'p99':>9} {'max':>9}")
    every: list[float] = []
    outside = []
    for name, lat, lon in POINTS:
        code = boundaries.locate(lat, lon)
        if code is None:
            outside.append((name, lat, lon))
        times = timings_us(partial(boundaries.locate, lat, lon), args.repeat)
        every.extend(times)
        print(f"   {name:<22} {code or '-':>10} {percentile(times, 50):>9.1f} {percentile(times, 99):>9.1f}"
              f" {times[-1]:>9.1f}")
    every.sort()
    p50, p99 = percentile(every, 50), percentile(every, 99)
    print(f"   {'all points':<22} {'':>10} {p50:>9.1f} {p99:>9.1f} {every[-1]:>9.1f}")

    print("nearest (k=3), µs per call")
    for name, lat, lon in outside:
        times = timings_us(partial(boundaries.nearest, lat, lon), args.repeat)
        print(f"   {name:<22} {'':>10} {percentile(times, 50):>9.1f} {percentile(times, 99):>9.1f} {times[-1]:>9.1f}")

    print(f"geo_locate p50_us={p50:.1f} p99_us={p99:.1f} points={len(POINTS)} calls={len(every)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
