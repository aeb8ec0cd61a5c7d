"""MP4 and QuickTime files built box by box, for the video-copy tests: a video track and a sound track whose samples
are known bytes in `mdat`, with the metadata phones and cameras write (the place as `©xyz` and 3GPP `loci` in user
data, make, model and software, Apple's location and device keys in a `meta` box, XMP in a `uuid` box, a timed GPS
track, an old movie left in a `free` box, bytes no sample is in); and an oracle of our own that says what such a file
still carries."""

from __future__ import annotations

import struct
from dataclasses import dataclass

from tests import exif_samples

# Planted: none of them may be found in a copy (exif_samples' make, model and artist, so that the EXIF oracle the
# end-to-end sweep uses finds them too).
MAKE, MODEL, OWNER = exif_samples.MAKE, exif_samples.MODEL, exif_samples.ARTIST
SOFTWARE, PLACE = "PantauCam OS 17.4-SECRET", "-01.5900+103.6130+012.000/"
GPS_SAMPLE = b"GPS-TRACK-SECRET $GPRMC,143005,A,0135.40,S,10336.78,E"
STALE, HIDDEN = b"old moov of Siti Rahma Owner", b"HIDDEN-IN-MDAT-SECRET"
# The names the recording app and the device write in the handler boxes and the video's sample description.
VIDEO_HANDLER, SOUND_HANDLER, DATA_HANDLER = "Core Media Video", "Samsung SoundHandler", "Core Media Data Handler"
COMPRESSOR = "SM-S911B-SECRET AVC Encoder"  # (at most 31 bytes)
NAMES = (VIDEO_HANDLER, SOUND_HANDLER, DATA_HANDLER, COMPRESSOR)
PLANTED = (MAKE, MODEL, OWNER, SOFTWARE, PLACE, GPS_SAMPLE.decode(), exif_samples.XMP_MARK, HIDDEN.decode(), *NAMES)
MARKERS = (b"\xa9xyz", b"ISO6709", b"com.apple.quicktime", b"xmpmeta", b"loci", b"\xa9mak", b"\xa9mod", b"\xa9swr")
# The media: video samples (two chunks) and sound samples (one chunk), known bytes with no planted string.
VIDEO_SAMPLES = (b"\x00\x00\x00\x05\x65VIDEO-FRAME-1", b"\x00\x00\x00\x03\x41VIDEO-2", b"\x00\x00\x00\x07\x41VIDEO-FRAME-3")
SOUND_SAMPLES = (b"\x21SOUND-1", b"\x21SOUND-2-", b"\x21SOUND-3--")
XMP_UUID = bytes.fromhex("be7acfcb97a942e89c71999491e3afac")


def u8(v: int) -> bytes:
    return struct.pack(">B", v)


def u16(v: int) -> bytes:
    return struct.pack(">H", v)


def u32(v: int) -> bytes:
    return struct.pack(">I", v)


def box(kind: bytes, *parts: bytes, large: bool = False) -> bytes:
    payload = b"".join(parts)
    if large:
        return struct.pack(">I4sQ", 1, kind, 16 + len(payload)) + payload
    return struct.pack(">I4s", 8 + len(payload), kind) + payload


def full(kind: bytes, *parts: bytes, version: int = 0, flags: int = 0) -> bytes:
    return box(kind, u8(version), flags.to_bytes(3, "big"), *parts)


MATRIX = u32(0x10000) + u32(0) * 3 + u32(0x10000) + u32(0) * 3 + u32(0x40000000)


def mvhd(next_track: int = 4) -> bytes:
    return full(b"mvhd", u32(3_900_000_000), u32(3_900_000_000), u32(1000), u32(3000), u32(0x10000), u16(0x100),
                b"\x00" * 10, MATRIX, b"\x00" * 24, u32(next_track))


def tkhd(track_id: int, *, video: bool) -> bytes:
    return full(b"tkhd", u32(3_900_000_000), u32(3_900_000_000), u32(track_id), u32(0), u32(3000), b"\x00" * 8,
                u16(0), u16(0), u16(0 if video else 0x100), u16(0), MATRIX,
                u32(640 << 16 if video else 0), u32(360 << 16 if video else 0), flags=3)


