"""Telegram answering 429, 5xx, timeouts and 403: the bot waits, retries, and loses nothing."""

from __future__ import annotations

from bot.app import Pantau
from testing.fake_telegram import FakeTelegram
from tests.harness import Reporter, case_codes_sent, run_steps


async def test_429_with_retry_after_on_a_reply_is_waited_out(fake: FakeTelegram, bot: Pantau) -> None:
    r = Reporter(fake)
    await run_steps(r, "start", "category")
    fake.fail_next("sendMessage", status=429, retry_after=1, chat_id=r.user_id)
    await run_steps(r, "chronology", "chronology")  # the prompt still arrives, after the wait
    refused = [c for c in fake.calls("sendMessage", chat_id=r.user_id) if c.status == 429]
    assert len(refused) == 1


async def test_timeout_on_a_reply_apologises_and_asks_again(fake: FakeTelegram, bot: Pantau) -> None:
    r = Reporter(fake)
    await run_steps(r, "start", "category")
    fake.fail_next("sendMessage", status=0, delay=0.2, chat_id=r.user_id)  # connection dropped
    r.say("Camat mengarahkan para kepala desa untuk mendukung salah satu pasangan calon.")
    await r.expect("Maaf, terjadi kesalahan")
    await r.expect("Langkah 3 dari 9")  # the answer was kept; the next question comes again
    await run_steps(r, "when", "submit")


async def test_5xx_on_the_confirmation_is_retried_and_sent_once(fake: FakeTelegram, bot: Pantau) -> None:
    r = Reporter(fake)
    await run_steps(r, "start", "identity")
    fake.fail_next("sendMessage", status=502, times=2, chat_id=r.user_id)
    r.tap("Kirim laporan")
    await r.expect("Kode kasus", timeout=15)
    assert len(case_codes_sent(fake, r.user_id)) == 1
    assert bot.services is not None and bot.services.outbox_worker is not None
    await bot.services.outbox_worker.wait_idle()
    assert (await bot.services.outbox.counts()).get("sent") == 1


async def test_429_on_the_confirmation_waits_retry_after(fake: FakeTelegram, bot: Pantau) -> None:
    r = Reporter(fake)
    await run_steps(r, "start", "identity")
    fake.fail_next("sendMessage", status=429, retry_after=1, times=3, chat_id=r.user_id)
    r.tap("Kirim laporan")
    await r.expect("Kode kasus", timeout=15)
    assert len(case_codes_sent(fake, r.user_id)) == 1
    # The rate limiter retried twice itself; the third 429 reached the outbox worker, which rescheduled the
    # confirmation by the retry_after Telegram asked for, and sent it no earlier than that.
    assert bot.services is not None and bot.services.outbox_worker is not None
    await bot.services.outbox_worker.wait_idle()
    (row,) = await bot.services.db.fetchall(
        "SELECT status, attempts, last_error, next_attempt_at, sent_at FROM outbox WHERE chat_id = ?", (r.user_id,)
    )
    assert (row["status"], row["attempts"], row["last_error"]) == ("sent", 2, "429 retry after 0:00:01")
    assert row["sent_at"] >= row["next_attempt_at"]


async def test_reporter_who_blocked_the_bot_does_not_stop_it(fake: FakeTelegram, bot: Pantau) -> None:
    blocked, other = Reporter(fake), Reporter(fake)
    await run_steps(blocked, "start", "identity")
    fake.block(blocked.user_id)
    blocked.tap("Kirim laporan")
    assert bot.services is not None
    await fake.wait_for("sendMessage", chat_id=blocked.user_id, predicate=lambda c: c.status == 403)
    await run_steps(other, "start", "submit")  # everyone else is still served
    assert bot.services.outbox_worker is not None
    await bot.services.outbox_worker.wait_idle()
    counts = await bot.services.outbox.counts()
    assert counts.get("dead") == 1 and counts.get("sent") == 1
    assert await bot.services.reports.count() == 2  # the blocked reporter's report is kept all the same
