"""Tasks' handlers and where each sits in the order (bot/kernel/stages.py): /tugas in supervisors groups and
the task card's buttons; a task's ✅ / ❌, /tugassaya and report-backs in volunteers' private chats."""

from __future__ import annotations

from bot.kernel.stages import HandlerStages
from handlers.tasks import group_routes, volunteer_routes


def register(stages: HandlerStages) -> None:
    """Every task handler, part by part."""
    group_routes.register(stages)  # /tugas in supervisors groups, its form, ⏹ Stop on the card
    volunteer_routes.register(stages)  # a task's ✅ / ❌, /tugassaya, report-backs (private chats)
