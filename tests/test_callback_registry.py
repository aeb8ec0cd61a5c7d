"""One callback codec in the kernel, actions declared by each feature: registration, refusals, and the wire
names of every button, which must never change (buttons in messages already sent carry them)."""

from __future__ import annotations

import pytest

from bot.insight.actions import InsightAction
from bot.kernel.callbacks import CODEC, Action, Callback, CallbackCodec, encode, no_arg, parse
from bot.people.actions import PeopleAction
from bot.privacy.actions import PrivacyAction
from bot.reporting.actions import ReportAction
from bot.reporting.form_actions import FormAction
from bot.supervision.actions import SupervisionAction
from bot.tasks.actions import VolunteerTaskAction
from bot.tasks.answer_actions import TaskAnswerAction
from bot.tasks.card_actions import TaskGroupAction
from bot.tps.actions import TpsAction
from bot.volunteers.recruitment_actions import RecruitmentAction
from bot.volunteers.registration_actions import RegistrationAction
from bot.volunteers.verification_actions import VerificationAction

WIRE_NAMES = {
    ReportAction.START_REPORT: "new",
    ReportAction.MY_REPORTS: "mine",
    ReportAction.RESUME_DRAFT: "resume",
    ReportAction.DISCARD_DRAFT: "fresh",
    ReportAction.CATEGORY: "cat",
    ReportAction.WHEN: "when",
    ReportAction.KNOWN: "knw",
    ReportAction.TSM: "tsm",
    ReportAction.STANDING: "stand",
    ReportAction.REGION: "reg",
    ReportAction.REGION_UP: "up",
    ReportAction.REGION_WHOLE: "rgw",
    ReportAction.REGION_PAGE: "page",
    ReportAction.GPS_CONFIRM: "gps",
    ReportAction.SHARE_LOCATION: "loc",
    ReportAction.ONLINE: "onl",
    ReportAction.ACCOUNT: "acct",
    ReportAction.SKIP: "skip",
    ReportAction.EVIDENCE_DONE: "evd",
    ReportAction.IDENTITY: "idt",
    ReportAction.EDIT: "edit",
    ReportAction.SUBMIT: "send",
    ReportAction.CANCEL: "cancel",
    ReportAction.STATUS: "st",
    FormAction.FORM: "frm",
    PeopleAction.HELP: "help",
    PeopleAction.LANGUAGE: "lang",
    SupervisionAction.TRIAGE: "tri",
    SupervisionAction.DUPLICATE_OF: "dupof",
    VolunteerTaskAction.ACCEPT: "tka",
    VolunteerTaskAction.DECLINE: "tkd",
    VolunteerTaskAction.REPORT_BACK: "tkr",
    TaskAnswerAction.SUBMIT: "tbs",
    TaskAnswerAction.CANCEL: "tbx",
    TaskAnswerAction.MAKE_REPORT: "tbm",
    TaskGroupAction.NEW: "tgn",
    TaskGroupAction.AREA: "tga",
    TaskGroupAction.AREA_OPEN: "tgd",
    TaskGroupAction.WHO: "tgo",
    TaskGroupAction.SKIP: "tgs",
    TaskGroupAction.REPORT_BACK: "tgr",
    TaskGroupAction.SEND: "tgk",
    TaskGroupAction.CANCEL: "tgx",
    TaskGroupAction.STOP: "tgq",
    RegistrationAction.REGION: "vrr",
    RegistrationAction.REGION_PAGE: "vrp",
    RegistrationAction.SHARE_LOCATION: "vrl",
    RegistrationAction.VILLAGE: "vrv",
    RegistrationAction.VILLAGE_PAGE: "vrq",
    RegistrationAction.SKIP_VILLAGE: "vrs",
    RegistrationAction.ORGANISATION: "vro",
    RegistrationAction.ORGANISATION_PAGE: "vrw",
    RegistrationAction.KIND: "vrk",
    RegistrationAction.DECLARE: "vrd",
    RegistrationAction.CONSENT: "vrc",
    RegistrationAction.BACK: "vrb",
    RegistrationAction.EDIT: "vre",
    RegistrationAction.SUBMIT: "vrn",
    RegistrationAction.CANCEL: "vrx",
    RegistrationAction.LEAVE: "vrt",
    VerificationAction.VERIFY: "vvok",
    VerificationAction.REJECT: "vvno",
    VerificationAction.SUSPEND: "vvsu",
    VerificationAction.REACTIVATE: "vvre",
    VerificationAction.IDENTITY: "vvid",
    RecruitmentAction.NEW_LINK: "rlnew",
    RecruitmentAction.REVOKE_CHOOSE: "rlrv",
    RecruitmentAction.REVOKE_ASK: "rlra",
    RecruitmentAction.REVOKE_CONFIRM: "rlry",
    RecruitmentAction.REVOKE_CANCEL: "rlrn",
    PrivacyAction.ERASE: "pdy",
    PrivacyAction.KEEP: "pdx",
    TpsAction.DESA: "tpd",
    TpsAction.PICK: "tpp",
    TpsAction.ROLE: "tpr",
    TpsAction.RELEASE: "tpx",
    TpsAction.ANSWER: "tpa",
    TpsAction.RESULT: "tph",
    TpsAction.REPORT: "tpl",
    InsightAction.PERIOD: "ins",
    InsightAction.EXPORT: "inx",
}
# Every feature's actions (a new feature's enum goes here, its members above).
FEATURES: tuple[type[Action], ...] = (ReportAction, PeopleAction, SupervisionAction, VolunteerTaskAction,
                                     TaskAnswerAction, TaskGroupAction, RegistrationAction, VerificationAction,
                                     RecruitmentAction, PrivacyAction, FormAction, TpsAction,
                                     InsightAction)


