"""bot/kernel/ooxml_metadata.py: a Word, Excel or PowerPoint document's copy without metadata (its text kept),
read back on its own; what gets no copy (macros, OLE objects, media, zip bombs)."""

from __future__ import annotations

import io
import warnings
import zipfile

import pytest
from PIL import Image

from bot.kernel import ooxml_metadata
from bot.kernel.ooxml_metadata import clean_copy, metadata_left
from tests import document_samples as samples
from tests import exif_samples
from tests.document_samples import ooxml_carries

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _parts(content: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(content)) as package:
        return {info.filename: package.read(info) for info in package.infolist()}


def test_a_word_documents_copy_has_no_metadata_and_keeps_its_text_and_picture() -> None:
    original = samples.docx()
    planted = ooxml_carries(original)
    for expected in ("zip-comment", "core-properties", "app-properties", "custom-properties",
                     f"word/comments.xml:planted:{samples.REVIEWER}", f"word/document.xml:planted:{samples.REVIEWER}",
                     "word/_rels/settings.xml.rels:planted:sitirahma", "word/media/image1.jpeg:exif-header"):
        assert expected in planted  # the oracle sees what was planted
    assert metadata_left(original)

    copy = clean_copy(original)
    assert copy is not None and (copy.extension, copy.mime_type) == ("docx", DOCX)
    assert ooxml_carries(copy.content) == []
    assert metadata_left(copy.content) == []
    before, after = _parts(original), _parts(copy.content)
    assert list(after) == list(before)  # every part, in its order
    assert samples.TEXT.encode() in after["word/document.xml"] and b"cek lagi" in after["word/comments.xml"]
    assert b'w:author="Author"' in after["word/comments.xml"] and b'w:initials="A"' in after["word/comments.xml"]
    assert b'Target="laporan.docx"' in after["word/_rels/settings.xml.rels"]  # the template's name, not its folder
    with Image.open(io.BytesIO(after["word/media/image1.jpeg"])) as picture:
        assert picture.format == "JPEG" and picture.size == (160, 120)
    with zipfile.ZipFile(io.BytesIO(copy.content)) as package:
        assert {info.date_time for info in package.infolist()} == {(1980, 1, 1, 0, 0, 0)}


def test_excel_and_powerpoint_copies_lose_their_peoples_names_and_folders() -> None:
    workbook = samples.xlsx()
    assert {"xl/workbook.xml:absPath", "xl/workbook.xml:person:userName", "xl/comments1.xml:person:author",
            "xl/persons/person.xml:person:displayName", "xl/printerSettings/printerSettings1.bin:printer-name",
            "xl/media/image1.jpeg:picture:exif"} <= set(metadata_left(workbook))
    copy = clean_copy(workbook)
    assert copy is not None and copy.extension == "xlsx" and metadata_left(copy.content) == []
    parts = _parts(copy.content)
    assert ooxml_carries(copy.content, (*samples.DOCX_PLANTED, "siti@example.org")) == []
    assert "SITIRAHMA".encode("utf-16-le") not in parts["xl/printerSettings/printerSettings1.bin"]
    assert b'displayName="Suara"' in parts["xl/tables/table1.xml"]  # a table's name is no person's
    assert b'<sheet name="Rekap"' in parts["xl/workbook.xml"]

    presentation = samples.pptx()
    assert {"ppt/commentAuthors.xml:person:name", "ppt/authors.xml:person:userId",
            "ppt/media/image1.png:picture:exif"} <= set(metadata_left(presentation))
    copy = clean_copy(presentation)
    assert copy is not None and copy.extension == "pptx" and metadata_left(copy.content) == []
    assert ooxml_carries(copy.content, (*samples.DOCX_PLANTED, "siti@example.org")) == []


def test_an_svg_icon_is_kept_and_its_metadata_searched() -> None:
    icon = b'<svg xmlns="http://www.w3.org/2000/svg"><circle r="4"/></svg>'
    copy = clean_copy(samples.docx(extra={"word/media/image2.svg": icon}))
    assert copy is not None and _parts(copy.content)["word/media/image2.svg"] == icon
    tagged = icon.replace(b"<circle", b'<metadata><x:xmpmeta xmlns:x="adobe:ns:meta"/></metadata><circle')
    assert clean_copy(samples.docx(extra={"word/media/image2.svg": tagged})) is None


def test_an_office_document_embedded_in_one_is_cleaned_too() -> None:
    original = samples.docx(extra={"word/embeddings/Microsoft_Excel_Worksheet.xlsx": samples.xlsx()})
    assert any(item.startswith("word/embeddings/") for item in metadata_left(original))
    copy = clean_copy(original)
    assert copy is not None and metadata_left(copy.content) == []
    embedded = _parts(copy.content)["word/embeddings/Microsoft_Excel_Worksheet.xlsx"]
    assert ooxml_carries(embedded) == []


@pytest.mark.parametrize("part", [
    ("word/vbaProject.bin", b"\xd0\xcf\x11\xe0 macros"),  # macros
    ("word/embeddings/oleObject1.bin", b"\xd0\xcf\x11\xe0 an OLE object"),
    ("word/media/video1.mp4", b"\x00\x00\x00\x18ftypmp42 with a \xa9xyz location"),
    ("word/media/image2.webp", b"RIFF\x00\x00\x00\x00WEBPVP8 broken"),  # a picture that cannot be copied
    ("_xmlsignatures/sig1.xml", b"<Signature><X509Certificate>MIIB...</X509Certificate></Signature>"),
])
def test_a_document_holding_what_cannot_be_cleaned_gets_no_copy(part: tuple[str, bytes]) -> None:
    assert clean_copy(samples.docx(extra=dict([part]))) is None


def test_what_is_no_office_document_gets_no_copy() -> None:
    plain = io.BytesIO()
    with zipfile.ZipFile(plain, "w") as package:
        package.writestr("notulen.txt", samples.AUTHOR)
    macro = samples.package(("word/document.xml", "application/vnd.ms-word.document.macroEnabled.main+xml"),
                            {"word/document.xml": "<w:document/>"})
    for content in (plain.getvalue(), macro, b"PK\x03\x04 broken", samples.docx()[:500], exif_samples.jpeg()):
        assert clean_copy(content) is None


def test_zip_bombs_and_doubled_members_get_no_copy(monkeypatch: pytest.MonkeyPatch) -> None:
    original = samples.docx()
    monkeypatch.setattr(ooxml_metadata, "MAX_UNCOMPRESSED", 4096)
    assert clean_copy(original) is None
    monkeypatch.setattr(ooxml_metadata, "MAX_UNCOMPRESSED", 100 * 1024 * 1024)
    monkeypatch.setattr(ooxml_metadata, "MAX_MEMBERS", 5)
    assert clean_copy(original) is None
    monkeypatch.setattr(ooxml_metadata, "MAX_MEMBERS", 5000)
    doubled = io.BytesIO(original)
    with warnings.catch_warnings(), zipfile.ZipFile(doubled, "a") as package:
        warnings.simplefilter("ignore")  # zipfile warns of the duplicate name, which is the point
        package.writestr("docProps/core.xml", "<cp:coreProperties/>")
    assert clean_copy(doubled.getvalue()) is None


def test_a_copy_that_would_still_say_something_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ooxml_metadata, "_scrubbed_xml", lambda data, relationships: data)  # a bug: names kept
    assert clean_copy(samples.docx()) is None
