"""Evidence metadata end to end (docs/evidence-metadata.md): a picture sent as a document reaches supervisor
groups as an uploaded copy without EXIF, named after the case, and its EXIF time is on the card; a PDF reaches
them as a copy without its author, XMP, attachments and the EXIF of its pictures; a video sent as a video that
carries its place and device reaches them as an uploaded copy without it (uploaded once), one that carries nothing,
or was too big for the bot, by its file id; a document no such copy can be made of is kept from groups, which are
told; and no file any group is sent, in a report with a video and evidence documents (pictures, a PDF, a Word
document, a QuickTime video) or a task's report-back with a document (and the report made of it), carries
metadata."""

from __future__ import annotations

import hashlib
import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PIL import Image
from pypdf import PdfReader

from bot.app import Pantau
from bot.kernel import mp4_metadata, ooxml_metadata, pdf_metadata
from testing.fake_telegram import FakeTelegram
from tests import document_samples, mp4_samples
from tests import exif_samples as samples
from tests.document_samples import ooxml_carries, pdf_carries
from tests.exif_samples import carries_metadata
from tests.harness import Group, Reporter, case_codes_sent, outbox_idle, run_steps, services_of, text_of_call
from tests.mp4_samples import mp4_carries
from tests.test_e2e_task_answers import _setup

FILE_PARAMS = ("photo", "video", "document", "animation", "audio", "voice", "video_note", "sticker", "thumbnail")
FORWARDS = ("copyMessage", "copyMessages", "forwardMessage", "forwardMessages")  # these carry the original bytes




async def _report_with(r: Reporter, files: list[tuple[str, bytes, dict[str, Any]]]) -> str:
    """The standard report with these evidence files ((kind, bytes, send options) each); its case code."""
    await run_steps(r, "start", "party")
    for n, (kind, content, options) in enumerate(files, start=1):
        r.send(kind, content, **options)
        await r.expect(f"{n} berkas")
    r.tap("Selesai")
    await r.expect("Langkah 7 dari 9")
    await run_steps(r, "witnesses", "submit")
    (code,) = case_codes_sent(r.fake, r.user_id)
    return code


def files_sent_to_groups(fake: FakeTelegram) -> list[tuple[str, bytes]]:
    """Every file the bot put into a group: (how, its bytes), an upload's own bytes, a file id's the bytes the fake
    keeps behind it (a photo's as Telegram re-encodes it). Copying or forwarding a message into a group fails."""
    sent = []
    for call in fake.calls():
        if call.chat_id is None or call.chat_id > 0 or not call.ok:
            continue
        assert call.method not in FORWARDS, f"{call.method} into a group carries the original file: {call.short()}"
        values = [call.params.get(name) for name in FILE_PARAMS]
        for item in call.params.get("media") or []:
            values += [item.get("media"), item.get("thumbnail")] if isinstance(item, dict) else []
        for value in values:
            if isinstance(value, bytes):
                sent.append((f"{call.method} upload {getattr(value, 'filename', '')}", bytes(value)))
            elif isinstance(value, str) and value:
                sent.append((f"{call.method} {value}", fake.file(value).content))
    return sent


def metadata_of(content: bytes) -> list[str]:
    """What a file sent to a group still carries, by the tests' own oracles: EXIF and the like in any file, what a
    PDF or an Office document says of its author (their streams and parts are compressed, so a search of the bytes
    alone would not find it), and a video's place, device, Apple keys, XMP and metadata boxes."""
    found = carries_metadata(content)
    if pdf_metadata.is_pdf(content):
        found += pdf_carries(content)
    elif ooxml_metadata.is_ooxml(content):
        found += ooxml_carries(content, (*document_samples.DOCX_PLANTED, *document_samples.PDF_PLANTED))
    elif content[4:8] == b"ftyp":
        found += mp4_carries(content)
    return found


def assert_no_exif_in_groups(fake: FakeTelegram) -> list[tuple[str, bytes]]:
    sent = files_sent_to_groups(fake)
    carrying = [(how, found) for how, content in sent if (found := metadata_of(content))]
    assert carrying == [], carrying
    return sent


