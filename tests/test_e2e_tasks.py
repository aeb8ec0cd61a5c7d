"""Tasks from a supervisors group, end to end through the fake Bot API: the /tugas form, the broadcast to the
area's verified volunteers, the task card's live counts, ⏹ Stop, refusals, double taps and redeliveries, a
restart in the middle of a form, the reminder before the due time, and /tugas's list of open tasks."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from bot.app import Pantau
from bot.delivery.outbox_worker import OutboxWorker
from bot.kernel.services import Services
from bot.tasks.batch import task_batch
from bot.volunteers.status import VolunteerStatus
from storage.volunteers.volunteers import NewVolunteer
from testing.fake_telegram import ApiCall, FakeTelegram
from tests.harness import Group, ProcessedUpdates, text_of_call

PASAR_JAMBI, TELANAIPURA = "15.71.04", "15.71.01"
TEXT = "Pantau kedatangan logistik di PPK Pasar Jambi malam ini"
BLOCKED = "Forbidden: bot was blocked by the user"
_ids = iter(range(980_001, 990_000))


@pytest.fixture
def processed(monkeypatch: pytest.MonkeyPatch) -> ProcessedUpdates:
    return ProcessedUpdates(monkeypatch)


def services_of(pantau: Pantau) -> Services:
    assert pantau.services is not None
    return pantau.services


async def volunteers(fake: FakeTelegram, services: Services, count: int, region: str = PASAR_JAMBI, *,
                     verified: bool = True, kind: str = "students") -> list[int]:
    """`count` volunteers of `region`, registered (and verified) as the registration would leave them, each in a
    private chat with the bot."""
    made = []
    for _ in range(count):
        uid = next(_ids)
        fake.ensure_chat(uid, first_name=f"Relawan{uid}")
        await services.volunteers.register(
            NewVolunteer(uid, uid, f"Relawan {uid}", None, kind, region, "+62811000", True, "2026-12")
        )
        if verified:
            assert await services.volunteers.set_status(uid, VolunteerStatus.VERIFIED, "test")
        made.append(uid)
    return made


async def kota_jambi(fake: FakeTelegram, services: Services) -> Group:
    group = Group(fake, "Bawaslu Kota Jambi")
    await group.register(services, "15.71")
    return group


async def bot_message(fake: FakeTelegram, group: Group, contains: str, *, after: int | None = None,
                      method: str | tuple[str, ...] = "sendMessage") -> dict[str, Any]:
    """The bot's message (sent, or edited into) in the group containing `contains`, as the group sees it now."""
    call = await fake.wait_for(method, chat_id=group.chat_id, after=group.mark if after is None else after,
                               predicate=lambda c: c.ok and contains in text_of_call(c))
    message = fake.message(group.chat_id, call.result["message_id"])
    assert message is not None
    return message


def tap(fake: FakeTelegram, group: Group, user_id: int, message: dict[str, Any], label: str) -> dict[str, Any]:
    """`user_id` presses the button labelled `label` on the message as it is now."""
    current = fake.message(group.chat_id, message["message_id"]) or message
    for row in (current.get("reply_markup") or {}).get("inline_keyboard", []):
        for b in row:
            if label.casefold() in b["text"].casefold():
                group.mark = fake.cursor()
                return fake.press(user_id, current, b["callback_data"], check=False)
    raise AssertionError(f"no button {label!r} on {current.get('text', '')[:80]!r}")


def reply(fake: FakeTelegram, group: Group, user_id: int, prompt: dict[str, Any], kind: str = "text",
          *args: Any) -> dict[str, Any]:
    """`user_id` replies to the bot's prompt in the group (privacy mode: replies are how typed answers arrive)."""
    group.mark = fake.cursor()
    where = {"chat_id": group.chat_id, "chat_type": "supergroup", "title": group.title,
             "reply_to_message_id": prompt["message_id"]}
    return getattr(fake, f"send_{kind}")(user_id, *args, **where)


async def answered(fake: FakeTelegram, contains: str, after: int) -> ApiCall:
    return await fake.wait_for("answerCallbackQuery", after=after,
                               predicate=lambda c: contains in str(c.params.get("text") or ""))


