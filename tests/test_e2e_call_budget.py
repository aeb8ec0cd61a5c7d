"""What a report costs in rate-limited Bot API calls (issue 8): every call that carries a chat_id counts against
Telegram's 30 messages a second. Counted, never timed: the standard report (tests/harness.py STANDARD_STEPS)
through the real Application makes at most one such call per update, confirmation included, and buttons left on
screen by that economy are still refused ("Tombol ini sudah tidak berlaku") without changing anything."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from bot.app import Pantau
from bot.kernel.callbacks import encode, parse
from bot.reporting.actions import ReportAction
from bot.reporting.intake import Draft
from handlers.reporting import evidence
from testing.fake_telegram import ApiCall, FakeTelegram
from tests.harness import STANDARD_STEPS, TEXT_METHODS, ProcessedUpdates, Reporter, case_codes_sent, run_steps, text_of_call

STALE = "Tombol ini sudah tidak berlaku."
CALLS_PER_REPORT = 15  # one per update of the standard report (24 before issue 8; one more since issue 10)


@pytest.fixture
def processed(monkeypatch: pytest.MonkeyPatch) -> ProcessedUpdates:
    return ProcessedUpdates(monkeypatch)


@pytest.fixture
async def bot(start_bot: Callable[..., Any], processed: ProcessedUpdates, monkeypatch: pytest.MonkeyPatch) -> Pantau:
    # A download slower than this shows a chat action; the fake's are quick, but a busy machine must not make the
    # count flaky. A chat action sent at once (the old behaviour) would still be counted.
    monkeypatch.setattr(evidence, "CHAT_ACTION_AFTER", 60.0)
    pantau: Pantau = await start_bot()
    return pantau


def chat_calls(fake: FakeTelegram, after: int) -> list[ApiCall]:
    """Calls since `after` that carry a chat_id (what Telegram's overall limit counts)."""
    return [c for c in fake.calls() if c.seq > after and c.chat_id is not None and c.method != "getUpdates"]


async def settle(bot: Pantau, processed: ProcessedUpdates, update: dict[str, Any]) -> None:
    """The update is processed and the outbox has sent what it queued: every call it causes has been made."""
    await processed.wait(update["update_id"])
    assert bot.services is not None and bot.services.outbox_worker is not None
    await bot.services.outbox_worker.wait_idle()


async def draft_of(bot: Pantau, r: Reporter) -> Draft:
    assert bot.services is not None
    draft = await bot.services.intake.get(r.user_id)
    assert draft is not None
    return draft


def snapshot(draft: Draft) -> tuple[Any, ...]:
    return draft.row.step, draft.row.status, draft.row.editing, draft.answers.model_dump()


async def play(r: Reporter, bot: Pantau, processed: ProcessedUpdates, name: str) -> tuple[dict[str, Any], list[ApiCall]]:
    """One step of the standard report: the update, and the chat calls it caused."""
    _name, act, expected = next(step for step in STANDARD_STEPS if step[0] == name)
    mark = r.fake.cursor()
    update = act(r)
    await r.expect(expected)
    await settle(bot, processed, update)
    return update, chat_calls(r.fake, mark)


async def test_the_standard_report_costs_one_chat_call_per_update(
    fake: FakeTelegram, bot: Pantau, processed: ProcessedUpdates
) -> None:
    r = Reporter(fake)
    per_step: dict[str, list[str]] = {}
    for name, _act, _expected in STANDARD_STEPS:
        _update, calls = await play(r, bot, processed, name)
        per_step[name] = [c.method for c in calls]
    assert all(len(methods) <= 1 for methods in per_step.values()), per_step
    assert sum(len(methods) for methods in per_step.values()) <= CALLS_PER_REPORT, per_step
    methods = {m for ms in per_step.values() for m in ms}
    assert "editMessageReplyMarkup" not in methods and "sendChatAction" not in methods, per_step
    # Nothing the reporter sees is lost: each answer is said where the next question is, with its step number.
    texts = [text_of_call(c) for c in fake.calls(chat_id=r.user_id) if c.ok and c.method in TEXT_METHODS]
    for shown in ("✓ Politik uang", "✓ Waktu:", "📍 Wilayah: Pasar Jambi", "✓ Bukti: 1 berkas", "✓ Saksi: dilewati",
                  "✓ 🙈 Anonim", "Langkah 9 dari 9"):
        assert any(shown in text for text in texts), shown
    assert len(case_codes_sent(fake, r.user_id)) == 1


async def press_stale(r: Reporter, bot: Pantau, processed: ProcessedUpdates, message: dict[str, Any], data: str) -> None:
    """Press `data` on `message` (as a client still showing an old button would): refused, and nothing changes."""
    before = snapshot(await draft_of(bot, r))
    mark = r.fake.cursor()
    update = r.press(message, data)
    await r.expect_alert(STALE)
    await settle(bot, processed, update)
    assert chat_calls(r.fake, mark) == [], "a refused press sends nothing"
    assert snapshot(await draft_of(bot, r)) == before, f"a stale press of {data} changed the draft"


def message_with(r: Reporter, contains: str) -> dict[str, Any]:
    for message in reversed(r.fake.messages_to(r.user_id)):
        if contains in str(message.get("text", "")):
            return message
    raise AssertionError(f"no message with {contains!r}")


async def test_buttons_of_answered_questions_are_refused(
    fake: FakeTelegram, bot: Pantau, processed: ProcessedUpdates
) -> None:
    """Each step whose question became the next one by an edit: its old button, pressed again, is refused."""
    r = Reporter(fake)
    await run_steps(r, "start", "category")
    await press_stale(r, bot, processed, message_with(r, "Langkah 2 dari 9"), encode(ReportAction.CATEGORY, "other"))
    await run_steps(r, "chronology", "known")
    await press_stale(r, bot, processed, message_with(r, "Langkah 4 dari 9"), encode(ReportAction.WHEN, "yesterday"))
    await run_steps(r, "province", "kecamatan")
    place = message_with(r, "Langkah 4 dari 9")
    await press_stale(r, bot, processed, place, encode(ReportAction.REGION, "15.71.01"))
    await press_stale(r, bot, processed, place, encode(ReportAction.SHARE_LOCATION))
    await run_steps(r, "place", "done")
    await press_stale(r, bot, processed, message_with(r, "Langkah 7 dari 9"), encode(ReportAction.EVIDENCE_DONE))
    await run_steps(r, "witnesses", "witnesses")
    await press_stale(r, bot, processed, message_with(r, "Langkah 8 dari 9"), encode(ReportAction.SKIP, "witnesses"))
    await run_steps(r, "identity", "identity")
    await press_stale(r, bot, processed, message_with(r, "Langkah 9 dari 9"), encode(ReportAction.IDENTITY, "named"))


async def test_the_review_keeps_its_buttons_but_they_make_nothing_twice(
    fake: FakeTelegram, bot: Pantau, processed: ProcessedUpdates
) -> None:
    """After "Kirim laporan" the review keeps its buttons (the confirmation is the only call): a second press says
    the code again and makes no second report; once a new report is under way, the old review's buttons (cancel,
    send, edit) are refused, even at the new report's own review."""
    r = Reporter(fake)
    await run_steps(r, "start", "submit")
    old_review = message_with(r, "Langkah 9 dari 9")
    buttons = {parse(b["callback_data"]).action: b["callback_data"]  # type: ignore[union-attr]
               for row in old_review["reply_markup"]["inline_keyboard"] for b in row}
    (code,) = case_codes_sent(fake, r.user_id)

    update = r.press(old_review, buttons[ReportAction.SUBMIT])
    await r.expect_alert(code)
    await settle(bot, processed, update)
    assert case_codes_sent(fake, r.user_id) == [code]

    await run_steps(r, "start", "category")  # a new report
    await press_stale(r, bot, processed, old_review, buttons[ReportAction.CANCEL])
    await run_steps(r, "chronology", "identity")  # at the new report's review
    for action in (ReportAction.SUBMIT, ReportAction.EDIT, ReportAction.CANCEL):
        await press_stale(r, bot, processed, old_review, buttons[action])
    assert case_codes_sent(fake, r.user_id) == [code]
    assert bot.services is not None
    assert len(await bot.services.intake.reports_of(r.user_id)) == 1


async def test_the_location_keyboard_only_for_those_who_ask(
    fake: FakeTelegram, bot: Pantau, processed: ProcessedUpdates
) -> None:
    """Step 4 offers an inline "📍" button; only pressing it sends the reply keyboard (one call), and only then does
    choosing the region cost a second message, which removes that keyboard. A new report removes it too."""
    r = Reporter(fake)
    await run_steps(r, "start", "known")
    assert not [c for c in fake.calls(chat_id=r.user_id) if "keyboard" in (c.params.get("reply_markup") or {})], \
        "no reply keyboard unless asked for"
    mark = fake.cursor()
    update = r.tap("Kirim lokasi saya")
    said = await fake.wait_for("sendMessage", chat_id=r.user_id, after=mark)
    await settle(bot, processed, update)
    assert said.params["reply_markup"]["keyboard"][0][0]["request_location"] is True
    assert len(chat_calls(fake, mark)) == 1

    await run_steps(r, "province", "kabupaten")
    mark = fake.cursor()
    update = r.tap("Pasar Jambi")
    await r.expect("Langkah 4 dari 9")
    await settle(bot, processed, update)
    removed = [c for c in chat_calls(fake, mark) if (c.params.get("reply_markup") or {}).get("remove_keyboard")]
    assert len(removed) == 1 and "Pasar Jambi" in text_of_call(removed[0])
    assert not (await draft_of(bot, r)).answers.location_keyboard

    # Asked for again, then a new report instead: its first message removes the keyboard.
    r2 = Reporter(fake)
    await run_steps(r2, "start", "known")
    r2.tap("Kirim lokasi saya")
    await fake.wait_for("sendMessage", chat_id=r2.user_id, after=r2.mark,
                        predicate=lambda c: "keyboard" in (c.params.get("reply_markup") or {}))
    r2.say("/lapor")
    await r2.expect("belum selesai")
    r2.tap("Mulai laporan baru")
    intro = await fake.wait_for("sendMessage", chat_id=r2.user_id, after=r2.mark,
                                predicate=lambda c: (c.params.get("reply_markup") or {}).get("remove_keyboard") is True)
    assert "kita buat laporan" in text_of_call(intro)
    await r2.expect("Langkah 1 dari 9")