async def test_an_image_sent_as_a_document_reaches_the_group_as_a_copy_without_exif(
    fake: FakeTelegram, start_bot: Callable[..., Any], tmp_path: Path
) -> None:
    services = services_of(await start_bot())
    group = Group(fake, "Panwascam Pasar Jambi")
    await group.register(services, "15.71.04")
    original = samples.jpeg((640, 480), quality=75)
    r = Reporter(fake)
    code = await _report_with(r, [("document", original, {"file_name": "IMG_20261121_Siti_Rahma.jpg",
                                                          "mime_type": "image/jpeg"})])

    card = await fake.wait_for("sendMessage", chat_id=group.chat_id, predicate=lambda c: c.ok and code in text_of_call(c))
    assert "📷 EXIF: diambil 21-11-2026 14:30 WIB" in text_of_call(card)  # the photo's own time, in Jambi's zone
    upload = await fake.wait_for("sendDocument", chat_id=group.chat_id, predicate=lambda c: c.ok)
    assert (upload.params.get("reply_parameters") or {}).get("message_id") == card.result["message_id"]
    document = upload.params["document"]
    assert isinstance(document, bytes), "the group gets an upload, not the reporter's file by its id"
    assert carries_metadata(document) == []
    assert carries_metadata(original)  # (which the original does carry)
    assert getattr(document, "filename", None) == f"{code}-1.jpg"  # not the reporter's file name
    with Image.open(io.BytesIO(document)) as copy:
        assert copy.format == "JPEG" and copy.size == (640, 480)
    assert upload.result["document"]["file_name"] == f"{code}-1.jpg"
    # The original bytes are kept as they were, for custody.
    digest = hashlib.sha256(original).hexdigest()
    assert (tmp_path / "evidence" / digest[:2] / digest).read_bytes() == original
    await outbox_idle(services)
    assert not [c for c in fake.calls(chat_id=group.chat_id) if "IMG_2026" in c.short()]
    assert_no_exif_in_groups(fake)


async def test_a_pdf_sent_as_a_document_reaches_the_group_as_a_copy_without_metadata(
    fake: FakeTelegram, start_bot: Callable[..., Any], tmp_path: Path
) -> None:
    services = services_of(await start_bot())
    group = Group(fake, "Panwascam Pasar Jambi")
    await group.register(services, "15.71.04")
    original = document_samples.pdf(pages=2)
    assert pdf_carries(original)  # its author, XMP, an attached photo, a JPEG with EXIF GPS...
    r = Reporter(fake)
    code = await _report_with(r, [("document", original, {"file_name": "notulen_Siti_Rahma.pdf",
                                                          "mime_type": "application/pdf"})])

    card = await fake.wait_for("sendMessage", chat_id=group.chat_id, predicate=lambda c: c.ok and code in text_of_call(c))
    upload = await fake.wait_for("sendDocument", chat_id=group.chat_id, predicate=lambda c: c.ok)
    assert (upload.params.get("reply_parameters") or {}).get("message_id") == card.result["message_id"]
    document = upload.params["document"]
    assert isinstance(document, bytes), "the group gets an upload, not the reporter's file by its id"
    assert getattr(document, "filename", None) == f"{code}-1.pdf"
    assert upload.result["document"]["file_name"] == f"{code}-1.pdf"
    assert pdf_carries(bytes(document)) == [] and carries_metadata(bytes(document)) == []
    pages = PdfReader(io.BytesIO(bytes(document))).pages
    assert [page.extract_text().strip() for page in pages] == [f"{document_samples.TEXT} halaman {n}" for n in (1, 2)]
    digest = hashlib.sha256(original).hexdigest()
    assert (tmp_path / "evidence" / digest[:2] / digest).read_bytes() == original  # the original, for custody
    await outbox_idle(services)
    assert not [c for c in fake.calls(chat_id=group.chat_id) if "Siti" in c.short() or "notulen" in c.short()]
    assert not [c for c in fake.calls(chat_id=group.chat_id) if c.ok and "disimpan untuk operator" in text_of_call(c)]
    assert_no_exif_in_groups(fake)


