"""Alerts reach the supervisors' groups whatever Telegram does: groups that migrate, leave or block the bot,
faults on a fifth of the calls, a SIGKILL mid-send, a burst of alerts for one group (pacing and digests),
and reminders and escalation of alerts nobody claimed."""

from __future__ import annotations

import asyncio
import itertools
import re
import sys
import time
from collections.abc import Awaitable, Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.app import Pantau
from bot.delivery import outbox_worker as outbox_worker_module
from bot.delivery.outbox_worker import DIGEST_RETRY
from bot.kernel.services import Services
from storage.database import Database, iso, utcnow
from storage.delivery.outbox import OutboxRepository
from testing.fake_telegram import ApiCall, FakeTelegram
from tests.bot_process import BotProcess
from tests.harness import BOUNDARIES, Group, Reporter, case_codes_sent, run_steps, text_of_call

PASAR_JAMBI = "15.71.04"  # kecamatan
TELANAIPURA = "15.71.01"  # another kecamatan of the same kota
KOTA_JAMBI = "15.71"  # their kabupaten/kota
SEND_METHODS = ("sendMessage", "sendPhoto", "sendMediaGroup", "sendLocation", "sendDocument", "sendVideo")
FAULT_METHODS = ("sendMessage", "sendPhoto", "sendMediaGroup", "sendLocation", "editMessageText")
DIGEST_MARK = "laporan baru (digabung"
_new_chat_ids = itertools.count(-1009_000_000_001, -1)  # supergroup ids that groups migrate to

needs_boundaries = pytest.mark.skipif(not BOUNDARIES.exists(), reason="../shared/data boundaries not present")


# ---------------------------------------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------------------------------------


def services_of(bot: Pantau) -> Services:
    assert bot.services is not None and bot.services.outbox_worker is not None
    return bot.services


async def eventually(check: Callable[[], Awaitable[bool]], what: str, timeout: float = 10.0) -> None:  # noqa: ASYNC109
    """Wait for a state the bot keeps in its database (no API call announces it)."""
    deadline = asyncio.get_running_loop().time() + timeout
    while not await check():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting until {what}")
        await asyncio.sleep(0.02)


def is_card(call: ApiCall, code: str) -> bool:
    """A successful alert card (not a digest) for the case: its code in the header (the card may name other cases
    further down, as possible duplicates)."""
    text = text_of_call(call)
    return call.ok and call.method == "sendMessage" and code in text.split("\n", 1)[0] and DIGEST_MARK not in text


def cards(fake: FakeTelegram, chat_id: int, code: str, contains: str = "") -> list[ApiCall]:
    return [c for c in fake.calls("sendMessage", chat_id=chat_id) if is_card(c, code) and contains in text_of_call(c)]


def delivered(fake: FakeTelegram, chat_id: int, after: int = 0) -> list[ApiCall]:
    """Every message that reached the chat (successful sends), in order."""
    return [c for c in fake.calls(chat_id=chat_id) if c.seq > after and c.ok and c.method in SEND_METHODS]


def attempts(fake: FakeTelegram, chat_id: int, after: int) -> list[ApiCall]:
    return [c for c in fake.calls(chat_id=chat_id) if c.seq > after and c.method != "getUpdates"]


async def wait_card(fake: FakeTelegram, chat_id: int, code: str, contains: str = "", timeout: float = 10.0) -> ApiCall:  # noqa: ASYNC109
    return await fake.wait_for(
        "sendMessage", chat_id=chat_id, after=0, timeout=timeout,
        predicate=lambda c: is_card(c, code) and contains in text_of_call(c),
    )


def reply_target(call: ApiCall) -> int | None:
    reply = call.params.get("reply_parameters")
    return reply.get("message_id") if isinstance(reply, dict) else None


async def fill_report(r: Reporter, *, kecamatan: str = "Pasar Jambi", gps: bool = False, photos: int = 1) -> None:
    """Play a whole report up to the review screen (not submitted yet)."""
    if gps:  # Pasar Jambi by its GPS position (needs BOUNDARIES)
        await run_steps(r, "start", "known")
        r.send("location", -1.5900, 103.6130)
        await r.expect("Pasar Jambi, Kota Jambi, Jambi")
        r.tap("Ya, benar")
        await r.expect("Langkah 4 dari 9")
    else:
        await run_steps(r, "start", "kabupaten")
        r.tap(kecamatan)
        await r.expect("Langkah 4 dari 9")
    await run_steps(r, "place", "party")
    if photos == 1:
        await run_steps(r, "photo", "photo")
    else:
        r.send("album", [b"\x89PNG album %d " % i + str(r.user_id).encode() for i in range(photos)])
        await r.expect(f"{photos} berkas")
    await run_steps(r, "done", "identity")


