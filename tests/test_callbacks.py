"""Callback data: the only way buttons are built and read. Anything not built by `encode` must parse to None."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from telegram import CallbackQuery, Chat, Message, Update, User
from telegram.ext import CallbackQueryHandler

from bot.insight.actions import InsightAction
from bot.kernel import callbacks
from bot.kernel.callbacks import CODEC, MAX_BYTES, VERSION, Action, Callback, encode, matches, parse
from bot.kernel.case_code import new_case_code
from bot.people.actions import PeopleAction
from bot.privacy.actions import PrivacyAction
from bot.reporting.actions import ReportAction
from bot.reporting.categories import CATEGORIES
from bot.reporting.draft import EDIT_ENTRY
from bot.reporting.form_actions import FormAction
from bot.supervision.actions import SupervisionAction
from bot.tasks.actions import VolunteerTaskAction
from bot.tasks.answer_actions import TaskAnswerAction
from bot.tasks.card_actions import TaskGroupAction
from bot.tps.actions import TpsAction
from bot.volunteers.kinds import OrganisationKind
from bot.volunteers.recruitment_actions import RecruitmentAction
from bot.volunteers.registration_actions import RegistrationAction
from bot.volunteers.verification_actions import VerificationAction

# Every argument each action accepts (for the regex-shaped ones: a representative set).
VALID_ARGS: dict[Action, tuple[str, ...]] = {
    ReportAction.START_REPORT: ("",),
    ReportAction.MY_REPORTS: ("",),
    PeopleAction.HELP: ("",),
    PeopleAction.LANGUAGE: ("id", "en"),
    ReportAction.RESUME_DRAFT: ("",),
    ReportAction.DISCARD_DRAFT: ("",),
    ReportAction.CATEGORY: CATEGORIES,
    ReportAction.WHEN: ("today", "yesterday"),
    ReportAction.KNOWN: ("same", "today"),
    ReportAction.TSM: ("yes", "no"),
    ReportAction.STANDING: ("voter", "observer", "participant", "other"),
    ReportAction.REGION: ("15", "15.71", "15.71.04", "91.05.12"),
    ReportAction.REGION_UP: ("", "15", "15.71", "15.71.04"),
    ReportAction.REGION_WHOLE: ("15", "15.71", "91.05"),
    ReportAction.REGION_PAGE: ("-:0", "-:1", "15:2", "15.71:0", "15.71:999"),
    ReportAction.GPS_CONFIRM: ("yes", "no"),
    ReportAction.SHARE_LOCATION: ("",),
    ReportAction.ONLINE: ("",),
    ReportAction.ACCOUNT: ("",),
    ReportAction.SKIP: ("links", "account", "place", "party", "evidence", "witnesses", "phone"),
    ReportAction.EVIDENCE_DONE: ("",),
    ReportAction.IDENTITY: ("anon", "named"),
    # The review's buttons name their draft (8 hex digits); buttons sent before that carry none.
    ReportAction.EDIT: (
        "category", "chronology", "when", "links", "where", "party", "evidence", "witnesses", "identity", "when:0a1b2c3d"
    ),
    ReportAction.SUBMIT: ("", "0a1b2c3d"),
    ReportAction.CANCEL: ("", "ffffffff"),
    ReportAction.STATUS: ("PTU-ABCD-EF23", "ABCDEF", "0123456789ABCDEF"),
    FormAction.FORM: ("PTU-ABCD-EF23", "PTU-0000-ZZZZ"),  # a case code, in its canonical form only
    SupervisionAction.TRIAGE: (
        "claim::1", "ask::42", "fwd:gakkumdu:7", "rej:not_election:123456789012", "open::9", "back::3"
    ),
    SupervisionAction.DUPLICATE_OF: ("43:42", "1:2", "123456789012:123456789011"),  # a report, the original
    **dict.fromkeys(VolunteerTaskAction, ("1", "42", "999999999")),  # a task's id
    **dict.fromkeys(TaskAnswerAction, ("1", "42", "999999999")),  # a report-back's id
    TaskGroupAction.NEW: ("",),
    TaskGroupAction.AREA: ("Ab3_-x9Z:15", "Ab3_-x9Z:15.71", "Ab3_-x9Z:15.71.04", "Ab3_-x9Z:15.71.04.1001"),
    TaskGroupAction.AREA_OPEN: ("Ab3_-x9Z::0", "Ab3_-x9Z:15.71:2", "Ab3_-x9Z:15.71.04:12"),
    TaskGroupAction.WHO: ("Ab3_-x9Z:all", "Ab3_-x9Z:kinds", "Ab3_-x9Z:orgs", "Ab3_-x9Z:k.students", "Ab3_-x9Z:o.12"),
    TaskGroupAction.SKIP: ("Ab3_-x9Z:attach", "Ab3_-x9Z:due", "Ab3_-x9Z:place"),
    TaskGroupAction.REPORT_BACK: ("Ab3_-x9Z:1", "Ab3_-x9Z:0"),
    TaskGroupAction.SEND: ("Ab3_-x9Z",),
    TaskGroupAction.CANCEL: ("Ab3_-x9Z",),
    TaskGroupAction.STOP: ("1", "999999999"),
    RegistrationAction.REGION: ("15", "15.71", "15.71.04"),
    RegistrationAction.REGION_PAGE: ("-:0", "15:2", "15.71:999"),
    RegistrationAction.SHARE_LOCATION: ("",),
    RegistrationAction.VILLAGE: ("15.71.04.1001",),
    RegistrationAction.VILLAGE_PAGE: ("0", "12"),
    RegistrationAction.SKIP_VILLAGE: ("",),
    RegistrationAction.ORGANISATION: ("0", "1", "123456789"),
    RegistrationAction.ORGANISATION_PAGE: ("0", "3"),
    RegistrationAction.KIND: tuple(OrganisationKind),
    RegistrationAction.DECLARE: ("yes", "no"),
    RegistrationAction.CONSENT: ("yes", "no"),
    RegistrationAction.BACK: ("name", "region", "village", "organisation", "kind", "phone", "declaration", "consent",
                              "review"),
    RegistrationAction.EDIT: ("name:0a1b2c3d", "region:0a1b2c3d", "organisation:0a1b2c3d", "phone:0a1b2c3d"),
    RegistrationAction.SUBMIT: ("0a1b2c3d",),
    RegistrationAction.CANCEL: ("0a1b2c3d",),
    RegistrationAction.LEAVE: ("yes", "no"),
    **dict.fromkeys(VerificationAction, ("1", "42", "9999999999")),  # a card's reference, never a Telegram id
    **dict.fromkeys(RecruitmentAction, ("1", "1234567890")),  # an organisation's or a link's id
    **dict.fromkeys(PrivacyAction, ("",)),  # /hapusdata's confirmation: the pressed message says which request
    TpsAction.DESA: ("15.71.04.1001",),
    **dict.fromkeys((TpsAction.PICK, TpsAction.RELEASE), ("1", "999999999")),  # a TPS's id
    TpsAction.ROLE: ("1:primary", "42:backup"),
    TpsAction.ANSWER: ("1:opening:0:y", "7:closing:2:n", "9:count:2:y"),
    TpsAction.RESULT: ("1:governor", "3:dprd_regency"),
    TpsAction.REPORT: ("1:opening", "2:count"),
    InsightAction.PERIOD: ("today", "7d", "all"),
    InsightAction.EXPORT: ("csv", "xlsx", "geojson"),
}
EVERY_ACTION: list[Action] = [  # every feature's
    *ReportAction, *PeopleAction, *SupervisionAction, *VolunteerTaskAction, *TaskAnswerAction, *TaskGroupAction,
    *RegistrationAction, *VerificationAction, *RecruitmentAction, *PrivacyAction, *FormAction, *TpsAction, *InsightAction,
]
VALID = [(action, arg) for action, args in VALID_ARGS.items() for arg in args]


def test_the_table_above_covers_every_action():
    assert set(VALID_ARGS) == set(EVERY_ACTION) == set(CODEC.actions())


@pytest.mark.parametrize(("action", "arg"), VALID, ids=[f"{a.value}:{g}" for a, g in VALID])
def test_round_trip(action: Action, arg: str):
    data = encode(action, arg)
    assert data == f"{VERSION}|{action.value}|{arg}"
    assert len(data.encode()) <= MAX_BYTES
    assert parse(data) == Callback(action, arg)
    assert Callback(action, arg).encode() == data


def test_encode_without_argument_is_empty_argument():
    assert encode(ReportAction.SUBMIT) == "1|send|"
    assert parse(encode(ReportAction.SUBMIT)) == Callback(ReportAction.SUBMIT, "")


def test_every_action_value_is_distinct_and_has_no_separator():
    values = [a.value for a in EVERY_ACTION]
    assert len(set(values)) == len(values)
    assert all(v and "|" not in v for v in values)


def test_generated_case_codes_fit_the_status_button():
    for _ in range(50):
        code = new_case_code()
        assert parse(encode(ReportAction.STATUS, code)) == Callback(ReportAction.STATUS, code)


def test_edit_buttons_and_review_edit_entries_agree():
    for field in EDIT_ENTRY:
        assert parse(encode(ReportAction.EDIT, field)) is not None, field
    assert {arg.partition(":")[0] for arg in VALID_ARGS[ReportAction.EDIT]} == set(EDIT_ENTRY)


# ---- forged and invalid data --------------------------------------------------------------------------------

WRONG_VERSION = ["0|new|", "2|new|", "|new|", "01|new|", " 1|new|", "1 |new|", "v1|new|", "1.0|new|"]
UNKNOWN_ACTION = ["1|nope|", "1|NEW|", "1|New|", "1||", "1| new|", "1|new |", "1|reg ion|15", "1|START_REPORT|"]
BAD_ARG = [
    "1|new|x",
    "1|help| ",
    "1|lang|fr",
    "1|lang|ID",
    "1|lang|",
    "1|cat|unknown",
    "1|cat|",
    "1|cat|Money_politics",
    "1|when|tomorrow",
    "1|reg|",
    "1|reg|1",
    "1|reg|151",
    "1|reg|15.7",
    "1|reg|15.71.04.1001",
    "1|reg|15..71",
    "1|reg|.15",
    "1|reg|15.",
    "1|up|1",
    "1|up|15.",
    "1|page|15",
    "1|page|-",
    "1|page|-:",
    "1|page|:1",
    "1|page|-:1000",
    "1|page|-:-1",
    "1|page|15.71.04:1",
    "1|gps|maybe",
    "1|skip|category",
    "1|skip|",
    "1|evd|1",
    "1|idt|anonymous",
    "1|edit|review",
    "1|edit|",
    "1|send|now",
    "1|send|0a1b2c3",
    "1|send|0A1B2C3D",
    "1|edit|when:",
    "1|edit|when:xyz",
    "1|edit|review:0a1b2c3d",
    "1|loc|x",
    "1|cancel|x",
    "1|st|",
    "1|st|ABCDE",
    "1|st|0123456789ABCDEFG",
    "1|st|ptu-abcd-ef23",
    "1|st|PTU_ABCD_EF23",
    "1|frm|",
    "1|frm|ptu-abcd-ef23",
    "1|frm|ABCDEF23",
    "1|frm|PTU-ABCD-EF2",
    "1|frm|PTU-ABCD-EFU3",
    "1|frm|PTU-ABCD-EF23 ",
    "1|frm|PTU-ABCD-EF23\n",
]
EXTRA_SEPARATORS = [
    "1|new||",
    "1|reg|15|",
    "1|reg|15|16",
    "|1|new|",
    "1||new|",
    "1|new",
    "1|",
    "1",
    "",
    "|",
    "||",
    "|||",
]
UNICODE_TRICKS = [
    "１|new|",  # fullwidth digit one as the version
    "1|nеw|",  # Cyrillic е
    "1|сat|hoax",  # Cyrillic с
    "1|lang|іd",  # Cyrillic і
    "1|new\u200b|",  # zero-width space
    "1|cat|hoax\u200b",
    "\ufeff1|new|",  # byte order mark
    "1|new|\x00",
    "1|cat|hoa\u0301x",  # combining accent
    "1｜new｜",  # fullwidth vertical bars
    "1|cat|hoax\n",  # a trailing newline on a fixed-choice argument
    "1|new|\n",
]
# Arguments checked by regular expressions: `\d` and `$` must not let these through.
UNICODE_TRICKS_REGEX_ARGS = [
    "1|reg|１５",  # fullwidth digits
    "1|reg|١٥",  # Arabic-Indic digits
    "1|reg|۱۵.۷۱",  # Extended Arabic-Indic digits
    "1|up|١٥",
    "1|page|-:١",
    "1|page|١٥:1",
    "1|reg|15\n",  # `$` matches before a final newline
    "1|up|15.71\n",
    "1|page|-:1\n",
    "1|st|PTU-ABCD-EF23\n",
    "1|tka|１", "1|tka|1\n", "1|tka|1234567890", "1|tgq|", "1|tgk|Ab3_-x9", "1|tga|Ab3_-x9Z:15.7",
    "1|tgo|Ab3_-x9Z:k.", "1|vrr|15.71.04.1001", "1|vrv|15.71.04", "1|vre|consent:0a1b2c3d", "1|vre|name:0A1B2C3D",
    "1|vrk|partai", "1|vrb|done", "1|vrn|", "1|vrt|maybe",
    "1|vvok|１", "1|vvok|0", "1|vvok|01", "1|vvok|1\n", "1|vvid|", "1|vvno|12345678901", "1|rlnew|-1", "1|rlry|٣",
]
TOO_LONG = [
    "1|cat|" + "a" * 59,  # 65 bytes
    "1|st|" + "A" * 60,
    "1|new|" + "é" * 30,  # 66 bytes, 36 characters
]


@pytest.mark.parametrize(
    "data",
    WRONG_VERSION + UNKNOWN_ACTION + BAD_ARG + EXTRA_SEPARATORS + UNICODE_TRICKS + TOO_LONG,
)
def test_forged_or_invalid_data_is_none(data: str):
    assert parse(data) is None


@pytest.mark.parametrize("data", UNICODE_TRICKS_REGEX_ARGS)
def test_regex_arguments_refuse_unicode_digits_and_trailing_newline(data: str):
    assert parse(data) is None


@pytest.mark.parametrize("data", [None, 1, 1.0, b"1|new|", bytearray(b"1|new|"), ["1", "new", ""], ("1|new|",), object()])
def test_non_str_is_none(data: object):
    assert parse(data) is None


def test_version_is_checked_against_the_current_one(monkeypatch: pytest.MonkeyPatch):
    data = encode(PeopleAction.HELP)
    monkeypatch.setattr(callbacks, "VERSION", "2")
    assert parse(data) is None
    assert parse(encode(PeopleAction.HELP)) == Callback(PeopleAction.HELP)


# ---- the 64-byte limit ----------------------------------------------------------------------------------------


def test_encode_accepts_exactly_64_bytes_and_refuses_65():
    prefix = len(f"{VERSION}|{ReportAction.SKIP.value}|")
    assert len(Callback(ReportAction.SKIP, "x" * (MAX_BYTES - prefix)).encode().encode()) == MAX_BYTES
    with pytest.raises(ValueError, match="64 bytes"):
        Callback(ReportAction.SKIP, "x" * (MAX_BYTES - prefix + 1)).encode()
    with pytest.raises(ValueError):
        encode(ReportAction.SKIP, "x" * 200)


def test_encode_counts_bytes_not_characters():
    prefix = len(f"{VERSION}|{PeopleAction.HELP.value}|")
    room = MAX_BYTES - prefix
    arg = "é" * (room // 2 + 1)  # fewer characters than the room, more bytes
    assert len(arg) <= room
    with pytest.raises(ValueError):
        encode(PeopleAction.HELP, arg)


def test_parse_refuses_over_64_bytes_even_when_it_would_otherwise_split_cleanly():
    data = "1|cat|hoax" + " " * 60
    assert len(data.encode()) > MAX_BYTES
    assert parse(data) is None


# ---- matches() ----------------------------------------------------------------------------------------------


def test_matches_accepts_only_valid_data_of_the_given_actions():
    check = matches(ReportAction.CATEGORY, ReportAction.SKIP)
    assert check(encode(ReportAction.CATEGORY, "hoax"))
    assert check(encode(ReportAction.SKIP, "party"))
    assert not check(encode(ReportAction.WHEN, "today"))
    assert not check("1|cat|nonsense")
    assert not check("2|cat|hoax")
    assert not check(None)
    assert not check(b"1|cat|hoax")


def test_matches_with_no_actions_matches_nothing():
    check = matches()
    assert not any(check(encode(a, args[0])) for a, args in VALID_ARGS.items())


def _callback_update(data: str) -> Update:
    user = User(id=42, first_name="Siti", is_bot=False)
    message = Message(message_id=1, date=datetime.now(UTC), chat=Chat(id=42, type="private"))
    return Update(update_id=1, callback_query=CallbackQuery("q1", user, "ci", message=message, data=data))


async def _noop(update: object, context: object) -> None:
    return None


def test_matches_works_as_a_callback_query_handler_pattern():
    handler = CallbackQueryHandler(_noop, pattern=matches(ReportAction.SUBMIT))
    assert handler.check_update(_callback_update(encode(ReportAction.SUBMIT)))
    assert not handler.check_update(_callback_update(encode(ReportAction.CANCEL)))
    assert not handler.check_update(_callback_update("1|send|x"))


@pytest.mark.parametrize(
    "arg",
    ["claim:x:1", "fwd::1", "fwd:police:1", "rej:because:1", "rej::1", "claim::", "claim::abc", "steal::1",
     "claim::1:2", "claim::1234567890123", "claim::\u0661", "CLAIM::1", "claim::1\n"],
)
def test_forged_triage_arguments_are_refused(arg: str) -> None:
    assert parse(f"1|tri|{arg}") is None


@pytest.mark.parametrize(
    "arg",
    ["", "42", "42:", ":42", "42:42", "042:42", "43:42:1", "43:x", "1234567890123:1", "43:\u0664\u0662", "43:42\n",
     "-1:42", "43 :42"],
)
def test_forged_duplicate_of_arguments_are_refused(arg: str) -> None:
    assert parse(f"1|dupof|{arg}") is None
