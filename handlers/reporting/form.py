"""📄 The pre-filled report form: the button under a report's confirmation and its /status view."""

from __future__ import annotations

from telegram import InlineKeyboardMarkup, Update
from telegram.constants import ChatType

from bot.kernel.context import PantauContext
from bot.kernel.refusal import Refusal
from bot.reporting.form_actions import form_markup
from handlers.kernel.buttons import callback_arg
from handlers.kernel.replies import answer_query
from locales import t


def form_keyboard(locale: str, case_code: str) -> InlineKeyboardMarkup:
    """The form's button, for a message a handler sends itself (the confirmation's comes from the outbox)."""
    return InlineKeyboardMarkup.de_json(form_markup(locale, case_code), None)


async def on_form(update: Update, context: PantauContext) -> None:
    """📄 pressed: queue the form of the reporter's own report; any other code reads as unknown."""
    user, chat = update.effective_user, update.effective_chat
    if user is None or chat is None:
        return
    services = context.services
    locale = await services.users.locale(user.id)
    code = callback_arg(update)
    try:
        await services.forms.request(user.id, code, update.update_id, locale, private=chat.type == ChatType.PRIVATE)
    except Refusal as exc:
        await answer_query(update)
        await context.bot.send_message(chat.id, t(locale, exc.key, **exc.params))
        return
    await answer_query(update, t(locale, "form.preparing"))
    if services.outbox_worker is not None:
        services.outbox_worker.notify()
