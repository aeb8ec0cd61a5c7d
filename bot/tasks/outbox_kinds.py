"""Tasks' outbox kinds (bot/delivery/policy.py): what the worker knows of the rows tasks queue."""

from __future__ import annotations

from bot.delivery.policy import MessageKind


class TaskKind(MessageKind):
    TASK = "task"  # a task's message to one volunteer (a row of the task's batch)
