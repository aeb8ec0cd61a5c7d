"""What Telegram shows around a chat with the bot: its description and short description (seen before
pressing Start) and the command menus of private chats, groups and group administrators, in every
language. Set once at start; a refusal is logged and never stops the bot."""

from __future__ import annotations

import logging
from collections.abc import Awaitable

from telegram import (
    Bot,
    BotCommand,
    BotCommandScope,
    BotCommandScopeAllChatAdministrators,
    BotCommandScopeAllGroupChats,
    BotCommandScopeAllPrivateChats,
)
from telegram.error import TelegramError

from locales import LOCALES, t

log = logging.getLogger(__name__)

# One menu entry: its description key under [commands], and the command's name in each language.
# Both names of a pair always work; the menu shows the one of the reader's language.
MenuEntry = tuple[str, dict[str, str]]

REPORTER_MENU: list[MenuEntry] = [
    ("lapor", {"id": "lapor", "en": "report"}),
    ("status", {"id": "status", "en": "status"}),
    ("laporansaya", {"id": "laporansaya", "en": "myreports"}),
    ("bahasa", {"id": "bahasa", "en": "language"}),
    ("relawan", {"id": "relawan", "en": "volunteer"}),
    ("relawansaya", {"id": "relawansaya", "en": "myvolunteer"}),
    ("tugassaya", {"id": "tugassaya", "en": "mytasks"}),
    ("datasaya", {"id": "datasaya", "en": "mydata"}),
    ("hapusdata", {"id": "hapusdata", "en": "erasemydata"}),
    ("bantuan", {"id": "bantuan", "en": "help"}),
    ("batal", {"id": "batal", "en": "cancel"}),
]
GROUP_MENU: list[MenuEntry] = [
    ("kasus", {"id": "kasus", "en": "case"}),
    ("antrian", {"id": "antrian", "en": "queue"}),
    ("tugas", {"id": "tugas", "en": "task"}),
    ("undang", {"id": "undang", "en": "invite"}),
    ("organisasi", {"id": "organisasi", "en": "organisations"}),
    ("statistik", {"id": "statistik", "en": "stats"}),
    ("peta", {"id": "peta", "en": "map"}),
    ("ekspor", {"id": "ekspor", "en": "export"}),
    ("ringkasan", {"id": "ringkasan", "en": "digest"}),
    ("cakupan", {"id": "cakupan", "en": "coverage"}),
]
ADMIN_MENU: list[MenuEntry] = [*GROUP_MENU, ("daftar", {"id": "daftar", "en": "register"})]

# Telegram picks the narrowest scope that applies: administrators of a group see ADMIN_MENU there.
MENUS: list[tuple[BotCommandScope, list[MenuEntry]]] = [
    (BotCommandScopeAllPrivateChats(), REPORTER_MENU),
    (BotCommandScopeAllGroupChats(), GROUP_MENU),
    (BotCommandScopeAllChatAdministrators(), ADMIN_MENU),
]


def commands(menu: list[MenuEntry], locale: str) -> list[BotCommand]:
    return [BotCommand(names[locale], t(locale, f"commands.{key}")) for key, names in menu]


def languages(default_locale: str) -> list[tuple[str, str | None]]:
    """(locale, Telegram language_code): the default locale for every client language, each other one
    for the clients set to it."""
    return [(default_locale, None)] + [(locale, locale) for locale in LOCALES if locale != default_locale]


async def set_menus(bot: Bot, default_locale: str) -> None:
    """Set the command menus, the description and the short description in every language."""
    for locale, code in languages(default_locale):
        for scope, menu in MENUS:
            await _attempt(f"commands for {scope.type} ({locale})",
                           bot.set_my_commands(commands(menu, locale), scope=scope, language_code=code))
        await _attempt(f"description ({locale})", bot.set_my_description(t(locale, "start.description"), code))
        await _attempt(f"short description ({locale})",
                       bot.set_my_short_description(t(locale, "start.short_description"), code))


async def _attempt(what: str, call: Awaitable[bool]) -> None:
    try:
        await call
    except TelegramError as exc:
        log.warning("could not set the bot's %s: %s", what, exc)
