"""A JPEG's metadata segments, found and removed without decoding the picture (segment surgery on the bytes).

A JPEG file is a sequence of marker segments (`FF xx`, most with a two-byte length) and entropy-coded scan data.
Metadata lives in application segments: APP1 (EXIF, with GPS and a thumbnail; XMP), APP13 (Photoshop/IPTC),
APP2 besides a colour profile (FlashPix, MPF), the others a camera maker's own; and COM (comments).
`without_metadata` keeps the picture byte for byte (frame, tables, scans) and only what says how it looks:
APP0 (JFIF), APP2 when it holds an ICC colour profile, and APP14 (Adobe: how CMYK/YCCK colours are stored); the
rest is dropped, and so is anything after the end-of-image marker (an MPO's further pictures, appended data).

Pure Python, no I/O: bot/kernel/pdf_metadata.py uses it for the JPEG pictures inside a PDF, which are stored as
the JPEG file itself.
"""

from __future__ import annotations

from enum import IntEnum

SOI = b"\xff\xd8"


class Marker(IntEnum):
    SOS = 0xDA
    EOI = 0xD9
    APP0 = 0xE0
    APP2 = 0xE2
    APP14 = 0xEE
    COM = 0xFE


_STANDALONE = frozenset({0x01, *range(0xD0, 0xD8)})  # TEM, RST0-7: no length
_APPS = range(0xE0, 0xF0)


def _kept(marker: int, body: bytes) -> bool:
    """Whether a segment says only how the picture looks."""
    if marker == Marker.APP0:
        return body.startswith(b"JFIF\x00")
    if marker == Marker.APP2:
        return body.startswith(b"ICC_PROFILE\x00")
    if marker == Marker.APP14:
        return body.startswith(b"Adobe")
    return marker != Marker.COM and marker not in _APPS


def segments(data: bytes) -> list[tuple[int, bytes]] | None:
    """The marker segments of a JPEG, (marker, body) each, up to EOI (an SOS's body: its length, header and the
    scan data after it); None when `data` is not a JPEG laid out as the standard says."""
    parsed = _parse(data)
    return None if parsed is None else parsed[0]


def _parse(data: bytes) -> tuple[list[tuple[int, bytes]], int] | None:
    """The segments, and where the EOI marker ends."""
    if not data.startswith(SOI):
        return None
    found: list[tuple[int, bytes]] = []
    i, size = 2, len(data)
    while i < size:
        if data[i] != 0xFF:
            return None
        while i < size and data[i] == 0xFF:  # fill bytes before a marker
            i += 1
        if i >= size:
            return None
        marker = data[i]
        i += 1
        if marker in _STANDALONE:
            found.append((marker, b""))
            continue
        if marker == Marker.EOI:
            found.append((marker, b""))
            return found, i
        if marker == 0xD8 or i + 2 > size:
            return None
        length = int.from_bytes(data[i:i + 2], "big")
        if length < 2 or i + length > size:
            return None
        end = i + length
        if marker == Marker.SOS:  # scan data follows, up to the next marker that is no stuffing, restart or fill
            while True:
                at = data.find(b"\xff", end)
                if at < 0 or at + 1 >= size:
                    return None
                following = data[at + 1]
                if following == 0x00 or 0xD0 <= following <= 0xD7:
                    end = at + 2
                    continue
                end = at
                break
            found.append((marker, data[i:end]))
        else:
            found.append((marker, data[i + 2:end]))
        i = end
    return None


def without_metadata(data: bytes) -> bytes | None:
    """The JPEG without its metadata segments (see the module's docstring); None when it is not a JPEG this
    reads."""
    parts = segments(data)
    if parts is None:
        return None
    out = bytearray(SOI)
    for marker, body in parts:
        if not _kept(marker, body):
            continue
        out += bytes((0xFF, marker))
        if marker in _STANDALONE or marker == Marker.EOI:
            continue
        if marker == Marker.SOS:
            out += body  # its length, header and scan data as they were
        else:
            out += (len(body) + 2).to_bytes(2, "big") + body
    return bytes(out)


def metadata_segments(data: bytes) -> list[str]:
    """Which metadata segments a JPEG carries ("APP1", "COM", ...); ["unreadable"] when it is not a JPEG this
    reads; "trailing" when bytes follow its end-of-image marker."""
    parsed = _parse(data)
    if parsed is None:
        return ["unreadable"]
    parts, end = parsed
    found = sorted({("COM" if marker == Marker.COM else f"APP{marker - Marker.APP0}")
                    for marker, body in parts if not _kept(marker, body)})
    if data[end:].strip(b"\x00\r\n \t"):
        found.append("trailing")
    return found
