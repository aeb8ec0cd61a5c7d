"""Shared machinery of the report conversation's step handlers."""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Coroutine
from typing import Any

from telegram import ReplyKeyboardRemove, Update
from telegram.error import BadRequest
from telegram.ext import ConversationHandler

from bot.context import PantauContext
from bot.intake import Draft, InputError
from bot.report_draft import Step
from handlers.report_prompts import Prompt, prompts
from locales import t

log = logging.getLogger(__name__)

StepCallback = Callable[[Update, PantauContext, Draft, str], Coroutine[Any, Any, object]]
Handler = Callable[[Update, PantauContext], Coroutine[Any, Any, object]]


async def answer_query(update: Update, text: str | None = None, *, alert: bool = False) -> None:
    """Stop the button's spinner; an expired query is not an error worth more than a log line."""
    if update.callback_query is None:
        return
    try:
        await update.callback_query.answer(text, show_alert=alert)
    except BadRequest as exc:
        log.debug("callback answer failed: %s", exc)


async def send(context: PantauContext, chat_id: int, prompt: Prompt) -> None:
    await context.bot.send_message(chat_id, prompt.text, reply_markup=prompt.markup)


async def edit_in_place(update: Update, prompt: Prompt) -> None:
    """Replace the pressed message's text and buttons (picker navigation)."""
    query = update.callback_query
    assert query is not None
    try:
        await query.edit_message_text(prompt.text, reply_markup=prompt.markup)  # type: ignore[arg-type]
    except BadRequest as exc:
        if "not modified" not in exc.message:
            raise


async def ask(context: PantauContext, draft: Draft, locale: str, *, note: str | None = None) -> None:
    """Send the prompt of the draft's current step, with an optional note (an error, a warning) before it."""
    count = 0
    if draft.step in (Step.EVIDENCE, Step.REVIEW):
        count = await context.services.intake.drafts.evidence_count(draft.user_id)
    for index, prompt in enumerate(prompts(context.services, draft, locale, count)):
        if note and index == 0:
            prompt = Prompt(f"{note}\n\n{prompt.text}", prompt.markup)
        await send(context, draft.row.chat_id, prompt)


async def answer_already_submitted(update: Update, context: PantauContext, locale: str) -> bool:
    """A press on a submitted draft's buttons (a double tap, a second device): say which case it became."""
    user = update.effective_user
    earlier = await context.services.reports.submitted_from_draft(user.id) if user else None
    if earlier is None:
        return False
    await answer_query(update, t(locale, "submitted.already", code=earlier.case_code), alert=True)
    return True


def step_handler(*, reask_on_redelivery: bool = True) -> Callable[[StepCallback], Handler]:
    """Wrap a step callback: load the reporter's draft and locale, end the conversation if the draft is
    gone or was closed, ask the current step again for an update that was already applied (Telegram
    re-delivers after a crash), and turn an InputError into a localised explanation plus the prompt."""

    def decorate(callback: StepCallback) -> Handler:
        @functools.wraps(callback)
        async def wrapper(update: Update, context: PantauContext) -> object:
            user = update.effective_user
            chat = update.effective_chat
            if user is None or chat is None:
                return None
            services = context.services
            locale = await services.users.locale(user.id)
            draft = await services.intake.get(user.id)
            if draft is not None and draft.row.status == "submitted" and update.callback_query is not None:
                await answer_already_submitted(update, context, locale)
                return ConversationHandler.END
            if draft is None or not draft.active:
                await answer_query(update)
                await context.bot.send_message(
                    chat.id, t(locale, "conversation.not_active"), reply_markup=ReplyKeyboardRemove()
                )
                return ConversationHandler.END
            if draft.is_redelivery(update.update_id) and reask_on_redelivery:
                await answer_query(update)
                await ask(context, draft, locale)
                return draft.step
            try:
                return await callback(update, context, draft, locale)
            except InputError as exc:
                await answer_query(update)
                await ask(context, draft, locale, note="⚠️ " + t(locale, exc.key, **exc.params))
                return draft.step
            except Exception:  # a failed send or a bug must not desynchronise the conversation
                log.exception("report step %s failed for user %s", draft.step, user.id)
                return await _recover(context, chat.id, user.id, locale)

        return wrapper

    return decorate


async def _recover(context: PantauContext, chat_id: int, user_id: int, locale: str) -> object:
    """After a failure: apologise, ask the step the stored draft is at, and follow the draft's state (which
    may have advanced before the failure), so that the conversation and the database always agree."""
    draft = await context.services.intake.get(user_id)
    try:
        await context.bot.send_message(chat_id, t(locale, "error.generic"))
        if draft is not None and draft.active:
            await ask(context, draft, locale)
    except Exception:  # Telegram may still be unreachable; the reporter's next message retries
        log.exception("could not re-ask after a failure")
    return draft.step if draft is not None and draft.active else ConversationHandler.END


def text_of(update: Update) -> str:
    message = update.effective_message
    return (message.text or "") if message is not None else ""


def callback_arg(update: Update) -> str:
    """The argument of a button already matched by `bot.callbacks.matches` (so it parses)."""
    from bot.callbacks import parse

    assert update.callback_query is not None
    parsed = parse(update.callback_query.data)
    assert parsed is not None
    return parsed.arg


def is_skip_word(locale: str, text: str) -> bool:
    """The reply-keyboard "skip" button arrives as its label's text."""
    return text.strip().casefold() in {t(locale, "button.skip").casefold(), "-", "lewati", "skip"}