async def confirmation(fake: FakeTelegram, r: Reporter, timeout: float = 15.0) -> str:  # noqa: ASYNC109
    """The case code of the reporter's (single) confirmation, once it arrived."""
    await r.expect("Kode kasus", timeout=timeout)
    codes = case_codes_sent(fake, r.user_id)
    assert len(codes) == 1, codes
    return codes[0]


async def submit_report(fake: FakeTelegram, r: Reporter, **kw: Any) -> str:
    await fill_report(r, **kw)
    r.tap("Kirim laporan")
    return await confirmation(fake, r)


async def settled(services: Services, timeout: float = 30.0) -> dict[str, int]:  # noqa: ASYNC109
    """Wait until nothing is pending in the outbox (retries included) and the worker is idle."""
    worker = services.outbox_worker
    assert worker is not None

    async def nothing_pending() -> bool:
        return "pending" not in await services.outbox.counts()

    await eventually(nothing_pending, "the outbox has nothing pending", timeout)
    await asyncio.wait_for(worker.wait_idle(), 10)
    return await services.outbox.counts()


def migrate_unnoticed(fake: FakeTelegram, old_chat_id: int, new_chat_id: int) -> None:
    """The group becomes a supergroup but the bot never gets the service message (e.g. it was down and the
    update expired): the fake now answers 400 migrate_to_chat_id for the old id."""
    update = fake.migrate_group(old_chat_id, new_chat_id)
    fake._pending.remove(update)  # taken back before the bot could poll it (no await in between)


async def backlog(bot: Pantau, reporters: list[Reporter], **kw: Any) -> None:
    """Reports submitted while the outbox worker is not running, so that their alerts wait together (as
    after an outage); the worker is started again once all of them are stored."""
    services = services_of(bot)
    worker = services.outbox_worker
    assert worker is not None
    before = await services.reports.count()
    await asyncio.gather(*(fill_report(r, **kw) for r in reporters))
    await worker.stop()
    for r in reporters:
        r.tap("Kirim laporan")

    async def stored() -> bool:
        return await services.reports.count() == before + len(reporters)

    await eventually(stored, f"{len(reporters)} reports are stored")
    worker.start()


def most_in_a_minute(calls: list[ApiCall]) -> int:
    """The largest number of messages within any 60-second window."""
    times = sorted(c.started for c in calls)
    return max((sum(1 for u in times if t <= u < t + 60) for t in times), default=0)


async def run_remind_job(bot: Pantau) -> None:
    assert bot.application is not None and bot.application.job_queue is not None
    job = next(j for j in bot.application.job_queue.jobs() if j.name == "remind")
    await job.run(bot.application)


async def age_alerts(services: Services, report_id: int, hours: float) -> None:
    """Pretend the report's alerts were posted `hours` ago."""
    async with services.db.transaction() as conn:
        await conn.execute(
            "UPDATE alerts SET created_at = ? WHERE report_id = ?", (iso(utcnow() - timedelta(hours=hours)), report_id)
        )


async def report_id(services: Services, code: str) -> int:
    case = await services.supervision.repo.case_by_code(code)
    assert case is not None
    return case.id


# ---------------------------------------------------------------------------------------------------------
# 1. supergroup migration
# ---------------------------------------------------------------------------------------------------------


async def test_migrated_group_gets_the_next_alert_at_its_new_id(fake: FakeTelegram, start_bot: Callable[..., Any]) -> None:
    bot: Pantau = await start_bot()
    services = services_of(bot)
    kec = Group(fake, "Panwascam Pasar Jambi")
    await kec.register(services, PASAR_JAMBI)
    new_id = next(_new_chat_ids)

    fake.migrate_group(kec.chat_id, new_id)

    async def followed() -> bool:
        group = await services.supervision.repo.group(new_id)
        return group is not None and group.active

    await eventually(followed, "the registration follows the new chat id")
    assert await services.supervision.repo.group(kec.chat_id) is None
    mark = fake.cursor()
    code = await submit_report(fake, Reporter(fake))
    card = await wait_card(fake, new_id, code)
    photo = await fake.wait_for("sendPhoto", chat_id=new_id, after=mark, predicate=lambda c: c.ok)
    assert reply_target(photo) == card.result["message_id"]  # the evidence is threaded under the card
    counts = await settled(services)
    assert attempts(fake, kec.chat_id, mark) == []  # the old id is not even tried
    assert counts == {"sent": 5}  # welcome, /daftar answer, confirmation, card, photo
    assert len(cards(fake, new_id, code)) == 1


