"""Health: every running bot process writes a heartbeat row (`Heartbeat`, a repeating job), and `health_report`
judges the database as a health check would: is a bot process alive, is it polling (a getUpdates call returned
lately), is the outbox draining (how old its oldest unsent message is). `python -m bot health` prints its lines and
exits 0 or 1; a webhook server can answer a health path with the same report."""

from __future__ import annotations

import asyncio
import logging
import os
import socket
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any, Protocol

from bot.settings import OperatorSettings
from storage.database import Database, iso, utcnow
from storage.operators.heartbeats import (
    Beat,
    HealthFacts,
    HeartbeatRepository,
    NoHeartbeatTable,
    health_facts,
    health_facts_postgres,
)

log = logging.getLogger(__name__)

HEARTBEAT_EVERY = 15.0  # seconds between two heartbeats of a running process
HEARTBEAT_JOB = "heartbeat"


class HeartbeatRole(StrEnum):
    """`heartbeats.role`: what a process does."""

    BOT = "bot"  # receives the updates by long polling and does all the work
    WEBHOOK = "webhook"  # receives them on its webhook server and does all the work: no getUpdates to check


class _JobQueue(Protocol):
    def run_repeating(self, callback: Any, interval: float, *, first: float = ..., name: str = ...) -> Any: ...


class _Application(Protocol):
    """What `register_heartbeat` needs of python-telegram-bot's Application (this package never imports it)."""

    @property
    def job_queue(self) -> _JobQueue | None: ...

    @property
    def update_queue(self) -> Any: ...


class _HasDatabase(Protocol):
    @property
    def db(self) -> Database: ...


class Heartbeat:
    """This process's heartbeat: its row, with when getUpdates last returned (`polled`), written by `beat`."""

    def __init__(self, repo: HeartbeatRepository, polled: Callable[[], datetime | None], *,
                 role: HeartbeatRole = HeartbeatRole.BOT, host: str | None = None, pid: int | None = None,
                 started_at: datetime | None = None) -> None:
        self.repo = repo
        self.polled = polled
        self.role = role
        self.host = host or socket.gethostname()
        self.pid = os.getpid() if pid is None else pid
        self.started_at = started_at or utcnow()

    async def beat(self, now: datetime | None = None) -> None:
        now = now or utcnow()
        polled = self.polled()
        await self.repo.beat(Beat(self.host, self.pid, self.role.value, iso(self.started_at), iso(now),
                                  iso(polled) if polled is not None else None), now)

    async def job(self, _context: object) -> None:
        """The repeating job: a failed beat is logged (the next one may succeed; health sees it age meanwhile)."""
        try:
            await self.beat()
        except Exception:
            log.exception("writing the heartbeat failed")


def register_heartbeat(application: _Application, services: _HasDatabase, every: float | None = None, *,
                       role: HeartbeatRole = HeartbeatRole.BOT) -> Heartbeat:
    """Write this process's heartbeat now and every `every` seconds (HEARTBEAT_EVERY) on the Application's job
    queue. Its polled_at is when the getUpdates request last returned (bot/delivery/inbox.py's update queue)."""
    queue = application.update_queue

    def polled() -> datetime | None:
        moment = getattr(queue, "polled_at", None)
        return moment if isinstance(moment, datetime) else None

    heartbeat = Heartbeat(HeartbeatRepository(services.db), polled, role=role)
    if application.job_queue is None:
        log.warning("no job queue: this process writes no heartbeat, and `health` will call it not running")
        return heartbeat
    every = HEARTBEAT_EVERY if every is None else every
    # The first beat is the caller's to write (`await heartbeat.job(None)`): first=0 would not run at once (PTB's
    # run_repeating documents why: APScheduler).
    application.job_queue.run_repeating(heartbeat.job, every, first=every, name=HEARTBEAT_JOB)
    return heartbeat


@dataclass(frozen=True, slots=True)
class HealthLimits:
    """How old (seconds) each sign may be before the bot counts as unhealthy."""

    heartbeat: float = 90.0  # the freshest heartbeat: older, no bot process is running
    polled: float = 90.0  # the last getUpdates answer (long polls last 30 s): older, it is not polling
    unsent: float = 600.0  # the oldest unsent outbox message: older, the outbox is not draining