def hdlr(handler: bytes, name: bytes, *, component: bytes = b"\x00" * 4, pascal: bool = False) -> bytes:
    """A handler box; its name a C string (ISO), or a Pascal string after a component type (QuickTime)."""
    return full(b"hdlr", component, handler, b"\x00" * 12, u8(len(name)) + name if pascal else name + b"\x00")


def stbl(entry: bytes, sizes: list[int], chunks: list[tuple[int, int]], *, co64: bool = False) -> bytes:
    """Sample tables: one sample description, `sizes`, and chunks as (offset, samples in it)."""
    runs = [(n, per) for n, (_, per) in enumerate(chunks, start=1)]
    offsets = b"".join(struct.pack(">Q" if co64 else ">I", offset) for offset, _ in chunks)
    return box(b"stbl",
               full(b"stsd", u32(1), entry),
               full(b"stts", u32(1), u32(len(sizes)), u32(1000)),
               full(b"stsc", u32(len(runs)), *(u32(first) + u32(per) + u32(1) for first, per in runs)),
               full(b"stsz", u32(0), u32(len(sizes)), *(u32(s) for s in sizes)),
               full(b"co64" if co64 else b"stco", u32(len(chunks)), offsets))


def avc1(name: bytes = b"") -> bytes:
    compressor = (u8(len(name)) + name).ljust(32, b"\x00")
    return box(b"avc1", b"\x00" * 6, u16(1), b"\x00" * 16, u16(640), u16(360), u32(0x480000), u32(0x480000),
               u32(0), u16(1), compressor, u16(0x18), u16(0xFFFF),
               box(b"avcC", b"\x01\x64\x00\x1f\xff\xe1\x00\x04\x67\x64\x00\x1f\x01\x00\x02\x68\xee"))


def mp4a() -> bytes:
    return box(b"mp4a", b"\x00" * 6, u16(1), b"\x00" * 8, u16(2), u16(16), u16(0), u16(0), u32(44100 << 16),
               full(b"esds", b"\x03\x19\x00\x02\x00\x04\x11\x40\x15\x00\x00\x00\x00\x01\xf4\x00\x00\x01\xf4\x00"
                             b"\x05\x02\x12\x10\x06\x01\x02"))


def mebx() -> bytes:
    """Apple's timed metadata sample entry, naming the key its samples hold (the place)."""
    key = box(b"keyd", b"mdta", b"com.apple.quicktime.location.ISO6709")
    return box(b"mebx", b"\x00" * 6, u16(1), box(b"keys", box(u32(1), key)))


def dinf() -> bytes:
    return box(b"dinf", full(b"dref", u32(1), full(b"url ", flags=1)))


def qt_string(text: str) -> bytes:
    data = text.encode()
    return u16(len(data)) + u16(0x15C7) + data


def udta(*, track: bool = False) -> bytes:
    """User data as phones write it: the place (©xyz, 3GPP loci), make, model, software, an owner."""
    loci = full(b"loci", u16(0x15C7), b"Pasar Jambi\x00", u8(0), u32(0x0067_9CED), u32(0xFFFE_6E98), u32(12 << 16),
                b"earth\x00", OWNER.encode() + b"\x00")
    if track:
        return box(b"udta", box(b"\xa9xyz", qt_string(PLACE)), box(b"name", b"Track of " + OWNER.encode()))
    return box(b"udta", box(b"\xa9xyz", qt_string(PLACE)), loci, box(b"\xa9mak", qt_string(MAKE)),
               box(b"\xa9mod", qt_string(MODEL)), box(b"\xa9swr", qt_string(SOFTWARE)),
               box(b"auth", b"\x00\x00\x00\x00\x15\xc7" + OWNER.encode() + b"\x00"))


def apple_meta() -> bytes:
    """Apple's metadata: the keys and their values (the place ISO 6709, make, model, software)."""
    keys = [("com.apple.quicktime.location.ISO6709", PLACE), ("com.apple.quicktime.make", MAKE),
            ("com.apple.quicktime.model", MODEL), ("com.apple.quicktime.software", SOFTWARE)]
    key_boxes = [box(b"mdta", name.encode()) for name, _ in keys]
    items = [box(u32(n), box(b"data", u32(1), u32(0), value.encode())) for n, (_, value) in enumerate(keys, 1)]
    return box(b"meta", hdlr(b"mdta", b""), full(b"keys", u32(len(keys)), *key_boxes), box(b"ilst", *items))


