"""The task's card in its supervisors group: what, where, who, due, and the live counts, with ⏹ Stop.

Pure: the card is rendered from the task, the words for its area and audience, and its counts. The counts
come from the task's outbox batch (sent, unreachable, failed, still queued, cancelled) and its assignments
(accepted, declined, reported back); the card is edited when they change (bot/tasks/cards.py).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from html import escape
from typing import Any

from bot.kernel.callbacks import encode
from bot.tasks.card_actions import TaskGroupAction
from bot.tasks.due import shown
from bot.tasks.messages import maps_link, zone_label
from locales import t
from storage.delivery.broadcasts import BatchCounts
from storage.tasks.tasks import AnswerCounts, NewTask, TaskRow

CARD_TEXT_LIMIT = 600  # characters of the task's text on the card (the card stays well under 4,096)


@dataclass(frozen=True, slots=True)
class CardCounts:
    recipients: int = 0
    queued: int = 0
    sent: int = 0
    unreachable: int = 0
    failed: int = 0
    uncertain: int = 0
    cancelled: int = 0
    accepted: int = 0
    declined: int = 0
    reported: int = 0
    stopped: bool = False

    @classmethod
    def of(cls, recipients: int, batch: BatchCounts, answers: AnswerCounts, *, stopped: bool) -> CardCounts:
        # Rows not queued yet count as queued: the card never shows fewer than the task's recipients.
        queued = max(batch.queued, recipients - batch.total + batch.queued)
        return cls(recipients, queued, batch.sent, batch.unreachable, batch.failed, batch.uncertain,
                   batch.cancelled, answers.accepted, answers.declined, answers.reported, stopped)

    def dumps(self, version: int) -> str:
        return json.dumps({"v": version, **asdict(self)}, sort_keys=True)

    @staticmethod
    def loads(stored: str | None) -> tuple[int, CardCounts | None]:
        """(version, counts) of what the card shows; (0, None) before its first edit."""
        if not stored:
            return 0, None
        data: dict[str, Any] = json.loads(stored)
        version = int(data.pop("v", 0))
        try:
            return version, CardCounts(**data)
        except TypeError:  # counts stored by another version of the card
            return version, None


@dataclass(frozen=True, slots=True)
class CardWords:
    """What the card says for the task's area and audience, found before it is rendered."""

    where: str
    who: str


def _short(text: str) -> str:
    return text if len(text) <= CARD_TEXT_LIMIT else text[: CARD_TEXT_LIMIT - 1].rstrip() + "…"


def card_text(task: NewTask | TaskRow, task_id: int, words: CardWords, counts: CardCounts, locale: str) -> str:
    if counts.stopped:
        state = t(locale, "task_card.state_stopped")
    elif counts.queued:
        state = t(locale, "task_card.state_sending")
    else:
        state = t(locale, "task_card.state_sent")
    lines = [t(locale, "task_card.title", id=task_id, state=state), escape(_short(task.text)), ""]
    if task.attachment_kind is not None:
        lines.append(t(locale, f"task_card.attachment_{task.attachment_kind}"))
    lines.append(t(locale, "task_card.where", where=escape(words.where)))
    lines.append(t(locale, "task_card.who", who=escape(words.who)))
    if task.due_at is not None:
        lines.append(t(locale, "task_card.due", due=shown(task.due_at, task.timezone, zone_label(task.timezone))))
    if task.latitude is not None and task.longitude is not None:
        lines.append(t(locale, "task_card.place", link=maps_link(task.latitude, task.longitude, locale)))
    lines.append(t(locale, "task_card.report_back_yes" if task.report_back else "task_card.report_back_no"))
    lines.append("")
    lines.append(t(locale, "task_card.sent", sent=counts.sent, total=counts.recipients))
    lines.append(t(locale, "task_card.not_reached", unreachable=counts.unreachable, failed=counts.failed))
    if counts.uncertain:
        lines.append(t(locale, "task_card.uncertain", count=counts.uncertain))
    if counts.queued:
        lines.append(t(locale, "task_card.queued", count=counts.queued))
    if counts.cancelled:
        lines.append(t(locale, "task_card.cancelled", count=counts.cancelled))
    lines.append(t(locale, "task_card.answers", accepted=counts.accepted, declined=counts.declined,
                   reported=counts.reported))
    return "\n".join(lines)


def card_markup(task_id: int, counts: CardCounts, locale: str) -> dict[str, Any]:
    """⏹ Stop while the task is not stopped; nothing after."""
    if counts.stopped:
        return {"inline_keyboard": []}
    return {"inline_keyboard": [[
        {"text": t(locale, "task_card.stop"), "callback_data": encode(TaskGroupAction.STOP, str(task_id))},
    ]]}