async def test_a_document_that_cannot_be_cleaned_is_kept_from_the_group_which_is_told(
    fake: FakeTelegram, start_bot: Callable[..., Any]
) -> None:
    services = services_of(await start_bot())
    group = Group(fake, "Panwascam Pasar Jambi")
    await group.register(services, "15.71.04")
    pdf = document_samples.pdf(pages=1, encrypt=True)  # a PDF with a password: pypdf cannot copy it
    heic = b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + b"Exif\x00\x00 GPS stand-in"
    r = Reporter(fake)
    await run_steps(r, "start", "party")
    r.send("document", pdf, file_name="notulen_siti.pdf")
    await r.expect("1 berkas")
    r.send("document", heic, file_name="IMG_0001.HEIC", mime_type="image/heic")
    await r.expect("2 berkas")
    r.send("document", b"big stand-in", file_name="rekaman.mov", mime_type="video/quicktime",
           file_size=25 * 1024 * 1024)
    await r.expect("lebih dari 20 MB")
    r.tap("Selesai")
    await r.expect("Langkah 7 dari 9")
    await run_steps(r, "witnesses", "submit")
    (code,) = case_codes_sent(fake, r.user_id)

    card = await fake.wait_for("sendMessage", chat_id=group.chat_id, predicate=lambda c: c.ok and code in text_of_call(c))
    told = await fake.wait_for("sendMessage", chat_id=group.chat_id, after=card.seq, predicate=lambda c: c.ok)
    assert (told.params.get("reply_parameters") or {}).get("message_id") == card.result["message_id"]
    text = text_of_call(told)
    assert "2 berkas disimpan untuk operator" in text and "1 berkas tidak diterima bot" in text
    assert "Siti" not in text and "notulen" not in text
    await outbox_idle(services)
    group_methods = {c.method for c in fake.calls(chat_id=group.chat_id) if c.ok}
    assert not group_methods & {"sendDocument", "sendMediaGroup", "sendVideo", "sendPhoto"}, group_methods
    assert files_sent_to_groups(fake) == []


async def test_a_video_with_metadata_reaches_groups_as_a_copy_without_it_uploaded_once(
    fake: FakeTelegram, start_bot: Callable[..., Any], tmp_path: Path
) -> None:
    services = services_of(await start_bot())
    groups = [Group(fake, "Panwascam Pasar Jambi"), Group(fake, "Panwascam Pasar Jambi 2")]
    for group in groups:
        await group.register(services, "15.71.04")
    sample = mp4_samples.video(moov_last=True)  # the place as ©xyz and loci, Apple's keys, XMP, a GPS track
    original = sample.content
    r = Reporter(fake)
    code = await _report_with(r, [("video", original, {})])

    calls = [await fake.wait_for("sendVideo", chat_id=g.chat_id, predicate=lambda c: c.ok) for g in groups]
    upload, again = sorted(calls, key=lambda c: c.seq)
    video = upload.params["video"]
    assert isinstance(video, bytes), "the group gets an upload, not the reporter's video by its id"
    assert getattr(video, "filename", None) == f"{code}-1.mp4"
    assert mp4_carries(bytes(video)) == [] and carries_metadata(bytes(video)) == []
    assert mp4_carries(original)  # (which the original does carry)
    assert mp4_metadata.metadata_left(bytes(video)) == []
    assert len(video) == len(original)  # the same boxes, where they were: the same samples at the same offsets
    assert mp4_samples.chunk_offsets(bytes(video)) == mp4_samples.chunk_offsets(original)[:2]
    first, second = sample.video_offsets
    frames = mp4_samples.VIDEO_SAMPLES
    assert video[first:first + len(frames[0] + frames[1])] == frames[0] + frames[1]  # the pictures, byte for byte
    assert video[second:second + len(frames[2])] == frames[2]
    # The other group gets the same copy by the file id Telegram gave it: uploaded once.
    assert again.params["video"] == upload.result["video"]["file_id"]
    digest = hashlib.sha256(original).hexdigest()
    assert (tmp_path / "evidence" / digest[:2] / digest).read_bytes() == original  # the original, for custody
    await outbox_idle(services)
    assert_no_exif_in_groups(fake)


