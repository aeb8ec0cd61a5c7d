"""Nothing lost, nothing doubled: a real `python -m bot` killed with SIGKILL at awkward moments."""

from __future__ import annotations

from pathlib import Path

from testing.fake_telegram import FakeTelegram
from tests.bot_process import BotProcess
from tests.harness import Reporter, case_codes_sent, run_steps


async def test_sigkill_mid_conversation_resumes_where_it_was(fake: FakeTelegram, tmp_path: Path) -> None:
    bot = BotProcess(fake, tmp_path)
    await bot.start()
    try:
        r = Reporter(fake)
        await run_steps(r, "start", "chronology")  # the bot now asks step 3
        await bot.kill()
        await bot.start()
        await run_steps(r, "when", "submit")  # the reporter simply answers step 3 and goes on
        assert await bot.report_count() == 1
        assert len(case_codes_sent(fake, r.user_id)) == 1
    finally:
        await bot.stop()


async def test_sigkill_before_the_reply_replays_the_update(fake: FakeTelegram, tmp_path: Path) -> None:
    """Killed after the answer was stored and acknowledged but before the next question went out: the
    restarted bot asks that question (and nothing is recorded twice)."""
    bot = BotProcess(fake, tmp_path)
    await bot.start()
    try:
        r = Reporter(fake)
        await run_steps(r, "start", "category")
        fake.fail_next("sendMessage", status=0, delay=60, chat_id=r.user_id)  # the next prompt hangs
        r.say("Kepala desa mengumpulkan warga dan meminta memilih calon tertentu di balai desa.")
        await fake.wait_hanging("sendMessage")
        await fake.wait_until_acknowledged()
        await bot.kill()
        await bot.start()
        await r.expect("Langkah 3 dari 9", timeout=20)
        await run_steps(r, "when", "submit")
        assert await bot.report_count() == 1
    finally:
        await bot.stop()


async def test_sigkill_right_after_submit_gives_one_report_and_one_confirmation(
    fake: FakeTelegram, tmp_path: Path
) -> None:
    bot = BotProcess(fake, tmp_path)
    await bot.start()
    try:
        r = Reporter(fake)
        await run_steps(r, "start", "identity")  # at the review
        # The bot stores the report, then hangs answering the button press; kill it right there.
        fake.fail_next("answerCallbackQuery", status=0, delay=60)
        r.tap("Kirim laporan")
        await fake.wait_hanging("answerCallbackQuery")
        await bot.kill()
        await bot.start()
        await r.expect("Kode kasus", timeout=20)
        # The replayed press and the outbox must not produce a second report or confirmation.
        await fake.wait_until_acknowledged()
        r.say("/laporansaya")
        await r.expect("PTU-")
        assert await bot.report_count() == 1
        assert len(case_codes_sent(fake, r.user_id)) == 1
    finally:
        await bot.stop()
