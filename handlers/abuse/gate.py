"""The gate in front of every private chat's update: a banned person is told once and nothing of theirs is
handled or kept; a person writing faster than a person writes is slowed, with one notice per flood."""

from __future__ import annotations

from telegram import Update
from telegram.constants import ChatType
from telegram.ext import ApplicationHandlerStop

from bot.abuse.flood import Pace
from bot.abuse.service import Refused
from bot.kernel.context import PantauContext
from handlers.kernel.replies import answer_query
from locales import t


async def check(update: Update, context: PantauContext) -> None:
    """Every private update: stop a banned person's (told once) and a flood's (one notice); others go on."""
    user, chat = update.effective_user, update.effective_chat
    if user is None or chat is None or chat.type != ChatType.PRIVATE or user.is_bot:
        return
    abuse = context.services.abuse
    if await abuse.is_banned(user.id):
        refused = await abuse.refuse(user.id)
        if refused is not None:
            await answer_query(update)
            if refused is Refused.TELL:
                locale = await context.services.users.locale(user.id)
                await context.bot.send_message(chat.id, t(locale, "abuse.banned"))
            raise ApplicationHandlerStop
    if update.callback_query is not None:  # buttons are never slowed: a report can always be submitted
        return
    pace = abuse.pace(user.id)
    if pace is Pace.OK:
        return
    if pace is Pace.NOTICE:
        locale = await context.services.users.locale(user.id)
        await context.bot.send_message(
            chat.id, t(locale, "abuse.slow_down", seconds=abuse.flood.wait_seconds(user.id)))
    raise ApplicationHandlerStop
