"""/ekspor (/export) in a supervisors' group: its region's cases as a CSV, XLSX or GeoJSON file (a button per
format), sent to that group only, protected from forwarding, without who reported."""

from __future__ import annotations

from telegram import InlineKeyboardMarkup, Update

from bot.insight.actions import InsightAction
from bot.insight.delivery_policy import export_message
from bot.insight.exports import ExportFormat
from bot.insight.texts import region_name
from bot.kernel.context import PantauContext
from handlers.insight.kit import asker, notify
from handlers.kernel.buttons import button, callback_arg
from handlers.kernel.replies import answer_query
from locales import t


async def export(update: Update, context: PantauContext) -> None:
    """/ekspor: which format?"""
    if update.effective_chat is None or update.effective_message is None:
        return
    who = await asker(update, context, "ekspor")
    if not who.allowed:
        return
    services = context.services
    locale = services.settings.default_locale
    markup = InlineKeyboardMarkup([[button(f.value.upper(), InsightAction.EXPORT, f.value) for f in ExportFormat]])
    await services.group_replies.queue(update, t(locale, "insight.export.pick",
                                                 region=region_name(services.regions, who.region, locale)),
                                       markup=markup)
    notify(context)


async def on_format(update: Update, context: PantauContext) -> None:
    """A format pressed by a member: the file is made and sent to this group (once per press)."""
    query, chat = update.callback_query, update.effective_chat
    assert query is not None and chat is not None
    fmt = ExportFormat(callback_arg(update))
    who = await asker(update, context, "ekspor")
    if not who.allowed:
        return
    services = context.services
    locale = services.settings.default_locale
    await answer_query(update, t(locale, "insight.export.queued", format=fmt.value.upper()))
    if query.message is None:
        return
    await services.outbox.add_all([export_message(chat.id, query.message.message_id, who.region, fmt, locale)])
    notify(context)
