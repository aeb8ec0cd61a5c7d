"""bot/supervision/evidence_copies.py: which documents and videos groups get as copies without metadata, which
videos go by their own file id, and that a copy uploaded once goes by its file id afterwards."""

from __future__ import annotations

import asyncio
import hashlib
import io

from PIL import Image

from bot.supervision.evidence_copies import EvidenceCopies
from storage.supervision.cases import EvidenceFile
from tests import document_samples, mp4_samples
from tests import exif_samples as samples
from tests.document_samples import pdf_carries
from tests.exif_samples import carries_metadata
from tests.mp4_samples import mp4_carries


class Store:
    def __init__(self, *contents: bytes) -> None:
        self.files = {hashlib.sha256(c).hexdigest(): c for c in contents}
        self.reads: list[str] = []

    async def read(self, sha256: str) -> bytes | None:
        self.reads.append(sha256)
        return self.files.get(sha256)


def _file(content: bytes, stored: str = "stored") -> EvidenceFile:
    sha256 = hashlib.sha256(content).hexdigest() if stored == "stored" else None
    return EvidenceFile("document", "FILE-ID", stored, sha256, "image/jpeg", None, None, None)


async def test_a_stored_picture_gets_a_copy_named_after_the_case_then_goes_by_its_file_id() -> None:
    original = samples.jpeg()
    store = Store(original)
    copies = EvidenceCopies(store)
    copy = await copies.copy(_file(original), "PTU-ABCD-EF23-1")
    assert copy is not None and copy.file_name == "PTU-ABCD-EF23-1.jpg" and copy.file_id is None
    assert copy.content is not None and carries_metadata(copy.content) == []
    with Image.open(io.BytesIO(copy.content)) as picture:
        assert picture.size == (160, 120)
    copies.uploaded(copy, "UPLOADED-ID")
    again = await copies.copy(_file(original), "PTU-ABCD-EF23-1")
    assert again is not None and (again.file_id, again.content, again.file_name) == (
        "UPLOADED-ID", None, "PTU-ABCD-EF23-1.jpg")
    assert len(store.reads) == 1  # neither read nor copied again
    # The same bytes as another case's evidence: uploaded anew under that case's name (a file id keeps the name it
    # was uploaded under, which would link the two cases)
    other = await copies.copy(_file(original), "PTU-WXYZ-2345-1")
    assert other is not None and other.file_id is None and other.file_name == "PTU-WXYZ-2345-1.jpg"
    assert other.content is not None and carries_metadata(other.content) == []


async def test_a_stored_pdf_gets_a_pdf_copy_named_after_the_case() -> None:
    original = document_samples.pdf(pages=1)
    copy = await EvidenceCopies(Store(original)).copy(_file(original), "PTU-ABCD-EF23-2")
    assert copy is not None and copy.file_name == "PTU-ABCD-EF23-2.pdf"
    assert copy.content is not None and pdf_carries(copy.content) == []


async def test_no_copy_of_what_cannot_be_cleaned_or_was_never_stored() -> None:
    pdf = b"%PDF-1.4 /Author (Siti)"  # not a PDF pypdf can read
    copies = EvidenceCopies(Store(pdf))
    assert await copies.copy(_file(pdf), "x") is None
    assert await copies.copy(_file(b"", stored="too_big"), "x") is None
    assert await copies.copy(_file(b"", stored="failed"), "x") is None
    assert await copies.copy(_file(samples.jpeg()), "x") is None  # recorded, but its bytes are gone
    assert await EvidenceCopies(None).copy(_file(samples.jpeg()), "x") is None


def _video(content: bytes, stored: str = "stored", *, file_name: str | None = None) -> EvidenceFile:
    sha256 = hashlib.sha256(content).hexdigest() if stored == "stored" else None
    return EvidenceFile("video", "VIDEO-ID", stored, sha256, "video/mp4", None, None, None, file_name)


async def test_a_stored_video_document_gets_a_video_copy_named_after_the_case() -> None:
    original = mp4_samples.video().content
    copy = await EvidenceCopies(Store(original)).copy(_file(original), "PTU-ABCD-EF23-3")
    assert copy is not None and copy.file_name == "PTU-ABCD-EF23-3.mp4" and copy.kind == "document"
    assert copy.content is not None and mp4_carries(copy.content) == [] and len(copy.content) == len(original)


