"""The cyber task-force group (issue 12) end to end: registered with `--role cyber` for a region, it receives the
online-content cases of its region and below alongside the supervisors' groups (or instead, CYBER_ROUTING), triages
them with the same buttons, forwards them to the platform, Komdigi or the police's cyber unit, and sees nothing else.
Through the fake Bot API against the real Application; every wait is on an event."""

from __future__ import annotations

from typing import Any

from bot.supervision.cyber import CyberRouting
from testing.fake_telegram import FakeTelegram
from tests.harness import Reporter, case_codes_sent, run_steps, services_of
from tests.test_e2e_triage import (
    JAMBI,
    NOT_ALLOWED,
    PASAR_JAMBI,
    SUPERVISOR,
    Group,
    alert_of,
    buttons_edited,
    card_edited,
    case_of,
    data_of,
    delivered_card,
    labels,
    press,
    press_data,
)

HOAX = "Hoaks dan disinformasi"


async def report(fake: FakeTelegram, category: str, links: str = "https://x.com/akun/status/1790000000000000000",
                 account: str | None = None) -> tuple[Reporter, str]:
    """The standard anonymous report in Pasar Jambi, of `category` (a button's label), with `links` and `account`
    (typed; a label starting with ✅: the button offering the account the link names; None: skipped) if it is
    online content; (reporter, case code)."""
    r = Reporter(fake)
    r.say("/lapor")
    await r.expect("Langkah 1 dari 9")
    r.tap(category)
    await r.expect("Langkah 2 dari 9")
    if category == HOAX:
        await run_steps(r, first="chronology", last="when")
        r.tap("Pada hari kejadian")
        await r.expect("Di mana kontennya")
        r.say(links)
        await r.expect("Akun atau kanal")
        if account is None:
            r.tap("Lewati")
        elif account.startswith("✅"):
            r.tap(account)
        else:
            r.say(account)
        await r.expect("Pilih provinsi")
        await run_steps(r, first="province")
    else:
        await run_steps(r, first="chronology")
    return r, case_codes_sent(fake, r.user_id)[-1]


async def test_online_content_goes_to_the_cyber_group_too_which_forwards_it_to_komdigi_and_sees_nothing_else(
        fake: FakeTelegram, start_bot: Any) -> None:
    bot = await start_bot()
    services = services_of(bot)
    kec, cyber = Group(fake, "Panwascam Pasar Jambi"), Group(fake, "Satgas Siber Bawaslu Jambi")
    await kec.register(services, PASAR_JAMBI)
    assert "satgas siber" in await cyber.register(services, JAMBI, role="cyber")  # the province: all of Jambi

    reporter, hoax = await report(fake, HOAX)
    kec_card = await delivered_card(fake, kec.chat_id, hoax)
    card = await delivered_card(fake, cyber.chat_id, hoax)  # alongside (the default)
    assert labels(card) == labels(kec_card) and HOAX in card["text"]
    _, money = await report(fake, "Politik uang")
    await delivered_card(fake, kec.chat_id, money)
    assert not [m for m in fake.messages_to(cyber.chat_id) if money in str(m.get("text"))]  # not online content

    # The cyber group triages as supervisors do; Teruskan offers the targets that fit online content.
    mark = fake.cursor()
    press(fake, card, "Tangani")
    card = await card_edited(fake, card, "ditangani", mark)
    mark = fake.cursor()
    press(fake, card, "Teruskan")
    choices = await buttons_edited(fake, card, mark)
    assert labels(choices) == ["Sentra Gakkumdu (pidana pemilu)", "DKPP (kode etik penyelenggara)",
                               "BKN (netralitas ASN)", "Instansi lain",
                               "Platform (kanal pelaporan media sosialnya, untuk penurunan konten)",
                               "Komdigi atau Diskominfo (penurunan konten)", "Siber Polri (Ditsiber Polda)",
                               "⬅️ Kembali"]
    mark = reporter.mark = fake.cursor()
    press(fake, card, "Komdigi")
    forwarded = await card_edited(fake, card, "diteruskan", mark)
    assert "Diteruskan ke: Komdigi atau Diskominfo (penurunan konten)" in forwarded["text"]
    notice = await reporter.expect("status sekarang diteruskan")
    assert "Komdigi" in notice
    case = await case_of(bot, hoax)
    assert (case.status, case.forwarded_to) == ("forwarded", "komdigi")
    events = await services.supervision.repo.events(case.id)
    assert [(e.action, e.note) for e in events] == [("claim", None), ("forward", "komdigi")]

    # Its queue holds only online content; another case's buttons, even forged onto its card, are refused.
    cyber.say(SUPERVISOR, "/antrian")
    queue = await cyber.expect("kasus terbuka")
    assert hoax in queue and money not in queue
    money_case = await case_of(bot, money)
    forged = data_of(forwarded, "Selesai").replace(f":{case.id}", f":{money_case.id}")
    assert NOT_ALLOWED in await alert_of(fake, press_data(fake, forwarded, forged))
    # The supervisors' forward menu of a case that is not online content keeps its four targets.
    money_card = await delivered_card(fake, kec.chat_id, money)
    mark = fake.cursor()
    press(fake, money_card, "Tangani")
    money_card = await card_edited(fake, money_card, "ditangani", mark)
    mark = fake.cursor()
    press(fake, money_card, "Teruskan")
    assert "Komdigi atau Diskominfo (penurunan konten)" not in labels(await buttons_edited(fake, money_card, mark))


