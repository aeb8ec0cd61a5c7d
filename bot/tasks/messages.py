"""A task's message to one volunteer, in their language, with ✅ Terima / ❌ Tolak.

The message says what to do, the due time in the region's zone, the place (a maps link) and whether a
report-back is asked for. With an attachment (a Telegram file_id, so it is sent again by id) it is a photo or a
document with the text as its caption, if the caption fits Telegram's 1,024 characters; otherwise the text is
the message and the attachment follows it as a reply (`task_parts`).
"""

from __future__ import annotations

import re
from html import escape, unescape

from bot.kernel.callbacks import encode
from bot.regions.directory import TIMEZONE_NAMES
from bot.tasks.actions import VolunteerTaskAction
from bot.tasks.due import shown
from locales import t
from storage.tasks.tasks import NewTask

CAPTION_LIMIT = 1024
_TAG = re.compile(r"<[^>]+>")
_LABELS = {name: label for label, name in TIMEZONE_NAMES.items()}
_SEND = {"photo": "sendPhoto", "document": "sendDocument"}


def visible_length(html: str) -> int:
    """The characters Telegram counts in a text sent with HTML formatting."""
    return len(unescape(_TAG.sub("", html)))


def maps_link(latitude: float, longitude: float, locale: str) -> str:
    """An HTML link to the place on a map."""
    url = f"https://maps.google.com/?q={latitude:.6f},{longitude:.6f}"
    return f'<a href="{url}">{escape(t(locale, "task_message.map"))}</a>'


def zone_label(zone: str) -> str:
    return _LABELS.get(zone, zone)


def task_text(task: NewTask, task_id: int, locale: str) -> str:
    """The task as a volunteer reads it (HTML)."""
    lines = [t(locale, "task_message.text", id=task_id, text=escape(task.text))]
    extra = []
    if task.due_at is not None:
        extra.append(t(locale, "task_message.due", due=shown(task.due_at, task.timezone, zone_label(task.timezone))))
    if task.latitude is not None and task.longitude is not None:
        extra.append(t(locale, "task_message.place", link=maps_link(task.latitude, task.longitude, locale)))
    extra.append(t(locale, "task_message.report_back_yes" if task.report_back else "task_message.report_back_no"))
    return "\n\n".join([*lines, "\n".join(extra)])


def _fits_caption(task: NewTask, text: str) -> bool:
    return task.attachment_file_id is not None and visible_length(text) <= CAPTION_LIMIT


def task_message(task: NewTask, task_id: int, locale: str) -> tuple[str, dict[str, object]]:
    """(Bot API method, payload without chat_id) of the task's message to a volunteer writing in `locale`."""
    text = task_text(task, task_id, locale)
    buttons = {"inline_keyboard": [[
        {"text": t(locale, "task_message.accept"), "callback_data": encode(VolunteerTaskAction.ACCEPT, str(task_id))},
        {"text": t(locale, "task_message.decline"), "callback_data": encode(VolunteerTaskAction.DECLINE, str(task_id))},
    ]]}
    if _fits_caption(task, text) and task.attachment_kind in _SEND:
        kind = task.attachment_kind
        return _SEND[kind], {kind: task.attachment_file_id, "caption": text, "parse_mode": "HTML",
                             "reply_markup": buttons}
    return "sendMessage", {"text": text, "parse_mode": "HTML", "reply_markup": buttons}


def task_parts(task: NewTask, task_id: int, locale: str) -> list[tuple[str, dict[str, object]]]:
    """What follows the task's message for one volunteer: the attachment, when the text was too long to be its
    caption (sent as a reply to the message)."""
    if task.attachment_file_id is None or task.attachment_kind not in _SEND:
        return []
    if _fits_caption(task, task_text(task, task_id, locale)):
        return []
    kind = task.attachment_kind
    caption = t(locale, "task_message.attachment", id=task_id)
    return [(_SEND[kind], {kind: task.attachment_file_id, "caption": caption, "parse_mode": "HTML"})]
