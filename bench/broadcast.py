"""Broadcast figures: a task's batch sent to N volunteers at Telegram's limit, exactly once, through a SIGKILL.

    python -m bench.broadcast [--recipients 10000] [--reporters 20] [--think 1.0]

The fake Bot API server (in this process) has Telegram-like limits: 30 messages a second overall, 1 a second per
chat, 20 a minute per group (testing/fake_telegram/limits.py). The bot is `python -m bot run`, a subprocess. Each
run's database is prepared before the bot starts: N verified volunteers and one task queued to all of them
through TaskService.create_and_send (tests/broadcast_seed.py), as the /tugas conversation leaves it.

1. **Alone, then a SIGKILL half way.** The bot starts and sends the batch. The sustained rate is measured over the
   first half (first to N/2-th delivered message, by the time the fake received each), as a share of 30/s. When
   the fake has delivered N/2 messages (an awaited event), the bot is killed with SIGKILL and started again:
   `resume_s` is from the restart (the new process spawned) to the first broadcast message after it. Once every
   row has its fate the bot is stopped (SIGTERM) and the batch's counts are read from the database.
2. **With reporters chatting.** A fresh database and bot; while the batch goes out, `--reporters` simulated
   reporters make reports (bench/load_report.py's 14 steps, one after the other), thinking `--think` seconds
   (±50 %, seeded; default 2, so 1 to 3 s: people read and type, and Telegram allows one message a second in a
   chat) before each step. Their reply latency (inject → the awaited answer reached the
   fake) p50/p95, and the broadcast's rate meanwhile.

How messages are counted, from the fake's own records (every call it answered 200): a recipient's deliveries are
its successful sendMessage calls carrying the task's text. `duplicates` is the sum over recipients of deliveries
beyond the first; `missed` is the number of recipients with no delivery whose row Telegram did not refuse
(unreachable / failed): an `uncertain` row (under way at the kill, not sent again) that the fake did receive is
not missed, one it did not receive is. Both runs are summed. 429s the fake gave (to anyone) are printed (the
bot's limiter should leave none). Peak RSS is the largest VmHWM of the bot processes.

The last line, read by other tools:
`broadcast recipients=10000 rate_ratio=0.97 duplicates=0 missed=0 resume_s=1.4 peak_rss_mb=140`
(rate_ratio: run 1, alone). Exit 1 if the bot fails (dies, stalls past --run-timeout), or if a message went out
twice or the counts do not add up.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import math
import random
import shutil
import signal
import sqlite3
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

if __package__ in (None, ""):  # run as `python bench/broadcast.py`
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import (
    MIB,
    RATE_LIMIT_PER_S,
    BenchFailure,
    Options,
    SubprocessBot,
    TimedUser,
    Workspace,
    log_problems,
    log_tail,
    percentile,
    process_usage,
)
from bench.load_report import converse
from testing.fake_telegram import ApiCall, FakeTelegram
from tests.broadcast_seed import TASK_TEXT, is_task_message, queue_task

FIRST_VOLUNTEER = 3_000_001
BOT_ARGV = (sys.executable, "-m", "bot", "--log-level", "INFO", "run")
SENDS = ("sendMessage", "sendPhoto", "sendDocument")


@dataclass(frozen=True)
class BroadcastOptions:
    recipients: int = 10_000
    reporters: int = 20
    think: float = 2.0
    run_timeout: float = 1800.0
    startup_timeout: float = 60.0
    seed: int = 9
    keep: bool = False
    quiet: bool = False
    chat_run: bool = True


def parse_options(argv: Sequence[str] | None) -> BroadcastOptions:
    d = BroadcastOptions()
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    p.add_argument("--recipients", type=int, default=d.recipients, help=f"volunteers in the batch (default {d.recipients})")
    p.add_argument("--reporters", type=int, default=d.reporters,
                   help=f"reporters chatting during run 2 (default {d.reporters}; 0 skips run 2)")
    p.add_argument("--think", type=float, default=d.think,
                   help=f"seconds a reporter thinks before each step (default {d.think:g})")
    p.add_argument("--run-timeout", type=float, default=d.run_timeout, help=f"seconds per run (default {d.run_timeout:g})")
    p.add_argument("--startup-timeout", type=float, default=d.startup_timeout)
    p.add_argument("--seed", type=int, default=d.seed)
    p.add_argument("--keep", action="store_true", help="keep the temp dirs (databases, bot logs)")
    p.add_argument("--quiet", action="store_true", help="no progress lines on stderr")
    a = p.parse_args(argv)
    if a.recipients < 4:
        raise SystemExit("--recipients must be at least 4")
    return BroadcastOptions(a.recipients, max(0, a.reporters), a.think, a.run_timeout, a.startup_timeout, a.seed, a.keep,
                            a.quiet, a.reporters > 0)


def say(options: BroadcastOptions, text: str) -> None:
    if not options.quiet:
        print(text, file=sys.stderr, flush=True)


class Deliveries:
    """The broadcast's messages the fake delivered, read incrementally from its records."""

    def __init__(self, fake: FakeTelegram, recipients: set[int]) -> None:
        self.fake = fake
        self.recipients = recipients
        self.count: dict[int, int] = {}
        self.times: list[float] = []  # ApiCall.started of each delivery, in the order they were answered
        self.refused = 0  # 429s to recipients
        self._seen = 0  # fake.requests[:_seen] were looked at
        self._inflight: dict[int, ApiCall] = {}  # seq -> a call to a recipient looked at before it was answered

    def _take(self, call: ApiCall) -> None:
        if is_task_message(call):
            self.count[call.chat_id] = self.count.get(call.chat_id, 0) + 1  # type: ignore[index]
            self.times.append(call.started)
        elif call.status == 429:
            self.refused += 1

    def scan(self) -> None:
        for seq, call in list(self._inflight.items()):
            if call.done:
                del self._inflight[seq]
                self._take(call)
        requests = self.fake.requests
        for call in requests[self._seen:]:
            if call.chat_id in self.recipients:
                if call.done:
                    self._take(call)
                else:
                    self._inflight[call.seq] = call
        self._seen = len(requests)

    @property
    def delivered(self) -> int:
        return len(self.times)

    async def until(self, done: Callable[[], bool], timeout: float, what: str) -> None:  # noqa: ASYNC109
        """Await the fake's calls until `done()` holds (each call to a recipient answered wakes this up)."""
        deadline = time.monotonic() + timeout
        while True:
            self.scan()
            if done():
                return
            left = deadline - time.monotonic()
            if left <= 0:
                raise BenchFailure(f"{what}: not reached within {timeout:g} s ({self.delivered} delivered)")
            after = min(self._inflight, default=self._seen + 1) - 1
            with contextlib.suppress(AssertionError):  # a quiet spell: look again (the deadline bounds it)
                await self.fake.wait_for(SENDS, predicate=self._news(self._seen, set(self._inflight)), after=after,
                                         timeout=min(left, 5.0))

    def _news(self, seen: int, inflight: set[int]) -> Callable[[ApiCall], bool]:
        """A call to a recipient answered since the last scan."""
        return lambda call: call.chat_id in self.recipients and (call.seq > seen or call.seq in inflight)


