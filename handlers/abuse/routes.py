"""Abuse protection's handlers and where each sits in the order (bot/kernel/stages.py)."""

from __future__ import annotations

from telegram import Update
from telegram.ext import TypeHandler

from bot.kernel.stages import HandlerStages, Stage
from handlers.abuse import gate


def register(stages: HandlerStages, exempt: gate.Exempt) -> None:
    """The gate, first of all: before the client language is noted and anything takes the update. `exempt`: what a
    banned person may still ask (another feature's, named by the composition root)."""
    stages.add(Stage.ABUSE_GATE, TypeHandler(Update, gate.checker(exempt)))
