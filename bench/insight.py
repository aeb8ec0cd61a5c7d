"""Insight over a whole province's election (issue 14): /statistik, /peta and an XLSX export over 100,000 stored
cases, while somebody else keeps talking to the bot.

    python -m bench.insight [--reports 100000] [--no-boundaries]

The bot is `python -m bot run`, a subprocess, against the fake Bot API server (in this process, Telegram-like
limits: 30 messages a second, 1 a second per chat, 20 a minute per group), on a database prepared before it starts:
N cases spread over the province of Jambi's kecamatan (15), over 60 days, of every category, a third of them
claimed and a sixth closed, most with a GPS point and an evidence file; a supervisors' group of the province.

Then, one after the other, a member of the group sends /statistik (timed until its album of two charts arrives),
/peta (until the map arrives) and /ekspor, pressing XLSX (until the document arrives). All the while another
person, in a private chat, sends /bantuan every 1.5 s and waits for its answer: their reply times show whether
the bot keeps answering people while it counts, draws and writes.

Printed: each command's seconds, the XLSX's size, the other chat's p50/p95/max reply time, the bot's peak RSS
(VmHWM) and CPU. The last line: `insight reports=100000 stats_s=… map_s=… xlsx_s=… other_p95_s=… peak_rss_mb=…`.
Exit 1 if the bot fails or an answer never comes.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import random
import shutil
import sqlite3
import sys
import tempfile
import time
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

if __package__ in (None, ""):  # run as `python bench/insight.py`
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import MIB, RATE_LIMIT_PER_S, BenchFailure, Options, SubprocessBot, Workspace, percentile, process_usage
from bot.insight.actions import InsightAction
from bot.kernel.callbacks import encode
from bot.regions.directory import RegionDirectory
from bot.reporting.categories import CATEGORIES
from storage.database import Database
from testing.fake_telegram import FakeTelegram
from tests.harness import BOUNDARIES, text_of_call

BOT_ARGV = (sys.executable, "-m", "bot", "--log-level", "INFO", "run")
PROVINCE = "15"  # Jambi
GROUP, SUPERVISOR, OTHER = -1001_555_000_001, 5_100_001, 5_100_002
STATUSES = ["received"] * 3 + ["claimed"] * 2 + ["registered", "forwarded", "done", "rejected", "duplicate"]


def prepare(db_path: Path, n: int, seed: int) -> None:
    """N cases in the province's kecamatan over 60 days (sqlite3 directly: a bulk insert, before the bot starts)."""
    rng = random.Random(seed)
    kecamatan = [k.code for kab in RegionDirectory().children(PROVINCE) for k in RegionDirectory().children(kab.code)]
    now = datetime.now(UTC)
    conn = sqlite3.connect(db_path)
    try:
        reports, events, evidence = [], [], []
        for i in range(1, n + 1):
            region = rng.choice(kecamatan)
            submitted = now - timedelta(minutes=rng.uniform(0, 60 * 24 * 60))
            status = rng.choice(STATUSES)
            located = rng.random() < 0.8
            lat, lon = (-1.6 + rng.uniform(-0.8, 0.8), 103.0 + rng.uniform(-1.5, 1.5)) if located else (None, None)
            reports.append((i, f"PTU-{i:04X}-BNCH"[:13], 6_000_000 + i, 6_000_000 + i, "id", rng.choice(CATEGORIES),
                            "Kronologi " * 20, submitted.date().isoformat(), "Asia/Jakarta", region,
                            "gps" if located else "picker", lat, lon, "Jl. Contoh", "Tim sukses", None, 1,
                            rng.choice(["laporan", "informasi_awal"]), "[]", status,
                            submitted.isoformat(timespec="seconds")))
            if status != "received":
                at = submitted + timedelta(minutes=rng.uniform(5, 600))
                events.append((i, "claim", "received", "claimed", at.isoformat(timespec="seconds")))
            if status in ("done", "rejected", "duplicate"):
                at = submitted + timedelta(hours=rng.uniform(2, 72))
                events.append((i, status if status != "rejected" else "reject", "claimed", status,
                               at.isoformat(timespec="seconds")))
            if rng.random() < 0.7:
                evidence.append((i, "photo", f"file-{i}", f"uniq-{i}", f"{i:064x}", 50_000, "image/jpeg", None,
                                 "stored", submitted.isoformat(timespec="seconds")))
        conn.executemany(
            "INSERT INTO reports (id, case_code, reporter_user_id, reporter_chat_id, locale, category, chronology,"
            " incident_local, timezone, region_code, location_source, latitude, longitude, place_description,"
            " reported_party, witnesses, anonymous, kind, missing, status, submitted_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", reports)
        conn.executemany("INSERT INTO report_events (report_id, action, from_status, to_status, at) VALUES (?, ?, ?, ?, ?)",
                         events)
        conn.executemany(
            "INSERT INTO evidence (report_id, kind, telegram_file_id, telegram_unique_id, sha256, size, mime_type,"
            " file_name, stored, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", evidence)
        conn.execute("INSERT INTO supervisor_groups (chat_id, region_code, role, title, active, registered_by,"
                     " registered_at) VALUES (?, ?, 'supervisors', 'Bawaslu Provinsi Jambi', 1, ?, ?)",
                     (GROUP, PROVINCE, SUPERVISOR, now.isoformat(timespec="seconds")))
        conn.commit()
    finally:
        conn.close()


