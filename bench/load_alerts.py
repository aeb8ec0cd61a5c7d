"""Load figures for alert routing: how fast submitted reports reach their supervisors' group, and how the
outbox paces a group flooded with alerts (at most 20 messages a minute, the rest merged into digests).

    python -m bench.load_alerts [--rates 5,20] [--seconds 10,20] [--groups 10] [--burst 200]

Getting hundreds of reporters through the whole conversation would take minutes of rate-limited calls
(bench/load_report.py measures that), so each reporter's draft is prepared at the review step through the
service layer (IntakeService: category, chronology, "today", kecamatan from the picker, place/party/witnesses
skipped, one photo, anonymous), and the review message with its buttons is put in the reporter's chat. The
bot (in this process, like the tests) then starts and loads the conversation states, so the only update each
reporter sends is the press on "Kirim laporan".

A. For each of `--rates` (default 5 and 20 per second), presses at that rate for the matching `--seconds`
   (10 and 20), spread round-robin over `--groups` kecamatan groups of its own (one registered group per
   kecamatan, /daftar with a code from services.supervision.new_code): the time from the press to the
   reporter's confirmation and to the first group message naming the case code (its own card, or a line of
   a digest), and the API calls per second the bot made. At 5/s over 10 groups each group gets one alert
   every 2 s, which its 20 messages a minute can take one by one (card + photo); at 20/s it cannot, and
   digests take the rest.
B. `--burst` presses all at once, all for one more kecamatan group: the messages that group received, the
   most in any 60-second window, the digests, and the time until every case code was in some message to the
   group. Every code must be there (exit 1 otherwise).

The last lines are one per rate of A:
`alerts rate=R card_p95_s=… reply_p95_s=… visible60_ratio=…`: p95 of press → first group message naming the
case (card or digest line), p95 of press → the reporter's confirmation, and the share of the cases that were
in their group's chat within 60 s of the press.
"""

from __future__ import annotations

import argparse
import asyncio
import math
import re
import shutil
import signal
import sqlite3
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as `python bench/load_alerts.py`
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from telegram import Bot
from telegram.request import HTTPXRequest

from bench.common import (
    RATE_LIMIT_PER_S,
    BenchFailure,
    InProcessBot,
    Options,
    Stopper,
    Workspace,
    log_problems,
    log_tail,
    mib,
    percentile,
    process_usage,
)
from bot.app import Pantau, create_services
from bot.delivery.pacing import GROUP_MESSAGES_PER_MINUTE, WINDOW
from bot.kernel.callbacks import encode
from bot.kernel.services import Services
from bot.regions.directory import Region, RegionDirectory
from bot.reporting.actions import ReportAction
from bot.reporting.categories import CATEGORIES
from bot.reporting.draft import Step
from bot.settings import Settings
from handlers.reporting.prompts import review
from testing.fake_telegram import ApiCall, FakeTelegram
from tests.harness import Group, text_of_call

CHRONOLOGY = "Tim sukses calon nomor 2 membagikan amplop berisi uang Rp100.000 kepada warga di depan TPS 05."
CASE_CODE = re.compile(r"PTU-[0-9A-Z]{4}-[0-9A-Z]{4}")
CONFIRMATION = re.compile(r"Kode kasus Anda: (PTU-[0-9A-Z]{4}-[0-9A-Z]{4})")
FIRST_USER_ID = 810_000_001
PROVINCE = "15"  # Jambi: kecamatan groups are taken from its kabupaten/kota, Kota Jambi first
# Bot API methods that put a message into a chat (sendChatAction does not).
MESSAGE_METHODS = frozenset({
    "sendmessage", "sendphoto", "sendvideo", "senddocument", "sendaudio", "sendanimation", "sendvoice",
    "sendlocation", "sendvenue", "sendcontact", "sendmediagroup", "copymessage", "forwardmessage", "sendsticker",
})


# ---------------------------------------------------------------------------------------------- options


@dataclass(frozen=True)
class AlertOptions:
    rates: tuple[float, ...] = (5.0, 20.0)
    seconds: tuple[float, ...] = (10.0, 20.0)
    groups: int = 10
    burst: int = 200
    pacer_limit: int = GROUP_MESSAGES_PER_MINUTE
    photo_kib: int = 8
    pin: bool = False
    phase_timeout: float = 240.0
    startup_timeout: float = 60.0
    keep: bool = False
    quiet: bool = False