async def test_migration_discovered_by_the_outbox_redirects_the_alert(
    fake: FakeTelegram, start_bot: Callable[..., Any]
) -> None:
    bot: Pantau = await start_bot()
    services = services_of(bot)
    kec = Group(fake, "Panwascam Pasar Jambi")
    await kec.register(services, PASAR_JAMBI)
    new_id = next(_new_chat_ids)
    migrate_unnoticed(fake, kec.chat_id, new_id)
    mark = fake.cursor()

    code = await submit_report(fake, Reporter(fake))
    card = await wait_card(fake, new_id, code)
    photo = await fake.wait_for("sendPhoto", chat_id=new_id, after=mark, predicate=lambda c: c.ok)
    assert reply_target(photo) == card.result["message_id"]
    refused = [c for c in attempts(fake, kec.chat_id, mark) if c.status == 400]
    assert refused and "upgraded to a supergroup" in str(refused[0].description)  # it was tried, and learned
    counts = await settled(services)
    assert counts == {"sent": 5}  # the group's welcome and /daftar answer too
    assert len(cards(fake, new_id, code)) == 1
    group = await services.supervision.repo.group(new_id)
    assert group is not None and group.active and group.region_code == PASAR_JAMBI
    case = await services.supervision.repo.case_by_code(code)
    assert case is not None and case.route_level == "kecamatan"


# ---------------------------------------------------------------------------------------------------------
# 2. groups the bot can no longer post to
# ---------------------------------------------------------------------------------------------------------


async def test_removed_group_is_inactive_and_the_next_alert_goes_to_the_kabupaten(
    fake: FakeTelegram, start_bot: Callable[..., Any]
) -> None:
    bot: Pantau = await start_bot()
    services = services_of(bot)
    kec = Group(fake, "Panwascam Pasar Jambi")
    kab = Group(fake, "Bawaslu Kota Jambi")
    await kec.register(services, PASAR_JAMBI)
    await kab.register(services, KOTA_JAMBI)

    fake.bot_removed_from(kec.chat_id, kec.admin_id)

    async def inactive() -> bool:
        group = await services.supervision.repo.group(kec.chat_id)
        return group is not None and not group.active

    await eventually(inactive, "the removed group is marked inactive")
    mark = fake.cursor()
    code = await submit_report(fake, Reporter(fake))
    await wait_card(fake, kab.chat_id, code)
    counts = await settled(services)
    assert counts == {"sent": 7}  # with each group's welcome and /daftar answer
    assert attempts(fake, kec.chat_id, mark) == []
    assert len(cards(fake, kab.chat_id, code)) == 1
    case = await services.supervision.repo.case_by_code(code)
    assert case is not None and case.route_level == "kabupaten"


async def test_group_that_blocked_the_bot_unnoticed_is_skipped_one_level_up(
    fake: FakeTelegram, start_bot: Callable[..., Any]
) -> None:
    bot: Pantau = await start_bot()
    services = services_of(bot)
    kec = Group(fake, "Panwascam Pasar Jambi")
    kab = Group(fake, "Bawaslu Kota Jambi")
    await kec.register(services, PASAR_JAMBI)
    await kab.register(services, KOTA_JAMBI)
    fake.block(kec.chat_id)  # no my_chat_member update: the bot finds out when it posts
    mark = fake.cursor()

    code = await submit_report(fake, Reporter(fake))
    card = await wait_card(fake, kab.chat_id, code)
    photo = await fake.wait_for("sendPhoto", chat_id=kab.chat_id, after=mark, predicate=lambda c: c.ok)
    assert reply_target(photo) == card.result["message_id"]
    await settled(services)
    assert [c.status for c in attempts(fake, kec.chat_id, mark) if c.method == "sendMessage"] == [403]
    assert delivered(fake, kec.chat_id, mark) == []
    assert len(cards(fake, kab.chat_id, code)) == 1
    group = await services.supervision.repo.group(kec.chat_id)
    assert group is not None and not group.active
    case = await services.supervision.repo.case_by_code(code)
    assert case is not None and case.route_level == "kabupaten"

    later = await submit_report(fake, Reporter(fake))  # the next report goes straight to the kabupaten
    await wait_card(fake, kab.chat_id, later)
    assert [c for c in attempts(fake, kec.chat_id, mark) if c.method == "sendMessage"][1:] == []


