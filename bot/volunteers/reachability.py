"""Which volunteers the bot cannot write to, kept in memory so that noticing one who writes again costs nothing
for everyone else.

A broadcast row refused with 403 (the user blocked the bot, the account is gone) or "chat not found" marks its
volunteer unreachable (`recipient_unreachable`, the outbox worker's port, wired in bot/app.py): later broadcasts
skip them (`VolunteerService.recipients` takes only reachable volunteers). A volunteer who writes to the bot again
in a private chat is reachable again (`wrote`, called by handlers/volunteers/reachability.py). The set of
unreachable user ids is loaded at start and kept up to date by both, so a message from anyone who is not an
unreachable volunteer is a set look-up, with no database write.
"""

from __future__ import annotations

import logging

from bot.volunteers.service import VolunteerService
from storage.delivery.outbox import OutboxItem

log = logging.getLogger(__name__)


class Reachability:
    def __init__(self, volunteers: VolunteerService) -> None:
        self.volunteers = volunteers
        self._unreachable: set[int] = set()

    async def load(self) -> None:
        """At start: the volunteers marked unreachable in the database."""
        self._unreachable = set(await self.volunteers.unreachable_ids())

    def is_unreachable(self, user_id: int) -> bool:
        return user_id in self._unreachable

    async def unreachable(self, user_id: int) -> bool:
        """Telegram refused a message to the volunteer for good. True if they were reachable until now."""
        changed = await self.volunteers.unreachable(user_id)
        if changed or await self.volunteers.get(user_id) is not None:
            self._unreachable.add(user_id)
        return changed

    async def recipient_unreachable(self, item: OutboxItem) -> None:
        """The outbox worker's port for a broadcast row refused with 403 or "chat not found". Broadcasts go to
        private chats, whose id is the person's user id."""
        if item.chat_id > 0 and await self.unreachable(item.chat_id):
            log.info("volunteer %s is unreachable (%s): skipped by later broadcasts", item.chat_id, item.batch)

    async def wrote(self, user_id: int) -> bool:
        """The person wrote to the bot in a private chat. True if they were an unreachable volunteer, now
        reachable again."""
        if user_id not in self._unreachable:
            return False
        self._unreachable.discard(user_id)
        changed = await self.volunteers.reachable_again(user_id)
        if changed:
            log.info("volunteer %s wrote again: reachable", user_id)
        return changed
