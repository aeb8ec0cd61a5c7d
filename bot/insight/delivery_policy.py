"""Insight's part of the outbox's delivery policy (bot/delivery/policy.py): /statistik's two charts as an album,
/peta's map and /ekspor's file, each made from the database when its row is sent (the row holds only which region,
period or format, in which language), so a restart or a retry makes it again and nothing is made twice."""

from __future__ import annotations

from datetime import datetime

from telegram import Bot, InputFile, InputMediaPhoto
from telegram.constants import ParseMode

from bot.delivery.policy import DeliveryPolicy
from bot.insight.exports import ExportFormat
from bot.insight.service import InsightService
from bot.insight.stats import Period
from bot.insight.texts import region_name
from bot.kernel.refusal import Refusal
from locales import t
from storage.database import utcnow
from storage.delivery.outbox import REPLY, OutboxItem, OutboxMessage

METHOD_CHARTS = "pantau.insight_charts"
METHOD_MAP = "pantau.insight_map"
METHOD_EXPORT = "pantau.insight_export"


def charts_message(chat_id: int, answering: str, region: str | None, period: Period, locale: str,
                   at: datetime) -> OutboxMessage:
    """The charts of the statistics answered to a command or a press (`answering`: which, e.g. its update id or
    "<message id>:<period>", so that a double tap sends them once; `at`: when the statistics were counted)."""
    return OutboxMessage(f"reply:{chat_id}:{answering}:charts", chat_id, METHOD_CHARTS,
                         {"region": region, "period": period.value, "locale": locale, "at": at.isoformat()},
                         kind="reply", priority=REPLY)


def map_message(chat_id: int, update_id: int, region: str | None, locale: str) -> OutboxMessage:
    return OutboxMessage(f"reply:{chat_id}:{update_id}:map", chat_id, METHOD_MAP, {"region": region, "locale": locale},
                         kind="reply", priority=REPLY)


def export_message(chat_id: int, message_id: int, region: str | None, fmt: ExportFormat, locale: str) -> OutboxMessage:
    """The file asked for by a press of the format menu `message_id`: once per menu and format (a double tap)."""
    return OutboxMessage(f"export:{chat_id}:{message_id}:{fmt.value}", chat_id, METHOD_EXPORT,
                         {"region": region, "format": fmt.value, "locale": locale}, kind="reply", priority=REPLY)


class InsightSender:
    def __init__(self, insight: InsightService, bot: Bot) -> None:
        self.insight = insight
        self.bot = bot

    async def charts(self, item: OutboxItem) -> int | None:
        """By category and by day, one album, the figures in its caption; nothing for a region without cases (the
        message before said so)."""
        locale, region = str(item.payload["locale"]), item.payload.get("region")
        made = await self.insight.charts(locale, region, Period(item.payload["period"]),
                                         datetime.fromisoformat(str(item.payload["at"])))
        if made is None:
            return None
        pictures, caption = made
        media = [InputMediaPhoto(p, caption=caption if i == 0 else None, parse_mode=ParseMode.HTML if i == 0 else None)
                 for i, p in enumerate(pictures)]
        messages = await self.bot.send_media_group(item.chat_id, media)
        return messages[0].message_id

    async def map(self, item: OutboxItem) -> int | None:
        locale, region = str(item.payload["locale"]), item.payload.get("region")
        try:
            png, caption = await self.insight.map_png(locale, region)
        except Refusal as exc:  # the boundaries went since the command was answered
            message = await self.bot.send_message(item.chat_id, t(locale, exc.key, **exc.params))
            return message.message_id
        message = await self.bot.send_photo(item.chat_id, png, caption=caption, parse_mode=ParseMode.HTML)
        return message.message_id

    async def export(self, item: OutboxItem) -> int | None:
        """The file, to this group only, protected from forwarding; never with who reported."""
        locale, region = str(item.payload["locale"]), item.payload.get("region")
        made = await self.insight.export(region, ExportFormat(item.payload["format"]), locale)
        day = utcnow().astimezone(self.insight.zone(region)).date()
        caption = t(locale, "insight.export.caption", region=region_name(self.insight.regions, region, locale),
                    date=f"{day:%d/%m/%Y}", count=made.count)
        message = await self.bot.send_document(item.chat_id, InputFile(made.content, filename=made.file_name),
                                               caption=caption, parse_mode=ParseMode.HTML, protect_content=True)
        return message.message_id


def register(policy: DeliveryPolicy, sender: InsightSender) -> None:
    """Add insight's methods to the outbox's policy."""
    policy.add_method(METHOD_CHARTS, sender.charts, cost=lambda item: 2)
    policy.add_method(METHOD_MAP, sender.map)
    policy.add_method(METHOD_EXPORT, sender.export)
