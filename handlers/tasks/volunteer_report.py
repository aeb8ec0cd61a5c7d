"""📝 Lapor hasil: the report-back conversation in the volunteer's private chat (text, photos and albums, a
location; ✅ Kirim submits, ❌ Batal or /batal discards), and ⚠️ Jadikan laporan, which starts the report
conversation prefilled from a submitted report-back.

The conversation has one state, COLLECTING, kept by an open report-back (task_reports): it is taken from the
database at start (bot/delivery/persistence.py, owned), so a restart goes on where the volunteer was. It
takes a volunteer's messages only while they have a report-back open, before the report conversation does;
commands it does not know (/lapor among them: answered "finish first") and other features' buttons are not
lost to it silently.
"""

from __future__ import annotations

import functools
import logging
import warnings
from collections.abc import Callable, Coroutine
from typing import Any

from telegram import InlineKeyboardMarkup, Message, ReplyParameters, Update
from telegram.constants import ChatType
from telegram.error import TelegramError
from telegram.ext import CallbackQueryHandler, CommandHandler, ContextTypes, ConversationHandler, MessageHandler, filters
from telegram.warnings import PTBUserWarning

from bot.kernel.callbacks import matches
from bot.kernel.context import SERVICES_KEY, PantauContext
from bot.kernel.refusal import Refusal
from bot.kernel.services import Services
from bot.tasks.actions import VolunteerTaskAction
from bot.tasks.answer_actions import TaskAnswerAction
from bot.tasks.answers import COLLECTING, REPORT_BACK_CONVERSATION, ReportBack
from handlers.kernel.buttons import StaleButton, button, callback_arg
from handlers.kernel.deep_links import REPORT_LINK
from handlers.kernel.files import download
from handlers.kernel.replies import answer_query
from locales import t

log = logging.getLogger(__name__)
ALBUM_SETTLE_SECONDS = 1.0  # an album arrives as separate updates: its status is shown once it has settled
NEW = filters.UpdateType.MESSAGE & filters.ChatType.PRIVATE
TEXT = NEW & filters.TEXT & ~filters.COMMAND
FILES = NEW & (filters.PHOTO | filters.VIDEO | filters.Document.ALL)
LOCATION = NEW & filters.LOCATION

Callback = Callable[[Update, PantauContext], Coroutine[Any, Any, object]]


def _status(locale: str, back: ReportBack) -> tuple[str, InlineKeyboardMarkup]:
    yes, no = t(locale, "report_back.yes"), t(locale, "report_back.no")
    text = t(locale, "report_back.status", id=back.task.id, text=yes if back.has_text else no, photos=back.photos,
             files=back.other_files, location=yes if back.has_location else no)
    report_id = str(back.report.id)
    markup = InlineKeyboardMarkup([[button(t(locale, "report_back.submit"), TaskAnswerAction.SUBMIT, report_id),
                                    button(t(locale, "report_back.cancel"), TaskAnswerAction.CANCEL, report_id)]])
    return text, markup


async def _show_status(context: PantauContext | ContextTypes.DEFAULT_TYPE, services: Services, user_id: int,
                       chat_id: int, locale: str, *, intro: bool = False) -> None:
    back = await services.task_answers.current(user_id)
    if back is None:
        return  # submitted or discarded meanwhile (an album's status, late)
    text, markup = _status(locale, back)
    if intro and back.empty:
        text = t(locale, "report_back.start", id=back.task.id)
    await context.bot.send_message(chat_id, text, reply_markup=markup)


async def _state(services: Services, user_id: int) -> object:
    """The conversation's state as the database has it."""
    return COLLECTING if await services.task_answers.current(user_id) is not None else ConversationHandler.END


def report_back_step(callback: Callback) -> Callback:
    """Wrap a report-back handler: private chats only; a Refusal becomes a short localised answer; any other
    failure an apology, and the conversation follows the database."""

    @functools.wraps(callback)
    async def wrapper(update: Update, context: PantauContext) -> object:
        user, chat = update.effective_user, update.effective_chat
        if user is None or chat is None:
            return None
        services = context.services
        locale = await services.users.locale(user.id)
        if chat.type != ChatType.PRIVATE:
            await answer_query(update, t(locale, "task_reply.private_only"), alert=True)
            return None
        try:
            return await callback(update, context)
        except StaleButton:
            await answer_query(update, t(locale, "button.stale"), alert=True)
        except Refusal as exc:
            text = t(locale, exc.key, **exc.params)
            if exc.key == "report_back.volunteer_gone" and await services.task_answers.cancel(user.id):
                # They left or were suspended with a report-back open: it can no longer be sent, so it is closed
                # (their messages go back to the other conversations).
                text = t(locale, "report_back.closed_not_verified")
            if update.callback_query is not None:
                await answer_query(update, text, alert=True)
            else:
                await _reply(update, context, chat.id, "⚠️ " + text)
        except Exception:
            log.exception("report-back step failed for user %s", user.id)
            try:
                await context.bot.send_message(chat.id, t(locale, "error.generic"))
            except TelegramError:
                log.exception("could not apologise after a failure")
        return await _state(services, user.id)

    return wrapper


