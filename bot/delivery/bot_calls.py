"""A few Bot API calls, for outbox senders of features whose rule modules import no telegram (they see them as a
port, e.g. bot/volunteers/ports.py ChatPoster). Errors other than an edit's "not modified"/"not found" are left
to the outbox worker (retry, dead, unreachable)."""

from __future__ import annotations

from typing import Any

from telegram import Bot, InlineKeyboardMarkup, InputFile
from telegram.error import BadRequest


def _markup(reply_markup: dict[str, Any] | None) -> InlineKeyboardMarkup | None:
    return InlineKeyboardMarkup.de_json(reply_markup, None) if reply_markup else None


class BotCalls:
    def __init__(self, bot: Bot) -> None:
        self.bot = bot

    async def send_text(self, chat_id: int, text: str, reply_markup: dict[str, Any] | None) -> int:
        return (await self.bot.send_message(chat_id, text, reply_markup=_markup(reply_markup))).message_id

    async def edit_text(self, chat_id: int, message_id: int, text: str, reply_markup: dict[str, Any] | None) -> None:
        try:
            await self.bot.edit_message_text(text, chat_id=chat_id, message_id=message_id,
                                             reply_markup=_markup(reply_markup))
        except BadRequest as exc:
            lowered = exc.message.lower()
            if "not modified" not in lowered and "not found" not in lowered:
                raise

    async def send_photo(self, chat_id: int, photo: bytes, filename: str, caption: str) -> int:
        message = await self.bot.send_photo(chat_id, InputFile(photo, filename=filename), caption=caption)
        return message.message_id

    async def send_document(
        self, chat_id: int, document: bytes, filename: str, caption: str, reply_markup: dict[str, Any] | None = None
    ) -> int:
        """Upload a document (a generated PDF or JSON file, a copy of evidence without its metadata)."""
        message = await self.bot.send_document(
            chat_id, InputFile(document, filename=filename), caption=caption, reply_markup=_markup(reply_markup)
        )
        return message.message_id

    def username(self) -> str:
        return self.bot.username
