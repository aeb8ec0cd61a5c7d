"""The card's status line names each person once; ⛔ Tolak's confirmation keyboard and its callback data."""

from __future__ import annotations

import dataclasses

import pytest

from bot.kernel.callbacks import MAX_BYTES, parse
from bot.legal.rules import LegalRules
from bot.regions.directory import RegionDirectory
from bot.supervision.actions import SupervisionAction, TriageVerb, triage_parts
from bot.supervision.alert_card import (
    card_keyboard,
    card_text,
    next_deadline_text,
    reject_confirm_keyboard,
    status_text,
)
from bot.supervision.case_status import REJECT_REASONS
from storage.supervision.cases import CaseRow

CASE = CaseRow(
    id=123456789012, case_code="PTU-ABCD-EF23", reporter_chat_id=700_001, locale="id", category="money_politics",
    chronology="Amplop dibagikan di depan TPS 05.", incident_local="2024-02-10T09:30:00", timezone="Asia/Jakarta",
    region_code="15.71.04", latitude=None, longitude=None, place_description="Depan TPS 05", reported_party=None,
    witnesses=None, anonymous=True, kind="laporan", missing=[], status="claimed",
    submitted_at="2024-02-10T03:00:00+00:00", route_level="kecamatan", handler_name="Budi",
    status_changed_at="2024-02-10T04:00:00+00:00", last_actor_name="Budi", forwarded_to=None, duplicate_of=None,
)


@pytest.fixture(scope="module")
def regions() -> RegionDirectory:
    return RegionDirectory()


def test_a_claimed_card_names_its_handler_once(regions: RegionDirectory) -> None:
    line = status_text(CASE, regions, "id")
    assert line == "ditangani · oleh Budi, 10-02-2024 11:00 WIB"
    card = card_text(CASE, regions, "id", kind="alert", evidence_count=0)
    assert card.count("Budi") == 1
    assert status_text(CASE, regions, "en").count("Budi") == 1


def test_a_later_change_by_the_handler_says_so_once(regions: RegionDirectory) -> None:
    registered = dataclasses.replace(CASE, status="registered")
    assert status_text(registered, regions, "id") == "diregistrasi · oleh Budi (penangan), 10-02-2024 11:00 WIB"
    assert status_text(registered, regions, "en") == "registered · by Budi (handler), 10-02-2024 11:00 WIB"


def test_a_change_by_someone_else_names_both(regions: RegionDirectory) -> None:
    registered = dataclasses.replace(CASE, status="registered", last_actor_name="Dewi")
    line = status_text(registered, regions, "id")
    assert line == "diregistrasi · oleh Dewi, 10-02-2024 11:00 WIB · ditangani Budi"
    assert (line.count("Budi"), line.count("Dewi")) == (1, 1)


def test_a_case_nobody_touched_names_nobody(regions: RegionDirectory) -> None:
    received = dataclasses.replace(CASE, status="received", handler_name=None, status_changed_at=None,
                                   last_actor_name=None)
    assert status_text(received, regions, "id") == "diterima"


@pytest.mark.parametrize("reason", REJECT_REASONS)
def test_the_reject_confirmation_carries_the_reason_within_telegrams_limit(reason: str) -> None:
    markup = reject_confirm_keyboard(CASE, "id", reason)
    (confirm,), (cancel,) = markup.inline_keyboard
    assert confirm.text.startswith("⛔ Ya, tolak: ") and cancel.text == "⬅️ Batal"
    for button in (confirm, cancel):
        assert isinstance(button.callback_data, str) and len(button.callback_data.encode()) <= MAX_BYTES
    parsed = parse(confirm.callback_data)
    assert parsed is not None and parsed.action is SupervisionAction.TRIAGE
    assert triage_parts(parsed.arg) == (TriageVerb.REJECT_CONFIRM, reason, CASE.id)
    back = parse(cancel.callback_data)
    assert back is not None and triage_parts(back.arg) == (TriageVerb.BACK, "", CASE.id)


@pytest.mark.parametrize("arg", ["rejok::1", "rejok:because:1", "rejok:gakkumdu:1", "rejok:not_election:x"])
def test_a_confirmation_without_a_known_reason_is_refused(arg: str) -> None:
    assert parse(f"1|tri|{arg}") is None


def test_only_restricts_the_buttons() -> None:
    forwarded = dataclasses.replace(CASE, status="forwarded", forwarded_to="gakkumdu")
    markup = card_keyboard(forwarded, "id", can_act=True, only=("ask",))
    assert markup is not None
    assert [b.text for row in markup.inline_keyboard for b in row] == ["❓ Minta info"]
    assert card_keyboard(dataclasses.replace(forwarded, status="done"), "id", can_act=True, only=("ask",)) is None


@pytest.mark.parametrize(("category", "target"), [("neutrality_asn", "BKN"), ("organiser_ethics", "DKPP"),
                                                  ("money_politics", "Gakkumdu"), ("intimidation", "Gakkumdu")])
