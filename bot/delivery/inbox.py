"""Updates survive a killed process.

python-telegram-bot acknowledges updates to Telegram (the next getUpdates offset) as soon as they are
queued, before they are processed, so a process killed mid-update would lose it. Every update is therefore
committed to the inbox table before its offset is sent, the update processor marks it processed, and at
start anything unprocessed is queued again. Handlers recognise a repeated update (the draft remembers the
last update it applied), so a replay asks the current step again instead of doing anything twice.

Commits are shared (issue 8), not one per mark:
- When polling, `put` only stages an update's insert and queues it; the getUpdates request that carries the
  next offset (`InboxGatedRequest`) first commits everything staged, so a whole getUpdates batch is one
  commit, or none when a handler's own transaction committed it first. Nothing is acknowledged uncommitted.
- With a webhook (no getUpdates), the HTTP answer is the acknowledgement, so `put` commits before it returns.
- The processed mark (a delete) rides in the next write transaction, see `InboxRepository.processed`.

With several workers (`shared`, bot/delivery/scale_out.py) the receiving process does not handle what it
receives: each update is committed with its chat, the workers are signalled, and the chat's worker queues it.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

from telegram import Bot, Update

from bot.delivery.transport import AiohttpRequest
from bot.delivery.update_processor import chat_key
from storage.delivery.inbox import InboxRepository

log = logging.getLogger(__name__)


class PersistentUpdateQueue(asyncio.Queue[object]):
    """The Application's update queue: an update is committed before Telegram is told it arrived."""

    def __init__(self, inbox: InboxRepository) -> None:
        super().__init__()
        self.inbox = inbox
        self.polling = False  # set by the getUpdates gate the first time it is used
        self.polled_at: datetime | None = None  # when a getUpdates call last returned (the heartbeat's polled_at)
        self._raw: dict[int, dict[str, Any]] = {}  # update id -> the update as the last getUpdates answer had it
        self.shared = False  # several workers: received updates are only committed; their chat's worker queues them
        self.on_committed: Callable[[], Awaitable[None]] | None = None  # then: signal the workers

    def remember_raw(self, body: bytes) -> None:
        """Keep the updates of a getUpdates answer as Telegram sent them, to store them without rebuilding
        their JSON: `Update.to_dict()` took ~0.6 ms for a press on a message with a keyboard, the stored
        answer's own JSON ~0.04 ms. What the previous answer left (nothing, normally) is dropped."""
        try:
            answer = json.loads(body)
        except ValueError:
            return
        result = answer.get("result") if isinstance(answer, dict) else None
        self._raw = {u["update_id"]: u for u in result if isinstance(u, dict) and "update_id" in u} if isinstance(
            result, list) else {}

    def _payload(self, update: Update) -> dict[str, Any]:
        raw = self._raw.pop(update.update_id, None)
        return raw if raw is not None else update.to_dict()

    async def put(self, item: object) -> None:
        if isinstance(item, Update) and self.shared:
            await self.inbox.receive(item.update_id, self._payload(item), chat_key(item))
            if self.on_committed is not None:
                await self.on_committed()
            return
        if isinstance(item, Update):
            if self.polling:
                self.inbox.stage(item.update_id, self._payload(item), chat_key(item))  # committed before the next getUpdates
                # As when each update was committed here: its handlers see what the bot wrote before it came
                # (e.g. the question a quick reply answers, recorded once Telegram confirmed its send).
                await self.inbox.settled()
            else:
                await self.inbox.receive(item.update_id, self._payload(item), chat_key(item))
        await super().put(item)

    async def requeue(self, item: object) -> None:
        """Queue an update that is already in the inbox (a replay)."""
        await super().put(item)

    def gate(self, **kwargs: Any) -> InboxGatedRequest:
        """The request object for getUpdates (`ApplicationBuilder.get_updates_request`)."""
        return InboxGatedRequest(self, **kwargs)


class InboxGatedRequest(AiohttpRequest):
    """getUpdates' HTTP requests: each first commits the updates staged so far, since its offset
    acknowledges them to Telegram (a failed commit fails the call, and PTB asks again with the same offset)."""

    def __init__(self, queue: PersistentUpdateQueue, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._queue = queue

    async def do_request(self, *args: Any, **kwargs: Any) -> tuple[int, bytes]:
        self._queue.polling = True
        await self._queue.inbox.commit_staged()
        status, body = await super().do_request(*args, **kwargs)
        if status == 200:  # not a 409 (another poller with this token) or a 401 (a revoked token)
            self._queue.polled_at = datetime.now(UTC)
            self._queue.remember_raw(body)
        return status, body


async def replay_unprocessed(inbox: InboxRepository, queue: asyncio.Queue[object], bot: Bot) -> int:
    """Queue again, in order, the updates a previous run received but did not finish."""
    payloads = await inbox.unprocessed()
    for payload in payloads:
        update = Update.de_json(payload, bot)
        if update is not None:
            if isinstance(queue, PersistentUpdateQueue):
                await queue.requeue(update)  # already stored: no second write
            else:
                await queue.put(update)
    if payloads:
        log.info("replaying %d updates left unprocessed by the previous run", len(payloads))
    return len(payloads)
