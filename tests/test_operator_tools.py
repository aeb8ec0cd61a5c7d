"""Operators' command-line tools: identity look-up is logged; exports never carry identities."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from bot.app import Pantau
from bot.operators.tools import OperatorError, export_reports, show_identity
from storage.database import Database
from storage.reporting.reports import ReportRepository
from testing.fake_telegram import FakeTelegram
from tests.harness import ProcessedUpdates, Reporter, case_codes_sent, run_steps


async def _identified_report(fake: FakeTelegram, r: Reporter) -> int:
    """A report with the reporter's identity; the update_id of the press that submitted it."""
    await run_steps(r, "start", "witnesses")
    r.tap("Cantumkan identitas")
    await r.expect("Nama lengkap")
    r.say("Rahmat Hidayat")
    await r.expect("Alamat")
    r.say("Jl. Kapten Pattimura 12, Jambi")
    await r.expect("Nomor telepon")
    r.mark = fake.cursor()
    fake.send_contact(r.user_id, "+6281234567890", "Rahmat", contact_user_id=r.user_id)
    await r.expect("Anda melapor sebagai")
    r.tap("Pemilih di daerah ini")
    await r.expect("Langkah 9 dari 9")
    submit = r.tap("Kirim laporan")
    await r.expect("Kode kasus")
    return int(submit["update_id"])


async def test_identity_lookup_is_logged_and_export_has_no_identity(
    fake: FakeTelegram, start_bot: Callable[..., Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    processed = ProcessedUpdates(monkeypatch)
    pantau: Pantau = await start_bot()
    settings = pantau.settings
    r = Reporter(fake)
    submitted = await _identified_report(fake, r)
    (code,) = case_codes_sent(fake, r.user_id)
    assert pantau.services is not None
    draft = await pantau.services.intake.get(r.user_id)
    assert draft is not None and draft.row.status == "submitted"
    assert (draft.answers.name, draft.answers.address, draft.answers.phone) == (None, None, None)
    # The confirmation can arrive before the submitting update's handler returns. Once it is processed (a
    # chat's updates are processed in order, so all the earlier ones are too), the raw updates are gone.
    await processed.wait(submitted)
    assert await pantau.services.inbox.unprocessed() == []  # raw updates (with the name in them) are gone

    out = io.StringIO()
    await show_identity(settings, code.lower(), "verifikasi laporan oleh Gakkumdu", out, operator="operator-jambi")
    assert "Rahmat Hidayat" in out.getvalue() and "+6281234567890" in out.getvalue()
    assert "(contact)" in out.getvalue()

    db = Database(settings.database_path)
    await db.open()
    try:
        reports = ReportRepository(db)
        report = await reports.by_code(code)
        assert report is not None
        log = await reports.access_log(report.id)
    finally:
        await db.close()
    assert [(e["accessor"], e["purpose"]) for e in log] == [("operator-jambi", "verifikasi laporan oleh Gakkumdu")]

    target = tmp_path / "export.csv"
    assert await export_reports(settings, target) == 1
    content = target.read_text(encoding="utf-8")
    assert "Rahmat" not in content and "6281234567890" not in content and "Pattimura" not in content
    (row,) = list(csv.DictReader(io.StringIO(content)))
    assert row["case_code"] == code and row["anonymous"] == "0"


async def test_identity_lookup_refuses_without_purpose_or_unknown_code(
    start_bot: Callable[..., Any],
) -> None:
    pantau: Pantau = await start_bot()
    with pytest.raises(OperatorError, match="purpose"):
        await show_identity(pantau.settings, "PTU-7KQ2-M9XD", "", io.StringIO())
    with pytest.raises(OperatorError, match="no report"):
        await show_identity(pantau.settings, "PTU-7KQ2-M9XD", "checking a case", io.StringIO())
    with pytest.raises(OperatorError, match="not a case code"):
        await show_identity(pantau.settings, "hello", "checking a case", io.StringIO())