def rate(times: Sequence[float]) -> float:
    """Messages per second from the first to the last of `times`."""
    return (len(times) - 1) / (times[-1] - times[0]) if len(times) > 1 and times[-1] > times[0] else math.nan


def batch_state(db_path: Path, batch: str) -> dict[int, str]:
    with sqlite3.connect(f"file:{db_path}?mode=ro", uri=True, timeout=30) as db:
        return dict(db.execute("SELECT chat_id, status FROM outbox WHERE batch = ?", (batch,)).fetchall())


@dataclass
class RunFigures:
    name: str
    recipients: int
    rate: float = math.nan  # messages/s, the sustained part
    rate_after: float = math.nan  # run 1: after the restart
    resume_s: float = math.nan
    duplicates: int = 0
    missed: int = 0
    uncertain: int = 0
    uncertain_delivered: int = 0
    counts: dict[str, int] = field(default_factory=dict)
    refused_429: int = 0
    peak_rss: int = 0
    reply_latencies: list[float] = field(default_factory=list)
    reports: int = 0
    wall: float = 0.0
    cpu: float = 0.0  # seconds of the bots' CPU (all processes of the run)
    messages: int = 0  # broadcast messages delivered
    problems: int = 0

    @property
    def ratio(self) -> float:
        return self.rate / RATE_LIMIT_PER_S


