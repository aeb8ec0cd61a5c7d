"""Delivers the outbox: every queued message is sent and marked sent, surviving errors and restarts.

A message is marked sent only after Telegram accepted it, so a crash in between can send it twice; nothing
is ever dropped silently. Errors are handled by kind: 429 waits `retry_after`; network errors, timeouts and
5xx retry with exponential backoff; a request Telegram will never accept (403, bad request) is marked dead
and logged.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import warnings
from collections import defaultdict
from datetime import datetime, timedelta

from telegram import Bot, Message
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError
from telegram.warnings import PTBDeprecationWarning, PTBUserWarning

from storage.database import utcnow
from storage.outbox import OutboxItem, OutboxRepository

log = logging.getLogger(__name__)

MAX_BACKOFF = timedelta(minutes=5)
IDLE_WAIT = 30.0  # seconds between looks at the outbox when nobody wakes the worker


def backoff(attempts: int) -> timedelta:
    """Delay before the next try after `attempts` failed ones: 1 s, 2 s, 4 s … up to five minutes."""
    return min(timedelta(seconds=2 ** min(attempts, 16)), MAX_BACKOFF)


class OutboxWorker:
    def __init__(self, outbox: OutboxRepository, bot: Bot, *, batch: int = 100) -> None:
        self.outbox = outbox
        self.bot = bot
        self.batch = batch
        self._wake = asyncio.Event()
        self._idle = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self.delivered = 0

    def notify(self) -> None:
        """Something was queued: look at the outbox now."""
        self._idle.clear()
        self._wake.set()

    async def wait_idle(self) -> None:
        """Return once a look at the outbox found nothing due (everything sent, or waiting to retry)."""
        self.notify()
        await self._idle.wait()

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="outbox-worker")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _run(self) -> None:
        while True:
            self._wake.clear()
            try:
                sent_any = await self.deliver_due()
            except Exception:  # the worker must outlive a broken database read or a bug in one message
                log.exception("outbox pass failed")
                sent_any = False
            if sent_any:
                continue
            if not self._wake.is_set():
                self._idle.set()
            await self._sleep_until_due()

    async def _sleep_until_due(self) -> None:
        timeout = IDLE_WAIT
        next_at = await self.outbox.next_attempt_at()
        if next_at is not None:
            timeout = max(0.0, min(IDLE_WAIT, (datetime.fromisoformat(next_at) - utcnow()).total_seconds()))
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wake.wait(), timeout=timeout)

    async def deliver_due(self) -> bool:
        """Send what is due, chats in parallel, each chat's messages in order. True if anything was tried."""
        items = await self.outbox.due(utcnow(), self.batch)
        if not items:
            return False
        by_chat: dict[int, list[OutboxItem]] = defaultdict(list)
        for item in items:
            by_chat[item.chat_id].append(item)
        await asyncio.gather(*(self._deliver_chat(chat_items) for chat_items in by_chat.values()))
        return True

    async def _deliver_chat(self, items: list[OutboxItem]) -> None:
        for item in items:
            if not await self._deliver(item):
                return  # keep this chat's order: the rest waits for the failed one

    async def _call(self, item: OutboxItem) -> object:
        """The Bot API call an item stands for: PTB's own method where there is one, else a raw request."""
        if item.method == "sendMessage":
            return await self.bot.send_message(chat_id=item.chat_id, **item.payload)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", PTBUserWarning)  # a raw request on purpose: the payload is stored JSON
            return await self.bot.do_api_request(
                item.method, api_kwargs={"chat_id": item.chat_id, **item.payload}, return_type=Message
            )

    async def _deliver(self, item: OutboxItem) -> bool:
        try:
            result = await self._call(item)
        except RetryAfter as exc:
            with warnings.catch_warnings():  # PTB 22.2+ warns that retry_after will become a timedelta
                warnings.simplefilter("ignore", PTBDeprecationWarning)
                wait = exc.retry_after
            delay = wait if isinstance(wait, timedelta) else timedelta(seconds=wait)
            await self.outbox.retry_later(item.id, utcnow() + delay, f"429 retry after {delay}")
            return False
        except (Forbidden, BadRequest) as exc:
            log.warning("outbox message %s to %s refused for good: %s", item.dedup_key, item.chat_id, exc.message)
            await self.outbox.mark_dead(item.id, f"{type(exc).__name__}: {exc.message}")
            return True
        except (NetworkError, TelegramError) as exc:  # timeouts, 5xx, connection errors
            await self.outbox.retry_later(item.id, utcnow() + backoff(item.attempts), f"{type(exc).__name__}: {exc}")
            return False
        message_id = None
        if isinstance(result, Message):
            message_id = result.message_id
        elif isinstance(result, tuple) and result and isinstance(result[0], Message):
            message_id = result[0].message_id
        await self.outbox.mark_sent(item.id, message_id)
        self.delivered += 1
        return True
