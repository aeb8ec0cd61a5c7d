"""Shared machinery of the load benchmarks (bench/load_report.py, bench/load_echo.py, bench/compare.py).

One run is: a fake Bot API server (testing/fake_telegram/) in this process, one bot long-polling it (a
subprocess by default, so that the bot's memory is measured apart from the server and the load generator)
and N simulated users, at most `concurrency` of them at a time. A user acts (injects one update) and then
awaits the bot's answer before acting again; nothing sleeps for a fixed time.

Latency of a step: from the moment the update was injected into the fake to the moment the request that
carries the awaited answer reached the fake (``ApiCall.started``), so this process's own scheduling delay in
noticing the answer is not counted.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import math
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, Protocol, TypeVar

from telegram.constants import FloodLimit

from testing.fake_telegram import FakeTelegram
from tests.harness import TEXT_METHODS, Reporter, text_of_call

ROOT = Path(__file__).resolve().parents[1]
# Telegram's overall rate, all chats together, per second: what Pantau's PacedRateLimiter allows messages and
# what the echo bot's AIORateLimiter allows every call with a chat_id.
RATE_LIMIT_PER_S = FloodLimit.MESSAGES_PER_SECOND
UNLIMITED_PER_S = 1_000_000  # Pantau's TELEGRAM_MESSAGES_PER_SECOND in a "limiter off" run
# The kecamatan boundaries shipped beside the repository (../shared/data), loaded by Pantau at start.
SHARED_BOUNDARIES = ROOT.parent / "shared" / "data" / "kecamatan_boundaries.geojson.gz"
MIB = 1024 * 1024
_LOG_PROBLEM = re.compile(r"\b(WARNING|ERROR|CRITICAL)\b|^Traceback|Error:")
_LOG_STAMP = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d+ ")


T = TypeVar("T")


class BenchFailure(Exception):
    """The run cannot give figures; the message says why."""


# ---------------------------------------------------------------------------------------------- options


@dataclass(frozen=True)
class Options:
    users: int = 200
    concurrency: int = 200
    in_process: bool = False
    step_timeout: float = 120.0
    run_timeout: float = 900.0
    startup_timeout: float = 60.0
    keep: bool = False
    photo_kib: int = 64
    quiet: bool = False
    limited: bool = True  # False: no overall cap (echo: no rate limiter; Pantau: TELEGRAM_MESSAGES_PER_SECOND raised)
    boundaries: Path | None = None  # BOUNDARIES_FILE of the Pantau bot


def add_arguments(parser: argparse.ArgumentParser) -> None:
    d = Options()
    parser.add_argument("--reporters", "--users", dest="users", type=int, default=d.users,
                        help=f"simulated users, each doing one whole conversation (default {d.users})")
    parser.add_argument("--concurrency", type=int, default=None,
                        help="users in conversation at the same time (default: all of them)")
    parser.add_argument("--in-process", action="store_true",
                        help="run the bot in this process (for profiling); peak memory then covers bot + fake + load")
    parser.add_argument("--step-timeout", type=float, default=d.step_timeout,
                        help=f"seconds a user waits for one answer before the run fails (default {d.step_timeout:g})")
    parser.add_argument("--run-timeout", type=float, default=d.run_timeout,
                        help=f"seconds the whole load may take before the run fails (default {d.run_timeout:g})")
    parser.add_argument("--startup-timeout", type=float, default=d.startup_timeout,
                        help=f"seconds for the bot to start long polling (default {d.startup_timeout:g})")
    parser.add_argument("--photo-kib", type=int, default=d.photo_kib,
                        help=f"size of each evidence photo in KiB (default {d.photo_kib})")
    parser.add_argument("--keep", action="store_true", help="keep the temp dir (database, evidence, bot log)")
    parser.add_argument("--quiet", action="store_true", help="no progress lines on stderr")
    parser.add_argument("--no-limiter", dest="limited", action="store_false",
                        help="lift the overall 30/s cap (echo: no rate limiter; Pantau: TELEGRAM_MESSAGES_PER_SECOND "
                             f"{UNLIMITED_PER_S})")
    parser.add_argument("--boundaries", default=None,
                        help="Pantau's BOUNDARIES_FILE (default: ../shared/data's kecamatan boundaries if present; "
                             "'none' for none)")


def default_boundaries(value: str | None) -> Path | None:
    if value is None:
        return SHARED_BOUNDARIES if SHARED_BOUNDARIES.is_file() else None
    return None if value.lower() in ("", "none") else Path(value).resolve()


def options_from(args: argparse.Namespace) -> Options:
    if args.users < 1:
        raise SystemExit("--reporters must be at least 1")
    concurrency = args.users if args.concurrency is None else args.concurrency
    if concurrency < 1:
        raise SystemExit("--concurrency must be at least 1")
    return Options(
        users=args.users,
        concurrency=min(concurrency, args.users),
        in_process=args.in_process,
        step_timeout=args.step_timeout,
        run_timeout=args.run_timeout,
        startup_timeout=args.startup_timeout,
        keep=args.keep,
        photo_kib=args.photo_kib,
        quiet=args.quiet,
        limited=args.limited,
        boundaries=default_boundaries(args.boundaries),
    )


# ---------------------------------------------------------------------------------------------- workspace


@dataclass
class Workspace:
    """The temp dir of one run and the fake server the bot talks to."""

    root: Path
    fake: FakeTelegram
    options: Options

    @property
    def db_path(self) -> Path:
        return self.root / "pantau.sqlite3"

    @property
    def evidence_dir(self) -> Path:
        return self.root / "evidence"

    @property
    def log_path(self) -> Path:
        return self.root / "bot.log"

    def bot_env(self) -> dict[str, str]:
        """The environment of a bot subprocess: Pantau's settings pointing at the fake and the temp dir."""
        env = dict(os.environ)
        env.update(
            TELEGRAM_BOT_TOKEN=self.fake.token,
            TELEGRAM_API_BASE_URL=self.fake.base_url,
            TELEGRAM_FILE_BASE_URL=self.fake.file_base_url,
            DATABASE_PATH=str(self.db_path),
            EVIDENCE_DIR=str(self.evidence_dir),
            BOUNDARIES_FILE=str(self.options.boundaries or ""),
            TELEGRAM_MESSAGES_PER_SECOND=str(RATE_LIMIT_PER_S if self.options.limited else UNLIMITED_PER_S),
            ECHO_RATE_LIMITER="on" if self.options.limited else "off",
            REGION_SCOPE="",
            DEFAULT_LOCALE="id",
            PYTHONUNBUFFERED="1",
            PYTHONPATH=os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH", "")) if p),
        )
        return env


