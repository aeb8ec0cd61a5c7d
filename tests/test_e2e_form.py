"""The reporter's pre-filled report form over the fake Bot API: the 📄 button under the confirmation and /status,
the PDF uploaded (rendered when sent, from the database), once per press, and nobody else's."""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader

from bot.app import Pantau
from bot.kernel.callbacks import encode
from bot.reporting.form_actions import FormAction
from storage.database import Database
from storage.delivery.inbox import InboxRepository
from testing.fake_telegram import ApiCall, FakeTelegram
from tests.harness import CHRONOLOGY, ProcessedUpdates, Reporter, give_identity, outbox_idle, run_steps, services_of

PHOTO = b"\x89PNG evidence of the envelopes"
LETTER = b"%PDF-1.4 the invitation letter"
BIG = 30 * 1024 * 1024


@pytest.fixture
def processed(monkeypatch: pytest.MonkeyPatch) -> ProcessedUpdates:
    return ProcessedUpdates(monkeypatch)




def pdf_text(call: ApiCall) -> str:
    """The text of the PDF a sendDocument call uploaded, whitespace flattened."""
    document = call.params["document"]
    assert isinstance(document, bytes) and document.startswith(b"%PDF-")
    assert getattr(document, "filename", "").endswith(".pdf")
    return " ".join(" ".join(page.extract_text() for page in PdfReader(io.BytesIO(document)).pages).split())


def documents_to(fake: FakeTelegram, chat_id: int) -> list[ApiCall]:
    return [c for c in fake.calls("sendDocument", chat_id=chat_id) if c.ok]


async def named_report(r: Reporter) -> str:
    """A report with a photo, a document and a file too big for the bot, and the reporter's identity; its code."""
    await run_steps(r, last="place")
    r.say("Budi, tim sukses calon nomor 2")
    await r.expect("Langkah 6 dari 9")
    r.send("photo", PHOTO)
    await r.expect("1 berkas")
    r.send("document", LETTER, file_name="undangan.pdf")
    await r.expect("2 berkas")
    r.send("document", b"", file_name="rekaman.mp4", mime_type="video/mp4", file_size=BIG)
    await r.expect("20 MB")
    await run_steps(r, first="done", last="witnesses")
    await give_identity(r, standing="Pemantau pemilihan")
    r.tap("Kirim laporan")
    code = re.search(r"PTU-[0-9A-Z]{4}-[0-9A-Z]{4}", await r.expect("Kode kasus"))
    assert code is not None
    return code.group(0)


async def test_the_reporter_gets_the_form_once_per_press_and_a_stranger_gets_none(
    fake: FakeTelegram, start_bot: Callable[..., Any], tmp_path: Path, processed: ProcessedUpdates
) -> None:
    pantau: Pantau = await start_bot()
    services = services_of(pantau)
    r = Reporter(fake)
    code = await named_report(r)
    report = await services.reports.by_code(code)
    assert report is not None
    hashes = [e.sha256 for e in await services.reports.evidence_files(report.id) if e.sha256]
    assert len(hashes) == 2

    # The confirmation carries the button; pressing it uploads the form to the reporter's chat.
    press = r.tap("Formulir laporan (PDF)")
    await r.expect_alert("disiapkan")
    call = await fake.wait_for("sendDocument", chat_id=r.user_id, after=r.mark, predicate=lambda c: c.ok)
    assert code in str(call.params.get("caption"))
    text = pdf_text(call)
    assert "FORMULIR LAPORAN DUGAAN PELANGGARAN" in text
    assert code in text and CHRONOLOGY in text and "Politik uang" in text
    assert "Siti Aminah" in text and "Jl. Gatot Subroto No. 5, Jambi" in text and "+6281234567890" in text
    assert "Budi, tim sukses calon nomor 2" in text and "Pasar Jambi, Kota Jambi, Jambi (WIB)" in text
    for sha256 in hashes:
        assert f"SHA-256: {sha256}" in text
    assert "undangan.pdf" in text and "rekaman.mp4" in text and "lebih dari 20 MB" in text
    assert "Tempat, tanggal lahir" in text and "Tanda tangan pelapor" in text
    assert "Pemantau pemilihan" in text and "Pemantau pemilu" not in text  # the standing chosen, in Pilkada's words
    assert "informasi awal" not in text  # a laporan
    log = await services.reports.access_log(report.id)
    assert [(entry["accessor"], entry["purpose"]) for entry in log] == [("reporter", "form")]

    # The press delivered again after a restart (as after a kill before Telegram heard it was taken): the
    # handler runs again and sends nothing twice.
    await processed.wait(press["update_id"])
    await pantau.stop()
    db = Database(tmp_path / "pantau.sqlite3")
    await db.open()
    await InboxRepository(db).receive(press["update_id"], press)
    await db.close()
    processed.done.discard(press["update_id"])
    pantau = await start_bot()
    services = services_of(pantau)
    await processed.wait(press["update_id"])
    await outbox_idle(services)
    assert len(documents_to(fake, r.user_id)) == 1

    # A stranger forging the button with the reporter's code is told the code is unknown, and gets nothing.
    stranger = Reporter(fake, first_name="Joko")
    stranger.say("/laporansaya")
    await stranger.expect("belum punya laporan")
    message = fake.messages_to(stranger.user_id)[-1]
    forged = stranger.press(message, encode(FormAction.FORM, code))
    await stranger.expect("tidak ditemukan di antara laporan Anda")
    await processed.wait(forged["update_id"])
    await outbox_idle(services)
    assert documents_to(fake, stranger.user_id) == []
    assert len(documents_to(fake, r.user_id)) == 1
    assert len(await services.reports.access_log(report.id)) == 1


async def test_status_offers_the_form_rendered_as_the_report_is_when_sent(fake: FakeTelegram, bot: Pantau) -> None:
    """/status shows the button too; the form is made when it is sent, in the reporter's language then, so an
    identity erased after the report was made gives blank lines."""
    services = services_of(bot)
    r = Reporter(fake)
    code = await named_report(r)
    report = await services.reports.by_code(code)
    assert report is not None
    async with services.db.transaction() as conn:  # as an erasure of the reporter's identity would
        await conn.execute("DELETE FROM reporter_identities WHERE report_id = ?", (report.id,))
    r.say("/bahasa")
    await r.expect("Pilih bahasa")
    r.tap("English")
    await r.expect("Language switched to English.")
    r.say(f"/status {code.lower()}")
    await r.expect(f"Report {code}")
    r.tap("Report form (PDF)")
    call = await fake.wait_for("sendDocument", chat_id=r.user_id, after=r.mark, predicate=lambda c: c.ok)
    text = pdf_text(call)
    assert "REPORT OF A SUSPECTED ELECTION VIOLATION" in text and code in text and CHRONOLOGY in text
    assert "Siti Aminah" not in text and "Gatot Subroto" not in text
    assert "Name" in text and "Address" in text and "Place and date of birth" in text
    # Without its identity it is handled as informasi awal from now on (as /status says): the form tells how to
    # make it a laporan.
    assert "received as initial information (informasi awal), not as a formal report (laporan)" in text
    assert "cannot itself become a formal report" in text and "with your identity card (KTP)" in text
    assert await services.reports.access_log(report.id) != []  # the read was logged, though it found nothing
