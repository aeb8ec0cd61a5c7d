"""bot/kernel/pdf_metadata.py and bot/kernel/jpeg_segments.py: a PDF's copy without metadata (pages, text and
pictures kept), read back on its own; a JPEG's metadata segments cut without decoding it."""

from __future__ import annotations

import io

import pytest
from PIL import Image
from pypdf import PdfReader, PdfWriter
from pypdf.generic import (
    ArrayObject,
    DecodedStreamObject,
    DictionaryObject,
    FloatObject,
    NameObject,
    StreamObject,
    TextStringObject,
)

from bot.kernel import jpeg_segments, pdf_metadata
from bot.kernel.pdf_metadata import clean_copy, metadata_left
from tests import document_samples as samples
from tests import exif_samples
from tests.document_samples import pdf_carries
from tests.exif_samples import carries_metadata


def _pages(content: bytes) -> list[str]:
    return [page.extract_text().strip() for page in PdfReader(io.BytesIO(content)).pages]


def _pixels(jpeg: bytes) -> bytes:
    with Image.open(io.BytesIO(jpeg)) as picture:
        return picture.convert("RGB").tobytes()


def _image(reader: PdfReader) -> StreamObject:
    """The picture on the first page, as the PDF stores it (pypdf's `page.images` gives it as Pillow saves it)."""
    image = reader.pages[0]["/Resources"]["/XObject"]["/Im1"].get_object()
    assert isinstance(image, StreamObject)
    return image


def test_a_pdf_copy_has_no_metadata_and_keeps_its_pages_text_and_pictures() -> None:
    original = samples.pdf(pages=3)
    planted = pdf_carries(original)
    for expected in ("attachments", "xmp-catalog", "catalog:/OpenAction", "page1:/Metadata", "page1:/PieceInfo",
                     "page1:attachment", "page1:annotation-author-or-script", "stream:exif-header",
                     f"planted:{samples.AUTHOR}", "string:SCRIPT-OWNER-SECRET", f"string:{samples.TITLE}",
                     f"string:{samples.NOTE_AUTHOR}", f"string:{samples.ATTACHED_NAME}"):
        assert expected in planted  # the oracle sees what was planted
    assert any(item.startswith("info:") for item in planted)
    assert {"info", "key:Author", "key:Producer", "xmp", "exif", "jpeg:APP1", "annotation:FileAttachment",
            "key:EmbeddedFiles", "key:JS", "annotation-author"} <= set(metadata_left(original))

    copy = clean_copy(original)
    assert copy is not None and (copy.extension, copy.mime_type) == ("pdf", "application/pdf")
    assert pdf_carries(copy.content) == []
    assert metadata_left(copy.content) == []
    assert _pages(copy.content) == _pages(original) == [f"{samples.TEXT} halaman {n}" for n in (1, 2, 3)]
    reader = PdfReader(io.BytesIO(copy.content))
    picture = exif_samples.jpeg((160, 120))
    image = _image(reader)
    assert image.get_data() == jpeg_segments.without_metadata(picture)  # the same JPEG, not encoded again
    assert _pixels(image.get_data()) == _pixels(picture)
    note = [a.get_object() for a in reader.pages[0]["/Annots"]]
    assert [(a["/Subtype"], a["/Contents"]) for a in note] == [("/Text", "lihat foto")]  # the note, without author


def test_a_jpeg_compressed_again_inside_a_pdf_is_cleaned_too() -> None:
    copy = clean_copy(samples.pdf(flate=True))
    assert copy is not None and pdf_carries(copy.content) == []
    image = _image(PdfReader(io.BytesIO(copy.content)))
    assert image["/Filter"] == "/DCTDecode" and _pixels(image.get_data()) == _pixels(exif_samples.jpeg((160, 120)))


def _with_links(content: bytes) -> bytes:
    """The PDF with a web link and a link that launches a program on its first page."""
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(content)))
    page = writer.pages[0]
    rect = ArrayObject([FloatObject(v) for v in (72, 700, 200, 720)])
    for action in ({"/S": NameObject("/URI"), "/URI": TextStringObject("https://bawaslu.go.id")},
                   {"/S": NameObject("/Launch"), "/F": TextStringObject(r"C:\Users\sitirahma\run.exe")}):
        link = DictionaryObject({NameObject("/Type"): NameObject("/Annot"), NameObject("/Subtype"): NameObject("/Link"),
                                 NameObject("/Rect"): rect,
                                 NameObject("/A"): DictionaryObject({NameObject(k): v for k, v in action.items()})})
        page["/Annots"].append(writer._add_object(link))
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def test_a_web_link_is_kept_and_a_launch_action_is_not() -> None:
    original = _with_links(samples.pdf(pages=1))
    assert "action" in metadata_left(original)
    copy = clean_copy(original)
    assert copy is not None and metadata_left(copy.content) == []
    links = [a.get_object() for a in PdfReader(io.BytesIO(copy.content)).pages[0]["/Annots"]
             if a.get_object()["/Subtype"] == "/Link"]
    assert [link.get("/A", {}).get("/URI") for link in links] == ["https://bawaslu.go.id", None]
    assert b"sitirahma" not in copy.content


