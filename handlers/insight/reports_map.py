"""/peta (/map) in a supervisors' group: its region's kecamatan shaded by their cases and the cases with GPS as
points, drawn from the boundaries file (no map tiles, no internet); without boundaries, why not."""

from __future__ import annotations

from telegram import Update

from bot.insight.delivery_policy import map_message
from bot.kernel.context import PantauContext
from bot.kernel.refusal import Refusal
from handlers.insight.kit import asker, notify
from locales import t


async def reports_map(update: Update, context: PantauContext) -> None:
    """/peta: the map, made and sent through the outbox (a line says it is coming)."""
    chat = update.effective_chat
    if chat is None or update.effective_message is None:
        return
    who = await asker(update, context, "peta")
    if not who.allowed:
        return
    services = context.services
    locale = services.settings.default_locale
    try:
        services.insight.check_map(who.region)
    except Refusal as exc:
        await services.group_replies.queue(update, t(locale, exc.key, **exc.params))
        return
    await services.outbox.add_all([map_message(chat.id, update.update_id, who.region, locale)])
    notify(context)
