"""The gate in front of every private chat's update: a banned person is told once and nothing of theirs is
handled or kept; a person writing faster than a person writes is slowed, with one notice per flood. It fails
closed for a banned person: whatever goes wrong while refusing, their update goes no further."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Coroutine
from datetime import UTC, datetime
from typing import Any

from telegram import Message, Update
from telegram.constants import ChatType
from telegram.ext import ApplicationHandlerStop

from bot.abuse.flood import Pace
from bot.abuse.service import Refused
from bot.kernel.context import PantauContext
from handlers.kernel.replies import answer_query
from locales import t

log = logging.getLogger(__name__)

STALE_SECONDS = 30  # a message sent longer ago (replayed after a restart, a backlog) is not paced


def _late(message: Message) -> bool:
    return (datetime.now(UTC) - message.date).total_seconds() > STALE_SECONDS


Exempt = Callable[[Update], bool]


def checker(exempt: Exempt) -> Callable[[Update, PantauContext], Coroutine[Any, Any, None]]:
    """The gate; `exempt`: what even a banned person may still ask (their rights over their personal data, UU 27/2022:
    /datasaya and /hapusdata with the erasure's buttons), which goes on, still paced as anybody's."""

    async def gate(update: Update, context: PantauContext) -> None:
        await check(update, context, exempt)

    return gate


async def check(update: Update, context: PantauContext, exempt: Exempt = lambda update: False) -> None:
    """Every private update: stop a banned person's (told once) and a flood's (one notice); others go on."""
    user, chat = update.effective_user, update.effective_chat
    if user is None or chat is None or chat.type != ChatType.PRIVATE or user.is_bot:
        return
    abuse = context.services.abuse
    if await abuse.is_banned(user.id) and not _exempt(update, exempt):
        try:
            lifted = await _refuse(update, context, user.id, chat.id)
        except Exception:  # a database or a send that failed: refused all the same
            log.warning("refusing a banned person's update failed; it is refused anyway", exc_info=True)
            lifted = False
        if not lifted:
            raise ApplicationHandlerStop
        return
    if update.callback_query is not None:  # presses: only a script's are slowed, so a report can always be sent
        if abuse.pace_press(user.id) is Pace.OK:
            return
        await _quietly(answer_query(update))
        raise ApplicationHandlerStop
    message = update.message  # not an edit: a live location moving is one, and says nothing new
    if message is None or _late(message):
        return
    pace = abuse.pace(user.id, message.media_group_id)
    if pace is Pace.OK:
        return
    if pace is Pace.NOTICE:
        locale = await context.services.users.locale(user.id)
        count = abuse.flood.wait_seconds(user.id)
        await _quietly(context.bot.send_message(chat.id, t(locale, "abuse.slow_down", count=count)))
    raise ApplicationHandlerStop


def _exempt(update: Update, exempt: Exempt) -> bool:
    try:
        return exempt(update)
    except Exception:  # fails closed, as the rest of the gate
        log.warning("checking a banned person's update for a data-rights request failed", exc_info=True)
        return False


async def _refuse(update: Update, context: PantauContext, user_id: int, chat_id: int) -> bool:
    """A banned person's message or press: counted (up to the flood limit: a banned flood costs no write), and
    answered once. True if the ban was lifted meanwhile. Anything else (a member update, an edit) is dropped."""
    abuse = context.services.abuse
    pressed = update.callback_query is not None
    if not pressed and update.message is None:
        return False
    if (abuse.pace_press(user_id) if pressed else abuse.pace(user_id)) is not Pace.OK:
        return False
    refused = await abuse.refuse(user_id)
    if refused is None:
        return True
    await answer_query(update)
    if refused is Refused.TELL:
        locale = await context.services.users.locale(user_id)
        await context.bot.send_message(chat_id, t(locale, "abuse.banned"))
        await abuse.told(user_id)  # only once it was sent: a failed send tells them at their next message
    return False


async def _quietly(call: Awaitable[object]) -> None:
    """A notice that could not be sent is not worth more than a log line: the update is stopped anyway."""
    try:
        await call
    except Exception:
        log.warning("a slow-down notice or a press's answer failed", exc_info=True)
