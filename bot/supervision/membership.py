"""Only current members of a group act on the cases posted there.

Anyone can read a public supergroup and press its buttons, so every triage press, every reply to the bot's
prompts in a group and `/kasus`/`/antrian` first ask Telegram (getChatMember) whether the sender is a member
of that chat now. A positive answer is kept for a short while per (chat, user); a `chat_member` update or a
refusal forgets it, and a non-member answer is never kept, so a refused person is asked about again next time.

The rule knows nothing of Telegram's types: the composition root hands in a `MemberLookup`.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from enum import StrEnum

from storage.supervision.repository import SupervisionRepository

log = logging.getLogger(__name__)

MEMBER_CACHE_SECONDS = 90.0


class MemberStatus(StrEnum):
    """A person's status in a chat, as Telegram names it (plus UNKNOWN: Telegram could not be asked)."""

    CREATOR = "creator"
    ADMINISTRATOR = "administrator"
    MEMBER = "member"
    RESTRICTED = "restricted"
    LEFT = "left"
    BANNED = "kicked"
    UNKNOWN = "unknown"


class Attempt(StrEnum):
    """What a person tried to do in a group."""

    PRESS = "press"  # a button of a card or a digest
    REPLY = "reply"  # a reply to one of the bot's prompts
    COMMAND = "command"  # /kasus, /antrian


@dataclass(frozen=True, slots=True)
class Membership:
    status: MemberStatus
    is_member: bool = False  # Telegram's flag of a restricted member

    @property
    def current(self) -> bool:
        """Creator, administrator, member, or restricted but still a member."""
        if self.status is MemberStatus.RESTRICTED:
            return self.is_member
        return self.status in (MemberStatus.CREATOR, MemberStatus.ADMINISTRATOR, MemberStatus.MEMBER)


@dataclass(frozen=True, slots=True)
class Admission:
    """The answer to "may this person act in this chat?"."""

    membership: Membership
    attempt: Attempt
    cached: bool = False

    @property
    def allowed(self) -> bool:
        return self.membership.current

    @property
    def refusal_key(self) -> str:
        """The locale key that tells a refused person why."""
        if self.membership.status is MemberStatus.UNKNOWN:
            return "triage.member_check_failed"
        return "cases.members_only" if self.attempt is Attempt.COMMAND else "triage.members_only"


class MemberLookupFailed(Exception):
    """Telegram could not say (network, timeout, the bot no longer in the chat…)."""


MemberLookup = Callable[[int, int], Awaitable[Membership]]  # (chat id, user id) -> Membership


class MembershipService:
    def __init__(
        self,
        repo: SupervisionRepository | None = None,
        lookup: MemberLookup | None = None,
        *,
        ttl: float = MEMBER_CACHE_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.repo = repo
        self.lookup = lookup
        self.ttl = ttl
        self.clock = clock
        self._members: dict[tuple[int, int], float] = {}  # (chat, user) -> until when "member" holds

    async def membership(self, chat_id: int, user_id: int) -> tuple[Membership, bool]:
        """(membership, whether it came from the cache). A private chat's only member is its user."""
        if chat_id > 0:
            return Membership(MemberStatus.MEMBER if user_id == chat_id else MemberStatus.LEFT), False
        key = (chat_id, user_id)
        until = self._members.get(key)
        if until is not None and until > self.clock():
            return Membership(MemberStatus.MEMBER), True
        self._members.pop(key, None)
        if self.lookup is None:
            return Membership(MemberStatus.UNKNOWN), False
        try:
            found = await self.lookup(chat_id, user_id)
        except MemberLookupFailed as exc:
            log.warning("could not check membership of %s in %s: %s", user_id, chat_id, exc)
            return Membership(MemberStatus.UNKNOWN), False
        if found.current:
            self._members[key] = self.clock() + self.ttl
        return found, False

    async def admit(
        self, chat_id: int, user_id: int, attempt: Attempt, *, action: str = "", report_id: int | None = None
    ) -> Admission:
        """Whether `user_id` may do `attempt` in `chat_id` now. A refusal is logged and recorded."""
        membership, cached = await self.membership(chat_id, user_id)
        admission = Admission(membership, attempt, cached)
        if not admission.allowed:
            self.forget(chat_id, user_id)
            log.warning("%s refused in %s: user %s is not a member (%s); %s on report %s", attempt, chat_id, user_id,
                        membership.status, action or "-", report_id)
            if self.repo is not None:
                await self.repo.log_refusal(chat_id, user_id, attempt, action, report_id, membership.status)
        return admission

    def forget(self, chat_id: int, user_id: int) -> None:
        """Ask Telegram again next time (a `chat_member` update, or a refusal)."""
        self._members.pop((chat_id, user_id), None)

    def forget_chat(self, chat_id: int) -> None:
        """Forget everyone of a chat (the bot left it, or it became a supergroup)."""
        for key in [k for k in self._members if k[0] == chat_id]:
            del self._members[key]
