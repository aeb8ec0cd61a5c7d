"""Scale-out figures: Pantau on PostgreSQL with 1, 2 and 3 worker processes (SCALE_OUT=true), against SQLite.

    python -m bench.scale [--workers 1,2,3] [--reporters 200] [--concurrency N] [--quick] [--keep] [--quiet]

Each run is bench/load_report.py's load (N reporters, each one whole anonymous report, awaiting
every answer before the next step) through the fake Bot API server in this process, against real bot
subprocesses (`python -m bot --log-level INFO run`):

1. **SQLite baseline**: one plain bot (DATABASE_PATH), the overall cap lifted (TELEGRAM_MESSAGES_PER_SECOND
   1000000): its CPU per update.
2. **PostgreSQL, W workers** for each W of --workers, the cap lifted (CPU-bound), then the same W with Telegram's
   limits (30 messages a second overall, kept together by the workers' shared send timetable). Every run has a
   database of its own (`CREATE DATABASE`) on one throwaway PostgreSQL server (tests/postgres_cluster.py; fsync
   on, as in production, unless --pg-no-fsync), and a fresh fake server. Worker 1 starts first and is the leader
   (it alone long-polls the fake and sends the outbox); the others start once it polls. The load begins when
   every worker has joined (the `workers` table holds W live rows) and logged that it runs.

Figures per run: whole reports per second = reporters / (first update injected → last answer received), updates
per second, p50/p95 step latency (inject → the awaited answer reached the fake), messages (send*) the fake got,
CPU of the bot processes (user + system, summed over every worker, from /proc, read just before the load and just
before the stop) per update handled, and the PostgreSQL server's own CPU per update (its postmaster and every
backend, reaped ones included), which the SQLite figure has inside the bot process; the share of the machine's
cores busy meanwhile; and what a reporter should never see: the same message twice, calls the fake refused.

Checks (exit 1 with the reason, the workers' log tails and the kept temp dir): a step times out, a worker exits,
the database does not hold exactly one report per reporter with the case codes they were told and one evidence
row each, or a reporter got two confirmations. Nothing asserts a speed. Last line:

    scale workers=1,2,3 reports_per_s=A,B,C limited_reports_per_s=D,E,F cpu_ms_per_update sqlite=X postgresql=…
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import math
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

if __package__ in (None, ""):  # run as `python bench/scale.py`
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import asyncpg

from bench.common import (
    RATE_LIMIT_PER_S,
    BenchFailure,
    Options,
    Result,
    Scenario,
    SubprocessBot,
    Usage,
    Workspace,
    _load,
    _start,
    default_boundaries,
    log_problems,
    log_tail,
    process_usage,
    run_cancellable,
    terminate,
)
from bench.load_report import SCENARIO, check_reports, verify
from testing.fake_telegram import FakeTelegram
from tests.harness import text_of_call
from tests.postgres_cluster import Cluster, _binary

BOT_ARGV = (sys.executable, "-m", "bot", "--log-level", "INFO", "run")
QUICK_REPORTERS = 60
CONFIRMATION = "Kode kasus"
LIVE_PIDS: set[int] = set()  # worker processes started and not yet seen to exit: killed on the way out


def scenario_named(name: str) -> Scenario:
    """load_report's reporters (its converse and verify), under this run's name in the progress lines."""
    return dataclasses.replace(SCENARIO, name=name)


# ---------------------------------------------------------------------------------------------- PostgreSQL


class BenchCluster(Cluster):
    """tests/postgres_cluster.Cluster, but durable by default (fsync and synchronous_commit on, as SQLite's
    synchronous=FULL is in the baseline); `durable=False` gives the test suite's settings."""

    def __init__(self, durable: bool = True) -> None:
        super().__init__(durable)

    def shut_down(self, keep: bool) -> None:
        """Stop the server; remove its folder unless `keep`."""
        if keep:
            self._run(_binary("pg_ctl"), "-D", str(self.dir / "data"), "-m", "fast", "-w", "stop")
        else:
            self.stop()

    def postmaster_pid(self) -> int:
        return int((self.dir / "data" / "postmaster.pid").read_text().split()[0])

    def database_url(self, name: str) -> str:
        return f"{self.base_url.rsplit('/', 1)[0]}/{name}"

    async def create_database(self, name: str) -> str:
        conn = await asyncpg.connect(self.base_url)
        try:
            await conn.execute(f'CREATE DATABASE "{name}"')
        finally:
            await conn.close()
        return self.database_url(name)


