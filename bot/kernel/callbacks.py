"""Typed, versioned callback data: every inline button's data is built and parsed here, and only here.

Wire format: ``<version>|<action>|<argument>``, at most 64 bytes (Telegram's limit). Data that does not
parse (an old version, an action nobody registered, a forged or truncated payload, an argument of the wrong
shape) yields None and the press is answered as "no longer valid".

The codec is the kernel's; the actions are the features'. Each feature declares its actions as a subclass of
`Action` (a StrEnum whose values are the wire names) and registers them with `register`, giving each one the
check of its argument (e.g. bot/reporting/actions.py). A wire name is registered once: a second feature
claiming it is refused, so two features can never read one button differently.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import TypeVar

VERSION = "1"
MAX_BYTES = 64

ArgCheck = Callable[[str], bool]  # whether an argument has the shape its action expects


class Action(StrEnum):
    """Base of every feature's callback actions: `class MyAction(Action)` with members named for what they do,
    valued with their wire name (short: they count against the 64 bytes)."""


A = TypeVar("A", bound=Action)


def no_arg(arg: str) -> bool:
    """The check of an action that carries no argument."""
    return arg == ""


class CallbackCodec:
    """The registered actions, by wire name, with the check of their argument."""

    def __init__(self) -> None:
        self._actions: dict[str, tuple[Action, ArgCheck]] = {}

    def register(self, actions: type[A], checks: Mapping[A, ArgCheck]) -> type[A]:
        """Register a feature's actions, each with its argument check. Refuses an action without a check, and a
        wire name that another action already has; nothing is registered then."""
        missing = [action.name for action in actions if action not in checks]
        if missing:
            raise ValueError(f"{actions.__name__}: no argument check for {', '.join(missing)}")
        taken = [action.value for action in actions if action.value in self._actions]
        if taken:
            raise ValueError(f"{actions.__name__}: callback action(s) {', '.join(taken)} registered twice")
        for action in actions:
            self._actions[action.value] = (action, checks[action])
        return actions

    def actions(self) -> list[Action]:
        return [action for action, _ in self._actions.values()]

    def encode(self, action: Action, arg: str = "") -> str:
        return Callback(action, arg).encode()

    def parse(self, data: object) -> Callback | None:
        """The callback a button carries, or None for anything that is not ours and well-formed."""
        if not isinstance(data, str) or len(data.encode()) > MAX_BYTES:
            return None
        parts = data.split("|")
        if len(parts) != 3 or parts[0] != VERSION:
            return None
        registered = self._actions.get(parts[1])
        if registered is None:
            return None
        action, check = registered
        if not check(parts[2]):
            return None
        return Callback(action, parts[2])


@dataclass(frozen=True, slots=True)
class Callback:
    action: Action
    arg: str = ""

    def encode(self) -> str:
        data = f"{VERSION}|{self.action.value}|{self.arg}"
        if len(data.encode()) > MAX_BYTES:
            raise ValueError(f"callback data over {MAX_BYTES} bytes: {data!r}")
        return data


CODEC = CallbackCodec()  # the one codec of the running bot; features register with it as they are imported


def register(actions: type[A], checks: Mapping[A, ArgCheck]) -> type[A]:
    """Register a feature's actions with the bot's codec (see `CallbackCodec.register`)."""
    return CODEC.register(actions, checks)


def encode(action: Action, arg: str = "") -> str:
    return CODEC.encode(action, arg)


def parse(data: object) -> Callback | None:
    """The callback a button carries, or None for anything that is not ours and well-formed."""
    return CODEC.parse(data)


def matches(*actions: Action) -> Callable[[object], bool]:
    """A `pattern=` for CallbackQueryHandler: accepts valid data whose action is one of `actions`."""

    def check(data: object) -> bool:
        parsed = parse(data)
        return parsed is not None and parsed.action in actions

    return check
