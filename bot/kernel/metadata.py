"""Evidence pictures' metadata: the time and place a photo's EXIF records (read for the alert card, as
corroboration), and a copy of the picture without any metadata (what supervisor groups are sent).

Pillow only, no Telegram, no I/O: callers pass bytes (and run these in a thread: decoding a picture is CPU work).

A copy is made only of still pictures in a format Pillow reads and writes here: JPEG (also MPO, a JPEG with
further pictures after it: the first one is kept), PNG, WebP and TIFF, one frame each. The copy keeps the picture
(its pixels; turned upright by the EXIF orientation, which goes with the EXIF), its size and its colour profile
(ICC), and drops EXIF (device, owner, serial numbers, GPS, times), XMP, IPTC/Photoshop blocks, comments and text
chunks, and everything a TIFF says beyond how its pixels are laid out. A JPEG is encoded again with its own
quantisation tables and chroma subsampling (Pillow's quality="keep"), a PNG or lossless WebP losslessly, a lossy
WebP at quality 90. Anything else (HEIC/HEIF, GIF, BMP, animated pictures, PDF, videos, pictures over
`MAX_PIXELS`, files Pillow cannot decode) has no copy here: `clean_copy` returns None. (PDFs and Office documents
have copies of their own, bot/kernel/pdf_metadata.py and ooxml_metadata.py; bot/kernel/document_copy.py picks
the one a document needs.) Every copy is read back and checked (`metadata_left`) before it is returned.
"""

from __future__ import annotations

import contextlib
import io
import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from PIL import ExifTags, Image, ImageOps, JpegImagePlugin, UnidentifiedImageError

# Pillow's name of a format -> (the format a copy is written in, its file extension, its MIME type).
_FORMATS: dict[str, tuple[str, str, str]] = {
    "JPEG": ("JPEG", "jpg", "image/jpeg"),
    "MPO": ("JPEG", "jpg", "image/jpeg"),
    "PNG": ("PNG", "png", "image/png"),
    "WEBP": ("WEBP", "webp", "image/webp"),
    "TIFF": ("TIFF", "tiff", "image/tiff"),
}
_OPEN_AS = ("JPEG", "PNG", "WEBP", "TIFF")  # an MPO opens as JPEG (its plugin says MPO)
# Pictures larger than this are not decoded (a 20 MB file can hold a "decompression bomb"; 50 MP is more than
# phones take by default, and its copy needs about 300 MB while it is made).
MAX_PIXELS = 50_000_000
# What a copy keeps of Pillow's `info`: how the pixels look, nothing about who made them.
_KEPT_INFO = ("icc_profile", "transparency")
# TIFF tags that only say how the pixels are stored (anything else in a TIFF's directory is metadata).
_TIFF_LAYOUT_TAGS = frozenset({
    254, 255, 256, 257, 258, 259, 262, 263, 266, 273, 274, 277, 278, 279, 280, 281, 282, 283, 284, 290, 291, 296,
    317, 318, 319, 320, 322, 323, 324, 325, 338, 339, 340, 341, 347, 529, 530, 531, 532, 34675,
})
_TIFF_LOSSLESS = ("raw", "tiff_lzw", "tiff_deflate", "tiff_adobe_deflate", "packbits")
_EXIF_TIME = "%Y:%m:%d %H:%M:%S"


@dataclass(frozen=True, slots=True)
class PhotoFacts:
    """What a picture's EXIF says about when and where it was taken (None: it does not say)."""

    taken_at: str | None = None  # ISO 8601: with its UTC offset when the file gives one, else the camera's clock
    latitude: float | None = None
    longitude: float | None = None

    @property
    def empty(self) -> bool:
        return self.taken_at is None and self.latitude is None

    @property
    def place(self) -> tuple[float, float] | None:
        return (self.latitude, self.longitude) if self.latitude is not None and self.longitude is not None else None


NO_FACTS = PhotoFacts()


@dataclass(frozen=True, slots=True)
class CleanCopy:
    """A picture without its metadata."""

    content: bytes
    extension: str  # "jpg", "png", "webp", "tiff"
    mime_type: str


def _open(content: bytes) -> Image.Image | None:
    try:
        image = Image.open(io.BytesIO(content), formats=_OPEN_AS)
    except (UnidentifiedImageError, Image.DecompressionBombError, OSError, ValueError, SyntaxError):
        return None
    if image.format not in _FORMATS:
        return None
    return image


# ---- reading -------------------------------------------------------------------------------------


def read_facts(content: bytes) -> PhotoFacts:
    """The EXIF time (DateTimeOriginal, else DateTimeDigitized, else the GPS time) and GPS position of a
    picture; NO_FACTS for anything else, or a picture whose EXIF says neither."""
    image = _open(content)
    if image is None:
        return NO_FACTS
    try:
        exif = image.getexif()
        details = exif.get_ifd(ExifTags.IFD.Exif)
        gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    except Exception:  # a damaged EXIF block is no reason to refuse the file
        return NO_FACTS
    taken = (_taken(details.get(ExifTags.Base.DateTimeOriginal), details.get(ExifTags.Base.OffsetTimeOriginal))
             or _taken(details.get(ExifTags.Base.DateTimeDigitized), details.get(ExifTags.Base.OffsetTimeDigitized))
             or _gps_time(gps))
    place = _gps_place(gps)
    facts = PhotoFacts(taken, *(place or (None, None)))
    return NO_FACTS if facts.empty else facts


