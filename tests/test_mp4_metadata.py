"""bot/kernel/mp4_metadata.py: a video's copy without its metadata (built box by box in tests/mp4_samples.py) keeps
its length, every sample byte for byte and every chunk offset, and carries none of the metadata, by the tests' own
oracle; a video without metadata is its own copy; files that are malformed, fragmented, too large or not videos get
no copy."""

from __future__ import annotations

import struct
from typing import Any

import pytest

from bot.kernel import document_copy, mp4_metadata
from tests import mp4_samples
from tests.mp4_samples import SOUND_SAMPLES, VIDEO_SAMPLES, box, full, mp4_carries, u32


def _copy(content: bytes) -> bytes:
    made = mp4_metadata.clean_copy(content)
    assert made is not None, mp4_metadata.metadata_left(content)
    return made.content


def _assert_samples_kept(sample: mp4_samples.Sample, copy: bytes) -> None:
    """Every video and sound sample where the chunk offsets say, byte for byte; the offsets unchanged."""
    (first, second), (sound,) = sample.video_offsets, sample.sound_offsets
    assert copy[first:first + len(VIDEO_SAMPLES[0] + VIDEO_SAMPLES[1])] == VIDEO_SAMPLES[0] + VIDEO_SAMPLES[1]
    assert copy[second:second + len(VIDEO_SAMPLES[2])] == VIDEO_SAMPLES[2]
    sounds = b"\x21SND" * 3 if sample.content[sound:sound + 4] == b"\x21SND" else b"".join(SOUND_SAMPLES)
    assert copy[sound:sound + len(sounds)] == sounds
    assert mp4_samples.chunk_offsets(copy) == [list(sample.video_offsets), list(sample.sound_offsets)]


@pytest.mark.parametrize("layout", [
    {}, {"moov_last": True}, {"large": True}, {"co64": True}, {"moov_last": True, "large": True, "co64": True},
    {"brand": b"qt  "},
], ids=["moov-first", "moov-after-mdat", "64-bit-size", "co64", "all-64-bit-moov-last", "quicktime"])
def test_the_copy_keeps_every_sample_and_offset_and_none_of_the_metadata(layout: dict[str, Any]) -> None:
    sample = mp4_samples.video(**layout)
    original = sample.content
    found = mp4_carries(original)
    expected = [f"planted:{mark}" for mark in mp4_samples.PLANTED]  # (what the original does carry)
    assert set(expected + [f"marker:{marker!r}" for marker in mp4_samples.MARKERS]) <= set(found)
    made = mp4_metadata.clean_copy(original)
    assert made is not None
    copy = made.content
    assert len(copy) == len(original)
    assert mp4_carries(copy) == []
    assert mp4_metadata.metadata_left(copy) == []
    _assert_samples_kept(sample, copy)
    # The media data: the same bytes, but for the hidden ones and the GPS track's sample, now zeros.
    media = bytearray(sample.media)
    for start, end in sample.planted_in_media:
        media[start - sample.media_at:end - sample.media_at] = bytes(end - start)
    assert copy[sample.media_at:sample.media_at + len(media)] == media
    # Every top-level box where it was, of the same size; the metadata ones are free boxes now.
    before, after = mp4_samples.top_boxes(original), mp4_samples.top_boxes(copy)
    assert [(a, b) for _, a, b in before] == [(a, b) for _, a, b in after]
    assert [kind for kind, _, _ in after] == [b"free" if kind == b"uuid" else kind for kind, _, _ in before]
    assert (made.extension, made.mime_type) == (("mov", "video/quicktime") if layout.get("brand") == b"qt  "
                                                 else ("mp4", "video/mp4"))


def test_metadata_only_in_the_movie_leaves_the_media_data_identical() -> None:
    sample = mp4_samples.video(in_media=False)
    copy = _copy(sample.content)
    assert mp4_carries(sample.content) and mp4_carries(copy) == []
    assert copy[sample.media_at:sample.media_at + len(sample.media)] == sample.media
    _assert_samples_kept(sample, copy)