# ---------------------------------------------------------------------------------------------- the bot


@dataclass(frozen=True)
class Usage:
    rss: int  # bytes now (VmRSS)
    peak: int  # bytes, high-water mark since the process started (VmHWM)
    cpu: float  # seconds of CPU (user + system, all threads) since the process started


def process_usage(pid: int | str = "self") -> Usage:
    """Memory and CPU time of a process, from /proc (Linux)."""
    values: dict[str, int] = {}
    with open(f"/proc/{pid}/status", encoding="ascii") as status:
        for line in status:
            key, _, rest = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                values[key] = int(rest.split()[0]) * 1024
    with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as stat:
        fields = stat.read().rpartition(")")[2].split()  # after "pid (comm)": field 3 (state) is fields[0]
    cpu = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime, stime (fields 14, 15)
    return Usage(values.get("VmRSS", 0), values.get("VmHWM", 0), cpu)


class Bot(Protocol):
    description: str

    async def start(self) -> None: ...
    async def watch(self) -> None:
        """Returns never; raises BenchFailure when the bot exits."""
    def usage(self) -> Usage: ...
    async def stop(self) -> list[str]:
        """Stop the bot; returns remarks about the way it stopped (empty when it stopped cleanly)."""
        ...


Stopper = Callable[[], Awaitable[None]]
InProcessStarter = Callable[[Workspace], Awaitable[Stopper]]


async def terminate(proc: asyncio.subprocess.Process, who: str, grace: float = 20.0) -> list[str]:
    """SIGTERM, then SIGKILL after `grace` seconds; remarks about the way it stopped (none when it stopped cleanly)."""
    if proc.returncode is not None:
        return []
    remarks: list[str] = []
    with contextlib.suppress(ProcessLookupError):  # it may have exited a moment ago
        proc.send_signal(signal.SIGTERM)
    try:
        code = await asyncio.wait_for(proc.wait(), grace)
    except TimeoutError:
        proc.kill()
        code = await proc.wait()
        remarks.append(f"{who} did not stop within {grace:g} s of SIGTERM and was killed")
    if code not in (0, -signal.SIGTERM):
        remarks.append(f"{who} exited with code {code} after SIGTERM")
    return remarks