# ---------------------------------------------------------------------------------------------------------
# 3. faults on a fifth of the calls
# ---------------------------------------------------------------------------------------------------------


@needs_boundaries
async def test_faults_on_a_fifth_of_the_calls_lose_nothing_and_double_nothing(
    fake: FakeTelegram, start_bot: Callable[..., Any]
) -> None:
    bot: Pantau = await start_bot(boundaries_file=BOUNDARIES)
    services = services_of(bot)
    pasar = Group(fake, "Panwascam Pasar Jambi")
    telanaipura = Group(fake, "Panwascam Telanaipura")
    await pasar.register(services, PASAR_JAMBI)
    await telanaipura.register(services, TELANAIPURA)
    # (group, how the report is made). Sized so that each group stays well inside its minute (no digest):
    # this test is about faults, not pacing.
    plans: list[tuple[Group, dict[str, Any]]] = [
        (pasar, {"gps": True}),
        (pasar, {}),
        (pasar, {}),
        (pasar, {}),
        (telanaipura, {"kecamatan": "Telanaipura", "photos": 2}),
        (telanaipura, {"kecamatan": "Telanaipura"}),
        (telanaipura, {"kecamatan": "Telanaipura"}),
        (telanaipura, {"kecamatan": "Telanaipura"}),
    ]
    reporters = [Reporter(fake, first_name=f"Warga{i}") for i in range(len(plans))]
    await asyncio.gather(*(fill_report(r, **kw) for r, (_, kw) in zip(reporters, plans, strict=True)))

    mark = fake.cursor()
    fake.fail_ratio(0.2, methods=FAULT_METHODS, kinds=(429, 500, 502, "timeout"), seed=20241127, retry_after=1,
                    timeout_delay=0.5)
    for r in reporters:
        r.tap("Kirim laporan")
    codes = await asyncio.gather(*(confirmation(fake, r, timeout=40) for r in reporters))
    counts = await settled(services, timeout=40)
    fake.clear_faults()

    faults = [c for c in fake.requests[mark:] if c.method in FAULT_METHODS and c.done and not c.ok]
    assert faults, "no fault was injected: the test proves nothing"
    # Outbox items: two groups' welcome and /daftar answer; a confirmation each; per alert a card, one evidence
    # item (an album is one) and the pin.
    assert counts == {"sent": 4 + len(reporters) + sum(2 + int(kw.get("gps", False)) for _, kw in plans)}
    for r, code in zip(reporters, codes, strict=True):
        assert case_codes_sent(fake, r.user_id) == [code]  # one confirmation each
    assert services.outbox_worker is not None and services.outbox_worker.digests == 0
    for (group, kw), code in zip(plans, codes, strict=True):
        other = telanaipura if group is pasar else pasar
        (card,) = cards(fake, group.chat_id, code)
        assert cards(fake, other.chat_id, code) == []
        card_id = card.result["message_id"]
        under_card = [c for c in delivered(fake, group.chat_id, mark) if reply_target(c) == card_id]
        expected = ["sendMediaGroup" if kw.get("photos", 1) > 1 else "sendPhoto"]
        expected += ["sendLocation"] if kw.get("gps") else []
        assert [c.method for c in under_card] == expected, [c.short() for c in under_card]
    for group in (pasar, telanaipura):
        sent = [c for c in delivered(fake, group.chat_id, mark) if c.method == "sendMessage"]
        assert len(sent) == 4  # four cards, nothing else, nothing twice


# ---------------------------------------------------------------------------------------------------------
# 4. SIGKILL while an alert is being sent
# ---------------------------------------------------------------------------------------------------------


async def group_code(bot: BotProcess, region: str) -> str:
    """What an operator does: `python -m bot group-code --region …` against the bot's database."""
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "group-code", "--region", region, cwd=bot.workdir, env=bot.env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), 30)
    assert process.returncode == 0, err.decode()
    match = re.search(r"/daftar (PTG-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4})", out.decode())
    assert match, out.decode()
    return match.group(1)


