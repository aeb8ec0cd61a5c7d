"""/start, /bantuan (/help) and /bahasa (/language): the menu, the explanation and the language switch;
and the sender's client language, noted for every update."""

from __future__ import annotations

import re

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import filters

from bot.kernel.callbacks import Action
from bot.kernel.context import PantauContext
from handlers.reporting.kit import answer_query, ask, callback_arg
from handlers.reporting.prompts import button
from locales import LOCALES, t

# `/start lapor` (or `/start report`): what Telegram sends for https://t.me/<bot>?start=lapor, the link
# on posters and QR codes. The report conversation takes it as an entry point; plain /start does not.
REPORT_LINK = filters.Regex(re.compile(r"^/start(?:@\w+)?\s+(?:lapor|report)\s*$", re.IGNORECASE))


async def note_client_language(update: Update, context: PantauContext) -> None:
    """Every update, first: note the sender's Telegram client language, used until they choose one."""
    user = update.effective_user
    if user is not None and not user.is_bot:
        await context.services.users.saw_client_language(user.id, user.language_code)


def _menu(locale: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [button(t(locale, "button.make_report"), Action.START_REPORT)],
            [button(t(locale, "button.my_reports"), Action.MY_REPORTS)],
            [button(t(locale, "button.help"), Action.HELP),
             button(t(locale, "button.language"), Action.LANGUAGE, "en" if locale == "id" else "id")],
        ]
    )


async def start(update: Update, context: PantauContext) -> None:
    """/start: what Pantau is, and the main menu."""
    user, chat = update.effective_user, update.effective_chat
    if user is None or chat is None:
        return
    locale = await context.services.users.locale(user.id)
    await context.bot.send_message(chat.id, t(locale, "start.welcome"), reply_markup=_menu(locale))


async def help_command(update: Update, context: PantauContext) -> None:
    """/bantuan, /help or the help button: how reporting works, what a laporan needs, privacy."""
    user, chat = update.effective_user, update.effective_chat
    if user is None or chat is None:
        return
    await answer_query(update)
    locale = await context.services.users.locale(user.id)
    await context.bot.send_message(chat.id, t(locale, "help.text"))


async def language_menu(update: Update, context: PantauContext) -> None:
    """/bahasa, /language: choose the language."""
    user, chat = update.effective_user, update.effective_chat
    if user is None or chat is None:
        return
    locale = await context.services.users.locale(user.id)
    rows = [[button(t(code, "language.name"), Action.LANGUAGE, code) for code in LOCALES]]
    await context.bot.send_message(chat.id, t(locale, "language.choose"), reply_markup=InlineKeyboardMarkup(rows))


async def set_language(update: Update, context: PantauContext) -> None:
    """A language button: switch, and ask the current report step again in the new language."""
    user, chat = update.effective_user, update.effective_chat
    if user is None or chat is None:
        return
    locale = callback_arg(update)
    services = context.services
    await services.users.set_locale(user.id, locale)
    await answer_query(update)
    await context.bot.send_message(chat.id, t(locale, "language.changed"))
    draft = await services.intake.get(user.id)
    if draft is not None and draft.active:
        await ask(context, draft, locale)


async def outside_conversation(update: Update, context: PantauContext) -> None:
    """A private message when no report is in progress: point to the menu."""
    user, chat = update.effective_user, update.effective_chat
    if user is None or chat is None:
        return
    locale = await context.services.users.locale(user.id)
    await context.bot.send_message(chat.id, t(locale, "start.outside"), reply_markup=_menu(locale))