def parse_options(argv: Sequence[str] | None) -> AlertOptions:
    d = AlertOptions()
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--rates", type=floats, default=d.rates,
                        help="A: submit presses per second, one phase per rate (default "
                             f"{','.join(f'{r:g}' for r in d.rates)}; empty skips A)")
    parser.add_argument("--seconds", type=floats, default=d.seconds,
                        help="A: how long each rate's presses last (default "
                             f"{','.join(f'{r:g}' for r in d.seconds)}; one value applies to every rate)")
    parser.add_argument("--groups", type=int, default=d.groups,
                        help=f"A: kecamatan groups each rate's reports are spread over (default {d.groups})")
    parser.add_argument("--burst", type=int, default=d.burst,
                        help=f"B: reports submitted at once for one kecamatan group (default {d.burst}; 0 skips B)")
    parser.add_argument("--pacer-limit", type=int, default=d.pacer_limit,
                        help=f"messages per minute per group the outbox allows itself (default {d.pacer_limit}, "
                             "the real limit; lower it to see more digests; the window stays 60 s)")
    parser.add_argument("--pin", action="store_true",
                        help="the reporters share a GPS point: every alert also has a map pin (default: picker only)")
    parser.add_argument("--photo-kib", type=int, default=d.photo_kib,
                        help=f"size of each reporter's evidence photo (default {d.photo_kib})")
    parser.add_argument("--phase-timeout", type=float, default=d.phase_timeout,
                        help=f"seconds each phase may take until the outbox is empty (default {d.phase_timeout:g})")
    parser.add_argument("--startup-timeout", type=float, default=d.startup_timeout,
                        help=f"seconds for the bot to start long polling (default {d.startup_timeout:g})")
    parser.add_argument("--keep", action="store_true", help="keep the temp dir (database, evidence, bot log)")
    parser.add_argument("--quiet", action="store_true", help="no progress lines on stderr")
    args = parser.parse_args(argv)
    rates, seconds = tuple(args.rates), tuple(args.seconds)
    if len(seconds) == 1 or not rates:
        seconds = seconds[:1] * len(rates)
    if len(seconds) != len(rates):
        parser.error("--seconds needs one value, or one per rate")
    if any(r <= 0 for r in rates) or any(t <= 0 for t in seconds) or args.burst < 0 or (not rates and not args.burst):
        parser.error("rates and seconds must be > 0, --burst ≥ 0, and not both A and B skipped")
    if rates and args.groups < 1:
        parser.error("--groups must be ≥ 1")
    if args.pacer_limit < 1:
        parser.error("--pacer-limit must be ≥ 1")
    return AlertOptions(
        rates=rates, seconds=seconds, groups=args.groups if rates else 0, burst=args.burst,
        pacer_limit=args.pacer_limit, photo_kib=max(1, args.photo_kib), pin=args.pin,
        phase_timeout=args.phase_timeout, startup_timeout=args.startup_timeout, keep=args.keep, quiet=args.quiet,
    )


def floats(text: str) -> tuple[float, ...]:
    return tuple(float(part) for part in text.split(",") if part.strip())


# ---------------------------------------------------------------------------------------------- reporters


@dataclass(eq=False)
class Sim:
    """One simulated reporter whose draft waits at the review step."""

    user_id: int
    index: int
    region: Region
    group: Group | None = None
    review: dict[str, Any] = field(default_factory=dict)  # the review message in the fake, with its buttons
    injected: float = math.nan  # monotonic time of the press on "Kirim laporan"


def kecamatans(regions: RegionDirectory, count: int) -> list[Region]:
    """`count` distinct kecamatan of Jambi province, Kota Jambi's first."""
    cities = sorted(regions.children(PROVINCE), key=lambda r: (r.code != "15.71", r.code))
    found = [k for city in cities for k in regions.children(city.code) if k.level == 3]
    if len(found) < count:
        raise BenchFailure(f"only {len(found)} kecamatan in province {PROVINCE}; asked for {count} groups")
    return found[:count]