def xmp_uuid() -> bytes:
    return box(b"uuid", XMP_UUID, exif_samples.XMP.encode())


@dataclass(frozen=True, slots=True)
class Sample:
    content: bytes
    media: bytes  # the mdat box's contents
    media_at: int  # where they start
    video_offsets: tuple[int, ...]  # the chunk offsets written in the video track's stco
    sound_offsets: tuple[int, ...]
    planted_in_media: tuple[tuple[int, int], ...]  # (start, end) of the hidden bytes and of the GPS track's sample


def video(*, metadata: bool = True, in_media: bool = True, moov_last: bool = False, large: bool = False,
          co64: bool = False, brand: bytes = b"isom", constant_sound: bool = False, moov_extra: tuple[bytes, ...] = (),
          top_extra: tuple[bytes, ...] = (), names: bool | None = None) -> Sample:
    """A movie of a video and a sound track; with `metadata`, user data, Apple's keys, XMP and an old movie in a free
    box, and (`in_media`) in the media data a GPS track's sample and bytes no sample is in. `moov_last`: the movie
    after the media data; `large`: a 64-bit size for the media data; `co64`: 64-bit chunk offsets;
    `constant_sound`: the sound's sample sizes as one constant (as QuickTime writes uncompressed sound);
    `moov_extra`, `top_extra`: more boxes at the end of the movie, of the file; `names` (as `metadata` unless
    given): `NAMES` in the handler boxes (as Pascal strings in a QuickTime movie) and the video's compressor name,
    else empty ones."""
    in_media = metadata and in_media
    names = metadata if names is None else names
    qt = brand == b"qt  "

    def handler(kind: bytes, name: str, component: bytes = b"mhlr") -> bytes:
        return hdlr(kind, name.encode() if names else b"", component=component if qt else b"\x00" * 4, pascal=qt)

    ftyp = box(b"ftyp", brand, u32(0x200), brand, b"mp42")
    video_chunks = [VIDEO_SAMPLES[0] + VIDEO_SAMPLES[1], VIDEO_SAMPLES[2]]
    sound = b"".join(SOUND_SAMPLES) if not constant_sound else b"\x21SND" * 3
    # mdat: video chunk 1, sound chunk, [hidden bytes], video chunk 2, [the GPS track's sample]
    parts = [video_chunks[0], sound, *([HIDDEN] if in_media else []), video_chunks[1],
             *([GPS_SAMPLE] if in_media else [])]
    within = [sum(len(p) for p in parts[:i]) for i in range(len(parts))]

    def moov(at: int) -> bytes:
        v = (at + within[0], at + within[3 if in_media else 2])
        s = at + within[1]
        tracks = [
            box(b"trak", tkhd(1, video=True), box(b"edts", full(b"elst", u32(1), u32(3000), u32(0), u32(0x10000))),
                box(b"mdia", full(b"mdhd", u32(0), u32(0), u32(1000), u32(3000), u16(0x15C7), u16(0)),
                    handler(b"vide", VIDEO_HANDLER),
                    box(b"minf", full(b"vmhd", b"\x00" * 8, flags=1), handler(b"alis", DATA_HANDLER, b"dhlr"), dinf(),
                        stbl(avc1(COMPRESSOR.encode() if names else b""), [len(x) for x in VIDEO_SAMPLES],
                             [(v[0], 2), (v[1], 1)], co64=co64))),
                *([udta(track=True)] if metadata else [])),
            box(b"trak", tkhd(2, video=False),
                box(b"mdia", full(b"mdhd", u32(0), u32(0), u32(44100), u32(3000), u16(0x15C7), u16(0)),
                    handler(b"soun", SOUND_HANDLER),
                    box(b"minf", full(b"smhd", u32(0)), dinf(),
                        _sound_stbl(s, constant_sound, co64)))),
        ]
        if in_media:
            g = at + within[4]
            tracks.append(
                box(b"trak", tkhd(3, video=False),
                    box(b"mdia", full(b"mdhd", u32(0), u32(0), u32(1000), u32(3000), u16(0x15C7), u16(0)),
                        hdlr(b"meta", b"Core Media Metadata"),
                        box(b"minf", full(b"nmhd"), dinf(), stbl(mebx(), [len(GPS_SAMPLE)], [(g, 1)])))))
        extra = [udta(), apple_meta()] if metadata else []
        return box(b"moov", mvhd(), *tracks, *extra, *moov_extra)

    media = b"".join(parts)
    header = 16 if large else 8
    before = [box(b"free", STALE), xmp_uuid()] if metadata else []
    if moov_last:
        at = len(ftyp) + sum(map(len, before)) + header
        content = ftyp + b"".join(before) + box(b"mdat", media, large=large) + moov(at) + b"".join(top_extra)
    else:
        size = len(moov(0))
        at = len(ftyp) + size + sum(map(len, before)) + header
        content = ftyp + moov(at) + b"".join(before) + box(b"mdat", media, large=large) + b"".join(top_extra)
    assert content[at:at + len(media)] == media
    return Sample(content, media, at,
                  (at + within[0], at + within[3 if in_media else 2]), (at + within[1],),
                  ((at + within[2], at + within[2] + len(HIDDEN)), (at + within[4], at + within[4] + len(GPS_SAMPLE)))
                  if in_media else ())


