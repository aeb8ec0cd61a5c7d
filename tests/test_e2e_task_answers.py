"""Tasks, the volunteer's side, end to end over HTTP against the fake Bot API: ✅ / ❌ and who may press them,
/tugassaya, a report-back (text, an album, a location) threaded under the task's card in its group without the
volunteer's name or phone, a restart in the middle of one, and a report-back turned into a submitted report."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from bot.app import Pantau
from bot.kernel.services import Services
from bot.reporting.evidence_store import EvidenceStore
from bot.tasks.batch import card_key
from bot.volunteers.status import VolunteerStatus
from storage.tasks.tasks import NewTask, TaskRow
from storage.volunteers.volunteers import NewVolunteer
from testing.fake_telegram import FakeTelegram
from tests.harness import Group, Reporter, case_codes_sent, text_of_call

TASK_TEXT = "Pantau kedatangan logistik di PPK Pasar Jambi malam ini."
NAME, PHONE = "Siti Aminah Lubis", "+6281234567890"
ORGANISATION = "BEM Universitas Jambi"


@dataclass
class Setup:
    services: Services
    group: Group
    task: TaskRow
    card_id: int
    volunteers: list[Reporter]


def _services(bot: Pantau) -> Services:
    assert bot.services is not None
    return bot.services


async def _idle(services: Services) -> None:
    assert services.outbox_worker is not None
    await asyncio.wait_for(services.outbox_worker.wait_idle(), 10)


async def _volunteer(fake: FakeTelegram, services: Services, n: int, region: str = "15.71.04",
                     organisation: int | None = None) -> Reporter:
    r = Reporter(fake, first_name="Siti")
    r.say("/start")  # a volunteer has written to the bot (they registered with it)
    await fake.wait_for("sendMessage", chat_id=r.user_id, after=r.mark, predicate=lambda c: c.ok)
    await services.volunteers.register(NewVolunteer(r.user_id, r.user_id, f"{NAME} {n}", organisation, "students", region,
                                                    f"{PHONE[:-2]}{n:02d}", True, "2026-12"))
    assert await services.volunteers.set_status(r.user_id, VolunteerStatus.VERIFIED, "test")
    return r


async def _setup(fake: FakeTelegram, bot: Pantau, count: int = 1, *, report_back: bool = True) -> Setup:
    """`count` verified volunteers in Pasar Jambi (the first of the BEM), a task sent to them from a group, and
    its card in the group (queued with the task under the card's key)."""
    services = _services(bot)
    organisation, _ = await services.organisations.add(ORGANISATION, "students", "15.71", "test")
    volunteers = [await _volunteer(fake, services, n, organisation=organisation.id if n == 0 else None)
                  for n in range(count)]
    group = Group(fake, "Panwascam Pasar Jambi")
    task = await services.tasks.create_and_send(
        NewTask(group.chat_id, group.admin_id, "15.71.04", TASK_TEXT, "Asia/Jakarta", report_back=report_back)
    )
    assert services.outbox_worker is not None
    services.outbox_worker.notify()
    for r in volunteers:
        await r.expect(f"Tugas #{task.id}")
    await _idle(services)
    card = await services.outbox.by_key(card_key(task.id))
    assert card is not None and card["status"] == "sent"
    return Setup(services, group, task, int(card["telegram_message_id"]), volunteers)


def _task_message(r: Reporter, task_id: int) -> dict[str, Any]:
    for message in reversed(r.fake.messages_to(r.user_id)):
        if f"Tugas #{task_id}" in str(message.get("text", "")) and "Pantau kedatangan" in str(message.get("text")):
            return message
    raise AssertionError("no task message")


def _data(message: dict[str, Any], label: str) -> str:
    for row in (message.get("reply_markup") or {}).get("inline_keyboard", []):
        for b in row:
            if label.casefold() in b["text"].casefold():
                return str(b["callback_data"])
    raise AssertionError(f"no button {label!r}")


async def _assignment(services: Services, task_id: int, user_id: int) -> dict[str, Any]:
    row = await services.db.fetchone(
        "SELECT status, responded_at, reported_at FROM task_assignments WHERE task_id = ? AND user_id = ?",
        (task_id, user_id),
    )
    assert row is not None
    return dict(row)


async def test_accept_decline_and_who_may_answer(fake: FakeTelegram, bot: Pantau) -> None:
    s = await _setup(fake, bot, 4)
    a, b, c, d = s.volunteers
    task_id = s.task.id
    accept = _data(_task_message(a, task_id), "Terima")

    a.tap("Terima")
    edited = await a.expect("Anda menerima tugas ini")
    assert TASK_TEXT in edited  # the task's own text stays
    first = await _assignment(s.services, task_id, a.user_id)
    assert first["status"] == "accepted" and first["responded_at"]
    assert any("Lapor hasil" in label for _, label, _ in a.buttons())
    # A double tap (or the press delivered again) changes nothing twice, and says so.
    a.press(_task_message(a, task_id), accept)
    await a.expect_alert("sudah tercatat")
    assert await _assignment(s.services, task_id, a.user_id) == first
    assert _task_message(a, task_id)["text"].count("Anda menerima") == 1
    # Someone else pressing A's message, and A pressing a forged task id: refused, nothing recorded.
    stranger = await _volunteer(fake, s.services, 9, region="15.71.01")  # verified, but the task is not theirs
    stranger.press(_task_message(a, task_id), accept)
    await stranger.expect_alert("tidak ditujukan kepada Anda")
    a.press(_task_message(a, task_id), "1|tka|999999")
    await a.expect_alert("tidak ditujukan kepada Anda")
    assert await s.services.db.fetchone("SELECT 1 FROM task_assignments WHERE user_id = ?", (stranger.user_id,)) is None

    # B declines, then changes their mind while the task runs.
    b.tap("Tolak")
    await b.expect("Anda menolak tugas ini")
    assert (await _assignment(s.services, task_id, b.user_id))["status"] == "declined"
    b.tap("Terima")
    await b.expect("Anda menerima tugas ini")
    assert (await _assignment(s.services, task_id, b.user_id))["status"] == "accepted"

    # C is suspended meanwhile: refused kindly.
    assert await s.services.volunteers.set_status(c.user_id, VolunteerStatus.SUSPENDED, "test")
    c.tap("Terima")
    await c.expect_alert("hanya relawan terverifikasi")
    assert (await _assignment(s.services, task_id, c.user_id))["status"] == "offered"

    # The task is stopped: D's press is refused kindly, and the buttons go.
    async with s.services.db.transaction() as tx:
        await tx.execute("UPDATE tasks SET status = 'stopped', stopped_at = created_at WHERE id = ?", (task_id,))
    d.tap("Terima")
    await d.expect_alert("sudah dihentikan")
    assert (await _assignment(s.services, task_id, d.user_id))["status"] == "offered"
    await fake.wait_for("editMessageReplyMarkup", chat_id=d.user_id, predicate=lambda c: c.ok)
    assert not _task_message(d, task_id).get("reply_markup")

    # /tugassaya lists what A accepted, not reported back yet.
    a.say("/tugassaya")
    listed = await a.expect("Tugas yang Anda terima")
    assert f"Tugas #{task_id}" in listed and "belum dilaporkan" in listed and "dihentikan" in listed
    # Nothing of this went to the group.
    assert not [text for text in s.group.texts() if "Siti" in text or "Anda menerima tugas" in text]


async def test_report_back_with_an_album_and_a_location_reaches_the_group_under_the_card(
    fake: FakeTelegram, start_bot: Callable[..., Any], make_settings: Callable[..., Any]
) -> None:
    bot: Pantau = await start_bot()
    s = await _setup(fake, bot, 1)
    (a,) = s.volunteers
    task_id = s.task.id
    a.tap("Terima")
    await a.expect("Anda menerima")
    a.tap("Lapor hasil")
    await a.expect(f"Laporan hasil tugas #{task_id}")
    a.say("Logistik tiba pukul 19.00, segel kotak suara utuh, dikawal polisi.")
    await a.expect("Teks: ✓")
    photos = [b"\x89PNG report back " + bytes([n]) for n in range(3)]
    a.send("album", photos)
    await a.expect("Foto: 3")

    # A restart in the middle: the report-back goes on where it was.
    await bot.stop()
    bot = await start_bot()
    services = _services(bot)
    a.send("location", -1.6101, 103.6131)
    status = await a.expect("Lokasi: ✓")
    assert "Foto: 3" in status and "Teks: ✓" in status

    mark = fake.cursor()
    send = a.tap("Kirim")
    await a.expect_alert("Terkirim")
    text = await fake.wait_for("sendMessage", chat_id=s.group.chat_id, after=mark,
                               predicate=lambda c: c.ok and "Laporan hasil tugas" in text_of_call(c))
    album = await fake.wait_for("sendMediaGroup", chat_id=s.group.chat_id, after=mark, predicate=lambda c: c.ok)
    pin = await fake.wait_for("sendLocation", chat_id=s.group.chat_id, after=mark, predicate=lambda c: c.ok)
    for call in (text, album, pin):
        assert (call.params.get("reply_parameters") or {}).get("message_id") == s.card_id
    assert len(album.result) == 3
    posted = text_of_call(text)
    assert "segel kotak suara utuh" in posted and ORGANISATION in posted
    # The group names the volunteer as their verification card does (volunteer_refs), never otherwise.
    ref = await services.db.fetchone("SELECT ref FROM volunteer_refs WHERE user_id = ?", (a.user_id,))
    assert ref is not None and f"REL-{ref['ref']:04d}" in posted
    assert abs(float(pin.params["latitude"]) + 1.6101) < 1e-6
    await a.expect("sudah dikirim ke pengawas")
    assert any("Jadikan laporan" in label for _, label, _ in a.buttons())

    # A double tap of ✅ Kirim (or its press delivered again) sends nothing twice.
    a.press(send["callback_query"]["message"], send["callback_query"]["data"])
    await a.expect_alert("sudah dikirim")
    await _idle(services)
    assert len([c for c in fake.calls("sendMediaGroup", chat_id=s.group.chat_id) if c.ok]) == 1
    assert len([c for c in fake.calls("sendMessage", chat_id=s.group.chat_id)
                if c.ok and "Laporan hasil tugas" in text_of_call(c)]) == 1

    # Privacy: no name, no phone in anything the group got.
    group_calls = json.dumps([c.params for c in fake.calls(chat_id=s.group.chat_id)], ensure_ascii=False)
    assert NAME not in group_calls and PHONE[:-2] not in group_calls and "Siti" not in group_calls

    # Stored: submitted once, the assignment reported, the photos content-addressed on disk.
    reports = await services.db.fetchall("SELECT id, status, text, latitude FROM task_reports WHERE task_id = ?",
                                         (task_id,))
    assert [(r["status"], r["latitude"]) for r in reports] == [("submitted", -1.6101)]
    assert (await _assignment(services, task_id, a.user_id))["reported_at"]
    evidence = await services.db.fetchall("SELECT sha256, stored FROM task_report_evidence WHERE task_report_id = ?",
                                          (reports[0]["id"],))
    store = EvidenceStore(make_settings().evidence_dir)
    assert len(evidence) == 3 and all(e["stored"] == "stored" and store.path_for(e["sha256"]).exists()
                                      for e in evidence)
    a.say("/tugassaya")
    assert "Hasil sudah dilaporkan" in await a.expect("Tugas yang Anda terima")


async def test_messages_outside_a_report_back_are_not_taken_and_batal_cancels_it(fake: FakeTelegram, bot: Pantau) -> None:
    s = await _setup(fake, bot, 1)
    (a,) = s.volunteers
    a.tap("Terima")
    await a.expect("Anda menerima")
    # No report-back open: a text and a location go where they always went.
    a.say("Halo, saya sudah sampai di lokasi.")
    await a.expect("/lapor")
    a.send("location", -1.61, 103.61)
    await a.expect("/lapor")
    assert await s.services.db.fetchone("SELECT 1 FROM task_reports") is None

    a.tap("Lapor hasil")
    await a.expect("Laporan hasil tugas")
    a.send("sticker")
    await a.expect("kirim teks, foto, atau lokasi")
    a.say("/lapor")  # one conversation at a time
    await a.expect("sedang mengisi laporan hasil")
    a.say("Kotak suara sudah tiba.")
    await a.expect("Teks: ✓")
    a.say("/batal")
    await a.expect("Laporan hasil dibatalkan")
    assert await s.services.db.fetchone("SELECT 1 FROM task_reports") is None
    # The report conversation is unaffected.
    a.say("/lapor")
    await a.expect("Langkah 1 dari 9")
    a.tap("Politik uang")
    await a.expect("Langkah 2 dari 9")


async def test_a_report_back_becomes_a_report_with_its_photos_and_place(fake: FakeTelegram, bot: Pantau) -> None:
    s = await _setup(fake, bot, 1)
    (a,) = s.volunteers
    a.tap("Terima")
    await a.expect("Anda menerima")
    a.tap("Lapor hasil")
    await a.expect("Laporan hasil tugas")
    a.say("Tim sukses calon nomor 2 membagikan amplop kepada petugas PPK saat logistik tiba.")
    await a.expect("Teks: ✓")
    a.send("album", [b"\x89PNG amplop 1", b"\x89PNG amplop 2"])
    await a.expect("Foto: 2")
    a.send("location", -1.6101, 103.6131)
    await a.expect("Lokasi: ✓")
    a.tap("Kirim")
    await a.expect("sudah dikirim ke pengawas")

    a.tap("Jadikan laporan")
    first = await a.expect("Langkah 1 dari 9")
    assert f"hasil tugas #{s.task.id}" in first
    a.tap("Politik uang")  # the chronology, the time and the kecamatan are given: on to the place description
    await a.expect("Langkah 4 dari 9")
    a.say("Halaman kantor PPK Pasar Jambi")
    await a.expect("Langkah 5 dari 9")
    a.tap("Lewati")
    evidence_step = await a.expect("Langkah 6 dari 9")
    assert "2" in evidence_step
    a.tap("Selesai")
    await a.expect("Langkah 7 dari 9")
    a.tap("Lewati")
    identity_step = await a.expect("Langkah 8 dari 9")
    # the report-back was seen by the task's group: "anonymous" cannot hide where this report comes from
    assert "tidak dapat menyembunyikan bahwa laporan ini berasal dari laporan tugas" in identity_step
    a.tap("Anonim")
    review = await a.expect("Langkah 9 dari 9")
    assert "Pasar Jambi" in review and "amplop" in review
    a.tap("Kirim laporan")
    await a.expect("Kode kasus")
    (code,) = case_codes_sent(fake, a.user_id)

    services = s.services
    report = await services.db.fetchone(
        "SELECT id, region_code, latitude, longitude, chronology FROM reports WHERE case_code = ?", (code,)
    )
    assert report is not None and report["region_code"] == "15.71.04"
    assert abs(report["latitude"] + 1.6101) < 1e-6 and "amplop" in report["chronology"]
    photos = await services.db.fetchall("SELECT sha256 FROM evidence WHERE report_id = ? ORDER BY id", (report["id"],))
    backed = await services.db.fetchall("SELECT sha256 FROM task_report_evidence ORDER BY id")
    assert [p["sha256"] for p in photos] == [b["sha256"] for b in backed] and len(photos) == 2


async def test_making_a_report_never_replaces_a_report_in_progress(fake: FakeTelegram, bot: Pantau) -> None:
    s = await _setup(fake, bot, 1)
    (a,) = s.volunteers
    a.tap("Terima")
    await a.expect("Anda menerima")
    a.tap("Lapor hasil")
    await a.expect("Laporan hasil tugas")
    a.say("Tim sukses calon nomor 2 membagikan amplop kepada petugas PPK saat logistik tiba.")
    await a.expect("Teks: ✓")
    a.tap("Kirim")
    await a.expect("sudah dikirim ke pengawas")
    made = a.buttons()
    # Meanwhile the volunteer starts a report of their own and gets to its second step.
    a.say("/lapor")
    await a.expect("Langkah 1 dari 9")
    a.tap("Politik uang")
    await a.expect("Langkah 2 dari 9")
    draft = await s.services.intake.get(a.user_id)
    assert draft is not None and draft.answers.category is not None
    (message, _, data), = [(m, label, d) for m, label, d in made if "Jadikan laporan" in label]
    a.press(message, data)
    assert "belum selesai" in await a.expect_alert("belum selesai")
    kept = await s.services.intake.get(a.user_id)
    assert kept is not None and kept.row.step == draft.row.step and kept.answers.category == draft.answers.category


async def test_my_tasks_offers_no_report_back_for_a_task_that_asks_none(fake: FakeTelegram, bot: Pantau) -> None:
    s = await _setup(fake, bot, 1, report_back=False)
    (a,) = s.volunteers
    a.tap("Terima")
    await a.expect("Anda menerima")
    a.say("/tugassaya")
    listed = await a.expect("Tugas yang Anda terima")
    assert f"Tugas #{s.task.id}" in listed and "dilaporkan" not in listed
    assert not [label for _, label, _ in a.buttons() if "Lapor hasil" in label]


async def test_registering_again_keeps_a_report_back_in_progress(fake: FakeTelegram, bot: Pantau) -> None:
    s = await _setup(fake, bot, 1)
    (a,) = s.volunteers
    a.tap("Terima")
    await a.expect("Anda menerima")
    a.tap("Lapor hasil")
    await a.expect("Laporan hasil tugas")
    a.say("Kotak suara sudah tiba di PPK.")
    await a.expect("Teks: ✓")
    # They correct their phone meanwhile: registered again, pending until verified again.
    volunteer = await s.services.volunteers.get(a.user_id)
    assert volunteer is not None
    await s.services.volunteers.register(NewVolunteer(
        a.user_id, a.user_id, volunteer.full_name, volunteer.organisation_id, volunteer.organisation_kind,
        volunteer.region_code, "+6281299990000", True, "2026-12"))
    a.send("album", [b"\x89PNG kotak 1", b"\x89PNG kotak 2"])
    await a.expect("Foto: 2")
    back = await s.services.task_answers.current(a.user_id)
    assert back is not None and "Kotak suara" in (back.report.text or "")
