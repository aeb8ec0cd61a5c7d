"""Verifying volunteers: a card in the supervisors group of the volunteer's region (or the one above it) with
✅ / ❌, pressable only by that group's members, or a verified coordinator of the same organisation; and the
volunteer told of each status change in their language.

`registered` runs inside the registration's transaction and queues the cards (outbox); `decide` changes the
status once (a double tap, or two deciders at once: the second is told who was first), in one transaction with
the volunteer's notice and the refresh of the card's other copies. Cards are rendered when sent, so a card
that waited shows the registration as it is then.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from enum import StrEnum
from html import escape

from bot.regions.directory import RegionDirectory
from bot.volunteers.outbox_kinds import METHOD_CARD, METHOD_REFRESH, VolunteerKind
from bot.volunteers.ports import SupervisorGroups
from bot.volunteers.service import VolunteerService
from bot.volunteers.status import VolunteerStatus
from bot.volunteers.verification_card import Audience, CardView, reference, region_path, render_card
from locales import t
from storage.database import Database, Tx, iso, utcnow
from storage.delivery.outbox import REPLY, OutboxMessage, enqueue
from storage.volunteers.links import LinkRepository
from storage.volunteers.verification import Decision, VerificationRepository
from storage.volunteers.volunteers import VolunteerRow

log = logging.getLogger(__name__)


class Verdict(StrEnum):
    VERIFY = "verify"
    REJECT = "reject"
    SUSPEND = "suspend"
    REACTIVATE = "reactivate"


# Each verdict: the status it applies to, and the one it gives.
VERDICTS: dict[Verdict, tuple[VolunteerStatus, VolunteerStatus]] = {
    Verdict.VERIFY: (VolunteerStatus.PENDING, VolunteerStatus.VERIFIED),
    Verdict.REJECT: (VolunteerStatus.PENDING, VolunteerStatus.REJECTED),
    Verdict.SUSPEND: (VolunteerStatus.VERIFIED, VolunteerStatus.SUSPENDED),
    Verdict.REACTIVATE: (VolunteerStatus.SUSPENDED, VolunteerStatus.VERIFIED),
}
COORDINATOR_VERDICTS = (Verdict.VERIFY, Verdict.REJECT)


@dataclass(frozen=True, slots=True)
class Decider:
    """Who pressed: a member of a supervisors group (chat_id the group), or a coordinator (their private chat)."""

    user_id: int
    name: str  # a supervisor's first name, shown on the card (a coordinator is shown by their reference)
    chat_id: int
    as_coordinator: bool = False

    @property
    def actor(self) -> str:
        """`volunteers.status_by`."""
        if self.as_coordinator:
            return f"coordinator:{self.user_id}"
        return f"group:{self.chat_id}:{self.user_id}"


@dataclass(frozen=True, slots=True)
class Outcome:
    """What a press did. `refusal`: a locale key (nothing changed, the presser may not); `changed` False without
    a refusal: somebody decided first (`decision` says who), or the card was stale."""

    changed: bool
    volunteer: VolunteerRow | None = None
    decision: Decision | None = None
    refusal: str | None = None


class VerificationService:
    def __init__(
        self, db: Database, repo: VerificationRepository, volunteers: VolunteerService, links: LinkRepository,
        groups: SupervisorGroups, regions: RegionDirectory, *, locale: Callable[[int], Awaitable[str]],
        group_locale: str,
    ) -> None:
        self.db = db
        self.repo = repo
        self.volunteers = volunteers
        self.links = links
        self.groups = groups
        self.regions = regions
        self.locale = locale  # a volunteer's (or coordinator's) language
        self.group_locale = group_locale
        self.notify: Callable[[], None] = lambda: None  # the outbox worker's, once it runs

    # ---- a new registration -------------------------------------------------------------------

    async def registered(self, tx: Tx, volunteer: VolunteerRow) -> None:
        """Inside the registration's transaction: queue the card to the supervisors group(s) of the volunteer's
        region (or the nearest region above with one), and to the link's coordinator if the volunteer came by
        a link that names one (a verified coordinator of the same organisation)."""
        ref = await self.repo.ref_of(tx, volunteer.user_id)
        await self.repo.forget_decision(tx, volunteer.user_id)
        event = await self.repo.last_event(tx, volunteer.user_id)
        groups = await self.groups.for_region(volunteer.region_code)
        if not groups:
            log.warning("no supervisors group (nor admin chat) for %s: REL-%s waits for a coordinator",
                        volunteer.region_code, ref)
        for chat_id in groups:
            await self._queue_card(tx, ref, event, chat_id, Audience.GROUP)
        coordinator = await self._link_coordinator(volunteer)
        if coordinator is not None:
            await self._queue_card(tx, ref, event, coordinator.chat_id, Audience.COORDINATOR)
            # The coordinator's card shows the volunteer's name: a look at their identity, logged.
            await self.repo.log_identity(coordinator.user_id, volunteer.user_id, coordinator.chat_id,
                                         "coordinator_card", tx)

    async def post_waiting(self) -> int:
        """Cards for pending volunteers that no group could get when they registered, to the group that covers
        their region now (registered since). How many volunteers got one; run every few minutes."""
        posted = 0
        for user_id in await self.repo.pending_without_group_card():
            volunteer = await self.volunteers.get(user_id)
            groups = await self.groups.for_region(volunteer.region_code) if volunteer is not None else []
            if volunteer is None or not groups:
                continue
            async with self.db.transaction() as tx:
                if await self.repo.status_in(tx, user_id) != VolunteerStatus.PENDING:  # decided meanwhile
                    continue
                ref = await self.repo.ref_of(tx, user_id)
                event = await self.repo.last_event(tx, user_id)
                for chat_id in groups:
                    await self._queue_card(tx, ref, event, chat_id, Audience.GROUP)
            posted += 1
        if posted:
            self.notify()
        return posted

    async def _queue_card(self, tx: Tx, ref: int, event: int, chat_id: int, audience: Audience) -> None:
        key = f"vv:card:{ref}:{event}:{chat_id}"
        await self.repo.add_card(tx, ref, chat_id, audience, key)
        await enqueue(tx, OutboxMessage(key, chat_id, METHOD_CARD, {"ref": ref, "audience": audience.value},
                                        kind=VolunteerKind.CARD))

    async def _link_coordinator(self, volunteer: VolunteerRow) -> VolunteerRow | None:
        if volunteer.link_id is None or volunteer.organisation_id is None:
            return None
        link = await self.links.get(volunteer.link_id)
        if link is None or link.coordinator_user_id is None or link.coordinator_user_id == volunteer.user_id:
            return None
        coordinator = await self.volunteers.get(link.coordinator_user_id)
        if coordinator is None or not self._coordinates(coordinator, volunteer):
            return None
        return coordinator

    @staticmethod
    def _coordinates(coordinator: VolunteerRow, volunteer: VolunteerRow) -> bool:
        """A verified coordinator of the volunteer's own organisation."""
        return (coordinator.coordinator and coordinator.status == VolunteerStatus.VERIFIED
                and coordinator.organisation_id is not None
                and coordinator.organisation_id == volunteer.organisation_id
                and coordinator.user_id != volunteer.user_id)

    # ---- a press on a card --------------------------------------------------------------------

    async def _target(self, ref: int) -> VolunteerRow | None:
        user_id = await self.repo.user_of(ref)
        return await self.volunteers.get(user_id) if user_id is not None else None

    async def _may_decide(self, volunteer: VolunteerRow, decider: Decider, verdict: Verdict | None) -> str | None:
        """None if the decider may press this card's button; else the locale key that says why not."""
        if decider.as_coordinator:
            coordinator = await self.volunteers.get(decider.user_id)
            if coordinator is None or decider.chat_id != decider.user_id or not self._coordinates(coordinator,
                                                                                                volunteer):
                return "verification.not_your_organisation"
            if verdict is not None and verdict not in COORDINATOR_VERDICTS:
                return "verification.not_allowed"
            return None
        if not await self.groups.covers(decider.chat_id, volunteer.region_code):
            return "verification.not_allowed"
        return None

    async def decide(self, ref: int, verdict: Verdict, decider: Decider) -> Outcome:
        """Apply a verdict from a card, once. The membership of a group's presser is checked by the handler
        before (bot/supervision/membership.py); whether this chat or coordinator may decide for this volunteer
        is checked here, on every press."""
        volunteer = await self._target(ref)
        if volunteer is None:
            return Outcome(False, refusal="verification.unknown")
        refusal = await self._may_decide(volunteer, decider, verdict)
        if refusal is not None:
            return Outcome(False, volunteer, refusal=refusal)
        before, after = VERDICTS[verdict]
        async with self.db.transaction() as tx:
            if await self.repo.status_in(tx, volunteer.user_id) != before or not await self.volunteers.set_status(
                volunteer.user_id, after, decider.actor, tx=tx
            ):
                changed = False
            else:
                changed = True
                # A coordinator is a volunteer: groups see their reference, never their name.
                name = (reference(await self.repo.ref_of(tx, decider.user_id)) if decider.as_coordinator
                        else decider.name)
                decision = Decision(volunteer.user_id, after.value, decider.user_id, name, decider.chat_id,
                                    decider.as_coordinator, iso(utcnow()))
                await self.repo.record_decision(tx, decision)
                event = await self.repo.last_event(tx, volunteer.user_id)
                await self._notice(tx, volunteer, verdict, event)
                await self._refresh_others(tx, ref, event, pressed_chat=decider.chat_id)
        fresh = await self.volunteers.get(volunteer.user_id)
        if changed:
            self.notify()
        return Outcome(changed, fresh, await self.repo.decision(volunteer.user_id))

    async def _notice(self, tx: Tx, volunteer: VolunteerRow, verdict: Verdict, event: int) -> None:
        """The volunteer told of the change, in their language."""
        locale = await self.locale(volunteer.user_id)
        organisation = (await self.repo.organisation_name(volunteer.organisation_id)
                        if volunteer.organisation_id is not None else None)
        text = t(locale, f"verification.notice.{verdict}",
                 organisation=escape(organisation) if organisation else t(locale, "verification.individual"))
        await enqueue(tx, OutboxMessage(f"vv:notice:{volunteer.user_id}:{event}", volunteer.chat_id, "sendMessage",
                                        {"text": text}, kind=VolunteerKind.NOTICE))

    async def _refresh_others(self, tx: Tx, ref: int, event: int, *, pressed_chat: int) -> None:
        """Every other copy of the card (other groups, the coordinator's) edited to the new status when sent;
        the pressed one is edited by the handler at once."""
        for card in await self.repo.cards(tx, ref):
            if card.chat_id == pressed_chat:
                continue
            await enqueue(tx, OutboxMessage(
                f"vv:refresh:{card.dedup_key}:{event}", card.chat_id, METHOD_REFRESH,
                {"ref": ref, "audience": card.audience, "card_key": card.dedup_key}, kind=VolunteerKind.CARD_REFRESH,
                priority=REPLY,
            ))

    # ---- what cards show ----------------------------------------------------------------------

    async def card(self, ref: int, audience: Audience, locale: str | None = None) -> CardView | None:
        """The card as it is now (None: no such volunteer any more)."""
        volunteer = await self._target(ref)
        if volunteer is None:
            return None
        organisation = (await self.repo.organisation_name(volunteer.organisation_id)
                        if volunteer.organisation_id is not None else None)
        return render_card(volunteer, ref, audience=audience, locale=locale or self.group_locale,
                           regions=self.regions, organisation_name=organisation,
                           decision=await self.repo.decision(volunteer.user_id))

    async def card_locale(self, chat_id: int, audience: Audience) -> str:
        """Groups read the deployment's language; a coordinator their own."""
        return await self.locale(chat_id) if audience is Audience.COORDINATOR else self.group_locale

    async def card_message(self, card_key: str) -> int | None:
        return await self.repo.card_message(card_key)

    # ---- identity -----------------------------------------------------------------------------

    async def identity(self, ref: int, viewer: Decider) -> tuple[VolunteerRow | None, int | None, str | None]:
        """(volunteer, identity log id, refusal key): a member of a group that covers the volunteer's region
        asks for their name and phone; the look is logged before it is shown."""
        volunteer = await self._target(ref)
        if volunteer is None:
            return None, None, "verification.unknown"
        if viewer.as_coordinator:  # a coordinator's card shows the name already, never the phone
            return volunteer, None, "verification.not_allowed"
        refusal = await self._may_decide(volunteer, viewer, None)
        if refusal is not None:
            return volunteer, None, refusal
        log_id = await self.repo.log_identity(viewer.user_id, volunteer.user_id, viewer.chat_id, "card")
        return volunteer, log_id, None

    async def identity_shown(self, log_id: int, reached: bool) -> None:
        await self.repo.identity_outcome(log_id, "sent" if reached else "unreachable")

    async def identity_text(self, volunteer: VolunteerRow, ref: int, locale: str) -> str:
        organisation = (await self.repo.organisation_name(volunteer.organisation_id)
                        if volunteer.organisation_id is not None else None)
        return t(locale, "verification.identity_text", ref=reference(ref), name=escape(volunteer.full_name),
                 phone=escape(volunteer.phone),
                 checked=t(locale, "verification.phone_checked" if volunteer.phone_checked
                           else "verification.phone_typed"),
                 organisation=escape(organisation or t(locale, "verification.individual")),
                 region=escape(region_path(self.regions, volunteer.region_code)))
