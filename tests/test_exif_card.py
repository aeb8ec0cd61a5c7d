"""The alert card's EXIF line (bot/supervision/alert_card.py exif_lines): when and where the evidence photos were
taken, as corroboration, in the region's time and relative to the reported place."""

from __future__ import annotations

import dataclasses

import pytest

from bot.kernel.metadata import NO_FACTS, PhotoFacts
from bot.regions.directory import RegionDirectory
from bot.supervision.alert_card import card_text, exif_lines
from storage.supervision.cases import CaseRow

CASE = CaseRow(
    id=1, case_code="PTU-ABCD-EF23", reporter_chat_id=700_001, locale="id", category="money_politics",
    chronology="Amplop dibagikan di depan TPS 05.", incident_local="2026-11-21T14:00:00", timezone="Asia/Jakarta",
    region_code="15.71.04", latitude=None, longitude=None, place_description="Depan TPS 05", reported_party=None,
    witnesses=None, anonymous=True, kind="laporan", missing=[], status="received",
    submitted_at="2026-11-21T08:00:00+00:00", route_level="kecamatan", handler_name=None,
    status_changed_at=None, last_actor_name=None, forwarded_to=None, duplicate_of=None,
)


@pytest.fixture(scope="module")
def regions() -> RegionDirectory:
    return RegionDirectory()


def test_the_card_shows_the_time_in_the_regions_zone(regions: RegionDirectory) -> None:
    photos = [PhotoFacts("2026-11-21T07:30:00+00:00")]
    assert exif_lines(CASE, photos, regions, "id") == ["📷 <b>EXIF</b>: diambil 21-11-2026 14:30 WIB"]
    camera = [PhotoFacts("2026-11-21T14:30:00")]
    assert exif_lines(CASE, camera, regions, "en") == ["📷 <b>EXIF</b>: taken 21-11-2026 14:30 (camera clock)"]
    card = card_text(CASE, regions, "id", kind="alert", evidence_count=1, photos=photos)
    assert "diambil 21-11-2026 14:30 WIB" in card
    assert "EXIF" not in card_text(CASE, regions, "id", kind="alert", evidence_count=1, photos=[NO_FACTS])


def test_the_card_says_how_far_the_photo_was_taken_from_the_reported_place(regions: RegionDirectory) -> None:
    located = dataclasses.replace(CASE, latitude=-1.59, longitude=103.613)
    near, two_km, far = PhotoFacts(None, -1.5905, 103.6131), PhotoFacts(None, -1.608, 103.613), \
        PhotoFacts(None, -1.85, 103.613)
    lines = exif_lines(located, [near, two_km, far], regions, "id")
    assert lines == [
        "📷 <b>EXIF</b>: lokasi foto kurang dari 1 km dari lokasi laporan",
        "📷 <b>EXIF</b>: lokasi foto ±2 km dari lokasi laporan",
        "📷 <b>EXIF</b>: lokasi foto jauh dari lokasi laporan: ±29 km",
    ]
    both = exif_lines(located, [PhotoFacts("2026-11-21T14:30:00+07:00", -1.608, 103.613)], regions, "id")
    assert both == ["📷 <b>EXIF</b>: diambil 21-11-2026 14:30 WIB · lokasi foto ±2 km dari lokasi laporan"]
    assert "-1.6" not in "".join(lines)  # a distance, never the coordinates


def test_without_the_reports_coordinates_the_card_names_the_photos_kecamatan(regions: RegionDirectory) -> None:
    photo = PhotoFacts(None, -1.59, 103.613)
    inside = exif_lines(CASE, [photo], regions, "id", locate=lambda lat, lon: "15.71.04")
    assert inside == ["📷 <b>EXIF</b>: lokasi foto di Pasar Jambi, Kota Jambi, Jambi"]
    outside = exif_lines(CASE, [photo], regions, "en", locate=lambda lat, lon: "15.71.01")
    assert len(outside) == 1 and outside[0].endswith("Kota Jambi, Jambi, outside the reported area")
    unknown = exif_lines(CASE, [photo], regions, "id", locate=lambda lat, lon: None)
    assert unknown == ["📷 <b>EXIF</b>: lokasi foto -1.59, 103.61"]


def test_the_card_lists_three_photos_and_counts_the_rest(regions: RegionDirectory) -> None:
    photos = [PhotoFacts(f"2026-11-21T1{n}:00:00+07:00") for n in range(5)]
    lines = exif_lines(CASE, photos, regions, "en")
    assert len(lines) == 4 and lines[-1] == "📷 2 more files also record a time or place (EXIF)"