def sends_to(fake: FakeTelegram, chat_id: int) -> list[ApiCall]:
    return [c for c in fake.requests if c.chat_id == chat_id and c.ok and c.method.startswith("send")]


async def compose_to_confirm(fake: FakeTelegram, group: Group, user_id: int, text: str = TEXT) -> dict[str, Any]:
    """The shortest form: the text, no attachment, the group's whole region, everyone, no due time or place, no
    report-back; the review message (with its N)."""
    group.say(user_id, f"/tugas {text}")
    tap(fake, group, user_id, await bot_message(fake, group, "lampiran"), "Lewati")
    tap(fake, group, user_id, await bot_message(fake, group, "ke wilayah mana"), "Seluruh Kota Jambi")
    tap(fake, group, user_id, await bot_message(fake, group, "siapa yang menerima"), "Semua relawan")
    tap(fake, group, user_id, await bot_message(fake, group, "batas waktu"), "Lewati")
    tap(fake, group, user_id, await bot_message(fake, group, "tempat (opsional)"), "Lewati")
    tap(fake, group, user_id, await bot_message(fake, group, "laporan hasil?"), "Tidak perlu")
    return await bot_message(fake, group, "Kirim?")


async def idle(services: Services) -> None:
    assert services.outbox_worker is not None
    await asyncio.wait_for(services.outbox_worker.wait_idle(), 20)


async def refreshed_card(fake: FakeTelegram, services: Services, group: Group, contains: str) -> str:
    """Drive the card job once (as its clock would) and wait for the card's edit that shows `contains`."""
    await idle(services)
    assert services.tasks.cards is not None
    mark = fake.cursor()
    await services.tasks.cards.refresh()
    assert services.outbox_worker is not None
    services.outbox_worker.notify()
    call = await fake.wait_for("editMessageText", chat_id=group.chat_id, after=mark,
                               predicate=lambda c: c.ok and contains in text_of_call(c))
    return text_of_call(call)


async def test_the_whole_form_in_a_group_sends_the_task_to_the_areas_volunteers(
    fake: FakeTelegram, start_bot: Callable[..., Any]
) -> None:
    services = services_of(await start_bot())
    group = await kota_jambi(fake, services)
    chosen = await volunteers(fake, services, 4)
    english = chosen[0]
    await services.users.set_locale(english, "en")
    elsewhere = await volunteers(fake, services, 2, TELANAIPURA)
    pending = await volunteers(fake, services, 1, verified=False)
    admin = group.admin_id

    group.say(admin, f"/tugas {TEXT}")
    attach = await bot_message(fake, group, "lampiran")
    reply(fake, group, admin, attach, "photo", b"\x89PNG peta lokasi")
    where = await bot_message(fake, group, "ke wilayah mana")
    assert "Kota Jambi" in where["text"]
    tap(fake, group, admin, where, "Pasar Jambi ›")
    opened = await bot_message(fake, group, "Sekarang: Pasar Jambi", method="editMessageText")
    tap(fake, group, admin, opened, "Seluruh Pasar Jambi")
    who = await bot_message(fake, group, "siapa yang menerima")
    tap(fake, group, admin, who, "Semua relawan")
    due_prompt = await bot_message(fake, group, "batas waktu")
    reply(fake, group, admin, due_prompt, "text", "31-02-2030 19:00")  # no such day: the format is said
    assert "DD-MM-YYYY HH:MM" in text_of_call(await fake.wait_for(
        "sendMessage", chat_id=group.chat_id, after=group.mark, predicate=lambda c: c.ok and "tidak terbaca" in
        text_of_call(c)))
    reply(fake, group, admin, due_prompt, "text", "01-01-2020 07:00")  # past: refused
    await bot_message(fake, group, "sudah lewat")
    due = (datetime.now(UTC) + timedelta(days=2)).astimezone(ZoneInfo("Asia/Jakarta")).replace(hour=19, minute=0)
    reply(fake, group, admin, due_prompt, "text", f"{due:%d-%m-%Y} 19:00")
    place = await bot_message(fake, group, "tempat (opsional)")
    reply(fake, group, admin, place, "location", -1.6101, 103.6131)
    tap(fake, group, admin, await bot_message(fake, group, "laporan hasil?"), "Ya, minta")
    review = await bot_message(fake, group, "Kirim?")
    assert "Ini akan dikirim ke 4 relawan. Kirim?" in review["text"]
    assert "Pasar Jambi" in review["text"] and f"{due:%d-%m-%Y} 19:00 WIB" in review["text"]

    tap(fake, group, admin, review, "Kirim")
    await answered(fake, "dikirim ke 4 relawan", group.mark)
    card = await bot_message(fake, group, "Tugas #1")
    assert TEXT in card["text"] and "Terkirim: 0 dari 4" in card["text"]
    for uid in chosen:
        call = await fake.wait_for("sendPhoto", chat_id=uid, predicate=lambda c: c.ok, after=0)
        caption = str(call.params.get("caption"))
        assert TEXT in caption and "19:00 WIB" in caption and "maps.google.com" in caption
        assert ("report back" if uid == english else "laporan hasil") in caption
        assert ("Accept" if uid == english else "Terima") in str(call.params.get("reply_markup"))
    await idle(services)
    for uid in chosen:
        assert len(sends_to(fake, uid)) == 1
    for uid in [*elsewhere, *pending]:
        assert sends_to(fake, uid) == []
    edited = await refreshed_card(fake, services, group, "Terkirim: 4 dari 4")
    assert "Tidak terjangkau: 0" in edited and "dihentikan" not in edited
    assert "+62811000" not in edited  # no volunteer's phone in the group


