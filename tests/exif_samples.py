"""Pictures with metadata (EXIF with GPS, device and owner; XMP; comments), made with Pillow for the EXIF tests,
and an oracle of our own that says whether a file still carries any of it."""

from __future__ import annotations

import io

from PIL import ExifTags, Image
from PIL.PngImagePlugin import PngInfo
from PIL.TiffImagePlugin import IFDRational

# Strings planted in the metadata: none of them may be found in a copy.
MAKE, MODEL, ARTIST, SERIAL = "PantauCam", "X100-SECRET-MODEL", "Siti Rahma Owner", "SN-998877"
XMP_MARK, COMMENT_MARK, TEXT_MARK = "XMP-OWNER-SECRET", "COMMENT-OWNER-SECRET", "PNG-TEXT-SECRET"
PLANTED = (MAKE, MODEL, ARTIST, SERIAL, XMP_MARK, COMMENT_MARK, TEXT_MARK)
# Where and when: Pasar Jambi (-1.5900, 103.6130), 21 November 2026 at 14:30:05 in UTC+7.
LATITUDE, LONGITUDE = -1.59, 103.613
TAKEN = "2026:11:21 14:30:05"
XMP = (f'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
       f'<rdf:Description xmlns:dc="http://purl.org/dc/elements/1.1/" dc:creator="{XMP_MARK}"/></rdf:RDF></x:xmpmeta>')


def _dms(value: float) -> tuple[IFDRational, IFDRational, IFDRational]:
    value = abs(value)
    degrees, rest = int(value), (abs(value) - int(value)) * 60
    minutes = int(rest)
    return IFDRational(degrees), IFDRational(minutes), IFDRational(round((rest - minutes) * 60 * 1000), 1000)


def exif(*, taken: str | None = TAKEN, offset: str | None = "+07:00", place: tuple[float, float] | None = (
         LATITUDE, LONGITUDE), orientation: int | None = None, gps_time: tuple[str, tuple[int, int, int]] | None = None,
         ) -> Image.Exif:
    data = Image.Exif()
    data[ExifTags.Base.Make] = MAKE
    data[ExifTags.Base.Model] = MODEL
    data[ExifTags.Base.Artist] = ARTIST
    if orientation is not None:
        data[ExifTags.Base.Orientation] = orientation
    details = data.get_ifd(ExifTags.IFD.Exif)
    details[ExifTags.Base.BodySerialNumber] = SERIAL
    if taken is not None:
        details[ExifTags.Base.DateTimeOriginal] = taken
    if offset is not None:
        details[ExifTags.Base.OffsetTimeOriginal] = offset
    gps = data.get_ifd(ExifTags.IFD.GPSInfo)
    if place is not None:
        gps[ExifTags.GPS.GPSLatitudeRef] = "S" if place[0] < 0 else "N"
        gps[ExifTags.GPS.GPSLatitude] = _dms(place[0])
        gps[ExifTags.GPS.GPSLongitudeRef] = "W" if place[1] < 0 else "E"
        gps[ExifTags.GPS.GPSLongitude] = _dms(place[1])
    if gps_time is not None:
        gps[ExifTags.GPS.GPSDateStamp] = gps_time[0]
        gps[ExifTags.GPS.GPSTimeStamp] = tuple(IFDRational(v) for v in gps_time[1])
    return data


def picture(size: tuple[int, int] = (160, 120), mode: str = "RGB") -> Image.Image:
    """A picture with some structure (so that a turned or re-coloured copy is told apart)."""
    image = Image.new(mode, size)
    width, height = size
    image.putdata([((x * 255) // width, (y * 255) // height, 90) if mode.startswith("RGB") else (x + y) % 256
                   for y in range(height) for x in range(width)])
    return image


def jpeg(size: tuple[int, int] = (160, 120), *, quality: int = 80, **kw: object) -> bytes:
    out = io.BytesIO()
    picture(size).save(out, format="JPEG", quality=quality, exif=exif(**kw),  # type: ignore[arg-type]
                       comment=COMMENT_MARK.encode(), xmp=XMP.encode())
    return out.getvalue()


def png(size: tuple[int, int] = (160, 120)) -> bytes:
    info = PngInfo()
    info.add_text("Author", TEXT_MARK)
    info.add_itxt("XML:com.adobe.xmp", XMP)
    out = io.BytesIO()
    picture(size).save(out, format="PNG", pnginfo=info, exif=exif())
    return out.getvalue()


def webp(size: tuple[int, int] = (160, 120), *, lossless: bool = False) -> bytes:
    out = io.BytesIO()
    picture(size).save(out, format="WEBP", exif=exif(), xmp=XMP.encode(), lossless=lossless, quality=80)
    return out.getvalue()


def tiff(size: tuple[int, int] = (160, 120)) -> bytes:
    out = io.BytesIO()
    tags = exif()
    info: dict[int, object] = dict(tags)  # a TIFF's EXIF and GPS directories are written from dictionaries
    info.update({ExifTags.Base.ImageDescription: COMMENT_MARK, ExifTags.IFD.Exif: dict(tags.get_ifd(ExifTags.IFD.Exif)),
                 ExifTags.IFD.GPSInfo: dict(tags.get_ifd(ExifTags.IFD.GPSInfo))})
    picture(size).save(out, format="TIFF", tiffinfo=info)  # uncompressed: libtiff cannot write nested directories
    return out.getvalue()


def carries_metadata(content: bytes) -> list[str]:
    """What a file still says about its device, owner, time or place, found without the code under test: EXIF
    (its header anywhere, or tags Pillow reads), XMP, a planted string, a JPEG comment, PNG text. Empty: nothing."""
    found = [f"planted:{mark}" for mark in PLANTED if mark.encode() in content]
    if b"Exif\x00\x00" in content:
        found.append("exif-header")
    if b"adobe:ns:meta" in content or b"http://ns.adobe.com/xap/1.0/" in content:
        found.append("xmp")
    try:
        image = Image.open(io.BytesIO(content))
    except Exception:  # not a picture: only the byte checks above apply
        return found
    with image:
        tags = image.getexif()
        if image.format == "TIFF":  # a TIFF's own directory holds its layout: look for what is not layout
            tags = {k: v for k, v in tags.items() if k in (271, 272, 305, 306, 315, 270, 33432, 34665, 34853, 700)}
        if tags:
            found.append(f"exif-tags:{sorted(tags)}")
        if "comment" in image.info:
            found.append("comment")
        if getattr(image, "text", None):
            found.append("text")
    return found
