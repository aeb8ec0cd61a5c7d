"""The privacy feature's part of the outbox's delivery policy (bot/delivery/policy.py): /datasaya's summary and JSON
document, made from the database when the row is sent (the outbox row holds only whose data, in which language).
The composition root (bot/app.py) registers it with a `DocumentPoster` (bot/delivery/bot_calls.py)."""

from __future__ import annotations

from bot.delivery.policy import DeliveryPolicy
from bot.privacy.outbox_kinds import METHOD_MYDATA_DOCUMENT, METHOD_MYDATA_SUMMARY
from bot.privacy.ports import DocumentPoster
from bot.privacy.service import PrivacyService
from bot.privacy.texts import document, local_date, summary
from locales import t
from storage.database import utcnow
from storage.delivery.outbox import OutboxItem


class PrivacySender:
    def __init__(self, privacy: PrivacyService, poster: DocumentPoster) -> None:
        self.privacy = privacy
        self.poster = poster

    async def summary(self, item: OutboxItem) -> int | None:
        """Everything stored about the person, summarised in one message."""
        locale = str(item.payload["locale"])
        data = await self.privacy.collect(int(item.payload["user_id"]))
        return await self.poster.send_text(item.chat_id, summary(data, self.privacy.regions, locale), None)

    async def document(self, item: OutboxItem) -> int | None:
        """Everything stored about the person, in full, as a JSON file (nothing when nothing is stored)."""
        locale = str(item.payload["locale"])
        data = await self.privacy.collect(int(item.payload["user_id"]))
        if data.empty:
            return None
        now = utcnow()
        day = local_date(now, self.privacy.zone)
        content = document(data, self.privacy.regions, locale, now)
        return await self.poster.send_document(item.chat_id, content, t(locale, "privacy.mydata.filename", date=day),
                                               t(locale, "privacy.mydata.caption", date=day))


def register(policy: DeliveryPolicy, sender: PrivacySender) -> None:
    """Add the privacy feature's methods to the outbox's policy."""
    policy.add_method(METHOD_MYDATA_SUMMARY, sender.summary)
    policy.add_method(METHOD_MYDATA_DOCUMENT, sender.document)
