"""Reports of online content end to end (issue 12): the links step of the report conversation for hoaxes, black
campaigns, SARA and cyber cases, a forwarded Telegram post whose origin is kept, and the same post reported by
several people in different forms, which the card says. Through the fake Bot API against the real Application."""

from __future__ import annotations

import hashlib
import json
import time
from typing import Any

import pytest

from bot.app import Pantau
from bot.kernel.callbacks import encode
from bot.reporting.actions import ReportAction
from testing.fake_telegram import FakeTelegram
from tests.harness import ProcessedUpdates, Reporter, case_codes_sent, run_steps, services_of, text_of_call
from tests.test_e2e_triage import (
    JAMBI,
    PASAR_JAMBI,
    SUPERVISOR,
    Group,
    answered,
    card_edited,
    case_of,
    delivered_card,
    events_of,
    press,
)

HOAX = "Hoaks dan disinformasi"
LINKS_PROMPT = "Di mana kontennya"
ACCOUNT_PROMPT = "Akun atau kanal mana"
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


async def after_links(r: Reporter, account: str | None = "skip") -> str:
    """From the account question (None: not asked, a forwarded post's origin names it; "skip": Lewati) to the
    review; the review's text."""
    if account is not None:
        await r.expect(ACCOUNT_PROMPT)
        if account == "skip":
            r.tap("Lewati")
        elif account.startswith("✅"):
            r.tap(account)
        else:
            r.say(account)
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
    prompt = await r.expect(ACCOUNT_PROMPT)
    assert "Langkah 4 dari 9" in prompt and "✅" not in newest_labels(r)  # neither link names its account
    review = await after_links(r, account="Kanal YouTube Suara Rakyat")  # the screenshot is the standard step's photo
    assert "Akun pengunggah: Kanal YouTube Suara Rakyat" in review
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
    assert "Akun pengunggah: Kanal YouTube Suara Rakyat" in card["text"]
    assert "Konten yang sama" not in card["text"]
    r.say("/datasaya")  # the links are the reporter's data too
    sent = await fake.wait_for("sendDocument", chat_id=r.user_id, after=r.mark, predicate=lambda c: c.ok)
    [mine] = json.loads(sent.params["document"])["reports"]
    assert [link["platform"] for link in mine["links"]] == ["youtube", "facebook"]
    assert (mine["online"], mine["online_account"]) == (True, "Kanal YouTube Suara Rakyat")


async def test_a_forwarded_channel_post_keeps_its_origin(fake: FakeTelegram, bot: Pantau) -> None:
    r = Reporter(fake)
    await up_to_links(r)
    origin = {"type": "channel", "date": int(time.time()) - 3600, "message_id": 77, "author_signature": None,
              "chat": {"id": -1001234567890, "type": "channel", "title": "Kabar Pilkada Jambi",
                       "username": "kabar_pilkada"}}
    r.mark = fake.cursor()
    fake.send_text(r.user_id, "Calon nomor 1 akan menghapus bantuan sosial jika kalah!", forward_origin=origin)
    review = await after_links(r, account=None)  # Telegram named whose post it is: not asked
    assert "https://t.me/kabar_pilkada/77 (Telegram)" in review and "diteruskan dari Kabar Pilkada Jambi" in review
    assert "Akun pengunggah" not in review
    r.tap("Kirim laporan")
    await r.expect("Kode kasus")
    code = case_codes_sent(fake, r.user_id)[-1]
    assert [link[1:] for link in await links_of(bot, code)] == [("https://t.me/kabar_pilkada/77", "telegram")]
    row = await services_of(bot).db.fetchone("SELECT forwarded_from FROM reports WHERE case_code = ?", (code,))
    assert row is not None
    kept = json.loads(row["forwarded_from"])
    assert (kept["kind"], kept["chat"], kept["username"], kept["message_id"]) == (
        "channel", "Kabar Pilkada Jambi", "kabar_pilkada", 77)
    assert (await case_of(bot, code)).online_account == "Kabar Pilkada Jambi (@kabar_pilkada)"