async def test_sigkill_while_the_card_is_being_sent_delivers_it_once_after_restart(
    fake: FakeTelegram, tmp_path: Path
) -> None:
    bot = BotProcess(fake, tmp_path)
    await bot.start()
    db = Database(bot.database)
    await db.open()
    outbox = OutboxRepository(db)
    try:
        kec = Group(fake, "Panwascam Pasar Jambi")
        code = await group_code(bot, PASAR_JAMBI)
        kec.say(kec.admin_id, f"/daftar {code}")
        await kec.expect("terdaftar", timeout=15)

        fake.fail_next("sendMessage", status=0, delay=60, chat_id=kec.chat_id)  # the card hangs, unanswered
        r = Reporter(fake)
        case = await submit_report(fake, r)  # the confirmation goes out beside the hanging card
        hung = await fake.wait_hanging("sendMessage")
        assert hung.chat_id == kec.chat_id and case in str(hung.params.get("text"))

        async def confirmation_recorded() -> bool:
            rows = await db.fetchall("SELECT status FROM outbox WHERE chat_id = ?", (r.user_id,))
            return [row["status"] for row in rows] == ["sent"]

        await eventually(confirmation_recorded, "the confirmation is marked sent")
        await bot.kill()
        assert not hung.ok  # Telegram never accepted the card
        await bot.start()

        card = await wait_card(fake, kec.chat_id, case, timeout=20)
        photo = await fake.wait_for("sendPhoto", chat_id=kec.chat_id, after=card.seq, predicate=lambda c: c.ok,
                                    timeout=20)
        assert reply_target(photo) == card.result["message_id"]

        async def all_sent() -> bool:
            return await outbox.counts() == {"sent": 5}  # with the welcome and /daftar answer

        await eventually(all_sent, "the outbox has sent everything, once", timeout=20)
        assert len(cards(fake, kec.chat_id, case)) == 1
        assert len([c for c in fake.calls("sendPhoto", chat_id=kec.chat_id) if c.ok]) == 1
        assert case_codes_sent(fake, r.user_id) == [case]
    finally:
        await db.close()
        await bot.stop()


# ---------------------------------------------------------------------------------------------------------
# 5. per-group rate and digests
# ---------------------------------------------------------------------------------------------------------


async def test_burst_of_alerts_is_digested_within_the_group_rate(
    fake: FakeTelegram, start_bot: Callable[..., Any]
) -> None:
    bot: Pantau = await start_bot()
    services = services_of(bot)
    services.pacer.per_minute = 3  # shared by the worker and the rate limiter
    kec = Group(fake, "Panwascam Pasar Jambi")
    await kec.register(services, PASAR_JAMBI)  # the welcome and this answer: 2 of the group's 3
    reporters = [Reporter(fake, first_name=f"Warga{i}") for i in range(8)]

    await backlog(bot, reporters)
    codes = await asyncio.gather(*(confirmation(fake, r) for r in reporters))
    digest = await fake.wait_for("sendMessage", chat_id=kec.chat_id, after=0,
                                 predicate=lambda c: c.ok and DIGEST_MARK in text_of_call(c))
    assert set(await settled(services)) == {"sent"}  # nothing pending, nothing dead

    received = delivered(fake, kec.chat_id)
    assert most_in_a_minute(received) <= services.pacer.per_minute, [c.short() for c in received]
    texts = [text_of_call(c) for c in received]
    assert all(any(code in text for text in texts) for code in codes)
    assert all(code in text_of_call(digest) for code in codes)

    # Each "📂 CODE" button of the digest opens that case's card (with its evidence) under the digest. Opened
    # cards are paced like everything else: give the group a real minute's room for the 8 cards and photos.
    services.pacer.per_minute = 20
    message = digest.result
    for code in codes:
        mark = fake.cursor()
        kec.press(kec.admin_id, message, code)
        opened = await fake.wait_for("sendMessage", chat_id=kec.chat_id, after=mark,
                                     predicate=lambda c: c.ok and reply_target(c) == message["message_id"])
        assert is_card(opened, code) and opened.result.get("reply_markup")
        assert all(other not in text_of_call(opened).split("\n", 1)[0] for other in codes if other != code)
        photo = await fake.wait_for("sendPhoto", chat_id=kec.chat_id, after=mark, predicate=lambda c: c.ok)
        assert reply_target(photo) == opened.result["message_id"]
    # An opened card is a real card: its buttons work.
    kec.press(900_001, kec.card(codes[0]), "Tangani")
    assert codes[0] in await kec.expect("ditangani")


