"""Bans and flags: who is banned (read again from the database every few seconds, so that an operator's
`python -m bot ban` reaches a running bot, or every worker, without a restart), what a banned person is told
(once), and supervisors' ⛔ flags, which the operator decides on."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from enum import Enum

from bot.abuse.flood import FloodGuard, Pace
from storage.abuse.bans import BanRepository, FlaggedReport

log = logging.getLogger(__name__)

REFRESH_SECONDS = 5.0  # how stale the set of banned people may be


class Refused(Enum):
    TELL = "tell"  # the first update since the ban: tell them, once
    QUIETLY = "quietly"  # told before: nothing more


class AbuseService:
    def __init__(self, bans: BanRepository, flood: FloodGuard, *, refresh_seconds: float = REFRESH_SECONDS,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.bans = bans
        self.flood = flood
        self.refresh_seconds = refresh_seconds
        self.clock = clock
        self._banned: frozenset[int] = frozenset()
        self._read_at: float | None = None

    async def load(self) -> None:
        """Read who is banned now."""
        self._banned = frozenset(await self.bans.banned_ids())
        self._read_at = self.clock()

    async def is_banned(self, user_id: int) -> bool:
        if self._read_at is None or self.clock() - self._read_at >= self.refresh_seconds:
            await self.load()
        return user_id in self._banned

    async def refuse(self, user_id: int) -> Refused | None:
        """Count a banned person's update (nothing of it is kept): TELL the first time, QUIETLY after; None if
        the ban was lifted meanwhile (the update is handled as anybody's)."""
        count = await self.bans.refused(user_id)
        if count is None:
            await self.load()
            return None
        return Refused.TELL if count == 1 else Refused.QUIETLY

    def pace(self, user_id: int) -> Pace:
        """Whether this person's message comes faster than a person writes (bot/abuse/flood.py)."""
        verdict = self.flood.pace(user_id)
        if verdict is Pace.NOTICE:
            log.info("a person's messages come too fast: slowed (%d slowed so far)", self.flood.slowed)
        return verdict

    async def ban(self, user_id: int, reason: str, actor: str) -> bool:
        new = await self.bans.ban(user_id, reason, actor)
        await self.load()
        return new

    async def unban(self, user_id: int, actor: str) -> bool:
        lifted = await self.bans.unban(user_id, actor)
        await self.load()
        return lifted

    async def flag(self, report_id: int, supervisor_id: int) -> bool:
        """A supervisor's ⛔ on a report's card: True the first time this supervisor flags it."""
        return await self.bans.flag(report_id, supervisor_id)

    async def flagged(self, limit: int = 100) -> list[FlaggedReport]:
        return await self.bans.flagged(limit)
