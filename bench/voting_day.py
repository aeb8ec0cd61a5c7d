"""Voting day's busiest hour: N TPS watchers each answering the opening checklist and sending a results photo.

    python -m bench.voting_day [--volunteers 2000] [--minutes 10] [--think 2.0]

The fake Bot API server (in this process) has Telegram-like limits: 30 messages a second overall, 1 a second per
chat, 20 a minute per group (testing/fake_telegram/limits.py). The bot is `python -m bot run`, a subprocess, on a
database prepared before it starts: N TPS of Pasar Jambi (20 per desa), N verified volunteers each watching one,
and the opening checklist queued to all of them (TpsService.push_due at 07:01 WIB of VOTING_DAY, as the job does
at that time), so the bot begins with N checklist messages to send, at 30 a second.

Each volunteer starts at a random moment (seeded) within the first --minutes less two, waits for their checklist,
then answers its four questions, sends /hasil, presses the first contest and sends a photo, thinking --think
seconds (±50 %) before each act, as a person reads and taps. Every act is acknowledged by the bot: a press by
the edit of its message (the next question; Telegram also gets the press's answer, not counted here), /hasil by
its reply, the contest by its edit, the photo by its "received" reply. An acknowledgement's time is from the
moment the act was injected into the fake to the moment the acknowledging request reached the fake.

What one checklist answer costs: one answerCallbackQuery and one editMessageText, neither of them a message in
Telegram's 30 a second (edits and answers are not sends); /hasil's reply and the photo's reply are one message
each; the checklist itself is one (BULK: people's replies go first).

Printed: the share of acknowledgements within 5 s, p50/p95/max, per kind; messages sent and 429s; the bot's peak
RSS (VmHWM) and CPU. The last line, read by other tools:
`voting_day volunteers=2000 ack5s_ratio=0.99 p95_s=1.2 peak_rss_mb=150`. Exit 1 if the bot fails or an act is
never acknowledged within --ack-timeout.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import random
import shutil
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as `python bench/voting_day.py`
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import (
    MIB,
    RATE_LIMIT_PER_S,
    BenchFailure,
    Options,
    SubprocessBot,
    Workspace,
    log_problems,
    percentile,
    process_usage,
)
from bot.kernel.callbacks import encode
from bot.regions.directory import RegionDirectory
from bot.tps.actions import TpsAction
from bot.tps.checklist import QUESTIONS, Checkpoint
from bot.tps.service import TpsService
from storage.database import Database
from storage.tps.stations import TpsRepository
from testing.fake_telegram import ApiCall, FakeTelegram
from tests.broadcast_seed import add_verified, volunteer_services
from tests.harness import text_of_call

FIRST_VOLUNTEER = 5_000_001
VOTING_DAY = date(2026, 12, 9)
OPENING = datetime(2026, 12, 9, 0, 1, tzinfo=UTC)  # 07:01 WIB
BOT_ARGV = (sys.executable, "-m", "bot", "--log-level", "INFO", "run")
KECAMATAN = "15.71.04"  # Pasar Jambi
PER_DESA = 20
ACK_S = 5.0


@dataclass(frozen=True)
class VotingDayOptions:
    volunteers: int = 2000
    minutes: float = 10.0
    think: float = 2.0
    ack_timeout: float = 120.0
    startup_timeout: float = 60.0
    seed: int = 13
    keep: bool = False
    quiet: bool = False


def parse_options(argv: Sequence[str] | None) -> VotingDayOptions:
    d = VotingDayOptions()
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    p.add_argument("--volunteers", type=int, default=d.volunteers, help=f"TPS watchers (default {d.volunteers})")
    p.add_argument("--minutes", type=float, default=d.minutes,
                   help=f"the window in which they all act (default {d.minutes:g}; at least 3)")
    p.add_argument("--think", type=float, default=d.think, help=f"seconds before each act (default {d.think:g}, ±50 %%)")
    p.add_argument("--ack-timeout", type=float, default=d.ack_timeout, help="seconds an act may wait for its ack")
    p.add_argument("--startup-timeout", type=float, default=d.startup_timeout)
    p.add_argument("--seed", type=int, default=d.seed)
    p.add_argument("--keep", action="store_true", help="keep the temp dir (database, bot log)")
    p.add_argument("--quiet", action="store_true", help="no progress lines on stderr")
    a = p.parse_args(argv)
    if a.volunteers < 1 or a.minutes < 3:
        raise SystemExit("--volunteers must be at least 1 and --minutes at least 3")
    return VotingDayOptions(a.volunteers, a.minutes, a.think, a.ack_timeout, a.startup_timeout, a.seed, a.keep, a.quiet)


def say(options: VotingDayOptions, text: str) -> None:
    if not options.quiet:
        print(text, file=sys.stderr, flush=True)


@dataclass
class Figures:
    acks: dict[str, list[float]] = field(default_factory=dict)  # kind -> seconds
    done: int = 0

    def add(self, kind: str, seconds: float) -> None:
        self.acks.setdefault(kind, []).append(seconds)

    def all(self) -> list[float]:
        return sorted(s for values in self.acks.values() for s in values)


async def prepare(db_path: Path, users: list[int]) -> None:
    """N TPS (20 a desa), N verified volunteers each watching one, and the opening checklist queued to them all."""
    regions = await asyncio.to_thread(RegionDirectory)
    async with Database(db_path) as db:
        volunteers = volunteer_services(db, regions)
        await add_verified(volunteers, db, users, region=KECAMATAN)
        tps = TpsService(TpsRepository(db), regions, volunteers, voting_day=VOTING_DAY)
        rows = ["kode_desa,nama_desa,tps,alamat,pemilih"]
        rows += [f"{KECAMATAN}.{1001 + n // PER_DESA},Desa {1 + n // PER_DESA},{1 + n % PER_DESA},Jl. Contoh {n},250"
                 for n in range(len(users))]
        catalogue = tps.read("\n".join(rows) + "\n")
        if catalogue.errors:
            raise BenchFailure(f"the bench's own TPS list is bad: {catalogue.errors[:3]}")
        await tps.import_catalogue(catalogue)
        stations = [s for code, _, _ in await tps.repo.desas(KECAMATAN) for s in await tps.repo.in_desa(code)]
        for user_id, station in zip(users, stations, strict=True):
            await tps.repo.adopt(station.id, user_id, "primary", per_person=1, per_tps=2)

        async def indonesian(user_id: int) -> str:
            return "id"

        queued = await tps.push_due(OPENING, indonesian)
        if queued != len(users):
            raise BenchFailure(f"{queued} checklists queued for {len(users)} watchers")


async def volunteer(fake: FakeTelegram, user_id: int, options: VotingDayOptions, rng: random.Random,
                    figures: Figures) -> None:
    start = rng.uniform(0, (options.minutes - 2) * 60)
    thinks = [options.think * rng.uniform(0.5, 1.5) for _ in range(8)]
    await asyncio.sleep(start)  # the load's shape: people arrive over the window (not a wait for an event)
    try:
        checklist: ApiCall = await fake.wait_for("sendMessage", chat_id=user_id, after=0, timeout=options.minutes * 60,
                                                 predicate=lambda c: c.ok and "Pembukaan TPS" in text_of_call(c))
    except AssertionError:  # the fake's "never came" (a timeout)
        raise BenchFailure(f"volunteer {user_id} never got the opening checklist") from None
    message = checklist.result
    tps_id = _tps_of(checklist.params["reply_markup"])
    questions = QUESTIONS[Checkpoint.OPENING]

    async def act(kind: str, inject: Any, methods: tuple[str, ...], contains: str) -> None:
        mark = fake.cursor()
        injected = time.monotonic()
        inject()
        try:
            call = await fake.wait_for(methods, chat_id=user_id, after=mark, timeout=options.ack_timeout,
                                       predicate=lambda c: c.ok and contains in text_of_call(c))
        except AssertionError:  # the fake's "never came" (a timeout)
            raise BenchFailure(f"volunteer {user_id}: {kind} not acknowledged within {options.ack_timeout:g} s"
                               ) from None
        figures.add(kind, call.started - injected)

    for index in range(len(questions)):
        await asyncio.sleep(thinks[index])
        data = encode(TpsAction.ANSWER, f"{tps_id}:{Checkpoint.OPENING.value}:{index}:{'y' if index < 3 else 'n'}")
        expected = f"Pertanyaan {index + 2} dari" if index + 1 < len(questions) else "jawaban Anda tercatat"
        await act("answer", lambda data=data: fake.press(user_id, message, data, check=False),
                  ("editMessageText",), expected)
    await asyncio.sleep(thinks[4])
    await act("command", lambda: fake.send_text(user_id, "/hasil"), ("sendMessage",), "Foto C.Hasil mana")
    menu = next(c for c in reversed(fake.calls("sendMessage", chat_id=user_id)) if "Foto C.Hasil mana" in text_of_call(c))
    await asyncio.sleep(thinks[5])
    contest = encode(TpsAction.RESULT, f"{tps_id}:governor")
    await act("contest", lambda: fake.press(user_id, menu.result, contest, check=False), ("editMessageText",),
              "Kirim sekarang")
    await asyncio.sleep(thinks[6])
    await act("photo", lambda: fake.send_photo(user_id, b"\x89PNG C.Hasil " + str(user_id).encode()),
              ("sendMessage",), "diterima dan disimpan")
    figures.done += 1


def _tps_of(markup: Any) -> int:
    """The TPS a checklist's buttons name (their data: "1|tpa|<TPS id>:opening:0:y")."""
    markup = json.loads(markup) if isinstance(markup, str) else markup
    data = markup["inline_keyboard"][0][0]["callback_data"]
    return int(str(data).split("|")[2].split(":")[0])


