"""Edited messages in a private chat: never an answer to the current step, but a way to correct an earlier
text answer (a typo in the chronology, the reported party, a typed time…) of the report in progress."""

from __future__ import annotations

import logging

from telegram import Message, ReplyParameters, Update
from telegram.ext import BaseHandler, MessageHandler, filters

from bot.kernel.context import PantauContext
from bot.kernel.refusal import Refusal
from bot.reporting.draft import Step
from handlers.reporting.kit import ask
from locales import t

log = logging.getLogger(__name__)


async def _reply(context: PantauContext, message: Message, text: str) -> None:
    reply = ReplyParameters(message.message_id, allow_sending_without_reply=True)
    await context.bot.send_message(message.chat.id, text, reply_parameters=reply)


async def on_edited(update: Update, context: PantauContext) -> object:
    """An edited message: if it gave one of the draft's text answers, its new text replaces that answer
    (checked like a first answer, committed, and said briefly); otherwise a short hint. The step stays, but for
    a date edited that now needs the TSM question (at the review) or no longer does (at the question)."""
    message, user = update.edited_message, update.effective_user
    if message is None or user is None or message.location is not None:
        return None  # a live location moving is an edit too: nothing to say about it
    services = context.services
    intake = services.intake
    locale = await services.users.locale(user.id)
    draft = await intake.get(user.id)
    field = intake.answered_field(draft, message.message_id) if draft is not None else None
    if draft is None or field is None or message.text is None:
        await _reply(context, message, t(locale, "conversation.edit_not_answer"))
        return None
    if draft.row.status == "submitted":
        await _reply(context, message, t(locale, "conversation.edit_submitted"))
        return None
    label = t(locale, f"conversation.field_{field}")
    done = t(locale, "conversation.edit_applied", field=label)
    if draft.is_redelivery(update.update_id):  # applied before a restart: say so again, with the question it led to
        if draft.active:
            await ask(context, draft, locale, note=done)
            return draft.step
        await _reply(context, message, done)
        return None
    step = draft.step
    try:
        await intake.amend(draft, update.update_id, message.message_id, message.text)
    except Refusal as exc:
        reason = t(locale, exc.key, **exc.params)
        await _reply(context, message, "⚠️ " + t(locale, "conversation.edit_invalid", field=label, reason=reason))
        return None
    log.info("user %s corrected %s by editing a message", user.id, field)
    dated = field in ("incident", "known")
    moved = draft.step is not step  # the TSM question asked at the review, or left where it no longer applies
    if draft.active and (moved or (draft.step is Step.TSM and dated and intake.asks_tsm(draft.answers))):
        await ask(context, draft, locale, note=done)  # (a new date at the question: it is asked again)
        return draft.step
    if dated and intake.is_stale(draft.answers):
        done += "\n⚠️ " + t(locale, "when.stale_warning", period=intake.texts.reporting_period(locale))
    if draft.active and draft.step is Step.REVIEW:
        await ask(context, draft, locale, note=done)  # the summary on screen no longer holds: show it again
    else:
        await _reply(context, message, done)
    return None


def handler() -> BaseHandler[Update, PantauContext, object]:
    """First among the conversation's entry points, so that an edit reaches no step (nor /lapor)."""
    return MessageHandler(filters.UpdateType.EDITED_MESSAGE & filters.ChatType.PRIVATE, on_edited)