async def test_every_message_to_a_group_counts_once_in_its_minute(
    fake: FakeTelegram, start_bot: Callable[..., Any]
) -> None:
    bot: Pantau = await start_bot()
    services = services_of(bot)
    kec = Group(fake, "Panwascam Pasar Jambi")  # the bot's welcome
    await kec.register(services, PASAR_JAMBI)  # the answer to /daftar (interactive replies count too)
    r = Reporter(fake)
    await fill_report(r, photos=2)
    r.tap("Kirim laporan")
    code = await confirmation(fake, r)
    card = await wait_card(fake, kec.chat_id, code)
    album = await fake.wait_for("sendMediaGroup", chat_id=kec.chat_id, after=card.seq, predicate=lambda c: c.ok)
    assert reply_target(album) == card.result["message_id"]
    await settled(services)
    messages = sum(len(c.result) if isinstance(c.result, list) else 1 for c in delivered(fake, kec.chat_id))
    assert messages == 5  # welcome, answer, card, two photos
    assert services.pacer.per_minute - services.pacer.remaining(kec.chat_id) == messages


class WorkerClock:
    """Stands in for the `time` module in bot/delivery/outbox_worker.py: the worker's monotonic clock (which times its
    pauses) stands still until the test moves it, so a pause ends when the test says, however busy the
    machine is. Everything else (the rate limiter's own retries, asyncio) keeps the real time."""

    def __init__(self) -> None:
        self.now = time.monotonic()
        self.reads = 0

    def monotonic(self) -> float:
        self.reads += 1
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def digest_tries(fake: FakeTelegram, chat_id: int) -> list[ApiCall]:
    """Every attempt to send a digest to the chat (refused ones too), in order."""
    return [c for c in fake.calls("sendMessage", chat_id=chat_id) if c.done
            and DIGEST_MARK in re.sub(r"<[^>]+>", "", str(c.params.get("text")))]


@pytest.mark.parametrize(("status", "times", "pause"), [(502, 1, DIGEST_RETRY), (429, 3, 7.0)],
                         ids=["502", "429-thrice"])
async def test_refused_digest_is_retried_after_a_pause(
    fake: FakeTelegram, start_bot: Callable[..., Any], monkeypatch: pytest.MonkeyPatch,
    status: int, times: int, pause: float,
) -> None:
    """A 5xx, or a 429 that outlasts the rate limiter's own retries, is waited out before the digest is tried
    again (DIGEST_RETRY; the retry_after Telegram asked for), not retried at once, and not waited longer."""
    clock = WorkerClock()
    monkeypatch.setattr(outbox_worker_module, "time", clock)
    bot: Pantau = await start_bot()
    services = services_of(bot)
    worker = services.outbox_worker
    assert worker is not None
    services.pacer.per_minute = 3
    kec = Group(fake, "Panwascam Pasar Jambi")
    await kec.register(services, PASAR_JAMBI)
    # The digest's first tries are refused. A 429 asks for 1 s for the rate limiter's own two retries (real
    # time, PTB's business) and `pause` seconds on the last refusal, the one the worker must wait out.
    if status == 429:
        fake.fail_next("sendMessage", status=429, retry_after=1, times=times - 1, chat_id=kec.chat_id)
        fake.fail_next("sendMessage", status=429, retry_after=int(pause), chat_id=kec.chat_id)
    else:
        fake.fail_next("sendMessage", status=status, times=times, chat_id=kec.chat_id)
    reporters = [Reporter(fake) for _ in range(3)]
    await backlog(bot, reporters)
    codes = await asyncio.gather(*(confirmation(fake, r) for r in reporters))
    await fake.wait_for("sendMessage", chat_id=kec.chat_id, after=0, timeout=15,
                        predicate=lambda c: len(digest_tries(fake, kec.chat_id)) == times)

    # Refused: the worker finishes with the refusal and looks at the outbox again, and does not try again
    # until its clock has moved on by the whole pause.
    await asyncio.wait_for(worker.wait_idle(), 10)
    assert [c.status for c in digest_tries(fake, kec.chat_id)] == [status] * times
    clock.advance(pause - 0.01)
    await asyncio.wait_for(worker.wait_idle(), 10)
    assert [c.status for c in digest_tries(fake, kec.chat_id)] == [status] * times, "tried again before the pause"
    clock.advance(0.01)
    worker.notify()
    digest = await fake.wait_for("sendMessage", chat_id=kec.chat_id, after=0, timeout=10,
                                 predicate=lambda c: c.ok and DIGEST_MARK in text_of_call(c))
    assert [c.status for c in digest_tries(fake, kec.chat_id)] == [status] * times + [200]
    assert all(code in text_of_call(digest) for code in codes)
    assert clock.reads > 0  # the worker did time its pause with this clock
    assert set(await settled(services)) == {"sent"}