def _sound_stbl(offset: int, constant: bool, co64: bool) -> bytes:
    if not constant:
        return stbl(mp4a(), [len(x) for x in SOUND_SAMPLES], [(offset, 3)], co64=co64)
    return box(b"stbl", full(b"stsd", u32(1), mp4a()), full(b"stts", u32(1), u32(12), u32(1)),
               full(b"stsc", u32(1), u32(1), u32(12), u32(1)), full(b"stsz", u32(1), u32(12)),
               full(b"co64" if co64 else b"stco", u32(1), struct.pack(">Q" if co64 else ">I", offset)))


# --- the oracle


def top_boxes(content: bytes) -> list[tuple[bytes, int, int]]:
    """(type, start, end) of the file's top-level boxes, by a reader of our own."""
    found, at = [], 0
    while at + 8 <= len(content):
        size, kind = struct.unpack_from(">I4s", content, at)
        if size == 1:
            (size,) = struct.unpack_from(">Q", content, at + 8)
        elif size == 0:
            size = len(content) - at
        found.append((kind, at, at + size))
        at += size
    return found


def chunk_offsets(content: bytes) -> list[list[int]]:
    """Each track's chunk offsets (stco or co64), in the order of the tracks, found by searching the movie box."""
    (moov,) = [(a, b) for kind, a, b in top_boxes(content) if kind == b"moov"]
    data, found = content[moov[0]:moov[1]], []
    at = 0
    while (at := data.find(b"trak", at)) != -1:
        track_end = at - 4 + struct.unpack_from(">I", data, at - 4)[0]
        for kind, width in ((b"stco", 4), (b"co64", 8)):
            i = data.find(kind, at, track_end)
            if i != -1:
                (count,) = struct.unpack_from(">I", data, i + 8)
                found.append([int.from_bytes(data[i + 12 + n * width:i + 12 + (n + 1) * width], "big")
                              for n in range(count)])
        at = track_end
    return found


def mp4_carries(content: bytes) -> list[str]:
    """What a video still carries, found without the code under test: a planted string or a marker anywhere in the
    file, or a box of user data, metadata or uuid in the movie."""
    found = [f"planted:{mark}" for mark in PLANTED if mark.encode() in content]
    found += [f"marker:{marker!r}" for marker in MARKERS if marker in content]
    found += [f"box:{kind!r}" for kind, _, _ in top_boxes(content) if kind in (b"uuid", b"meta", b"udta")]
    for kind in (b"udta", b"meta", b"uuid", b"keys", b"ilst"):
        if any(kind in content[a:b] for k, a, b in top_boxes(content) if k == b"moov"):
            found.append(f"in moov:{kind!r}")
    return found
