"""Abuse protection's handlers and where each sits in the order (bot/kernel/stages.py)."""

from __future__ import annotations

from telegram import Update
from telegram.ext import TypeHandler

from bot.kernel.stages import HandlerStages, Stage
from handlers.abuse import gate


def register(stages: HandlerStages) -> None:
    """The gate, first of all: before the client language is noted and anything takes the update."""
    stages.add(Stage.ABUSE_GATE, TypeHandler(Update, gate.check))
