"""Voting day end to end (issue 13): the TPS list imported, volunteers adopting TPS (limits, backup, release, the
nearest to a location), the checklists pushed at their local times (a fake clock: the push is asked for a given
moment), answers stored, "something wrong" becoming a prefilled report, results photos with a conflict told to
the kecamatan's group, and /cakupan's counts and chart. Through the fake Bot API against the real Application."""

from __future__ import annotations

import io
import struct
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest

from bot.app import Pantau
from bot.tps.chart import coverage_figure
from bot.tps.checklist import Checkpoint
from bot.volunteers.status import VolunteerStatus
from storage.volunteers.registration_drafts import RegistrationDraftRepository
from testing.fake_telegram import FakeTelegram
from tests.broadcast_seed import add_verified
from tests.harness import TEXT_METHODS, ProcessedUpdates, Reporter, services_of, text_of_call
from tests.test_e2e_triage import PASAR_JAMBI, SUPERVISOR, Group

VOTING_DAY = date(2026, 12, 9)
CSV = ("kode_desa,nama_desa,tps,alamat,lintang,bujur,pemilih,ikp\n"
       "15.71.04.1001,Pasar Jambi,1,Jl. Sultan Thaha 1,-1.5901,103.6101,280,kekerasan\n"
       "15.71.04.1001,Pasar Jambi,2,Jl. Sultan Thaha 9,-1.6001,103.6201,275,\n"
       "15.71.04.1002,Beringin,1,Jl. Beringin,-1.6101,103.6301,300,politik_uang\n")
FIRST, SECOND, THIRD = 910_001, 910_002, 910_003


async def started(fake: FakeTelegram, start_bot: Any, tmp_path: Path, **settings: Any) -> Pantau:
    bot: Pantau = await start_bot(voting_day=VOTING_DAY, **settings)
    services = services_of(bot)
    catalogue = services.tps.read(CSV)
    assert catalogue.errors == []
    await services.tps.import_catalogue(catalogue)
    await add_verified(services.volunteers, services.db, [FIRST, SECOND, THIRD], region="15.71.04")
    for uid in (FIRST, SECOND, THIRD):
        fake.ensure_chat(uid)  # they started the bot when they registered
    return bot


async def adopt(r: Reporter, desa: str, number: str, role: str) -> str:
    r.say("/jagatps")
    await r.expect("Jaga TPS")
    r.tap(desa)
    await r.expect("Pilih TPS")
    r.tap(f"TPS {number}")
    await r.expect("Jaga sebagai apa")
    r.tap(role)
    wanted = ("Anda kini menjaga", "sudah dijaga", "sudah punya penjaga utama", "sebanyak batas")

    def said(call: Any) -> str:
        return str(call.params.get("text") or "") if call.method == "answerCallbackQuery" else text_of_call(call)

    call = await r.fake.wait_for((*TEXT_METHODS, "answerCallbackQuery"), after=r.mark,
                                 predicate=lambda c: c.ok and any(w in said(c) for w in wanted))
    return said(call)


async def test_adopting_a_tps_with_its_limits_a_backup_and_letting_go(fake: FakeTelegram, start_bot: Any,
                                                                      tmp_path: Path) -> None:
    bot = await started(fake, start_bot, tmp_path)
    services = services_of(bot)
    first, second, third = (Reporter(fake, uid) for uid in (FIRST, SECOND, THIRD))
    stranger = Reporter(fake)
    stranger.say("/jagatps")
    assert "relawan terverifikasi" in await stranger.expect("relawan terverifikasi")

    assert "sebagai 👁 Penjaga utama" in await adopt(first, "Pasar Jambi", "001", "Penjaga utama")
    assert "sudah punya penjaga utama" in await adopt(second, "Pasar Jambi", "001", "Penjaga utama")
    assert "sebagai 🤝 Cadangan" in await adopt(second, "Pasar Jambi", "001", "Cadangan")
    assert "sudah dijaga 2 relawan" in await adopt(third, "Pasar Jambi", "001", "Cadangan")  # VOLUNTEERS_PER_TPS=2
    first.say("/jagatps")
    overview = await first.expect("Anda menjaga")
    assert "TPS 001 Pasar Jambi" in overview and "batas untuk satu relawan" in overview  # TPS_PER_VOLUNTEER=1
    first.tap("Lepas TPS 001")
    await first.expect_alert("TPS dilepas")
    watchers = await services.tps.repo.watchers((await services.tps.repo.in_desa("15.71.04.1001"))[0].id)
    assert watchers == [(SECOND, "primary")]  # the backup became its primary watcher

    third.send("location", -1.6105, 103.6305)  # beside Beringin's TPS 001
    nearest = await third.expect("TPS terdekat")
    assert nearest.index("Beringin") < nearest.index("TPS 002")
    third.tap("TPS 001 ⚠️")
    await third.expect("Jaga sebagai apa")
    third.tap("Penjaga utama")
    assert "TPS 001 Beringin" in await third.expect("Anda kini menjaga")


