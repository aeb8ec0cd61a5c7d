"""The order in which handlers take an update: one table that every feature's handlers register against.

Within a python-telegram-bot group the first handler whose check accepts an update handles it, and the groups
run in ascending order (so -3, -2 and -1 before 0). The order is therefore behaviour. Each feature's
`handlers.<feature>.routes.register(stages)` adds its handlers to a `Stage`; the composition root then installs
them stage by stage and, within a stage, in the order the register() calls added them. Only the first three
stages have groups of their own: everything from SUPERVISOR_GROUPS on shares group 0, so one update is still
handled by at most one of them (handlers in different groups could both run for one update).
"""

from __future__ import annotations

from enum import IntEnum
from typing import Any

from telegram import Update
from telegram.ext import Application, BaseHandler


class Stage(IntEnum):
    ABUSE_GATE = 1  # group -3, first: a banned person's update, or a flood, stops here (answered at most once)
    CLIENT_LANGUAGE = 2  # group -2, every update: the sender's client language; takes nothing away
    PROMPT_REPLIES = 3  # group -1: replies to the bot's own prompts; they stop the update when they took it
    SUPERVISOR_GROUPS = 4  # group 0 from here on: registration, membership, migration, triage buttons, cases
    ANYTIME_COMMANDS = 5  # private commands that work at any moment, also in the middle of a report
    MENU_BUTTONS = 6  # menu buttons with the same meaning
    CONVERSATION = 7  # the report conversation
    LEFTOVER_COMMANDS = 8  # /batal with no report in progress
    LEFTOVER_BUTTONS = 9  # a button nobody took
    LEFTOVER_MESSAGES = 10  # a private message outside any conversation


PTB_GROUP = {Stage.ABUSE_GATE: -3, Stage.CLIENT_LANGUAGE: -2, Stage.PROMPT_REPLIES: -1}  # every other stage: group 0


class HandlerStages:
    """The Application as features register against it: handlers are collected by stage, then installed."""

    def __init__(self, application: Application[Any, Any, Any, Any, Any, Any]) -> None:
        self.application = application
        self._staged: list[tuple[Stage, int, BaseHandler[Update, Any, Any]]] = []

    def add(self, stage: Stage, handler: BaseHandler[Update, Any, Any]) -> None:
        self._staged.append((stage, len(self._staged), handler))

    def install(self) -> None:
        """Add every collected handler to the Application, in stage order (and call order within a stage)."""
        for stage, _, handler in sorted(self._staged, key=lambda staged: staged[:2]):
            self.application.add_handler(handler, group=PTB_GROUP.get(stage, 0))
        self._staged.clear()
