"""Recruitment links: an organisation's deep link https://t.me/<bot>?start=<payload>, its QR code, and the
sign-ups counted per link.

A payload is "rel_" and 32 characters of `secrets.token_urlsafe` (192 random bits): unguessable, URL-safe and
well within Telegram's 64 characters for a start parameter. A link may name a coordinator, a verified volunteer
of the same organisation, who then also gets the verification cards of those who register through it. A
revoked link registers nobody (`resolve` says None, and the registration goes on without an organisation).
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass

from bot.kernel.refusal import Refusal
from bot.volunteers.outbox_kinds import METHOD_LINK_QR, VolunteerKind
from bot.volunteers.status import VolunteerStatus
from storage.delivery.outbox import REPLY, OutboxMessage, OutboxRepository
from storage.volunteers.links import DuplicatePayload, LinkRepository, LinkRow
from storage.volunteers.organisations import OrganisationRepository, OrganisationRow
from storage.volunteers.volunteers import VolunteerRepository

# What a recruitment link's /start payload looks like: "rel_" and a random URL-safe token (64 characters at
# most, Telegram's limit for a start parameter).
PAYLOAD = re.compile(r"rel_[A-Za-z0-9_-]{16,60}")
TOKEN_BYTES = 24  # 32 characters of base64url
DRAWS = 5  # payloads drawn before giving up (a collision of 192-bit tokens does not happen)


@dataclass(frozen=True, slots=True)
class LinkTarget:
    """What a valid, unrevoked link registers a volunteer into."""

    link_id: int
    organisation_id: int
    organisation_name: str
    organisation_kind: str
    region_code: str
    coordinator_user_id: int | None


@dataclass(frozen=True, slots=True)
class OrganisationSummary:
    """One line of /organisasi: an organisation, its volunteers in the area by status, its links."""

    organisation: OrganisationRow
    verified: int
    pending: int
    links: tuple[LinkRow, ...]


@dataclass(frozen=True, slots=True)
class Overview:
    organisations: tuple[OrganisationSummary, ...]
    individuals_verified: int
    individuals_pending: int


def new_payload() -> str:
    payload = "rel_" + secrets.token_urlsafe(TOKEN_BYTES)
    assert PAYLOAD.fullmatch(payload) and len(payload) <= 64
    return payload


def link_url(bot_username: str, payload: str) -> str:
    """The deep link that opens the bot with the payload."""
    return f"https://t.me/{bot_username.lstrip('@')}?start={payload}"


class RecruitmentService:
    def __init__(self, links: LinkRepository, volunteers: VolunteerRepository,
                 organisations: OrganisationRepository, outbox: OutboxRepository) -> None:
        self.links = links
        self.volunteers = volunteers
        self.organisations = organisations
        self.outbox = outbox
        self.notify: Callable[[], None] = lambda: None  # the outbox worker's, once it runs

    async def create(self, organisation_id: int, created_by: str, *, coordinator_user_id: int | None = None,
                     once: bool = False) -> LinkRow:
        """A new link for an active organisation. Naming a coordinator makes them one; they must be a verified
        volunteer of that organisation. Refusals: an unknown or inactive organisation, an unfit coordinator.
        With `once`, `created_by` names the update that asks (a group's command or press): the same update
        re-delivered gets the link it made."""
        if once and (made := await self.links.by_creator(created_by)) is not None:
            return made
        organisation = await self.links.organisation(organisation_id)
        if organisation is None or not organisation.active:
            raise Refusal("recruitment.organisation_unknown", id=organisation_id)
        if coordinator_user_id is not None:
            coordinator = await self.volunteers.get(coordinator_user_id)
            if (coordinator is None or coordinator.status != VolunteerStatus.VERIFIED
                    or coordinator.organisation_id != organisation_id):
                raise Refusal("recruitment.coordinator_unfit", user_id=coordinator_user_id, name=organisation.name)
        for _ in range(DRAWS):
            try:
                return await self.links.create(organisation_id, new_payload(), coordinator_user_id, created_by)
            except DuplicatePayload:
                continue
        raise RuntimeError("could not draw a unique recruitment payload")

    async def resolve(self, payload: str) -> LinkTarget | None:
        """The link a /start payload names, or None (unknown, malformed, revoked, or its organisation inactive)."""
        if not PAYLOAD.fullmatch(payload or ""):
            return None
        link = await self.links.by_payload(payload)
        if link is None or link.revoked_at is not None or not link.organisation_active:
            return None
        return LinkTarget(link.id, link.organisation_id, link.organisation_name, link.organisation_kind,
                          link.organisation_region, link.coordinator_user_id)

    async def link(self, link_id: int) -> LinkRow | None:
        return await self.links.get(link_id)

    async def by_payload(self, payload: str) -> LinkRow | None:
        return await self.links.by_payload(payload) if PAYLOAD.fullmatch(payload or "") else None

    async def revoke(self, link_id: int) -> LinkRow:
        """Revoke a link. Refusals: no such link, revoked already."""
        link = await self.links.get(link_id)
        if link is None:
            raise Refusal("recruitment.link_unknown")
        if not await self.links.revoke(link_id):
            raise Refusal("recruitment.link_revoked_already")
        return link

    async def links_of(self, organisation_ids: list[int], *, active_only: bool = False) -> list[LinkRow]:
        """The links of some organisations, with their sign-ups, oldest first."""
        return await self.links.of_organisations(organisation_ids, active_only=active_only)

    async def post_qr(self, chat_id: int, link: LinkRow, dedup_key: str, locale: str) -> None:
        """Queue the link's QR code as a photo to a chat (made when sent: the outbox keeps only the link's id)."""
        await self.outbox.add(OutboxMessage(dedup_key, chat_id, METHOD_LINK_QR, {"link_id": link.id, "locale": locale},
                                            kind=VolunteerKind.LINK_QR, priority=REPLY))
        self.notify()

    async def organisation(self, organisation_id: int) -> OrganisationRow | None:
        return await self.links.organisation(organisation_id)

    async def overview(self, region_code: str) -> Overview:
        """The active organisations of a region and below, with their volunteers there by status (verified,
        pending) and their links with sign-ups; and the individual volunteers."""
        organisations = await self.organisations.in_region(region_code)
        counts = await self.volunteers.counts_by_organisation(region_code)
        links = await self.links.of_organisations([o.id for o in organisations])
        by_org: dict[int, list[LinkRow]] = {}
        for link in links:
            by_org.setdefault(link.organisation_id, []).append(link)
        summaries = tuple(
            OrganisationSummary(o, counts.get(o.id, {}).get(VolunteerStatus.VERIFIED, 0),
                                counts.get(o.id, {}).get(VolunteerStatus.PENDING, 0), tuple(by_org.get(o.id, ())))
            for o in organisations
        )
        alone = counts.get(None, {})
        return Overview(summaries, alone.get(VolunteerStatus.VERIFIED, 0), alone.get(VolunteerStatus.PENDING, 0))