async def test_with_cyber_routing_instead_only_the_cyber_group_gets_online_content(
        fake: FakeTelegram, start_bot: Any) -> None:
    bot = await start_bot(cyber_routing=CyberRouting.INSTEAD)
    services = services_of(bot)
    kec, cyber = Group(fake, "Panwascam Pasar Jambi"), Group(fake, "Satgas Siber Bawaslu Jambi")
    await kec.register(services, PASAR_JAMBI)
    await cyber.register(services, JAMBI, role="cyber")
    _, hoax = await report(fake, HOAX)
    await delivered_card(fake, cyber.chat_id, hoax)
    _, money = await report(fake, "Politik uang")
    await delivered_card(fake, kec.chat_id, money)  # after the hoax's alerts: those were all sent by now
    assert not [m for m in fake.messages_to(kec.chat_id) if hoax in str(m.get("text"))]


def test_reporting_and_supervision_agree_on_what_online_content_is() -> None:
    from bot.reporting.categories import CATEGORIES
    from bot.reporting.categories import ONLINE_CATEGORIES as ASKED_FOR_LINKS
    from bot.supervision.cyber import ONLINE_CATEGORIES as ROUTED_TO_CYBER

    assert ASKED_FOR_LINKS == ROUTED_TO_CYBER and ASKED_FOR_LINKS.issubset(CATEGORIES)


async def test_a_takedown_request_lists_the_links_origins_and_evidence_hashes_of_the_chosen_cases(
        fake: FakeTelegram, start_bot: Any) -> None:
    import csv
    import hashlib

    bot = await start_bot()
    services = services_of(bot)
    cyber = Group(fake, "Satgas Siber Bawaslu Jambi")
    await cyber.register(services, JAMBI, role="cyber")
    reporter, first = await report(fake, HOAX, "https://youtu.be/dQw4w9WgXcQ?si=Zx12 dan facebook.com/groups/1/posts/2",
                                   account="Grup FB Warga Jambi Bersatu")
    _, second = await report(fake, HOAX, account="✅ @akun")  # the account the x.com link names
    _, money = await report(fake, "Politik uang")
    mark = cyber.mark = fake.cursor()
    cyber.say(SUPERVISOR, f"/takedown {first} {second.lower()} {money} PTU-2222-3333")
    call = await fake.wait_for("sendDocument", chat_id=cyber.chat_id, after=mark, predicate=lambda c: c.ok)
    upload = call.params["document"]
    assert isinstance(upload, bytes) and upload.startswith("\ufeff".encode())
    rows = list(csv.DictReader(upload.decode("utf-8-sig").splitlines()))
    assert [(r["case_code"], r["platform"], r["normalized_link"]) for r in rows] == [
        (first, "YouTube", "https://youtube.com/watch?v=dQw4w9WgXcQ"),
        (first, "Facebook", "https://facebook.com/groups/1/posts/2"),
        (second, "X (Twitter)", "https://x.com/akun/status/1790000000000000000"),
    ]
    photo = hashlib.sha256(b"\x89PNG evidence " + str(reporter.user_id).encode()).hexdigest()
    assert rows[0]["evidence_sha256"] == photo and rows[0]["category"] == HOAX
    assert rows[0]["region"].startswith("Pasar Jambi") and rows[0]["reported_at"].endswith("+07:00")
    assert [r["account"] for r in rows] == ["Grup FB Warga Jambi Bersatu"] * 2 + ["@akun"]
    assert rows[2]["posted_at"][:10] == rows[2]["reported_at"][:10]  # "Hari ini", as the reporter said
    assert str(reporter.user_id) not in upload.decode("utf-8-sig")  # never the reporter
    note = await cyber.expect("Tidak ditemukan di wilayah grup ini")
    assert money in note and "PTU-2222-3333" in note  # a money-politics case is not this group's to see
    mark = cyber.mark = fake.cursor()
    cyber.say(SUPERVISOR, "/takedown")
    assert "Tulis kode kasusnya" in await cyber.expect("/takedown PTU-XXXX-XXXX")
