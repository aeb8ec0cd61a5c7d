"""A volunteer marked unreachable (a broadcast to them was refused: they blocked the bot) who writes to the bot
again becomes reachable again. Cheap for everyone else: the check is a look-up in the in-memory set of
unreachable volunteers (bot/volunteers/reachability.py), with no database access."""

from __future__ import annotations

from typing import Any

from telegram import ChatMemberBanned, ChatMemberLeft, Update
from telegram.constants import ChatType
from telegram.ext import Application, BaseHandler

from bot.kernel.context import SERVICES_KEY, PantauContext
from bot.kernel.stages import HandlerStages, Stage


class WroteAgainHandler(BaseHandler[Update, PantauContext, None]):
    """Takes an update only if its sender is an unreachable volunteer writing in their private chat (a message, a
    press, unblocking the bot); everything else goes by untouched."""

    def __init__(self, application: Application[Any, Any, Any, Any, Any, Any]) -> None:
        super().__init__(wrote_again)
        self.application = application

    def check_update(self, update: object) -> bool:
        if not isinstance(update, Update):
            return False
        user, chat = update.effective_user, update.effective_chat
        if user is None or chat is None or chat.type != ChatType.PRIVATE:
            return False
        member = update.my_chat_member
        if member is not None and isinstance(member.new_chat_member, (ChatMemberBanned, ChatMemberLeft)):
            return False  # blocking the bot again is not writing to it
        services = self.application.bot_data.get(SERVICES_KEY)
        reachability = getattr(services, "reachability", None)
        return reachability is not None and reachability.is_unreachable(user.id)


async def wrote_again(update: Update, context: PantauContext) -> None:
    """An unreachable volunteer wrote to the bot: reachable again. This stage's handlers take the update in turn
    (one per PTB group), so the client language the next handler of the stage notes is noted here too."""
    user = update.effective_user
    assert user is not None
    services = context.services
    if services.reachability is not None:
        await services.reachability.wrote(user.id)
    await services.users.saw_client_language(user.id, user.language_code)


def register(stages: HandlerStages) -> None:
    """First of all, with the client language (group -2; takes nothing away)."""
    stages.add(Stage.CLIENT_LANGUAGE, WroteAgainHandler(stages.application))
