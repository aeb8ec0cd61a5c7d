"""Whole report conversations through the fake Bot API, against the real Application."""

from __future__ import annotations

import re

from bot.app import Pantau
from testing.fake_telegram import FakeTelegram
from tests.harness import CHRONOLOGY, Reporter, give_identity


async def test_whole_report_in_indonesian_with_picker(fake: FakeTelegram, bot: Pantau) -> None:
    r = Reporter(fake)
    r.say("/lapor")
    await r.expect("Langkah 1 dari 9")
    r.tap("Politik uang")
    await r.expect("Langkah 2 dari 9")
    r.say(CHRONOLOGY)
    await r.expect("Langkah 3 dari 9")
    r.tap("Hari ini")
    await r.expect("Kapan Anda mengetahui")
    r.tap("Pada hari kejadian")
    await r.expect("Pilih provinsi")
    r.tap("Jambi")
    await r.expect("Pilih wilayah di")
    r.tap("Kota Jambi")
    await r.expect("Kota Jambi, Jambi")
    r.tap("Pasar Jambi")
    await r.expect("Pasar Jambi, Kota Jambi, Jambi")
    await r.expect("Langkah 4 dari 9")
    r.say("Depan TPS 05, Jl. Sultan Thaha")
    await r.expect("Langkah 5 dari 9")
    r.say("Budi, tim sukses calon nomor 2")
    await r.expect("Langkah 6 dari 9")
    r.send("photo", b"\x89PNG fake photo bytes")
    await r.expect("1 berkas")
    r.tap("Selesai")
    await r.expect("Langkah 7 dari 9")
    r.tap("Lewati")
    await r.expect("Langkah 8 dari 9")
    review = await give_identity(r)
    assert "Politik uang" in review and "Pasar Jambi" in review and "Siti Aminah" in review
    assert "laporan" in review
    r.tap("Kirim laporan")
    confirmation = await r.expect("Kode kasus")
    code = re.search(r"PTU-[0-9A-Z]{4}-[0-9A-Z]{4}", confirmation)
    assert code is not None
    assert "cukup lengkap untuk diajukan sebagai laporan" in confirmation
    assert bot.services is not None
    assert await bot.services.reports.count() == 1