async def test_lone_alert_waiting_for_a_digest_does_not_spin_the_worker(
    fake: FakeTelegram, start_bot: Callable[..., Any]
) -> None:
    bot: Pantau = await start_bot()
    services = services_of(bot)
    services.pacer.per_minute = 3
    kec = Group(fake, "Panwascam Pasar Jambi")
    await kec.register(services, PASAR_JAMBI)  # 2 of 3: the group is busy, a lone alert waits for others
    looks = 0
    due = services.outbox.due

    async def counted_due(*args: Any, **kwargs: Any) -> Any:
        nonlocal looks
        looks += 1
        return await due(*args, **kwargs)

    services.outbox.due = counted_due  # type: ignore[method-assign]
    code = await submit_report(fake, Reporter(fake))
    delivered_as = await fake.wait_for("sendMessage", chat_id=kec.chat_id, after=0,
                                       predicate=lambda c: c.ok and code in text_of_call(c))
    assert DIGEST_MARK in text_of_call(delivered_as)  # it waited, then went as a digest (of one)
    assert looks < 100, f"{looks} looks at the outbox while one alert waited"


async def test_backlog_for_a_group_that_blocked_the_bot_goes_one_level_up(
    fake: FakeTelegram, start_bot: Callable[..., Any]
) -> None:
    bot: Pantau = await start_bot()
    services = services_of(bot)
    services.pacer.per_minute = 3
    kec = Group(fake, "Panwascam Pasar Jambi")
    kab = Group(fake, "Bawaslu Kota Jambi")
    await kec.register(services, PASAR_JAMBI)
    await kab.register(services, KOTA_JAMBI)
    fake.block(kec.chat_id)
    reporters = [Reporter(fake) for _ in range(3)]
    await backlog(bot, reporters)
    codes = await asyncio.gather(*(confirmation(fake, r) for r in reporters))

    async def reached_kabupaten() -> bool:
        texts = [text_of_call(c) for c in delivered(fake, kab.chat_id)]
        return all(any(code in text for text in texts) for code in codes)

    await eventually(reached_kabupaten, "every alert reached the kabupaten group", timeout=4)
    group = await services.supervision.repo.group(kec.chat_id)
    assert group is not None and not group.active
    assert len([c for c in fake.calls("sendMessage", chat_id=kec.chat_id) if c.status == 403]) <= 3


async def test_backlog_for_a_group_that_migrated_unnoticed_reaches_its_new_id(
    fake: FakeTelegram, start_bot: Callable[..., Any]
) -> None:
    bot: Pantau = await start_bot()
    services = services_of(bot)
    services.pacer.per_minute = 3
    kec = Group(fake, "Panwascam Pasar Jambi")
    await kec.register(services, PASAR_JAMBI)
    new_id = next(_new_chat_ids)
    migrate_unnoticed(fake, kec.chat_id, new_id)
    reporters = [Reporter(fake) for _ in range(3)]
    await backlog(bot, reporters)
    codes = await asyncio.gather(*(confirmation(fake, r) for r in reporters))
    digest = await fake.wait_for("sendMessage", chat_id=new_id, after=0, timeout=4,
                                 predicate=lambda c: c.ok and DIGEST_MARK in text_of_call(c))
    assert all(code in text_of_call(digest) for code in codes)
    assert len([c for c in fake.calls("sendMessage", chat_id=kec.chat_id) if c.status == 400]) <= 3


# ---------------------------------------------------------------------------------------------------------
# 6. reminders and escalation
# ---------------------------------------------------------------------------------------------------------


async def _two_levels(fake: FakeTelegram, start_bot: Callable[..., Any]) -> tuple[Pantau, Services, Group, Group]:
    bot: Pantau = await start_bot(alert_remind_after=1.0)  # hours; alerts are aged by hand
    services = services_of(bot)
    kec = Group(fake, "Panwascam Pasar Jambi")
    kab = Group(fake, "Bawaslu Kota Jambi")
    await kec.register(services, PASAR_JAMBI)
    await kab.register(services, KOTA_JAMBI)
    return bot, services, kec, kab


