"""People's buttons: help and the language switch, registered with the kernel's callback codec
(bot/kernel/callbacks.py). The values are the wire names and must not change."""

from __future__ import annotations

from bot.kernel.callbacks import Action, no_arg, register


class PeopleAction(Action):
    HELP = "help"
    LANGUAGE = "lang"  # arg: locale


register(
    PeopleAction,
    {
        PeopleAction.HELP: no_arg,
        PeopleAction.LANGUAGE: lambda a: a in ("id", "en"),  # a new language adds its code here
    },
)