def test_the_card_suggests_the_body_a_category_points_to(regions: RegionDirectory, category: str, target: str
                                                         ) -> None:
    case = dataclasses.replace(CASE, category=category)
    card = card_text(case, regions, "id", kind="alert", evidence_count=0)
    (line,) = [line for line in card.splitlines() if "Saran: teruskan ke" in line]
    assert target in line
    forwarded = card_text(dataclasses.replace(case, forwarded_to="dkpp"), regions, "id", kind="alert",
                          evidence_count=0)
    assert "Saran: teruskan ke" not in forwarded  # once forwarded, the card says where instead


def test_a_category_without_a_body_suggests_nothing(regions: RegionDirectory) -> None:
    card = card_text(dataclasses.replace(CASE, category="voter_roll"), regions, "id", kind="alert", evidence_count=0)
    assert "Saran: teruskan ke" not in card


def test_the_cards_deadlines_follow_the_deployments_election(regions: RegionDirectory) -> None:
    # Received Saturday 10 Feb 2024 (Lunar New Year); 14 Feb 2024 was election day, a national holiday.
    pilkada = card_text(CASE, regions, "id", kind="alert", evidence_count=0)
    assert "laporan: 17-02-2024 · kajian awal: tidak ada dalam profil hukum bot · keputusan: 13-02-2024 (bila " \
           "perlu keterangan tambahan: 15-02-2024)" in pilkada  # calendar days: 7, none known, 3 and 5 days
    pemilu = LegalRules("pemilu")
    card = card_text(CASE, regions, "id", kind="alert", evidence_count=0, rules=pemilu)
    # working days: 12, 13, (14 off), 15, 16, 19, 20, 21 Feb; the decision waits for registration
    assert "laporan: 21-02-2024 · kajian awal: 13-02-2024 · keputusan: 7 hari kerja sejak registrasi" in card
    registered = dataclasses.replace(CASE, status="registered")  # registered on 10 Feb (status_changed_at)
    assert "keputusan: 21-02-2024 (bila perlu keterangan tambahan: 01-03-2024)" in card_text(
        registered, regions, "id", kind="alert", evidence_count=0, rules=pemilu)
    tsm = dataclasses.replace(CASE, tsm=True, known_local="2024-01-02")
    assert "report: until voting day (TSM)" in card_text(tsm, regions, "en", kind="alert", evidence_count=0,
                                                         rules=pemilu)
    known_later = dataclasses.replace(CASE, known_local="2024-02-12")  # learned of it on Monday 12 Feb
    assert "laporan: 19-02-2024" in card_text(known_later, regions, "id", kind="alert", evidence_count=0)


def test_an_identity_erased_since_is_said_so_on_the_card(regions: RegionDirectory) -> None:
    identified = dataclasses.replace(CASE, anonymous=False, has_identity=True)
    assert "Pelapor</b>: beridentitas" in card_text(identified, regions, "id", kind="alert", evidence_count=0)
    erased = dataclasses.replace(CASE, anonymous=False, has_identity=False)  # /hapusdata, or past retention
    card = card_text(erased, regions, "id", kind="alert", evidence_count=0)
    assert "Pelapor</b>: identitas pelapor sudah dihapus" in card
    assert "informasi awal" in card and "identitas pelapor" in card.split("Sifat")[1].split("\n")[0]
    # A case closed (after its legal process) and erased past retention was a laporan: it still says so.
    closed = card_text(dataclasses.replace(erased, status="done"), regions, "id", kind="view", evidence_count=0)
    assert "Pelapor</b>: identitas pelapor sudah dihapus" in closed
    nature = closed.split("Sifat")[1].split("\n")[0]
    assert "informasi awal" not in nature and "laporan" in nature


def test_the_queue_shows_the_next_deadline_that_still_applies(regions: RegionDirectory) -> None:
    pemilu = LegalRules("pemilu")
    assert next_deadline_text(CASE, regions, "id", pemilu) == "kajian awal s.d. 13-02-2024"  # claimed: kajian awal
    registered = dataclasses.replace(CASE, status="registered")  # registered on 10 Feb: 7 working days from then
    assert next_deadline_text(registered, regions, "id", pemilu) == "keputusan s.d. 21-02-2024"
    assert next_deadline_text(CASE, regions, "en", LegalRules()) == "decision by 13-02-2024"  # Pilkada: since receipt


def test_the_reporters_status_line_says_what_an_erased_identity_means_for_an_open_or_a_closed_case() -> None:
    from bot.privacy.report_kind import kind_key

    erased = dataclasses.replace(CASE, anonymous=False, has_identity=False)
    assert kind_key(erased) == "privacy.status.identity_erased"  # open: informasi awal from now on
    assert kind_key(dataclasses.replace(erased, status="done")) == "privacy.status.identity_erased_closed"
    assert kind_key(CASE) == "submitted.kind_laporan"
