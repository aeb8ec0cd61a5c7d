"""Possible duplicates on the alert card (issue 14), end to end through the fake Bot API against the real Application:
a report of the same kecamatan and category a few hours after another, or with a near-identical photo (a resized,
re-encoded copy) of a report of the same kabupaten/kota, names the earlier case ("🔁 Mungkin sama dengan PTU-…"),
and its one-tap ♻️ marks it a duplicate through the same triage action as ♻️ Duplikat. Nothing sleeps.
"""

from __future__ import annotations

import io
import random
from datetime import timedelta

from PIL import Image, ImageDraw

from bot.app import Pantau
from storage.database import iso, utcnow
from testing.fake_telegram import FakeTelegram
from tests.harness import Reporter, case_codes_sent, give_identity, run_steps
from tests.test_e2e_triage import (
    FLAG,
    KOTA_JAMBI,
    PASAR_JAMBI,
    RECEIVED_BUTTONS,
    SUPERVISOR,
    SUPERVISOR_NAME,
    Group,
    alert_of,
    answered,
    card_edited,
    case_of,
    data_of,
    delivered_card,
    events_of,
    labels,
    press,
    services_of,
)

HINT = "Mungkin sama dengan"
ONE_TAP = "♻️ Duplikat dari"
STRANGER = 910_099  # reads the public supergroup, is not a member


def picture(seed: int, size: tuple[int, int] = (1200, 900)) -> Image.Image:
    """A photo-like picture: shapes in colours drawn from `seed`."""
    rnd = random.Random(seed)
    image = Image.new("RGB", size, tuple(rnd.randrange(256) for _ in range(3)))
    draw = ImageDraw.Draw(image)
    for _ in range(40):
        x, y = rnd.randrange(size[0]), rnd.randrange(size[1])
        draw.ellipse([x, y, x + rnd.randrange(60, 400), y + rnd.randrange(60, 400)],
                     fill=tuple(rnd.randrange(256) for _ in range(3)))
    return image


def encoded(image: Image.Image, fmt: str = "JPEG", **options: object) -> bytes:
    out = io.BytesIO()
    image.save(out, format=fmt, **options)
    return out.getvalue()


async def report(fake: FakeTelegram, *, category: str = "Politik uang", kecamatan: str = "Pasar Jambi",
                 photo: bytes | None = None, r: Reporter | None = None) -> tuple[Reporter, str]:
    """A report of the standard steps with another category, kecamatan or photo; (reporter, case code)."""
    r = r or Reporter(fake)
    r.say("/lapor")
    await r.expect("Langkah 1 dari 9")
    r.tap(category)
    await r.expect("Langkah 2 dari 9")
    await run_steps(r, "chronology", "kabupaten")
    r.tap(kecamatan)
    await r.expect("Langkah 4 dari 9")
    await run_steps(r, "place", "party")
    r.send("photo", photo if photo is not None else b"\x89PNG evidence " + str(r.user_id).encode())
    await r.expect("1 berkas")
    await run_steps(r, "done", "submit")
    return r, case_codes_sent(fake, r.user_id)[-1]


async def submitted_hours_ago(bot: Pantau, code: str, hours: float) -> None:
    """Pretend the report was submitted `hours` ago."""
    async with services_of(bot).db.transaction() as conn:
        await conn.execute("UPDATE reports SET submitted_at = ? WHERE case_code = ?",
                           (iso(utcnow() - timedelta(hours=hours)), code))


async def test_the_same_kecamatan_and_category_hours_apart_is_hinted_and_marked_a_duplicate_in_one_tap(
    fake: FakeTelegram, bot: Pantau
) -> None:
    kec = Group(fake, "Panwascam Pasar Jambi")
    await kec.register(services_of(bot), PASAR_JAMBI)
    # The first reporter gives a name: it never reaches the group, neither on its card nor on the later one.
    first = Reporter(fake, first_name="Siti")
    await run_steps(first, "start", "witnesses")
    await give_identity(first)
    first.tap("Kirim laporan")
    await first.expect("Kode kasus")
    first_code = case_codes_sent(fake, first.user_id)[-1]
    first_card = await delivered_card(fake, kec.chat_id, first_code)
    assert HINT not in first_card["text"] and labels(first_card) == RECEIVED_BUTTONS  # nothing earlier
    await submitted_hours_ago(bot, first_code, 5)  # within SAME_PLACE_WITHIN (6 hours) of the next one

    second, second_code = await report(fake)
    second_card = await delivered_card(fake, kec.chat_id, second_code)
    assert f"🔁 {HINT} {first_code}" in second_card["text"]
    assert "Siti" not in second_card["text"] and "Gatot Subroto" not in second_card["text"]
    assert labels(second_card) == [*RECEIVED_BUTTONS, f"{ONE_TAP} {first_code}"]

    # Somebody who is not a member of the group presses it: refused, nothing changes.
    fake.member_status(kec.chat_id, STRANGER, "left", announce=False)
    assert "Hanya anggota grup ini" in await alert_of(fake, press(fake, second_card, ONE_TAP, user_id=STRANGER))
    assert (await case_of(bot, second_code)).status == "received"

    # A member taps it twice at once (a double tap, or an update delivered again): one duplicate, one event, one
    # notice to the reporter; the second tap is refused by the status.
    data = data_of(second_card, ONE_TAP)
    mark = second.mark = fake.cursor()
    tap, again = (fake.press(SUPERVISOR, second_card, data, first_name=SUPERVISOR_NAME) for _ in range(2))
    assert "Tersimpan. Status: duplikat." in str((await answered(fake, tap)).params.get("text"))
    assert await alert_of(fake, again) == ('Tidak bisa "♻️ Duplikat" saat status duplikat. '
                                           "Tindakan ini hanya untuk status: diterima, ditangani.")
    case = await case_of(bot, second_code)
    assert (case.status, case.duplicate_of, case.last_actor_name) == ("duplicate", first_code, SUPERVISOR_NAME)
    refreshed = await card_edited(fake, second_card, f"Duplikat dari: {first_code}", mark)
    assert "reply_markup" not in refreshed  # a final status: no buttons
    notice = await second.expect("status sekarang duplikat")
    assert f"sama dengan kasus {first_code}" in notice
    assert len([t for t in second.texts_since_mark() if "status sekarang duplikat" in t]) == 1
    assert await events_of(bot, second_code) == [("duplicate", SUPERVISOR_NAME, "received", "duplicate")]
    assert await events_of(bot, first_code) == []  # the original is untouched
    assert (await case_of(bot, first_code)).status == "received"


