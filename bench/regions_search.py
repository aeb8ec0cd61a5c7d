"""How long a region search takes: the reporter's "type a name" at step 4, and the picker's children.

    python -m bench.regions_search [--repeat 200] [--scope 15]

A fixed set of queries (short prefixes, kind words, multi-word names, typos, nothing found) is run
`--repeat` times each against one RegionDirectory (all of Indonesia by default); the figures are the
nearest-rank p50 and p99 of a single call, per query and over all calls, in microseconds. Nothing is
asserted: this prints figures (speed is not a test; tests/test_regions.py checks what a search finds).
The last line is a one-line summary, e.g. `regions_search p50_us=… p99_us=…`.
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from collections.abc import Callable, Sequence
from functools import partial
from pathlib import Path

if __package__ in (None, ""):  # run as `python bench/regions_search.py`
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.regions.directory import RegionDirectory

# What reporters type: two-letter prefixes (the widest candidate sets), kind words, multi-word names with the
# province, a typo, punctuation, a kecamatan name shared by many kabupaten, and queries that find nothing.
QUERIES = (
    "ba", "su", "ka", "kota", "kec. pasar jambi", "pasar jambi", "kep siau", "tebing tinggi", "gambir jakarta",
    "kab. bogor", "provinsi jawa barat", "sukajadi", "telanaipura", "kotabaru", "ab c", "zzzzzz",
)
CHILDREN = (None, "32", "32.01", "15.71")  # provinces, Jawa Barat's kabupaten, kecamatan of Kab. Bogor, Kota Jambi


def percentile(sorted_values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile of an ascending sequence (as in bench/common.py)."""
    if not sorted_values:
        return math.nan
    rank = max(1, math.ceil(q / 100 * len(sorted_values)))
    return sorted_values[min(rank, len(sorted_values)) - 1]


def timings_us(call: Callable[[], object], repeat: int) -> list[float]:
    """Microseconds of each of `repeat` calls, ascending (one warm-up call first, not counted)."""
    call()
    out = []
    for _ in range(repeat):
        start = time.perf_counter_ns()
        call()
        out.append((time.perf_counter_ns() - start) / 1000)
    return sorted(out)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.regions_search", description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=200, help="calls per query (default 200)")
    parser.add_argument("--scope", default=None, help="REGION_SCOPE of the directory (default: all of Indonesia)")
    args = parser.parse_args(argv)
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")

    start = time.perf_counter()
    directory = RegionDirectory(args.scope)
    load_ms = (time.perf_counter() - start) * 1000
    print(f"directory             scope {args.scope or 'all of Indonesia'}, built in {load_ms:.0f} ms"
          " (the first one also loads the table)")
    print(f"search, µs per call   {args.repeat} calls per query")
    print(f"   {'query':<24} {'found':>5} {'p50':>9} {'p99':>9} {'max':>9}")
    every: list[float] = []
    for query in QUERIES:
        found = len(directory.search(query))
        times = timings_us(partial(directory.search, query), args.repeat)
        every.extend(times)
        print(f"   {query!r:<24} {found:>5} {percentile(times, 50):>9.1f} {percentile(times, 99):>9.1f} {times[-1]:>9.1f}")
    every.sort()
    p50, p99 = percentile(every, 50), percentile(every, 99)
    print(f"   {'all queries':<24} {'':>5} {p50:>9.1f} {p99:>9.1f} {every[-1]:>9.1f}")

    print("children, µs per call")
    for parent in CHILDREN:
        found = len(directory.children(parent))
        times = timings_us(partial(directory.children, parent), args.repeat)
        label = "provinces" if parent is None else parent
        print(f"   {label:<24} {found:>5} {percentile(times, 50):>9.1f} {percentile(times, 99):>9.1f} {times[-1]:>9.1f}")

    print(f"regions_search p50_us={p50:.1f} p99_us={p99:.1f} queries={len(QUERIES)} calls={len(every)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
