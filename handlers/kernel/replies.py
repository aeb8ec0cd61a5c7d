"""Answers every feature gives the same way."""

from __future__ import annotations

import logging

from telegram import InlineKeyboardMarkup, Message, Update
from telegram.error import BadRequest

log = logging.getLogger(__name__)


async def answer_query(update: Update, text: str | None = None, *, alert: bool = False) -> None:
    """Stop the button's spinner; an expired query is not an error worth more than a log line."""
    if update.callback_query is None:
        return
    try:
        await update.callback_query.answer(text, show_alert=alert)
    except BadRequest as exc:
        log.debug("callback answer failed: %s", exc)


async def edit_text(message: Message, text: str, reply_markup: InlineKeyboardMarkup | None = None) -> None:
    """Edit a message of ours; a double tap's second edit ("message is not modified") is not an error."""
    try:
        await message.edit_text(text, reply_markup=reply_markup)
    except BadRequest as exc:
        if "not modified" not in exc.message.lower():
            raise
