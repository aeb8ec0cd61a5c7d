"""The privacy feature's handlers and where each sits in the order (bot/kernel/stages.py)."""

from __future__ import annotations

from telegram import Update
from telegram.ext import CallbackQueryHandler, CommandHandler

from bot.kernel.callbacks import matches
from bot.kernel.stages import HandlerStages, Stage
from bot.privacy.actions import PrivacyAction
from handlers.privacy import commands

MY_DATA = ("datasaya", "mydata")
ERASE_DATA = ("hapusdata", "erasemydata")
_BUTTONS = matches(PrivacyAction.ERASE, PrivacyAction.KEEP)


def is_data_rights_request(update: Update) -> bool:
    """/datasaya, /hapusdata or the erasure's buttons: a person's rights over their personal data (UU 27/2022), which
    even a banned person keeps (the abuse gate lets these through)."""
    message, query = update.message, update.callback_query
    if message is not None and message.text and message.text.startswith("/"):
        command = message.text.split(maxsplit=1)[0][1:].split("@", 1)[0].lower()
        return command in (*MY_DATA, *ERASE_DATA)
    return query is not None and bool(_BUTTONS(query.data))


def register(stages: HandlerStages) -> None:
    """/datasaya and /hapusdata work at any moment (also in the middle of a report or a registration), and are
    refused in groups; the confirmation's buttons come before the report conversation's."""
    stages.add(Stage.ANYTIME_COMMANDS, CommandHandler(list(MY_DATA), commands.my_data))
    stages.add(Stage.ANYTIME_COMMANDS, CommandHandler(list(ERASE_DATA), commands.erase_data))
    stages.add(Stage.MENU_BUTTONS, CallbackQueryHandler(commands.on_button, pattern=_BUTTONS))
