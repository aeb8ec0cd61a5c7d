"""✅ Terima / ❌ Tolak on a task's message, in the volunteer's private chat."""

from __future__ import annotations

import logging

from telegram import InlineKeyboardMarkup, Message, Update
from telegram.constants import ChatType
from telegram.error import BadRequest, TelegramError

from bot.kernel.callbacks import parse
from bot.kernel.context import PantauContext
from bot.kernel.refusal import Refusal
from bot.tasks.actions import VolunteerTaskAction
from bot.tasks.answers import Answered, AssignmentStatus
from handlers.kernel.buttons import button
from handlers.kernel.replies import answer_query
from locales import LOCALES, t

log = logging.getLogger(__name__)
_STATUS_KEYS = ("task_reply.accepted", "task_reply.declined")
MAX_TEXT = 4096
MAX_CAPTION = 1024


def _without_status(text: str) -> str:
    """The task's own text: an answer line added by an earlier press (in any language) is taken off."""
    for locale in LOCALES:
        for key in _STATUS_KEYS:
            suffix = "\n\n" + t(locale, key)
            if text.endswith(suffix):
                return text[: -len(suffix)]
    return text


def _markup(answered: Answered, locale: str) -> InlineKeyboardMarkup | None:
    """After an answer: 📝 Lapor hasil on an accepted task that asks for a report-back; ✅ Terima on a declined
    one (a change of mind)."""
    task_id = str(answered.task.id)
    if answered.status is AssignmentStatus.ACCEPTED and answered.task.report_back:
        return InlineKeyboardMarkup([[button(t(locale, "task_reply.report_button"), VolunteerTaskAction.REPORT_BACK,
                                             task_id)]])
    if answered.status is AssignmentStatus.DECLINED:
        return InlineKeyboardMarkup([[button(t(locale, "task_message.accept"), VolunteerTaskAction.ACCEPT, task_id)]])
    return None


async def _show(message: Message, answered: Answered, locale: str) -> None:
    """The task's message, edited to show the answer (its text or its caption, if the task came with a file)."""
    line = t(locale, f"task_reply.{answered.status.value}")
    markup = _markup(answered, locale)
    try:
        if message.caption is not None:
            caption = _without_status(message.caption_html)
            await message.edit_caption(f"{caption}\n\n{line}"[:MAX_CAPTION], reply_markup=markup)
        elif message.text is not None:
            text = _without_status(message.text_html)
            await message.edit_text(f"{text}\n\n{line}"[:MAX_TEXT], reply_markup=markup)
    except BadRequest as exc:
        if "not modified" in exc.message:
            return
        log.info("task message %s not editable (%s): the answer is sent instead", message.message_id, exc.message)
        await message.reply_text(line, reply_markup=markup)


async def on_answer(update: Update, context: PantauContext) -> None:
    """✅ Terima or ❌ Tolak: the answer is stored once, then the task's message shows it."""
    query, user = update.callback_query, update.effective_user
    if query is None or user is None:
        return
    locale = await context.services.users.locale(user.id)
    parsed = parse(query.data)
    message = query.message if isinstance(query.message, Message) else None
    if parsed is None or message is None:
        await answer_query(update, t(locale, "button.stale"), alert=True)
        return
    if message.chat.type != ChatType.PRIVATE:
        await answer_query(update, t(locale, "task_reply.private_only"), alert=True)
        return
    if message.chat.id != user.id:  # somebody else's message (a forged press): never answered for its owner
        await answer_query(update, t(locale, "task_reply.not_yours"), alert=True)
        return
    try:
        answered = await context.services.task_answers.respond(
            int(parsed.arg), user.id, accept=parsed.action is VolunteerTaskAction.ACCEPT
        )
    except Refusal as exc:
        await answer_query(update, t(locale, exc.key, **exc.params), alert=True)
        if exc.key in ("task_reply.stopped", "task_reply.past_due"):
            try:  # nothing left to press on it
                await message.edit_reply_markup(None)
            except TelegramError as error:
                log.debug("could not remove the task's buttons: %s", error)
        return
    toast = f"task_reply.{answered.status.value}_toast" if answered.changed else "task_reply.same_toast"
    await answer_query(update, t(locale, toast))
    await _show(message, answered, locale)
