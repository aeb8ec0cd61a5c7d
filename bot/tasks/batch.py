"""The name of a task's broadcast batch in the outbox (storage/delivery/broadcasts.py)."""

from __future__ import annotations

PREFIX = "task:"


def task_batch(task_id: int) -> str:
    return f"{PREFIX}{task_id}"


def task_of_batch(batch: str | None) -> int | None:
    """The task id of a batch name, or None for a batch that is not a task's."""
    number = batch[len(PREFIX):] if batch is not None and batch.startswith(PREFIX) else ""
    if not (number.isascii() and number.isdigit()):
        return None
    return int(number)


def card_key(task_id: int) -> str:
    """The outbox dedup key of the task's card in its group: report-backs are threaded under it
    (`reply_to_key` in their payload, bot/delivery/outbox_worker.py)."""
    return f"taskcard:{task_id}"
