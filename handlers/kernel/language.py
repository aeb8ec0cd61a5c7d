"""A person switched language (people's language button): what other features do next, in the new language.

People's handler does not know the other features; each feature that has something to say again adds a
follow-up from its `routes.register` (reporting asks the step of a report in progress again)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from bot.kernel.context import PantauContext

FollowUp = Callable[[PantauContext, int, str], Awaitable[None]]  # (context, user id, new locale)

_FOLLOW_UPS: dict[str, FollowUp] = {}  # by feature, in the order they were first added


def after_language_change(feature: str, follow_up: FollowUp) -> None:
    """Run `follow_up` after a person switched language (once per feature, however often it is added)."""
    _FOLLOW_UPS[feature] = follow_up


async def language_changed(context: PantauContext, user_id: int, locale: str) -> None:
    """Tell every feature that the person now uses `locale`."""
    for follow_up in list(_FOLLOW_UPS.values()):
        await follow_up(context, user_id, locale)
