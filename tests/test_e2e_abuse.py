"""Abuse protection end to end (issue 12): an operator's ban and unban (by user id or case code), a
supervisor's 🚩 flag, a flood slowed with one notice while other reporters go on, and the reports-per-hour
limit. Through the fake Bot API against the real Application; every wait is on an event, and the flood guard's
clock is the test's own."""

from __future__ import annotations

import asyncio
import json
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from bot import cli
from bot.app import Pantau
from bot.kernel.callbacks import encode
from bot.people.actions import PeopleAction
from storage.database import iso, utcnow
from testing.fake_telegram import FakeTelegram
from tests.harness import ProcessedUpdates, Reporter, case_codes_sent, run_steps, services_of
from tests.test_e2e_triage import (
    PASAR_JAMBI,
    SUPERVISOR,
    Group,
    buttons_edited,
    card_edited,
    confirm_reject,
    current,
    data_of,
    delivered_card,
    labels,
    press,
)

WIB = ZoneInfo("Asia/Jakarta")
BANNED = "Akun Anda diblokir dari Pantau"
SLOW_DOWN = "Pesan Anda datang terlalu cepat"
OUTSIDE = "Untuk membuat laporan, ketik /lapor"


async def operator(*argv: str) -> int:
    """`python -m bot …` in this process (it runs its own event loop: in a thread), on the bot's database."""
    return await asyncio.to_thread(cli.main, list(argv))


def texts_to(fake: FakeTelegram, chat_id: int, after: int) -> list[str]:
    return [str(c.params.get("text") or "") for c in fake.calls(chat_id=chat_id)
            if c.seq > after and c.ok and c.method == "sendMessage"]


