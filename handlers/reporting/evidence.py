"""Step 6 of the report conversation: photos (single or albums), videos and documents as evidence."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import weakref
from collections.abc import AsyncIterator

from telegram import Bot, InlineKeyboardMarkup, Message, ReplyParameters, Update
from telegram.constants import ChatAction
from telegram.error import BadRequest, TelegramError
from telegram.ext import ContextTypes

from bot.kernel.context import PantauContext
from bot.kernel.services import Services
from bot.reporting.actions import ReportAction
from bot.reporting.draft import Step
from bot.reporting.intake import Draft
from handlers.kernel.files import download
from handlers.reporting.kit import advance, step_handler
from handlers.reporting.prompts import answered_line, button
from locales import t

log = logging.getLogger(__name__)
ALBUM_SETTLE_SECONDS = 1.0  # an album arrives as separate updates; answer once it has settled
CHAT_ACTION_AFTER = 1.0  # seconds a download may take before the reporter is shown "sending a file…"
CHAT_ACTION_EVERY = 4.0  # seconds; Telegram shows a chat action for about 5 s


def _file_of(message: Message) -> tuple[str, str, str, int | None, str | None, str | None] | None:
    """(kind, file_id, unique_id, size, mime type, file name) of the evidence a message carries."""
    if message.photo:
        largest = message.photo[-1]
        return "photo", largest.file_id, largest.file_unique_id, largest.file_size, "image/jpeg", None
    if message.video:
        v = message.video
        return "video", v.file_id, v.file_unique_id, v.file_size, v.mime_type, v.file_name
    if message.document:
        d = message.document
        return "document", d.file_id, d.file_unique_id, d.file_size, d.mime_type, d.file_name
    return None


async def _download(context: PantauContext, file_id: str, size: int | None) -> tuple[bytes | None, str]:
    """The file's bytes, or None with why: too big for the Bot API (20 MB), or a failed download."""
    if context.services.intake.too_big_to_download(size):
        return None, "too_big"
    return await download(context.bot, file_id, "evidence")


def _status_text(locale: str, count: int, oversized: int) -> tuple[str, InlineKeyboardMarkup]:
    text = t(locale, "evidence.received", count=count)
    if oversized:
        text += "\n" + t(locale, "evidence.oversized", count=oversized)
    return text, InlineKeyboardMarkup([[button(t(locale, "button.done"), ReportAction.EVIDENCE_DONE)]])


def _lock(user_id: int) -> asyncio.Lock:
    """One status update at a time per reporter (an album's is sent from a job, beside the chat's updates)."""
    lock = _status_locks.get(user_id)
    if lock is None:
        lock = _status_locks[user_id] = asyncio.Lock()
    return lock


_status_locks: weakref.WeakValueDictionary[int, asyncio.Lock] = weakref.WeakValueDictionary()


async def show_status(bot: Bot, services: Services, user_id: int, locale: str, *, new: bool = False) -> None:
    """The batch's one "received N files" message with its Done button: edited as files arrive. A new one
    is sent (and the old one loses its button) when there is none yet, it is old or gone, or `new`."""
    async with _lock(user_id):
        draft = await services.intake.get(user_id)
        if draft is None or not draft.active or draft.step is not Step.EVIDENCE:
            return  # the reporter moved on meanwhile (an album's job, late)
        text, markup = _status_text(locale, *await services.intake.evidence_counts(user_id))
        chat_id, old = draft.row.chat_id, draft.answers.status_message_id
        if old is not None and not new and services.intake.status_message_fresh(draft.answers):
            try:
                await bot.edit_message_text(text, chat_id, old, reply_markup=markup)
                return
            except BadRequest as exc:
                if "not modified" in exc.message:
                    return
                log.info("evidence status message %s not editable (%s): sending a new one", old, exc.message)
        message = await bot.send_message(chat_id, text, reply_markup=markup)
        await services.intake.remember_status_message(user_id, message.message_id)
        if old is not None:
            try:
                await bot.edit_message_reply_markup(chat_id, old, reply_markup=None)
            except TelegramError as exc:  # deleted, or too old to edit: its Done button is refused anyway
                log.debug("could not remove the old status message's button: %s", exc)


