"""Voting day's buttons (issue 13): adopting a TPS (/jagatps), its checklists, the results photo (/hasil).

Registered with the kernel's callback codec (bot/kernel/callbacks.py); the values are the wire names and must
not change (buttons in messages already sent carry them).
"""

from __future__ import annotations

import re

from bot.kernel.callbacks import Action, register
from bot.tps.checklist import QUESTIONS, Checkpoint, Contest

_ID = re.compile(r"[0-9]{1,9}")
_INDEX = re.compile(r"[0-9]{1,2}")  # ASCII digits: str.isdigit() takes "²", which int() refuses
_DESA = re.compile(r"[0-9]{2}\.[0-9]{2}\.[0-9]{2}\.[0-9]{4}")


class TpsAction(Action):
    DESA = "tpd"  # arg: a desa's code: its TPS
    PICK = "tpp"  # arg: a TPS id: watch it (then primary or backup)
    ROLE = "tpr"  # arg: "<TPS id>:primary" or "<TPS id>:backup"
    RELEASE = "tpx"  # arg: a TPS id: stop watching it
    ANSWER = "tpa"  # arg: "<TPS id>:<checkpoint>:<question index>:y|n"
    RESULT = "tph"  # arg: "<TPS id>:<contest>": the next photo is that contest's results form
    REPORT = "tpl"  # arg: "<TPS id>:<checkpoint>": report what is wrong at the TPS (a prefilled report)


def _role(arg: str) -> bool:
    tps, _, role = arg.partition(":")
    return bool(_ID.fullmatch(tps)) and role in ("primary", "backup")


def _answer(arg: str) -> bool:
    parts = arg.split(":")
    if len(parts) != 4 or not _ID.fullmatch(parts[0]) or parts[1] not in {c.value for c in Checkpoint}:
        return False
    in_range = bool(_INDEX.fullmatch(parts[2])) and int(parts[2]) < len(QUESTIONS[Checkpoint(parts[1])])
    return in_range and parts[3] in ("y", "n")


def _result(arg: str) -> bool:
    tps, _, contest = arg.partition(":")
    return bool(_ID.fullmatch(tps)) and contest in {c.value for c in Contest}


def _report(arg: str) -> bool:
    tps, _, checkpoint = arg.partition(":")
    return bool(_ID.fullmatch(tps)) and checkpoint in {c.value for c in Checkpoint}


register(TpsAction, {
    TpsAction.DESA: lambda a: bool(_DESA.fullmatch(a)),
    TpsAction.PICK: lambda a: bool(_ID.fullmatch(a)),
    TpsAction.ROLE: _role,
    TpsAction.RELEASE: lambda a: bool(_ID.fullmatch(a)),
    TpsAction.ANSWER: _answer,
    TpsAction.RESULT: _result,
    TpsAction.REPORT: _report,
})