def _cpu_of(pid: int | str) -> tuple[float, int]:
    """(utime + stime + cutime + cstime in seconds, parent pid) of a process: its own CPU and its reaped children's."""
    with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as stat:
        fields = stat.read().rpartition(")")[2].split()  # fields[0] is the state (field 3)
    ticks = sum(int(fields[i]) for i in (11, 12, 13, 14))  # utime, stime, cutime, cstime (fields 14-17)
    return ticks / os.sysconf("SC_CLK_TCK"), int(fields[1])


def host_ticks() -> tuple[int, int]:
    """(busy, total) clock ticks of all the machine's cores so far, from /proc/stat (idle and iowait are not busy)."""
    with open("/proc/stat", encoding="ascii") as stat:
        values = [int(v) for v in stat.readline().split()[1:]]
    idle = values[3] + (values[4] if len(values) > 4 else 0)
    total = sum(values[:8])  # user nice system idle iowait irq softirq steal (guest time is inside user)
    return total - idle, total


def busy_share(before: tuple[int, int], after: tuple[int, int]) -> float:
    total = after[1] - before[1]
    return (after[0] - before[0]) / total if total > 0 else math.nan


def server_cpu(postmaster: int) -> float:
    """CPU seconds of the PostgreSQL server: the postmaster (with the backends it reaped) and its live children."""
    total, _ = _cpu_of(postmaster)
    for entry in os.listdir("/proc"):
        if not entry.isdigit() or int(entry) == postmaster:
            continue
        with contextlib.suppress(OSError, ValueError, IndexError):  # a process may end while we look
            cpu, parent = _cpu_of(entry)
            if parent == postmaster:
                total += cpu
    return total


# ---------------------------------------------------------------------------------------------- the workers


class Worker:
    """One `python -m bot run` with SCALE_OUT=true, its output to bot-<index>.log in the run's folder."""

    def __init__(self, index: int, workspace: Workspace, env: dict[str, str]) -> None:
        self.index = index
        self.workspace = workspace
        self.env = env
        self.log_path = workspace.root / f"bot-{index}.log"
        self.proc: asyncio.subprocess.Process | None = None
        self._log: IO[bytes] | None = None

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def __str__(self) -> str:
        return f"worker {self.index} (pid {self.proc.pid if self.proc else '-'})"

    async def start(self) -> None:
        self._log = await asyncio.to_thread(self.log_path.open, "ab")  # closed in stop()
        self.proc = await asyncio.create_subprocess_exec(
            *BOT_ARGV, cwd=self.workspace.root, env=self.env,
            stdin=subprocess.DEVNULL, stdout=self._log, stderr=subprocess.STDOUT,
        )
        LIVE_PIDS.add(self.proc.pid)

    def running(self) -> bool:
        return self.proc is not None and self.proc.returncode is None

    def usage(self) -> Usage:
        if not self.running():
            raise BenchFailure(f"{self} is not running any more; its CPU cannot be read")
        return process_usage(self.pid)

    async def stop(self) -> list[str]:
        remarks: list[str] = []
        proc = self.proc
        try:
            if proc is not None:
                remarks = await terminate(proc, str(self))
        finally:
            if proc is not None and proc.returncode is not None:
                LIVE_PIDS.discard(proc.pid)
            if self._log is not None:
                self._log.close()
                self._log = None
        return remarks