class SubprocessBot:
    """`argv` run with the workspace's environment, cwd the temp dir (so no .env is read), output to bot.log."""

    def __init__(self, argv: Sequence[str], workspace: Workspace) -> None:
        self.argv = list(argv)
        self.workspace = workspace
        self.proc: asyncio.subprocess.Process | None = None
        self._log: IO[bytes] | None = None
        self.description = "subprocess"

    async def start(self) -> None:
        self._log = await asyncio.to_thread(self.workspace.log_path.open, "ab")  # closed in stop()
        self.proc = await asyncio.create_subprocess_exec(
            *self.argv, cwd=self.workspace.root, env=self.workspace.bot_env(),
            stdin=subprocess.DEVNULL, stdout=self._log, stderr=subprocess.STDOUT,
        )
        shown = [Path(self.argv[0]).name, *self.argv[1:]]
        self.description = f"subprocess pid {self.proc.pid}: {' '.join(shown)}"

    async def watch(self) -> None:
        assert self.proc is not None
        code = await self.proc.wait()
        raise BenchFailure(f"the bot exited unexpectedly with code {code}")

    def usage(self) -> Usage:
        assert self.proc is not None
        if self.proc.returncode is not None:
            raise BenchFailure("the bot is not running any more; its memory cannot be read")
        return process_usage(self.proc.pid)

    async def stop(self) -> list[str]:
        remarks: list[str] = []
        proc, self.proc = self.proc, None
        try:
            if proc is not None:
                remarks = await terminate(proc, "the bot")
        finally:
            if self._log is not None:
                self._log.close()
                self._log = None
        return remarks


class InProcessBot:
    """The bot in this event loop (for profiling); its log goes to bot.log all the same."""

    def __init__(self, starter: InProcessStarter, workspace: Workspace) -> None:
        self.starter = starter
        self.workspace = workspace
        self.description = "in-process (memory figures cover bot + fake server + load generator)"
        self._stop: Stopper | None = None
        self._handler: logging.Handler | None = None
        self._old_level = logging.WARNING

    async def start(self) -> None:
        handler = logging.FileHandler(self.workspace.log_path, encoding="utf-8")
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        root = logging.getLogger()
        self._old_level = root.level
        root.setLevel(logging.INFO)
        root.addHandler(handler)
        logging.getLogger("httpx").setLevel(logging.WARNING)
        logging.getLogger("aiohttp.access").setLevel(logging.WARNING)
        self._handler = handler
        self._stop = await self.starter(self.workspace)

    async def watch(self) -> None:
        await asyncio.Event().wait()

    def usage(self) -> Usage:
        return process_usage()

    async def stop(self) -> list[str]:
        stop, self._stop = self._stop, None
        try:
            if stop is not None:
                await stop()
        finally:
            if self._handler is not None:
                root = logging.getLogger()
                root.removeHandler(self._handler)
                root.setLevel(self._old_level)
                self._handler.close()
                self._handler = None
        return []


def log_tail(path: Path, lines: int = 40) -> str:
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError as exc:
        return f"(no log: {exc})"
    return "\n".join(text.splitlines()[-lines:]) or "(the log is empty)"


def log_problems(path: Path) -> Counter[str]:
    """Warning, error and traceback lines of the bot's log, timestamps removed, with how often each came."""
    found: Counter[str] = Counter()
    with contextlib.suppress(OSError), open(path, encoding="utf-8", errors="replace") as log:
        for line in log:
            if _LOG_PROBLEM.search(line):
                found[_LOG_STAMP.sub("", line.rstrip())[:200]] += 1
    return found


# ---------------------------------------------------------------------------------------------- users


