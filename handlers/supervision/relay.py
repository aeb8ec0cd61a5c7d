"""A reporter answers a supervisor's question by replying to it; the answer goes to the group that asked."""

from __future__ import annotations

from telegram import Update
from telegram.ext import ApplicationHandlerStop

from bot.kernel.context import PantauContext
from locales import t

ANSWER_LIMIT = 3000


async def on_reporter_reply(update: Update, context: PantauContext) -> None:
    """A private reply to a relayed question. Replies to anything else go on to the other handlers."""
    message, user = update.effective_message, update.effective_user
    if message is None or user is None or message.reply_to_message is None:
        return
    services = context.services
    request_id = await services.supervision.awaited_answer(message.chat.id, message.reply_to_message.message_id)
    if request_id is None:
        return
    locale = await services.users.locale(user.id)
    text = (message.text or "").strip()
    if not text:
        await message.reply_text(t(locale, "relay.text_only"))
        raise ApplicationHandlerStop
    if len(text) > ANSWER_LIMIT:
        await message.reply_text(t(locale, "invalid.too_long", maximum=ANSWER_LIMIT, length=len(text)))
        raise ApplicationHandlerStop
    if await services.supervision.answer(request_id, text):
        await message.reply_text(t(locale, "relay.answer_sent"))
        if services.outbox_worker is not None:
            services.outbox_worker.notify()
    else:
        await message.reply_text(t(locale, "relay.already_answered"))
    raise ApplicationHandlerStop
