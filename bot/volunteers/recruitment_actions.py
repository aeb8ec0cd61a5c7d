"""The buttons of /organisasi in a supervisors group: a new recruitment link for an organisation, and revoking
one (chosen, then confirmed).

Registered with the kernel's callback codec (bot/kernel/callbacks.py); the values are the wire names and must
not change. The argument is an organisation's id (NEW_LINK, REVOKE_CHOOSE) or a link's id (the others).
"""

from __future__ import annotations

import re

from bot.kernel.callbacks import Action, register

_ID = re.compile(r"[1-9][0-9]{0,9}")


def id_arg(arg: str) -> bool:
    return _ID.fullmatch(arg) is not None


class RecruitmentAction(Action):
    NEW_LINK = "rlnew"  # 🔗 a new link (and its QR code) for the organisation
    REVOKE_CHOOSE = "rlrv"  # 🚫 revoke: which of the organisation's links
    REVOKE_ASK = "rlra"  # that link: asks once
    REVOKE_CONFIRM = "rlry"  # yes, revoke it
    REVOKE_CANCEL = "rlrn"  # no


register(RecruitmentAction, dict.fromkeys(RecruitmentAction, id_arg))