async def _reply(update: Update, context: PantauContext, chat_id: int, text: str) -> None:
    message = update.effective_message
    reply = ReplyParameters(message.message_id, allow_sending_without_reply=True) if message is not None else None
    await context.bot.send_message(chat_id, text, reply_parameters=reply)


async def _locale(update: Update, context: PantauContext) -> str:
    user = update.effective_user
    return await context.services.users.locale(user.id if user else None)


# ---- entry -------------------------------------------------------------------------------------


@report_back_step
async def begin(update: Update, context: PantauContext) -> object:
    """📝 Lapor hasil: start (or go on with) the report-back on that task."""
    user, chat = update.effective_user, update.effective_chat
    assert user is not None and chat is not None
    task_id = int(callback_arg(update))
    await context.services.task_answers.begin(task_id, user.id)
    await answer_query(update)
    await _show_status(context, context.services, user.id, chat.id, await _locale(update, context), intro=True)
    return COLLECTING


# ---- what the volunteer sends ------------------------------------------------------------------


@report_back_step
async def on_text(update: Update, context: PantauContext) -> object:
    """A text message: part of the report-back's text."""
    user, chat, message = update.effective_user, update.effective_chat, update.effective_message
    assert user is not None and chat is not None and message is not None
    await context.services.task_answers.add_text(user.id, message.text or "")
    await _show_status(context, context.services, user.id, chat.id, await _locale(update, context))
    return COLLECTING


@report_back_step
async def on_location(update: Update, context: PantauContext) -> object:
    """A shared location (or a venue's): the report-back's place."""
    user, chat, message = update.effective_user, update.effective_chat, update.effective_message
    assert user is not None and chat is not None and message is not None and message.location is not None
    await context.services.task_answers.set_location(user.id, message.location.latitude, message.location.longitude)
    await _show_status(context, context.services, user.id, chat.id, await _locale(update, context))
    return COLLECTING


def _file_of(message: Message) -> tuple[str, str, str, int | None, str | None] | None:
    """(kind, file_id, unique_id, size, mime type) of the file a message carries."""
    if message.photo:
        largest = message.photo[-1]
        return "photo", largest.file_id, largest.file_unique_id, largest.file_size, "image/jpeg"
    if message.video:
        return "video", message.video.file_id, message.video.file_unique_id, message.video.file_size, \
            message.video.mime_type
    if message.document:
        d = message.document
        return "document", d.file_id, d.file_unique_id, d.file_size, d.mime_type
    return None


async def _download(context: PantauContext, file_id: str) -> tuple[bytes | None, str]:
    """The file's bytes, or None with why (too big for the Bot API's 20 MB, or a failed download)."""
    return await download(context.bot, file_id, "report-back file")


@report_back_step
async def on_file(update: Update, context: PantauContext) -> object:
    """A photo, video or document, stored content-addressed; an album is acknowledged once it has settled."""
    user, chat, message = update.effective_user, update.effective_chat, update.effective_message
    assert user is not None and chat is not None and message is not None
    found = _file_of(message)
    if found is None:
        return COLLECTING
    kind, file_id, unique_id, size, mime = found
    answers = context.services.task_answers
    locale = await _locale(update, context)
    if await answers.current(user.id) is None:  # nothing to download for
        raise Refusal("report_back.not_active")
    content, stored = (None, "too_big") if answers.too_big_to_download(size) else await _download(context, file_id)
    _, added = await answers.add_file(user.id, kind=kind, file_id=file_id, unique_id=unique_id, size=size,
                                      mime_type=mime, media_group_id=message.media_group_id, content=content,
                                      stored=stored)
    if not added:
        return COLLECTING  # the same file again (a re-delivered update): acknowledged already
    if stored in ("too_big", "failed"):
        await _reply(update, context, chat.id, "⚠️ " + t(locale, f"report_back.{stored}"))
    if message.media_group_id and context.job_queue is not None:
        name = f"taskalbum:{user.id}:{message.media_group_id}"
        if not context.job_queue.get_jobs_by_name(name):
            context.job_queue.run_once(_album_settled, ALBUM_SETTLE_SECONDS, chat_id=chat.id, user_id=user.id,
                                       name=name, data=locale)
        return COLLECTING
    await _show_status(context, context.services, user.id, chat.id, locale)
    return COLLECTING


async def _album_settled(context: ContextTypes.DEFAULT_TYPE) -> None:
    """One status for a whole album, once its last part has arrived."""
    job = context.job
    assert job is not None and job.user_id is not None and job.chat_id is not None
    services: Services = context.application.bot_data[SERVICES_KEY]
    await _show_status(context, services, job.user_id, job.chat_id, str(job.data))


