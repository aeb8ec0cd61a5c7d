"""Counted words in English are singular or plural by the count ("1 file", "2 files"), not "file(s)";
Indonesian, which does not inflect, is unchanged ("1 berkas", "2 berkas")."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from bot.app import Pantau
from testing.fake_telegram import FakeTelegram
from tests.harness import CHRONOLOGY, Group, Reporter, case_codes_sent, run_steps

PASAR_JAMBI = "15.71.04"


async def registered_group(fake: FakeTelegram, bot: Pantau, expected: str) -> Group:
    assert bot.services is not None
    group = Group(fake)
    code, _ = await bot.services.supervision.new_code(PASAR_JAMBI, "supervisors")
    group.say(group.admin_id, f"/daftar {code}")
    await group.expect(expected)
    return group


async def test_english_counts_in_singular_and_plural(fake: FakeTelegram, start_bot: Callable[..., Any]) -> None:
    """Acknowledgements, review, card, /status and /queue say "1 file", "2 files", "1 statement", "1 open case"."""
    bot: Pantau = await start_bot(default_locale="en")  # the groups' language is the deployment's
    group = await registered_group(fake, bot, "registered")
    r = Reporter(fake)
    for act, expected in [
        (lambda: r.say("/bahasa"), "Pilih bahasa"),
        (lambda: r.tap("English"), "Language switched to English."),
        (lambda: r.say("/report"), "Step 1 of 9"),
        (lambda: r.tap("Money politics"), "Step 2 of 9"),
        (lambda: r.say(CHRONOLOGY), "Step 3 of 9"),
        (lambda: r.tap("Today"), "When did you learn of it"),
        (lambda: r.tap("On the day it happened"), "Choose a province"),
        (lambda: r.tap("Jambi"), "Choose a region in"),
        (lambda: r.tap("Kota Jambi"), "Kota Jambi, Jambi"),
        (lambda: r.tap("Pasar Jambi"), "Step 4 of 9"),
        (lambda: r.say("In front of TPS 05"), "Step 5 of 9"),
        (lambda: r.say("Budi, campaign team of candidate 2"), "Step 6 of 9"),
    ]:
        act()
        await r.expect(expected)
    r.send("photo", b"\x89PNG first english evidence")
    assert "Evidence received: 1 file. Send more" in await r.expect("Evidence received")
    r.send("photo", b"\x89PNG second english evidence")
    assert "Evidence received: 2 files. Send more" in await r.expect("2 files")
    r.tap("Done")
    await r.expect("Step 7 of 9")
    r.say("Ani, a neighbour, 0812-1111-2222")
    await r.expect("Step 8 of 9")
    r.tap("Anonymous")
    review = await r.expect("Step 9 of 9")
    assert "Evidence: 2 files" in review, review
    r.tap("Send report")
    found = re.search(r"PTU-[0-9A-Z]{4}-[0-9A-Z]{4}", await r.expect("Your case code"))
    assert found is not None
    code = found.group(0)

    card = await group.expect(code)
    assert "Evidence: 2 files" in card and "Witnesses: 1 statement" in card, card
    assert "(s)" not in card

    r.say(f"/status {code}")
    assert "Evidence: 2 files" in await r.expect("Evidence:")

    group.say(group.admin_id, "/queue")
    assert "1 open case (oldest first):" in await group.expect("open case")


async def test_indonesian_counts_do_not_inflect(fake: FakeTelegram, bot: Pantau) -> None:
    """The same words in Indonesian: "1 berkas", "1 kasus terbuka", as before."""
    group = await registered_group(fake, bot, "terdaftar")
    r = Reporter(fake)
    await run_steps(r, "start", "party")
    r.send("photo", b"\x89PNG first evidence")
    assert "Bukti diterima: 1 berkas. Kirim lagi" in await r.expect("1 berkas")
    r.send("photo", b"\x89PNG second evidence")
    assert "Bukti diterima: 2 berkas. Kirim lagi" in await r.expect("2 berkas")
    await run_steps(r, "done", "submit")
    code = case_codes_sent(fake, r.user_id)[-1]
    assert "Bukti: 2 berkas" in await group.expect(code)
    group.say(group.admin_id, "/antrian")
    assert "1 kasus terbuka (terlama dulu):" in await group.expect("kasus terbuka")
