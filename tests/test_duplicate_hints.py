"""Possible duplicates (bot/supervision/duplicates.py): the Hamming threshold of two pictures' perceptual hashes, the
hash itself (bot/kernel/photo_hash.py), and the rule SupervisionService.possible_duplicates applies to the reports
in the database: its windows, what it leaves out, its order and its limit."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest

from bot.kernel.photo_hash import distance, photo_hash
from bot.regions.directory import RegionDirectory
from bot.supervision.duplicates import (
    HINTS_ON_CARD,
    PHOTO_DISTANCE,
    kabupaten_of,
    newest_cases,
    same_picture,
    shares_a_picture,
)
from bot.supervision.service import SupervisionService
from storage.database import Database, iso, utcnow
from storage.supervision.repository import SupervisionRepository
from tests.test_e2e_duplicate_hint import encoded, picture  # the same photo-like pictures

ADMIN = -1000
PASAR_JAMBI, TELANAIPURA, KOTA_JAMBI = "15.71.04", "15.71.01", "15.71"
MUARO_JAMBI = "15.05.01"  # another kabupaten
ZERO = "0" * 16


def flipped(bits: int) -> str:
    """A hash `bits` bits away from ZERO."""
    return f"{(1 << bits) - 1:016x}"


# ---- the threshold -----------------------------------------------------------------------------------------------


def test_the_hamming_distance_counts_the_bits_that_differ() -> None:
    assert distance(ZERO, ZERO) == 0
    assert distance(ZERO, flipped(1)) == 1
    assert distance(ZERO, "ffffffffffffffff") == 64
    assert distance("8000000000000001", "0000000000000000") == 2
    for malformed in ("", "0" * 15, "0" * 17, "g" * 16, "F" * 16, " " + "0" * 15):
        assert distance(ZERO, malformed) is None and distance(malformed, ZERO) is None


def test_pictures_are_the_same_up_to_the_threshold_and_not_beyond() -> None:
    assert PHOTO_DISTANCE == 6
    assert same_picture(ZERO, ZERO)
    assert same_picture(ZERO, flipped(PHOTO_DISTANCE))
    assert not same_picture(ZERO, flipped(PHOTO_DISTANCE + 1))
    assert same_picture(ZERO, flipped(3), limit=3) and not same_picture(ZERO, flipped(4), limit=3)
    assert not same_picture(ZERO, "not a hash")
    assert shares_a_picture([flipped(40), flipped(6)], ZERO)  # any of the report's pictures
    assert not shares_a_picture([flipped(40), flipped(7)], ZERO)
    assert not shares_a_picture([], ZERO)


def test_the_newest_distinct_cases_first_without_the_excluded() -> None:
    found = [(3, 3), (9, 2), (5, 5), (7, 7), (4, 2), (8, 1)]  # (report, case): report 9 and 4 joined case 2
    assert newest_cases(found, excluded=[]) == [2, 1, 7, 5, 3]
    assert newest_cases(found, excluded=[7, 1]) == [2, 5, 3]
    assert newest_cases(found, excluded=[], limit=HINTS_ON_CARD) == [2, 1, 7]
    assert kabupaten_of(PASAR_JAMBI) == KOTA_JAMBI


def test_a_resized_re_encoded_copy_is_near_and_another_picture_far() -> None:
    original = photo_hash(encoded(picture(1), quality=95))
    assert original is not None and len(original) == 16
    for copy in (encoded(picture(1).resize((400, 300)), quality=50), encoded(picture(1).resize((1600, 1200)), "PNG"),
                 encoded(picture(1).convert("L"), "WEBP")):
        assert same_picture(original, photo_hash(copy) or "")
    for seed in range(2, 12):
        other = photo_hash(encoded(picture(seed)))
        assert other is not None and not same_picture(original, other)


@pytest.mark.parametrize("content", [b"", b"\x89PNG evidence 1", b"%PDF-1.7\n", b"\xff\xd8\xff\xe0 truncated jpeg",
                                     encoded(picture(1))[:200]])
def test_bytes_that_are_no_picture_have_no_hash_and_raise_nothing(content: bytes) -> None:
    assert photo_hash(content) is None


# ---- the rule, on the database -----------------------------------------------------------------------------------


@pytest.fixture
async def service(tmp_path: Path) -> AsyncIterator[SupervisionService]:
    db = Database(tmp_path / "hints.sqlite3")
    await db.open()

    async def locale(_: int) -> str:
        return "id"

    yield SupervisionService(SupervisionRepository(db), RegionDirectory(), admin_chat_id=ADMIN, group_locale="id",
                             reporter_locale=locale)
    await db.close()


async def add_report(service: SupervisionService, code: str, *, hours_ago: float, region: str = PASAR_JAMBI,
                     category: str = "money_politics", status: str = "received", joined_to: int | None = None,
                     phash: str | None = None) -> int:
    async with service.repo.db.transaction() as conn:
        cur = await conn.execute(
            "INSERT INTO reports (case_code, reporter_user_id, reporter_chat_id, locale, category, chronology,"
            " incident_local, timezone, region_code, location_source, anonymous, kind, submitted_at, status, joined_to)"
            " VALUES (?, 42, 42, 'id', ?, 'Ada amplop.', '2024-02-10T09:00', 'Asia/Jakarta', ?, 'picker', 1, 'laporan',"
            " ?, ?, ?) RETURNING id",
            (code, category, region, iso(utcnow() - timedelta(hours=hours_ago)), status, joined_to),
        )
        report_id = cur.returned_id()
        if phash is not None:
            await conn.execute(
                "INSERT INTO evidence (report_id, kind, telegram_file_id, telegram_unique_id, stored, created_at, phash)"
                " VALUES (?, 'photo', ?, ?, 'stored', ?, ?)", (report_id, f"f{report_id}", f"u{report_id}",
                                                                iso(utcnow()), phash))
        return report_id


async def hints(service: SupervisionService, report_id: int, chat_id: int = ADMIN) -> list[str]:
    case = await service.case(report_id)
    assert case is not None
    return [c.case_code for c in await service.possible_duplicates(case, chat_id)]


async def test_the_same_kecamatan_and_category_within_six_hours(service: SupervisionService) -> None:
    await add_report(service, "PTU-OLD0-0007", hours_ago=7.5)  # 6.5 hours before: too long
    await add_report(service, "PTU-NEAR-0005", hours_ago=5.5)
    await add_report(service, "PTU-REJE-CTED", hours_ago=5, status="rejected")
    await add_report(service, "PTU-OTHE-RCAT", hours_ago=4, category="intimidation")
    await add_report(service, "PTU-OTHE-RKEC", hours_ago=4, region=TELANAIPURA)
    await add_report(service, "PTU-DUPL-ICAT", hours_ago=3, status="duplicate")  # only rejected ones are left out
    new = await add_report(service, "PTU-NEWO-NE00", hours_ago=1)
    later = await add_report(service, "PTU-LATE-R000", hours_ago=0.5)  # after it: the later card names it, not this
    assert await hints(service, new) == ["PTU-DUPL-ICAT", "PTU-NEAR-0005"]
    assert await hints(service, later) == ["PTU-NEWO-NE00", "PTU-DUPL-ICAT", "PTU-NEAR-0005"]


async def test_at_most_three_newest_first_and_a_joined_report_stands_for_its_case(service: SupervisionService) -> None:
    case = await add_report(service, "PTU-CASE-0000", hours_ago=5, category="hoax")
    codes = [f"PTU-AAAA-000{n}" for n in range(4)]
    for n, code in enumerate(codes):
        await add_report(service, code, hours_ago=4 - n / 10)
    await add_report(service, "PTU-JOIN-ED00", hours_ago=2, joined_to=case)  # joined the hoax case, same category
    new = await add_report(service, "PTU-NEWO-NE00", hours_ago=1)
    assert await hints(service, new) == ["PTU-CASE-0000", codes[3], codes[2]]
    # A report that joined a case: neither itself nor the case it joined is a candidate.
    joined = await add_report(service, "PTU-JOIN-ED01", hours_ago=0.5, category="hoax", joined_to=case)
    assert await hints(service, joined) == []


async def test_a_near_identical_photo_in_the_kabupaten_within_thirty_days(service: SupervisionService) -> None:
    await add_report(service, "PTU-PHOT-OFAR", hours_ago=31 * 24, category="tps", phash=ZERO)  # too long before
    await add_report(service, "PTU-PHOT-OOLD", hours_ago=29 * 24, category="tps", region=TELANAIPURA, phash=ZERO)
    await add_report(service, "PTU-PHOT-OSIX", hours_ago=20 * 24, category="tps", phash=flipped(6))
    await add_report(service, "PTU-PHOT-SEVN", hours_ago=10 * 24, category="tps", phash=flipped(7))  # too different
    await add_report(service, "PTU-PHOT-OKAB", hours_ago=24, category="tps", region=MUARO_JAMBI, phash=ZERO)
    await add_report(service, "PTU-PHOT-OREJ", hours_ago=24, category="tps", status="rejected", phash=ZERO)
    new = await add_report(service, "PTU-NEWO-NE00", hours_ago=0, category="intimidation", phash=ZERO)
    assert await hints(service, new) == ["PTU-PHOT-OSIX", "PTU-PHOT-OOLD"]
    # Only the cases the chat may view: a group of Telanaipura is not told of Pasar Jambi's.
    telanaipura = -3001
    code, _ = await service.new_code(TELANAIPURA, "supervisors")
    await service.register(code, chat_id=telanaipura, user_id=7, title="Panwascam Telanaipura")
    assert await hints(service, new, telanaipura) == ["PTU-PHOT-OOLD"]
    # A report without pictures, or from before the migration (no hash), matches by photo nothing.
    bare = await add_report(service, "PTU-BARE-0000", hours_ago=0, category="other")
    assert await hints(service, bare) == []


# ---- the card's line and its one-tap button ----------------------------------------------------------------------


def test_the_one_tap_button_only_where_duplikat_is_allowed_and_its_data_fits() -> None:
    import dataclasses

    from bot.kernel.callbacks import MAX_BYTES, parse
    from bot.supervision.actions import SupervisionAction, duplicate_of_parts
    from bot.supervision.alert_card import card_keyboard, card_text
    from tests.test_triage_cards import CASE

    original = dataclasses.replace(CASE, id=123456789011, case_code="PTU-ORIG-0001")
    for status, shown in (("received", True), ("claimed", True), ("registered", False), ("forwarded", False),
                          ("done", False), ("duplicate", False)):
        case = dataclasses.replace(CASE, status=status)
        markup = card_keyboard(case, "id", can_act=True, possible_duplicate=original)
        rows = markup.inline_keyboard if markup is not None else ()
        one_tap = [b for row in rows for b in row if b.text == "♻️ Duplikat dari PTU-ORIG-0001"]
        assert bool(one_tap) is shown, status
        assert card_keyboard(case, "id", can_act=True) == card_keyboard(case, "id", can_act=True,
                                                                        possible_duplicate=None)
        if shown:
            assert rows[-1] == tuple(one_tap)  # its own last row, under ♻️ Duplikat
            data = str(one_tap[0].callback_data)
            parsed = parse(data)
            assert len(data.encode()) <= MAX_BYTES and parsed is not None
            assert parsed.action is SupervisionAction.DUPLICATE_OF
            assert duplicate_of_parts(parsed.arg) == (CASE.id, original.id)
    # A Gakkumdu group's card (only ❓) has none; the card's line names codes only.
    for status in ("received", "forwarded"):
        gakkumdu = card_keyboard(dataclasses.replace(CASE, status=status), "id", can_act=True, only=("ask",),
                                 possible_duplicate=original)
        assert gakkumdu is not None and [b.text for row in gakkumdu.inline_keyboard for b in row] == ["❓ Minta info"]
    regions = RegionDirectory()
    text = card_text(CASE, regions, "id", kind="alert", evidence_count=0, possible_duplicates=["PTU-ORIG-0001"])
    assert "🔁 <b>Mungkin sama dengan</b> <code>PTU-ORIG-0001</code>" in text
    assert "Mungkin sama" not in card_text(CASE, regions, "id", kind="alert", evidence_count=0)
