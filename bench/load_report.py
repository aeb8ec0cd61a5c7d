"""Load figures for Pantau: N simulated reporters, each making one whole report against the real bot.

    python -m bench.load_report [--reporters 200] [--concurrency N] [--in-process]

Each reporter does what tests/test_e2e_report.py does, anonymously: /lapor, category, chronology, "today",
learned of it "that day", the region picker (Jambi → Kota Jambi → Pasar Jambi), place, party, one photo +
Done, skip witnesses, anonymous, submit, and waits for the confirmation with the case code (sent by the outbox worker).
Afterwards the database must hold exactly N reports whose case codes are the ones the reporters received.
"""

from __future__ import annotations

import os
import re
import sqlite3
import sys
from collections.abc import Sequence
from pathlib import Path

if __package__ in (None, ""):  # run as `python bench/load_report.py`
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import RATE_LIMIT_PER_S, UNLIMITED_PER_S, BenchFailure, Scenario, Stopper, TimedUser, Workspace, main

CHRONOLOGY = "Tim sukses calon nomor 2 membagikan amplop berisi uang Rp100.000 kepada warga di depan TPS 05."
PLACE = "Depan TPS 05, Jl. Sultan Thaha"
PARTY = "Budi, tim sukses calon nomor 2"
CASE_CODE = re.compile(r"PTU-[0-9A-Z]{4}-[0-9A-Z]{4}")

# (step name, what the reporter types or the label of the button they press), in order. load_echo.py sends
# these same texts to the echo bot, one message per step.
STEPS: tuple[tuple[str, str], ...] = (
    ("/lapor", "/lapor"),
    ("category", "Politik uang"),
    ("chronology", CHRONOLOGY),
    ("when: today", "Hari ini"),
    ("known: that day", "Pada hari kejadian"),
    ("province", "Jambi"),
    ("kabupaten/kota", "Kota Jambi"),
    ("kecamatan", "Pasar Jambi"),
    ("place", PLACE),
    ("party", PARTY),
    ("photo", "📷"),
    ("evidence done", "Selesai"),
    ("skip witnesses", "Lewati"),
    ("anonymous", "Anonim"),
    ("submit", "Kirim laporan"),
)
STEP_NAMES = tuple(name for name, _ in STEPS)


def photo_bytes(user: TimedUser, kib: int) -> bytes:
    """A distinct "photo" per reporter (evidence is stored content-addressed: equal bytes are stored once)."""
    head = b"\x89PNG\r\n\x1a\n" + f"pantau bench photo of user {user.user_id}\n".encode()
    return head + os.urandom(max(0, kib * 1024 - len(head)))


async def converse(u: TimedUser, workspace: Workspace) -> object:
    """One whole anonymous report; returns the case code from the confirmation."""
    s = dict(STEPS)
    await u.step("/lapor", lambda: u.say("/lapor"), "Langkah 1 dari 9")
    await u.step("category", lambda: u.tap(s["category"]), "Langkah 2 dari 9")
    await u.step("chronology", lambda: u.say(CHRONOLOGY), "Langkah 3 dari 9")
    await u.step("when: today", lambda: u.tap(s["when: today"]), "Kapan Anda mengetahui")
    await u.step("known: that day", lambda: u.tap(s["known: that day"]), "Pilih provinsi")
    await u.step("province", lambda: u.tap(s["province"]), "Pilih wilayah di")
    await u.step("kabupaten/kota", lambda: u.tap(s["kabupaten/kota"]), "Kota Jambi, Jambi")
    await u.step("kecamatan", lambda: u.tap(s["kecamatan"]), "Pasar Jambi, Kota Jambi, Jambi", "Langkah 4 dari 9")
    await u.step("place", lambda: u.say(PLACE), "Langkah 5 dari 9")
    await u.step("party", lambda: u.say(PARTY), "Langkah 6 dari 9")
    photo = photo_bytes(u, workspace.options.photo_kib)
    await u.step("photo", lambda: u.send("photo", photo), "1 berkas")
    await u.step("evidence done", lambda: u.tap(s["evidence done"]), "Langkah 7 dari 9")
    await u.step("skip witnesses", lambda: u.tap(s["skip witnesses"]), "Langkah 8 dari 9")
    await u.step("anonymous", lambda: u.tap(s["anonymous"]), "Langkah 9 dari 9")
    (confirmation,) = await u.step("submit", lambda: u.tap(s["submit"]), "Kode kasus")
    code = CASE_CODE.search(confirmation)
    if code is None:
        raise BenchFailure(f"{u}: the confirmation has no case code: {confirmation!r}")
    return code.group(0)


