"""Insight's part of the outbox's delivery policy (bot/delivery/policy.py): /statistik's two charts as an album,
/peta's map and /ekspor's file, each made from the database when its row is sent (the row holds only which region,
period or format, in which language), so a restart or a retry makes it again and nothing is made twice."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, InputFile, InputMediaPhoto, ReplyParameters
from telegram.constants import ParseMode
from telegram.error import BadRequest

from bot.delivery.policy import DeliveryPolicy
from bot.insight.actions import InsightAction
from bot.insight.exports import ExportFormat
from bot.insight.service import InsightService
from bot.insight.stats import Period
from bot.insight.texts import region_name
from bot.kernel.callbacks import encode
from bot.kernel.refusal import Refusal
from locales import t
from storage.database import utcnow
from storage.delivery.outbox import REPLY, OutboxItem, OutboxMessage

METHOD_STATS = "pantau.insight_statistics"
METHOD_CHARTS = "pantau.insight_charts"
METHOD_MAP = "pantau.insight_map"
METHOD_EXPORT = "pantau.insight_export"
MIB = 1024 * 1024
MAX_UPLOAD = 49 * MIB  # Telegram's bots upload files of at most 50 MB
UPLOAD_BYTES_PER_S = 256 * 1024  # the slowest upload allowed for: a 13 MB province export may take 52 s


def statistics_messages(chat_id: int, region: str | None, period: Period, locale: str, *, update_id: int,
                        reply_to: int | None = None, editing: int | None = None) -> list[OutboxMessage]:
    """The statistics as of now (counted when sent, off the handler: a province takes seconds), then their charts,
    in that order (one priority: a chat's rows go out in order). A command's answer replies to it (`reply_to`); a
    period pressed edits its message (`editing`), once per message, period and minute (a double tap)."""
    at = utcnow()
    payload: dict[str, Any] = {"region": region, "period": period.value, "locale": locale, "at": at.isoformat()}
    key = f"reply:{chat_id}:{update_id}" if editing is None else f"stats:{chat_id}:{editing}:{period.value}:{at:%H%M}"
    text = {**payload, **({"edit": editing} if editing is not None else {}),
            **({"reply_to": reply_to} if reply_to is not None else {})}
    return [OutboxMessage(f"{key}:text", chat_id, METHOD_STATS, text, kind="reply", priority=REPLY),
            OutboxMessage(f"{key}:charts", chat_id, METHOD_CHARTS, payload, kind="reply", priority=REPLY)]


def period_markup(locale: str, current: Period) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[
        InlineKeyboardButton(("• " if p is current else "") + t(locale, f"insight.period.{p.value}"),
                             callback_data=encode(InsightAction.PERIOD, p.value))
        for p in Period]])


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

    async def statistics(self, item: OutboxItem) -> int | None:
        """The statistics message with its period buttons: sent, or (a period pressed) its message edited."""
        locale, region, period = str(item.payload["locale"]), item.payload.get("region"), Period(item.payload["period"])
        text, _, _ = await self.insight.statistics_text(locale, region, period,
                                                        datetime.fromisoformat(str(item.payload["at"])))
        markup = period_markup(locale, period)
        editing = item.payload.get("edit")
        if editing is not None:
            try:
                await self.bot.edit_message_text(text, item.chat_id, int(editing), parse_mode=ParseMode.HTML,
                                                 reply_markup=markup)
            except BadRequest as exc:
                if "not modified" not in exc.message.lower():
                    raise
            return int(editing)
        reply_to = item.payload.get("reply_to")
        message = await self.bot.send_message(
            item.chat_id, text, parse_mode=ParseMode.HTML, reply_markup=markup,
            reply_parameters=ReplyParameters(int(reply_to), allow_sending_without_reply=True) if reply_to else None)
        return message.message_id

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
        if len(made.content) > MAX_UPLOAD:  # Telegram refuses it: say so rather than fail quietly
            message = await self.bot.send_message(item.chat_id, t(locale, "insight.export.too_large", count=made.count,
                                                                  size=f"{len(made.content) / MIB:.0f}"))
            return message.message_id
        day = utcnow().astimezone(self.insight.zone(region)).date()
        caption = t(locale, "insight.export.caption", region=region_name(self.insight.regions, region, locale),
                    date=f"{day:%d/%m/%Y}", count=made.count)
        message = await self.bot.send_document(item.chat_id, InputFile(made.content, filename=made.file_name),
                                               caption=caption, parse_mode=ParseMode.HTML, protect_content=True,
                                               write_timeout=max(20.0, len(made.content) / UPLOAD_BYTES_PER_S))
        return message.message_id


def register(policy: DeliveryPolicy, sender: InsightSender) -> None:
    """Add insight's methods to the outbox's policy."""
    policy.add_method(METHOD_STATS, sender.statistics)
    policy.add_method(METHOD_CHARTS, sender.charts, cost=lambda item: 2)
    policy.add_method(METHOD_MAP, sender.map)
    policy.add_method(METHOD_EXPORT, sender.export)