def test_a_video_without_metadata_is_its_own_copy() -> None:
    sample = mp4_samples.video(metadata=False)
    assert mp4_carries(sample.content) == []
    assert _copy(sample.content) == sample.content
    assert mp4_metadata.metadata_left(sample.content) == []
    assert mp4_metadata.plan(sample.content).changes == []


def test_sound_sizes_that_are_not_bytes_leave_the_rest_of_the_media_data_but_not_the_gps_track() -> None:
    """QuickTime's uncompressed sound gives one constant sample size that does not say its bytes: what no sample
    seems to be in may be sound, so only the removed tracks' samples are zeroed."""
    sample = mp4_samples.video(constant_sound=True)
    copy = _copy(sample.content)
    assert mp4_carries(copy) == [f"planted:{mp4_samples.HIDDEN.decode()}"]
    assert mp4_samples.GPS_SAMPLE not in copy
    sound = sample.sound_offsets[0]
    assert copy[sound:sound + 12] == b"\x21SND" * 3
    _assert_samples_kept(sample, copy)
    assert not mp4_metadata.plan(sample.content).trusted


@pytest.mark.parametrize("brand", [b"isom", b"qt  "], ids=["iso-c-strings", "quicktime-pascal-strings"])
def test_the_handler_names_and_the_compressor_name_are_blanked_and_nothing_else_changes(brand: bytes) -> None:
    """The recording app's and the device's names in the handler boxes (of the media and of the data) and in the
    video's sample description become empty names of the same size; every other byte is as it was."""
    original = mp4_samples.video(metadata=False, names=True, brand=brand).content
    assert all(name.encode() in original for name in mp4_samples.NAMES)
    copy = _copy(original)
    assert len(copy) == len(original)
    assert [name for name in mp4_samples.NAMES if name.encode() in copy] == []
    expected = bytearray(original)
    for name in mp4_samples.NAMES:  # (a Pascal string's length byte too; what follows a name is zeros already)
        at = original.index(name.encode())
        start = at - 1 if name == mp4_samples.COMPRESSOR or brand == b"qt  " else at
        expected[start:at + len(name)] = bytes(at + len(name) - start)
    assert copy == bytes(expected)
    assert mp4_metadata.metadata_left(copy) == []
    assert mp4_metadata.clean_copy(copy) is not None and _copy(copy) == copy  # nothing left to blank


def test_a_video_description_too_short_for_its_compressor_name_gets_no_copy() -> None:
    plain = mp4_samples.video(metadata=False).content
    at = plain.index(b"avc1") - 4
    size, cut = struct.unpack_from(">I", plain, at)[0], 60  # cut through its resolutions; the rest a second entry
    short = bytearray(plain)
    struct.pack_into(">I", short, at, cut)
    struct.pack_into(">I4s", short, at + cut, size - cut, b"mp4v")
    struct.pack_into(">I", short, at - 4, 2)  # the sample description's count of entries
    assert mp4_metadata.clean_copy(bytes(short)) is None
    assert any("avc1 truncated" in left for left in mp4_metadata.metadata_left(bytes(short))), \
        mp4_metadata.metadata_left(bytes(short))


def test_the_read_back_finds_each_kind_of_metadata() -> None:
    original = mp4_samples.video().content
    left = mp4_metadata.metadata_left(original)
    for expected in ("moov/udta", "moov/meta", "uuid", "moov/trak/udta", "moov/trak (meta track)", "free contents",
                     "mdat bytes no sample is in", "marker b'\\xa9xyz'", "marker b'ISO6709'"):
        assert expected in left, left
    for expected in ("moov/trak/mdia/hdlr name", "moov/trak/mdia/minf/hdlr name",
                     "moov/trak/mdia/minf/stbl/stsd/avc1 compressor name"):
        assert expected in left, left
    # A marker where the copy keeps the bytes (the video's codec settings, avcC): no copy.
    plain = mp4_samples.video(metadata=False).content
    marked = plain.replace(b"\x67\x64\x00\x1f\x01\x00\x02\x68\xee", b"\xa9xyz+01.5")
    assert marked != plain
    assert mp4_metadata.metadata_left(marked) == ["marker b'\\xa9xyz'"]
    assert mp4_metadata.clean_copy(marked) is None