async def test_a_task_to_50_volunteers_of_whom_3_blocked_the_bot(
    fake: FakeTelegram, start_bot: Callable[..., Any]
) -> None:
    services = services_of(await start_bot())
    group = await kota_jambi(fake, services)
    everyone = await volunteers(fake, services, 50)
    blocked = everyone[5], everyone[24], everyone[49]
    for uid in blocked:
        fake.fail_next("sendMessage", status=403, description=BLOCKED, chat_id=uid)
    review = await compose_to_confirm(fake, group, group.admin_id)
    assert "dikirim ke 50 relawan" in review["text"]
    tap(fake, group, group.admin_id, review, "Kirim")
    await bot_message(fake, group, "Tugas #1")
    await idle(services)
    for uid in everyone:
        assert len(sends_to(fake, uid)) == (0 if uid in blocked else 1), uid
    card = await refreshed_card(fake, services, group, "Terkirim: 47 dari 50")
    assert "Tidak terjangkau: 3" in card and "Gagal: 0" in card and "Dalam antrean" not in card
    counts = await services.broadcasts.counts(task_batch(1))
    assert (counts.sent, counts.unreachable, counts.queued) == (47, 3, 0)
    # Nothing changed since: the job edits nothing more.
    assert services.tasks.cards is not None
    assert await services.tasks.cards.refresh() == 0


