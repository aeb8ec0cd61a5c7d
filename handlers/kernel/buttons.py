"""Inline buttons: built with the kernel's callback codec (bot/kernel/callbacks.py), and their argument read
back in the handler a press was routed to."""

from __future__ import annotations

from telegram import InlineKeyboardButton, Update

from bot.kernel.callbacks import Action, encode, parse


class StaleButton(Exception):
    """A press whose data is not a valid button of ours (empty or forged): answered "no longer valid"."""


def button(label: str, action: Action, arg: str = "") -> InlineKeyboardButton:
    return InlineKeyboardButton(label, callback_data=encode(action, arg))


def callback_arg(update: Update) -> str:
    """The argument of a button matched by `bot.kernel.callbacks.matches`. PTB hands a press with empty data to
    any pattern, so data that does not parse raises StaleButton (answered as "no longer valid")."""
    query = update.callback_query
    parsed = parse(query.data) if query is not None else None
    if parsed is None:
        raise StaleButton(query.data if query is not None else None)
    return parsed.arg
