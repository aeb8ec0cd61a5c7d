"""The bot's memory peak from start until it is long-polling, with or without the kecamatan boundaries file.

    python -m bench.startup_memory [--runs 3] [--boundaries PATH | --no-boundaries]

Each run starts `python -m bot run` as a subprocess against the fake Bot API server (as bench/common.py does,
in a fresh temp dir, so the database is migrated from nothing), waits until it holds a getUpdates long poll,
reads its VmHWM (peak RSS since the process started) and VmRSS from /proc, and stops it with SIGTERM. The
figures are the median over the runs: peak RSS in MiB and the seconds from spawning the process to its first
long poll. Nothing is asserted. The last line is a one-line summary, e.g.
`startup rss_mb=… boundaries=yes start_s=…`.
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

if __package__ in (None, ""):  # run as `python bench/startup_memory.py`
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import MIB, BenchFailure, Options, SubprocessBot, Workspace, _start, log_tail
from testing.fake_telegram import FakeTelegram

DEFAULT_BOUNDARIES = Path(__file__).resolve().parents[2] / "shared" / "data" / "kecamatan_boundaries.geojson.gz"
BOT_ARGV = (sys.executable, "-m", "bot", "--log-level", "INFO", "run")


@dataclass
class BoundariesWorkspace(Workspace):
    """A workspace whose bot loads `boundaries` (None: no boundaries file, as the load benchmarks run)."""

    boundaries: Path | None = None

    def bot_env(self) -> dict[str, str]:
        env = super().bot_env()
        env["BOUNDARIES_FILE"] = str(self.boundaries) if self.boundaries is not None else ""
        return env


@dataclass(frozen=True)
class Startup:
    peak: int  # bytes (VmHWM once polling)
    rss: int  # bytes (VmRSS once polling)
    seconds: float  # spawn -> first long poll held by the fake


async def one_run(boundaries: Path | None, options: Options) -> Startup:
    root = Path(tempfile.mkdtemp(prefix="bench-startup-"))
    keep = True
    try:
        async with FakeTelegram() as fake:
            workspace = BoundariesWorkspace(root, fake, options, boundaries)
            bot = SubprocessBot(BOT_ARGV, workspace)
            try:
                started = time.monotonic()
                await _start(bot, fake, options)
                seconds = time.monotonic() - started
                usage = bot.usage()
            except BenchFailure as exc:
                raise BenchFailure(f"{exc}\n--- bot log ({workspace.log_path}) ---\n{log_tail(workspace.log_path)}"
                                   f"\n--- temp dir kept: {root}") from None
            finally:
                remarks = await bot.stop()
        for remark in remarks:
            print(f"   note: {remark}", file=sys.stderr)
        keep = options.keep
        return Startup(usage.peak, usage.rss, seconds)
    finally:
        if not keep:
            shutil.rmtree(root, ignore_errors=True)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.startup_memory", description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=3, help="bot starts to take the median of (default 3)")
    parser.add_argument("--boundaries", type=Path, default=DEFAULT_BOUNDARIES, help="the kecamatan boundaries file")
    parser.add_argument("--no-boundaries", action="store_true", help="start without a boundaries file")
    parser.add_argument("--startup-timeout", type=float, default=60.0, help="seconds to wait for the first poll")
    parser.add_argument("--keep", action="store_true", help="keep the temp dirs (database, bot log)")
    args = parser.parse_args(argv)
    if args.runs < 1:
        parser.error("--runs must be at least 1")
    boundaries = None if args.no_boundaries else args.boundaries
    if boundaries is not None and not boundaries.is_file():
        print(f"no boundaries file at {boundaries} (see --boundaries, --no-boundaries)", file=sys.stderr)
        return 1
    options = Options(startup_timeout=args.startup_timeout, keep=args.keep)
    print(f"bot                   {' '.join([Path(BOT_ARGV[0]).name, *BOT_ARGV[1:]])}")
    print(f"boundaries            {boundaries if boundaries is not None else '(none)'}")
    print(f"   {'run':>4} {'peak MiB':>9} {'RSS MiB':>9} {'start s':>8}")
    runs: list[Startup] = []
    for n in range(args.runs):
        try:
            run = asyncio.run(one_run(boundaries, options))
        except BenchFailure as exc:
            print(f"BENCH FAILED — {exc}", file=sys.stderr)
            return 1
        runs.append(run)
        print(f"   {n + 1:>4} {run.peak / MIB:>9.1f} {run.rss / MIB:>9.1f} {run.seconds:>8.2f}")
    peak = statistics.median(r.peak for r in runs) / MIB
    seconds = statistics.median(r.seconds for r in runs)
    print(f"startup rss_mb={peak:.1f} boundaries={'yes' if boundaries is not None else 'no'} start_s={seconds:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