class WorkerGroup:
    """The W workers of one run, as one bench.common `Bot` (for `_load`: `watch` fails when any worker exits)."""

    def __init__(self, workspace: Workspace, count: int, database_url: str) -> None:
        env = workspace.bot_env()
        env.pop("DATABASE_PATH", None)
        env.update(SCALE_OUT="true", DATABASE_URL=database_url)
        self.workspace = workspace
        self.database_url = database_url
        self.workers = [Worker(i + 1, workspace, env) for i in range(count)]
        self.description = f"{count} scale-out worker subprocess(es) on PostgreSQL"
        self.leader = 0  # the index of the worker holding the leader's lease once started

    async def start(self) -> None:
        options = self.workspace.options
        first, rest = self.workers[0], self.workers[1:]
        await first.start()
        ready = asyncio.create_task(self.workspace.fake.wait_polling(timeout=options.startup_timeout))
        await self._racing_exits(ready, f"{first} did not start long polling within {options.startup_timeout:g} s"
                                        " (--startup-timeout)")
        for worker in rest:
            await worker.start()
        joined = asyncio.create_task(self._all_joined(time.monotonic() + options.startup_timeout))
        await self._racing_exits(joined, f"not all {len(self.workers)} workers joined within "
                                         f"{options.startup_timeout:g} s (--startup-timeout)")
        self.description = (f"{len(self.workers)} scale-out worker subprocess(es) on PostgreSQL, pids "
                            + ", ".join(str(w.pid) for w in self.workers) + f"; worker {self.leader} leads")

    async def _racing_exits(self, task: asyncio.Task[Any], timeout_message: str) -> None:
        died = asyncio.create_task(self.watch())
        try:
            done, _ = await asyncio.wait({task, died}, return_when=asyncio.FIRST_COMPLETED)
            if died in done:
                died.result()
            try:
                task.result()
            except (AssertionError, TimeoutError):
                raise BenchFailure(timeout_message) from None
        finally:
            for t in (task, died):
                t.cancel()
            await asyncio.gather(task, died, return_exceptions=True)

    async def _all_joined(self, deadline: float) -> None:
        """Until the `workers` table holds a live row for every worker, each has logged that it runs, and the
        leader's lease is held."""
        conn = await asyncpg.connect(self.database_url)
        try:
            while True:
                now = time.time()
                rows = await conn.fetch("SELECT pid FROM workers WHERE lease_until >= $1", now)
                holder = await conn.fetchval("SELECT holder FROM leases WHERE name = 'leader' AND until >= $1", now)
                pids = {int(r["pid"]) for r in rows}
                logged = all("Pantau is running" in w.log_path.read_text(encoding="utf-8", errors="replace")
                             for w in self.workers)
                if pids >= {w.pid for w in self.workers} and logged and holder is not None:
                    leader_pid = int(str(holder).split(":")[1])
                    self.leader = next((w.index for w in self.workers if w.pid == leader_pid), 0)
                    return
                if time.monotonic() > deadline:
                    raise TimeoutError
                await asyncio.sleep(0.1)
        finally:
            await conn.close()

    async def watch(self) -> None:
        waits: dict[asyncio.Future[int], Worker] = {}
        for w in self.workers:
            if w.proc is not None:
                waits[asyncio.ensure_future(w.proc.wait())] = w
        if not waits:
            await asyncio.Event().wait()
        try:
            done, _ = await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for f in waits:
                f.cancel()
        ended = next(iter(done))
        worker = waits[ended]
        raise BenchFailure(f"{worker} exited unexpectedly with code {ended.result()}")

    def usage(self) -> Usage:
        usages = [w.usage() for w in self.workers]
        return Usage(sum(u.rss for u in usages), max(u.peak for u in usages), sum(u.cpu for u in usages))

    async def stop(self) -> list[str]:
        remarks = await asyncio.gather(*(w.stop() for w in self.workers))
        return [r for rs in remarks for r in rs]


# ---------------------------------------------------------------------------------------------- one run


@dataclass
class Row:
    engine: str  # "sqlite" | "postgresql"
    workers: int
    limited: bool
    result: Result
    bot_cpu: float  # seconds, all bot processes, during the load
    server_cpu: float  # seconds, the PostgreSQL server, during the load (0 for SQLite)
    peak_rss: int  # the largest worker's VmHWM
    host_busy: float  # share of all the machine's cores busy during the load (anything running, not only the bot)
    duplicates: int = 0  # messages sent to a reporter a second time (the same text)
    refused: int = 0  # calls the fake did not answer with 200
    chats: list[int] = field(default_factory=list)  # reporters' chats per worker (PostgreSQL)
    checks: list[str] = field(default_factory=list)
    problems: Counter[str] = field(default_factory=Counter)
    remarks: list[str] = field(default_factory=list)

    @property
    def label(self) -> str:
        return f"{self.engine} ×{self.workers} {'30/s' if self.limited else 'off'}"

    @property
    def reports_per_s(self) -> float:
        r = self.result
        return r.users / r.wall if r.wall > 0 else math.nan

    @property
    def updates(self) -> int:
        return self.result.updates

    def per_update_ms(self, seconds: float) -> float:
        return 1000 * seconds / self.updates if self.updates else math.nan


def _say(options: Options, text: str) -> None:
    if not options.quiet:
        print(text, file=sys.stderr, flush=True)


