"""What a submitted report-back queues: its messages to the task's group, threaded under the task's card, and
the volunteer's confirmation.

The group gets the text (with a header naming the task, the volunteer's organisation or "individual" and
REL-<n>, never a name or a phone), the photos by file_id (one album per ten; Telegram re-encodes photos, which
drops their EXIF metadata) and the location. Videos and documents are stored as evidence but never sent to the
group, only counted in the text. The rows are NORMAL priority and paced per group like alerts by the worker.
"""

from __future__ import annotations

from html import escape
from typing import Any

from bot.kernel.callbacks import encode
from bot.tasks.answer_actions import TaskAnswerAction
from bot.tasks.batch import card_key
from locales import t
from storage.delivery.outbox import REPLY, OutboxMessage
from storage.tasks.answers import TaskEvidenceRow, TaskReportRow
from storage.tasks.tasks import TaskRow

ALBUM_SIZE = 10  # Telegram's limit of items in one album
ALBUM = "pantau.task_album"  # the outbox method of an album (bot/tasks/report_back_delivery.py sends it)


def reference(ref: int) -> str:
    """How the group names a volunteer: their reference number, as on their verification card
    (bot/volunteers/verification_card.py), never their name."""
    return f"REL-{ref:04d}"


def group_messages(task: TaskRow, report: TaskReportRow, evidence: list[TaskEvidenceRow], *, ref: int,
                   organisation: str | None, locale: str) -> list[OutboxMessage]:
    """The report-back's messages to the task's group, in the order they go (text, photos, location)."""
    who = escape(organisation) if organisation else t(locale, "report_back.individual")
    header = t(locale, "report_back.group_header", id=task.id, ref=reference(ref), who=who)
    lines = [header]
    if report.text:
        lines.extend(["", escape(report.text)])
    others = sum(1 for e in evidence if e.kind != "photo")
    if others:
        lines.extend(["", t(locale, "report_back.group_files_kept", count=others)])
    thread: dict[str, Any] = {"reply_to_key": card_key(task.id)}
    key = f"taskreport:{report.id}"
    messages = [OutboxMessage(f"{key}:text", task.group_chat_id, "sendMessage", {"text": "\n".join(lines), **thread})]
    photos = [e.telegram_file_id for e in evidence if e.kind == "photo"]
    caption = t(locale, "report_back.group_caption", id=task.id, ref=reference(ref))
    for n, start in enumerate(range(0, len(photos), ALBUM_SIZE)):
        chunk = photos[start:start + ALBUM_SIZE]
        if len(chunk) == 1:
            payload: dict[str, Any] = {"photo": chunk[0], "caption": caption, **thread}
            messages.append(OutboxMessage(f"{key}:photos:{n}", task.group_chat_id, "sendPhoto", payload))
            continue
        media = [{"type": "photo", "media": file_id} for file_id in chunk]
        media[0]["caption"] = caption
        messages.append(OutboxMessage(f"{key}:photos:{n}", task.group_chat_id, ALBUM, {"media": media, **thread}))
    if report.latitude is not None and report.longitude is not None:
        messages.append(OutboxMessage(f"{key}:location", task.group_chat_id, "sendLocation",
                                      {"latitude": report.latitude, "longitude": report.longitude, **thread}))
    return messages


def confirmation_message(task: TaskRow, report: TaskReportRow, *, locale: str) -> OutboxMessage:
    """The volunteer's "sent" message, with the button that turns the report-back into a report."""
    markup = {"inline_keyboard": [[{
        "text": t(locale, "report_back.make_report"),
        "callback_data": encode(TaskAnswerAction.MAKE_REPORT, str(report.id)),
    }]]}
    return OutboxMessage(
        f"taskreport:{report.id}:sent", report.chat_id, "sendMessage",
        {"text": t(locale, "report_back.sent", id=task.id), "reply_markup": markup}, priority=REPLY,
    )