# ---- send, cancel ------------------------------------------------------------------------------


async def _close_buttons(update: Update) -> None:
    query = update.callback_query
    if query is None or query.message is None:
        return
    try:
        await query.edit_message_reply_markup(None)
    except TelegramError as exc:  # too old to edit: its buttons are refused anyway
        log.debug("could not remove the report-back's buttons: %s", exc)


@report_back_step
async def on_submit(update: Update, context: PantauContext) -> object:
    """✅ Kirim: the report-back goes to the group under the task's card, once; the volunteer's confirmation
    comes through the outbox with the same commit."""
    user = update.effective_user
    assert user is not None
    services = context.services
    locale = await _locale(update, context)
    submitted = await services.task_answers.submit(user.id, int(callback_arg(update)), locale)
    if submitted.created:
        await answer_query(update, t(locale, "report_back.sent_toast"))
        if services.outbox_worker is not None:
            services.outbox_worker.notify()
    else:
        await answer_query(update, t(locale, "report_back.already_sent"), alert=True)
    await _close_buttons(update)
    return await _state(services, user.id)


@report_back_step
async def on_cancel(update: Update, context: PantauContext) -> object:
    """❌ Batal or /batal: the report-back in progress is discarded."""
    user, chat = update.effective_user, update.effective_chat
    assert user is not None and chat is not None
    if update.callback_query is not None:
        current = await context.services.task_answers.current(user.id)
        if current is None or str(current.report.id) != callback_arg(update):
            await answer_query(update, t(await _locale(update, context), "button.stale"), alert=True)
            return await _state(context.services, user.id)
    await context.services.task_answers.cancel(user.id)
    await answer_query(update)
    await _close_buttons(update)
    await context.bot.send_message(chat.id, t(await _locale(update, context), "report_back.cancelled"))
    return ConversationHandler.END


@report_back_step
async def busy(update: Update, context: PantauContext) -> object:
    """/lapor or another feature's button while a report-back is open: finish it (or cancel) first."""
    raise Refusal("report_back.busy")


@report_back_step
async def wrong_input(update: Update, context: PantauContext) -> object:
    """Stickers, voice notes, contacts, unknown commands: what a report-back can take."""
    raise Refusal("report_back.expected_input")


# ---- ⚠️ Jadikan laporan --------------------------------------------------------------------------


async def prepare_report(update: Update, context: PantauContext) -> str | None:
    """The report conversation's entry from a submitted report-back (handlers/kernel/report_entries.py): the
    prefilled draft is written; the note above its first question, or None (refused, said here)."""
    user, chat = update.effective_user, update.effective_chat
    if user is None or chat is None:
        return None
    locale = await context.services.users.locale(user.id)
    if chat.type != ChatType.PRIVATE:
        await answer_query(update, t(locale, "task_reply.private_only"), alert=True)
        return None
    try:
        task = await context.services.task_answers.make_report(user.id, chat.id, update.update_id,
                                                              int(callback_arg(update)))
    except StaleButton:
        await answer_query(update, t(locale, "button.stale"), alert=True)
        return None
    except Refusal as exc:
        await answer_query(update, t(locale, exc.key, **exc.params), alert=True)
        return None
    return t(locale, "report_back.report_intro", id=task.id)


def build_report_back_conversation() -> ConversationHandler[PantauContext]:
    """The report-back conversation. Persistent: its state is the open report-back, stored in SQLite."""
    with warnings.catch_warnings():
        # per_message=False is deliberate (one report-back per volunteer; its buttons name it).
        warnings.filterwarnings("ignore", message="If 'per_message=False'", category=PTBUserWarning)
        return ConversationHandler(
            name=REPORT_BACK_CONVERSATION,
            persistent=True,
            allow_reentry=True,
            entry_points=[
                CallbackQueryHandler(begin, pattern=matches(VolunteerTaskAction.REPORT_BACK)),
                # Also with no report-back open: a double tap of ✅ Kirim is answered "sent already".
                CallbackQueryHandler(on_submit, pattern=matches(TaskAnswerAction.SUBMIT)),
                CallbackQueryHandler(on_cancel, pattern=matches(TaskAnswerAction.CANCEL)),
            ],
            states={
                COLLECTING: [
                    MessageHandler(TEXT, on_text),
                    MessageHandler(FILES, on_file),
                    MessageHandler(LOCATION, on_location),
                ],
            },
            fallbacks=[
                CommandHandler(["batal", "cancel"], on_cancel),
                CommandHandler(["lapor", "report"], busy),
                CommandHandler("start", busy, filters=filters.ChatType.PRIVATE & REPORT_LINK),
                CallbackQueryHandler(busy),
                MessageHandler(NEW, wrong_input),
            ],
        )