async def test_a_video_with_metadata_gets_a_copy_uploaded_once_then_sent_by_its_file_id() -> None:
    original = mp4_samples.video(brand=b"qt  ").content
    store = Store(original)
    copies = EvidenceCopies(store)
    copy = await copies.video(_video(original), "PTU-ABCD-EF23-2")
    assert copy is not None and not copy.as_sent and copy.kind == "video"
    assert copy.file_name == "PTU-ABCD-EF23-2.mov" and copy.file_id is None
    assert copy.content is not None and mp4_carries(copy.content) == []
    copies.uploaded(copy, "UPLOADED-VIDEO")
    again = await copies.video(_video(original), "PTU-ABCD-EF23-2")
    assert again is not None and (again.file_id, again.content, again.kind) == ("UPLOADED-VIDEO", None, "video")
    assert len(store.reads) == 1
    # Not as a document (a video's file id cannot be sent as one), and not under another case's name.
    document = await copies.copy(_file(original), "PTU-ABCD-EF23-2")
    assert document is not None and document.kind == "document" and document.file_id is None
    other = await copies.video(_video(original), "PTU-WXYZ-2345-2")
    assert other is not None and other.file_id is None and other.file_name == "PTU-WXYZ-2345-2.mov"


async def test_a_video_without_metadata_goes_by_its_own_file_id_and_is_read_once() -> None:
    plain = mp4_samples.video(metadata=False).content
    store = Store(plain)
    copies = EvidenceCopies(store)
    for name in ("PTU-ABCD-EF23-1", "PTU-WXYZ-2345-1"):
        sent = await copies.video(_video(plain), name)
        assert sent is not None and sent.as_sent and (sent.file_id, sent.content) == ("VIDEO-ID", None)
    assert len(store.reads) == 1  # what it carries (nothing) is remembered
    # With the file name the sender's app gave it, which its file id would carry along: a copy under the case's.
    named = await copies.video(_video(plain, file_name="VID_Siti_Rahma.mp4"), "PTU-ABCD-EF23-1")
    assert named is not None and not named.as_sent and named.content == plain
    assert named.file_name == "PTU-ABCD-EF23-1.mp4"


async def test_a_video_never_downloaded_goes_by_its_file_id_and_one_without_a_copy_is_kept() -> None:
    copies = EvidenceCopies(Store(b"\x00\x00\x00\x18ftypmp42 not a movie"))
    for stored in ("too_big", "failed"):
        sent = await copies.video(_video(b"", stored=stored), "x")
        assert sent is not None and sent.as_sent and sent.file_id == "VIDEO-ID"
        # with the name the reporter's app gave it, which its file id would carry to the groups: kept
        assert await copies.video(_video(b"", stored=stored, file_name="VID_Siti_Rahma.mp4"), "x") is None
    assert await copies.video(_video(b"\x00\x00\x00\x18ftypmp42 not a movie"), "x") is None  # unreadable: kept
    assert await copies.video(_video(mp4_samples.video().content), "x") is None  # recorded, but its bytes are gone


async def test_one_cases_files_go_to_one_group_at_a_time_and_other_cases_do_not_wait() -> None:
    """The outbox sends to chats in parallel: a case's second group waits for the first's upload (to get its id)."""
    copies = EvidenceCopies(None)
    order: list[str] = []
    entered, release = asyncio.Event(), asyncio.Event()

    async def first() -> None:
        async with copies.one_at_a_time(1):
            order.append("first group")
            entered.set()
            await release.wait()
            order.append("first group sent")

    async def second() -> None:
        async with copies.one_at_a_time(1):
            order.append("second group")

    async def other_case() -> None:
        async with copies.one_at_a_time(2):
            order.append("another case")

    sending = asyncio.create_task(first())
    await entered.wait()
    waiting = asyncio.create_task(second())
    await other_case()  # not held up by case 1
    assert order == ["first group", "another case"]
    release.set()
    await asyncio.gather(sending, waiting)
    assert order == ["first group", "another case", "first group sent", "second group"]
    assert copies._sending == {}  # nothing kept of cases no longer being sent