def photo_bytes(user_id: int, kib: int) -> bytes:
    head = b"\xff\xd8\xff\xe0 pantau alert bench photo of user " + str(user_id).encode() + b"\n"
    body = (head * (kib * 1024 // len(head) + 1))[: kib * 1024]
    return body


def settings_for(workspace: Workspace) -> Settings:
    return Settings(  # type: ignore[call-arg]
        _env_file=None,
        telegram_bot_token=workspace.fake.token,
        telegram_api_base_url=workspace.fake.base_url,
        telegram_file_base_url=workspace.fake.file_base_url,
        database_path=workspace.db_path,
        evidence_dir=workspace.evidence_dir,
        boundaries_file=None,
        region_scope=None,
        admin_chat_id=None,
        default_locale="id",
    )


async def prepare_drafts(
    services: Services, helper: Bot, fake: FakeTelegram, sims: list[Sim], options: AlertOptions
) -> None:
    """Each reporter's draft at the review step, through the service layer (what the handlers call), with one
    photo they "sent" (uploaded to the fake, so that its file_id is real), and the review message with the
    "Kirim laporan" button in their chat."""
    intake = services.intake
    gate = asyncio.Semaphore(16)

    async def one(sim: Sim) -> None:
        uid = sim.user_id
        async with gate:
            fake.ensure_chat(uid, "private", first_name="Warga")
            content = photo_bytes(uid, options.photo_kib)
            upload = await helper.send_photo(uid, content)
            photo = upload.photo[-1]
            d = await intake.start(uid, uid, 1)
            d = await intake.set_category(d, 2, CATEGORIES[sim.index % len(CATEGORIES)])
            d = await intake.set_chronology(d, 3, CHRONOLOGY)
            d = await intake.set_when_button(d, 4, "today")
            if options.pin:  # as report_where does with a shared location, before the region is set
                lat, lon = -1.6101 + (sim.index % 100) * 1e-4, 103.6131
                d.answers = d.answers.model_copy(update={"latitude": lat, "longitude": lon})
            d = await intake.set_region(d, 5, sim.region.code, "gps" if options.pin else "picker")
            d = await intake.set_place(d, 6, None)
            d = await intake.set_party(d, 7, None)
            await intake.add_evidence(
                d, 8, kind="photo", file_id=photo.file_id, unique_id=photo.file_unique_id, size=photo.file_size,
                mime_type="image/jpeg", file_name=None, media_group_id=None, content=content, stored="stored",
            )
            d = await intake.answer(d, 9)  # evidence done
            d = await intake.set_witnesses(d, 10, None)
            d = await intake.set_identity(d, 11, True)
            if d.step is not Step.REVIEW:
                raise BenchFailure(f"the draft of user {uid} ended at step {d.step}, not at the review")
            prompt = review(services, d, "id", await intake.drafts.evidence_count(uid))
            sent = await helper.send_message(uid, prompt.text, parse_mode="HTML", reply_markup=prompt.markup)
            stored = fake.message(uid, sent.message_id)
            if stored is None:
                raise BenchFailure(f"the fake lost the review message of user {uid}")
            sim.review = stored

    await asyncio.gather(*(one(sim) for sim in sims))


# ---------------------------------------------------------------------------------------------- observing


@dataclass
class GroupMessage:
    chat_id: int
    at: float  # ApiCall.started
    method: str
    count: int  # messages it put into the chat (an album counts each item)
    codes: list[str]
    message_id: int | None
    reply_to: int | None

    @property
    def kind(self) -> str:
        if self.method == "sendphoto" or self.method == "sendmediagroup":
            return "evidence"
        if self.method == "sendlocation":
            return "pin"
        if self.method == "sendmessage" and len(set(self.codes)) >= 2:
            return "digest"
        if self.method == "sendmessage" and self.codes:
            return "card"
        return "other"


class Tracker:
    """Reads the fake's finished calls as they come: confirmations to reporters, messages to groups."""

    def __init__(self, fake: FakeTelegram, groups: Iterable[int]) -> None:
        self.fake = fake
        self.groups = set(groups)
        self.pos = 0
        self.unfinished: list[ApiCall] = []
        self.confirmed: dict[int, tuple[str, float]] = {}  # reporter chat -> (case code, when)
        self.group_messages: list[GroupMessage] = []
        self.first_seen: dict[str, GroupMessage] = {}  # case code -> first group message naming it
        self.failed: Counter[str] = Counter()

    def poll(self) -> None:
        fresh = self.fake.requests[self.pos:]
        self.pos += len(fresh)
        calls = self.unfinished + fresh
        self.unfinished = [c for c in calls if not c.done]
        for call in calls:
            if call.done:
                self._see(call)

    def _see(self, call: ApiCall) -> None:
        method = call.method.lower()
        if method == "getupdates":
            return
        if not call.ok:
            self.failed[f"{call.method} {call.status} {call.description}"] += 1
            return
        chat = call.chat_id
        if chat is None:
            return
        if chat in self.groups and method in MESSAGE_METHODS:
            result = call.result
            first = result[0] if isinstance(result, list) and result else result
            reply = call.params.get("reply_parameters")
            message = GroupMessage(
                chat_id=chat, at=call.started, method=method,
                count=len(result) if isinstance(result, list) else 1,
                codes=CASE_CODE.findall(text_of_call(call)) if method == "sendmessage" else [],
                message_id=first.get("message_id") if isinstance(first, dict) else None,
                reply_to=reply.get("message_id") if isinstance(reply, dict) else None,
            )
            self.group_messages.append(message)
            for code in message.codes:
                self.first_seen.setdefault(code, message)
        elif chat > 0 and method == "sendmessage":
            match = CONFIRMATION.search(text_of_call(call))
            if match:
                self.confirmed.setdefault(chat, (match.group(1), call.started))

    def missing(self, sims: Iterable[Sim]) -> tuple[int, int]:
        """(reporters without a confirmation yet, confirmed case codes not yet in any group message)."""
        unconfirmed = unseen = 0
        for sim in sims:
            got = self.confirmed.get(sim.user_id)
            if got is None:
                unconfirmed += 1
            elif got[0] not in self.first_seen:
                unseen += 1
        return unconfirmed, unseen


def max_in_window(times: Sequence[float], counts: Sequence[int], window: float = WINDOW) -> tuple[int, float]:
    """The most messages in any half-open window [t, t + window) and where it starts (times ascending)."""
    best, best_at, total, j = 0, math.nan, 0, 0
    for i, start in enumerate(times):
        while j < len(times) and times[j] < start + window:
            total += counts[j]
            j += 1
        if total > best:
            best, best_at = total, start
        total -= counts[i]
    return best, best_at


def busiest(times: Sequence[float], window: float) -> float:
    """The most calls in any window of `window` seconds, per second."""
    return max_in_window(sorted(times), [1] * len(times), window)[0] / window if times else 0.0


def stats(values: Iterable[float]) -> str:
    v = sorted(x for x in values if not math.isnan(x))
    if not v:
        return "n=0"
    return (f"n={len(v):<4} p50 {percentile(v, 50) * 1000:7.0f}  p95 {percentile(v, 95) * 1000:7.0f}  "
            f"max {v[-1] * 1000:7.0f} ms")


# ---------------------------------------------------------------------------------------------- phases


@dataclass
class Phase:
    name: str
    sims: list[Sim]
    rate: float = math.inf  # presses per second (inf: all at once)
    first_seq: int = 0
    last_seq: int = 0
    started: float = 0.0
    injected_in: float = 0.0
    all_codes_at: float = math.nan  # last code's first appearance in a group, relative to `started`
    drained_at: float = math.nan  # outbox empty, relative to `started`
    pending_left: int = 0


class Run:
    def __init__(self, options: AlertOptions, workspace: Workspace, pantau: Pantau, died: asyncio.Task[None]) -> None:
        self.options = options
        self.workspace = workspace
        self.fake = workspace.fake
        self.pantau = pantau
        assert pantau.services is not None
        self.services = pantau.services
        self.died = died
        self.tracker: Tracker | None = None

    def track(self, groups: Iterable[int]) -> Tracker:
        self.tracker = Tracker(self.fake, groups)
        return self.tracker

    async def pending(self) -> int:
        row = await self.services.db.fetchone("SELECT COUNT(*) AS n FROM outbox WHERE status = 'pending'")
        return int(row["n"]) if row else 0

    def _alive(self) -> None:
        if self.died.done():
            self.died.result()  # raises why the bot stopped
            raise BenchFailure("the bot stopped")

    async def submit(self, phase: Phase, rate: float | None) -> None:
        """Press "Kirim laporan" for each reporter of the phase: `rate` per second, or all at once."""
        data = encode(ReportAction.SUBMIT)
        phase.first_seq = self.fake.cursor()
        phase.started = start = time.monotonic()
        for i, sim in enumerate(phase.sims):
            if rate is not None:
                delay = start + i / rate - time.monotonic()
                if delay > 0:
                    await asyncio.sleep(delay)
                self._alive()
            sim.injected = time.monotonic()
            try:
                self.fake.press(sim.user_id, sim.review, data, check=False)  # the button's data also names the draft
            except AssertionError as exc:
                raise BenchFailure(f"cannot press submit for user {sim.user_id}: {exc}") from None
        phase.injected_in = time.monotonic() - start

    async def settle(self, phase: Phase) -> None:
        """Wait until every reporter has a confirmation and every code is in some group message, then until
        the outbox has nothing pending (alerts held back by the pacer included)."""
        assert self.tracker is not None
        deadline = phase.started + self.options.phase_timeout
        last_note = time.monotonic()
        while True:
            self._alive()
            self.tracker.poll()
            unconfirmed, unseen = self.tracker.missing(phase.sims)
            now = time.monotonic()
            if not unconfirmed and not unseen:
                if math.isnan(phase.all_codes_at):
                    last = max(self.tracker.first_seen[self.tracker.confirmed[s.user_id][0]].at for s in phase.sims)
                    phase.all_codes_at = last - phase.started
                pending = await self.pending()
                if pending == 0:
                    phase.drained_at = now - phase.started
                    break
            if now > deadline:
                phase.pending_left = await self.pending()
                if unconfirmed or unseen:
                    raise BenchFailure(
                        f"{phase.name}: after {self.options.phase_timeout:g} s (--phase-timeout) {unconfirmed} reporters "
                        f"have no confirmation and {unseen} case codes are in no group message; outbox pending: "
                        f"{phase.pending_left}")
                break  # all codes arrived; what is still pending is reported
            if not self.options.quiet and now - last_note >= 10:
                last_note = now
                print(f"  [{phase.name}] {now - phase.started:5.0f} s: {len(phase.sims) - unconfirmed}/{len(phase.sims)} "
                      f"confirmed, {len(phase.sims) - unconfirmed - unseen} codes in a group, outbox pending "
                      f"{await self.pending()}", file=sys.stderr, flush=True)
            await asyncio.sleep(0.1)
        phase.last_seq = self.fake.cursor()


# ---------------------------------------------------------------------------------------------- figures


def group_lines(tracker: Tracker, chat_ids: Sequence[int], limit: int, since: float) -> tuple[list[str], list[str]]:
    """Messages to the groups: totals, digests, the busiest 60 s window; and problems found (window over the limit,
    evidence without its card)."""
    lines: list[str] = []
    problems: list[str] = []
    all_msgs = [m for m in tracker.group_messages if m.chat_id in chat_ids]
    phase_msgs = [m for m in all_msgs if m.at >= since]
    kinds: Counter[str] = Counter()
    for m in phase_msgs:
        kinds[m.kind] += m.count
    digests = [m for m in phase_msgs if m.kind == "digest"]
    per_group = Counter(m.chat_id for m in phase_msgs for _ in range(m.count))
    worst, worst_chat, worst_at = 0, 0, math.nan
    for chat in chat_ids:
        msgs = sorted((m for m in all_msgs if m.chat_id == chat), key=lambda m: m.at)
        n, at = max_in_window([m.at for m in msgs], [m.count for m in msgs])
        if n > worst:
            worst, worst_chat, worst_at = n, chat, at
        if n > limit:
            problems.append(f"group {chat} received {n} messages within 60 s (from {at - since:+.1f} s), over {limit}")
    lines.append(f"group messages        {sum(kinds.values())} = " + ", ".join(
        f"{k} {kinds[k]}" for k in ("card", "digest", "evidence", "pin", "other") if kinds[k]))
    if len(chat_ids) > 1:
        counts = [per_group[c] for c in chat_ids]
        lines.append(f"   per group          min {min(counts)}, max {max(counts)}")
    if digests:
        sizes = sorted(len(set(m.codes)) for m in digests)
        lines.append(f"digests               {len(digests)}, case codes per digest: min {sizes[0]}, "
                     f"median {sizes[len(sizes) // 2]}, max {sizes[-1]}")
    else:
        lines.append("digests               0")
    lines.append(f"max in any 60 s       {worst} messages to one group (limit {limit}/min; window from "
                 f"{worst_at - since:+.1f} s, group {worst_chat}; registration and welcome messages included)")
    cards = {(m.chat_id, m.message_id): m for m in phase_msgs if m.kind == "card"}
    photos = [m for m in phase_msgs if m.kind == "evidence"]
    under = [m for m in photos if (m.chat_id, m.reply_to) in cards]
    orphans = len(photos) - len(under)
    if photos or cards:
        delays = [m.at - cards[m.chat_id, m.reply_to].at for m in under]
        lines.append(f"evidence              {len(photos)} photos sent, {len(under)} threaded under their card "
                     f"(card → photo {stats(delays)})" + (f", {orphans} on their own" if orphans else ""))
    return lines, problems


def summary_line(run: Run, phase: Phase) -> str:
    """`alerts rate=R card_p95_s=… reply_p95_s=… visible60_ratio=…` for one phase of A."""
    tracker = run.tracker
    assert tracker is not None
    alert, reply, visible = [], [], 0
    for s in phase.sims:
        code, confirmed_at = tracker.confirmed[s.user_id]
        seen = tracker.first_seen[code].at - s.injected
        alert.append(seen)
        reply.append(confirmed_at - s.injected)
        visible += seen <= WINDOW
    alert.sort()
    reply.sort()
    return (f"alerts rate={phase.rate:g} card_p95_s={percentile(alert, 95):.2f} reply_p95_s={percentile(reply, 95):.2f} "
            f"visible60_ratio={visible / len(phase.sims):.3f}")


def phase_a_lines(run: Run, phase: Phase, chat_ids: Sequence[int]) -> tuple[list[str], list[str]]:
    tracker = run.tracker
    assert tracker is not None
    options = run.options
    sims = phase.sims
    rate = phase.rate
    lines = [
        f"== {phase.name}. alert latency: {len(sims)} reports pressed at {rate:g}/s, spread over {len(chat_ids)} "
        f"kecamatan groups ==",
        f"submits injected      {len(sims)} in {phase.injected_in:.2f} s = "
        f"{(len(sims) - 1) / phase.injected_in if phase.injected_in > 0 else math.inf:.1f}/s",
    ]
    confirm = [tracker.confirmed[s.user_id][1] - s.injected for s in sims]
    alert: list[float] = []
    via: dict[str, list[float]] = {"card": [], "digest": []}
    for s in sims:
        seen = tracker.first_seen[tracker.confirmed[s.user_id][0]]
        alert.append(seen.at - s.injected)
        via[seen.kind].append(seen.at - s.injected)
    lines += [
        f"reporter confirmation {stats(confirm)}   (press → \"Kode kasus\" message)",
        f"alert in the group    {stats(alert)}   (press → first group message naming the code)",
        f"   as its own card    {stats(via['card'])}",
        f"   as a digest line   {stats(via['digest'])}",
        f"all codes in groups   {phase.all_codes_at:.1f} s after the first press; outbox empty after "
        + (f"{phase.drained_at:.1f} s" if not math.isnan(phase.drained_at) else f"— {phase.pending_left} still pending"),
    ]
    glines, problems = group_lines(tracker, chat_ids, options.pacer_limit, phase.started)
    lines += glines
    lines += api_lines(run, phase)
    # While presses and confirmations flow, the reporters' chats alone ask more of the limiter than it allows.
    last_confirmation = max(tracker.confirmed[s.user_id][1] for s in sims)
    users = {s.user_id for s in sims}
    window = [c for c in run.fake.requests[phase.first_seq:phase.last_seq]
              if c.method != "getUpdates" and c.started <= last_confirmation]
    span = last_confirmation - phase.started
    in_chats = sum(1 for c in window if c.chat_id in users)
    limited = sum(1 for c in window if "chat_id" in c.params)
    per_press = in_chats / len(sims)
    lines.append(f"   until the last confirmation ({span:.1f} s): {len(window) / span:.1f} calls/s, "
                 f"{limited / span:.1f}/s with a chat_id; {per_press:.2f} of them per press in the reporter's chat")
    return lines, problems


def phase_b_lines(run: Run, phase: Phase, chat_id: int) -> tuple[list[str], list[str]]:
    tracker = run.tracker
    assert tracker is not None
    sims = phase.sims
    lines = [
        f"== B. burst: {len(sims)} reports pressed at once, all for one kecamatan group ==",
        f"submits injected      {len(sims)} in {phase.injected_in * 1000:.0f} ms",
        f"reporter confirmation {stats(tracker.confirmed[s.user_id][1] - s.injected for s in sims)}",
        f"alert in the group    {stats(tracker.first_seen[tracker.confirmed[s.user_id][0]].at - s.injected for s in sims)}",
    ]
    glines, problems = group_lines(tracker, [chat_id], run.options.pacer_limit, phase.started)
    lines += glines
    codes = {tracker.confirmed[s.user_id][0] for s in sims}
    in_group = {c for m in tracker.group_messages if m.chat_id == chat_id for c in m.codes}
    missing = codes - in_group
    lines.append(f"all codes in the group {phase.all_codes_at:.1f} s after the first press (every case code in a card "
                 f"or a digest line); outbox empty after "
                 + (f"{phase.drained_at:.1f} s" if not math.isnan(phase.drained_at) else
                    f"— {phase.pending_left} still pending"))
    if missing:
        problems.append(f"B: {len(missing)} of {len(codes)} case codes appear in no message to the group")
    else:
        lines.append(f"check                 all {len(codes)} case codes appear in messages to the group")
    lines += api_lines(run, phase)
    return lines, problems


def api_lines(run: Run, phase: Phase) -> list[str]:
    calls = [c for c in run.fake.requests[phase.first_seq:phase.last_seq] if c.method != "getUpdates"]
    if not calls:
        return ["bot API calls         none"]
    span = max(c.started for c in calls) - phase.started
    by_method = Counter(c.method for c in calls)
    chat_times = [c.started for c in calls if "chat_id" in c.params]
    window = 10.0 if span >= 20 else 1.0
    return [
        f"bot API calls         {len(calls)} in {span:.1f} s = {len(calls) / span:.1f}/s; "
        + ", ".join(f"{m} {n}" for m, n in by_method.most_common()),
        f"   with a chat_id     {len(chat_times)} = {len(chat_times) / span:.1f}/s on average, busiest {window:g} s "
        f"{busiest(chat_times, window):.1f}/s (the bot's limiter: {RATE_LIMIT_PER_S} messages/s overall, "
        "20/min per group; edits are not messages)",
    ]


# ---------------------------------------------------------------------------------------------- the run


async def run(options: AlertOptions) -> tuple[list[str], list[str]]:
    """The whole benchmark; returns (figure lines, problems). Raises BenchFailure when no figures can be given."""
    root = Path(tempfile.mkdtemp(prefix="bench-alerts-"))
    keep = options.keep
    lines: list[str] = []
    problems: list[str] = []
    try:
        async with FakeTelegram() as fake:
            workspace = Workspace(root, fake, Options(in_process=True, keep=options.keep, quiet=options.quiet))
            try:
                lines, problems = await _run(options, workspace)
            except BaseException as exc:
                keep = keep or not isinstance(exc, asyncio.CancelledError | KeyboardInterrupt)
                if isinstance(exc, BenchFailure):
                    raise BenchFailure(f"{exc}\n--- last lines of the bot's log ({workspace.log_path}) ---\n"
                                       f"{log_tail(workspace.log_path)}\n--- temp dir kept: {root}") from None
                raise
        problems_in_log = log_problems(workspace.log_path)
        if problems_in_log:
            lines.append(f"bot log               {sum(problems_in_log.values())} warning/error lines:")
            lines.extend(f"   {n:>5} × {line}" for line, n in problems_in_log.most_common(10))
        else:
            lines.append("bot log               no warnings or errors")
        if problems:
            keep = True
            lines.append(f"note                  temp dir kept: {root}")
        summary = [line for line in lines if line.startswith("alerts rate=")]
        return [line for line in lines if not line.startswith("alerts rate=")] + ["", *summary], problems
    finally:
        if not keep:
            shutil.rmtree(root, ignore_errors=True)


async def _run(options: AlertOptions, workspace: Workspace) -> tuple[list[str], list[str]]:
    fake = workspace.fake
    settings = settings_for(workspace)
    began = time.monotonic()
    # 1. Drafts at the review step, written before the bot starts so that its ConversationHandler loads them.
    prep = await create_services(settings)
    try:
        n_a = len(options.rates)
        kecs = kecamatans(prep.regions, options.groups * n_a + (1 if options.burst else 0))
        a_regions = [kecs[i * options.groups : (i + 1) * options.groups] for i in range(n_a)]
        b_region = kecs[options.groups * n_a] if options.burst else None
        sims: list[Sim] = []
        a_sims: list[list[Sim]] = []
        for regions_of_rate, rate, seconds in zip(a_regions, options.rates, options.seconds, strict=True):
            first = len(sims)
            count = max(1, round(rate * seconds))
            a_sims.append([Sim(FIRST_USER_ID + first + i, first + i, regions_of_rate[i % len(regions_of_rate)])
                           for i in range(count)])
            sims += a_sims[-1]
        b_sims: list[Sim] = []
        if b_region is not None:
            first = len(sims)
            b_sims = [Sim(FIRST_USER_ID + first + i, first + i, b_region) for i in range(options.burst)]
            sims += b_sims
        say(options, f"preparing {len(sims)} drafts at the review step …")
        request = HTTPXRequest(connection_pool_size=16)
        async with Bot(fake.token, base_url=fake.base_url, base_file_url=fake.file_base_url, request=request) as helper:
            await prepare_drafts(prep, helper, fake, sims, options)
    finally:
        await prep.db.close()
    prepared = time.monotonic() - began

    # 2. The bot, in this process (log to bot.log in the temp dir).
    holder: list[Pantau] = []

    async def starter(ws: Workspace) -> Stopper:
        pantau = Pantau(settings)
        try:
            await pantau.start(poll_timeout=10)
        except BaseException:
            await pantau.stop()
            raise
        holder.append(pantau)
        return pantau.stop

    summary: list[str] = []
    bot = InProcessBot(starter, workspace)
    await bot.start()
    died = asyncio.create_task(bot.watch())
    try:
        try:
            await fake.wait_polling(timeout=options.startup_timeout)
        except AssertionError:
            raise BenchFailure(f"the bot did not start long polling within {options.startup_timeout:g} s") from None
        runner = Run(options, workspace, holder[0], died)
        services = runner.services
        services.pacer.per_minute = options.pacer_limit
        before = process_usage()

        # 3. One registered group per kecamatan.
        regions = [*(r for rs in a_regions for r in rs), *([b_region] if b_region is not None else [])]
        groups = {r.code: Group(fake, f"Panwascam {r.name}") for r in regions}
        say(options, f"registering {len(groups)} groups …")
        replies = await asyncio.gather(*(g.register(services, code) for code, g in groups.items()))
        for reply, region in zip(replies, regions, strict=True):
            if region.name not in reply:
                raise BenchFailure(f"group registration for {region.path} answered {reply!r}")
        for sim in sims:
            sim.group = groups[sim.region.code]
        tracker = runner.track(g.chat_id for g in groups.values())
        lines = [
            "Pantau alert routing under load (bot in-process: memory and CPU cover bot + fake server + load)",
            f"setup                 {len(sims)} drafts prepared at the review step in {prepared:.1f} s; "
            f"{len(groups)} groups registered via /daftar",
            f"pacer                 {options.pacer_limit} messages/min per group "
            + ("(the real limit)" if options.pacer_limit == GROUP_MESSAGES_PER_MINUTE else
               f"(lowered from {GROUP_MESSAGES_PER_MINUTE} with --pacer-limit)")
            + f", window {WINDOW:g} s; alerts carry 1 photo"
            + (" and a map pin" if options.pin else " (no map pin: region from the picker)"),
        ]
        problems: list[str] = []
        cpu_before = before.cpu

        # 4. A: paced presses over several groups, one phase per rate, each with groups of its own.
        summaries: list[str] = []
        for index, (rate, phase_sims, phase_regions) in enumerate(zip(options.rates, a_sims, a_regions, strict=True)):
            a = Phase(f"A{index + 1}", phase_sims, rate=rate)
            say(options, f"{a.name}: {len(phase_sims)} presses at {rate:g}/s over {len(phase_regions)} groups …")
            await runner.submit(a, rate)
            await runner.settle(a)
            a_lines, a_problems = phase_a_lines(runner, a, [groups[r.code].chat_id for r in phase_regions])
            lines += ["", *a_lines]
            problems += a_problems
            summaries.append(summary_line(runner, a))

        # 5. B: a burst for one group.
        if b_region is not None:
            b = Phase("B", b_sims)
            say(options, f"B: {options.burst} presses at once for {b_region.path} …")
            await runner.submit(b, None)
            await runner.settle(b)
            b_lines, b_problems = phase_b_lines(runner, b, groups[b_region.code].chat_id)
            lines += ["", *b_lines]
            problems += b_problems

        after = process_usage()
        tracker.poll()
        problems += routing_problems(tracker, sims)
        if tracker.failed:
            lines.append("failed API calls      " + "; ".join(f"{n} × {what}" for what, n in tracker.failed.most_common(5)))
        lines += [
            "",
            f"process CPU           {after.cpu - cpu_before:.1f} s during both phases (bot + fake + load, one event loop)",
            f"process memory        peak RSS (VmHWM) {mib(after.peak)}; RSS once polling, before the load {mib(before.rss)}",
            f"wall time             {time.monotonic() - began:.1f} s in total",
        ]
        summary = summaries
    finally:
        died.cancel()
        await asyncio.gather(died, return_exceptions=True)
        await bot.stop()
    db_problems, odd = database_problems(workspace, sims)
    problems += db_problems
    if not problems:
        lines.append(f"check                 {len(sims)} reports in the database, each routed to its kecamatan's group; "
                     "every case code in a message to that group and no other; every 60 s window within the pacer "
                     "limit; outbox all sent")
    lines.extend(f"odd                   {o}" for o in odd)
    lines += summary
    return lines, problems


def routing_problems(tracker: Tracker, sims: list[Sim]) -> list[str]:
    """Every case code must be in its own kecamatan's group and in no other."""
    wrong = 0
    codes = [tracker.confirmed[s.user_id][0] for s in sims if s.user_id in tracker.confirmed]
    problems = []
    if len(set(codes)) != len(codes):
        problems.append(f"{len(codes) - len(set(codes))} case codes were confirmed to more than one reporter")
    where: dict[str, set[int]] = {}
    for m in tracker.group_messages:
        for code in m.codes:
            where.setdefault(code, set()).add(m.chat_id)
    for sim in sims:
        code = tracker.confirmed[sim.user_id][0]
        assert sim.group is not None
        if where.get(code) != {sim.group.chat_id}:
            wrong += 1
    if wrong:
        problems.append(f"{wrong} case codes are not (only) in the group of their kecamatan")
    return problems


def database_problems(workspace: Workspace, sims: list[Sim]) -> tuple[list[str], list[str]]:
    """After the bot stopped: one report per press, routed to its kecamatan, and nothing left in the outbox
    (problems); evidence sent apart from its merged card (odd, but not a failure of the run)."""
    with sqlite3.connect(f"file:{workspace.db_path}?mode=ro", uri=True, timeout=30) as db:
        reports = dict(db.execute("SELECT reporter_user_id, route_level FROM reports").fetchall())
        outbox = dict(db.execute("SELECT status, COUNT(*) FROM outbox GROUP BY status").fetchall())
        split = db.execute(
            "SELECT COUNT(*) FROM outbox p JOIN outbox c ON c.report_id = p.report_id AND c.chat_id = p.chat_id"
            " AND c.kind = 'alert' WHERE p.kind = 'alert_part' AND p.merged_into IS NULL AND p.status = 'sent'"
            " AND p.telegram_message_id IS NOT NULL AND c.merged_into IS NOT NULL").fetchone()[0]
    problems = []
    if len(reports) != len(sims) or any(s.user_id not in reports for s in sims):
        problems.append(f"the database holds {len(reports)} reports for {len(sims)} presses")
    levels = Counter(reports.values())
    if set(levels) - {"kecamatan"}:
        problems.append(f"reports routed by level: {dict(levels)} (expected all to a kecamatan group)")
    left = {k: v for k, v in outbox.items() if k != "sent"}
    if left:
        problems.append(f"outbox items not sent at the end: {left}")
    odd = []
    if split:
        odd.append(f"{split} evidence/pin item(s) were sent to a group on their own, after their report's card had "
                   "been merged into a digest (a digest merges only the parts in the same outbox batch)")
    return problems, odd


def say(options: AlertOptions, text: str) -> None:
    if not options.quiet:
        print(f"  {text}", file=sys.stderr, flush=True)


async def _guarded(main: Callable[[], Awaitable[tuple[list[str], list[str]]]]) -> tuple[list[str], list[str]]:
    """SIGTERM and SIGHUP, like Ctrl-C, cancel the run so that the bot is stopped cleanly."""
    loop = asyncio.get_running_loop()
    task = asyncio.current_task()
    assert task is not None
    signals = (signal.SIGTERM, signal.SIGHUP)
    for sig in signals:
        loop.add_signal_handler(sig, task.cancel)
    try:
        return await main()
    except asyncio.CancelledError:
        raise KeyboardInterrupt from None
    finally:
        for sig in signals:
            loop.remove_signal_handler(sig)


def run_main(argv: Sequence[str] | None = None) -> int:
    options = parse_options(argv)
    try:
        lines, problems = asyncio.run(_guarded(lambda: run(options)))
    except BenchFailure as exc:
        print(f"BENCH FAILED — {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted; the bot was stopped", file=sys.stderr)
        return 130
    print("\n".join(lines))
    if problems:
        print("\nCHECKS FAILED:\n" + "\n".join(f"  - {p}" for p in problems))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(run_main())