async def run(options: VotingDayOptions) -> tuple[Figures, dict[str, float]]:
    root = Path(tempfile.mkdtemp(prefix="bench-voting-day-"))
    failed = True
    users = list(range(FIRST_VOLUNTEER, FIRST_VOLUNTEER + options.volunteers))
    figures = Figures()
    facts: dict[str, float] = {}
    try:
        async with FakeTelegram() as fake:
            workspace = Workspace(root, fake, Options(boundaries=None))
            for uid in users:
                fake.ensure_chat(uid)
            say(options, f"  preparing {options.volunteers} TPS and watchers …")
            await prepare(workspace.db_path, users)
            limits = fake.enable_limits(per_second=RATE_LIMIT_PER_S, per_chat=1, per_group=20)
            bot = SubprocessBot(BOT_ARGV, workspace)
            env = workspace.bot_env
            workspace.bot_env = lambda: {**env(), "VOTING_DAY": VOTING_DAY.isoformat()}  # type: ignore[method-assign]
            await bot.start()
            watcher = asyncio.create_task(bot.watch())
            rng = random.Random(options.seed)
            started = time.monotonic()
            people = [asyncio.create_task(volunteer(fake, uid, options, random.Random(rng.random()), figures))
                      for uid in users]
            ticker = asyncio.create_task(_progress(options, figures, started))
            try:
                done, _ = await asyncio.wait([watcher, asyncio.gather(*people)], return_when=asyncio.FIRST_COMPLETED)
                for task in done:
                    task.result()  # the bot's exit, or a volunteer whose act was never acknowledged
            finally:
                ticker.cancel()
                for task in [*people, watcher]:
                    task.cancel()
                await asyncio.gather(ticker, watcher, *people, return_exceptions=True)
            facts["wall_s"] = time.monotonic() - started
            assert bot.proc is not None
            usage = process_usage(bot.proc.pid)
            facts["peak_rss"], facts["cpu_s"] = usage.peak, usage.cpu
            remarks = await bot.stop()
            if remarks:
                raise BenchFailure("; ".join(remarks))
            facts["messages"] = sum(1 for c in fake.requests if c.ok and c.method.startswith("send"))
            facts["refused_429"] = len(limits.refused)
            facts["problems"] = sum(log_problems(workspace.log_path).values())
        failed = False
        return figures, facts
    finally:
        if failed or options.keep:
            print(f"  temp dir kept: {root}", file=sys.stderr)
        else:
            shutil.rmtree(root, ignore_errors=True)


