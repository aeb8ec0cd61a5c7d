"""The buttons of a volunteer's report-back (the task's own ✅ / ❌ / 📝 are in bot/tasks/actions.py).

Registered with the kernel's callback codec (bot/kernel/callbacks.py); the values are the wire names and must
not change. The argument is the report-back's id (task_reports.id).
"""

from __future__ import annotations

from bot.kernel.callbacks import Action, register
from bot.tasks.actions import task_id_arg


class TaskAnswerAction(Action):
    SUBMIT = "tbs"  # ✅ Kirim: the report-back goes to the task's group
    CANCEL = "tbx"  # ❌ Batal: the report-back in progress is discarded
    MAKE_REPORT = "tbm"  # ⚠️ Jadikan laporan: a submitted report-back starts a prefilled /lapor


register(TaskAnswerAction, dict.fromkeys(TaskAnswerAction, task_id_arg))
