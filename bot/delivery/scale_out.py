"""Several worker processes sharing one PostgreSQL database (SCALE_OUT=true): how they divide the work.

- **Updates**: whoever receives an update (the leader's getUpdates, or any worker's webhook server) commits it to
  the inbox with its chat and signals the others (NOTIFY); it does not handle it itself. Each chat belongs to one
  worker at a time (`chat_owners`): a worker takes chats that have updates waiting and no live worker, and queues
  its chats' updates, in order, into its own Application. A handled update is deleted at once, in its own commit,
  so that the chat's next update, whoever handles it, never sees it again.
- **Liveness**: each worker renews its lease (`workers.lease_until`) every fifth of WORKER_LEASE_SECONDS. A worker
  killed mid-update (SIGKILL, OOM, a lost host) stops renewing; once its lease has run out, another worker takes
  its chats, loads their conversations' states from the database (`on_takeover`), and handles the update the dead
  one had not finished: once, since handlers recognise an update that was half done. A worker that finds its own
  lease ran out (it stalled, and its chats may be another's by now) exits at once rather than handle them twice.
- **The leader**: one worker at a time holds the `leader` lease: it polls Telegram (without a webhook), sends the
  outbox (so that no message is sent twice, and each group's 20 a minute is counted in one place) and runs the
  periodic jobs (reminders, idle conversations, purges, digests). The others signal it when they queue a message.
  When the leader goes, the next worker to renew takes the lease and these duties (`on_lead`).
- **The overall rate**: every message any worker sends first takes a slot of the shared timetable
  (`SharedBudget`, 1/TELEGRAM_MESSAGES_PER_SECOND of a second each), so that the workers together stay within
  Telegram's 30 a second.

A stopping worker ends its leases at once (`leave`), so that the others take over without waiting.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import os
import secrets
import socket
import time
from collections.abc import Awaitable, Callable
from typing import Any

from storage.database import iso, utcnow
from storage.delivery.workers import WorkerRepository

log = logging.getLogger(__name__)

INBOX_CHANNEL = "pantau_inbox"  # an update was committed to the inbox
OUTBOX_CHANNEL = "pantau_outbox"  # a message was queued: the leader looks at the outbox
LEADER = "leader"
MAX_CHATS_TAKEN = 64  # new chats a worker takes in one look
MAX_QUEUED = 512  # updates a worker keeps queued before it takes more chats
LEASE_LOST_EXIT = 75  # the exit status of a worker whose lease ran out under it (EX_TEMPFAIL: start it again)

Requeue = Callable[[int, dict[str, Any]], Awaitable[None]]


def worker_name() -> str:
    """host:pid:random, unique across restarts (a restarted process is a new worker)."""
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(3)}"


class ScaleOut:
    """One worker's part: its lease, its chats' updates, and the leader's lease."""

    def __init__(self, workers: WorkerRepository, lease_seconds: float, worker_id: str | None = None) -> None:
        self.workers = workers
        self.db = workers.db
        self.id = worker_id or worker_name()
        self.lease_seconds = lease_seconds
        self.renew_every = lease_seconds / 5
        self.leading = False
        self.requeue: Requeue | None = None  # queue an update into this worker's Application
        self.on_takeover: Callable[[list[int]], Awaitable[None]] | None = None  # reload these chats' states
        self.on_lead: Callable[[], Awaitable[None]] | None = None  # start the leader's duties
        self.on_lease_lost: Callable[[str], None] = _exit_now
        self._queued: set[int] = set()  # update ids queued here and not yet handled
        # Update ids handled here lately (monotonic time): a look that read the inbox just before one's delete
        # committed must not queue it again.
        self._finished: dict[int, float] = {}
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._renewed_at = 0.0
        self._nudges: set[asyncio.Task[None]] = set()
        self.handled = 0
        self.taken_over = 0

    async def join(self) -> None:
        now = time.time()
        await self.workers.join(self.id, socket.gethostname(), os.getpid(), iso(utcnow()), now + self.lease_seconds)
        self._renewed_at = 0.0  # the first look renews at once, and takes the leader's lease if it is free
        await self.db.listen(INBOX_CHANNEL, self.wake)
        log.info("worker %s joined (lease %.0f s)", self.id, self.lease_seconds)

    def wake(self) -> None:
        self._wake.set()

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="scale-out")

    async def halt(self) -> None:
        """Stop taking updates (the ones queued already are still handled)."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def leave(self) -> None:
        """End this worker's leases, once it handles nothing more: the others take its chats and its role now."""
        await self.halt()
        try:
            await self.workers.leave(self.id)
        except Exception:  # a database already gone: the leases run out on their own
            log.warning("scale-out: ending worker %s's leases failed; they run out on their own", self.id)

    async def processed(self, update_id: int) -> None:
        """The update processor's `on_processed`: the update is done, committed now; its chat's next may follow."""
        await self.workers.done(update_id)
        self._finished[update_id] = time.monotonic()
        self._queued.discard(update_id)
        self.handled += 1
        self._wake.set()

    async def _run(self) -> None:
        while True:
            try:
                await self.look()
            except asyncio.CancelledError:
                raise
            except Exception:  # a broken connection or a bug: the worker goes on, its lease decides
                log.exception("scale-out: a look at the inbox failed")
            with contextlib.suppress(TimeoutError):  # not wait_for: see OutboxWorker._sleep_until_due
                async with asyncio.timeout(self.renew_every):
                    await self._wake.wait()
            self._wake.clear()

    async def look(self) -> None:
        """Renew the leases when due, take chats with waiting updates, and queue this worker's chats' updates."""
        now = time.time()
        if now - self._renewed_at >= self.renew_every:
            await self.renew(now)
        if len(self._queued) < MAX_QUEUED:
            _, taken = await self.workers.claim_chats(self.id, now, iso(utcnow()), MAX_CHATS_TAKEN)
            if taken:
                self.taken_over += len(taken)
                log.info("worker %s took over %d chat(s) of a worker that is gone", self.id, len(taken))
                if self.on_takeover is not None:
                    await self.on_takeover(taken)
        assert self.requeue is not None
        self._forget_finished()
        for update_id, payload in await self.workers.updates_of(self.id):
            if update_id not in self._queued and update_id not in self._finished:
                self._queued.add(update_id)
                await self.requeue(update_id, payload)

    def _forget_finished(self) -> None:
        """Handled ids older than a minute: any read that began before their delete has returned long since."""
        if self._finished:
            horizon = time.monotonic() - 60.0
            for update_id in [u for u, at in self._finished.items() if at < horizon]:
                del self._finished[update_id]

    async def renew(self, now: float) -> None:
        """This worker's lease, then the leader's: taken when free, given up never (only by stopping)."""
        if not await self.workers.renew(self.id, now, now + self.lease_seconds):
            self.on_lease_lost(f"worker {self.id}: its lease ran out before it was renewed")
            return
        self._renewed_at = now
        holds = await self.workers.hold(LEADER, self.id, now, now + self.lease_seconds)
        if self.leading and not holds:
            self.on_lease_lost(f"worker {self.id}: another worker took the leader's lease")
        elif holds and not self.leading:
            self.leading = True
            log.info("worker %s leads: polling (without a webhook), the outbox and the periodic jobs", self.id)
            if self.on_lead is not None:
                await self.on_lead()
        if self.leading:
            await self.workers.forget_gone(now - 3600)

    def nudge_outbox(self) -> None:
        """A message was queued here (the outbox worker's `notify`): wake the leader's outbox worker, if this
        worker does not lead (then its own worker was woken already)."""
        if not self.leading:
            task = asyncio.create_task(self._signal_outbox(), name="scale-out-nudge")
            self._nudges.add(task)
            task.add_done_callback(self._nudges.discard)

    async def _signal_outbox(self) -> None:
        try:
            await self.db.signal(OUTBOX_CHANNEL)
        except Exception:  # the leader looks at the outbox on its own every IDLE_WAIT seconds anyway
            log.warning("scale-out: signalling the leader's outbox failed", exc_info=True)