async def report_link(fake: FakeTelegram, text: str, r: Reporter | None = None, account: str = "skip"
                      ) -> tuple[Reporter, str, str]:
    """A hoax report whose step 4 is `text` (and `account`): the reporter, the case code, the confirmation."""
    r = r or Reporter(fake)
    await up_to_links(r)
    r.say(text)
    await after_links(r, account)
    r.tap("Kirim laporan")
    confirmation = await r.expect("Kode kasus")
    return r, case_codes_sent(fake, r.user_id)[-1], confirmation


async def test_one_post_reported_by_three_people_in_different_forms_is_one_case(
        fake: FakeTelegram, bot: Pantau) -> None:
    """The same link, given three ways, is one case "reported by 3 people": one card, the later reporters' evidence
    under it, each reporter told they joined it and told of its progress under their own code."""
    services = services_of(bot)
    kec = Group(fake)
    await kec.register(services, PASAR_JAMBI)
    forms = ["https://twitter.com/akun/status/1790000000000000000?s=20&t=abc",
             "lihat x.com/akun/status/1790000000000000000",
             "https://mobile.twitter.com/akun/status/1790000000000000000/"]
    first, code, confirmation = await report_link(fake, forms[0], account="✅ @akun")  # as the link names it
    assert "digabung" not in confirmation
    card = await delivered_card(fake, kec.chat_id, code)
    assert "Dilaporkan oleh" not in card["text"] and "Akun pengunggah: @akun" in card["text"]
    reporters, codes = [first], [code]
    for n, form in enumerate(forms[1:], start=2):
        mark = fake.cursor()
        r, joined_code, confirmation = await report_link(fake, form)
        assert f"digabung ke kasus {code}" in confirmation and f"dilaporkan oleh {n} orang" in confirmation
        assert joined_code in confirmation  # their own code, for /status
        card = await card_edited(fake, card, f"Dilaporkan oleh {n} orang", mark)
        assert joined_code in card["text"]
        card_id = card["message_id"]
        await fake.wait_for(  # their screenshot, under the case's card
            "sendPhoto", chat_id=kec.chat_id, after=mark,
            predicate=lambda c, card_id=card_id: c.ok and (c.params.get("reply_parameters") or {}).get("message_id")
            == card_id)
        reporters.append(r)
        codes.append(joined_code)
    assert len(set(codes)) == 3
    primary = await case_of(bot, code)  # a takedown request of the case has everybody's screenshots, the link once
    links, _, hashes = await services.supervision.repo.takedown_facts(primary.id)
    assert [link[1] for link in links] == ["https://x.com/akun/status/1790000000000000000"] and len(hashes) == 3
    cards = [c for c in fake.calls("sendMessage", chat_id=kec.chat_id) if c.ok and "Laporan baru" in text_of_call(c)]
    assert len(cards) == 1, "one case, one card"
    assert {link[1] for c in codes for link in await links_of(bot, c)} == {
        "https://x.com/akun/status/1790000000000000000"}

    # Tangani on the one card: every reporter hears of it, under their own code; every report is claimed.
    for r in reporters:
        r.mark = fake.cursor()
    await answered(fake, press(fake, card, "Tangani"))
    for r, c in zip(reporters, codes, strict=True):
        notice = await r.expect("status sekarang")
        assert c in notice and "ditangani" in notice
    for c in codes:
        assert (await case_of(bot, c)).status == "claimed"
    events = await events_of(bot, codes[2])
    assert [e[0] for e in events][-1] == "claim"
    kec.say(SUPERVISOR, f"/kasus {codes[1]}")  # a joined report's code is the case's
    shown = await kec.expect("Dilaporkan oleh 3 orang")
    assert code in shown and codes[1] in shown
    last = reporters[2]
    last.say(f"/status {codes[2]}")
    status = await last.expect(f"Laporan {codes[2]}")
    assert "ditangani" in status and f"Digabung ke kasus {code}" in status


