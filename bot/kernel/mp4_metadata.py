"""A copy of an MP4, QuickTime (.mov), 3GP or M4V video without what could say where, or with what, it was
recorded, made without encoding anything again: the pictures and the sound stay byte for byte.

Such a file is a tree of boxes (ISO/IEC 14496-12, "ISO base media file format"; QuickTime calls them atoms): the
media data (`mdat`) and the movie (`moov`) describing it, whose tracks find their samples in `mdat` by absolute
byte offsets (the chunk offsets, `stco`/`co64`). What phones and cameras write about the recording lives in boxes
of its own: user data (`udta`: the place as `©xyz` or 3GPP `loci`, `©mak`/`©mod`/`©swr`, Samsung's and Canon's
blocks), metadata (`meta`: Apple's `com.apple.quicktime.location.ISO6709`, make, model and software keys, Android's
version), `uuid` boxes (XMP, Sony's and Canon's), and timed metadata tracks (a GPS track, Apple's `mebx`, GoPro's
GPMF, subtitles a camera writes its position in). The copy keeps every box's size and position, so that no offset
changes (whether the movie comes before or after the media data), and:

- turns each box that is not one of those a player needs (`ftyp`, `moov`: `mvhd`, `iods`, `trak`: `tkhd`, `edts`,
  `tref`, `trgr`, `tapt`, `mdia`: `mdhd`, `hdlr`, `elng`, `minf`: the media headers, `dinf`, `stbl` and its sample
  tables; `mdat`) into a `free` box of the same size with its contents zeroed: `udta`, `meta`, `uuid`, `loci`,
  `©xyz` and anything unknown, wherever they are;
- turns each track that is neither video nor sound into a `free` box the same way, and zeroes its samples;
- zeroes the bytes of `mdat` that no kept track's sample refers to (where something else may have been written),
  the contents of `free`/`skip` boxes (an old copy of the movie may have been left there), the data of data
  references (a path), the name in every handler box (`hdlr`: the recording app's or the device's words, e.g.
  "Core Media Video", a phone maker's) and the 32-byte compressor name of every video sample description (`avc1`,
  `hvc1`, `hev1`, `mp4v`... in `stsd`: an encoder's, often the device's, name); each keeps its size, an empty
  name in its place.

The bytes of the video and sound samples are not touched. When a sound track's sample sizes cannot be trusted to
give the sample's bytes (a constant sample size: QuickTime's uncompressed sound counts frames, not bytes), or a
track has auxiliary information at offsets of its own (`saio`), only the removed tracks' samples are zeroed, not the
rest of `mdat`.

Strict and bounded: a file over `MAX_SIZE`, one whose boxes do not nest exactly, a fragmented movie (`moof`,
`mvex`), a compressed or reference movie, a track whose media is in another file, a file without a video track, or
one whose sample tables are inconsistent has no copy. Every copy is read back (`metadata_left`): no box but those
kept, no track but video and sound, no bytes outside the samples, and none of `MARKERS` outside the media data.
What the copy keeps: the tracks' times (`mvhd`, `tkhd`, `mdhd`: when it was recorded, not by whom) and the codecs'
own settings (`avcC`, `esds`...).

No Telegram, no I/O: callers pass bytes (and run this in a thread).
"""

from __future__ import annotations

import bisect
import struct
from dataclasses import dataclass, field
from itertools import accumulate

from bot.kernel.metadata import CleanCopy

MAX_SIZE = 50 * 1024 * 1024  # the bot downloads at most 20 MB; the Bot API uploads at most 50 MB
MAX_DEPTH = 8  # the walk goes moov/trak/mdia/minf/stbl: 5 deep
MAX_BOXES = 100_000  # in the levels walked
MAX_TRACKS = 100
# Found anywhere outside the media data of a copy, these mean metadata is left (a place, Apple's keys, XMP, a
# device): the copy is refused.
MARKERS = (b"\xa9xyz", b"ISO6709", b"com.apple.quicktime", b"<x:xmpmeta", b"adobe:ns:meta", b"loci", b"\xa9mak",
           b"\xa9mod", b"Exif\x00\x00")
