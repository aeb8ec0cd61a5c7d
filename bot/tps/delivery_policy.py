"""Voting day's part of the outbox's delivery policy (bot/delivery/policy.py): the /cakupan chart, drawn from the
database when its row is sent (the row holds only which region, in which language)."""

from __future__ import annotations

import asyncio

from telegram import Bot, InputMediaPhoto
from telegram.constants import ParseMode

from bot.delivery.policy import DeliveryPolicy
from bot.kernel.drawing import PYPLOT
from bot.tps.chart import coverage_png
from bot.tps.service import METHOD_CONFLICT, TpsService
from locales import t
from storage.delivery.outbox import REPLY, OutboxItem, OutboxMessage

METHOD_COVERAGE_CHART = "pantau.tps_coverage_chart"


def coverage_chart_message(chat_id: int, update_id: int, region: str | None, locale: str) -> OutboxMessage:
    return OutboxMessage(f"reply:{chat_id}:{update_id}:chart", chat_id, METHOD_COVERAGE_CHART,
                         {"region": region, "locale": locale}, kind="reply", priority=REPLY)


class TpsSender:
    def __init__(self, tps: TpsService, bot: Bot) -> None:
        self.tps = tps
        self.bot = bot

    async def coverage_chart(self, item: OutboxItem) -> int | None:
        region, locale = item.payload.get("region"), str(item.payload["locale"])
        report = await self.tps.coverage(region)
        if not report.total:
            return None
        regions = self.tps.regions
        found = regions.get(region) if region else None
        if found is not None and found.level >= 3:
            rows = [(r.desa_name or r.desa_code, r.total, r.watched, r.with_results) for r in report.rows]
        else:
            rows = [((regions.get(code).name if regions.get(code) else code), total, watched, results)  # type: ignore[union-attr]
                    for code, total, watched, _bare, results in report.by_kecamatan()]
        title = t(locale, "tps.chart.title", region=found.name if found else t(locale, "tps.coverage.everywhere"))
        labels = (t(locale, "tps.chart.watched"), t(locale, "tps.chart.unwatched"), t(locale, "tps.chart.results"))
        def draw() -> bytes:
            with PYPLOT:
                return coverage_png(title, rows, labels)

        png = await asyncio.to_thread(draw)
        caption = t(locale, "tps.chart.caption", watched=report.watched, total=report.total,
                    results=report.with_results)
        message = await self.bot.send_photo(item.chat_id, png, caption=caption)
        return message.message_id

    async def conflict(self, item: OutboxItem) -> int | None:
        """Two (or more) different results photos of one TPS and contest, as an album with the conflict's caption."""
        photos = [str(p) for p in item.payload["photos"]]
        media = [InputMediaPhoto(p, caption=item.payload["caption"] if i == 0 else None,
                                 parse_mode=ParseMode.HTML if i == 0 else None) for i, p in enumerate(photos)]
        if len(media) == 1:
            message = await self.bot.send_photo(item.chat_id, photos[0], caption=item.payload["caption"],
                                                parse_mode=ParseMode.HTML)
            return message.message_id
        messages = await self.bot.send_media_group(item.chat_id, media)
        return messages[0].message_id


def register(policy: DeliveryPolicy, sender: TpsSender) -> None:
    """Add voting day's methods to the outbox's policy."""
    policy.add_method(METHOD_COVERAGE_CHART, sender.coverage_chart)
    policy.add_method(METHOD_CONFLICT, sender.conflict, cost=lambda item: len(item.payload.get("photos", [])) or 1)