@contextlib.asynccontextmanager
async def _busy(bot: Bot, chat_id: int) -> AsyncIterator[None]:
    """Show "sending a file…" in the reporter's chat while the evidence downloads, once it takes longer than
    CHAT_ACTION_AFTER (a quick download, the usual case, costs no call), renewed every few seconds (Telegram
    shows a chat action for about 5 s)."""

    async def action() -> bool:
        try:
            await bot.send_chat_action(chat_id, ChatAction.UPLOAD_DOCUMENT)
            return True
        except TelegramError as exc:  # only a courtesy: never in the way of the download
            log.debug("chat action failed: %s", exc)
            return False

    async def renew() -> None:
        await asyncio.sleep(CHAT_ACTION_AFTER)
        while True:
            if not await action():
                return
            await asyncio.sleep(CHAT_ACTION_EVERY)

    task = asyncio.create_task(renew())
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def keep_file(context: PantauContext, draft: Draft, update: Update, message: Message) -> str | None:
    """The photo, video or document a message carries, kept as the draft's evidence (its bytes downloaded and
    hashed when the Bot API allows): how it was stored, or None if there is none or it was kept before."""
    found = _file_of(message)
    if found is None:
        return None
    kind, file_id, unique_id, size, mime, name = found
    intake = context.services.intake
    if intake.too_big_to_download(size):
        content, stored = None, "too_big"
    else:
        async with _busy(context.bot, draft.row.chat_id):
            content, stored = await _download(context, file_id, size)
    added = await intake.add_evidence(
        draft,
        update.update_id,
        kind=kind,
        file_id=file_id,
        unique_id=unique_id,
        size=size,
        mime_type=mime,
        file_name=name,
        media_group_id=message.media_group_id,
        content=content,
        stored=stored,
    )
    return stored if added else None


@step_handler(reask_on_redelivery=False)
async def on_evidence(update: Update, context: PantauContext, draft: Draft, locale: str) -> object:
    """A photo, video or document: store it, and update the batch's status message (once per album)."""
    message = update.effective_message
    assert message is not None
    stored = await keep_file(context, draft, update, message)
    if stored is None:
        return draft.step  # nothing in it, or the same file again (a re-delivered update): already acknowledged
    note = {"too_big": t(locale, "evidence.too_big"), "failed": t(locale, "evidence.failed")}.get(stored)
    if note:  # said at once, in a message of its own; the status below it then starts afresh
        await context.bot.send_message(
            draft.row.chat_id, "⚠️ " + note,
            reply_parameters=ReplyParameters(message.message_id, allow_sending_without_reply=True),
        )
    if message.media_group_id and context.job_queue is not None:
        name_ = f"album:{draft.user_id}:{message.media_group_id}"
        if not context.job_queue.get_jobs_by_name(name_):
            context.job_queue.run_once(
                _album_settled, ALBUM_SETTLE_SECONDS, chat_id=draft.row.chat_id, user_id=draft.user_id,
                name=name_, data=locale,
            )
        return draft.step
    await show_status(context.bot, context.services, draft.user_id, locale, new=note is not None)
    return draft.step


async def _album_settled(context: ContextTypes.DEFAULT_TYPE) -> None:
    """One acknowledgement for a whole album, once its last part has arrived: the batch's status."""
    job = context.job
    assert job is not None and job.user_id is not None
    services = context.application.bot_data["pantau.services"]
    await show_status(context.bot, services, job.user_id, str(job.data))


@step_handler()
async def on_done(update: Update, context: PantauContext, draft: Draft, locale: str) -> object:
    """"Done" with evidence: on to the next step. The pressed status message becomes the files received and the
    next question (under the status lock, so that a late album acknowledgement cannot overwrite it)."""
    intake = context.services.intake
    async with _lock(draft.user_id):
        count, _ = await intake.evidence_counts(draft.user_id)
        draft = await intake.answer(draft, update.update_id)
        note = answered_line(locale, t(locale, "review.evidence"), t(locale, "review.files", count=count))
        await advance(update, context, draft, locale, note=note)
    return draft.step
