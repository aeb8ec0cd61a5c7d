"""Insight end to end (issue 14): /statistik's counts and its two charts, its period buttons (who pressed is
checked), /ekspor's CSV, XLSX and GeoJSON parsed back without identities, /peta with and without boundaries,
the daily digest at its local time (a fake clock: the queue is asked for a given moment) and /ringkasan mati,
and an operator's export with identities, logged. Through the fake Bot API against the real Application."""

from __future__ import annotations

import csv
import io
import json
import struct
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from bot.app import Pantau
from bot.insight import delivery_policy as insight_delivery
from bot.operators.tools import export_reports
from testing.fake_telegram import FakeTelegram
from tests.harness import BOUNDARIES, ProcessedUpdates, Reporter, outbox_idle, run_steps, services_of
from tests.test_e2e_triage import KOTA_JAMBI, PASAR_JAMBI, SUPERVISOR, TELANAIPURA, Group

needs_boundaries = pytest.mark.skipif(not BOUNDARIES.exists(), reason="../shared/data boundaries not present")
STRANGER = 919_999


def _png_size(content: bytes) -> tuple[int, int]:
    assert content[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", content[16:24])


async def _reports(fake: FakeTelegram, bot: Pantau, n: int) -> list[str]:
    """`n` reports in Pasar Jambi (Politik uang), the second one (if any) made a hoax; their case codes."""
    for i in range(n):
        await run_steps(Reporter(fake, 930_000 + i, first_name="Rahmat"))
    services = services_of(bot)
    rows = await services.db.fetchall("SELECT id, case_code FROM reports ORDER BY id")
    if n > 1:
        await services.db.write([("UPDATE reports SET category = 'hoax' WHERE id = ?", (rows[1]["id"],))])
    return [str(r["case_code"]) for r in rows]


async def _export_menu(fake: FakeTelegram, group: Group) -> dict[str, Any]:
    """A member sends /ekspor: the message with the format buttons."""
    group.mark = fake.cursor()
    group.say(SUPERVISOR, "/ekspor")
    await group.expect("Ekspor kasus")
    return next(m for m in reversed(fake.messages_to(group.chat_id)) if "Ekspor kasus" in str(m.get("text")))


async def test_statistics_with_charts_and_periods(fake: FakeTelegram, start_bot: Any) -> None:
    bot = await start_bot()
    services = services_of(bot)
    codes = await _reports(fake, bot, 3)
    kota = Group(fake, "Bawaslu Kota Jambi")
    await kota.register(services, KOTA_JAMBI)
    mark = kota.mark = fake.cursor()
    kota.say(SUPERVISOR, "/statistik")
    text = await kota.expect("Statistik laporan")
    assert "Seluruh pemilihan" in text and "Kasus: 3" in text
    assert "Politik uang: 2" in text and "Hoaks" in text and "Pasar Jambi: 3" in text
    assert "diterima: 3" in text and "Belum ditangani siapa pun: 3" in text
    assert all(code not in text for code in codes)  # nothing overdue yet: no case listed
    album = await fake.wait_for("sendMediaGroup", chat_id=kota.chat_id, after=mark, predicate=lambda c: c.ok)
    media = album.params["media"]
    media = media if isinstance(media, list) else json.loads(media)
    assert len(media) == 2 and "3 kasus" in media[0]["caption"]
    uploads = [m["media"] for m in media]
    assert len(uploads) == 2 and all(_png_size(png)[0] == 800 for png in uploads)
    assert "Rahmat" not in str(album.params)

    menu = next(m for m in reversed(fake.messages_to(kota.chat_id)) if "Statistik laporan" in str(m.get("text")))
    mark = kota.mark = fake.cursor()
    fake.press(STRANGER, menu, next(b["callback_data"] for b in menu["reply_markup"]["inline_keyboard"][0]
                                    if "Hari ini" in b["text"]), check=False)
    alert = await fake.wait_for("answerCallbackQuery", after=mark, predicate=lambda c: c.ok)
    assert "Hanya anggota" in str(alert.params.get("text"))  # a stranger's press changes nothing
    kota.press(SUPERVISOR, menu, "Hari ini")
    today = await kota.expect("Periode: Hari ini")
    assert "Politik uang: 2" in today
    await fake.wait_for("sendMediaGroup", chat_id=kota.chat_id, after=mark, predicate=lambda c: c.ok)

    empty = Group(fake, "Panwascam Telanaipura")  # no reports there: "nothing yet", and no chart
    await empty.register(services, TELANAIPURA)
    mark = empty.mark = fake.cursor()
    empty.say(SUPERVISOR, "/statistik")
    assert "Belum ada laporan" in await empty.expect("Statistik laporan")
    await outbox_idle(services)  # its charts' row was queued with the message: it has been sent, or skipped
    assert not [c for c in fake.requests[mark:] if c.method == "sendMediaGroup" and c.params.get("chat_id") == empty.chat_id]

    gakkumdu = Group(fake, "Sentra Gakkumdu Kota Jambi")  # sees only the cases forwarded to it: no region figures
    await gakkumdu.register(services, KOTA_JAMBI, role="gakkumdu")
    gakkumdu.mark = fake.cursor()
    gakkumdu.say(SUPERVISOR, "/ekspor")
    assert "hanya untuk grup pengawas" in await gakkumdu.expect("hanya untuk grup pengawas")


async def test_exports_in_a_group_without_identities(fake: FakeTelegram, start_bot: Any,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    processed = ProcessedUpdates(monkeypatch)
    bot = await start_bot()
    services = services_of(bot)
    codes = await _reports(fake, bot, 2)
    kec = Group(fake, "Panwascam Pasar Jambi")
    await kec.register(services, PASAR_JAMBI)
    menu = await _export_menu(fake, kec)
    files: dict[str, bytes] = {}
    for fmt in ("CSV", "XLSX", "GEOJSON"):
        mark = fake.cursor()
        kec.press(SUPERVISOR, menu, fmt)
        again = kec.press(SUPERVISOR, menu, fmt)  # a double tap: one file
        await processed.wait(again["update_id"])
        sent = await fake.wait_for("sendDocument", chat_id=kec.chat_id, after=mark, predicate=lambda c: c.ok)
        assert sent.params.get("protect_content") in (True, "true", "True")
        assert "Tanpa identitas pelapor" in str(sent.params.get("caption"))
        files[fmt] = sent.params["document"]
    table = list(csv.DictReader(io.StringIO(files["CSV"].decode("utf-8"))))
    assert [r["case_code"] for r in table] == codes
    assert table[0]["kecamatan"] == "Pasar Jambi" and table[0]["kabupaten_code"] == "15.71"
    assert table[0]["submitted_at"].endswith("+07:00") and len(table[0]["evidence_sha256"]) == 64
    assert table[0]["handling_due"] and table[1]["category"] == "hoax"
    assert "reporter_name" not in table[0] and "Rahmat" not in files["CSV"].decode("utf-8")
    sheet = load_workbook(io.BytesIO(files["XLSX"]), read_only=True).active
    assert sheet is not None
    values = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert values[0][0] == "case_code" and [v[0] for v in values[1:]] == codes and "reporter_name" not in values[0]
    collection = json.loads(files["GEOJSON"])
    assert [f["properties"]["case_code"] for f in collection["features"]] == codes
    assert "reporter_name" not in collection["features"][0]["properties"]
    await outbox_idle(services)
    exports = [c for c in fake.calls("sendDocument", chat_id=kec.chat_id) if c.ok]
    assert len(exports) == 3  # the double taps sent nothing twice


async def test_an_export_too_large_for_telegram_is_explained(fake: FakeTelegram, start_bot: Any,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(insight_delivery, "MAX_UPLOAD", 100)  # bytes: any export is "too large" now
    bot = await start_bot()
    services = services_of(bot)
    await _reports(fake, bot, 1)
    kec = Group(fake, "Panwascam Pasar Jambi")
    await kec.register(services, PASAR_JAMBI)
    menu = await _export_menu(fake, kec)
    kec.press(SUPERVISOR, menu, "GEOJSON")
    assert "python -m bot export" in await kec.expect("terlalu besar untuk Telegram")
    assert not [c for c in fake.calls("sendDocument", chat_id=kec.chat_id) if c.ok]


async def test_operator_export_with_identity_is_logged(fake: FakeTelegram, start_bot: Any, tmp_path: Path) -> None:
    bot = await start_bot()
    services = services_of(bot)
    (code,) = await _reports(fake, bot, 1)
    await services.db.write([(
        "INSERT INTO reporter_identities (report_id, name, address, phone, phone_source)"
        " SELECT id, 'Rahmat Hidayat', 'Jl. Pattimura 3', '6281234567890', 'typed' FROM reports", ())])
    plain = tmp_path / "kasus.xlsx"
    assert await export_reports(bot.settings, plain) == 1
    header = [c.value for c in next(load_workbook(plain, read_only=True).active.iter_rows(max_row=1))]  # type: ignore[union-attr]
    assert "reporter_name" not in header
    named = tmp_path / "kasus.csv"
    assert await export_reports(bot.settings, named, with_identity=True, purpose="berkas untuk Gakkumdu",
                                operator="operator-jambi") == 1
    (row,) = list(csv.DictReader(named.open(encoding="utf-8")))
    assert row["case_code"] == code and row["reporter_name"] == "Rahmat Hidayat" and row["reporter_phone"]
    log = await services.db.fetchall("SELECT accessor, purpose FROM identity_access_log")
    assert [(r["accessor"], r["purpose"]) for r in log] == [("operator-jambi", "berkas untuk Gakkumdu")]
    with pytest.raises(Exception, match="purpose"):
        await export_reports(bot.settings, named, with_identity=True, purpose="", operator="x")


@needs_boundaries
async def test_the_map_of_reports(fake: FakeTelegram, start_bot: Any) -> None:
    bot = await start_bot(boundaries_file=BOUNDARIES)
    services = services_of(bot)
    await _reports(fake, bot, 2)
    kota = Group(fake, "Bawaslu Kota Jambi")
    await kota.register(services, KOTA_JAMBI)
    mark = fake.cursor()
    kota.say(SUPERVISOR, "/peta")
    sent = await fake.wait_for("sendPhoto", chat_id=kota.chat_id, after=mark, predicate=lambda c: c.ok)
    png = sent.params["photo"]
    assert isinstance(png, bytes) and _png_size(png)[0] == 800
    assert "2 kasus" in str(sent.params.get("caption"))


async def test_no_map_without_boundaries(fake: FakeTelegram, start_bot: Any) -> None:
    bot = await start_bot()
    kota = Group(fake, "Bawaslu Kota Jambi")
    await kota.register(services_of(bot), KOTA_JAMBI)
    kota.mark = fake.cursor()
    kota.say(SUPERVISOR, "/peta")
    assert "BOUNDARIES_FILE" in await kota.expect("Peta belum tersedia")


async def test_the_daily_digest_at_its_local_time_and_turned_off(fake: FakeTelegram, start_bot: Any) -> None:
    bot = await start_bot()
    services = services_of(bot)
    await _reports(fake, bot, 2)
    kota = Group(fake, "Bawaslu Kota Jambi")
    await kota.register(services, KOTA_JAMBI)
    stored = await services.db.fetchone("SELECT MIN(submitted_at) AS at FROM reports")
    assert stored is not None
    submitted = datetime.fromisoformat(str(stored["at"]))
    # The next morning in Jambi (WIB, UTC+7): 06:59 is too early, 07:05 is the time, once a day.
    day = (submitted.astimezone(services.regions.timezone(KOTA_JAMBI))).date()
    morning = datetime(day.year, day.month, day.day, 0, 5, tzinfo=UTC).replace(day=day.day) + _one_day()
    insight = services.insight
    assert await insight.queue_digests(morning.replace(hour=23, minute=59) - _one_day(), "id") == 0
    kota.mark = fake.cursor()
    assert await insight.queue_digests(morning, "id") == 1
    assert await insight.queue_digests(morning.replace(minute=30), "id") == 0
    services.outbox_worker.notify()  # type: ignore[union-attr]
    digest = await kota.expect("Ringkasan harian")
    assert "Kemarin: 2 kasus baru" in digest
    assert "Masih terbuka: 2 kasus" in digest and "Rahmat" not in digest
    kota.mark = fake.cursor()
    kota.say(SUPERVISOR, "/ringkasan mati")
    assert "dimatikan" in await kota.expect("Ringkasan harian dimatikan")
    assert await insight.queue_digests(morning + _one_day(), "id") == 0
    kota.mark = fake.cursor()
    kota.say(SUPERVISOR, "/ringkasan nyala")
    assert "07:00 WIB" in await kota.expect("Ringkasan harian aktif")
    assert await insight.queue_digests(morning + _one_day(), "id") == 1


def _one_day() -> Any:
    from datetime import timedelta

    return timedelta(days=1)
