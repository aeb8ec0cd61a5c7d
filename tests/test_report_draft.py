"""The report conversation's steps: their order, the identity branch, editing from the review, step numbers."""

from __future__ import annotations

import itertools

import pytest

from bot.reporting.draft import EDIT_ENTRY, STEP_NUMBER, TOTAL_STEPS, Answers, Step, next_step

NAMED = Answers(anonymous=False)
ANONYMOUS = Answers(anonymous=True)


def walk(start: Step, answers: Answers, *, editing: bool, limit: int = 30) -> list[Step]:
    """The steps from `start` until the review (inclusive), answering each in turn."""
    path = [start]
    while path[-1] is not Step.REVIEW:
        path.append(next_step(path[-1], answers, editing=editing))
        assert len(path) < limit, f"no way to the review: {path}"
    return path


def test_whole_flow_with_identity():
    assert walk(Step.CATEGORY, NAMED, editing=False) == [
        Step.CATEGORY,
        Step.CHRONOLOGY,
        Step.WHEN,
        Step.KNOWN,
        Step.WHERE,
        Step.PLACE,
        Step.PARTY,
        Step.EVIDENCE,
        Step.WITNESSES,
        Step.IDENTITY,
        Step.ID_NAME,
        Step.ID_ADDRESS,
        Step.ID_PHONE,
        Step.STANDING,
        Step.REVIEW,
    ]


def test_anonymous_skips_name_address_and_phone():
    path = walk(Step.CATEGORY, ANONYMOUS, editing=False)
    assert path[-2:] == [Step.IDENTITY, Step.REVIEW]
    assert not {Step.ID_NAME, Step.ID_ADDRESS, Step.ID_PHONE, Step.STANDING} & set(path)


def test_identity_not_yet_chosen_asks_for_the_name():
    assert next_step(Step.IDENTITY, Answers(), editing=False) is Step.ID_NAME


@pytest.mark.parametrize("editing", [False, True])
def test_where_and_its_gps_confirmation_lead_to_the_place(editing: bool):
    assert next_step(Step.WHERE, NAMED, editing=editing) is Step.PLACE
    assert next_step(Step.WHERE_CONFIRM, NAMED, editing=editing) is Step.PLACE


EDIT_PATHS: dict[str, list[Step]] = {
    "category": [Step.CATEGORY, Step.REVIEW],
    "chronology": [Step.CHRONOLOGY, Step.REVIEW],
    "when": [Step.WHEN, Step.KNOWN, Step.REVIEW],
    "where": [Step.WHERE, Step.PLACE, Step.REVIEW],
    "links": [Step.LINKS, Step.ACCOUNT, Step.REVIEW],
    "party": [Step.PARTY, Step.REVIEW],
    "evidence": [Step.EVIDENCE, Step.REVIEW],
    "witnesses": [Step.WITNESSES, Step.REVIEW],
    "identity": [Step.IDENTITY, Step.ID_NAME, Step.ID_ADDRESS, Step.ID_PHONE, Step.STANDING, Step.REVIEW],
}


def test_online_content_is_asked_for_its_links_before_the_place():
    online = Answers(anonymous=True, category="hoax")
    assert walk(Step.KNOWN, online, editing=False)[:4] == [Step.KNOWN, Step.LINKS, Step.ACCOUNT, Step.WHERE]
    forwarded = online.model_copy(update={"forwarded_from": {"kind": "channel", "chat": "Kabar Pilkada"}})
    assert walk(Step.KNOWN, forwarded, editing=False)[:3] == [Step.KNOWN, Step.LINKS, Step.WHERE]  # Telegram named it
    assert walk(Step.LINKS, forwarded, editing=True) == [Step.LINKS, Step.REVIEW]
    said = Answers(anonymous=True, category="money_politics", online=True)  # 🌐 pressed at step 4
    assert walk(Step.LINKS, said, editing=False)[:3] == [Step.LINKS, Step.ACCOUNT, Step.WHERE]
    assert next_step(Step.TSM, online, editing=False) is Step.LINKS
    assert next_step(Step.TSM, ANONYMOUS, editing=False) is Step.WHERE  # not online content: no links asked
    assert walk(Step.KNOWN, Answers(anonymous=True, category="money_politics"), editing=False)[1] is Step.WHERE