async def test_a_banned_person_is_told_once_their_updates_are_only_counted_and_an_unban_lets_them_back(
        fake: FakeTelegram, start_bot: Any, no_token: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    processed = ProcessedUpdates(monkeypatch)
    services = services_of(await start_bot())
    services.abuse.refresh_seconds = 0  # read the bans at every update: no waiting for the next refresh
    r = Reporter(fake)
    r.say("/lapor")
    await r.expect("Langkah 1 dari 9")
    r.tap("Politik uang")
    await r.expect("Langkah 2 dari 9")
    assert await operator("ban", str(r.user_id), "--reason", "pesan kasar berulang", "--operator", "Rina") == 0
    assert f"banned user {r.user_id}" in capsys.readouterr().out

    mark = fake.cursor()
    r.say("Ini kronologi yang tidak boleh disimpan sama sekali karena pengirimnya diblokir.")
    await r.expect(BANNED)
    r.say("/lapor")
    r.press(fake.messages_to(r.user_id)[-1], encode(PeopleAction.HELP))  # a press: refused too (no text, no help)
    await fake.wait_for("answerCallbackQuery", after=mark, predicate=lambda c: not c.params.get("text"))
    r.say("halo?")
    last = r.say("halo??")
    await processed.wait(last["update_id"])
    sent = texts_to(fake, r.user_id, mark)
    assert len(sent) == 1 and BANNED in sent[0]  # told once, and nothing else was answered
    ban = await services.abuse.bans.get(r.user_id)
    assert ban is not None and (ban.refused, ban.reason, ban.banned_by) == (5, "pesan kasar berulang", "Rina")
    draft = await services.intake.get(r.user_id)
    assert draft is not None and draft.answers.chronology is None and draft.row.step == "chronology"
    # Their rights over their personal data (UU 27/2022) stay theirs: /datasaya and /hapusdata are answered.
    r.say("/datasaya")
    await r.expect("Data Anda di Pantau")
    sent = await fake.wait_for("sendDocument", chat_id=r.user_id, after=r.mark, predicate=lambda c: c.ok)
    document = json.loads(sent.params["document"])
    assert document["ban"]["reason"] == "pesan kasar berulang" and [e["action"] for e in document["abuse_log"]] == ["ban"]
    assert "Rina" not in sent.params["document"].decode()  # never the operator
    r.say("/hapusdata")
    await r.expect("Hapus data saya")
    r.tap("Batal")
    await r.expect("tidak ada yang dihapus")
    assert (await services.abuse.bans.get(r.user_id)).refused == 5  # type: ignore[union-attr]

    assert await operator("unban", str(r.user_id), "--operator", "Rina") == 0
    assert await operator("unban", str(r.user_id)) == 1  # not banned any more
    r.say("Tim sukses calon nomor 2 membagikan amplop berisi uang Rp100.000 kepada warga di depan TPS 05.")
    await r.expect("Langkah 3 dari 9")
    log = await services.abuse.bans.log(r.user_id)
    assert [(action, actor) for _, action, actor, _ in log] == [("ban", "Rina"), ("unban", "Rina")]



async def test_a_supervisor_flags_a_reporter_without_seeing_who_and_the_operator_bans_them_by_case_code(
        fake: FakeTelegram, bot: Pantau, no_token: Path, capsys: pytest.CaptureFixture[str]) -> None:
    services = services_of(bot)
    services.abuse.refresh_seconds = 0
    kec = Group(fake)
    await kec.register(services, PASAR_JAMBI)
    r = Reporter(fake)
    await run_steps(r)
    code = case_codes_sent(fake, r.user_id)[-1]
    card = await delivered_card(fake, kec.chat_id, code)

    mark = fake.cursor()
    press(fake, card, "Tolak")
    await fake.wait_for("editMessageReplyMarkup", chat_id=kec.chat_id, after=mark)
    flag_data = data_of(current(fake, card), "Tandai pelapor")
    mark = fake.cursor()
    press(fake, card, "Tandai pelapor")
    flagged = await fake.wait_for("answerCallbackQuery", after=mark, predicate=lambda c: c.params.get("text"))
    assert "Ditandai" in flagged.params["text"] and flagged.params.get("show_alert") is True
    await fake.wait_for("editMessageReplyMarkup", chat_id=kec.chat_id, after=mark)  # the card's own buttons again
    mark = fake.cursor()
    press(fake, card, "Tolak")
    await fake.wait_for("editMessageReplyMarkup", chat_id=kec.chat_id, after=mark)
    mark = fake.cursor()
    press(fake, card, "Tandai pelapor")  # again: counted once
    again = await fake.wait_for("answerCallbackQuery", after=mark, predicate=lambda c: c.params.get("text"))
    assert "sudah menandai" in again.params["text"]
    await fake.wait_for("editMessageReplyMarkup", chat_id=kec.chat_id, after=mark)
    mark = fake.cursor()
    fake.press(919_999, current(fake, card), flag_data, check=False)  # not a member of the group: refused
    await fake.wait_for("answerCallbackQuery", after=mark, predicate=lambda c: "anggota" in str(c.params.get("text")))
    group_texts = [str(c.params) for c in fake.calls(chat_id=kec.chat_id)]
    group_texts += [str(c.params) for c in fake.requests if c.method == "answerCallbackQuery"]  # the alerts
    assert group_texts and not any(str(r.user_id) in text for text in group_texts)  # the group never learns who

    assert await operator("flags") == 0
    listed = capsys.readouterr().out
    assert code in listed and "1 flag," in listed and "not banned" in listed
    assert await operator("ban", code.lower(), "--reason", "laporan palsu berulang") == 0
    assert f"banned the reporter of {code}" in capsys.readouterr().out
    assert await operator("ban", "PTU-0000-0000", "--reason", "laporan palsu berulang") == 2
    assert await operator("ban", code, "--reason", "x") == 2  # a reason is required
    assert "reason" in capsys.readouterr().err
    assert await operator("flags") == 0
    assert "reporter banned" in capsys.readouterr().out
    r.say("/lapor")
    await r.expect(BANNED)
    log = await services.abuse.bans.log(r.user_id)
    assert [action for _, action, _, _ in log] == ["flag", "ban"] and log[0][2] == f"tg:{SUPERVISOR}"


async def test_a_rejected_cases_card_keeps_the_flag_button(fake: FakeTelegram, bot: Pantau) -> None:
    """Rejected as a false report, then seen to be one of many: the card still lets a supervisor flag its reporter."""
    services = services_of(bot)
    kec = Group(fake)
    await kec.register(services, PASAR_JAMBI)
    r = Reporter(fake)
    await run_steps(r)
    code = case_codes_sent(fake, r.user_id)[-1]
    card = await delivered_card(fake, kec.chat_id, code)
    mark = fake.cursor()
    press(fake, card, "Tolak")
    await buttons_edited(fake, card, mark)
    await confirm_reject(fake, card, "Laporan palsu")
    rejected = await card_edited(fake, card, "ditolak", mark)
    assert labels(rejected) == ["🚩 Tandai pelapor: penyalahgunaan"]
    mark = fake.cursor()
    press(fake, rejected, "Tandai pelapor")
    flagged = await fake.wait_for("answerCallbackQuery", after=mark, predicate=lambda c: c.params.get("text"))
    assert "Ditandai" in flagged.params["text"]
    assert [action for _, action, _, _ in await services.abuse.bans.log(r.user_id)] == ["flag"]
    assert labels(current(fake, card)) == ["🚩 Tandai pelapor: penyalahgunaan"]


async def test_a_flood_is_slowed_with_one_notice_buttons_still_work_and_other_reporters_are_not_held_up(
        fake: FakeTelegram, start_bot: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    processed = ProcessedUpdates(monkeypatch)
    services = services_of(await start_bot(limit_message_burst=10, limit_messages_per_minute=6))
    now = [1000.0]
    services.abuse.flood.clock = lambda: now[0]  # the test's clock: nothing refills unless it says so
    flooder, other = Reporter(fake), Reporter(fake)
    mark = fake.cursor()
    sent = [flooder.say(f"spam {n}") for n in range(25)]
    await processed.wait(sent[-1]["update_id"])
    texts = texts_to(fake, flooder.user_id, mark)
    assert sum(OUTSIDE in t for t in texts) == 10  # the burst was handled
    notices = [t for t in texts if SLOW_DOWN in t]
    assert len(notices) == 1 and "100 detik" in notices[0]  # one notice for the 15 others: a full bucket in 100 s
    assert services.abuse.flood.slowed == 15

    await run_steps(other)  # somebody else reports meanwhile, unaffected
    flooder.tap("Bantuan")  # a button is never slowed
    await flooder.expect("Cara melapor")
    quiet = flooder.say("masih spam")  # still over the limit, and told already: nothing
    await processed.wait(quiet["update_id"])
    now[0] += 10.0  # a token later
    flooder.say("/lapor")
    await flooder.expect("Langkah 1 dari 9")
    assert sum(SLOW_DOWN in t for t in texts_to(fake, flooder.user_id, mark)) == 1


async def test_the_reports_an_hour_limit_keeps_the_draft_waiting_until_the_hour_passed(
        fake: FakeTelegram, start_bot: Any) -> None:
    bot = await start_bot(limit_reports_per_hour=1)
    services = services_of(bot)
    r = Reporter(fake)
    await run_steps(r)
    await run_steps(r, last="identity")
    r.tap("Kirim laporan")
    refused = await r.expect_alert("sudah mengirim 1 laporan dalam satu jam terakhir")
    first = await services.intake.reports.by_code(case_codes_sent(fake, r.user_id)[0])
    assert first is not None
    free = (datetime.fromisoformat(first.submitted_at) + timedelta(hours=1, minutes=1)).astimezone(WIB)
    assert f"Kirim laporan lagi setelah pukul {free:%H:%M} WIB" in refused  # Pasar Jambi
    draft = await services.intake.get(r.user_id)
    assert draft is not None and draft.row.status == "active" and draft.row.step == "review"
    assert len(case_codes_sent(fake, r.user_id)) == 1
    earlier = iso(utcnow() - timedelta(hours=1, minutes=1))
    await services.db.write([("UPDATE reports SET submitted_at = ? WHERE reporter_user_id = ?", (earlier, r.user_id))])
    r.tap("Kirim laporan")
    await r.expect("Kode kasus")
    assert len(set(case_codes_sent(fake, r.user_id))) == 2


async def test_the_gate_fails_closed_and_a_ban_is_told_once_the_message_could_be_sent(
        fake: FakeTelegram, start_bot: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """Seen (review): a send that failed while refusing a banned person let the update through to the report
    conversation, and used up the one message telling them, so they were never told."""
    processed = ProcessedUpdates(monkeypatch)
    services = services_of(await start_bot())
    services.abuse.refresh_seconds = 0
    r = Reporter(fake)
    r.say("/lapor")
    await r.expect("Langkah 1 dari 9")
    r.tap("Politik uang")
    await r.expect("Langkah 2 dari 9")
    await services.abuse.ban(r.user_id, "pesan kasar berulang", "Rina")
    fake.fail_next("sendMessage", status=403, description="Forbidden: bot was blocked by the user", chat_id=r.user_id)
    mark = fake.cursor()
    first = r.say("Ini kronologi yang tidak boleh disimpan karena pengirimnya diblokir, walau pesannya gagal.")
    await processed.wait(first["update_id"])
    draft = await services.intake.get(r.user_id)
    assert draft is not None and draft.answers.chronology is None and draft.row.step == "chronology"
    assert not any(c.ok and c.method == "sendMessage" for c in fake.calls(chat_id=r.user_id) if c.seq > mark)
    ban = await services.abuse.bans.get(r.user_id)
    assert ban is not None and (ban.refused, ban.told) == (1, False)
    r.say("halo?")
    await r.expect(BANNED)  # told now that it could be sent
    again = r.say("halo??")
    await processed.wait(again["update_id"])
    assert sum(BANNED in t for t in texts_to(fake, r.user_id, mark)) == 1
    ban = await services.abuse.bans.get(r.user_id)
    assert ban is not None and (ban.refused, ban.told) == (3, True)


async def test_late_messages_are_not_paced_and_a_scripts_presses_are(
        fake: FakeTelegram, start_bot: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """Messages sent a while ago (replayed after a restart, a backlog) are not a flood; a press is slowed only
    beyond what a script does (60 at once, then 240 a minute)."""
    processed = ProcessedUpdates(monkeypatch)
    services = services_of(await start_bot(limit_message_burst=10, limit_messages_per_minute=6))
    now = [1000.0]
    services.abuse.flood.clock = services.abuse.buttons.clock = lambda: now[0]
    r = Reporter(fake)
    mark = fake.cursor()
    sent = [fake.send_text(r.user_id, f"pesan lama {n}", date=int(time.time()) - 120) for n in range(15)]
    await processed.wait(sent[-1]["update_id"])
    assert sum(OUTSIDE in t for t in texts_to(fake, r.user_id, mark)) == 15  # all answered, no notice

    menu = fake.messages_to(r.user_id)[-1]
    mark = fake.cursor()
    presses = [fake.press(r.user_id, menu, encode(PeopleAction.HELP), check=False) for _ in range(61)]
    await processed.wait(presses[-1]["update_id"])
    assert sum("Cara melapor" in t for t in texts_to(fake, r.user_id, mark)) == 60
    answered = [c for c in fake.requests if c.seq > mark and c.method == "answerCallbackQuery"]
    assert len(answered) == 61  # the 61st press's spinner stopped too, with nothing sent
