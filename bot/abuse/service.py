"""Bans and flags: who is banned (read again from the database every few seconds, so that an operator's
`python -m bot ban` reaches a running bot, or every worker, without a restart), what a banned person is told
(once), supervisors' ⛔ flags, which the operator decides on, and how fast a person may write or press."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Collection
from enum import Enum

from bot.abuse.flood import FloodGuard, Pace
from storage.abuse.bans import BanRepository, FlaggedReport

log = logging.getLogger(__name__)

REFRESH_SECONDS = 5.0  # how stale the set of banned people may be
BUTTON_BURST, BUTTONS_PER_MINUTE = 60, 240  # presses: far beyond a person's, only a script's are slowed


class Refused(Enum):
    TELL = "tell"  # not told yet: tell them (and `told` once it was sent)
    QUIETLY = "quietly"  # told before: nothing more


class AbuseService:
    def __init__(self, bans: BanRepository, flood: FloodGuard, *, exempt: Collection[int] = (),
                 refresh_seconds: float = REFRESH_SECONDS, clock: Callable[[], float] = time.monotonic) -> None:
        self.bans = bans
        self.flood = flood
        self.buttons = FloodGuard(BUTTONS_PER_MINUTE, BUTTON_BURST, clock=flood.clock)
        self.exempt = frozenset(exempt)  # ADMIN_USER_IDS: never slowed (they cannot be banned either)
        self.refresh_seconds = refresh_seconds
        self.clock = clock
        self._banned: frozenset[int] = frozenset()
        self._read_at: float | None = None
        self._loading = asyncio.Lock()

    async def load(self) -> None:
        """Read who is banned now."""
        self._banned = frozenset(await self.bans.banned_ids())
        self._read_at = self.clock()

    def _stale(self) -> bool:
        return self._read_at is None or self.clock() - self._read_at >= self.refresh_seconds

    async def is_banned(self, user_id: int) -> bool:
        """From the set read at most REFRESH_SECONDS ago; one read refreshes it for every update waiting. If the
        database cannot be read, the set read last holds (logged), and the next update tries again."""
        if self._stale():
            async with self._loading:
                if self._stale():
                    try:
                        await self.load()
                    except Exception:
                        log.warning("reading the bans failed; the ones read before still hold", exc_info=True)
        return user_id in self._banned

    async def refuse(self, user_id: int) -> Refused | None:
        """Count a banned person's update (nothing of it is kept): TELL while they were not told, QUIETLY after;
        None if the ban was lifted meanwhile (the update is handled as anybody's)."""
        told = await self.bans.refused(user_id)
        if told is None:
            await self.load()
            return None
        return Refused.QUIETLY if told else Refused.TELL

    async def told(self, user_id: int) -> None:
        await self.bans.told(user_id)

    def pace(self, user_id: int, album: str | None = None) -> Pace:
        """Whether this person's message comes faster than a person writes (bot/abuse/flood.py)."""
        if user_id in self.exempt:
            return Pace.OK
        verdict = self.flood.pace(user_id, album)
        if verdict is Pace.NOTICE:
            log.info("a person's messages come too fast: slowed (%d slowed so far)", self.flood.slowed)
        return verdict

    def pace_press(self, user_id: int) -> Pace:
        """Whether this person's button presses come faster than anybody presses (a script)."""
        return Pace.OK if user_id in self.exempt else self.buttons.pace(user_id)

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
