"""Reports of online content end to end (issue 12): the links step of the report conversation for hoaxes, black
campaigns, SARA and cyber cases, a forwarded Telegram post whose origin is kept, and the same post reported by
several people in different forms, which the card says. Through the fake Bot API against the real Application."""

from __future__ import annotations

import json
import time
from typing import Any

from bot.app import Pantau
from testing.fake_telegram import FakeTelegram
from tests.harness import Reporter, case_codes_sent, run_steps, services_of
from tests.test_e2e_triage import PASAR_JAMBI, Group, delivered_card

HOAX = "Hoaks dan disinformasi"
LINKS_PROMPT = "Di mana kontennya"
TWO_LINKS = ("Videonya di https://youtu.be/dQw4w9WgXcQ?si=Zx12 dan disebar ulang di "
             "https://www.facebook.com/groups/123/posts/456/?mibextid=abc123.")


async def up_to_links(r: Reporter) -> None:
    r.say("/lapor")
    await r.expect("Langkah 1 dari 9")
    r.tap(HOAX)
    await r.expect("Langkah 2 dari 9")
    await run_steps(r, first="chronology", last="when")
    r.tap("Pada hari kejadian")
    text = await r.expect(LINKS_PROMPT)
    assert "Langkah 4 dari 9" in text


async def after_links(r: Reporter) -> str:
    await r.expect("Pilih provinsi")
    await run_steps(r, first="province", last="identity")
    return await r.expect("Periksa laporan Anda")


async def links_of(bot: Pantau, code: str) -> list[tuple[str, str, str]]:
    rows = await services_of(bot).db.fetchall(
        "SELECT l.original, l.normalized, l.platform FROM report_links l JOIN reports r ON r.id = l.report_id"
        " WHERE r.case_code = ? ORDER BY l.position", (code,))
    return [(str(r["original"]), str(r["normalized"]), str(r["platform"])) for r in rows]


async def test_an_online_report_with_two_links_and_a_screenshot(fake: FakeTelegram, bot: Pantau) -> None:
    services = services_of(bot)
    kec = Group(fake)
    await kec.register(services, PASAR_JAMBI)
    r = Reporter(fake)
    await up_to_links(r)
    r.say("tidak ada tautannya")  # no link in it: refused, the step stays
    assert "Tidak ada tautan dalam pesan itu" in await r.expect("Tidak ada tautan")
    r.say(TWO_LINKS)
    review = await after_links(r)  # the screenshot is the standard step's photo
    assert "https://youtu.be/dQw4w9WgXcQ?si=Zx12 (YouTube)" in review
    assert "https://www.facebook.com/groups/123/posts/456/?mibextid=abc123 (Facebook)" in review
    r.tap("Kirim laporan")
    await r.expect("Kode kasus")
    code = case_codes_sent(fake, r.user_id)[-1]
    assert await links_of(bot, code) == [
        ("https://youtu.be/dQw4w9WgXcQ?si=Zx12", "https://youtube.com/watch?v=dQw4w9WgXcQ", "youtube"),
        ("https://www.facebook.com/groups/123/posts/456/?mibextid=abc123", "https://facebook.com/groups/123/posts/456",
         "facebook"),
    ]
    card = await delivered_card(fake, kec.chat_id, code)
    assert "Tautan:" in card["text"] and "dQw4w9WgXcQ" in card["text"] and "(YouTube)" in card["text"]
    assert "Konten yang sama" not in card["text"]


async def test_a_forwarded_channel_post_keeps_its_origin(fake: FakeTelegram, bot: Pantau) -> None:
    r = Reporter(fake)
    await up_to_links(r)
    origin = {"type": "channel", "date": int(time.time()) - 3600, "message_id": 77, "author_signature": None,
              "chat": {"id": -1001234567890, "type": "channel", "title": "Kabar Pilkada Jambi",
                       "username": "kabar_pilkada"}}
    r.mark = fake.cursor()
    fake.send_text(r.user_id, "Calon nomor 1 akan menghapus bantuan sosial jika kalah!", forward_origin=origin)
    review = await after_links(r)
    assert "https://t.me/kabar_pilkada/77 (Telegram)" in review and "diteruskan dari Kabar Pilkada Jambi" in review
    r.tap("Kirim laporan")
    await r.expect("Kode kasus")
    code = case_codes_sent(fake, r.user_id)[-1]
    assert [link[1:] for link in await links_of(bot, code)] == [("https://t.me/kabar_pilkada/77", "telegram")]
    row = await services_of(bot).db.fetchone("SELECT forwarded_from FROM reports WHERE case_code = ?", (code,))
    assert row is not None
    kept = json.loads(row["forwarded_from"])
    assert (kept["kind"], kept["chat"], kept["username"], kept["message_id"]) == (
        "channel", "Kabar Pilkada Jambi", "kabar_pilkada", 77)


async def test_one_post_reported_by_three_people_in_different_forms_is_said_on_the_cards(
        fake: FakeTelegram, bot: Pantau) -> None:
    services = services_of(bot)
    kec = Group(fake)
    await kec.register(services, PASAR_JAMBI)
    forms = ["https://twitter.com/akun/status/1790000000000000000?s=20&t=abc",
             "lihat x.com/akun/status/1790000000000000000",
             "https://mobile.twitter.com/akun/status/1790000000000000000/"]
    codes = []
    for form in forms:
        r = Reporter(fake)
        await up_to_links(r)
        r.say(form)
        await after_links(r)
        r.tap("Kirim laporan")
        await r.expect("Kode kasus")
        codes.append(case_codes_sent(fake, r.user_id)[-1])
    cards: list[dict[str, Any]] = [await delivered_card(fake, kec.chat_id, code) for code in codes]
    assert "Konten yang sama" not in cards[0]["text"]
    assert "dilaporkan oleh 3 pelapor" in cards[2]["text"]
    assert codes[0] in cards[2]["text"] and codes[1] in cards[2]["text"]
    assert {link[1] for code in codes for link in await links_of(bot, code)} == {
        "https://x.com/akun/status/1790000000000000000"}


async def test_a_reporter_forwarding_their_own_message_is_not_named_as_its_origin(
        fake: FakeTelegram, bot: Pantau) -> None:
    """A group's takedown request lists where a forwarded post came from: never the reporter themselves."""
    r = Reporter(fake, first_name="Siti Aminah")
    await up_to_links(r)
    me = {"id": r.user_id, "is_bot": False, "first_name": "Siti Aminah"}
    origin = {"type": "user", "date": int(time.time()) - 600, "sender_user": me}
    r.mark = fake.cursor()
    fake.send_text(r.user_id, "Saya dapat ini: https://x.com/akun/status/1790000000000000000", forward_origin=origin)
    review = await after_links(r)
    assert "Siti Aminah" not in review
    r.tap("Kirim laporan")
    await r.expect("Kode kasus")
    code = case_codes_sent(fake, r.user_id)[-1]
    row = await services_of(bot).db.fetchone("SELECT forwarded_from FROM reports WHERE case_code = ?", (code,))
    assert row is not None and "Siti" not in row["forwarded_from"] and json.loads(row["forwarded_from"])["kind"] == "user"
