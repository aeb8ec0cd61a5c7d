"""/ringkasan (/digest) in a supervisors' group: its daily digest on or off (on unless a member turned it off)."""

from __future__ import annotations

from telegram import Update

from bot.insight.texts import zone_label
from bot.kernel.context import PantauContext
from handlers.insight.kit import asker, notify
from locales import t

ON, OFF = ("nyala", "on", "aktif"), ("mati", "off", "nonaktif")


async def digest(update: Update, context: PantauContext) -> None:
    """/ringkasan nyala|mati: turn the group's daily digest on or off; without a word, say how it is."""
    chat, user = update.effective_chat, update.effective_user
    if chat is None or user is None or update.effective_message is None:
        return
    who = await asker(update, context, "ringkasan")
    if not who.allowed:
        return
    services = context.services
    insight = services.insight
    locale = services.settings.default_locale
    word = (context.args or [""])[0].casefold() if context.args else ""
    if word in ON or word in OFF:
        await insight.set_digest(chat.id, word in ON, user.id)
    enabled = await insight.digest_enabled(chat.id)
    if word not in ON and word not in OFF:
        state = t(locale, "insight.digest.state_on" if enabled else "insight.digest.state_off")
        text = t(locale, "insight.digest.usage", state=state)
    elif enabled and insight.digest_time is not None:
        tz = zone_label(services.regions, who.region)
        text = t(locale, "insight.digest.on", at=f"{insight.digest_time:%H:%M}", tz=tz)
    else:
        text = t(locale, "insight.digest.off")
    await services.group_replies.queue(update, text)
    notify(context)
