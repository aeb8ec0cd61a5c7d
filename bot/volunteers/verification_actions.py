"""The buttons of a volunteer's verification card (in a supervisors group, or a coordinator's private chat).

Registered with the kernel's callback codec (bot/kernel/callbacks.py); the values are the wire names and must
not change (buttons in messages already sent carry them). The argument is the volunteer's card reference (the
number of REL-0042), never their Telegram id.
"""

from __future__ import annotations

import re

from bot.kernel.callbacks import Action, register

_REF = re.compile(r"[1-9][0-9]{0,9}")


def ref_arg(arg: str) -> bool:
    return _REF.fullmatch(arg) is not None


class VerificationAction(Action):
    VERIFY = "vvok"  # ✅ Verifikasi
    REJECT = "vvno"  # ❌ Tolak
    SUSPEND = "vvsu"  # ⏸ Tangguhkan
    REACTIVATE = "vvre"  # ▶️ Aktifkan lagi
    IDENTITY = "vvid"  # 🔎 Identitas: name and phone, to the presser's private chat


register(VerificationAction, dict.fromkeys(VerificationAction, ref_arg))
