"""bot/kernel/metadata.py: a picture's EXIF time and place, and its copy without metadata."""

from __future__ import annotations

import io

import pytest
from PIL import Image, ImageChops

from bot.kernel import document_copy, metadata
from bot.kernel.metadata import NO_FACTS, PhotoFacts, clean_copy, metadata_left, read_facts
from tests import document_samples
from tests import exif_samples as samples
from tests.exif_samples import carries_metadata


def _open(content: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(content))
    image.load()
    return image


def _difference(a: Image.Image, b: Image.Image) -> float:
    """Mean absolute difference of two pictures' pixels (0-255)."""
    diff = ImageChops.difference(a.convert("RGB"), b.convert("RGB"))
    histogram = diff.histogram()
    return sum(i * n for channel in range(3) for i, n in enumerate(histogram[channel * 256:(channel + 1) * 256])) / (
        3 * a.size[0] * a.size[1])


# ---- reading ---------------------------------------------------------------------------------------


def test_the_time_with_its_offset_and_the_gps_position_are_read() -> None:
    facts = read_facts(samples.jpeg())
    assert facts == PhotoFacts("2026-11-21T14:30:05+07:00", samples.LATITUDE, samples.LONGITUDE)
    assert facts.place == (-1.59, 103.613)


def test_without_an_offset_the_time_is_the_cameras_clock() -> None:
    assert read_facts(samples.jpeg(offset=None)).taken_at == "2026-11-21T14:30:05"


def test_without_a_camera_time_the_gps_time_is_read_in_utc() -> None:
    facts = read_facts(samples.jpeg(taken=None, offset=None, gps_time=("2026:11:21", (7, 30, 5))))
    assert facts.taken_at == "2026-11-21T07:30:05+00:00"


@pytest.mark.parametrize("taken", ["0000:00:00 00:00:00", "    :  :     :  :  ", "garbage"])
def test_a_blank_or_strange_time_is_no_time(taken: str) -> None:
    assert read_facts(samples.jpeg(taken=taken)).taken_at is None


def test_zeros_for_a_position_are_no_position() -> None:
    facts = read_facts(samples.jpeg(place=(0.0, 0.0)))
    assert facts.place is None and facts.taken_at is not None


def test_the_other_formats_are_read_too() -> None:
    for content in (samples.png(), samples.webp(), samples.tiff()):
        assert read_facts(content).place == (samples.LATITUDE, samples.LONGITUDE)


@pytest.mark.parametrize("content", [b"%PDF-1.4 minutes", b"\x89PNG evidence 1", b"", b"\xff\xd8\xff broken"])
def test_what_is_no_picture_says_nothing(content: bytes) -> None:
    assert read_facts(content) is NO_FACTS
    assert clean_copy(content) is None


# ---- copying ---------------------------------------------------------------------------------------


def test_a_jpeg_copy_has_no_metadata_and_keeps_the_picture() -> None:
    original = samples.jpeg((320, 200), quality=70)
    assert carries_metadata(original)  # the oracle sees what was planted
    assert set(metadata_left(original)) >= {"exif", "xmp", "comment"}
    copy = clean_copy(original)
    assert copy is not None and (copy.extension, copy.mime_type) == ("jpg", "image/jpeg")
    assert carries_metadata(copy.content) == []
    assert metadata_left(copy.content) == []
    assert read_facts(copy.content) is NO_FACTS
    before, after = _open(original), _open(copy.content)
    assert after.format == "JPEG" and after.size == before.size == (320, 200)
    assert after.quantization == before.quantization  # encoded again at the original's quality ("keep")
    assert _difference(before, after) < 2


def test_a_photo_turned_by_its_exif_is_copied_upright() -> None:
    original = samples.jpeg((160, 120), orientation=6)  # "turn 90° clockwise to show"
    copy = clean_copy(original)
    assert copy is not None and carries_metadata(copy.content) == []
    upright = _open(copy.content)
    assert upright.size == (120, 160)
    expected = _open(original).transpose(Image.Transpose.ROTATE_270)
    assert _difference(expected, upright) < 3


def test_png_webp_and_tiff_copies_have_no_metadata_and_keep_the_picture() -> None:
    for content, extension, lossless in ((samples.png(), "png", True), (samples.webp(lossless=True), "webp", True),
                                         (samples.webp(), "webp", False), (samples.tiff(), "tiff", True)):
        assert carries_metadata(content), extension
        copy = clean_copy(content)
        assert copy is not None and copy.extension == extension
        assert carries_metadata(copy.content) == [], extension
        before, after = _open(content), _open(copy.content)
        assert after.size == before.size == (160, 120)
        assert _difference(before, after) == 0 if lossless else _difference(before, after) < 3, extension


def test_a_colour_profile_is_kept() -> None:
    profile = b"\x00" * 128 + b"acsp-stand-in-profile"
    out = io.BytesIO()
    samples.picture().save(out, format="JPEG", exif=samples.exif(), icc_profile=profile)
    copy = clean_copy(out.getvalue())
    assert copy is not None and _open(copy.content).info.get("icc_profile") == profile


def test_an_animation_a_gif_and_a_huge_picture_get_no_copy(monkeypatch: pytest.MonkeyPatch) -> None:
    frames = [samples.picture(), samples.picture().rotate(90)]
    animated = io.BytesIO()
    frames[0].save(animated, format="WEBP", save_all=True, append_images=frames[1:], exif=samples.exif())
    assert clean_copy(animated.getvalue()) is None
    gif = io.BytesIO()
    samples.picture().save(gif, format="GIF", comment=b"owner")
    assert clean_copy(gif.getvalue()) is None
    monkeypatch.setattr(metadata, "MAX_PIXELS", 100 * 100)
    assert clean_copy(samples.jpeg((160, 120))) is None


def test_a_copy_that_would_still_say_something_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(metadata, "_KEPT_INFO", ("icc_profile", "transparency", "comment"))  # a bug letting one in
    assert clean_copy(samples.jpeg()) is None


# ---- any document ------------------------------------------------------------------------------------


def test_a_documents_copy_is_made_by_what_its_bytes_are() -> None:
    """Pictures, PDFs and Office documents each get their own copy, with the extension and MIME type of what the
    bytes are; whatever a file is called or said to be plays no part (the caller does not even pass it)."""
    cases = [
        (samples.jpeg(), "jpg", "image/jpeg"),
        (samples.png(), "png", "image/png"),
        (document_samples.pdf(pages=1), "pdf", "application/pdf"),
        (document_samples.docx(), "docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
        (document_samples.xlsx(), "xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        (document_samples.pptx(), "pptx",
         "application/vnd.openxmlformats-officedocument.presentationml.presentation"),
    ]
    for content, extension, mime_type in cases:
        assert document_copy.metadata_left(content), extension
        copy = document_copy.clean_document(content)
        assert copy is not None and (copy.extension, copy.mime_type) == (extension, mime_type)
        assert document_copy.metadata_left(copy.content) == [], extension
        assert carries_metadata(copy.content) == [], extension


def test_a_picture_gets_no_pdf_or_office_copy_and_the_other_way_round() -> None:
    assert clean_copy(document_samples.pdf(pages=1)) is None  # metadata.clean_copy copies pictures only
    assert clean_copy(document_samples.docx()) is None
    for content in (b"%PDF-1.4 minutes", b"PK\x03\x04 not a zip", b"\x00\x00\x00\x18ftypheic", b"GIF89a"):
        assert document_copy.clean_document(content) is None