def _taken(value: Any, offset: Any) -> str | None:
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.strptime(value.strip("\x00 ")[:19], _EXIF_TIME)
    except ValueError:
        return None  # "0000:00:00 00:00:00", blanks, or a camera's own format
    if not 1990 <= moment.year <= 2100:
        return None
    if isinstance(offset, str):
        with contextlib.suppress(ValueError):  # an offset we cannot read: the camera's clock, as without one
            moment = moment.replace(tzinfo=datetime.strptime(offset.strip("\x00 "), "%z").tzinfo)
    return moment.isoformat()


def _gps_time(gps: dict[int, Any]) -> str | None:
    date, hms = gps.get(ExifTags.GPS.GPSDateStamp), gps.get(ExifTags.GPS.GPSTimeStamp)
    if not isinstance(date, str) or not isinstance(hms, tuple) or len(hms) != 3:
        return None
    try:
        day = datetime.strptime(date.strip("\x00 "), "%Y:%m:%d").replace(tzinfo=UTC)
        seconds = float(hms[0]) * 3600 + float(hms[1]) * 60 + float(hms[2])
    except (ValueError, TypeError, ZeroDivisionError):
        return None
    if not 1990 <= day.year <= 2100 or not 0 <= seconds < 86400:
        return None
    return (day + timedelta(seconds=int(seconds))).isoformat()


def _degrees(value: Any, ref: Any, negative: str) -> float | None:
    if not isinstance(value, tuple) or len(value) != 3:
        return None
    try:
        degrees = float(value[0]) + float(value[1]) / 60 + float(value[2]) / 3600
    except (TypeError, ValueError, ZeroDivisionError):
        return None
    if not math.isfinite(degrees):
        return None
    if isinstance(ref, bytes):
        ref = ref.decode("ascii", "replace")
    return -degrees if isinstance(ref, str) and ref.strip("\x00 ").upper() == negative else degrees


def _gps_place(gps: dict[int, Any]) -> tuple[float, float] | None:
    if str(gps.get(ExifTags.GPS.GPSStatus, "A")).strip("\x00 ").upper() == "V":
        return None  # the receiver said its fix is void
    latitude = _degrees(gps.get(ExifTags.GPS.GPSLatitude), gps.get(ExifTags.GPS.GPSLatitudeRef), "S")
    longitude = _degrees(gps.get(ExifTags.GPS.GPSLongitude), gps.get(ExifTags.GPS.GPSLongitudeRef), "W")
    if latitude is None or longitude is None or abs(latitude) > 90 or abs(longitude) > 180:
        return None
    if latitude == 0 and longitude == 0:
        return None  # cameras without a fix write zeros
    return round(latitude, 6), round(longitude, 6)


# ---- copying -------------------------------------------------------------------------------------


def clean_copy(content: bytes) -> CleanCopy | None:
    """The picture without its metadata, or None when no such copy can be made (see the module's docstring)."""
    image = _open(content)
    if image is None:
        return None
    target, extension, mime_type = _FORMATS[str(image.format)]
    width, height = image.size
    if width * height > MAX_PIXELS or (target != "JPEG" and getattr(image, "n_frames", 1) != 1):
        return None  # too large to decode safely; or an animation, whose frames a still copy would lose
    try:
        options = _save_options(image, target, content)
        upright = ImageOps.exif_transpose(image)  # a new picture, of Pillow's own: no file's tags come with it
        upright.info = {key: image.info[key] for key in _KEPT_INFO if key in image.info}
        out = io.BytesIO()
        upright.save(out, format=target, **options)
    except (OSError, ValueError, SyntaxError, TypeError, KeyError, Image.DecompressionBombError):
        return None
    data = out.getvalue()
    if metadata_left(data):
        return None  # never seen; but a copy that still says something is no copy to send
    return CleanCopy(data, extension, mime_type)


def _save_options(image: Image.Image, target: str, content: bytes) -> dict[str, Any]:
    options: dict[str, Any] = {}
    if icc := image.info.get("icc_profile"):
        options["icc_profile"] = icc
    if target == "JPEG":  # what quality="keep" does, for a picture that may have been turned upright
        options["qtables"] = image.quantization  # type: ignore[attr-defined]
        if (sampling := JpegImagePlugin.get_sampling(image)) != -1:
            options["subsampling"] = sampling
    elif target == "WEBP":
        if b"VP8L" in content[12:4096]:  # a lossless WebP's bitstream chunk (simple or extended file)
            options["lossless"] = True
        else:
            options["quality"] = 90
    elif target == "TIFF":
        compression = image.info.get("compression")
        options["compression"] = compression if compression in _TIFF_LOSSLESS else "tiff_lzw"
    return options


def metadata_left(content: bytes) -> list[str]:
    """What metadata a picture carries (EXIF, XMP, IPTC/Photoshop, comments, text chunks, TIFF tags beyond the
    pixels' layout); empty when none. A file that is not a picture we read says ["unreadable"]."""
    image = _open(content)
    if image is None:
        return ["unreadable"]
    found = []
    if b"Exif\x00\x00" in content:  # an EXIF block's header, wherever it is
        found.append("exif")
    if image.format == "TIFF":
        tags = getattr(image, "tag_v2", {})
        found += [f"tiff:{tag}" for tag in sorted(tags) if tag not in _TIFF_LAYOUT_TAGS]
    elif image.getexif():
        found.append("exif")
    if b"http://ns.adobe.com/xap/1.0/" in content or "xmp" in image.info or "XML:com.adobe.xmp" in image.info:
        found.append("xmp")
    if b"Photoshop 3.0" in content or "photoshop" in image.info:
        found.append("iptc")
    if "comment" in image.info:
        found.append("comment")
    text = getattr(image, "text", None)
    if text:
        found.append("text")
    return sorted(set(found))