def test_every_editable_field_has_a_path():
    assert set(EDIT_PATHS) == set(EDIT_ENTRY)


@pytest.mark.parametrize("field", sorted(EDIT_PATHS))
def test_editing_a_field_from_the_review_returns_to_the_review(field: str):
    assert walk(EDIT_ENTRY[field], NAMED, editing=True) == EDIT_PATHS[field]


def test_editing_identity_to_anonymous_returns_at_once():
    assert walk(EDIT_ENTRY["identity"], ANONYMOUS, editing=True) == [Step.IDENTITY, Step.REVIEW]


def test_editing_where_via_gps_confirmation_still_asks_the_place():
    assert walk(Step.WHERE_CONFIRM, NAMED, editing=True) == [Step.WHERE_CONFIRM, Step.PLACE, Step.REVIEW]


def test_step_number_covers_every_step():
    assert set(STEP_NUMBER) == set(Step)


def test_step_numbers_are_one_to_nine():
    assert TOTAL_STEPS == 9
    assert set(STEP_NUMBER.values()) == set(range(1, TOTAL_STEPS + 1))
    assert STEP_NUMBER[Step.CATEGORY] == 1
    assert STEP_NUMBER[Step.REVIEW] == TOTAL_STEPS


@pytest.mark.parametrize("answers", [NAMED, ANONYMOUS], ids=["named", "anonymous"])
def test_step_numbers_never_go_down_and_never_skip_along_the_flow(answers: Answers):
    numbers = [STEP_NUMBER[s] for s in walk(Step.CATEGORY, answers, editing=False)]
    assert numbers[0] == 1 and numbers[-1] == TOTAL_STEPS
    assert all(b - a in (0, 1) for a, b in itertools.pairwise(numbers))


def test_sub_steps_share_their_group_number():
    assert STEP_NUMBER[Step.WHERE] == STEP_NUMBER[Step.WHERE_CONFIRM] == STEP_NUMBER[Step.PLACE]
    assert (
        STEP_NUMBER[Step.IDENTITY] == STEP_NUMBER[Step.ID_NAME] == STEP_NUMBER[Step.ID_ADDRESS] == STEP_NUMBER[Step.ID_PHONE]
    )


def test_step_values_are_stable():
    # Persisted as conversation states and in drafts: renaming one would strand every open report.
    assert {s.name: s.value for s in Step} == {
        "CATEGORY": "category",
        "CHRONOLOGY": "chronology",
        "WHEN": "when",
        "KNOWN": "known",
        "TSM": "tsm",
        "LINKS": "links",
        "ACCOUNT": "account",
        "WHERE": "where",
        "WHERE_CONFIRM": "where_confirm",
        "PLACE": "place",
        "PARTY": "party",
        "EVIDENCE": "evidence",
        "WITNESSES": "witnesses",
        "IDENTITY": "identity",
        "ID_NAME": "id_name",
        "ID_ADDRESS": "id_address",
        "ID_PHONE": "id_phone",
        "STANDING": "standing",
        "REVIEW": "review",
    }


def test_answers_round_trip_and_ignore_unknown_fields():
    answers = Answers(category="hoax", chronology="x" * 30, region_code="15.71.04", latitude=-1.6, anonymous=False)
    stored = answers.model_dump(exclude_none=True)
    assert Answers.model_validate({**stored, "retired_field": 1}) == answers
    assert Answers.model_validate({}) == Answers()


def test_known_too_long_ago_asks_about_tsm_then_goes_on():
    assert next_step(Step.KNOWN, NAMED, editing=False, ask_tsm=True) is Step.TSM
    assert next_step(Step.TSM, NAMED, editing=False) is Step.WHERE
    assert next_step(Step.TSM, NAMED, editing=True) is Step.REVIEW
    assert next_step(Step.KNOWN, NAMED, editing=False) is Step.WHERE


def test_a_prefilled_incident_time_also_answers_when_it_became_known():
    prefilled = Answers(prefilled=["chronology", "incident"], anonymous=False)
    assert next_step(Step.CATEGORY, prefilled, editing=False) is Step.WHERE
