"""Ways into the report conversation that other features offer: a button of theirs that starts a report
prefilled with their answers (a task's report-back that shows a violation, handlers/tasks/).

The report conversation is reporting's; the answers are the other feature's. So the feature registers here, from
its `routes.register` (before reporting's), the button's pattern and a `prepare` that writes the prefilled draft
through bot's services; reporting makes each one an entry point of its conversation, which then asks the
draft's current step (handlers/reporting/conversation.py)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from telegram import Update

from bot.kernel.context import PantauContext

# Writes the prefilled draft; the note to show above its first question, or None when there is no report to
# start (the feature has answered the press itself, e.g. with a refusal).
Prepare = Callable[[Update, PantauContext], Awaitable[str | None]]
Pattern = Callable[[object], bool]  # a CallbackQueryHandler pattern (bot/kernel/callbacks.py matches)

_ENTRIES: dict[str, tuple[Pattern, Prepare]] = {}  # by feature


def offer_report_entry(feature: str, pattern: Pattern, prepare: Prepare) -> None:
    """A button (`pattern`) that starts a report prepared by `prepare` (once per feature)."""
    _ENTRIES[feature] = (pattern, prepare)


def report_entries() -> list[tuple[Pattern, Prepare]]:
    return list(_ENTRIES.values())