def _failure(name: str, reason: str, root: Path, logs: Sequence[Path]) -> BenchFailure:
    tails = "\n".join(f"--- last lines of {path} ---\n{log_tail(path, 30)}" for path in logs) or "(no bot was started)"
    return BenchFailure(f"{name}: {reason}\n{tails}\n--- temp dir kept: {root}")


async def run_sqlite(root: Path, options: Options) -> Row:
    """The baseline: one plain bot on SQLite, as bench/load_report.py runs it."""
    name = "sqlite ×1 " + ("30/s" if options.limited else "off")
    await asyncio.to_thread(root.mkdir, parents=True)
    workspace: Workspace | None = None
    try:
        async with FakeTelegram() as fake:
            workspace = Workspace(root, fake, options)
            bot = SubprocessBot(SCENARIO.subprocess_argv, workspace)
            _say(options, f"[{name}] starting the bot")
            try:
                await _start(bot, fake, options)
                before, host_before = bot.usage(), host_ticks()
                scenario = scenario_named(name)
                result, outcomes = await _load(scenario, options, workspace, bot)
                after, host_after = bot.usage(), host_ticks()
            finally:
                remarks = await bot.stop()
            checks = verify(workspace, outcomes)
            odd = odd_calls(fake)
        return Row("sqlite", 1, options.limited, result, after.cpu - before.cpu, 0.0, after.peak,
                   busy_share(host_before, host_after), duplicates=odd[0],
                   refused=odd[1], checks=checks + odd[2], problems=log_problems(workspace.log_path), remarks=remarks)
    except BenchFailure as exc:
        raise _failure(name, str(exc), root, [root / "bot.log"]) from None
    except (asyncio.CancelledError, KeyboardInterrupt):
        raise
    except Exception as exc:
        raise _failure(name, f"{type(exc).__name__}: {exc}", root, [root / "bot.log"]) from exc


async def run_postgres(root: Path, options: Options, cluster: BenchCluster, count: int) -> Row:
    """W workers on a database of their own."""
    mode = "limited" if options.limited else "unlimited"
    name = f"postgresql ×{count} " + ("30/s" if options.limited else "off")
    await asyncio.to_thread(root.mkdir, parents=True)
    group: WorkerGroup | None = None
    try:
        url = await cluster.create_database(f"bench_w{count}_{mode}")
        postmaster = cluster.postmaster_pid()
        async with FakeTelegram() as fake:
            workspace = Workspace(root, fake, options)
            group = WorkerGroup(workspace, count, url)
            _say(options, f"[{name}] starting {count} worker(s)")
            try:
                started = time.monotonic()
                await group.start()
                _say(options, f"[{name}] ready after {time.monotonic() - started:.1f} s; worker {group.leader} leads")
                before, server_before, host_before = group.usage(), server_cpu(postmaster), host_ticks()
                scenario = scenario_named(name)
                result, outcomes = await _load(scenario, options, workspace, group)
                after, server_after, host_after = group.usage(), server_cpu(postmaster), host_ticks()
            finally:
                remarks = await group.stop()
            checks, chats = await verify_postgres(url, workspace, outcomes, group)
            odd = odd_calls(fake)
        problems: Counter[str] = Counter()
        for worker in group.workers:
            problems.update(log_problems(worker.log_path))
        return Row("postgresql", count, options.limited, result, after.cpu - before.cpu, server_after - server_before,
                   after.peak, busy_share(host_before, host_after), duplicates=odd[0], refused=odd[1], chats=chats,
                   checks=checks + odd[2], problems=problems, remarks=remarks)
    except BenchFailure as exc:
        raise _failure(name, str(exc), root, [w.log_path for w in group.workers] if group else []) from None
    except (asyncio.CancelledError, KeyboardInterrupt):
        raise
    except Exception as exc:
        raise _failure(name, f"{type(exc).__name__}: {exc}", root,
                       [w.log_path for w in group.workers] if group else []) from exc


def confirmations_per_chat(fake: FakeTelegram) -> Counter[int]:
    """Successful confirmations (a message naming the case code) the fake got, per reporter's chat."""
    found: Counter[int] = Counter()
    for call in fake.calls("sendMessage"):
        if call.ok and call.chat_id is not None and CONFIRMATION in text_of_call(call):
            found[call.chat_id] += 1
    return found


