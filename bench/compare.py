"""Pantau against a bare PTB echo bot under the same load, one after the other, then one table.

    python -m bench.compare [--reporters 100] [--concurrency N] [--in-process]

Prints each run's full figures (as bench/load_report.py and bench/load_echo.py do), then the table.
The default is 100 users per bot so that both runs together stay under ~3 minutes on 2 cores; both bots
are capped by the same rate limiter, so updates/s and the ratios barely depend on the number of users.
"""

from __future__ import annotations

import argparse
import math
import sys
from collections.abc import Sequence
from pathlib import Path

if __package__ in (None, ""):  # run as `python bench/compare.py`
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import load_echo, load_report
from bench.common import (
    MIB,
    RATE_LIMIT_PER_S,
    BenchFailure,
    Result,
    add_arguments,
    format_result,
    options_from,
    run_blocking,
)

DEFAULT_USERS = 100


def table(pantau: Result, echo: Result) -> str:
    rows: list[tuple[str, float, float, str]] = [
        ("updates/s", pantau.updates_per_s, echo.updates_per_s, "{:.1f}"),
        ("latency p50, ms", pantau.latency(50) * 1000, echo.latency(50) * 1000, "{:.0f}"),
        ("latency p95, ms", pantau.latency(95) * 1000, echo.latency(95) * 1000, "{:.0f}"),
        ("latency p99, ms", pantau.latency(99) * 1000, echo.latency(99) * 1000, "{:.0f}"),
        ("peak RSS of the bot, MiB", pantau.peak_rss / MIB, echo.peak_rss / MIB, "{:.1f}"),
        ("RSS before the load, MiB", pantau.rss_after_start / MIB, echo.rss_after_start / MIB, "{:.1f}"),
        ("bot CPU per update, ms", pantau.cpu_ms_per_update, echo.cpu_ms_per_update, "{:.2f}"),
        ("bot API calls per update", sum(pantau.calls.values()) / pantau.updates,
         sum(echo.calls.values()) / echo.updates, "{:.2f}"),
        (f"calls with chat_id /s (cap {RATE_LIMIT_PER_S})", pantau.chat_calls_per_s, echo.chat_calls_per_s, "{:.1f}"),
        ("wall time, s", pantau.wall, echo.wall, "{:.1f}"),
    ]
    width = max(len(r[0]) for r in rows)
    lines = [
        f"Pantau vs echo: {pantau.users} users × {len(pantau.steps)} updates each, concurrency {pantau.concurrency}; "
        f"bots: {'in-process (memory and CPU: whole bench process)' if pantau.in_process else 'subprocesses'}",
        f"{'':<{width}}  {'Pantau':>9}  {'echo':>9}  {'Pantau/echo':>11}",
    ]
    for label, p, e, fmt in rows:
        ratio = p / e if e and not math.isnan(e) else math.nan
        lines.append(f"{label:<{width}}  {fmt.format(p):>9}  {fmt.format(e):>9}  {ratio:>11.2f}")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Pantau vs a bare PTB echo bot under the same load")
    add_arguments(parser)
    parser.set_defaults(users=DEFAULT_USERS)
    options = options_from(parser.parse_args(argv))
    results: list[Result] = []
    for scenario in (load_report.SCENARIO, load_echo.SCENARIO):
        if not options.quiet:
            print(f"running {scenario.name} with {options.users} users…", file=sys.stderr, flush=True)
        try:
            result = run_blocking(scenario, options)
        except BenchFailure as exc:
            print(f"BENCH FAILED — {exc}", file=sys.stderr)
            return 1
        except KeyboardInterrupt:
            print("interrupted; the bot was stopped", file=sys.stderr)
            return 130
        print(format_result(result), end="\n\n", flush=True)
        results.append(result)
    print(table(*results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