class Run:
    """One temp dir, fake server, database with the batch, and the bot subprocess (restartable)."""

    def __init__(self, options: BroadcastOptions, name: str) -> None:
        self.options = options
        self.name = name
        self.root = Path(tempfile.mkdtemp(prefix=f"bench-broadcast-{name}-"))
        self.users = list(range(FIRST_VOLUNTEER, FIRST_VOLUNTEER + options.recipients))
        self.figures = RunFigures(name, options.recipients)
        self.batch = ""
        self.bot: SubprocessBot | None = None
        self.workspace: Workspace | None = None

    async def prepare(self, fake: FakeTelegram) -> None:
        self.workspace = Workspace(self.root, fake, Options(boundaries=None))
        for uid in self.users:
            fake.ensure_chat(uid)
        fake.enable_limits(per_second=RATE_LIMIT_PER_S, per_chat=1, per_group=20)
        self.batch = await queue_task(self.workspace.db_path, self.users)

    async def start(self) -> float:
        """Start the bot; the monotonic time it was spawned."""
        assert self.workspace is not None
        self.bot = SubprocessBot(BOT_ARGV, self.workspace)
        spawned = time.monotonic()
        await self.bot.start()
        return spawned

    def sample_memory(self) -> None:
        """Before the bot stops: its peak RSS and its CPU time."""
        if self.bot is not None and self.bot.proc is not None and self.bot.proc.returncode is None:
            usage = process_usage(self.bot.proc.pid)
            self.figures.peak_rss = max(self.figures.peak_rss, usage.peak)
            self.figures.cpu += usage.cpu

    async def kill(self) -> None:
        assert self.bot is not None and self.bot.proc is not None
        self.sample_memory()
        self.bot.proc.send_signal(signal.SIGKILL)
        await self.bot.proc.wait()
        await self.bot.stop()  # closes its log

    async def stop(self) -> None:
        if self.bot is not None:
            self.sample_memory()
            remarks = await self.bot.stop()
            if remarks:
                raise BenchFailure("; ".join(remarks))
            self.bot = None

    def settle(self, deliveries: Deliveries) -> None:
        """After the bot stopped: the batch's counts, duplicates and missed."""
        assert self.workspace is not None
        state = batch_state(self.workspace.db_path, self.batch)
        deliveries.scan()
        f = self.figures
        for status in state.values():
            f.counts[status] = f.counts.get(status, 0) + 1
        f.duplicates = sum(n - 1 for n in deliveries.count.values() if n > 1)
        refused = {"unreachable", "failed"}
        f.missed = sum(1 for uid in self.users if not deliveries.count.get(uid) and state.get(uid) not in refused)
        uncertain = [uid for uid, status in state.items() if status == "uncertain"]
        f.uncertain = len(uncertain)
        f.uncertain_delivered = sum(1 for uid in uncertain if deliveries.count.get(uid))
        limits = deliveries.fake.limits
        f.messages = deliveries.delivered
        f.refused_429 = len(limits.refused) if limits is not None else deliveries.refused  # reporters' included
        f.problems = sum(log_problems(self.workspace.log_path).values())
        marked_sent = sum(1 for uid, status in state.items() if status == "sent")
        finished = sum(f.counts.get(s, 0) for s in ("sent", "uncertain", "unreachable", "failed"))
        if f.duplicates:
            raise BenchFailure(f"{f.duplicates} broadcast message(s) went out twice")
        if finished != f.recipients or f.counts.get("pending") or f.counts.get("sending"):
            raise BenchFailure(f"the batch's counts do not add up to {f.recipients}: {f.counts}")
        if marked_sent > sum(1 for uid, status in state.items() if status == "sent" and deliveries.count.get(uid)):
            raise BenchFailure("a row is marked sent but the fake never delivered its message")

    def cleanup(self, failed: bool) -> None:
        if failed or self.options.keep:
            print(f"  [{self.name}] temp dir kept: {self.root}", file=sys.stderr)
        else:
            shutil.rmtree(self.root, ignore_errors=True)

    def log_tail(self) -> str:
        return log_tail(self.root / "bot.log")


