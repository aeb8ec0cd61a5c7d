"""The buttons of the volunteer registration, /relawansaya and /berhenti.

Registered with the kernel's callback codec (bot/kernel/callbacks.py); the values are the wire names and must
not change (buttons in messages already sent carry them).
"""

from __future__ import annotations

import re

from bot.kernel.callbacks import Action, no_arg, register
from bot.volunteers.kinds import OrganisationKind
from bot.volunteers.registration_steps import EDITABLE, Step

_REGION = re.compile(r"[0-9]{2}(\.[0-9]{2}){0,2}")
_VILLAGE = re.compile(r"[0-9]{2}\.[0-9]{2}\.[0-9]{2}\.[0-9]{4}")
_PAGE = re.compile(r"(-|[0-9]{2}(\.[0-9]{2})?):[0-9]{1,3}")
_NUMBER = re.compile(r"[0-9]{1,3}")
_ORGANISATION = re.compile(r"[0-9]{1,9}")  # its id; 0: an individual volunteer
_TOKEN = re.compile(r"[0-9a-f]{8}")  # a registration draft's token


class RegistrationAction(Action):
    REGION = "vrr"  # open a province or kabupaten/kota, or choose a kecamatan (arg: its code)
    REGION_PAGE = "vrp"  # another page of the picker (arg: "<parent code or ->:<page>")
    SHARE_LOCATION = "vrl"  # show the reply keyboard that sends one's location
    VILLAGE = "vrv"  # a desa/kelurahan (arg: its code)
    VILLAGE_PAGE = "vrq"  # another page of the villages (arg: page)
    SKIP_VILLAGE = "vrs"
    ORGANISATION = "vro"  # arg: the organisation's id, 0 for "individual"
    ORGANISATION_PAGE = "vrw"  # arg: page
    KIND = "vrk"  # arg: an OrganisationKind
    DECLARE = "vrd"  # arg: "yes" (I declare) or "no" (I cannot)
    CONSENT = "vrc"  # arg: "yes" or "no"
    BACK = "vrb"  # arg: the step it was shown on
    EDIT = "vre"  # arg: "<field>:<token>"
    SUBMIT = "vrn"  # arg: the draft's token
    CANCEL = "vrx"  # arg: the draft's token
    LEAVE = "vrt"  # /berhenti's confirmation: "yes" or "no"


def _edit(arg: str) -> bool:
    field, _, token = arg.partition(":")
    return field in EDITABLE and _TOKEN.fullmatch(token) is not None


def _yes_no(arg: str) -> bool:
    return arg in ("yes", "no")


register(
    RegistrationAction,
    {
        RegistrationAction.REGION: lambda arg: _REGION.fullmatch(arg) is not None,
        RegistrationAction.REGION_PAGE: lambda arg: _PAGE.fullmatch(arg) is not None,
        RegistrationAction.SHARE_LOCATION: no_arg,
        RegistrationAction.VILLAGE: lambda arg: _VILLAGE.fullmatch(arg) is not None,
        RegistrationAction.VILLAGE_PAGE: lambda arg: _NUMBER.fullmatch(arg) is not None,
        RegistrationAction.SKIP_VILLAGE: no_arg,
        RegistrationAction.ORGANISATION: lambda arg: _ORGANISATION.fullmatch(arg) is not None,
        RegistrationAction.ORGANISATION_PAGE: lambda arg: _NUMBER.fullmatch(arg) is not None,
        RegistrationAction.KIND: lambda arg: arg in OrganisationKind._value2member_map_,
        RegistrationAction.DECLARE: _yes_no,
        RegistrationAction.CONSENT: _yes_no,
        RegistrationAction.BACK: lambda arg: arg in Step._value2member_map_,
        RegistrationAction.EDIT: _edit,
        RegistrationAction.SUBMIT: lambda arg: _TOKEN.fullmatch(arg) is not None,
        RegistrationAction.CANCEL: lambda arg: _TOKEN.fullmatch(arg) is not None,
        RegistrationAction.LEAVE: _yes_no,
    },
)
