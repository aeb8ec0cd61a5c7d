"""Flood figures for Pantau: does one person flooding the bot slow everybody else down?

    python -m bench.flood [--reporters 200] [--flood 1000] [--flood-seconds 60] [--no-limiter]

Two runs against the real bot (a subprocess, as bench/load_report.py runs it, with the default abuse limits):
quiet, N reporters each making one whole report; then the same N reporters while one more person sends
`--flood` text messages spread over `--flood-seconds` (1,000 in a minute by default), starting with them.
Prints both runs' figures and the reporters' step latency, and ends with one line:

    flood reporters=N messages=M quiet_p95_ms=… flood_p95_ms=… ratio=… answered=… notices=… lost=0

`ratio` is the flood run's p95 over the quiet run's (issue 12 asks for at most 2). `answered` is how many
messages the flooder got (the burst, one now and then as the bucket refills, and `notices`: one), `lost` the
reports that did not reach the database (the run fails if it is not 0: load_report's checks).
"""

from __future__ import annotations

import argparse
import asyncio
import sqlite3
import sys
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

if __package__ in (None, ""):  # run as `python bench/flood.py`
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import load_report
from bench.common import (
    BenchFailure,
    Options,
    Scenario,
    TimedUser,
    Workspace,
    add_arguments,
    format_result,
    ms,
    options_from,
    run_blocking,
)

FLOODED = "(flooder)"  # the flooder's outcome, not a case code


def flood_scenario(messages: int, seconds: float, seen: dict[str, int]) -> Scenario:
    """load_report's scenario, but its first user floods instead of reporting. What the flooder got is put in
    `seen`: `answered` (messages sent to them) and `notices`."""

    async def converse(u: TimedUser, workspace: Workspace) -> object:
        if u.index != 1:
            return await load_report.converse(u, workspace)
        fake = workspace.fake
        first = fake.cursor()
        interval = seconds / messages
        loop = asyncio.get_running_loop()
        start = loop.time()
        for n in range(messages):
            fake.send_text(u.user_id, f"spam {n} " + "x" * 40, first_name="Flood")
            delay = start + (n + 1) * interval - loop.time()  # paced injection: the load itself, not a wait
            if delay > 0:
                await asyncio.sleep(delay)
        # A button is never slowed, and one chat's updates are handled in order: once Bantuan is answered,
        # every flood message before it was handled or refused.
        u.tap("Bantuan")
        await u.expect("Cara melapor", timeout=u.step_timeout)
        sent = [c for c in fake.calls(chat_id=u.user_id) if c.seq > first and c.ok and c.method == "sendMessage"]
        seen["answered"] = len(sent) - 1  # not the help text
        seen["notices"] = sum("terlalu cepat" in str(c.params.get("text")) for c in sent)
        return FLOODED

    def verify(workspace: Workspace, outcomes: list[object]) -> list[str]:
        checks = load_report.verify(workspace, [o for o in outcomes if o != FLOODED])
        with sqlite3.connect(f"file:{workspace.db_path}?mode=ro", uri=True, timeout=30) as db:
            left = db.execute("SELECT COUNT(*) FROM inbox").fetchone()[0]
        if left:
            raise BenchFailure(f"{left} updates are still in the inbox after the bot stopped")
        return [*checks, "inbox: empty after the stop (every flood message was handled or refused, none kept)"]

    base = load_report.SCENARIO
    return replace(base, name="pantau-flood", title=base.title + f"; user #1 sends {messages} texts in {seconds:g} s",
                   converse=converse, verify=verify)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    add_arguments(parser)
    parser.add_argument("--flood", type=int, default=1000, help="messages the flooder sends (default 1000)")
    parser.add_argument("--flood-seconds", type=float, default=60.0,
                        help="over how many seconds (default 60)")
    args = parser.parse_args(argv)
    options: Options = options_from(args)
    if args.flood < 1 or args.flood_seconds <= 0:
        raise SystemExit("--flood and --flood-seconds must be positive")
    try:
        quiet = run_blocking(load_report.SCENARIO, options)
        print(format_result(quiet))
        print()
        flood_options = replace(options, users=options.users + 1, concurrency=options.concurrency + 1)
        seen: dict[str, int] = {}
        flooded = run_blocking(flood_scenario(args.flood, args.flood_seconds, seen), flood_options)
        print(format_result(flooded))
    except BenchFailure as exc:
        print(f"BENCH FAILED — {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted; the bot was stopped", file=sys.stderr)
        return 130
    quiet_p95, flood_p95 = quiet.latency(95), flooded.latency(95)
    answered, notices = seen.get("answered", 0), seen.get("notices", 0)
    print()
    print(f"reporters' step latency   quiet p50 {ms(quiet.latency(50))}, p95 {ms(quiet_p95)}; "
          f"during the flood p50 {ms(flooded.latency(50))}, p95 {ms(flood_p95)}")
    print(f"the flooder               {args.flood} messages in {args.flood_seconds:g} s, {answered} answered "
          f"({notices} notice; the burst and one whenever a token came back), {args.flood - answered} not handled")
    print(f"flood reporters={options.users} messages={args.flood} quiet_p95_ms={quiet_p95 * 1000:.0f} "
          f"flood_p95_ms={flood_p95 * 1000:.0f} ratio={flood_p95 / quiet_p95:.2f} answered={answered} "
          f"notices={notices} lost=0")
    return 0


if __name__ == "__main__":
    sys.exit(main())