async def test_a_link_whose_case_is_closed_starts_a_new_case_that_names_the_old(
        fake: FakeTelegram, bot: Pantau) -> None:
    """A case closed is not reopened by the same link reported again: a new case, its card naming the old."""
    services = services_of(bot)
    kec = Group(fake)
    await kec.register(services, PASAR_JAMBI)
    link = "https://www.tiktok.com/@akun/video/7300000000000000000?is_from_webapp=1"
    _, old, _ = await report_link(fake, link)
    old_card = await delivered_card(fake, kec.chat_id, old)
    services = services_of(bot)
    case = await services.supervision.repo.case_by_code(old)
    assert case is not None
    async with services.db.transaction() as conn:  # closed (done), as triage leaves it
        await conn.execute("UPDATE reports SET status = 'done' WHERE id = ?", (case.id,))
    _, new, confirmation = await report_link(fake, link.replace("www.", ""))
    assert "digabung" not in confirmation
    card = await delivered_card(fake, kec.chat_id, new)
    assert "Konten yang sama" in card["text"] and "1 kasus lain" in card["text"] and old in card["text"]
    assert "Dilaporkan oleh" not in old_card["text"]


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


async def test_money_politics_said_to_have_happened_online_asks_its_links_and_reaches_the_cyber_group(
        fake: FakeTelegram, bot: Pantau) -> None:
    """A category not about social media by itself: "🌐 it happened online" at step 4 asks for the links first,
    then where; the case is online content, which the cyber group receives and sees in its queue."""
    services = services_of(bot)
    kec, cyber = Group(fake, "Panwascam Pasar Jambi"), Group(fake, "Satgas Siber Bawaslu Jambi")
    await kec.register(services, PASAR_JAMBI)
    await cyber.register(services, JAMBI, role="cyber")
    r = Reporter(fake)
    await run_steps(r, last="when")
    r.tap("Pada hari kejadian")
    await r.expect("Pilih provinsi")
    assert "Terjadi di internet" in newest_labels(r)
    r.tap("Terjadi di internet")
    assert "Langkah 4 dari 9" in await r.expect(LINKS_PROMPT)
    r.say("Ajakan terima uang Rp50.000 untuk pilih nomor 2: https://www.instagram.com/p/Cabc123/?igsh=xyz")
    await r.expect(ACCOUNT_PROMPT)
    r.say("@relawan.paslon2")
    await r.expect("Pilih provinsi")
    assert "Terjadi di internet" not in newest_labels(r)  # said once
    await run_steps(r, first="province", last="identity")
    review = await r.expect("Periksa laporan Anda")
    assert "https://www.instagram.com/p/Cabc123/?igsh=xyz (Instagram)" in review
    assert "Akun pengunggah: @relawan.paslon2" in review
    r.tap("Kirim laporan")
    await r.expect("Kode kasus")
    code = case_codes_sent(fake, r.user_id)[-1]
    assert (await case_of(bot, code)).online
    for group in (kec, cyber):
        card = await delivered_card(fake, group.chat_id, code)
        assert "Politik uang" in card["text"] and "(Instagram)" in card["text"]
    mark = fake.cursor()
    cyber.say(SUPERVISOR, "/antrian")
    queue = await fake.wait_for("sendMessage", chat_id=cyber.chat_id, after=mark,
                                predicate=lambda c: c.ok and code in text_of_call(c))
    assert code in text_of_call(queue)


async def test_an_offline_money_politics_report_is_not_online_content(fake: FakeTelegram, bot: Pantau) -> None:
    """Without the 🌐 press nothing changes: no links asked, no cyber group, not online content."""
    services = services_of(bot)
    kec, cyber = Group(fake, "Panwascam Pasar Jambi"), Group(fake, "Satgas Siber Bawaslu Jambi")
    await kec.register(services, PASAR_JAMBI)
    await cyber.register(services, JAMBI, role="cyber")
    r = Reporter(fake)
    await run_steps(r)
    code = case_codes_sent(fake, r.user_id)[-1]
    assert not (await case_of(bot, code)).online
    await delivered_card(fake, kec.chat_id, code)
    assert not [c for c in fake.calls("sendMessage", chat_id=cyber.chat_id) if code in text_of_call(c)]


def newest_labels(r: Reporter) -> str:
    """The labels of the buttons on the newest message with buttons in the reporter's chat."""
    buttons = r.buttons()
    newest = buttons[0][0]["message_id"]
    return " ".join(label for message, label, _ in buttons if message["message_id"] == newest)