async def progress(options: BroadcastOptions, name: str, deliveries: Deliveries, total: int) -> None:
    if options.quiet:
        return
    started = time.monotonic()
    while True:
        await asyncio.sleep(15)
        deliveries.scan()
        recent = [t for t in deliveries.times if t > time.monotonic() - 10]
        print(f"  [{name}] {time.monotonic() - started:5.0f} s: {deliveries.delivered}/{total} delivered "
              f"({len(recent) / 10:.1f}/s over the last 10 s)", file=sys.stderr, flush=True)


async def run_alone_and_kill(options: BroadcastOptions) -> RunFigures:
    run = Run(options, "alone")
    failed = True
    try:
        async with FakeTelegram() as fake:
            await run.prepare(fake)
            recipients = set(run.users)
            deliveries = Deliveries(fake, recipients)
            half = options.recipients // 2
            ticker = asyncio.create_task(progress(options, run.name, deliveries, options.recipients))
            try:
                await run.start()
                await deliveries.until(lambda: deliveries.delivered >= half, options.run_timeout, "half the batch")
                run.figures.rate = rate(deliveries.times[:half])
                await run.kill()
                say(options, f"  [alone] SIGKILL after {deliveries.delivered} delivered; restarting")
                before = deliveries.delivered
                spawned = await run.start()
                await deliveries.until(lambda: deliveries.delivered > before, options.startup_timeout + 30,
                                       "the first message after the restart")
                first_after = deliveries.times[before]
                run.figures.resume_s = first_after - spawned
                assert run.workspace is not None
                # The restarted worker turned the rows left under way uncertain before its first look.
                state = batch_state(run.workspace.db_path, run.batch)
                uncertain = {uid for uid, status in state.items() if status == "uncertain"}
                gone = {uid for uid, status in state.items() if status in ("unreachable", "failed")}
                todo = recipients - uncertain - gone
                await deliveries.until(lambda: todo <= set(deliveries.count), options.run_timeout, "the whole batch")
                run.figures.rate_after = rate(deliveries.times[before:])
                run.figures.wall = deliveries.times[-1] - deliveries.times[0]
                await run.stop()
            finally:
                ticker.cancel()
                await asyncio.gather(ticker, return_exceptions=True)
                with contextlib.suppress(Exception):
                    await run.stop()
            run.settle(deliveries)
        failed = False
        return run.figures
    except BenchFailure as exc:
        raise BenchFailure(f"run 1 (alone, SIGKILL): {exc}\n--- bot log tail ---\n{run.log_tail()}") from None
    finally:
        run.cleanup(failed)


class ThinkingReporter(TimedUser):
    """A reporter who thinks before each step, as people do (and as Telegram's second per chat expects)."""

    def __init__(self, fake: FakeTelegram, index: int, latencies: dict[str, list[float]], think: float,
                 rng: random.Random) -> None:
        super().__init__(fake, index, latencies, step_timeout=120.0)
        self.think = think
        self.rng = rng

    async def step(self, name: str, act: Callable[[], object], *expect: str) -> list[str]:
        await asyncio.sleep(self.think * self.rng.uniform(0.5, 1.5))  # a person reading and typing, not a wait for the bot
        return await super().step(name, act, *expect)