def verify(workspace: Workspace, outcomes: list[object]) -> list[str]:
    """The database (read after the bot stopped) must hold exactly one report per reporter, with the codes
    the reporters were told, and one stored evidence file each."""
    expected = len(outcomes)
    codes = {str(code) for code in outcomes}
    with sqlite3.connect(f"file:{workspace.db_path}?mode=ro", uri=True, timeout=30) as db:
        reports = db.execute("SELECT COUNT(*) FROM reports").fetchone()[0]
        in_db = {row[0] for row in db.execute("SELECT case_code FROM reports")}
        evidence = db.execute("SELECT COUNT(*) FROM evidence").fetchone()[0]
        outbox = dict(db.execute("SELECT status, COUNT(*) FROM outbox GROUP BY status").fetchall())
    check_reports(expected, codes, reports, in_db, evidence)
    stored = sum(1 for p in workspace.evidence_dir.glob("??/*") if not p.name.startswith("."))
    return [
        f"reports created: {reports} in the database == {expected} reporters, case codes identical to the confirmations",
        f"evidence: {evidence} rows, {stored} files on disk; outbox: {outbox}",
    ]


def check_reports(expected: int, codes: set[str], reports: int, in_db: set[str], evidence: int) -> None:
    """Exactly one report per reporter, with the case codes they were told, and one evidence row each."""
    if reports != expected:
        raise BenchFailure(f"REPORT COUNT MISMATCH: the database holds {reports} reports, expected {expected}")
    if len(codes) != expected:
        raise BenchFailure(f"the reporters were told {len(codes)} distinct case codes, expected {expected}")
    if in_db != codes:
        raise BenchFailure(f"case codes differ: {len(codes - in_db)} told but not in the database, "
                           f"{len(in_db - codes)} in the database but never told")
    if evidence != expected:
        raise BenchFailure(f"the database holds {evidence} evidence rows, expected {expected} (one photo each)")


async def start_in_process(workspace: Workspace) -> Stopper:
    from bot.app import Pantau
    from bot.settings import Settings

    settings = Settings(  # type: ignore[call-arg]
        _env_file=None,
        telegram_bot_token=workspace.fake.token,
        telegram_api_base_url=workspace.fake.base_url,
        telegram_file_base_url=workspace.fake.file_base_url,
        database_path=workspace.db_path,
        evidence_dir=workspace.evidence_dir,
        boundaries_file=workspace.options.boundaries,
        telegram_messages_per_second=RATE_LIMIT_PER_S if workspace.options.limited else UNLIMITED_PER_S,
    )
    pantau = Pantau(settings)
    try:
        await pantau.start(poll_timeout=10)
    except BaseException:
        await pantau.stop()
        raise
    return pantau.stop


SCENARIO = Scenario(
    name="pantau",
    title="one whole anonymous report (/lapor … submit, picker Jambi → Kota Jambi → Pasar Jambi, 1 photo), "
          "then the confirmation with the case code",
    steps=STEP_NAMES,
    subprocess_argv=(sys.executable, "-m", "bot", "--log-level", "INFO", "run"),
    start_in_process=start_in_process,
    converse=converse,
    verify=verify,
    notes=(
        "Pantau: PerChatUpdateProcessor(256), SQLite WAL synchronous=FULL, outbox worker sends the confirmation, "
        "PacedRateLimiter(max_retries=2): 30 messages/s overall (send*; edits and callback answers not held "
        "back), replies first; with --no-limiter, TELEGRAM_MESSAGES_PER_SECOND lifts that cap.",
    ),
)


def run_main(argv: Sequence[str] | None = None) -> int:
    return main(SCENARIO, __doc__.splitlines()[0] if __doc__ else "", argv)


if __name__ == "__main__":
    sys.exit(run_main())