def test_a_signature_field_loses_its_value_and_keeps_its_place() -> None:
    reader = PdfReader(io.BytesIO(samples.pdf(pages=1)))
    writer = PdfWriter(clone_from=reader)
    signature = DictionaryObject({
        NameObject("/Type"): NameObject("/Sig"), NameObject("/Name"): TextStringObject(samples.AUTHOR),
        NameObject("/Location"): TextStringObject("Jambi"),
        NameObject("/ByteRange"): ArrayObject([FloatObject(0), FloatObject(10)]),
    })
    field = DictionaryObject({
        NameObject("/Type"): NameObject("/Annot"), NameObject("/Subtype"): NameObject("/Widget"),
        NameObject("/FT"): NameObject("/Sig"), NameObject("/T"): TextStringObject("Tanda tangan"),
        NameObject("/Rect"): ArrayObject([FloatObject(v) for v in (72, 100, 200, 140)]),
        NameObject("/V"): writer._add_object(signature),
    })
    writer.pages[0]["/Annots"].append(writer._add_object(field))
    out = io.BytesIO()
    writer.write(out)
    assert "type:Sig" in metadata_left(out.getvalue())
    copy = clean_copy(out.getvalue())
    assert copy is not None and pdf_carries(copy.content) == [] and metadata_left(copy.content) == []
    (kept,) = [a.get_object() for a in PdfReader(io.BytesIO(copy.content)).pages[0]["/Annots"]
               if a.get_object()["/Subtype"] == "/Widget"]
    assert kept["/T"] == "Tanda tangan" and "/V" not in kept


def test_the_read_back_sees_an_object_nothing_refers_to() -> None:
    copy = clean_copy(samples.pdf(pages=1))
    assert copy is not None
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(copy.content)))
    orphan = DecodedStreamObject()
    orphan.set_data(exif_samples.XMP.encode())
    writer._add_object(orphan)
    writer.metadata = None
    out = io.BytesIO()
    writer.write(out)
    assert metadata_left(out.getvalue()) == ["xmp"]


def test_encrypted_unreadable_and_oversized_pdfs_get_no_copy(monkeypatch: pytest.MonkeyPatch) -> None:
    assert clean_copy(samples.pdf(encrypt=True)) is None
    assert clean_copy(b"%PDF-1.4 /Author (Siti Rahma) minutes") is None
    truncated = clean_copy(samples.pdf()[:3000])  # pypdf may recover what it can: then that is clean
    assert truncated is None or pdf_carries(truncated.content) == []
    assert clean_copy(exif_samples.jpeg()) is None  # a picture is no PDF
    monkeypatch.setattr(pdf_metadata, "MAX_PAGES", 1)
    assert clean_copy(samples.pdf(pages=2)) is None
    monkeypatch.setattr(pdf_metadata, "MAX_PAGES", 10)
    monkeypatch.setattr(pdf_metadata, "MAX_DECODED", 1000)  # a Flate bomb: the read-back stops decoding
    assert metadata_left(samples.pdf(pages=1)) == ["unreadable"]
    assert clean_copy(samples.pdf(pages=1)) is None


def test_a_copy_that_would_still_say_something_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pdf_metadata, "_strip_jpeg", lambda stream: None)  # a bug letting the EXIF through
    assert clean_copy(samples.pdf(pages=1)) is None


def test_pypdf_still_has_what_the_copy_relies_on() -> None:
    reader = PdfReader(io.BytesIO(samples.pdf(pages=1)))
    assert isinstance(reader.xref, dict) and isinstance(reader.xref_objStm, dict)
    assert _image(reader)._data.startswith(b"\xff\xd8")


# ---- JPEG segments ---------------------------------------------------------------------------------


def test_a_jpegs_metadata_segments_are_cut_and_its_picture_kept_byte_for_byte() -> None:
    original = exif_samples.jpeg((320, 200))
    assert jpeg_segments.metadata_segments(original) == ["APP1", "COM"]
    cleaned = jpeg_segments.without_metadata(original)
    assert cleaned is not None and carries_metadata(cleaned) == [] and jpeg_segments.metadata_segments(cleaned) == []
    assert _pixels(cleaned) == _pixels(original)
    assert len(original) - len(cleaned) > 400  # the EXIF, the XMP and the comment


@pytest.mark.parametrize("options", [{"progressive": True}, {"restart_marker_blocks": 1}, {"subsampling": 0}])
def test_progressive_restart_and_colour_profile_jpegs_are_cut_too(options: dict[str, object]) -> None:
    out = io.BytesIO()
    profile = b"\x00" * 128 + b"acsp-stand-in-profile"
    exif_samples.picture((200, 150)).save(out, format="JPEG", exif=exif_samples.exif(), icc_profile=profile,
                                          comment=exif_samples.COMMENT_MARK.encode(), **options)
    original = out.getvalue()
    cleaned = jpeg_segments.without_metadata(original)
    assert cleaned is not None and carries_metadata(cleaned) == []
    assert _pixels(cleaned) == _pixels(original)
    with Image.open(io.BytesIO(cleaned)) as picture:
        assert picture.info.get("icc_profile") == profile


def test_what_follows_a_jpegs_end_is_dropped_and_what_is_no_jpeg_is_refused() -> None:
    original = exif_samples.jpeg() + exif_samples.jpeg()  # an MPO-like second picture, with its own EXIF
    assert "trailing" in jpeg_segments.metadata_segments(original)
    cleaned = jpeg_segments.without_metadata(original)
    assert cleaned is not None and carries_metadata(cleaned) == [] and jpeg_segments.metadata_segments(cleaned) == []
    for broken in (b"", b"\xff\xd8", b"\xff\xd8\xff\xe1\xff\xff", b"\x89PNG\r\n", exif_samples.jpeg()[:300]):
        assert jpeg_segments.without_metadata(broken) is None
