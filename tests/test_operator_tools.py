"""Operators' command-line tools: identity look-up is logged; exports never carry identities; a case's original
evidence is copied under the case's name with a manifest, and the copy is logged."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import stat
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from bot.app import Pantau
from bot.operators.tools import OperatorError, evidence_extension, export_evidence, export_reports, show_identity
from storage.database import Database
from storage.reporting.reports import ReportRepository
from testing.fake_telegram import FakeTelegram
from tests.harness import ProcessedUpdates, Reporter, case_codes_sent, run_steps

PHOTO = b"\x89PNG photo of the envelopes"
LETTER = b"%PDF-1.4 letter with an author in its metadata"


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


async def _report_with_files(fake: FakeTelegram, r: Reporter) -> str:
    """An anonymous report with a photo, a PDF named after the reporter, and a file too big for the bot."""
    await run_steps(r, last="party")
    r.send("photo", PHOTO)
    await r.expect("1 berkas")
    r.send("document", LETTER, file_name="KTP_Siti_Aminah.pdf")
    await r.expect("2 berkas")
    r.send("document", b"", file_name="rekaman Siti.mp4", mime_type="video/mp4", file_size=25 * 1024 * 1024)
    await r.expect("20 MB")
    await run_steps(r, first="done")
    return case_codes_sent(fake, r.user_id)[-1]


async def test_evidence_export_copies_the_originals_under_the_case_name_with_a_manifest_and_logs_it(
    fake: FakeTelegram, start_bot: Callable[..., Any], tmp_path: Path
) -> None:
    pantau: Pantau = await start_bot()
    settings = pantau.settings
    code = await _report_with_files(fake, Reporter(fake))
    target, out = tmp_path / "export" / code, io.StringIO()

    await export_evidence(settings, code.lower(), target, out, operator="operator-jambi")

    photo, letter = f"{code}-1.jpg", f"{code}-2.pdf"
    assert sorted(path.name for path in target.iterdir()) == sorted([photo, letter, "manifest.json"])
    assert (target / letter).read_bytes() == LETTER  # the original, byte for byte
    assert hashlib.sha256((target / photo).read_bytes()).hexdigest() == hashlib.sha256(PHOTO).hexdigest()
    assert stat.S_IMODE((target / letter).stat().st_mode) == 0o600
    manifest = json.loads((target / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["case_code"] == code and manifest["exported_by"] == "operator:operator-jambi"
    first, second, third = manifest["files"]
    assert (first["file"], first["kind"], first["original_name"]) == (photo, "photo", None)
    assert first["sha256"] == hashlib.sha256(PHOTO).hexdigest() and first["size"] == len(PHOTO)
    assert (second["file"], second["original_name"], second["mime_type"]) == (letter, "KTP_Siti_Aminah.pdf",
                                                                              "application/pdf")
    assert second["sha256"] == hashlib.sha256(LETTER).hexdigest() and second["received_at"].endswith("+07:00")
    assert third["file"] is None and third["stored"] == "too_big" and third["original_name"] == "rekaman Siti.mp4"
    assert "never stored" in third["note"]
    printed = out.getvalue()
    assert photo in printed and letter in printed and "too big" in printed and "Siti" not in printed
    assert "2 copied" in printed and "access logged for operator:operator-jambi: evidence export" in printed

    assert pantau.services is not None
    report = await pantau.services.reports.by_code(code)
    assert report is not None
    log = await pantau.services.reports.access_log(report.id)
    assert [(e["accessor"], e["purpose"]) for e in log] == [("operator:operator-jambi", "evidence export")]

    # A second export into the same folder overwrites nothing (and is refused before it is logged).
    with pytest.raises(OperatorError, match="exists already"):
        await export_evidence(settings, code, target, io.StringIO(), operator="operator-jambi")
    assert len(await pantau.services.reports.access_log(report.id)) == 1

    # A folder that cannot be made (under a file): a one-line refusal, and no access logged for nothing copied.
    (tmp_path / "a-file").write_text("x")
    with pytest.raises(OperatorError, match="cannot create"):
        await export_evidence(settings, code, tmp_path / "a-file" / "out", io.StringIO(), operator="operator-jambi")
    assert len(await pantau.services.reports.access_log(report.id)) == 1


async def test_evidence_export_refuses_an_unknown_or_malformed_code_and_a_file_for_a_folder(
    start_bot: Callable[..., Any], tmp_path: Path
) -> None:
    pantau: Pantau = await start_bot()
    with pytest.raises(OperatorError, match="no report PTU-7KQ2-M9XD"):
        await export_evidence(pantau.settings, "PTU-7KQ2-M9XD", tmp_path / "out", io.StringIO())
    with pytest.raises(OperatorError, match="not a case code"):
        await export_evidence(pantau.settings, "../../etc", tmp_path / "out", io.StringIO())
    (tmp_path / "a-file").write_text("x")
    with pytest.raises(OperatorError, match="not a folder"):
        await export_evidence(pantau.settings, "PTU-7KQ2-M9XD", tmp_path / "a-file", io.StringIO())
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(("mime_type", "kind", "extension"), [
    ("image/jpeg", "document", "jpg"), ("application/pdf", "document", "pdf"), ("video/mp4", "video", "mp4"),
    ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", "document", "docx"),
    ("IMAGE/PNG; charset=x", "document", "png"), (None, "photo", "jpg"), (None, "video", "mp4"),
    (None, "document", "bin"), ("application/x-../../evil", "document", "bin"), ("text/x-unknown", "document", "bin"),
])
def test_an_exported_file_is_named_by_its_type_never_by_what_the_reporter_called_it(
    mime_type: str | None, kind: str, extension: str
) -> None:
    assert evidence_extension(mime_type, kind) == extension
