"""What the supervisors group's side of tasks puts into the outbox: its message kinds and dedup keys.

The card is the row `card_key(task_id)` (bot/tasks/batch.py; report-backs are threaded under it). Each edit of
the card is a row of its own, keyed by the card's version, so an edit queued twice goes once and a later edit
is never mistaken for an earlier one. A recipient's extra row (the attachment, when the text is too long to
be its caption) is in the batch `parts_batch(task_id)`, threaded under the recipient's main row.
"""

from __future__ import annotations

from bot.delivery.policy import MessageKind
from bot.tasks.batch import card_key, task_batch


class TaskGroupKind(MessageKind):
    CARD = "task_card"  # the task's card in its group
    CARD_EDIT = "task_card_edit"  # an edit of the card (counts, stopped)
    PART = "task_part"  # a recipient's attachment sent after the task's text
    REMINDER = "task_reminder"  # the reminder before the due time
    FORM = "task_form"  # a step of the /tugas form in the group


def parts_batch(task_id: int) -> str:
    """Not a task batch (bot/tasks/batch.py task_of_batch says None): its rows are not counted on the card."""
    return f"{task_batch(task_id)}:parts"


def card_edit_key(task_id: int, version: int) -> str:
    return f"{card_key(task_id)}:v{version}"


def reminder_key(task_id: int, user_id: int) -> str:
    return f"taskremind:{task_id}:u{user_id}"