def test_the_document_copy_picks_the_video_copy_by_its_bytes() -> None:
    original = mp4_samples.video(brand=b"3gp6").content
    made = document_copy.clean_document(original)
    assert made is not None and (made.extension, made.mime_type) == ("3gp", "video/3gpp")
    assert mp4_carries(made.content) == [] and document_copy.metadata_left(made.content) == []
    assert document_copy.metadata_left(original)


def _patched(content: bytes, find: bytes, offset: int, value: bytes, *, occurrence: int = 0) -> bytes:
    at = -1
    for _ in range(occurrence + 1):
        at = content.index(find, at + 1)
    start = at + offset
    return content[:start] + value + content[start + len(value):]


def _unusable() -> dict[str, bytes]:
    plain = mp4_samples.video(metadata=False).content
    moov = plain.index(b"moov") - 4
    trex = full(b"trex", u32(1), u32(1), u32(0), u32(0), u32(0))
    return {
        "truncated": plain[:-3],
        "box larger than its parent": _patched(plain, b"mvhd", -4, u32(0x7FFF_FFFF)),
        "box smaller than its header": _patched(plain, b"mvhd", -4, u32(4)),
        "size 0 inside the movie": _patched(plain, b"mvhd", -4, u32(0)),
        "stray bytes": plain + b"\x01\x02\x03",
        "no file type first": plain[plain.index(b"moov") - 4:],
        "no movie": plain[:moov] + plain[moov + struct.unpack_from(">I", plain, moov)[0]:],
        "two movies": mp4_samples.video(metadata=False, top_extra=(box(b"moov", mp4_samples.mvhd()),)).content,
        "fragmented (mvex)": mp4_samples.video(metadata=False, moov_extra=(box(b"mvex", trex),)).content,
        "fragmented (moof)": mp4_samples.video(metadata=False, top_extra=(box(b"moof", full(b"mfhd", u32(1))),)).content,
        "chunk outside the media data": _patched(plain, b"stco", 12, u32(len(plain) + 100)),
        "more samples in chunks than in the track": _patched(plain, b"stsc", 16, u32(3)),
        "fewer samples in chunks than in the track": _patched(plain, b"stsc", 16, u32(1)),
        "table larger than its box": _patched(plain, b"stsz", 12, u32(1000)),
        "media in another file": _patched(plain, b"url ", 7, b"\x00"),
        "no video track": _patched(plain, b"vide", 0, b"soun"),
        "a HEIF picture": _patched(plain, b"ftyp", 4, b"heic"),
        "not one track header": _patched(plain, b"tkhd", 0, b"tkhx"),
        "no sample table": _patched(plain, b"stbl", 0, b"stbx"),
    }


@pytest.mark.parametrize("name", list(_unusable()))
def test_malformed_or_unsupported_files_get_no_copy(name: str) -> None:
    content = _unusable()[name]
    assert mp4_metadata.clean_copy(content) is None
    assert mp4_metadata.metadata_left(content) != []
    assert document_copy.clean_document(content) is None


def test_limits(monkeypatch: pytest.MonkeyPatch) -> None:
    content = mp4_samples.video().content
    monkeypatch.setattr(mp4_metadata, "MAX_SIZE", len(content) - 1)
    assert mp4_metadata.clean_copy(content) is None
    monkeypatch.setattr(mp4_metadata, "MAX_SIZE", len(content))
    assert mp4_metadata.clean_copy(content) is not None
    monkeypatch.setattr(mp4_metadata, "MAX_BOXES", 10)
    assert mp4_metadata.clean_copy(content) is None
    monkeypatch.setattr(mp4_metadata, "MAX_BOXES", 100_000)
    monkeypatch.setattr(mp4_metadata, "MAX_DEPTH", 3)  # moov/trak/mdia/minf/stbl is deeper
    assert mp4_metadata.clean_copy(content) is None
    monkeypatch.setattr(mp4_metadata, "MAX_TRACKS", 2)  # this movie has three
    monkeypatch.setattr(mp4_metadata, "MAX_DEPTH", 8)
    assert mp4_metadata.clean_copy(content) is None
