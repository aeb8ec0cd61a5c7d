"""Updates survive a killed process.

python-telegram-bot acknowledges updates to Telegram (the next getUpdates offset) as soon as they are
queued, before they are processed, so a process killed mid-update would lose it. The queue below commits
each update to the inbox table before it is queued, the update processor marks it processed, and at start
anything unprocessed is queued again. Handlers recognise a repeated update (the draft remembers the last
update it applied), so a replay asks the current step again instead of doing anything twice.
"""

from __future__ import annotations

import asyncio
import logging

from telegram import Bot, Update

from storage.delivery.inbox import InboxRepository

log = logging.getLogger(__name__)


class PersistentUpdateQueue(asyncio.Queue[object]):
    """The Application's update queue: `put` returns only once the update is safely stored."""

    def __init__(self, inbox: InboxRepository) -> None:
        super().__init__()
        self.inbox = inbox

    async def put(self, item: object) -> None:
        if isinstance(item, Update):
            await self.inbox.receive(item.update_id, item.to_dict())
        await super().put(item)


async def replay_unprocessed(inbox: InboxRepository, queue: asyncio.Queue[object], bot: Bot) -> int:
    """Queue again, in order, the updates a previous run received but did not finish."""
    payloads = await inbox.unprocessed()
    for payload in payloads:
        update = Update.de_json(payload, bot)
        if update is not None:
            await queue.put(update)
    if payloads:
        log.info("replaying %d updates left unprocessed by the previous run", len(payloads))
    return len(payloads)