async def test_a_video_without_metadata_or_too_big_for_the_bot_goes_to_the_group_by_its_file_id(
    fake: FakeTelegram, start_bot: Callable[..., Any]
) -> None:
    services = services_of(await start_bot())
    group = Group(fake, "Panwascam Pasar Jambi")
    await group.register(services, "15.71.04")
    plain = mp4_samples.video(metadata=False).content
    assert metadata_of(plain) == []
    r = Reporter(fake)
    await run_steps(r, "start", "party")
    received = [r.send("video", plain)["message"]["video"]["file_id"]]
    await r.expect("1 berkas")
    big = r.send("video", b"big stand-in", file_size=25 * 1024 * 1024)  # never downloaded: nothing to examine
    received.append(big["message"]["video"]["file_id"])
    await r.expect("lebih dari 20 MB")
    r.tap("Selesai")
    await r.expect("Langkah 7 dari 9")
    await run_steps(r, "witnesses", "submit")

    album = await fake.wait_for("sendMediaGroup", chat_id=group.chat_id, predicate=lambda c: c.ok)
    assert [item["media"] for item in album.params["media"]] == received  # by the reporter's own file ids
    await outbox_idle(services)
    assert [how for how, _ in assert_no_exif_in_groups(fake) if " upload " in how] == []


async def test_a_video_sent_with_its_file_name_reaches_the_group_under_the_cases_name(
    fake: FakeTelegram, start_bot: Callable[..., Any]
) -> None:
    """A video's file id carries the name the sender's app gave it: even one without metadata is uploaded."""
    services = services_of(await start_bot())
    group = Group(fake, "Panwascam Pasar Jambi")
    await group.register(services, "15.71.04")
    plain = mp4_samples.video(metadata=False).content
    r = Reporter(fake)
    code = await _report_with(r, [("video", plain, {"file_name": "VID_20261121_Siti_Rahma.mp4"})])

    upload = await fake.wait_for("sendVideo", chat_id=group.chat_id, predicate=lambda c: c.ok)
    video = upload.params["video"]
    assert isinstance(video, bytes) and bytes(video) == plain  # nothing else to remove
    assert getattr(video, "filename", None) == f"{code}-1.mp4"
    await outbox_idle(services)
    assert not [c for c in fake.calls(chat_id=group.chat_id) if "Siti" in c.short()]