async def test_stop_mid_broadcast_cancels_what_has_not_gone(
    fake: FakeTelegram, start_bot: Callable[..., Any], processed: ProcessedUpdates
) -> None:
    pantau = await start_bot()
    services = services_of(pantau)
    group = await kota_jambi(fake, services)
    everyone = await volunteers(fake, services, 10)
    review = await compose_to_confirm(fake, group, group.admin_id)
    worker = services.outbox_worker
    assert worker is not None and pantau.application is not None
    await worker.stop()  # the broadcast is held back: nothing goes until this test lets it
    await processed.wait(tap(fake, group, group.admin_id, review, "Kirim")["update_id"])
    # One pass of 4 rows: the review's edit (a reply), the card, then two volunteers.
    held = OutboxWorker(services.outbox, pantau.application.bot, batch=4, pacer=services.pacer)
    assert await held.deliver_due()
    card = await bot_message(fake, group, "Tugas #1", after=0)
    assert sum(len(sends_to(fake, uid)) for uid in everyone) == 2
    stranger = 990_001
    mark = fake.cursor()
    await processed.wait(tap(fake, group, stranger, card, "Hentikan")["update_id"])
    await answered(fake, "Hanya anggota grup ini", mark)
    assert (await services.broadcasts.counts(task_batch(1))).queued == 8  # a stranger stops nothing
    mark = fake.cursor()
    await processed.wait(tap(fake, group, group.admin_id, card, "Hentikan")["update_id"])
    await answered(fake, "8 pesan yang belum terkirim dibatalkan", mark)
    worker.start()
    stopped = await fake.wait_for("editMessageText", chat_id=group.chat_id, after=mark,
                                  predicate=lambda c: c.ok and "dihentikan" in text_of_call(c))
    assert "Terkirim: 2 dari 10" in text_of_call(stopped) and "Dibatalkan: 8" in text_of_call(stopped)
    assert not (fake.message(group.chat_id, card["message_id"]) or {}).get("reply_markup")  # no ⏹ any more
    await idle(services)
    assert sum(len(sends_to(fake, uid)) for uid in everyone) == 2  # nothing more went
    counts = await services.broadcasts.counts(task_batch(1))
    assert (counts.sent, counts.cancelled, counts.queued) == (2, 8, 0)
    task = await services.tasks.get(1)
    assert task is not None and task.status == "stopped"
    mark = fake.cursor()
    fake.press(group.admin_id, card, "1|tgq|1", check=False)  # the button as it was, pressed again
    await answered(fake, "sudah dihentikan", mark)


async def test_strangers_are_refused_and_forms_belong_to_their_supervisor(
    fake: FakeTelegram, start_bot: Callable[..., Any]
) -> None:
    services = services_of(await start_bot())
    group = await kota_jambi(fake, services)
    await volunteers(fake, services, 2)
    stranger, member = 990_101, 990_102
    fake.member_status(group.chat_id, member, "member", announce=False)
    group.say(group.admin_id, f"/tugas {TEXT}")
    attach = await bot_message(fake, group, "lampiran")
    mark = fake.cursor()
    tap(fake, group, stranger, attach, "Lewati")  # someone reading a public supergroup, not a member
    await answered(fake, "Hanya anggota grup ini yang dapat membuat", mark)
    assert [c.params.get("user_id") for c in fake.calls("getChatMember", group.chat_id) if c.seq > mark] == [stranger]
    mark = fake.cursor()
    tap(fake, group, member, attach, "Lewati")  # another supervisor: not their form
    await answered(fake, "milik formulir tugas lain", mark)
    # Both supervisors may have a form open in the group at once.
    group.say(member, "/tugas Kawal rekapitulasi di PPK Telanaipura")
    member_attach = await bot_message(fake, group, "lampiran")
    tap(fake, group, group.admin_id, attach, "Lewati")
    admin_where = await bot_message(fake, group, "ke wilayah mana")
    tap(fake, group, member, member_attach, "Lewati")
    await bot_message(fake, group, "ke wilayah mana")
    drafts = services.tasks.forms
    assert drafts is not None
    admin_draft = await drafts.drafts.get(group.chat_id, group.admin_id)
    member_draft = await drafts.drafts.get(group.chat_id, member)
    assert admin_draft is not None and member_draft is not None
    assert admin_draft.answers["text"] == TEXT and member_draft.answers["text"].startswith("Kawal")
    # A forged button (another region's code) changes nothing.
    mark = fake.cursor()
    fake.press(group.admin_id, admin_where, f"1|tga|{admin_draft.token}:15.72", check=False)
    await answered(fake, "tidak berlaku", mark)
    assert (await drafts.drafts.get(group.chat_id, group.admin_id)) == admin_draft
    # An unregistered group cannot send tasks.
    other = Group(fake, "Grup lain")
    other.say(other.admin_id, f"/tugas {TEXT}")
    await other.expect("belum terdaftar")


