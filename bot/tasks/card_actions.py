"""The buttons of tasks in a supervisors group: the /tugas form's steps and the task card's ⏹ Stop.

Registered with the kernel's callback codec (bot/kernel/callbacks.py); the values are the wire names and must not
change. A form's buttons carry its token first ("<token>:<choice>"): a button of an older form, or of another
supervisor's form, changes nothing.
"""

from __future__ import annotations

import re

from bot.kernel.callbacks import Action, no_arg, register

TOKEN = r"[A-Za-z0-9_-]{8}"
_REGION = r"[0-9]{2}(?:\.[0-9]{2}(?:\.[0-9]{2}(?:\.[0-9]{4})?)?)?"
_TOKEN_ONLY = re.compile(TOKEN)
_AREA = re.compile(rf"{TOKEN}:{_REGION}")
_AREA_OPEN = re.compile(rf"{TOKEN}:(?:{_REGION})?:[0-9]{{1,2}}")
_WHO = re.compile(rf"{TOKEN}:(?:all|kinds|orgs|k\.[a-z_]{{1,20}}|o\.[0-9]{{1,9}})")
_SKIP = re.compile(rf"{TOKEN}:(?:attach|due|place)")
_REPORT_BACK = re.compile(rf"{TOKEN}:[01]")
_TASK_ID = re.compile(r"[0-9]{1,9}")

class TaskGroupAction(Action):
    NEW = "tgn"  # ➕ Tugas baru, under /tugas's list
    AREA = "tga"  # arg: "<token>:<region code>": send the task there
    AREA_OPEN = "tgd"  # arg: "<token>:<region code or empty: the group's>:<page>": the regions under it
    WHO = "tgo"  # arg: "<token>:all|kinds|orgs|k.<kind>|o.<organisation id>"
    SKIP = "tgs"  # arg: "<token>:attach|due|place": an optional step left out
    REPORT_BACK = "tgr"  # arg: "<token>:1|0"
    SEND = "tgk"  # arg: the form's token: 📤 Kirim
    CANCEL = "tgx"  # arg: the form's token
    STOP = "tgq"  # arg: the task's id: ⏹ Stop on the card

register(TaskGroupAction, {
    TaskGroupAction.NEW: no_arg,
    TaskGroupAction.AREA: lambda arg: _AREA.fullmatch(arg) is not None,
    TaskGroupAction.AREA_OPEN: lambda arg: _AREA_OPEN.fullmatch(arg) is not None,
    TaskGroupAction.WHO: lambda arg: _WHO.fullmatch(arg) is not None,
    TaskGroupAction.SKIP: lambda arg: _SKIP.fullmatch(arg) is not None,
    TaskGroupAction.REPORT_BACK: lambda arg: _REPORT_BACK.fullmatch(arg) is not None,
    TaskGroupAction.SEND: lambda arg: _TOKEN_ONLY.fullmatch(arg) is not None,
    TaskGroupAction.CANCEL: lambda arg: _TOKEN_ONLY.fullmatch(arg) is not None,
    TaskGroupAction.STOP: lambda arg: _TASK_ID.fullmatch(arg) is not None,
})