async def _progress(options: VotingDayOptions, figures: Figures, started: float) -> None:
    if options.quiet:
        return
    with contextlib.suppress(asyncio.CancelledError):
        while True:
            await asyncio.sleep(30)
            acks = figures.all()
            p95 = percentile(acks, 95) if acks else float("nan")
            say(options, f"  {time.monotonic() - started:5.0f} s: {figures.done}/{options.volunteers} done, "
                         f"{len(acks)} acks, p95 {p95:.2f} s")


def main(argv: Sequence[str] | None = None) -> int:
    options = parse_options(argv)
    try:
        figures, facts = asyncio.run(run(options))
    except BenchFailure as exc:
        print(f"voting_day: FAILED: {exc}", file=sys.stderr)
        return 1
    acks = figures.all()
    if not acks:
        print("voting_day: FAILED: no act was acknowledged", file=sys.stderr)
        return 1
    within = sum(1 for s in acks if s <= ACK_S) / len(acks)
    print(f"voting_day: {options.volunteers} watchers over {options.minutes:g} min (think {options.think:g} s), "
          f"{len(acks)} acknowledgements in {facts['wall_s']:.0f} s")
    for kind, values in sorted(figures.acks.items()):
        values = sorted(values)
        print(f"  {kind:8} n={len(values):5}  p50 {percentile(values, 50):.3f} s  p95 {percentile(values, 95):.3f} s"
              f"  max {values[-1]:.3f} s  within 5 s {sum(1 for s in values if s <= ACK_S) / len(values):.3f}")
    print(f"  messages sent {facts['messages']:.0f} (checklists, replies), 429s {facts['refused_429']:.0f}, "
          f"log problems {facts['problems']:.0f}; bot CPU {facts['cpu_s']:.0f} s, "
          f"peak RSS {facts['peak_rss'] / MIB:.0f} MiB")
    print("  one checklist answer costs 1 answerCallbackQuery + 1 editMessageText (no message in the 30/s); "
          "/hasil and the photo 1 reply message each")
    print(f"voting_day volunteers={options.volunteers} ack5s_ratio={within:.3f} p95_s={percentile(acks, 95):.3f} "
          f"peak_rss_mb={facts['peak_rss'] / MIB:.0f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