FREE = b"free"
_MEDIA_HANDLERS = frozenset({b"vide", b"soun"})
_EMPTY = frozenset({b"free", b"skip", b"wide"})  # ignored by players: kept, their contents zeroed
# A handler box's name follows version and flags, (QuickTime's) component type, the handler type and 12 reserved
# bytes: a C string (ISO) or a Pascal string (QuickTime); all zeros is an empty one in both.
_HANDLER_NAME_AT = 24
# A visual sample entry's compressor name (a Pascal string in 32 bytes) follows 6 reserved bytes, the data reference
# index, 16 bytes of version, vendor and qualities, width, height, both resolutions, the data size and frame count.
_COMPRESSOR_AT, _COMPRESSOR_SIZE = 42, 32
_VISUAL_ENTRY_SIZE = 78  # ... then the depth and the colour table id
# Children kept (None: as they are; a name: walked by that method) in each box walked; any other child is blanked.
_KEPT: dict[bytes, dict[bytes, str | None]] = {
    b"": {b"ftyp": None, b"moov": "_moov", b"mdat": None},
    b"moov": {b"mvhd": None, b"iods": None, b"trak": "_trak"},
    b"trak": {b"tkhd": None, b"edts": "_walk", b"tref": None, b"trgr": None, b"tapt": None, b"mdia": "_walk"},
    b"edts": {b"elst": None},
    b"mdia": {b"mdhd": None, b"hdlr": "_hdlr", b"elng": None, b"minf": "_walk"},
    b"minf": {b"vmhd": None, b"smhd": None, b"hmhd": None, b"nmhd": None, b"sthd": None, b"gmhd": None,
              b"hdlr": "_hdlr", b"dinf": "_walk", b"stbl": "_stbl"},
    b"dinf": {b"dref": "_dref"},
    b"stbl": {b"stsd": "_stsd"} | {kind: None for kind in (b"stts", b"ctts", b"cslg", b"stsc", b"stsz", b"stz2",
                                                           b"stco", b"co64", b"stss", b"stsh", b"padb", b"stdp",
                                                           b"sdtp", b"sbgp", b"sgpd", b"subs", b"saiz", b"saio",
                                                           b"stps")},
}
# Boxes that mean the file is not one plain movie (fragments, a compressed or reference movie): no copy.
_REFUSED = frozenset({b"moof", b"mfra", b"mvex", b"cmov", b"rmra", b"styp", b"sidx", b"ssix"})
# Major brands of pictures in the same box format (HEIF, AVIF): not videos.
_PICTURE_BRANDS = frozenset({b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"hevm", b"hevs", b"mif1",
                             b"msf1", b"avif", b"avis", b"avci", b"crx "})


class Unusable(ValueError):
    """The file is malformed, over the limits or not a plain movie: no copy."""


@dataclass(frozen=True, slots=True)
class Box:
    kind: bytes
    start: int
    header: int  # the size and type fields (16 with a 64-bit size); a uuid's user type counts as contents here
    end: int

    @property
    def body(self) -> int:
        return self.start + self.header


def boxes(data: bytes, start: int, end: int, *, top: bool = False) -> list[Box]:
    """The boxes from `start` to `end`, which they must fill exactly (a size of 0, "to the end of the file", only at
    the top; up to 7 zero bytes may end a box's children, as QuickTime writes)."""
    found: list[Box] = []
    at = start
    while at < end:
        if end - at < 8:
            if data[at:end].count(0) != end - at:
                raise Unusable(f"{end - at} stray bytes at {at}")
            break
        size, kind = struct.unpack_from(">I4s", data, at)
        header = 8
        if size == 1:
            if end - at < 16:
                raise Unusable(f"truncated 64-bit size at {at}")
            (size,) = struct.unpack_from(">Q", data, at + 8)
            header = 16
        elif size == 0:
            if not top:
                raise Unusable(f"size 0 inside a box at {at}")
            size = end - at
        if size < header or at + size > end:
            raise Unusable(f"box {kind!r} at {at} of size {size} does not fit")
        found.append(Box(kind, at, header, at + size))
        at += size
    return found



