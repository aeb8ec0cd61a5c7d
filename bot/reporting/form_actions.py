"""The report form's button (📄): a reporter asks for the pre-filled report form of one of their reports.

Its own `Action` class, registered with the kernel's callback codec (bot/kernel/callbacks.py); the value is the
wire name and must not change (confirmations already sent carry it). The argument is a case code in its
canonical form; whose report it is, is checked when the button is pressed (bot/reporting/form_delivery.py).
"""

from __future__ import annotations

from typing import Any

from bot.kernel.callbacks import Action, encode, register
from bot.kernel.case_code import normalize_case_code
from locales import t


class FormAction(Action):
    FORM = "frm"  # arg: case code


def _case_code(arg: str) -> bool:
    return normalize_case_code(arg) == arg


register(FormAction, {FormAction.FORM: _case_code})


def form_markup(locale: str, case_code: str) -> dict[str, Any]:
    """The inline keyboard (Bot API JSON, as the outbox stores it) with the form's one button."""
    return {"inline_keyboard": [[{"text": t(locale, "form.button"), "callback_data": encode(FormAction.FORM, case_code)}]]}
