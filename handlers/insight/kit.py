"""What insight's group handlers share: who may ask (a member of a registered supervisors' group, or the admin
chat) and for which region (the group's)."""

from __future__ import annotations

from dataclasses import dataclass

from telegram import Update

from bot.kernel.context import PantauContext
from bot.supervision.membership import Attempt
from handlers.kernel.replies import answer_query
from locales import t


@dataclass(frozen=True, slots=True)
class Asker:
    allowed: bool
    region: str | None = None  # None: the admin chat, everywhere


async def asker(update: Update, context: PantauContext, action: str) -> Asker:
    """Whether the update's sender may see the group's insight, and its region; a refusal is answered here."""
    chat, user = update.effective_chat, update.effective_user
    if chat is None or user is None:
        return Asker(False)
    services = context.services
    locale = services.settings.default_locale
    pressed = update.callback_query is not None
    admission = await services.membership.admit(chat.id, user.id, Attempt.PRESS if pressed else Attempt.COMMAND,
                                                action=action)
    if not admission.allowed:
        if pressed:
            await answer_query(update, t(locale, "insight.members_only"), alert=True)
        else:
            await services.group_replies.refuse(update, t(locale, admission.refusal_key))
        return Asker(False)
    group = await services.supervision.group_of(chat.id)
    if group is None and chat.id != services.settings.admin_chat_id:
        if pressed:
            await answer_query(update, t(locale, "cases.not_registered"), alert=True)
        else:
            await services.group_replies.refuse(update, t(locale, "cases.not_registered"))
        return Asker(False)
    return Asker(True, group.region_code if group is not None else None)


def notify(context: PantauContext) -> None:
    if context.services.outbox_worker is not None:
        context.services.outbox_worker.notify()