async def timed(fake: FakeTelegram, act: object, method: str, chat_id: int, contains: str | None,
                timeout: float) -> float:  # noqa: ASYNC109
    mark = fake.cursor()
    started = time.monotonic()
    act()  # type: ignore[operator]
    try:
        call = await fake.wait_for(method, chat_id=chat_id, after=mark, timeout=timeout,
                                   predicate=lambda c: c.ok and (contains is None or contains in text_of_call(c)))
    except AssertionError:
        raise BenchFailure(f"no {method} within {timeout:g} s") from None
    return call.started - started


async def other_person(fake: FakeTelegram, replies: list[float], stop: asyncio.Event) -> None:
    """/bantuan every 1.5 s (Telegram lets a bot send one message a second to a chat), each answer awaited."""
    while not stop.is_set():
        replies.append(await timed(fake, lambda: fake.send_text(OTHER, "/bantuan"), "sendMessage", OTHER, None, 60))
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), 1.5)  # the pace of a person, not a wait for an event


async def run(n: int, boundaries: bool, seed: int, keep: bool) -> dict[str, float]:
    root = Path(tempfile.mkdtemp(prefix="bench-insight-"))
    failed = True
    facts: dict[str, float] = {}
    try:
        async with FakeTelegram() as fake:
            workspace = Workspace(root, fake, Options(boundaries=BOUNDARIES if boundaries else None))
            async with Database(workspace.db_path):
                pass  # the schema, migrated
            print(f"  preparing {n} cases …", file=sys.stderr, flush=True)
            await asyncio.to_thread(prepare, workspace.db_path, n, seed)
            fake.ensure_chat(GROUP, "supergroup", title="Bawaslu Provinsi Jambi")
            fake.member_status(GROUP, SUPERVISOR, "member", announce=False)
            fake.ensure_chat(OTHER)
            fake.enable_limits(per_second=RATE_LIMIT_PER_S, per_chat=1, per_group=20)
            bot = SubprocessBot(BOT_ARGV, workspace)
            env = workspace.bot_env
            workspace.bot_env = lambda: {**env(), "DIGEST_TIME": ""}  # type: ignore[method-assign]
            await bot.start()
            watcher = asyncio.create_task(bot.watch())
            try:
                await fake.wait_polling(timeout=120)
                replies: list[float] = []
                stop = asyncio.Event()
                other = asyncio.create_task(other_person(fake, replies, stop))
                await asyncio.sleep(8)  # the other person's quiet replies first
                quiet = len(replies)
                calm = sorted(replies[:quiet])
                facts["quiet_p95"] = percentile(calm, 95)

                def group_says(text: str) -> None:
                    fake.send_text(SUPERVISOR, text, chat_id=GROUP, chat_type="supergroup",
                                   title="Bawaslu Provinsi Jambi")

                facts["stats_s"] = await timed(fake, lambda: group_says("/statistik"), "sendMediaGroup", GROUP, None, 600)
                if boundaries:
                    facts["map_s"] = await timed(fake, lambda: group_says("/peta"), "sendPhoto", GROUP, None, 600)
                await timed(fake, lambda: group_says("/ekspor"), "sendMessage", GROUP, "Ekspor kasus", 120)
                menu = next(m for m in reversed(fake.messages_to(GROUP)) if "Ekspor kasus" in str(m.get("text")))
                xlsx = encode(InsightAction.EXPORT, "xlsx")
                facts["xlsx_s"] = await timed(fake, lambda: fake.press(SUPERVISOR, menu, xlsx, check=False),
                                              "sendDocument", GROUP, None, 900)
                document = next(c for c in reversed(fake.calls("sendDocument", chat_id=GROUP)) if c.ok)
                facts["xlsx_mb"] = len(document.params["document"]) / MIB
                stop.set()
                await other
                busy = sorted(replies[quiet:])
                facts["other_n"] = len(busy)
                facts["other_p50"], facts["other_p95"] = percentile(busy, 50), percentile(busy, 95)
                facts["other_max"] = busy[-1] if busy else float("nan")
                assert bot.proc is not None
                usage = process_usage(bot.proc.pid)
                facts["peak_rss"], facts["cpu_s"] = usage.peak, usage.cpu
            finally:
                watcher.cancel()
                await asyncio.gather(watcher, return_exceptions=True)
            remarks = await bot.stop()
            if remarks:
                raise BenchFailure("; ".join(remarks))
        failed = False
        return facts
    finally:
        if failed or keep:
            print(f"  temp dir kept: {root}", file=sys.stderr)
        else:
            shutil.rmtree(root, ignore_errors=True)


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    p.add_argument("--reports", type=int, default=100_000)
    p.add_argument("--no-boundaries", action="store_true", help="no /peta (without ../shared/data's boundaries)")
    p.add_argument("--seed", type=int, default=14)
    p.add_argument("--keep", action="store_true", help="keep the temp dir (database, bot log)")
    a = p.parse_args(argv)
    boundaries = not a.no_boundaries and BOUNDARIES.exists()
    try:
        facts = asyncio.run(run(a.reports, boundaries, a.seed, a.keep))
    except BenchFailure as exc:
        print(f"insight: FAILED: {exc}", file=sys.stderr)
        return 1
    map_s = facts.get("map_s", float("nan"))
    print(f"insight: {a.reports} cases of the province of Jambi, one supervisors' group of the province")
    print(f"  /statistik until its two charts: {facts['stats_s']:.2f} s")
    print(f"  /peta until its map: {map_s:.2f} s" + ("" if boundaries else " (no boundaries file)"))
    print(f"  /ekspor XLSX until the document: {facts['xlsx_s']:.2f} s ({facts['xlsx_mb']:.1f} MiB)")
    print(f"  another person's /bantuan meanwhile: n={facts['other_n']:.0f}  p50 {facts['other_p50']:.3f} s"
          f"  p95 {facts['other_p95']:.3f} s  max {facts['other_max']:.3f} s (before: p95 {facts['quiet_p95']:.3f} s)")
    print(f"  bot CPU {facts['cpu_s']:.0f} s, peak RSS {facts['peak_rss'] / MIB:.0f} MiB")
    print(f"insight reports={a.reports} stats_s={facts['stats_s']:.2f} map_s={map_s:.2f} xlsx_s={facts['xlsx_s']:.2f} "
          f"other_p95_s={facts['other_p95']:.3f} peak_rss_mb={facts['peak_rss'] / MIB:.0f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
