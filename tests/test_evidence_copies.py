"""bot/supervision/evidence_copies.py: which documents groups get as copies without metadata, and that a copy
uploaded once goes by its file id afterwards."""

from __future__ import annotations

import hashlib
import io

from PIL import Image

from bot.supervision.evidence_copies import EvidenceCopies
from storage.supervision.cases import EvidenceFile
from tests import document_samples
from tests import exif_samples as samples
from tests.document_samples import pdf_carries
from tests.exif_samples import carries_metadata


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