async def test_a_resized_re_encoded_copy_of_a_photo_is_hinted_across_categories_and_kecamatan(
    fake: FakeTelegram, bot: Pantau
) -> None:
    kota = Group(fake, "Bawaslu Kota Jambi")  # the kabupaten/kota's group: it sees both kecamatan
    await kota.register(services_of(bot), KOTA_JAMBI)
    original = picture(1)
    _, first_code = await report(fake, category="Netralitas ASN", photo=encoded(original, quality=92))
    first_card = await delivered_card(fake, kota.chat_id, first_code)
    assert HINT not in first_card["text"]

    # The same photo, smaller, as a PNG (and encoded again as JPEG by Telegram), of another category and kecamatan.
    copy = encoded(original.resize((540, 405)), "PNG")
    _, copy_code = await report(fake, category="Kejadian di TPS", kecamatan="Telanaipura", photo=copy)
    copy_card = await delivered_card(fake, kota.chat_id, copy_code)
    assert f"🔁 {HINT} {first_code}" in copy_card["text"]
    assert labels(copy_card) == [*RECEIVED_BUTTONS, f"{ONE_TAP} {first_code}"]
    services = services_of(bot)
    copy_case = await case_of(bot, copy_code)
    [mine] = await services.supervision.repo.evidence_files(copy_case.id)
    [theirs] = await services.supervision.repo.evidence_files((await case_of(bot, first_code)).id)
    assert mine.sha256 != theirs.sha256  # other bytes: SHA-256 could not tell, the perceptual hash did
    assert len(await services.supervision.repo.photo_hashes(copy_case.id)) == 1

    # Another photo, another category, another kecamatan: no hint, no one-tap button.
    _, other_code = await report(fake, category="Daftar pemilih", kecamatan="Kota Baru", photo=encoded(picture(2)))
    other_card = await delivered_card(fake, kota.chat_id, other_code)
    assert HINT not in other_card["text"] and labels(other_card) == RECEIVED_BUTTONS

    # Rejected, the earlier case is no candidate any more: a card shown again names nothing.
    first_case = await case_of(bot, first_code)
    mark = fake.cursor()
    press(fake, first_card, "Tolak")
    await fake.wait_for("editMessageReplyMarkup", chat_id=kota.chat_id, after=mark)
    mark = fake.cursor()
    press(fake, first_card, "Laporan palsu")
    await fake.wait_for("editMessageReplyMarkup", chat_id=kota.chat_id, after=mark)
    mark = fake.cursor()
    press(fake, first_card, "Ya, tolak")
    assert labels(await card_edited(fake, first_card, "ditolak", mark)) == [FLAG]
    assert (await case_of(bot, first_code)).status == "rejected" == (await services.supervision.case(first_case.id)).status
    assert await services.supervision.possible_duplicates(copy_case, kota.chat_id) == []
    text, markup = await services.alerts.render(copy_case, kota.chat_id, "alert")
    assert HINT not in text and ONE_TAP not in str(markup)


async def test_a_one_tap_duplicate_of_a_case_rejected_since_is_refused(fake: FakeTelegram, bot: Pantau) -> None:
    """The card was drawn while the earlier case was a candidate; it was rejected since: the old button marks
    nothing (the reporter would be told their report is 'the same as' a rejected one)."""
    kec = Group(fake, "Panwascam Pasar Jambi")
    await kec.register(services_of(bot), PASAR_JAMBI)
    _, first_code = await report(fake)
    await submitted_hours_ago(bot, first_code, 1)
    _, second_code = await report(fake)
    second_card = await delivered_card(fake, kec.chat_id, second_code)
    assert labels(second_card)[-1] == f"{ONE_TAP} {first_code}"
    async with services_of(bot).db.transaction() as conn:  # the first case is rejected meanwhile
        await conn.execute("UPDATE reports SET status = 'rejected' WHERE case_code = ?", (first_code,))
    alert = await alert_of(fake, press(fake, second_card, ONE_TAP))
    assert "tidak ditemukan" in alert
    assert (await case_of(bot, second_code)).status == "received"