async def test_a_double_tap_and_a_redelivered_update_send_once(
    fake: FakeTelegram, start_bot: Callable[..., Any], processed: ProcessedUpdates
) -> None:
    services = services_of(await start_bot())
    group = await kota_jambi(fake, services)
    everyone = await volunteers(fake, services, 3)
    review = await compose_to_confirm(fake, group, group.admin_id)
    first = tap(fake, group, group.admin_id, review, "Kirim")
    mark = fake.cursor()
    second = fake.press(group.admin_id, review, first["callback_query"]["data"], check=False)
    await processed.wait(second["update_id"])
    await answered(fake, "sudah dikirim", mark)
    redelivered = fake.inject(first)  # the same update again, as after a crash before Telegram was told
    assert redelivered["update_id"] == first["update_id"]
    probe = fake.press(group.admin_id, review, first["callback_query"]["data"], check=False)
    await processed.wait(probe["update_id"])
    await idle(services)
    for uid in everyone:
        assert len(sends_to(fake, uid)) == 1
    row = await services.db.fetchone("SELECT COUNT(*) AS n FROM tasks")
    assert row is not None and row["n"] == 1
    cards = [m for m in fake.messages_to(group.chat_id) if "Tugas #" in str(m.get("text"))
             and "Terkirim" in str(m.get("text"))]
    assert len(cards) == 1


async def test_an_open_form_survives_a_restart(fake: FakeTelegram, start_bot: Callable[..., Any]) -> None:
    pantau = await start_bot()
    services = services_of(pantau)
    group = await kota_jambi(fake, services)
    everyone = await volunteers(fake, services, 2)
    admin = group.admin_id
    group.say(admin, f"/tugas {TEXT}")
    tap(fake, group, admin, await bot_message(fake, group, "lampiran"), "Lewati")
    tap(fake, group, admin, await bot_message(fake, group, "ke wilayah mana"), "Seluruh Kota Jambi")
    tap(fake, group, admin, await bot_message(fake, group, "siapa yang menerima"), "Semua relawan")
    due_prompt = await bot_message(fake, group, "batas waktu")
    await pantau.stop()

    services = services_of(await start_bot())
    due = (datetime.now(UTC) + timedelta(days=1)).astimezone(ZoneInfo("Asia/Jakarta"))
    reply(fake, group, admin, due_prompt, "text", f"{due:%d-%m-%Y %H:%M}")  # a reply after the restart is taken
    tap(fake, group, admin, await bot_message(fake, group, "tempat (opsional)"), "Lewati")
    tap(fake, group, admin, await bot_message(fake, group, "laporan hasil?"), "Tidak perlu")
    review = await bot_message(fake, group, "Kirim?")
    assert "dikirim ke 2 relawan" in review["text"]
    tap(fake, group, admin, review, "Kirim")
    await bot_message(fake, group, "Tugas #1")
    await idle(services)
    for uid in everyone:
        assert len(sends_to(fake, uid)) == 1


async def test_one_reminder_before_the_due_time_to_those_who_accepted(
    fake: FakeTelegram, start_bot: Callable[..., Any]
) -> None:
    services = services_of(await start_bot())
    group = await kota_jambi(fake, services)
    accepted, reported, declined, silent = await volunteers(fake, services, 4)
    await services.users.set_locale(accepted, "en")
    admin = group.admin_id
    group.say(admin, f"/tugas {TEXT}")
    tap(fake, group, admin, await bot_message(fake, group, "lampiran"), "Lewati")
    tap(fake, group, admin, await bot_message(fake, group, "ke wilayah mana"), "Seluruh Kota Jambi")
    tap(fake, group, admin, await bot_message(fake, group, "siapa yang menerima"), "Semua relawan")
    due = (datetime.now(UTC) + timedelta(hours=5)).astimezone(ZoneInfo("Asia/Jakarta"))
    reply(fake, group, admin, await bot_message(fake, group, "batas waktu"), "text", f"{due:%d-%m-%Y %H:%M}")
    tap(fake, group, admin, await bot_message(fake, group, "tempat (opsional)"), "Lewati")
    tap(fake, group, admin, await bot_message(fake, group, "laporan hasil?"), "Ya, minta")
    tap(fake, group, admin, await bot_message(fake, group, "Kirim?"), "Kirim")
    await bot_message(fake, group, "Tugas #1")
    await idle(services)
    # The volunteers' answers (their buttons are the volunteer side's): as stored.
    for uid, status, reported_at in [(accepted, "accepted", None), (reported, "accepted", "2030-01-01T00:00:00+00:00"),
                                     (declined, "declined", None)]:
        async with services.db.transaction() as tx:
            await tx.execute("UPDATE task_assignments SET status = ?, reported_at = ? WHERE task_id = 1 AND user_id = ?",
                             (status, reported_at, uid))
    reminders = services.tasks.reminders
    assert reminders is not None
    due_utc = due.replace(second=0, microsecond=0).astimezone(UTC)
    assert await reminders.remind(due_utc - timedelta(hours=2)) == 0  # too early
    assert await reminders.remind(due_utc - timedelta(minutes=30)) == 1
    assert await reminders.remind(due_utc - timedelta(minutes=20)) == 0  # once
    assert services.outbox_worker is not None
    services.outbox_worker.notify()
    call = await fake.wait_for("sendMessage", chat_id=accepted, after=0,
                               predicate=lambda c: c.ok and "Reminder of task #1" in text_of_call(c))
    assert TEXT in text_of_call(call) and "Report back" in str(call.params.get("reply_markup"))
    await idle(services)
    for uid in (reported, declined, silent):
        assert len(sends_to(fake, uid)) == 1  # the task only
    card = await refreshed_card(fake, services, group, "Lapor hasil: 1")
    assert "Diterima: 2" in card and "Ditolak: 1" in card