class TimedUser(Reporter):
    """A simulated user (tests/harness.Reporter) that times each step: inject, then await the answers."""

    def __init__(self, fake: FakeTelegram, index: int, latencies: dict[str, list[float]], step_timeout: float) -> None:
        super().__init__(fake)
        self.index = index
        self.latencies = latencies
        self.step_timeout = step_timeout
        self.updates = 0
        self.sent_at = 0.0
        self.last_answer = 0.0  # monotonic time of the latest awaited answer
        self.marks: list[tuple[str, int]] = []  # (step, fake cursor when it was injected)
        self.step_name = "(not started)"

    def _before(self) -> None:
        super()._before()
        self.updates += 1
        self.sent_at = time.monotonic()

    def __str__(self) -> str:
        return f"user #{self.index} (id {self.user_id})"

    def chat_calls_by_step(self) -> dict[str, int]:
        """How many calls to this chat (all carry its chat_id) the bot made for each step: those between the
        step's update and the next step's. The bot handles one chat's updates in order, so none overlap."""
        counts = {name: 0 for name, _ in self.marks}
        if not self.marks:
            return counts
        bounds = [mark for _, mark in self.marks[1:]] + [len(self.fake.requests)]
        names = [name for name, _ in self.marks]
        index = 0
        for call in self.fake.calls(chat_id=self.user_id):
            if call.seq <= self.marks[0][1]:
                continue
            while index < len(bounds) - 1 and call.seq > bounds[index]:
                index += 1
            counts[names[index]] += 1
        return counts

    async def step(self, name: str, act: Callable[[], object], *expect: str) -> list[str]:
        """Do `act` (which injects one update), then await, in order, a message (sent or edited) to this chat
        containing each of `expect`. The step's latency runs to the last of them. Returns their texts."""
        self.step_name = name
        try:
            act()
        except AssertionError as exc:
            raise BenchFailure(f"{self}, step {name!r}: cannot act: {exc}") from None
        sent_at, mark = self.sent_at, self.mark
        self.marks.append((name, mark))
        answered = sent_at
        texts = []
        for contains in expect:
            try:
                call = await self.fake.wait_for(
                    TEXT_METHODS, chat_id=self.user_id, after=mark, timeout=self.step_timeout,
                    predicate=lambda c, contains=contains: c.ok and contains in text_of_call(c),  # type: ignore[misc]
                )
            except AssertionError as exc:
                raise BenchFailure(
                    f"{self}, step {name!r}: no message containing {contains!r} within {self.step_timeout:g} s"
                    f" (--step-timeout).\n{_shorten(str(exc))}"
                ) from None
            answered = max(answered, call.started)
            texts.append(text_of_call(call))
        self.latencies.setdefault(name, []).append(answered - sent_at)
        self.last_answer = answered
        return texts


def _shorten(text: str, limit: int = 3000) -> str:
    return text if len(text) <= limit else text[:limit] + " …"


# ---------------------------------------------------------------------------------------------- scenario


Converse = Callable[[TimedUser, Workspace], Awaitable[object]]
Verify = Callable[[Workspace, list[object]], list[str]]


@dataclass(frozen=True)
class Scenario:
    name: str  # short, e.g. "pantau"
    title: str  # what each user does, one line
    steps: Sequence[str]  # step names, in order (every user does every step once)
    subprocess_argv: Sequence[str]
    start_in_process: InProcessStarter
    converse: Converse  # one user's whole conversation; returns the user's outcome (e.g. a case code)
    verify: Verify  # after the load and the bot's stop: raise BenchFailure or return lines of checks passed
    notes: Sequence[str] = ()


@dataclass
class Result:
    scenario: str
    title: str
    mode: str
    users: int
    concurrency: int
    steps: Sequence[str]
    updates: int
    wall: float
    latencies: dict[str, list[float]]
    calls: Counter[str]  # bot → API calls during the load, by method, getUpdates excluded
    chat_calls: int  # of which carry a chat_id (send*, edit*, chat actions: what AIORateLimiter limits)
    polls: int  # getUpdates calls during the load
    chat_calls_per_step: dict[str, float]  # mean over users
    rss_after_start: int
    peak_rss: int
    cpu: float  # seconds of the bot's CPU time during the load
    checks: list[str]
    problems: Counter[str]
    remarks: list[str] = field(default_factory=list)
    notes: Sequence[str] = ()
    limited: bool = True

    @property
    def updates_per_s(self) -> float:
        return self.updates / self.wall if self.wall > 0 else math.nan

    @property
    def messages(self) -> int:
        """Calls that put a message into a chat (send*, not chat actions): what the 30/s counts."""
        return sum(n for method, n in self.calls.items()
                   if method.lower().startswith("send") and method.lower() != "sendchataction")

    @property
    def chat_calls_per_s(self) -> float:
        return self.chat_calls / self.wall if self.wall > 0 else math.nan

    @property
    def in_process(self) -> bool:
        return self.mode.startswith("in-process")

    @property
    def cpu_ms_per_update(self) -> float:
        return 1000 * self.cpu / self.updates if self.updates else math.nan

    @property
    def all_latencies(self) -> list[float]:
        return sorted(v for values in self.latencies.values() for v in values)

    def latency(self, q: float, step: str | None = None) -> float:
        values = self.all_latencies if step is None else sorted(self.latencies.get(step, []))
        return percentile(values, q)