DEFAULT_LIMITS = HealthLimits()


async def health_report(
    settings: OperatorSettings, *, limits: HealthLimits | None = None, polling: bool = True,
    now: datetime | None = None,
) -> tuple[bool, list[str]]:
    """(healthy, one line per check) for the database of `settings`. `polling=False` (webhook mode) leaves out
    the getUpdates check. Reads on a read-only connection of its own: the bot may be running."""
    limits = limits or HealthLimits()
    if settings.database_url:  # PostgreSQL: the same facts, read over its own connection
        try:
            facts = await health_facts_postgres(settings.database_url)
        except NoHeartbeatTable:
            return False, ["problem: the PostgreSQL database has no heartbeats: no bot of this version has run on it"]
        except Exception as exc:  # unreachable, refused, a wrong password: unhealthy, said in one line
            return False, [f"problem: cannot read the PostgreSQL database (DATABASE_URL): {type(exc).__name__}: {exc}"]
        return judge(facts, limits, polling=polling, now=now or utcnow())
    path = settings.database_path
    if not await asyncio.to_thread(path.is_file):
        return False, [f"problem: no database at {path}: the bot has not run here"]
    try:
        facts = await asyncio.to_thread(health_facts, path)
    except NoHeartbeatTable:
        return False, [f"problem: {path} has no heartbeats: no bot of this version has run on it yet"]
    return judge(facts, limits, polling=polling, now=now or utcnow())


def judge(facts: HealthFacts, limits: HealthLimits, *, polling: bool, now: datetime) -> tuple[bool, list[str]]:
    """The checks on what was read: (healthy, lines)."""
    lines: list[str] = []
    ok = True
    alive = [b for b in facts.beats if _age(b.beat_at, now) <= limits.heartbeat]
    if alive:
        b = alive[0]
        lines.append(f"ok: running, process {b.pid} on {b.host} ({b.role}), heartbeat {_ago(b.beat_at, now)},"
                     f" started {_ago(b.started_at, now)}")
    elif facts.beats:
        ok = False
        b = facts.beats[0]
        lines.append(f"problem: not running, the last heartbeat (process {b.pid} on {b.host}) was "
                     f"{_ago(b.beat_at, now)} (limit {_duration(limits.heartbeat)})")
    else:
        ok = False
        lines.append("problem: not running, no bot process has written a heartbeat")
    pollers = [b for b in alive if b.role == HeartbeatRole.BOT]  # a webhook process has no getUpdates to check
    if alive and not pollers:
        lines.append("ok: receiving updates by webhook")
    if polling and pollers:
        alive = pollers
        polled = max((b.polled_at for b in alive if b.polled_at is not None), default=None)
        if polled is None:
            ok = False
            lines.append(f"problem: not polling, no getUpdates call has returned since the start"
                         f" {_ago(alive[0].started_at, now)}")
        elif _age(polled, now) > limits.polled:
            ok = False
            lines.append(f"problem: not polling, the last getUpdates call returned {_ago(polled, now)}"
                         f" (limit {_duration(limits.polled)})")
        else:
            lines.append(f"ok: polling, the last getUpdates call returned {_ago(polled, now)}")
    if facts.unsent == 0 or facts.oldest_unsent_at is None:
        lines.append("ok: outbox draining, nothing unsent")
    elif _age(facts.oldest_unsent_at, now) > limits.unsent:
        ok = False
        lines.append(f"problem: outbox not draining, {facts.unsent} unsent, the oldest queued "
                     f"{_ago(facts.oldest_unsent_at, now)} (limit {_duration(limits.unsent)})")
    else:
        lines.append(f"ok: outbox draining, {facts.unsent} unsent, the oldest queued {_ago(facts.oldest_unsent_at, now)}")
    return ok, lines


def _age(stamp: str, now: datetime) -> float:
    return (now - datetime.fromisoformat(stamp)).total_seconds()


def _ago(stamp: str, now: datetime) -> str:
    age = _age(stamp, now)
    return "just now" if age < 1 else f"{_duration(age)} ago"


def _duration(seconds: float) -> str:
    whole = int(seconds)
    if whole < 120:
        return f"{whole} s"
    if whole < 7200:
        return f"{whole // 60} min"
    return f"{whole // 3600} h {whole % 3600 // 60} min"