async def test_unclaimed_alert_is_reminded_then_escalated_then_left_alone(
    fake: FakeTelegram, start_bot: Callable[..., Any]
) -> None:
    bot, services, kec, kab = await _two_levels(fake, start_bot)
    code = await submit_report(fake, Reporter(fake))
    await wait_card(fake, kec.chat_id, code)
    await settled(services)
    rid = await report_id(services, code)

    await age_alerts(services, rid, 1.5)  # older than the interval, younger than twice it
    mark = fake.cursor()
    await run_remind_job(bot)
    await wait_card(fake, kec.chat_id, code, contains="Pengingat")
    await settled(services, timeout=4)
    assert [text_of_call(c).splitlines()[0] for c in delivered(fake, kec.chat_id, mark)] == [
        f"⏰ Pengingat: belum ada yang menangani · {code}"
    ]
    assert delivered(fake, kab.chat_id, mark) == []

    await age_alerts(services, rid, 2.5)  # older than twice the interval
    mark = fake.cursor()
    await run_remind_job(bot)
    escalation = await wait_card(fake, kab.chat_id, code, contains="Eskalasi")
    await settled(services, timeout=5)
    assert [c.method for c in delivered(fake, kab.chat_id, mark)] == ["sendMessage", "sendPhoto"]
    assert reply_target(delivered(fake, kab.chat_id, mark)[1]) == escalation.result["message_id"]
    assert delivered(fake, kec.chat_id, mark) == []

    mark = fake.cursor()
    await run_remind_job(bot)
    await settled(services, timeout=5)
    assert delivered(fake, kec.chat_id, mark) == delivered(fake, kab.chat_id, mark) == []


async def test_unclaimed_alert_escalates_once_to_the_kabupaten(fake: FakeTelegram, start_bot: Callable[..., Any]) -> None:
    """Escalation on its own: the reminder is taken as done, so only the escalation can be sent."""
    bot, services, kec, kab = await _two_levels(fake, start_bot)
    code = await submit_report(fake, Reporter(fake))
    await wait_card(fake, kec.chat_id, code)
    await settled(services)
    rid = await report_id(services, code)
    async with services.db.transaction() as conn:
        await conn.execute("UPDATE reports SET reminded_at = ? WHERE id = ?", (iso(utcnow() - timedelta(hours=1)), rid))
    await age_alerts(services, rid, 1.5)
    mark = fake.cursor()
    await run_remind_job(bot)
    await settled(services, timeout=5)
    assert delivered(fake, kec.chat_id, mark) == delivered(fake, kab.chat_id, mark) == []  # not yet

    await age_alerts(services, rid, 2.5)
    await run_remind_job(bot)
    escalation = await wait_card(fake, kab.chat_id, code, contains="Eskalasi")
    assert escalation.result.get("reply_markup")  # the kabupaten may act on it
    await settled(services, timeout=5)
    to_kab = delivered(fake, kab.chat_id, mark)
    assert [c.method for c in to_kab] == ["sendMessage", "sendPhoto"]
    assert reply_target(to_kab[1]) == escalation.result["message_id"]
    assert delivered(fake, kec.chat_id, mark) == []

    mark = fake.cursor()
    await run_remind_job(bot)
    await settled(services, timeout=5)
    assert delivered(fake, kec.chat_id, mark) == delivered(fake, kab.chat_id, mark) == []


async def test_claimed_case_is_neither_reminded_nor_escalated(fake: FakeTelegram, start_bot: Callable[..., Any]) -> None:
    bot, services, kec, kab = await _two_levels(fake, start_bot)
    code = await submit_report(fake, Reporter(fake))
    await wait_card(fake, kec.chat_id, code)
    await settled(services)
    kec.press(900_001, kec.card(code), "Tangani")
    await kec.expect("ditangani")
    await settled(services)
    rid = await report_id(services, code)

    for hours in (1.5, 2.5):
        await age_alerts(services, rid, hours)
        mark = fake.cursor()
        await run_remind_job(bot)
        await settled(services, timeout=5)
        assert delivered(fake, kec.chat_id, mark) == delivered(fake, kab.chat_id, mark) == []
