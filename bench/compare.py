"""Pantau against a bare PTB echo bot under the same load, one after the other, with the limiter on and off.

    python -m bench.compare [--reporters 100] [--concurrency N] [--in-process] [--boundaries PATH|none]

Runs Pantau, then the echo bot, with Telegram's overall 30/s cap (Pantau's PacedRateLimiter; the echo bot's
AIORateLimiter), then both again without it (TELEGRAM_MESSAGES_PER_SECOND lifted; no rate limiter), prints
each run's full figures (as bench/load_report.py and bench/load_echo.py do), a table per pair, and ends with

    compare calls_per_report=… cpu_ratio_limited=… cpu_ratio_unlimited=… rss_mb=…

calls_per_report: Pantau's calls with a chat_id (messages and edits) per whole report, the confirmation
included; cpu_ratio_*: Pantau's CPU per update over the echo bot's in the same pair of runs; rss_mb: Pantau's
peak RSS in the limited run, with the boundaries file loaded (by default ../shared/data's).
The default is 200 users per bot: the runs without the cap last only 10-20 s each, and fewer users make their
CPU figures vary by a fifth from run to run. The four runs take about 3 minutes on 2 cores.
"""

from __future__ import annotations

import argparse
import dataclasses
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

DEFAULT_USERS = 200


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
        ("calls with a chat_id per user", pantau.chat_calls / pantau.users, echo.chat_calls / echo.users, "{:.1f}"),
        ("messages per user", pantau.messages / pantau.users, echo.messages / echo.users, "{:.1f}"),
        ("calls with a chat_id /s" + (f" (cap {RATE_LIMIT_PER_S})" if pantau.limited else ""),
         pantau.chat_calls_per_s, echo.chat_calls_per_s, "{:.1f}"),
        ("wall time, s", pantau.wall, echo.wall, "{:.1f}"),
    ]
    width = max(len(r[0]) for r in rows)
    lines = [
        f"Pantau vs echo, limiter {'on' if pantau.limited else 'off'}: "
        f"{pantau.users} users × {len(pantau.steps)} updates each, concurrency {pantau.concurrency}; "
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
    pairs: dict[bool, tuple[Result, Result]] = {}
    for limited in (True, False) if options.limited else (False,):
        results: list[Result] = []
        for scenario in (load_report.SCENARIO, load_echo.SCENARIO):
            if not options.quiet:
                print(f"running {scenario.name} with {options.users} users, limiter {'on' if limited else 'off'}…",
                      file=sys.stderr, flush=True)
            try:
                result = run_blocking(scenario, dataclasses.replace(options, limited=limited))
            except BenchFailure as exc:
                print(f"BENCH FAILED — {exc}", file=sys.stderr)
                return 1
            except KeyboardInterrupt:
                print("interrupted; the bot was stopped", file=sys.stderr)
                return 130
            print(format_result(result), end="\n\n", flush=True)
            results.append(result)
        pairs[limited] = (results[0], results[1])
    for pantau, echo in pairs.values():
        print(table(pantau, echo), end="\n\n")
    print(summary(pairs))
    return 0


def summary(pairs: dict[bool, tuple[Result, Result]]) -> str:
    def ratio(limited: bool) -> str:
        if limited not in pairs:
            return "nan"
        pantau, echo = pairs[limited]
        return f"{pantau.cpu_ms_per_update / echo.cpu_ms_per_update:.2f}"

    pantau = pairs[True][0] if True in pairs else pairs[False][0]
    return (f"compare calls_per_report={pantau.chat_calls / pantau.users:.1f} cpu_ratio_limited={ratio(True)} "
            f"cpu_ratio_unlimited={ratio(False)} rss_mb={pantau.peak_rss / MIB:.0f}")


if __name__ == "__main__":
    sys.exit(main())