async def test_checklists_at_their_local_times_answers_and_a_problem_becoming_a_report(
        fake: FakeTelegram, start_bot: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    processed = ProcessedUpdates(monkeypatch)
    bot = await started(fake, start_bot, tmp_path)
    services = services_of(bot)
    first = Reporter(fake, FIRST)
    await adopt(first, "Pasar Jambi", "001", "Penjaga utama")
    tps = services.tps
    assert await tps.push_due(datetime(2026, 12, 8, 0, 5, tzinfo=UTC), services.users.locale) == 0  # the day before
    assert await tps.push_due(datetime(2026, 12, 8, 23, 59, tzinfo=UTC), services.users.locale) == 0  # 06:59 WIB
    first.mark = fake.cursor()
    assert await tps.push_due(datetime(2026, 12, 9, 0, 1, tzinfo=UTC), services.users.locale) == 1  # 07:01 WIB
    assert await tps.push_due(datetime(2026, 12, 9, 0, 2, tzinfo=UTC), services.users.locale) == 0  # once
    services.outbox_worker.notify()  # type: ignore[union-attr]
    asked = await first.expect("Pembukaan TPS")
    assert "07:00 WIB" in asked and "Pertanyaan 1 dari 4" in asked and "dibuka tepat waktu" in asked
    for expected in ("Pertanyaan 2 dari 4", "Pertanyaan 3 dari 4", "Pertanyaan 4 dari 4"):
        first.tap("Ya")
        await first.expect(expected)
    first.tap("Ya")  # something is wrong
    offer = await first.expect("laporkan sekarang")
    assert offer.count("✅") == 5  # four answers, and "thank you"
    station = (await tps.repo.in_desa("15.71.04.1001"))[0]
    assert await tps.answers(FIRST, station.id, Checkpoint.OPENING) == {
        "opened_on_time": "yes", "materials_complete": "yes", "witnesses_present": "yes", "problem": "yes"}
    first.tap("Laporkan masalahnya")
    started_report = await first.expect("Langkah 1 dari 9")
    assert "TPS 001 Pasar Jambi" in started_report
    draft = await services.intake.get(FIRST)
    assert draft is not None and draft.answers.place is not None and "Jl. Sultan Thaha 1" in draft.answers.place
    assert draft.answers.region_code == "15.71.04" and draft.answers.latitude == -1.5901

    second = Reporter(fake, SECOND)  # adopts the TPS after the opening checklist went out, within its hour
    await adopt(second, "Pasar Jambi", "001", "Cadangan")
    second.mark = fake.cursor()
    assert await tps.push_due(datetime(2026, 12, 9, 0, 30, tzinfo=UTC), services.users.locale) == 1  # theirs, late
    assert await tps.push_due(datetime(2026, 12, 9, 0, 31, tzinfo=UTC), services.users.locale) == 0
    services.outbox_worker.notify()  # type: ignore[union-attr]
    assert "Pertanyaan 1 dari 4" in await second.expect("Pembukaan TPS")
    second.tap("Tidak")
    own = await second.expect("Pertanyaan 2 dari 4")
    assert own.count("✅") == 0 and own.count("❌") == 1  # their own answers, not the primary watcher's
    second.tap("Tidak")
    await second.expect("Pertanyaan 3 dari 4")
    message, _, data = next(b for b in second.buttons() if "Tidak" in b[1])
    mark = fake.cursor()
    second.press(message, data)  # a double tap: the second press edits to the same text, which Telegram refuses
    again = second.press(message, data)
    await processed.wait(again["update_id"])
    edits = [c for c in fake.requests[mark:] if c.method == "editMessageText"]
    assert [c.ok for c in edits] == [True, False]  # "message is not modified": not an error of ours
    said = [str(c.params.get("text")) for c in fake.requests[mark:] if c.method == "answerCallbackQuery"]
    assert said and not any("kesalahan" in s for s in said)
    assert await tps.answers(SECOND, station.id, Checkpoint.OPENING) == {
        "opened_on_time": "no", "materials_complete": "no", "witnesses_present": "no"}

    await services.volunteers.set_status(FIRST, VolunteerStatus.SUSPENDED, "test")  # no checklist for them now
    assert await tps.push_due(datetime(2026, 12, 9, 6, 0, tzinfo=UTC), services.users.locale) == 1  # 13:00 WIB
    assert (await tps.coverage("15.71.04")).watched == 1  # the TPS is watched by its backup still


def _png_size(content: bytes) -> tuple[int, int]:
    assert content[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", content[16:24])


async def test_results_photos_a_conflict_told_to_the_group_and_coverage(fake: FakeTelegram, start_bot: Any,
                                                                         tmp_path: Path) -> None:
    bot = await started(fake, start_bot, tmp_path)
    services = services_of(bot)
    kec = Group(fake, "Panwascam Pasar Jambi")
    await kec.register(services, PASAR_JAMBI)
    first, second = Reporter(fake, FIRST), Reporter(fake, SECOND)
    await adopt(first, "Pasar Jambi", "001", "Penjaga utama")
    await adopt(second, "Pasar Jambi", "001", "Cadangan")
    first.say("/hasil")
    await first.expect("Foto C.Hasil mana")
    first.tap("Gubernur")
    await first.expect("Kirim sekarang")
    first.send("photo", b"\x89PNG c-hasil gubernur satu")
    assert "diterima dan disimpan" in await first.expect("C.Hasil Gubernur")
    first.say("/hasil")
    await first.expect("Foto C.Hasil mana")
    first.tap("Gubernur")
    await first.expect("Kirim sekarang")
    first.send("photo", b"\x89PNG c-hasil gubernur satu")
    assert "sudah diterima sebelumnya" in await first.expect("sudah diterima")
    mark = fake.cursor()
    second.say("/hasil")
    await second.expect("Foto C.Hasil mana")
    second.tap("Gubernur")
    await second.expect("Kirim sekarang")
    second.send("photo", b"\x89PNG c-hasil gubernur dua")
    assert "Keduanya disimpan" in await second.expect("berbeda")
    album = await fake.wait_for("sendMediaGroup", chat_id=kec.chat_id, after=mark, predicate=lambda c: c.ok)
    media = album.params["media"]
    media = media if isinstance(media, list) else __import__("json").loads(media)
    assert len(media) == 2 and "Konflik C.Hasil" in media[0]["caption"] and "TPS 001 Pasar Jambi" in media[0]["caption"]
    assert str(FIRST) not in str(album.params) and str(SECOND) not in str(album.params)  # never who
    station = (await services.tps.repo.in_desa("15.71.04.1001"))[0]
    assert [conflict for _, _, conflict in await services.tps.repo.results(station.id, "governor")] == [True, True]

    first.say("/hasil")  # asked for a results photo, then began a report instead: its photos are its evidence
    await first.expect("Foto C.Hasil mana")
    first.tap("Bupati")
    await first.expect("Kirim sekarang")
    first.say("/lapor")
    await first.expect("Langkah 1 dari")
    first.send("photo", b"\x89PNG a banner, evidence")
    assert "C.Hasil" not in await first.expect("")
    assert await services.tps.repo.results(station.id, "regent") == []
    mine = (await services.privacy.collect(SECOND)).voting_day  # /datasaya has them: the volunteer's own data
    assert [(w["number"], w["role"]) for w in mine["watching"]] == [(1, "backup")]
    assert [(p["contest"], p["conflict"]) for p in mine["results_photos"]] == [("governor", 1)]

    mark = kec.mark = fake.cursor()
    kec.say(SUPERVISOR, "/cakupan")
    text = await kec.expect("Cakupan TPS")
    assert "Dijaga: 1 dari 3 TPS (33%)" in text and "Foto C.Hasil masuk: 1 TPS" in text
    assert "TPS rawan yang belum dijaga (1)" in text and "TPS 001 Beringin" in text
    assert "Pasar Jambi: 1/2 (50%) · hasil 1" in text and "Beringin: 0/1 (0%) · hasil 0" in text
    chart = await fake.wait_for("sendPhoto", chat_id=kec.chat_id, after=mark, predicate=lambda c: c.ok)
    png = chart.params["photo"]
    assert isinstance(png, bytes)
    width, height = _png_size(png)
    assert width == 800 and height >= 250
    assert "Dijaga 1/3 TPS" in str(chart.params.get("caption"))
    from PIL import Image  # matplotlib's own dependency

    image = Image.open(io.BytesIO(png)).convert("RGB")
    colours = {image.getpixel((x, y)) for x in range(0, width, 4) for y in range(0, height, 4)}
    assert (0x1F, 0x7A, 0x4D) in colours  # the watched bar is drawn


async def test_a_group_assigns_a_tps_to_a_volunteer_by_reference(fake: FakeTelegram, start_bot: Any,
                                                                 tmp_path: Path) -> None:
    """/jagakan REL-… KODE_DESA NOMOR: the group never learns who; the volunteer is told; the limits hold."""
    bot = await started(fake, start_bot, tmp_path)
    services = services_of(bot)
    kec = Group(fake, "Panwascam Pasar Jambi")
    await kec.register(services, PASAR_JAMBI)
    async with services.db.transaction() as tx:  # the references their verification cards gave them
        ref = await services.verification.repo.ref_of(tx, THIRD)
        other = await services.verification.repo.ref_of(tx, SECOND)
    third = Reporter(fake, THIRD)
    kec.mark = third.mark = fake.cursor()
    kec.say(SUPERVISOR, f"/jagakan REL-{ref:04d} 15.71.04.1002 1")
    done = await kec.expect(f"REL-{ref:04d} kini menjaga")
    assert "TPS 001 Beringin" in done and "Penjaga utama" in done and str(THIRD) not in done
    assert "menugaskan Anda menjaga" in await third.expect("Pengawas menugaskan")
    kec.mark = fake.cursor()
    kec.say(SUPERVISOR, f"/jagakan REL-{other:04d} 15.71.04.1002 1")
    assert "sebagai 🤝 Cadangan" in await kec.expect(f"REL-{other:04d} kini menjaga")
    kec.mark = fake.cursor()
    kec.say(SUPERVISOR, f"/jagakan REL-{ref:04d} 15.71.04.1001 2")  # TPS_PER_VOLUNTEER=1
    assert "batas untuk satu relawan" in await kec.expect("sebanyak batas")
    for wrong, answer in ((f"REL-{ref:04d} 15.71.04.1009 1", "tidak ada di daftar TPS"),
                          ("REL-9999 15.71.04.1001 2", "Tidak ada relawan terverifikasi"),
                          ("hai", "Tulis: /jagakan"), (f"REL-{ref:04d} 15.71.04.1001 ²", "Tulis: /jagakan")):
        kec.mark = fake.cursor()
        kec.say(SUPERVISOR, f"/jagakan {wrong}")
        await kec.expect(answer)
    assert [(s.number, role) for s, role in await services.tps.watched_by(THIRD)] == [(1, "primary")]

    async with services.db.transaction() as tx:  # the primary watcher erases their data (/hapusdata)
        assert await RegistrationDraftRepository(services.db).erase(tx, THIRD)
    station = (await services.tps.repo.in_desa("15.71.04.1002"))[0]
    assert await services.tps.repo.watchers(station.id) == [(SECOND, "primary")]  # the backup is its primary now


def test_two_kecamatan_of_one_name_are_two_bars() -> None:
    """The chart's bars stand at numbered places: names that repeat (a Kota Baru in two kabupaten) stay apart."""
    import matplotlib.pyplot as plt

    figure = coverage_figure("Cakupan", [("Kota Baru", 4, 1, 0), ("Kota Baru", 6, 3, 1), ("Telanaipura", 2, 2, 2)],
                             ("dijaga", "belum", "hasil"))
    try:
        axes = figure.axes[0]
        assert [label.get_text() for label in axes.get_yticklabels()] == ["Telanaipura", "Kota Baru", "Kota Baru"]
        assert sorted(round(bar.get_width()) for bar in axes.patches) == [1, 2, 2, 3, 4, 6]
    finally:
        plt.close(figure)
