"""/start, /bantuan (/help) and /bahasa (/language): the menu, the explanation and the language switch;
and the sender's client language, noted for every update."""

from __future__ import annotations

from telegram import InlineKeyboardMarkup, Update

from bot.kernel.context import PantauContext
from bot.people.actions import PeopleAction
from bot.reporting.actions import ReportAction
from handlers.kernel.buttons import button, callback_arg
from handlers.kernel.language import language_changed
from handlers.kernel.replies import answer_query
from locales import LOCALES, t


async def note_client_language(update: Update, context: PantauContext) -> None:
    """Every update, first: note the sender's Telegram client language, used until they choose one."""
    user = update.effective_user
    if user is not None and not user.is_bot:
        await context.services.users.saw_client_language(user.id, user.language_code)


def _menu(locale: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [button(t(locale, "button.make_report"), ReportAction.START_REPORT)],
            [button(t(locale, "button.my_reports"), ReportAction.MY_REPORTS)],
            [button(t(locale, "button.help"), PeopleAction.HELP),
             button(t(locale, "button.language"), PeopleAction.LANGUAGE, "en" if locale == "id" else "id")],
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
    texts = context.services.intake.texts  # the deployment's election: its regulation and reporting window
    await context.bot.send_message(
        chat.id, t(locale, "help.text", regulation=texts.regulation(), window=texts.window(locale))
    )


async def language_menu(update: Update, context: PantauContext) -> None:
    """/bahasa, /language: choose the language."""
    user, chat = update.effective_user, update.effective_chat
    if user is None or chat is None:
        return
    locale = await context.services.users.locale(user.id)
    rows = [[button(t(code, "language.name"), PeopleAction.LANGUAGE, code) for code in LOCALES]]
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
    await language_changed(context, user.id, locale)  # reporting asks a report's current step again


async def outside_conversation(update: Update, context: PantauContext) -> None:
    """A private message when no report is in progress: point to the menu."""
    user, chat = update.effective_user, update.effective_chat
    if user is None or chat is None:
        return
    locale = await context.services.users.locale(user.id)
    await context.bot.send_message(chat.id, t(locale, "start.outside"), reply_markup=_menu(locale))
