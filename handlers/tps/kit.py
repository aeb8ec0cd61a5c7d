"""What voting day's handlers share: a refusal (bot.kernel.refusal) becomes the person's short localised answer, a
pop-up for a press, a reply for a message, never a traceback."""

from __future__ import annotations

import functools
from collections.abc import Callable, Coroutine
from typing import Any

from telegram import Update

from bot.kernel.context import PantauContext
from bot.kernel.refusal import Refusal
from handlers.kernel.buttons import StaleButton
from handlers.kernel.replies import answer_query
from locales import t

Handler = Callable[[Update, PantauContext], Coroutine[Any, Any, None]]


def refusing(handler: Handler) -> Handler:
    @functools.wraps(handler)
    async def wrapped(update: Update, context: PantauContext) -> None:
        try:
            await handler(update, context)
        except (Refusal, StaleButton) as exc:
            user = update.effective_user
            locale = await context.services.users.locale(user.id) if user else context.services.settings.default_locale
            text = t(locale, exc.key, **exc.params) if isinstance(exc, Refusal) else t(locale, "button.stale")
            if update.callback_query is not None:
                await answer_query(update, text, alert=True)
            elif update.effective_message is not None:
                await update.effective_message.reply_text(text)

    return wrapped
