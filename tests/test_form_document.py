"""The reporter's pre-filled report form (bot/reporting/form_document.py): its text, read back with pypdf, in both
languages and with both fonts (DejaVu Sans where the system has it, the core Helvetica otherwise)."""

from __future__ import annotations

import io
import re
from dataclasses import replace
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest
from pypdf import PdfReader

from bot.legal.kinds import ElectionKind, Standing
from bot.legal.profile import profile
from bot.reporting.form_document import (
    EvidenceLine,
    FontFiles,
    FormContent,
    drawable,
    file_size,
    render_form,
    unicode_font,
)
from bot.reporting.incident_time import IncidentTime
from locales import LOCALES, t
from storage.reporting.reports import Identity

HASHES = ("3f" * 32, "0123456789abcdef" * 4)
WITNESSES = "Pak Rahmat, ketua RT 05, 0812-1111-2222"
CHRONOLOGY = "Tim sukses calon nomor 2 membagikan amplop berisi uang Rp100.000 kepada warga di depan TPS 05."

FONT = unicode_font()
needs_unicode_font = pytest.mark.skipif(FONT is None, reason="no DejaVu Sans on this system")
FONTS = [pytest.param(None, id="helvetica"), pytest.param(FONT, id="dejavu", marks=needs_unicode_font)]