def odd_calls(fake: FakeTelegram) -> tuple[int, int, list[str]]:
    """What a reporter should never see: the same message sent twice to one chat (an update handled twice), and
    calls the fake refused (status other than 200: e.g. a callback query answered twice). Returns (messages beyond
    the first, refused calls, remarks)."""
    texts: Counter[tuple[int, str]] = Counter()
    refused: Counter[str] = Counter()
    for call in fake.requests:
        if call.method == "getUpdates":
            continue
        if not call.ok:
            refused[f"{call.method} {call.status}"] += 1
        elif call.method == "sendMessage" and call.chat_id is not None:
            texts[(call.chat_id, text_of_call(call))] += 1
    twice = {key: n for key, n in texts.items() if n > 1}
    remarks = [f"ODD: {n} × the same message to chat {chat}: {text[:80]!r}" for (chat, text), n in twice.items()]
    if refused:
        remarks.append("ODD: calls not answered 200: " + ", ".join(f"{k} × {n}" for k, n in refused.most_common()))
    return sum(n - 1 for n in twice.values()), sum(refused.values()), remarks


async def verify_postgres(url: str, workspace: Workspace, outcomes: list[object],
                          group: WorkerGroup) -> tuple[list[str], list[int]]:
    """What load_report.verify checks, on PostgreSQL (read after every worker stopped), plus: no reporter got two
    confirmations. Returns the checks passed and how many reporters' chats each worker handled."""
    expected = len(outcomes)
    codes = {str(code) for code in outcomes}
    conn = await asyncpg.connect(url)
    try:
        reports = int(await conn.fetchval("SELECT COUNT(*) FROM reports"))
        in_db = {str(r["case_code"]) for r in await conn.fetch("SELECT case_code FROM reports")}
        evidence = int(await conn.fetchval("SELECT COUNT(*) FROM evidence"))
        outbox = {str(r["status"]): int(r["n"])
                  for r in await conn.fetch("SELECT status, COUNT(*) AS n FROM outbox GROUP BY status")}
        inbox = int(await conn.fetchval("SELECT COUNT(*) FROM inbox"))
        owners = Counter(str(r["worker_id"]) for r in await conn.fetch("SELECT worker_id FROM chat_owners"))
        pids = {str(r["id"]): int(r["pid"]) for r in await conn.fetch("SELECT id, pid FROM workers")}
    finally:
        await conn.close()
    check_reports(expected, codes, reports, in_db, evidence)
    twice = {chat: n for chat, n in confirmations_per_chat(workspace.fake).items() if n > 1}
    if twice:
        raise BenchFailure(f"DUPLICATE CONFIRMATIONS: {len(twice)} reporters got more than one: "
                           f"{dict(list(twice.items())[:5])}")
    by_pid = Counter({pids.get(worker, -1): n for worker, n in owners.items()})
    chats = [by_pid.get(w.pid, 0) for w in group.workers]
    stored = sum(1 for p in workspace.evidence_dir.glob("??/*") if not p.name.startswith("."))
    checks = [
        f"reports created: {reports} in the database == {expected} reporters, case codes identical to the confirmations",
        f"evidence: {evidence} rows, {stored} files on disk; outbox: {outbox}; inbox left: {inbox}; "
        f"one confirmation per reporter",
    ]
    return checks, chats


# ---------------------------------------------------------------------------------------------- output


def _f(value: float, digits: int = 1) -> str:
    return "-" if math.isnan(value) else f"{value:.{digits}f}"


