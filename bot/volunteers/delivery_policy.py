"""Volunteers' part of the outbox's delivery policy (bot/delivery/policy.py): verification cards rendered when
sent, their refreshes, and recruitment links' QR codes, whose PNG is made again from the link when the row is
sent (the outbox stores JSON: nothing is lost, nothing sent twice). The composition root (bot/app.py)
registers it with a `ChatPoster` (bot/delivery/bot_calls.py)."""

from __future__ import annotations

import logging
from html import escape

from bot.delivery.policy import DeliveryPolicy, KindRule
from bot.volunteers.outbox_kinds import METHOD_CARD, METHOD_LINK_QR, METHOD_REFRESH, VolunteerKind
from bot.volunteers.ports import ChatPoster
from bot.volunteers.qr import qr_png_async
from bot.volunteers.recruitment import RecruitmentService, link_url
from bot.volunteers.verification import VerificationService
from bot.volunteers.verification_card import Audience
from locales import t
from storage.delivery.outbox import OutboxItem

log = logging.getLogger(__name__)

RULES = tuple(KindRule(kind) for kind in VolunteerKind)


class VolunteerSender:
    def __init__(self, verification: VerificationService, recruitment: RecruitmentService, poster: ChatPoster) -> None:
        self.verification = verification
        self.recruitment = recruitment
        self.poster = poster

    async def card(self, item: OutboxItem) -> int | None:
        """A verification card, as the registration is now."""
        audience = Audience(item.payload["audience"])
        locale = await self.verification.card_locale(item.chat_id, audience)
        view = await self.verification.card(int(item.payload["ref"]), audience, locale)
        if view is None:
            return None
        return await self.poster.send_text(item.chat_id, view.text, view.markup())

    async def refresh(self, item: OutboxItem) -> int | None:
        """Another copy of a card edited to the volunteer's status now (nothing if it was never posted)."""
        message_id = await self.verification.card_message(str(item.payload["card_key"]))
        audience = Audience(item.payload["audience"])
        view = await self.verification.card(int(item.payload["ref"]), audience,
                                            await self.verification.card_locale(item.chat_id, audience))
        if message_id is None or view is None:
            return None
        await self.poster.edit_text(item.chat_id, message_id, view.text, view.markup())
        return None

    async def link_qr(self, item: OutboxItem) -> int | None:
        """A recruitment link's QR code, with the link and its organisation in the caption (a link revoked
        meanwhile is not posted)."""
        link = await self.recruitment.link(int(item.payload["link_id"]))
        if link is None or link.revoked_at is not None:
            log.info("QR of link %s not sent: revoked or gone", item.payload["link_id"])
            return None
        url = link_url(self.poster.username(), link.payload)
        locale = str(item.payload.get("locale") or self.verification.group_locale)
        caption = t(locale, "recruitment.qr_caption", organisation=escape(link.organisation_name),
                    kind=t(locale, f"organisations.kind.{link.organisation_kind}"), url=url)
        return await self.poster.send_photo(item.chat_id, await qr_png_async(url), f"{link.payload}.png", caption)


def register(policy: DeliveryPolicy, sender: VolunteerSender) -> None:
    """Add volunteers' methods and kinds to the outbox's policy. Edits cost nothing in a group's minute."""
    policy.add_method(METHOD_CARD, sender.card)
    policy.add_method(METHOD_REFRESH, sender.refresh, cost=lambda _item: 0)
    policy.add_method(METHOD_LINK_QR, sender.link_qr)
    policy.add_kinds(RULES)