def content(**changes: object) -> FormContent:
    base = FormContent(
        case_code="PTU-7KQ2-M9XD",
        regulation=profile(ElectionKind.PILKADA).regulation,
        received=datetime(2026, 11, 21, 15, 5, tzinfo=ZoneInfo("Asia/Jakarta")),
        zone="WIB",
        category="money_politics",
        chronology=CHRONOLOGY,
        incident=IncidentTime(date(2026, 11, 20), time(19, 30)),
        known=date(2026, 11, 21),
        region_path="Pasar Jambi, Kota Jambi, Jambi",
        place="Depan TPS 05, Jl. Sultan Thaha",
        gps=(-1.59, 103.613),
        party="Budi, tim sukses calon nomor 2",
        witnesses=WITNESSES,
        anonymous=False,
        identity=Identity("Siti Aminah", "Jl. Gatot Subroto No. 5, Jambi", "+6281234567890", "typed"),
        standing=Standing.VOTER,
        evidence=(
            EvidenceLine("photo", None, 123_456, HASHES[0], "stored"),
            EvidenceLine("document", "surat-undangan.pdf", 2_500_000, HASHES[1], "stored"),
            EvidenceLine("video", "rekaman.mp4", 30 * 1024 * 1024, None, "too_big"),
        ),
        bring_by=date(2026, 11, 23),
        kecamatan="Pasar Jambi",
        kabupaten="Kota Jambi",
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def pages(pdf: bytes) -> list[str]:
    assert pdf.startswith(b"%PDF-")
    return [page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages]


def flat(text: str) -> str:
    """Whitespace as one space: lines wrap wherever the page width says."""
    return " ".join(text.split())


def body(pdf: bytes, locale: str) -> str:
    """The document's text without its page footers, whitespace flattened."""
    footer = re.escape(t(locale, "form.pdf.footer", code="PTU-7KQ2-M9XD", page="@", pages="@")).replace("@", r"\d+")
    return flat(re.sub(footer, " ", "\n".join(pages(pdf))))


def label(locale: str, key: str) -> str:
    return t(locale, f"form.pdf.{key}")


@pytest.mark.parametrize("font", FONTS)
@pytest.mark.parametrize("locale", LOCALES)
def test_the_form_carries_the_answers_the_case_code_and_every_hash(locale: str, font: FontFiles | None) -> None:
    text = body(render_form(content(), locale, font), locale)
    assert label(locale, "title") in text
    assert "PTU-7KQ2-M9XD" in text
    assert flat(profile(ElectionKind.PILKADA).regulation) in text
    assert "21-11-2026 15:05 WIB" in text  # received, in the region's zone
    assert t(locale, "category.money_politics.name") in text
    assert CHRONOLOGY in text
    assert "20-11-2026 19:30 WIB" in text  # the incident, with its zone's label
    assert f"{label(locale, 'field.known')} 21-11-2026" in text  # when the reporter learned of it
    assert "Pasar Jambi, Kota Jambi, Jambi (WIB)" in text and "Depan TPS 05, Jl. Sultan Thaha" in text
    assert "-1.59000, 103.61300" in text
    assert "Budi, tim sukses calon nomor 2" in text and WITNESSES in text
    for answer in ("Siti Aminah", "Jl. Gatot Subroto No. 5, Jambi", "+6281234567890"):
        assert answer in text
    assert f"{label(locale, 'field.standing')} {label(locale, 'standing.pilkada.voter')}" in text
    for sha256 in HASHES:
        assert f"SHA-256: {sha256}" in text
    assert "surat-undangan.pdf" in text and "rekaman.mp4" in text
    assert label(locale, "evidence.too_big") in text  # the file the bot never had: brought in person
    assert text.count("SHA-256: ") == len(HASHES)  # and it has no hash
    # Blanks for what the official form asks that the bot did not, and the signature.
    for key in ("birth", "sex", "occupation", "citizenship", "party_address"):
        assert label(locale, f"field.{key}") in text, key
    for key in ("statement", "place_date", "signature"):
        assert label(locale, f"sign.{key}") in text, key
    # What to bring in person, where and by when.
    assert "23-11-2026" in text
    assert t(locale, "form.pdf.bring.office", kecamatan="Pasar Jambi", kabupaten="Kota Jambi") in text
    for key in ("id_card", "form", "originals", "too_big"):
        assert label(locale, f"bring.{key}") in text, key


def test_the_two_languages_differ() -> None:
    indonesian, english = (body(render_form(content(), locale, None), locale) for locale in ("id", "en"))
    assert "FORMULIR LAPORAN" in indonesian and "Tempat, tanggal lahir" in indonesian and "Kewarganegaraan" in indonesian
    assert "REPORT OF A SUSPECTED ELECTION VIOLATION" in english and "Place and date of birth" in english
    assert "Tempat, tanggal lahir" not in english and "Place and date of birth" not in indonesian
    assert "Politik uang" in indonesian and "Money politics" in english
    assert "120,6 KB" in indonesian and "120.6 KB" in english


@pytest.mark.parametrize("font", FONTS)
def test_a_3500_character_chronology_wraps_and_flows_onto_the_next_pages(font: FontFiles | None) -> None:
    words = [f"kata{n}" for n in range(1000)]
    chronology = ""
    for word in words:
        if len(chronology) + len(word) + 1 > 3500:
            break
        chronology = f"{chronology} {word}".strip()
    assert 3480 <= len(chronology) <= 3500
    pdf = render_form(content(chronology=chronology), "id", font)
    texts = pages(pdf)
    assert len(texts) >= 2
    assert chronology in body(pdf, "id")  # whole, in order, across the page break
    first, last = chronology.split()[0], chronology.split()[-1]
    start = next(n for n, text in enumerate(texts) if f" {first} " in f" {flat(text)} ")
    end = next(n for n, text in enumerate(texts) if f" {last} " in f" {flat(text)} ")
    assert end > start  # it began on one page and ended on a later one
    assert all(len(line) < 140 for text in texts for line in text.splitlines())  # wrapped, not cut off


@needs_unicode_font
def test_with_dejavu_characters_beyond_latin1_are_drawn_as_typed() -> None:
    typed = "Kata “serangan fajar” — Ğülşen, Đặng, Ωmega"
    text = body(render_form(content(chronology=typed, party="Ibu Łucja"), "id", FONT), "id")
    assert typed in text
    assert "Ibu Łucja" in text


def test_with_helvetica_characters_beyond_latin1_are_replaced_by_the_nearest_it_has() -> None:
    typed = "Kata “serangan fajar” — Ğülşen, Đặng, Ωmega 😀 café"
    text = body(render_form(content(chronology=typed, party="Ibu Łucja"), "id", None), "id")
    assert 'Kata "serangan fajar" - Gülsen, ?ang, ?mega ? café' in text  # ü, é are latin-1: kept
    assert "Ibu ?ucja" in text


def test_drawable_replaces_what_a_font_cannot_draw() -> None:
    latin1 = lambda char: ord(char) < 256  # noqa: E731
    assert drawable("a—b ‘c’ Ğ e\u0301 x\u200dy 👍\ufe0f\r\nz\tw", latin1) == "a-b 'c' G é xy ?\nz    w"
    assert drawable("Ğ", lambda char: True) == "Ğ"
    assert drawable("\x07bell", latin1) == "bell"


@pytest.mark.parametrize("anonymous", [True, False], ids=["anonymous", "erased"])
def test_without_an_identity_its_fields_are_blank_lines(anonymous: bool) -> None:
    """An anonymous report, or one whose identity was erased: name, address and phone are left to fill in."""
    text = body(render_form(content(anonymous=anonymous, identity=None, standing=None), "en", None), "en")
    assert "Siti Aminah" not in text and "Gatot Subroto" not in text and "+62812" not in text
    for key in ("name", "address", "phone", "standing"):
        assert label("en", f"field.{key}") in text
    assert (label("en", "note.anonymous") in text) is anonymous
    assert label("en", "sign.name") in text


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize("informasi_awal", [True, False], ids=["informasi-awal", "laporan"])
def test_informasi_awal_is_told_it_is_a_lead_not_a_laporan_and_how_to_make_one(locale: str, informasi_awal: bool) -> None:
    """The form of a report handled as informasi awal says so, that it cannot itself become a laporan, and how to make
    one: in person, with an identity card, by the day and at the office the form names; a laporan's form does not."""
    form = content(anonymous=informasi_awal, identity=None if informasi_awal else content().identity,
                   informasi_awal=informasi_awal)
    text = body(render_form(form, locale, None), locale)
    office = t(locale, "form.pdf.bring.office", kecamatan="Pasar Jambi", kabupaten="Kota Jambi")
    note = flat(t(locale, "form.pdf.bring.informasi_awal", date="23-11-2026", office=office))
    assert (note in text) is informasi_awal
    assert ("informasi awal" in text) is informasi_awal
    assert flat(t(locale, "form.pdf.bring.intro", date="23-11-2026", office=office)) in text


def test_without_witnesses_or_evidence_it_says_so_and_leaves_room() -> None:
    text = body(render_form(content(witnesses=None, evidence=(), place=None, gps=None), "id", None), "id")
    assert label("id", "note.no_witnesses") in text and label("id", "field.witness_name") in text
    assert label("id", "note.no_evidence") in text
    assert "SHA-256: " not in text
    assert label("id", "bring.too_big") not in text  # nothing the bot missed
    assert label("id", "field.place") not in text and label("id", "field.gps") not in text


@pytest.mark.parametrize("standing", list(Standing))
@pytest.mark.parametrize("locale", LOCALES)
def test_every_standing_and_evidence_kind_has_its_label(locale: str, standing: Standing) -> None:
    evidence = tuple(EvidenceLine(kind, None, 10, "ab" * 32, "stored") for kind in ("photo", "video", "document"))
    text = body(render_form(content(standing=standing, evidence=evidence), locale, None), locale)
    assert label(locale, f"standing.pilkada.{standing.value}") in text
    pemilu = body(render_form(content(standing=standing, evidence=evidence, election=ElectionKind.PEMILU), locale,
                              None), locale)
    assert label(locale, f"standing.pemilu.{standing.value}") in pemilu
    for kind in ("photo", "video", "document"):
        assert label(locale, f"evidence.{kind}") in text


def test_a_date_only_incident_shows_the_date() -> None:
    text = body(render_form(content(incident=IncidentTime(date(2026, 11, 20))), "id", None), "id")
    assert f"{label('id', 'field.incident')} 20-11-2026 " in text


def test_file_sizes_read_in_the_reporters_language() -> None:
    assert file_size(None, "id") == ""
    assert file_size(900, "id") == "900 B"
    assert file_size(2048, "id") == "2,0 KB"
    assert file_size(5 * 1024 * 1024 + 300_000, "en") == "5.3 MB"