def format_table(rows: Sequence[Row], options: Options) -> str:
    head = (f"{'engine':<11} {'workers':>7} {'limits':>6} {'reports/s':>9} {'updates/s':>9} {'wall s':>7} "
            f"{'bot CPU ms/upd':>14} {'PG srv ms/upd':>13} {'p50 ms':>7} {'p95 ms':>7} {'messages':>8} "
            f"{'peak RSS MiB':>12} {'host busy':>9} {'dup/refused':>11}  chats per worker")
    lines = [f"Scale-out: {options.users} reporters × {len(SCENARIO.steps)} updates each, concurrency "
             f"{options.concurrency}; limits off = TELEGRAM_MESSAGES_PER_SECOND 1000000, 30/s = Telegram's "
             f"{RATE_LIMIT_PER_S} messages/s overall", head, "-" * len(head)]
    for row in rows:
        r = row.result
        server = _f(row.per_update_ms(row.server_cpu), 2) if row.engine == "postgresql" else "-"
        lines.append(
            f"{row.engine:<11} {row.workers:>7} {'30/s' if row.limited else 'off':>6} {_f(row.reports_per_s, 2):>9} "
            f"{_f(r.updates_per_s):>9} {_f(r.wall):>7} {_f(row.per_update_ms(row.bot_cpu), 2):>14} {server:>13} "
            f"{_f(1000 * r.latency(50), 0):>7} {_f(1000 * r.latency(95), 0):>7} {r.messages:>8} "
            f"{row.peak_rss / 1024 / 1024:>12.1f} {_f(100 * row.host_busy, 0) + ' %':>9} "
            f"{f'{row.duplicates}/{row.refused}':>11}  "
            f"{'/'.join(map(str, row.chats)) or '-'}")
    lines.append("bot CPU: user + system of every bot process during the load, summed over the workers; PG srv: the "
                 "PostgreSQL server's (postmaster, backends, background processes); peak RSS: the largest worker's;")
    lines.append(f"host busy: all {os.cpu_count()} cores of the machine during the load (bots, PostgreSQL, this process "
                 "with the fake and the reporters, anything else); dup/refused: messages a reporter got twice (same "
                 "text) / calls the fake refused; chats per worker: the reporters' chats each worker handled")
    return "\n".join(lines)


def format_checks(rows: Sequence[Row]) -> str:
    lines = []
    for row in rows:
        lines.append(f"== {row.label}: {row.result.mode}")
        lines.extend(f"   check    {c}" for c in row.checks)
        if row.problems:
            lines.append(f"   bot log  {sum(row.problems.values())} warning/error lines:")
            lines.extend(f"      {n:>5} × {line}" for line, n in row.problems.most_common(8))
        else:
            lines.append("   bot log  no warnings or errors")
        lines.extend(f"   note     {remark}" for remark in row.remarks)
    return "\n".join(lines)


def summary_line(rows: Sequence[Row], counts: Sequence[int]) -> str:
    def pick(engine: str, workers: int, limited: bool) -> Row | None:
        return next((r for r in rows if (r.engine, r.workers, r.limited) == (engine, workers, limited)), None)

    def values(limited: bool, figure: str) -> str:
        out = []
        for n in counts:
            row = pick("postgresql", n, limited)
            if row is None:
                out.append("nan")
            elif figure == "reports":
                out.append(_f(row.reports_per_s))
            elif figure == "cpu":
                out.append(_f(row.per_update_ms(row.bot_cpu)))
            else:
                out.append(_f(row.per_update_ms(row.server_cpu)))
        return ",".join(out)

    sqlite = pick("sqlite", 1, False)
    return (f"scale workers={','.join(map(str, counts))} reports_per_s={values(False, 'reports')} "
            f"limited_reports_per_s={values(True, 'reports')} cpu_ms_per_update "
            f"sqlite={_f(sqlite.per_update_ms(sqlite.bot_cpu)) if sqlite else 'nan'} postgresql={values(False, 'cpu')} "
            f"pg_server_ms_per_update={values(False, 'server')}")


# ---------------------------------------------------------------------------------------------- main


@dataclass(frozen=True)
class Plan:
    options: Options
    counts: tuple[int, ...]
    durable: bool
    limited_runs: bool


async def run_all(plan: Plan, root: Path, cluster: BenchCluster) -> list[Row]:
    unlimited = dataclasses.replace(plan.options, limited=False)
    rows = [await run_sqlite(root / "sqlite-off", unlimited)]
    modes = [False, True] if plan.limited_runs else [False]
    for limited in modes:
        for n in plan.counts:
            options = dataclasses.replace(plan.options, limited=limited)
            row = await run_postgres(root / f"pg{n}-{'30' if limited else 'off'}", options, cluster, n)
            _say(plan.options, f"[{row.label}] {row.reports_per_s:.2f} reports/s, "
                               f"{row.per_update_ms(row.bot_cpu):.2f} ms bot CPU per update")
            rows.append(row)
    return rows


def _guarded(plan: Plan, root: Path, cluster: BenchCluster) -> list[Row]:
    """run_all in a fresh event loop; SIGTERM and SIGHUP, like Ctrl-C, cancel it (so the workers are stopped)."""
    return run_cancellable(lambda: run_all(plan, root, cluster))


def _kill_leftovers() -> None:
    for pid in sorted(LIVE_PIDS):
        with contextlib.suppress(ProcessLookupError, ChildProcessError):
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
    LIVE_PIDS.clear()


