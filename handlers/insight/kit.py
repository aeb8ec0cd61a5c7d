"""What insight's group handlers share: who may ask (a member of a registered supervisors' group, or the admin
chat) and for which region (the group's)."""

from __future__ import annotations

from dataclasses import dataclass

from telegram import Update

from bot.kernel.context import PantauContext
from bot.supervision.membership import Attempt
from bot.supervision.service import GroupRole
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
    refusal = None
    if group is None and chat.id != services.settings.admin_chat_id:
        refusal = "cases.not_registered"
    elif group is not None and group.role != GroupRole.SUPERVISORS:
        # A Sentra Gakkumdu group sees only the cases forwarded to it, a cyber group only online content: the
        # region's figures, map and files would show them every other case.
        refusal = "insight.supervisors_only"
    if refusal is not None:
        if pressed:
            await answer_query(update, t(locale, refusal), alert=True)
        else:
            await services.group_replies.refuse(update, t(locale, refusal))
        return Asker(False)
    return Asker(True, group.region_code if group is not None else None)


def notify(context: PantauContext) -> None:
    if context.services.outbox_worker is not None:
        context.services.outbox_worker.notify()