async def test_a_forwarded_posts_photos_are_kept_as_evidence(
        fake: FakeTelegram, start_bot: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """A channel's post forwarded with its two photos: both are evidence (hashed like any), the album's second part
    is kept quietly, and the evidence step already counts them."""
    processed = ProcessedUpdates(monkeypatch)
    bot = await start_bot()
    r = Reporter(fake)
    await up_to_links(r)
    origin = {"type": "channel", "date": int(time.time()) - 600, "message_id": 91,
              "chat": {"id": -1001234567891, "type": "channel", "title": "Info Pilkada", "username": "info_pilkada"}}
    photos = [b"\x89PNG forwarded one", b"\x89PNG forwarded two"]
    r.mark = fake.cursor()
    parts = fake.send_album(r.user_id, photos, caption="Paslon 1 curang! Sebarkan!", forward_origin=origin)
    await r.expect("Pilih provinsi")  # Telegram named the account: the account step is not asked
    await processed.wait(parts[-1]["update_id"])
    assert len(r.texts_since_mark()) == 1  # one answer to the album: where (nothing said of its second part)
    asked = await run_steps(r, first="province", last="party")
    assert "Sudah diterima: 2 berkas" in asked  # counted already
    r.tap("Selesai")
    await r.expect("Langkah 7 dari 9")
    await run_steps(r, first="witnesses", last="identity")
    r.tap("Kirim laporan")
    await r.expect("Kode kasus")
    code = case_codes_sent(fake, r.user_id)[-1]
    rows = await services_of(bot).db.fetchall(
        "SELECT e.sha256 FROM evidence e JOIN reports r ON r.id = e.report_id WHERE r.case_code = ? ORDER BY e.id",
        (code,))
    assert [row["sha256"] for row in rows] == [hashlib.sha256(p).hexdigest() for p in photos]


async def test_online_content_about_no_one_kecamatan_names_the_whole_kabupaten(fake: FakeTelegram, bot: Pantau) -> None:
    """A hoax about a whole city need not name a kecamatan (issue 12: the kecamatan only when a local race is the
    target): 🌐 Seluruh Kota Jambi, and the case goes to the city's group. An offline report has no such button."""
    services = services_of(bot)
    kota = Group(fake, "Bawaslu Kota Jambi")
    await kota.register(services, "15.71")
    r = Reporter(fake)
    await up_to_links(r)
    r.say(TWO_LINKS)
    await r.expect(ACCOUNT_PROMPT)
    r.tap("Lewati")
    await r.expect("Pilih provinsi")
    r.tap("Jambi")
    await r.expect("Pilih wilayah di")
    r.tap("Kota Jambi")
    await r.expect("Kota Jambi, Jambi")
    assert "Seluruh Kota Jambi" in newest_labels(r)
    r.tap("Seluruh Kota Jambi")
    chosen = await r.expect("Langkah 4 dari 9")
    assert "Wilayah: Kota Jambi, Jambi" in chosen
    await run_steps(r, first="place", last="identity")
    await r.expect("Periksa laporan Anda")
    r.tap("Kirim laporan")
    await r.expect("Kode kasus")
    code = case_codes_sent(fake, r.user_id)[-1]
    assert (await case_of(bot, code)).region_code == "15.71"
    card = await delivered_card(fake, kota.chat_id, code)
    assert "Kota Jambi" in card["text"]

    offline = Reporter(fake)  # money politics at a place: a kecamatan it is
    await run_steps(offline, first="start", last="known")
    offline.tap("Jambi")
    await offline.expect("Pilih wilayah di")
    offline.tap("Kota Jambi")
    await offline.expect("Kota Jambi, Jambi")
    assert "Seluruh" not in newest_labels(offline)
    menu, _, _ = offline.buttons()[0]
    offline.press(menu, encode(ReportAction.REGION_WHOLE, "15.71"))  # a forged press: refused, the step stays
    assert "tidak tersedia" in await offline.expect_alert("tidak tersedia")
    draft = await services.intake.get(offline.user_id)
    assert draft is not None and draft.answers.region_code is None