def percentile(sorted_values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile of an ascending sequence (nan if empty)."""
    if not sorted_values:
        return math.nan
    rank = max(1, math.ceil(q / 100 * len(sorted_values)))
    return sorted_values[min(rank, len(sorted_values)) - 1]


async def run(scenario: Scenario, options: Options) -> Result:
    """One whole run: fake server, bot, load, checks. Raises BenchFailure with the bot's log tail on failure."""
    root = Path(tempfile.mkdtemp(prefix=f"bench-{scenario.name}-"))
    remove_dir = False  # the temp dir is kept on failure (for the log and the database), not on success or interrupt
    workspace: Workspace | None = None
    try:
        async with FakeTelegram() as fake:
            workspace = Workspace(root, fake, options)
            bot: Bot = (InProcessBot(scenario.start_in_process, workspace) if options.in_process
                        else SubprocessBot(scenario.subprocess_argv, workspace))
            try:
                await _start(bot, fake, options)
                before = bot.usage()
                result, outcomes = await _load(scenario, options, workspace, bot)
                after = bot.usage()
                result.rss_after_start, result.peak_rss = before.rss, after.peak
                result.cpu = after.cpu - before.cpu
            finally:
                remarks = await bot.stop()
            result.remarks = remarks
            result.checks = scenario.verify(workspace, outcomes)  # after a clean stop: the database is settled
        result.problems = log_problems(workspace.log_path)
        remove_dir = True
        return result
    except (asyncio.CancelledError, KeyboardInterrupt):
        remove_dir = True
        raise
    except BenchFailure as exc:
        raise BenchFailure(_failure_text(scenario, str(exc), root, workspace)) from None
    except Exception as exc:
        raise BenchFailure(_failure_text(scenario, f"{type(exc).__name__}: {exc}", root, workspace)) from exc
    finally:
        if remove_dir and not options.keep:
            shutil.rmtree(root, ignore_errors=True)


def _failure_text(scenario: Scenario, reason: str, root: Path, workspace: Workspace | None) -> str:
    tail = log_tail(workspace.log_path) if workspace is not None else "(no bot was started)"
    return (f"{scenario.name}: {reason}\n--- last lines of the bot's log ({root / 'bot.log'}) ---\n{tail}\n"
            f"--- temp dir kept: {root}")


async def _start(bot: Bot, fake: FakeTelegram, options: Options) -> None:
    await bot.start()
    ready = asyncio.create_task(fake.wait_polling(timeout=options.startup_timeout))
    died = asyncio.create_task(bot.watch())
    try:
        done, _ = await asyncio.wait({ready, died}, return_when=asyncio.FIRST_COMPLETED)
        if died in done:
            died.result()  # raises: the bot exited during startup
        try:
            ready.result()
        except AssertionError:
            raise BenchFailure(f"the bot did not start long polling within {options.startup_timeout:g} s"
                               " (--startup-timeout)") from None
    finally:
        for task in (ready, died):
            task.cancel()
        await asyncio.gather(ready, died, return_exceptions=True)


async def _load(scenario: Scenario, options: Options, workspace: Workspace, bot: Bot) -> tuple[Result, list[object]]:
    """Every user's conversation; fails on the first user that fails, on the bot's exit, or on --run-timeout."""
    fake = workspace.fake
    latencies: dict[str, list[float]] = {}
    gate = asyncio.Semaphore(options.concurrency)
    users = [TimedUser(fake, i + 1, latencies, options.step_timeout) for i in range(options.users)]
    finished: list[TimedUser] = []

    async def one(user: TimedUser) -> object:
        async with gate:
            outcome = await scenario.converse(user, workspace)
            finished.append(user)
            return outcome

    first_seq = fake.cursor()
    started = time.monotonic()
    tasks = [asyncio.create_task(one(u), name=str(u)) for u in users]
    everyone = asyncio.gather(*tasks)
    died = asyncio.create_task(bot.watch())
    progress = asyncio.create_task(_progress(scenario, users, finished, started, options))
    try:
        waiting: set[asyncio.Future[Any]] = {everyone, died}
        done, _ = await asyncio.wait(waiting, timeout=options.run_timeout, return_when=asyncio.FIRST_COMPLETED)
        if died in done:
            died.result()
        if everyone not in done:
            active = [u for u in users if u not in finished and u.updates]
            where = Counter(u.step_name for u in active)
            raise BenchFailure(
                f"the load did not finish within {options.run_timeout:g} s (--run-timeout): {len(finished)} of "
                f"{len(users)} users done; users in progress by step: {dict(where)}")
        outcomes = everyone.result()  # raises the first user's failure
    finally:
        for task in (*tasks, died, progress):
            task.cancel()
        await asyncio.gather(everyone, died, progress, return_exceptions=True)
    wall = max(u.last_answer for u in users) - started
    calls = fake.requests[first_seq:]
    polls = sum(1 for c in calls if c.method == "getUpdates")
    api = Counter(c.method for c in calls if c.method != "getUpdates")
    chat_calls = sum(1 for c in calls if c.method != "getUpdates" and "chat_id" in c.params)
    per_step: dict[str, list[int]] = {}
    for user in users:
        for name, n in user.chat_calls_by_step().items():
            per_step.setdefault(name, []).append(n)
    result = Result(
        scenario=scenario.name, title=scenario.title, mode=bot.description, users=options.users,
        concurrency=options.concurrency, steps=scenario.steps, updates=sum(u.updates for u in users), wall=wall,
        latencies=latencies, calls=api, chat_calls=chat_calls, polls=polls,
        chat_calls_per_step={name: sum(ns) / len(ns) for name, ns in per_step.items()},
        rss_after_start=0, peak_rss=0, cpu=0.0, checks=[], problems=Counter(), notes=scenario.notes,
        limited=options.limited,
    )
    return result, list(outcomes)


async def _progress(scenario: Scenario, users: list[TimedUser], finished: list[TimedUser], started: float,
                    options: Options) -> None:
    if options.quiet:
        return
    while True:
        await asyncio.sleep(10)
        sent = sum(u.updates for u in users)
        elapsed = time.monotonic() - started
        print(f"  [{scenario.name}] {elapsed:5.0f} s: {len(finished)}/{len(users)} users done, {sent} updates sent "
              f"({sent / elapsed:.1f}/s)", file=sys.stderr, flush=True)


# ---------------------------------------------------------------------------------------------- output


def mib(n: int) -> str:
    return f"{n / MIB:.1f} MiB"


def ms(seconds: float) -> str:
    return "-" if math.isnan(seconds) else f"{seconds * 1000:.0f}"


def format_result(r: Result) -> str:
    per_update = sum(r.calls.values()) / r.updates if r.updates else math.nan
    lines = [
        f"== {r.scenario}: {r.users} users × {len(r.steps)} updates, concurrency {r.concurrency} ==",
        f"   each user: {r.title}",
        f"   bot: {r.mode}",
        f"updates sent          {r.updates}",
        f"wall time             {r.wall:.1f} s",
        f"throughput            {r.updates_per_s:.1f} updates/s ({r.users / r.wall:.2f} users done/s)",
        f"bot API calls         {sum(r.calls.values())} ({per_update:.2f} per update; getUpdates not counted: {r.polls})",
        "   by method          " + ", ".join(f"{m} {n}" for m, n in r.calls.most_common()),
        f"calls with a chat_id  {r.chat_calls} = {r.chat_calls_per_s:.1f}/s, {r.chat_calls / r.users:.1f} per user; "
        f"messages (send*) {r.messages} = {r.messages / r.users:.1f} per user",
        "   limiter            " + (f"overall cap {RATE_LIMIT_PER_S}/s" if r.limited else "off (no overall cap)"),
    ]
    allowed = RATE_LIMIT_PER_S * (1 + r.wall)  # a full bucket at the start, then the steady rate
    if r.limited and r.wall >= 5 and r.chat_calls >= 0.9 * allowed:
        lines.append(f"   → throughput is capped by the rate limiter: {r.chat_calls / r.updates:.2f} chat calls per update "
                     f"× updates/s ≈ {RATE_LIMIT_PER_S}/s; latency beyond the bot's own work is time spent queueing "
                     "in the limiter.")
    lines.append("latency per step, ms  (inject → the bot's awaited answer reaches the server)")
    width = max(len(s) for s in (*r.steps, "all steps"))
    lines.append(f"   {'step':<{width}}  {'n':>5}  {'p50':>7}  {'p95':>7}  {'p99':>7}  {'max':>7}  chat calls/step")
    for step in (*r.steps, None):
        values = sorted(r.latencies.get(step, [])) if step is not None else r.all_latencies
        label = step if step is not None else "all steps"
        per_step = r.chat_calls_per_step.get(step, math.nan) if step is not None else r.chat_calls / r.updates
        lines.append(f"   {label:<{width}}  {len(values):>5}  {ms(percentile(values, 50)):>7}  "
                     f"{ms(percentile(values, 95)):>7}  {ms(percentile(values, 99)):>7}  "
                     f"{ms(values[-1] if values else math.nan):>7}  {per_step:>15.2f}")
    lines.extend(f"check                 {c}" for c in r.checks)
    whose = "bench process CPU (bot + fake + load)" if r.in_process else "bot CPU"
    lines.append(f"{whose:<22}{r.cpu:.1f} s during the load = {100 * r.cpu / r.wall:.0f}% of one core; "
                 f"{r.cpu_ms_per_update:.2f} ms per update (CPU-only ceiling without the rate limiter ≈ "
                 f"{1000 / r.cpu_ms_per_update:.0f} updates/s on one core; fsync waits not included)")
    whose = "process memory" if r.in_process else "bot memory"
    lines.append(f"{whose:<22}peak RSS (VmHWM) {mib(r.peak_rss)}; RSS once polling, before the load "
                 f"{mib(r.rss_after_start)}")
    if r.problems:
        lines.append(f"bot log               {sum(r.problems.values())} warning/error lines:")
        lines.extend(f"   {n:>5} × {line}" for line, n in r.problems.most_common(10))
    else:
        lines.append("bot log               no warnings or errors")
    lines.extend(f"note                  {remark}" for remark in r.remarks)
    lines.extend(f"note                  {note}" for note in r.notes)
    return "\n".join(lines)


def run_cancellable(work: Callable[[], Awaitable[T]]) -> T:
    """`work()` in a fresh event loop. SIGTERM and SIGHUP, like Ctrl-C, cancel it, so that the bots it started
    are still stopped (then KeyboardInterrupt is raised)."""

    async def guarded() -> T:
        loop = asyncio.get_running_loop()
        task = asyncio.current_task()
        assert task is not None
        signals = (signal.SIGTERM, signal.SIGHUP)
        for sig in signals:
            loop.add_signal_handler(sig, task.cancel)
        try:
            return await work()
        except asyncio.CancelledError:
            raise KeyboardInterrupt from None
        finally:
            for sig in signals:
                loop.remove_signal_handler(sig)

    return asyncio.run(guarded())


def run_blocking(scenario: Scenario, options: Options) -> Result:
    """`run` in a fresh event loop, cancelled by SIGTERM, SIGHUP and Ctrl-C (`run_cancellable`)."""
    return run_cancellable(lambda: run(scenario, options))


def main(scenario: Scenario, description: str, argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=description)
    add_arguments(parser)
    options = options_from(parser.parse_args(argv))
    try:
        result = run_blocking(scenario, options)
    except BenchFailure as exc:
        print(f"BENCH FAILED — {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted; the bot was stopped", file=sys.stderr)
        return 130
    print(format_result(result))
    return 0


def fmt_args(options: Options) -> str:
    """The command-line flags that reproduce `options` (for printing next to the figures)."""
    parts = [f"--reporters {options.users}", f"--concurrency {options.concurrency}"]
    if options.in_process:
        parts.append("--in-process")
    return " ".join(parts)