async def test_tugas_lists_the_groups_open_tasks_and_starts_a_new_one(
    fake: FakeTelegram, start_bot: Callable[..., Any]
) -> None:
    services = services_of(await start_bot())
    group = await kota_jambi(fake, services)
    await volunteers(fake, services, 3)
    admin = group.admin_id
    group.say(admin, "/tugas")
    empty = await bot_message(fake, group, "Belum ada tugas terbuka")
    tap(fake, group, admin, await compose_to_confirm(fake, group, admin), "Kirim")
    await bot_message(fake, group, "Tugas #1")
    await idle(services)
    group.say(admin, "/task")
    listing = await bot_message(fake, group, "Tugas terbuka di grup ini (1)")
    assert "#1" in listing["text"] and "📤 3/3" in listing["text"]
    tap(fake, group, admin, empty, "Tugas baru")
    what = await bot_message(fake, group, "tulis tugas untuk relawan")
    sent = fake.calls("sendMessage", chat_id=group.chat_id)[-1]
    assert sent.params["reply_markup"]["force_reply"] is True  # the reply box opens for the supervisor
    reply(fake, group, admin, what, "text", "Awasi kampanye di Lapangan Kantor Gubernur")
    await bot_message(fake, group, "lampiran")


async def test_a_due_time_that_passed_before_send_is_refused(fake: FakeTelegram, start_bot: Callable[..., Any]) -> None:
    services = services_of(await start_bot())
    group = await kota_jambi(fake, services)
    await volunteers(fake, services, 2)
    admin = group.admin_id
    group.say(admin, f"/tugas {TEXT}")
    tap(fake, group, admin, await bot_message(fake, group, "lampiran"), "Lewati")
    tap(fake, group, admin, await bot_message(fake, group, "ke wilayah mana"), "Seluruh Kota Jambi")
    tap(fake, group, admin, await bot_message(fake, group, "siapa yang menerima"), "Semua relawan")
    due_prompt = await bot_message(fake, group, "batas waktu")
    due = (datetime.now(UTC) + timedelta(hours=2)).astimezone(ZoneInfo("Asia/Jakarta"))
    reply(fake, group, admin, due_prompt, "text", f"{due:%d-%m-%Y %H:%M}")
    tap(fake, group, admin, await bot_message(fake, group, "tempat (opsional)"), "Lewati")
    tap(fake, group, admin, await bot_message(fake, group, "laporan hasil?"), "Tidak perlu")
    review = await bot_message(fake, group, "Kirim?")
    forms = services.tasks.forms
    assert forms is not None
    forms.clock = lambda: datetime.now(UTC) + timedelta(hours=3)  # the supervisor pressed Kirim three hours later
    tap(fake, group, admin, review, "Kirim")
    await answered(fake, "sudah lewat", group.mark)
    assert await services.db.fetchone("SELECT id FROM tasks") is None
