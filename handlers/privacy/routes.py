"""The privacy feature's handlers and where each sits in the order (bot/kernel/stages.py)."""

from __future__ import annotations

from telegram.ext import CallbackQueryHandler, CommandHandler

from bot.kernel.callbacks import matches
from bot.kernel.stages import HandlerStages, Stage
from bot.privacy.actions import PrivacyAction
from handlers.privacy import commands


def register(stages: HandlerStages) -> None:
    """/datasaya and /hapusdata work at any moment (also in the middle of a report or a registration), and are
    refused in groups; the confirmation's buttons come before the report conversation's."""
    stages.add(Stage.ANYTIME_COMMANDS, CommandHandler(["datasaya", "mydata"], commands.my_data))
    stages.add(Stage.ANYTIME_COMMANDS, CommandHandler(["hapusdata", "erasemydata"], commands.erase_data))
    stages.add(Stage.MENU_BUTTONS, CallbackQueryHandler(
        commands.on_button, pattern=matches(PrivacyAction.ERASE, PrivacyAction.KEEP)))
