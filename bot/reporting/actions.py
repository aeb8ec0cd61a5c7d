"""Reporting's buttons: the report conversation's choices, the menu's report buttons and a report's status.

Registered with the kernel's callback codec (bot/kernel/callbacks.py); the values are the wire names and must
not change (buttons in messages already sent carry them).
"""

from __future__ import annotations

import re

from bot.kernel.callbacks import Action, no_arg, register
from bot.legal.kinds import Standing
from bot.reporting.categories import CATEGORIES


class ReportAction(Action):
    START_REPORT = "new"  # /start menu: make a report
    MY_REPORTS = "mine"  # /start menu: my reports
    RESUME_DRAFT = "resume"
    DISCARD_DRAFT = "fresh"
    CATEGORY = "cat"  # arg: category key
    WHEN = "when"  # arg: today | yesterday
    KNOWN = "knw"  # arg: same (on the incident's day) | today
    TSM = "tsm"  # arg: yes | no
    STANDING = "stand"  # arg: a Standing value
    REGION = "reg"  # arg: region code chosen in the picker
    REGION_UP = "up"  # arg: code whose parent level to show again ("" = top)
    REGION_WHOLE = "rgw"  # arg: a province's or kabupaten/kota's code: online content about all of it
    REGION_PAGE = "page"  # arg: "<parent code or ->:<page>"
    GPS_CONFIRM = "gps"  # arg: yes | no
    SHARE_LOCATION = "loc"  # step 4: show the reply keyboard that sends the reporter's location
    ONLINE = "onl"  # step 4: it happened online (a post, a video): ask its links first
    ACCOUNT = "acct"  # step 4, online content: the account the links name is the one that posted it
    SKIP = "skip"  # arg: the step being skipped
    EVIDENCE_DONE = "evd"
    IDENTITY = "idt"  # arg: anon | named
    EDIT = "edit"  # arg: field to edit from the review, then ":" and the draft's token (older buttons: none)
    SUBMIT = "send"  # arg: the draft's token (older buttons: "")
    CANCEL = "cancel"  # arg: the draft's token (the review's button), or "" (older buttons)
    STATUS = "st"  # arg: case code


# ASCII digits only, matched against the whole argument (fullmatch: no trailing newline slips through).
_REGION = re.compile(r"[0-9]{2}(\.[0-9]{2}){0,2}")
_WIDE_REGION = re.compile(r"[0-9]{2}(\.[0-9]{2})?")  # a province or a kabupaten/kota
_CASE = re.compile(r"[0-9A-Z-]{6,16}")
_PAGE = re.compile(r"(-|[0-9]{2}(\.[0-9]{2})?):[0-9]{1,3}")
_TOKEN = re.compile(r"[0-9a-f]{8}")  # a draft's token (bot/reporting/intake.py, Draft.token)
_EDITABLE = ("category", "chronology", "when", "links", "where", "party", "evidence", "witnesses", "identity")


def _draft_token(arg: str) -> bool:
    return arg == "" or bool(_TOKEN.fullmatch(arg))


def _edit_arg(arg: str) -> bool:
    field, colon, token = arg.partition(":")
    return field in _EDITABLE and (not colon or bool(_TOKEN.fullmatch(token)))


register(
    ReportAction,
    {
        ReportAction.START_REPORT: no_arg,
        ReportAction.MY_REPORTS: no_arg,
        ReportAction.RESUME_DRAFT: no_arg,
        ReportAction.DISCARD_DRAFT: no_arg,
        ReportAction.CATEGORY: lambda a: a in CATEGORIES,
        ReportAction.WHEN: lambda a: a in ("today", "yesterday"),
        ReportAction.KNOWN: lambda a: a in ("same", "today"),
        ReportAction.TSM: lambda a: a in ("yes", "no"),
        ReportAction.STANDING: lambda a: a in {standing.value for standing in Standing},
        ReportAction.REGION: lambda a: bool(_REGION.fullmatch(a)),
        ReportAction.REGION_UP: lambda a: a == "" or bool(_REGION.fullmatch(a)),
        ReportAction.REGION_WHOLE: lambda a: bool(_WIDE_REGION.fullmatch(a)),
        ReportAction.REGION_PAGE: lambda a: bool(_PAGE.fullmatch(a)),
        ReportAction.GPS_CONFIRM: lambda a: a in ("yes", "no"),
        ReportAction.SHARE_LOCATION: no_arg,
        ReportAction.ONLINE: no_arg,
        ReportAction.ACCOUNT: no_arg,
        ReportAction.SKIP: lambda a: a in ("links", "account", "place", "party", "evidence", "witnesses", "phone"),
        ReportAction.EVIDENCE_DONE: no_arg,
        ReportAction.IDENTITY: lambda a: a in ("anon", "named"),
        ReportAction.EDIT: _edit_arg,
        ReportAction.SUBMIT: _draft_token,
        ReportAction.CANCEL: _draft_token,
        ReportAction.STATUS: lambda a: bool(_CASE.fullmatch(a)),
    },
)