@dataclass(slots=True)
class _Track:
    handler: bytes
    samples: list[tuple[int, int]] | None = None  # (start, end) of each chunk's samples; None: not known
    trusted: bool = True  # its sample sizes give its samples' bytes
    external: bool = False  # its media is in another file


@dataclass(slots=True)
class Plan:
    """What a copy changes: boxes to turn into `free` ones and byte ranges to zero, each with what it is; where the
    media data is."""

    extension: str = "mp4"
    mime_type: str = "video/mp4"
    blank: list[tuple[str, Box]] = field(default_factory=list)
    zero: list[tuple[str, int, int]] = field(default_factory=list)
    media: list[tuple[int, int]] = field(default_factory=list)  # the contents of each mdat box
    trusted: bool = True  # every kept track's samples are known to the byte: the rest of mdat is zeroed

    @property
    def changes(self) -> list[str]:
        return [what for what, _ in self.blank] + [what for what, _, _ in self.zero]


def is_mp4(content: bytes) -> bool:
    """Whether the bytes begin like an MP4, QuickTime, 3GP or M4V file (a file type box; not a HEIF/AVIF picture)."""
    return len(content) >= 16 and content[4:8] == b"ftyp" and content[8:12] not in _PICTURE_BRANDS


def plan(content: bytes) -> Plan:
    """What a copy of the file changes (raises Unusable: no copy can be made)."""
    return _Planner(content).run()


def clean_copy(content: bytes) -> CleanCopy | None:
    """The video without its metadata (the same length, every sample byte for byte), or None when no such copy can
    be made (see the module's docstring). It equals `content` when there was nothing to remove."""
    try:
        changes = plan(content)
    except Unusable:
        return None
    copy = bytearray(content)
    for _, box in changes.blank:
        copy[box.start + 4:box.start + 8] = FREE
        copy[box.body:box.end] = bytes(box.end - box.body)
    for _, start, end in changes.zero:
        copy[start:end] = bytes(end - start)
    cleaned = bytes(copy)
    if metadata_left(cleaned):
        return None
    return CleanCopy(cleaned, changes.extension, changes.mime_type)


def metadata_left(content: bytes) -> list[str]:
    """What a video still carries that a copy would remove, and the `MARKERS` found outside its media data; empty:
    nothing (a file that cannot be read says so)."""
    try:
        changes = plan(content)
    except Unusable as exc:
        return [f"unreadable: {exc}"]
    found = changes.changes
    cursor = 0
    for start, end in [*sorted(changes.media), (len(content), len(content))]:
        outside = content[cursor:start]
        found += [f"marker {marker!r}" for marker in MARKERS if marker in outside]
        cursor = end
    return found


