"""Evidence (albums, big files) and locations (GPS matched with the real kecamatan boundaries)."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from bot.app import Pantau
from bot.kernel.callbacks import parse
from bot.reporting.actions import ReportAction
from locales import t
from testing.fake_telegram import FakeTelegram
from tests.harness import BOUNDARIES, TEXT_METHODS, Reporter, run_steps, text_of_call

needs_boundaries = pytest.mark.skipif(not BOUNDARIES.exists(), reason="../shared/data boundaries not present")


async def test_album_of_three_photos_is_stored_content_addressed(
    fake: FakeTelegram, bot: Pantau, tmp_path: Path
) -> None:
    r = Reporter(fake)
    await run_steps(r, "start", "party")
    photos = [b"photo one " * 50, b"photo two " * 50, b"photo three " * 50]
    r.send("album", photos)
    ack = await r.expect("3 berkas")
    assert "Selesai" in str(fake.messages_to(r.user_id)[-1].get("reply_markup"))
    assert ack.count("3 berkas") == 1
    acks = [t for t in r.texts_since_mark() if "Bukti diterima" in t]
    assert len(acks) == 1, acks  # one acknowledgement for the album, not one per photo
    r.tap("Selesai")
    await r.expect("Langkah 7 dari 9")
    await run_steps(r, "witnesses", "submit")
    assert bot.services is not None
    stored = sorted(p.name for p in (tmp_path / "evidence").rglob("*") if p.is_file())
    assert stored == sorted(hashlib.sha256(p).hexdigest() for p in photos)
    report = (await bot.services.reports.for_reporter(r.user_id))[0]
    assert report.evidence_count == 3


async def test_file_over_20_mb_is_recorded_by_file_id_and_reporter_told(fake: FakeTelegram, bot: Pantau) -> None:
    r = Reporter(fake)
    await run_steps(r, "start", "party")
    r.send("video", b"tiny stand-in", file_size=25 * 1024 * 1024)
    await r.expect("lebih dari 20 MB")
    assert bot.services is not None
    evidence = await bot.services.intake.evidence(r.user_id)
    assert [(e.kind, e.stored, e.sha256) for e in evidence] == [("video", "too_big", None)]
    assert evidence[0].telegram_file_id
    assert not [c for c in fake.calls("getFile") if c.ok]  # no attempt to download it


async def test_stored_files_and_document_and_wrong_media(fake: FakeTelegram, bot: Pantau, tmp_path: Path) -> None:
    r = Reporter(fake)
    await run_steps(r, "start", "party")
    r.send("voice")
    await r.expect("kirim foto, video, atau dokumen")
    pdf = b"%PDF-1.4 minutes of the meeting"
    r.send("document", pdf, file_name="notulen.pdf")
    await r.expect("1 berkas")
    r.say("ini fotonya")  # text where a file is expected
    await r.expect("kirim foto, video, atau dokumen")
    r.tap("Selesai")
    await r.expect("Langkah 7 dari 9")
    # Only the document is evidence (neither the voice note nor the text), downloaded and kept by its hash.
    assert bot.services is not None
    digest = hashlib.sha256(pdf).hexdigest()
    evidence = await bot.services.intake.evidence(r.user_id)
    assert [(e.kind, e.stored, e.sha256, e.size, e.file_name) for e in evidence] == [
        ("document", "stored", digest, len(pdf), "notulen.pdf")
    ]
    files = [p for p in (tmp_path / "evidence").rglob("*") if p.is_file()]
    assert [(p.name, p.read_bytes()) for p in files] == [(digest, pdf)]


@needs_boundaries
async def test_gps_location_is_matched_to_its_kecamatan(fake: FakeTelegram, start_bot: Callable[..., Any]) -> None:
    bot: Pantau = await start_bot(boundaries_file=BOUNDARIES)
    r = Reporter(fake)
    await run_steps(r, "start", "known")
    r.send("location", -1.5900, 103.6130)
    await r.expect("Pasar Jambi, Kota Jambi, Jambi")
    r.tap("Ya, benar")
    await r.expect("waktu WIB")
    await r.expect("Langkah 4 dari 9")
    await run_steps(r, "place", "submit")
    assert bot.services is not None
    answers = (await bot.services.reports.for_reporter(r.user_id))[0]
    assert answers.region_code == "15.71.04"


@needs_boundaries
async def test_gps_rejected_by_reporter_falls_back_to_picker(fake: FakeTelegram, start_bot: Callable[..., Any]) -> None:
    await start_bot(boundaries_file=BOUNDARIES)
    r = Reporter(fake)
    await run_steps(r, "start", "known")
    r.send("location", -1.6200, 103.5800)
    await r.expect("Telanaipura")
    r.tap("Bukan, pilih sendiri")
    await r.expect("Pilih provinsi")
    await run_steps(r, "province", "kecamatan")


@needs_boundaries
async def test_venue_names_the_place_and_skips_the_place_question(
    fake: FakeTelegram, start_bot: Callable[..., Any]
) -> None:
    await start_bot(boundaries_file=BOUNDARIES)
    r = Reporter(fake)
    await run_steps(r, "start", "known")
    r.send("venue", -6.1754, 106.8272, "TPS 012 Gambir", "Jl. Medan Merdeka Barat")
    await r.expect("Gambir")
    r.tap("Ya, benar")
    await r.expect("Langkah 5 dari 9")  # the venue already said where: no place question


@needs_boundaries
async def test_location_outside_scope_suggests_nearest_in_scope(
    fake: FakeTelegram, start_bot: Callable[..., Any]
) -> None:
    await start_bot(boundaries_file=BOUNDARIES, region_scope="15")
    r = Reporter(fake)
    await run_steps(r, "start", "chronology")
    r.tap("Hari ini")
    await r.expect("Kapan Anda mengetahui")
    r.tap("Pada hari kejadian")
    await r.expect("Pilih wilayah di")  # scoped picker: Jambi's kabupaten/kota, no province list
    r.send("location", -6.1754, 106.8272)  # Gambir, Jakarta: outside Jambi
    said = await fake.wait_for(TEXT_METHODS, chat_id=r.user_id, after=r.mark,
                               predicate=lambda c: c.ok and "di luar wilayah" in text_of_call(c))
    assert text_of_call(said) == t("id", "where.gps_outside")
    # The buttons of that very message (the picker sent after it has buttons of its own): three kecamatan of
    # Jambi, although the nearest kecamatan of all are in Jakarta.
    buttons = [b for row in said.result["reply_markup"]["inline_keyboard"] for b in row]
    choices = [parse(b["callback_data"]) for b in buttons]
    codes = [c.arg for c in choices if c is not None and c.action is ReportAction.REGION]
    assert len(codes) == len(buttons) == 3 and len(set(codes)) == 3, buttons
    assert all(code.startswith("15.") and code.count(".") == 2 for code in codes), codes
    assert all(b["text"].endswith(", Jambi") for b in buttons), buttons
    await r.expect("Pilih wilayah di Jambi")  # and the picker, to choose another one


@needs_boundaries
async def test_location_in_the_sea_suggests_nearest(fake: FakeTelegram, start_bot: Callable[..., Any]) -> None:
    await start_bot(boundaries_file=BOUNDARIES)
    r = Reporter(fake)
    await run_steps(r, "start", "known")
    r.send("location", -7.9, 106.3)
    said = await fake.wait_for(TEXT_METHODS, chat_id=r.user_id, after=r.mark,
                               predicate=lambda c: c.ok and "tidak cocok dengan kecamatan" in text_of_call(c))
    labels = [b["text"] for row in said.result["reply_markup"]["inline_keyboard"] for b in row]  # its own buttons
    assert len(labels) == 3 and all("Kabupaten Sukabumi" in label for label in labels), labels


async def test_location_without_boundaries_is_kept_and_picker_asked(fake: FakeTelegram, bot: Pantau) -> None:
    r = Reporter(fake)
    await run_steps(r, "start", "known")
    r.send("location", -1.59, 103.613)
    await r.expect("Lokasi dicatat")
    await run_steps(r, "province", "submit")
    assert bot.services is not None
    (row,) = await bot.services.reports.export_rows()
    assert (row["latitude"], row["longitude"], row["region_code"]) == (-1.59, 103.613, "15.71.04")