def test_every_features_actions_keep_their_wire_names():
    assert {action: action.value for action in WIRE_NAMES} == WIRE_NAMES
    assert sum(len(feature) for feature in FEATURES) == len(WIRE_NAMES)
    assert sorted(CODEC.actions(), key=str) == sorted(WIRE_NAMES, key=str)  # registered: these, and only these


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ("1|new|", Callback(ReportAction.START_REPORT)),
        ("1|cat|money_politics", Callback(ReportAction.CATEGORY, "money_politics")),
        ("1|page|15.71:1", Callback(ReportAction.REGION_PAGE, "15.71:1")),
        ("1|send|", Callback(ReportAction.SUBMIT)),
        ("1|lang|en", Callback(PeopleAction.LANGUAGE, "en")),
        ("1|tri|claim::42", Callback(SupervisionAction.TRIAGE, "claim::42")),
        ("1|tri|rej:not_election:42", Callback(SupervisionAction.TRIAGE, "rej:not_election:42")),
    ],
)
def test_buttons_sent_before_the_split_still_parse_to_their_action(data: str, expected: Callback):
    assert parse(data) == expected
    assert encode(expected.action, expected.arg) == data


def test_a_wire_name_taken_by_another_feature_is_refused_and_nothing_is_registered():
    class Volunteers(Action):
        JOIN = "join"
        CATEGORY = "cat"  # reporting's

    with pytest.raises(ValueError, match="cat"):
        CODEC.register(Volunteers, {Volunteers.JOIN: no_arg, Volunteers.CATEGORY: no_arg})
    assert parse("1|join|") is None  # the refused enum left nothing behind
    assert parse("1|cat|hoax") == Callback(ReportAction.CATEGORY, "hoax")  # reporting's button is unchanged


def test_an_action_without_an_argument_check_is_refused():
    class Tasks(Action):
        TAKE = "take"
        DROP = "drop"

    codec = CallbackCodec()
    with pytest.raises(ValueError, match="DROP"):
        codec.register(Tasks, {Tasks.TAKE: no_arg})
    assert codec.actions() == []


def test_a_codec_reads_only_the_actions_registered_with_it_and_checks_their_argument():
    class Tasks(Action):
        TAKE = "take"  # arg: a task number

    codec = CallbackCodec()
    assert codec.parse("1|take|12") is None  # not registered yet: not ours
    assert codec.register(Tasks, {Tasks.TAKE: str.isdigit}) is Tasks
    assert codec.parse("1|take|12") == Callback(Tasks.TAKE, "12")
    assert codec.parse("1|take|x") is None  # wrong shape
    assert codec.parse("2|take|12") is None  # another version
    assert codec.parse("1|cat|hoax") is None  # reporting's action is the bot's codec's, not this one's
    assert codec.encode(Tasks.TAKE, "7") == "1|take|7"
    with pytest.raises(ValueError, match="twice"):
        codec.register(Tasks, {Tasks.TAKE: no_arg})