def parse(argv: Sequence[str] | None) -> Plan:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    d = Options()
    parser.add_argument("--workers", default="1,2,3", help="worker counts on PostgreSQL, comma-separated (default 1,2,3)")
    parser.add_argument("--reporters", type=int, default=None,
                        help=f"reporters per run, each one whole report (default {d.users}; {QUICK_REPORTERS} with --quick)")
    parser.add_argument("--concurrency", type=int, default=None, help="reporters at the same time (default: all)")
    parser.add_argument("--quick", action="store_true", help=f"{QUICK_REPORTERS} reporters per run")
    parser.add_argument("--no-limited", dest="limited_runs", action="store_false",
                        help="skip the runs with Telegram's limits (30/s)")
    parser.add_argument("--pg-no-fsync", dest="durable", action="store_false",
                        help="PostgreSQL with fsync, synchronous_commit and full_page_writes off (the test suite's)")
    parser.add_argument("--step-timeout", type=float, default=d.step_timeout)
    parser.add_argument("--run-timeout", type=float, default=d.run_timeout)
    parser.add_argument("--startup-timeout", type=float, default=d.startup_timeout)
    parser.add_argument("--photo-kib", type=int, default=d.photo_kib)
    parser.add_argument("--boundaries", default=None,
                        help="BOUNDARIES_FILE of every bot (default: ../shared/data's if present; 'none' for none)")
    parser.add_argument("--keep", action="store_true", help="keep the temp dir (logs, evidence, the PostgreSQL data)")
    parser.add_argument("--quiet", action="store_true", help="no progress lines on stderr")
    args = parser.parse_args(argv)
    try:
        counts = tuple(int(part) for part in args.workers.split(",") if part.strip())
    except ValueError:
        parser.error("--workers takes numbers such as 1,2,3")
    if not counts or min(counts) < 1:
        parser.error("--workers needs at least one count, each at least 1")
    users = args.reporters if args.reporters is not None else (QUICK_REPORTERS if args.quick else d.users)
    if users < 1:
        parser.error("--reporters must be at least 1")
    concurrency = users if args.concurrency is None else min(args.concurrency, users)
    if concurrency < 1:
        parser.error("--concurrency must be at least 1")
    options = Options(users=users, concurrency=concurrency, step_timeout=args.step_timeout,
                      run_timeout=args.run_timeout, startup_timeout=args.startup_timeout, keep=args.keep,
                      photo_kib=args.photo_kib, quiet=args.quiet, boundaries=default_boundaries(args.boundaries))
    return Plan(options, counts, args.durable, args.limited_runs)


def main(argv: Sequence[str] | None = None) -> int:
    plan = parse(argv)
    for name in ("DATABASE_URL", "SCALE_OUT", "WORKER_LEASE_SECONDS"):  # the baseline must be plain SQLite
        os.environ.pop(name, None)
    root = Path(tempfile.mkdtemp(prefix="bench-scale-"))
    cluster = BenchCluster(durable=plan.durable)
    keep = plan.options.keep
    code = 1
    try:
        _say(plan.options, f"temp dir {root}; PostgreSQL at {cluster.base_url} "
                           f"({'fsync on' if plan.durable else 'fsync off'}), data in {cluster.dir}")
        try:
            cluster.start()
        except (subprocess.CalledProcessError, OSError) as exc:
            raise BenchFailure(f"PostgreSQL did not start: {exc} (its log: {cluster.dir / 'log'})") from None
        rows = _guarded(plan, root, cluster)
        print(format_checks(rows))
        print()
        print(format_table(rows, plan.options))
        print()
        print(summary_line(rows, plan.counts))
        code = 0
    except BenchFailure as exc:
        keep = True
        print(f"BENCH FAILED — {exc}", file=sys.stderr)
    except KeyboardInterrupt:
        print("interrupted; the workers were stopped", file=sys.stderr)
        code = 130
    finally:
        _kill_leftovers()
        try:
            cluster.shut_down(keep)
        except (subprocess.CalledProcessError, OSError) as exc:
            print(f"stopping PostgreSQL failed: {exc}", file=sys.stderr)
        if keep:
            print(f"kept: {root} (PostgreSQL data: {cluster.dir})", file=sys.stderr)
        else:
            shutil.rmtree(root, ignore_errors=True)
    return code


if __name__ == "__main__":
    sys.exit(main())
