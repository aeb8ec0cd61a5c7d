"""The buttons on a task's message to a volunteer (the group's own buttons are in bot/tasks/card_actions.py).

Registered with the kernel's callback codec (bot/kernel/callbacks.py); the values are the wire names and must
not change (buttons in messages already sent carry them). The argument is the task's id.
"""

from __future__ import annotations

import re

from bot.kernel.callbacks import Action, register

_TASK_ID = re.compile(r"[0-9]{1,9}")


def task_id_arg(arg: str) -> bool:
    return _TASK_ID.fullmatch(arg) is not None


class VolunteerTaskAction(Action):
    ACCEPT = "tka"  # ✅ Terima
    DECLINE = "tkd"  # ❌ Tolak
    REPORT_BACK = "tkr"  # 📝 Lapor hasil


register(VolunteerTaskAction, dict.fromkeys(VolunteerTaskAction, task_id_arg))