async def run_with_reporters(options: BroadcastOptions) -> RunFigures:
    run = Run(options, "chat")
    failed = True
    try:
        async with FakeTelegram() as fake:
            await run.prepare(fake)
            assert run.workspace is not None
            recipients = set(run.users)
            deliveries = Deliveries(fake, recipients)
            latencies: dict[str, list[float]] = {}
            rng = random.Random(options.seed)
            reports = 0

            async def report_again_and_again(index: int) -> None:
                nonlocal reports
                while True:
                    user = ThinkingReporter(fake, index, latencies, options.think, random.Random(rng.random()))
                    await converse(user, run.workspace)  # type: ignore[arg-type]
                    reports += 1

            ticker = asyncio.create_task(progress(options, run.name, deliveries, options.recipients))
            chatting: list[asyncio.Task[None]] = []
            done: asyncio.Task[None] | None = None
            try:
                await run.start()
                await fake.wait_polling(timeout=options.startup_timeout)
                chatting = [asyncio.create_task(report_again_and_again(i)) for i in range(options.reporters)]
                done = asyncio.create_task(deliveries.until(lambda: len(deliveries.count) >= options.recipients,
                                                            options.run_timeout, "the whole batch"))
                await asyncio.wait([done, *chatting], return_when=asyncio.FIRST_COMPLETED)
                for task in chatting:
                    if task.done():
                        task.result()  # a reporter's failure
                done.result()
                run.figures.rate = rate(deliveries.times)
                run.figures.wall = deliveries.times[-1] - deliveries.times[0]
            finally:
                for task in [*chatting, *([done] if done is not None else [])]:
                    task.cancel()
                await asyncio.gather(*chatting, *([done] if done is not None else []), return_exceptions=True)
                ticker.cancel()
                await asyncio.gather(ticker, return_exceptions=True)
                with contextlib.suppress(Exception):
                    await run.stop()
            run.figures.reply_latencies = sorted(v for values in latencies.values() for v in values)
            run.figures.reports = reports
            run.settle(deliveries)
        failed = False
        return run.figures
    except BenchFailure as exc:
        raise BenchFailure(f"run 2 (with reporters): {exc}\n--- bot log tail ---\n{run.log_tail()}") from None
    finally:
        run.cleanup(failed)


def ms(seconds: float) -> str:
    return "-" if math.isnan(seconds) else f"{seconds * 1000:.0f}"


def report(options: BroadcastOptions, runs: list[RunFigures]) -> list[str]:
    alone = runs[0]
    lines = [
        f"== broadcast: {options.recipients} recipients, fake limits 30/s overall, 1/s per chat, 20/min per group ==",
        "   text: " + TASK_TEXT,
        f"run 1 alone         sustained {alone.rate:.2f} msg/s over the first half = {alone.ratio:.3f} of 30/s",
        f"   SIGKILL at half  resume {alone.resume_s:.2f} s (spawn → first message after); "
        f"then {alone.rate_after:.2f} msg/s",
        f"   counts           {dict(sorted(alone.counts.items()))}; uncertain {alone.uncertain} "
        f"(delivered by the fake {alone.uncertain_delivered})",
    ]
    for r in runs[1:]:
        p50 = percentile(r.reply_latencies, 50)
        p95 = percentile(r.reply_latencies, 95)
        lines += [
            f"run 2 with {options.reporters} reporters  {r.rate:.2f} msg/s = {r.ratio:.3f} of 30/s over {r.wall:.0f} s; "
            f"reporters' replies n={len(r.reply_latencies)} p50 {ms(p50)} ms p95 {ms(p95)} ms "
            f"({r.reports} reports made, think {options.think:g} s ±50 %)",
            f"   counts           {dict(sorted(r.counts.items()))}",
        ]
    for r in runs:
        cpu = 1000 * r.cpu / r.messages if r.messages else math.nan
        lines.append(f"{r.name:<6} duplicates {r.duplicates}, missed {r.missed}, 429 from the fake {r.refused_429}, "
                     f"warning/error lines in the bot log {r.problems}, peak RSS {r.peak_rss / MIB:.0f} MiB, "
                     f"bot CPU {cpu:.1f} ms per broadcast message (start-up and the reporters' load included)")
    duplicates = sum(r.duplicates for r in runs)
    missed = sum(r.missed for r in runs)
    peak = max(r.peak_rss for r in runs) / MIB
    lines.append(f"broadcast recipients={options.recipients} rate_ratio={alone.ratio:.2f} duplicates={duplicates} "
                 f"missed={missed} resume_s={alone.resume_s:.1f} peak_rss_mb={peak:.0f}")
    return lines


async def main_async(options: BroadcastOptions) -> list[str]:
    say(options, f"run 1: {options.recipients} recipients alone, SIGKILL half way (~{options.recipients / 30:.0f} s)")
    runs = [await run_alone_and_kill(options)]
    if options.chat_run:
        say(options, f"run 2: {options.recipients} recipients with {options.reporters} reporters chatting")
        runs.append(await run_with_reporters(options))
    return report(options, runs)


def main(argv: Sequence[str] | None = None) -> int:
    options = parse_options(argv)
    try:
        lines = asyncio.run(main_async(options))
    except BenchFailure as exc:
        print(f"BENCH FAILED — {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