class _Planner:
    def __init__(self, data: bytes) -> None:
        self.data = data
        self.plan = Plan()
        self.count = 0
        self.kept: list[_Track] = []
        self.removed: list[_Track] = []
        self.track = _Track(b"")  # the kept track being walked

    def run(self) -> Plan:
        data = self.data
        if len(data) > MAX_SIZE:
            raise Unusable("too large")
        top = self._boxes(0, len(data), top=True)
        if not top or top[0].kind != b"ftyp" or top[0].end - top[0].body < 8 or not is_mp4(data):
            raise Unusable("no video's file type box first")
        self.plan.extension, self.plan.mime_type = _kind_of(data[top[0].body:top[0].body + 4])
        if [b.kind for b in top].count(b"moov") != 1:
            raise Unusable("not one movie box")
        self.plan.media = sorted((b.body, b.end) for b in top if b.kind == b"mdat")
        self._children(b"", top, "", 0)
        if not any(t.handler == b"vide" for t in self.kept):
            raise Unusable("no video track")
        self._zero_unused()
        return self.plan

    def _boxes(self, start: int, end: int, *, top: bool = False) -> list[Box]:
        found = boxes(self.data, start, end, top=top)
        self.count += len(found)
        if self.count > MAX_BOXES:
            raise Unusable("too many boxes")
        return found

    # --- the tree

    def _children(self, parent: bytes, children: list[Box], path: str, depth: int) -> None:
        if depth > MAX_DEPTH:
            raise Unusable("nested too deep")
        kept = _KEPT[parent]
        for box in children:
            where = f"{path}/{_name(box.kind)}".lstrip("/")
            if box.kind in _REFUSED:
                raise Unusable(f"{where}: not a plain movie")
            if box.kind in _EMPTY:
                self._zero(f"{where} contents", box.body, box.end)
            elif box.kind not in kept:
                self.plan.blank.append((where, box))
            elif (method := kept[box.kind]) is not None:
                getattr(self, method)(box, where, depth + 1)

    def _walk(self, box: Box, path: str, depth: int) -> None:
        self._children(box.kind, self._boxes(box.body, box.end), path, depth)

    def _moov(self, box: Box, path: str, depth: int) -> None:
        children = self._boxes(box.body, box.end)
        if [c.kind for c in children].count(b"mvhd") != 1:
            raise Unusable("not one movie header")
        if sum(c.kind == b"trak" for c in children) > MAX_TRACKS:
            raise Unusable("too many tracks")
        self._children(box.kind, children, path, depth)

    def _trak(self, box: Box, path: str, depth: int) -> None:
        children = self._boxes(box.body, box.end)
        track = _Track(self._handler(children))
        if track.handler not in _MEDIA_HANDLERS:  # a GPS, metadata, subtitle or timecode track: removed
            self.plan.blank.append((f"{path} ({_name(track.handler)} track)", box))
            self.removed.append(track)
            try:
                track.samples = self._removed_samples(children)
            except Unusable:
                track.samples = None  # needed only if the rest of mdat cannot be zeroed (then: no copy)
            return
        if [c.kind for c in children].count(b"tkhd") != 1:
            raise Unusable(f"{path}: not one track header")
        self.track = track
        self.kept.append(track)
        self._children(box.kind, children, path, depth)
        if track.external:
            raise Unusable(f"{path}: its media is in another file")
        if track.samples is None:
            raise Unusable(f"{path}: no sample table")

    def _handler(self, trak: list[Box]) -> bytes:
        mdia = _only(trak, b"mdia")
        hdlr = _only(self._boxes(mdia.body, mdia.end), b"hdlr")
        if hdlr.end - hdlr.body < 12:
            raise Unusable("hdlr truncated")
        return self.data[hdlr.body + 8:hdlr.body + 12]  # after version, flags and QuickTime's component type

    def _removed_samples(self, trak: list[Box]) -> list[tuple[int, int]]:
        mdia = _only(trak, b"mdia")
        minf = _only(self._boxes(mdia.body, mdia.end), b"minf")
        children = self._boxes(minf.body, minf.end)
        for dinf in [c for c in children if c.kind == b"dinf"]:
            for dref in [c for c in self._boxes(dinf.body, dinf.end) if c.kind == b"dref"]:
                if any(not self.data[entry.body + 3] & 1 for entry in self._entries(dref)):
                    return []  # its samples are in another file
        stbl = _only(children, b"stbl")
        return self._samples(self._boxes(stbl.body, stbl.end), b"")[0]

    def _entries(self, dref: Box) -> list[Box]:
        if dref.end - dref.body < 8:
            raise Unusable("dref truncated")
        (count,) = struct.unpack_from(">I", self.data, dref.body + 4)
        entries = self._boxes(dref.body + 8, dref.end)
        if len(entries) != count or any(e.end - e.body < 4 for e in entries):
            raise Unusable("dref: entries do not match")
        return entries

    def _dref(self, box: Box, path: str, depth: int) -> None:
        for entry in self._entries(box):
            if not self.data[entry.body + 3] & 1:  # not "self-contained": the media is where the entry says
                self.track.external = True
            self._zero(f"{path}/{_name(entry.kind)} data", entry.body + 4, entry.end)  # (a path, a name)

    def _hdlr(self, box: Box, path: str, depth: int) -> None:
        self._zero(f"{path} name", box.body + _HANDLER_NAME_AT, box.end)

    def _stsd(self, box: Box, path: str, depth: int) -> None:
        if self.track.handler != b"vide":  # (a sound entry has no name)
            return
        if box.end - box.body < 8:
            raise Unusable("stsd truncated")
        (count,) = struct.unpack_from(">I", self.data, box.body + 4)
        entries = self._boxes(box.body + 8, box.end)
        if len(entries) != count:
            raise Unusable("stsd: entries do not match")
        for entry in entries:  # every description of a video track is a visual sample entry
            if entry.end - entry.body < _VISUAL_ENTRY_SIZE:
                raise Unusable(f"{path}/{_name(entry.kind)} truncated")
            at = entry.body + _COMPRESSOR_AT
            self._zero(f"{path}/{_name(entry.kind)} compressor name", at, at + _COMPRESSOR_SIZE)

    def _stbl(self, box: Box, path: str, depth: int) -> None:
        children = self._boxes(box.body, box.end)
        self._children(box.kind, children, path, depth)
        self.track.samples, self.track.trusted = self._samples(children, self.track.handler)

    # --- the sample tables

    def _samples(self, stbl: list[Box], handler: bytes) -> tuple[list[tuple[int, int]], bool]:
        """(start, end) of each chunk's samples, and whether the sizes are the samples' bytes."""
        _only(stbl, b"stsd")
        sizes, offsets, runs = _only(stbl, b"stsz", b"stz2"), _only(stbl, b"stco", b"co64"), _only(stbl, b"stsc")
        constant, count, table = self._sizes(sizes)
        found = _chunks(self._table(offsets, 8, "I" if offsets.kind == b"stco" else "Q", 1),
                        self._table(runs, 8, "I", 3), constant, count, table)
        trusted = not (constant and handler == b"soun") and all(b.kind != b"saio" for b in stbl)
        return found, trusted

    def _table(self, box: Box, head: int, fmt: str, per: int) -> tuple[int, ...]:
        """A full box's table after `head` bytes of fields (its count of entries last), `per` values of `fmt` each."""
        data, body = self.data, box.body
        if box.end - body < head:
            raise Unusable(f"{_name(box.kind)} truncated")
        (count,) = struct.unpack_from(">I", data, body + head - 4)
        if count * per * struct.calcsize(f">{fmt}") > box.end - body - head:
            raise Unusable(f"{_name(box.kind)}: {count} entries do not fit")
        return struct.unpack_from(f">{count * per}{fmt}", data, body + head)

    def _sizes(self, box: Box) -> tuple[int, int, tuple[int, ...] | list[int] | None]:
        """(the samples' constant size, 0 if none; their count; each one's size, None if constant)."""
        data, body = self.data, box.body
        if box.end - body < 12:
            raise Unusable(f"{_name(box.kind)} truncated")
        if box.kind == b"stsz":
            constant, count = struct.unpack_from(">II", data, body + 4)
            if constant:
                return constant, count, None
            table = self._table(box, 12, "I", 1)
            return 0, len(table), table
        bits, count = data[body + 7], struct.unpack_from(">I", data, body + 8)[0]
        length = (count * bits + 7) // 8
        if bits not in (4, 8, 16) or length > box.end - body - 12:
            raise Unusable("stz2: sizes do not fit")
        raw = data[body + 12:body + 12 + length]
        if bits == 16:
            return 0, count, struct.unpack(f">{count}H", raw)
        if bits == 8:
            return 0, count, tuple(raw)
        return 0, count, [(raw[i // 2] >> (0 if i % 2 else 4)) & 15 for i in range(count)]

    # --- the media data

    def _zero(self, what: str, start: int, end: int) -> None:
        if end > start and self.data.count(0, start, end) != end - start:
            self.plan.zero.append((what, start, end))

    def _zero_unused(self) -> None:
        """Zero the media data no kept track's sample is in; or, when a kept track's samples are not known to the
        byte, the samples of the removed tracks."""
        media, trusted = self.plan.media, all(t.trusted for t in self.kept)
        starts = [start for start, _ in media]

        def inside(start: int, end: int) -> bool:
            i = bisect.bisect_right(starts, start) - 1
            return i >= 0 and end <= media[i][1]

        used = sorted(r for t in self.kept for r in t.samples or ())
        if not all(inside(start, start + 1 if not trusted else end) for start, end in used):
            raise Unusable("samples outside the media data")
        if not trusted:
            self.plan.trusted = False
            for track in self.removed:
                if track.samples is None:
                    raise Unusable(f"the samples of a {_name(track.handler)} track are not known")
                for start, end in track.samples:
                    if not inside(start, end):
                        raise Unusable(f"a {_name(track.handler)} track's samples are outside the media data")
                    self._zero(f"samples of a {_name(track.handler)} track", start, end)
            return
        merged: list[list[int]] = []
        for start, end in used:
            if merged and start <= merged[-1][1]:
                merged[-1][1] = max(merged[-1][1], end)
            else:
                merged.append([start, end])
        k = 0
        for a, b in media:
            cursor = a
            while k < len(merged) and merged[k][0] < b:
                self._zero("mdat bytes no sample is in", cursor, merged[k][0])
                cursor = merged[k][1]
                k += 1
            self._zero("mdat bytes no sample is in", cursor, b)


def _chunks(offsets: tuple[int, ...], runs: tuple[int, ...], constant: int, count: int,
            sizes: tuple[int, ...] | list[int] | None) -> list[tuple[int, int]]:
    """(start, end) of the samples of each chunk, from the chunk offsets, the sample-to-chunk runs (first chunk,
    samples per chunk, description: three values each) and the sample sizes; strict: every sample in one chunk."""
    chunks = len(offsets)
    if not runs:
        if count:
            raise Unusable("samples in no chunk")
        return []
    if runs[0] != 1:
        raise Unusable("sample-to-chunk does not start at chunk 1")
    prefix = None if sizes is None else list(accumulate(sizes, initial=0))
    found: list[tuple[int, int]] = []
    sample = 0
    for i in range(0, len(runs), 3):
        first, per_chunk = runs[i], runs[i + 1]
        last = runs[i + 3] if i + 3 < len(runs) else chunks + 1
        if not first < last <= chunks + 1:
            raise Unusable("sample-to-chunk runs out of order")
        for chunk in range(first, last):
            if sample + per_chunk > count:
                raise Unusable("more samples in chunks than in the track")
            length = per_chunk * constant if prefix is None else prefix[sample + per_chunk] - prefix[sample]
            if length:
                found.append((offsets[chunk - 1], offsets[chunk - 1] + length))
            sample += per_chunk
    if sample != count:
        raise Unusable("fewer samples in chunks than in the track")
    return found


def _only(children: list[Box], *kinds: bytes) -> Box:
    found = [box for box in children if box.kind in kinds]
    if len(found) != 1:
        raise Unusable(f"not one {'/'.join(_name(k) for k in kinds)}")
    return found[0]


def _name(kind: bytes) -> str:
    return kind.decode("latin-1")


def _kind_of(brand: bytes) -> tuple[str, str]:
    """The copy's extension and MIME type, by the file's major brand."""
    if brand == b"qt  ":
        return "mov", "video/quicktime"
    if brand.startswith(b"3g2"):
        return "3g2", "video/3gpp2"
    if brand.startswith(b"3g"):
        return "3gp", "video/3gpp"
    if brand.startswith(b"M4V"):
        return "m4v", "video/x-m4v"
    return "mp4", "video/mp4"