async def test_no_file_sent_to_a_group_with_a_reports_evidence_carries_exif(
    fake: FakeTelegram, start_bot: Callable[..., Any]
) -> None:
    services = services_of(await start_bot())
    kec = Group(fake, "Panwascam Pasar Jambi")
    await kec.register(services, "15.71.04")
    r = Reporter(fake)
    code = await _report_with(r, [
        ("photo", samples.jpeg((320, 240)), {}),  # a photo sent as a photo: Telegram re-encodes it
        ("video", mp4_samples.video().content, {}),  # with its place, device, Apple keys, XMP, a GPS track
        ("document", samples.jpeg((320, 240), orientation=6), {"file_name": "a.jpg", "mime_type": "image/jpeg"}),
        ("document", samples.png(), {"file_name": "b.png", "mime_type": "image/png"}),
        ("document", samples.webp(), {"file_name": "c.webp", "mime_type": "image/webp"}),
        ("document", b"%PDF-1.4 owner", {"file_name": "d.pdf"}),  # no PDF pypdf can read: kept from the group
        ("document", document_samples.pdf(pages=1), {"file_name": "e.pdf", "mime_type": "application/pdf"}),
        ("document", document_samples.docx(), {"file_name": "f.docx", "mime_type": "application/msword"}),
        ("document", mp4_samples.video(brand=b"qt  ").content, {"file_name": "IMG_0042.MOV",
                                                                  "mime_type": "video/quicktime"}),
    ])
    album = await fake.wait_for("sendMediaGroup", chat_id=kec.chat_id,
                                predicate=lambda c: c.ok and c.params["media"][0]["type"] == "document")
    uploads = [item["media"] for item in album.params["media"]]
    assert all(isinstance(u, bytes) for u in uploads) and len(uploads) == 6  # the unreadable PDF is kept
    assert [getattr(u, "filename", None) for u in uploads] == [
        f"{code}-3.jpg", f"{code}-4.png", f"{code}-5.webp", f"{code}-7.pdf", f"{code}-8.docx", f"{code}-9.mov"]
    assert "1 berkas disimpan untuk operator" in (album.result[-1].get("caption") or "")
    with Image.open(io.BytesIO(uploads[0])) as upright:
        assert upright.size == (240, 320)  # turned as its EXIF said, before the EXIF went
    await outbox_idle(services)
    sent = assert_no_exif_in_groups(fake)
    assert len([how for how, _ in sent if " upload " in how]) == 7  # the documents' copies and the video's
    assert len([how for how, _ in sent if how.startswith("sendMediaGroup FAKE")]) == 1  # the photo
    assert f"sendMediaGroup upload {code}-2.mp4" in [how for how, _ in sent]  # the video: a copy


async def test_no_file_sent_to_a_group_with_a_task_report_back_or_its_report_carries_exif(
    fake: FakeTelegram, bot: Pantau
) -> None:
    s = await _setup(fake, bot, 1)
    await s.group.register(s.services, "15.71.04")  # the task's group also takes the region's reports
    (a,) = s.volunteers
    a.tap("Terima")
    await a.expect("Anda menerima")
    a.tap("Lapor hasil")
    await a.expect("Laporan hasil tugas")
    a.say("Tim sukses calon nomor 2 membagikan amplop kepada petugas PPK saat logistik tiba.")
    await a.expect("Teks: ✓")
    a.send("photo", samples.jpeg((320, 240)))
    await a.expect("Foto: 1")
    a.send("document", samples.jpeg((320, 240)), file_name="IMG_relawan.jpg", mime_type="image/jpeg")
    await a.expect("Berkas lain: 1")
    a.tap("Kirim")
    await a.expect("sudah dikirim ke pengawas")
    await outbox_idle(s.services)
    assert len(assert_no_exif_in_groups(fake)) == 1  # the photo; the document is kept from the group

    a.tap("Jadikan laporan")  # the report made of it carries the document into a report's evidence
    await a.expect("Langkah 1 dari 9")
    a.tap("Politik uang")
    await a.expect("Langkah 4 dari 9")
    a.say("Halaman kantor PPK Pasar Jambi")
    await a.expect("Langkah 5 dari 9")
    a.tap("Lewati")
    await a.expect("Langkah 6 dari 9")
    a.tap("Selesai")
    await a.expect("Langkah 7 dari 9")
    a.tap("Lewati")
    await a.expect("Langkah 8 dari 9")
    a.tap("Anonim")
    await a.expect("Langkah 9 dari 9")
    a.tap("Kirim laporan")
    await a.expect("Kode kasus")
    (code,) = case_codes_sent(fake, a.user_id)
    card = await fake.wait_for("sendMessage", chat_id=s.group.chat_id,
                               predicate=lambda c: c.ok and code in text_of_call(c))
    assert "📷 EXIF: diambil 21-11-2026 14:30 WIB" in text_of_call(card)  # read from the report-back's file too
    await fake.wait_for("sendDocument", chat_id=s.group.chat_id, predicate=lambda c: c.ok)
    await outbox_idle(s.services)
    sent = assert_no_exif_in_groups(fake)
    assert [how for how, _ in sent if " upload " in how] == [f"sendDocument upload {code}-2.jpg"]
