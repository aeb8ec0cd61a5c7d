"""A task's message to one volunteer, in their language, with ✅ Terima / ❌ Tolak."""

from __future__ import annotations

from html import escape

from bot.kernel.callbacks import encode
from bot.tasks.actions import VolunteerTaskAction
from locales import t
from storage.tasks.tasks import NewTask


def task_message(task: NewTask, task_id: int, locale: str) -> tuple[str, dict[str, object]]:
    """(Bot API method, payload without chat_id) of the task's message to a volunteer writing in `locale`."""
    text = t(locale, "task_message.text", id=task_id, text=escape(task.text))
    buttons = {"inline_keyboard": [[
        {"text": t(locale, "task_message.accept"), "callback_data": encode(VolunteerTaskAction.ACCEPT, str(task_id))},
        {"text": t(locale, "task_message.decline"), "callback_data": encode(VolunteerTaskAction.DECLINE, str(task_id))},
    ]]}
    return "sendMessage", {"text": text, "reply_markup": buttons}
