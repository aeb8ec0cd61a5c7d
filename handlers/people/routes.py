"""People's handlers and where each sits in the order (bot/kernel/stages.py)."""

from __future__ import annotations

from telegram import Update
from telegram.ext import CallbackQueryHandler, CommandHandler, MessageHandler, TypeHandler, filters

from bot.kernel.callbacks import matches
from bot.kernel.stages import HandlerStages, Stage
from bot.people.actions import PeopleAction
from handlers.kernel.deep_links import REPORT_LINK, VOLUNTEER_LINK
from handlers.people import start


def register(stages: HandlerStages) -> None:
    """/start, help, language, the client language of every update, and private messages nobody else took."""
    private = filters.ChatType.PRIVATE
    # First of all, every update: the sender's client language, for people who never chose one.
    stages.add(Stage.CLIENT_LANGUAGE, TypeHandler(Update, start.note_client_language))
    # Commands that work at any moment; `/start lapor` (a poster's deep link) is left to the report conversation,
    # `/start rel_…` (a recruitment link) to the volunteer registration.
    links = REPORT_LINK | VOLUNTEER_LINK
    stages.add(Stage.ANYTIME_COMMANDS, CommandHandler("start", start.start, filters=private & ~links))
    stages.add(Stage.ANYTIME_COMMANDS, CommandHandler(["bantuan", "help"], start.help_command, filters=private))
    stages.add(Stage.ANYTIME_COMMANDS, CommandHandler(["bahasa", "language"], start.language_menu, filters=private))
    # The menu's buttons with the same meaning.
    stages.add(Stage.MENU_BUTTONS, CallbackQueryHandler(start.help_command, pattern=matches(PeopleAction.HELP)))
    stages.add(Stage.MENU_BUTTONS, CallbackQueryHandler(start.set_language, pattern=matches(PeopleAction.LANGUAGE)))
    # Last: a private message outside any conversation gets a pointer to /lapor and the menu.
    stages.add(Stage.LEFTOVER_MESSAGES, MessageHandler(private, start.outside_conversation))
