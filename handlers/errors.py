"""What happens when nothing else fits: stale or forged buttons, and errors raised by handlers."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.error import TelegramError
from telegram.ext import CallbackQueryHandler

from bot.kernel.callbacks import parse
from bot.kernel.context import PantauContext
from bot.kernel.stages import HandlerStages, Stage
from bot.reporting.actions import ReportAction
from handlers.kernel.buttons import StaleButton
from handlers.kernel.replies import answer_query
from handlers.reporting.kit import answer_already_submitted, ask
from locales import t

log = logging.getLogger(__name__)


async def unknown_button(update: Update, context: PantauContext) -> None:
    """A button no handler took: from a finished conversation, an old message, or forged data."""
    user = update.effective_user
    locale = await context.services.users.locale(user.id if user else None)
    query = update.callback_query
    parsed = parse(query.data) if query is not None else None
    submit = parsed is not None and parsed.action is ReportAction.SUBMIT
    if submit and await answer_already_submitted(update, context, locale):
        return
    await answer_query(update, t(locale, "button.stale"), alert=True)


async def on_error(update: object, context: PantauContext) -> None:
    """Log the error; tell the person something went wrong (never a traceback) when there is one. A press
    with data no button of ours carries (a forged client) is not an error: it gets "no longer valid"."""
    user = update.effective_user if isinstance(update, Update) else None
    if isinstance(context.error, StaleButton) and isinstance(update, Update):
        log.info("refused a press with invalid data from user %s", user.id if user else None)
        try:
            locale = await context.services.users.locale(user.id if user else None)
            await answer_query(update, t(locale, "button.stale"), alert=True)
        except Exception:
            log.exception("could not answer a press with invalid data")
        return
    log.error("error while handling an update", exc_info=context.error)
    if not isinstance(update, Update) or update.effective_chat is None:
        return
    try:
        locale = await context.services.users.locale(user.id if user else None)
        if update.callback_query is not None:
            await answer_query(update, t(locale, "error.generic"), alert=True)
        elif update.effective_chat.type == update.effective_chat.PRIVATE:
            await context.bot.send_message(update.effective_chat.id, t(locale, "error.generic"))
        if user is not None and update.effective_chat.type == update.effective_chat.PRIVATE:
            draft = await context.services.intake.get(user.id)
            if draft is not None and draft.active:
                await ask(context, draft, locale)  # the answer was kept: ask the next question again
    except (TelegramError, Exception):
        log.exception("could not tell the user about an error")


def register(stages: HandlerStages) -> None:
    """A button nobody took, and the error handler for every handler."""
    stages.add(Stage.LEFTOVER_BUTTONS, CallbackQueryHandler(unknown_button))
    stages.application.add_error_handler(on_error)
