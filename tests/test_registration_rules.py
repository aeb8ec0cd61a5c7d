"""The volunteer registration's rules (bot/volunteers/registration_steps.py): names, phones, and which step
comes next, before, and as what number."""

from __future__ import annotations

import pytest

from bot.kernel.refusal import Refusal
from bot.volunteers.registration_steps import (
    Answers,
    Step,
    clean_name,
    clean_search,
    contact_phone,
    indonesian_phone,
    next_step,
    numbered,
    position,
    previous_step,
)

DONE = Answers(full_name="Siti Aminah", region_code="15.71.04", village_done=True, organisation_done=True,
               organisation_kind="students", phone="+6281234567890", nonpartisan_at="t", consent_at="t")


@pytest.mark.parametrize(("typed", "stored"), [
    ("  Siti   Aminah ", "Siti Aminah"),
    ("Muhammad Al-Fatih", "Muhammad Al-Fatih"),
    ("I Gusti Ngurah Rai", "I Gusti Ngurah Rai"),
    ("St. Ma'rifah, S.Pd.", "St. Ma'rifah, S.Pd."),
    ("Nguyễn Thị", "Nguyễn Thị"),
])
def test_names_of_letters_are_kept_with_spaces_collapsed(typed: str, stored: str) -> None:
    assert clean_name(typed) == stored


@pytest.mark.parametrize("typed", ["12345", "!!!", "A", "Siti 2", "<b>Siti</b>", "Siti 😀", "..", "x" * 101])
def test_names_that_are_not_names_are_refused(typed: str) -> None:
    with pytest.raises(Refusal) as refused:
        clean_name(typed)
    assert refused.value.key in ("registration.name_invalid", "registration.too_long")


def test_a_huge_text_is_refused_as_too_long() -> None:
    with pytest.raises(Refusal) as refused:
        clean_name("a" * 5000)
    assert refused.value.key == "registration.too_long"


@pytest.mark.parametrize("typed", ["0812-3456-7890", "+62 812 3456 7890", "6281234567890", "81234567890",
                                   "(0812) 3456.7890"])
def test_indonesian_numbers_are_normalised_to_plus_62(typed: str) -> None:
    assert indonesian_phone(typed) == "+6281234567890"


def test_a_landline_with_its_area_code_is_a_number_too() -> None:
    assert indonesian_phone("0741 123456") == "+62741123456"


@pytest.mark.parametrize("typed", ["12", "0812", "+1 202 555 0100", "+620812345678", "08123456789012345",
                                   "nomor saya", "", "0" * 50])
def test_other_numbers_are_refused(typed: str) -> None:
    with pytest.raises(Refusal) as refused:
        indonesian_phone(typed)
    assert refused.value.key == "registration.phone_invalid"


def test_a_shared_contact_keeps_its_country() -> None:
    assert contact_phone("6281234567890") == "+6281234567890"
    assert contact_phone("+6281234567890") == "+6281234567890"
    assert contact_phone("447700900123") == "+447700900123"
    with pytest.raises(Refusal):
        contact_phone("123")


def test_a_search_needs_two_letters_and_no_more_than_sixty() -> None:
    assert clean_search("  pasar   jambi ") == "pasar jambi"
    for typed in ("a", "x" * 61):
        with pytest.raises(Refusal):
            clean_search(typed)


def test_the_steps_in_order_for_an_individual() -> None:
    a = Answers()
    assert next_step(a) is Step.NAME
    a = a.with_(full_name="Siti Aminah")
    assert next_step(a) is Step.REGION
    a = a.with_(region_code="15.71.04")
    assert next_step(a) is Step.VILLAGE
    a = a.with_(village_done=True)
    assert next_step(a) is Step.ORGANISATION
    a = a.with_(organisation_done=True)  # individual: the type follows, counted as the same step
    assert next_step(a) is Step.KIND
    assert position(a, Step.KIND) == position(a, Step.ORGANISATION) == (4, 8)
    a = a.with_(organisation_kind="okp")
    assert next_step(a) is Step.PHONE and position(a, Step.PHONE) == (5, 8)
    a = a.with_(phone="+6281234567890")
    assert next_step(a) is Step.DECLARATION
    a = a.with_(nonpartisan_at="t")
    assert next_step(a) is Step.CONSENT
    a = a.with_(consent_at="t")
    assert next_step(a) is Step.REVIEW and position(a, Step.REVIEW) == (8, 8)


def test_an_organisation_skips_the_type_and_a_link_skips_both() -> None:
    chosen = Answers(full_name="x", region_code="15.71.04", village_done=True, organisation_done=True,
                     organisation_id=3, organisation_kind="students")
    assert next_step(chosen) is Step.PHONE
    assert previous_step(chosen, Step.PHONE) is Step.ORGANISATION
    linked = Answers(preset=True, organisation_id=3, organisation_kind="students", organisation_done=True)
    assert Step.ORGANISATION not in numbered(linked) and len(numbered(linked)) == 7
    assert previous_step(linked.with_(full_name="x", region_code="15.71.04", village_done=True), Step.PHONE) \
        is Step.VILLAGE
    assert position(linked, Step.PHONE) == (4, 7)


def test_back_and_edit_come_back_to_the_first_unanswered_step() -> None:
    assert previous_step(DONE, Step.NAME) is None
    assert previous_step(DONE, Step.REGION) is Step.NAME
    assert previous_step(DONE.with_(organisation_id=None), Step.PHONE) is Step.KIND
    # All answered: whatever step an edit opened, the answer leads back to the review.
    assert next_step(DONE) is Step.REVIEW
    # A new kecamatan forgets the village: it is asked again, then the review.
    assert next_step(DONE.with_(village_done=False)) is Step.VILLAGE


def test_answers_survive_their_json() -> None:
    assert Answers.from_json(DONE.to_json()) == DONE
    assert Answers.from_json({**DONE.to_json(), "from_a_newer_version": 1}) == DONE
    assert DONE.with_(village_code="15.71.04.1001").home_code == "15.71.04.1001"
    assert DONE.home_code == "15.71.04"


def test_the_directory_lists_a_kecamatans_villages_and_nothing_else() -> None:
    from bot.regions.directory import RegionDirectory

    villages = RegionDirectory().villages("15.71.04")
    assert ("15.71.04.1001", "Beringin") in villages and len(villages) == 4
    assert [name for _, name in villages] == sorted(name for _, name in villages)
    assert RegionDirectory().villages("15.71") == []  # not a kecamatan
    assert RegionDirectory("14").villages("15.71.04") == []  # outside the deployment's scope
