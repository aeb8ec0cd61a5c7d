"""Shared machinery of the report conversation's step handlers."""

from __future__ import annotations

import functools
import html
import logging
import re
from collections.abc import Callable, Coroutine
from typing import Any

from telegram import InlineKeyboardMarkup, ReplyKeyboardRemove, ReplyParameters, Update
from telegram.error import BadRequest, TelegramError
from telegram.ext import ConversationHandler

from bot.kernel.context import PantauContext
from bot.kernel.refusal import Refusal
from bot.reporting.draft import Step
from bot.reporting.intake import Draft
from handlers.kernel.buttons import StaleButton
from handlers.kernel.buttons import callback_arg as callback_arg  # the step handlers' import, kept
from handlers.kernel.replies import answer_query
from handlers.reporting.prompts import Prompt, prompts
from locales import t

log = logging.getLogger(__name__)

StepCallback = Callable[[Update, PantauContext, Draft, str], Coroutine[Any, Any, object]]
Handler = Callable[[Update, PantauContext], Coroutine[Any, Any, object]]
_TAGS = re.compile(r"<[^>]+>")


async def close_choice(update: Update) -> None:
    """Remove the pressed message's buttons, so that an answered question cannot be answered again."""
    query = update.callback_query
    if query is None or query.message is None:
        return
    await answer_query(update)
    try:
        await query.edit_message_reply_markup(None)
    except TelegramError as exc:  # an old message may no longer be editable; the answer is recorded anyway
        log.debug("could not remove buttons: %s", exc)


async def hint(update: Update, context: PantauContext, chat_id: int, text: str) -> None:
    """A short answer to input the step cannot take. Nothing else is sent: the step's question and its
    buttons, already on screen, stay usable. A press gets it as an alert; a message gets it as a reply."""
    if update.callback_query is not None:
        await answer_query(update, html.unescape(_TAGS.sub("", text))[:200], alert=True)
        return
    message = update.effective_message
    reply = ReplyParameters(message.message_id, allow_sending_without_reply=True) if message is not None else None
    await context.bot.send_message(chat_id, text, reply_parameters=reply)


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


async def _prompts(context: PantauContext, draft: Draft, locale: str, note: str | None) -> list[Prompt]:
    count, oversized = 0, 0
    if draft.step in (Step.EVIDENCE, Step.REVIEW):
        count, oversized = await context.services.intake.evidence_counts(draft.user_id)
    found = prompts(context.services, draft, locale, count, oversized)
    if note and found:
        found[0] = Prompt(f"{note}\n\n{found[0].text}", found[0].markup)
    return found


async def ask(context: PantauContext, draft: Draft, locale: str, *, note: str | None = None) -> None:
    """Send the prompt of the draft's current step, with an optional note (an error, a warning) before it."""
    for prompt in await _prompts(context, draft, locale, note):
        await send(context, draft.row.chat_id, prompt)


async def advance(update: Update, context: PantauContext, draft: Draft, locale: str, *, note: str | None = None) -> None:
    """Ask the draft's current step after a button press, in one call: the pressed message becomes `note` (the
    answer just given) and the step's question, so that the answered question's buttons go with it. A question
    that cannot be an edit (a reply keyboard, two messages) or a message that can no longer be edited falls back
    to sending it (and removing the pressed buttons first, so that an answered question cannot be answered again)."""
    query = update.callback_query
    found = await _prompts(context, draft, locale, note)
    if query is None or query.message is None:
        for prompt in found:
            await send(context, draft.row.chat_id, prompt)
        return
    if len(found) == 1 and isinstance(found[0].markup, InlineKeyboardMarkup | None):
        await answer_query(update)
        try:
            await query.edit_message_text(found[0].text, reply_markup=found[0].markup)
            return
        except BadRequest as exc:  # deleted, or too old: the question is sent instead (old buttons are refused)
            if "not modified" in exc.message:
                return
            log.info("could not edit the pressed message (%s): sending the question", exc.message)
    else:
        await close_choice(update)
    for prompt in found:
        await send(context, draft.row.chat_id, prompt)


def may_show_reply_keyboard(draft: Draft | None) -> bool:
    """Whether a reply keyboard of this draft may still be on the reporter's screen (the location one, asked for at
    step 4; the contact one, at the phone number): a new report removes it."""
    if draft is None or draft.row.status == "submitted":
        return False
    return bool(draft.answers.location_keyboard) or draft.step is Step.ID_PHONE


def check_draft_token(draft: Draft, token: str) -> None:
    """A review button names its draft; one of an earlier (or another) draft's review is no longer valid."""
    if token and token != draft.token:
        raise StaleButton(token)


async def answer_already_submitted(update: Update, context: PantauContext, locale: str) -> bool:
    """A press on a submitted draft's buttons (a double tap, a second device): say which case it became."""
    user = update.effective_user
    earlier = await context.services.intake.submitted(user.id) if user else None
    if earlier is None:
        return False
    await answer_query(update, t(locale, "submitted.already", code=earlier.case_code), alert=True)
    return True


def step_handler(*, reask_on_redelivery: bool = True) -> Callable[[StepCallback], Handler]:
    """Wrap a step callback: load the reporter's draft and locale, end the conversation if the draft is
    gone or was closed, ask the current step again for an update that was already applied (Telegram
    re-delivers after a crash), and turn a Refusal into a short localised hint (plus the whole prompt
    only when the step moved, e.g. a refused submission went back to the time)."""

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
            step, editing = draft.step, draft.row.editing
            try:
                return await callback(update, context, draft, locale)
            except StaleButton:
                await answer_query(update, t(locale, "button.stale"), alert=True)
                return draft.step
            except Refusal as exc:
                note = "⚠️ " + t(locale, exc.key, **exc.params)
                if (draft.step, draft.row.editing) != (step, editing):
                    await answer_query(update)
                    await ask(context, draft, locale, note=note)
                else:
                    await hint(update, context, chat.id, note)
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


async def ask_again_in(context: PantauContext, user_id: int, locale: str) -> None:
    """After a language switch (handlers/kernel/language.py): the report in progress asks its step again."""
    draft = await context.services.intake.get(user_id)
    if draft is not None and draft.active:
        await ask(context, draft, locale)


def is_skip_word(locale: str, text: str) -> bool:
    """The reply-keyboard "skip" button arrives as its label's text."""
    return text.strip().casefold() in {t(locale, "button.skip").casefold(), "-", "lewati", "skip"}