def _exit_now(reason: str) -> None:
    """A worker whose lease ran out must not go on: another may be handling its chats already. Exit without
    finishing anything (what it had not finished is another's now); the service manager starts it again."""
    log.critical("%s: exiting now so that no update is handled twice", reason)
    logging.shutdown()
    os._exit(LEASE_LOST_EXIT)


class SharedBudget:
    """The overall limit shared by every worker: a message takes the earliest free slot (1/per_second s each) in
    the next `horizon` seconds of a timetable in the database and waits for its time. Slots are whole: a second
    never holds more than per_second + 1 messages, whichever workers sent them."""

    def __init__(self, workers: WorkerRepository, per_second: int, horizon: float = 2.0) -> None:
        self.workers = workers
        self.per_second = per_second
        self.horizon = horizon
        self._forgotten_at = 0.0

    async def take(self, count: int) -> None:
        """Wait until `count` slots are this process's and the last one has come."""
        last_slot = -1
        while count > 0:
            now = time.time()
            first = math.floor(now * self.per_second)
            slots = await self.workers.reserve_slots(first, first + int(self.horizon * self.per_second), count)
            if slots:
                count -= len(slots)
                last_slot = max(last_slot, slots[-1])
            else:  # the next `horizon` seconds are taken: wait for the first of them to pass
                await asyncio.sleep(1.0 / self.per_second)
            if now - self._forgotten_at > 10.0:
                self._forgotten_at = now
                await self.workers.forget_slots(first - 10 * self.per_second)
        wait = last_slot / self.per_second - time.time()
        if wait > 0:
            await asyncio.sleep(wait)
