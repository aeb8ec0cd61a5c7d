"""Step 6 of the report conversation: photos (single or albums), videos and documents as evidence."""

from __future__ import annotations

import logging

from telegram import InlineKeyboardMarkup, Message, Update
from telegram.error import BadRequest, TelegramError
from telegram.ext import ContextTypes

from bot.callbacks import Action
from bot.context import PantauContext
from bot.intake import Draft
from handlers.report_kit import answer_query, ask, step_handler
from handlers.report_prompts import button
from locales import t

log = logging.getLogger(__name__)
ALBUM_SETTLE_SECONDS = 1.0  # an album arrives as separate updates; answer once it has settled


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
    try:
        telegram_file = await context.bot.get_file(file_id)
        return bytes(await telegram_file.download_as_bytearray()), "stored"
    except BadRequest as exc:
        if "too big" in exc.message.lower():
            return None, "too_big"
        log.warning("evidence download refused: %s", exc)
        return None, "failed"
    except TelegramError as exc:
        log.warning("evidence download failed: %s", exc)
        return None, "failed"


def _received(locale: str, count: int, note: str | None = None) -> tuple[str, InlineKeyboardMarkup]:
    text = t(locale, "evidence.received", count=count)
    if note:
        text = f"{note}\n{text}"
    return text, InlineKeyboardMarkup([[button(t(locale, "button.done"), Action.EVIDENCE_DONE)]])


@step_handler(reask_on_redelivery=False)
async def on_evidence(update: Update, context: PantauContext, draft: Draft, locale: str) -> object:
    """A photo, video or document: store it and acknowledge (once per album)."""
    message = update.effective_message
    assert message is not None
    found = _file_of(message)
    if found is None:
        return draft.step
    kind, file_id, unique_id, size, mime, name = found
    intake = context.services.intake
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
    if not added:
        return draft.step  # the same file again (a re-delivered update): already acknowledged
    note = t(locale, "evidence.too_big") if stored == "too_big" else None
    if stored == "failed":
        note = t(locale, "evidence.failed")
    if message.media_group_id and context.job_queue is not None:
        name_ = f"album:{draft.user_id}:{message.media_group_id}"
        if not context.job_queue.get_jobs_by_name(name_):
            context.job_queue.run_once(
                _album_settled, ALBUM_SETTLE_SECONDS, chat_id=draft.row.chat_id, user_id=draft.user_id,
                name=name_, data=locale,
            )
        if note:
            await context.bot.send_message(draft.row.chat_id, note)
        return draft.step
    count = await intake.drafts.evidence_count(draft.user_id)
    text, markup = _received(locale, count, note)
    await context.bot.send_message(draft.row.chat_id, text, reply_markup=markup)
    return draft.step


async def _album_settled(context: ContextTypes.DEFAULT_TYPE) -> None:
    """One acknowledgement for a whole album, sent when its last part has arrived."""
    job = context.job
    assert job is not None and job.user_id is not None and job.chat_id is not None
    services = context.application.bot_data["pantau.services"]
    count = await services.intake.drafts.evidence_count(job.user_id)
    text, markup = _received(str(job.data), count)
    await context.bot.send_message(job.chat_id, text, reply_markup=markup)


@step_handler()
async def on_done(update: Update, context: PantauContext, draft: Draft, locale: str) -> object:
    """"Done" with evidence: on to the next step."""
    await answer_query(update)
    draft = await context.services.intake.answer(draft, update.update_id)
    await ask(context, draft, locale)
    return draft.step
