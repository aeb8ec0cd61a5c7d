"""A perceptual hash of an evidence picture (imagehash's pHash, 64 bits), and the distance between two of them.

SHA-256 tells the same bytes; a pHash tells the same picture: a photo resized, re-encoded (Telegram compresses
every photo it forwards) or lightly cropped keeps a hash a few bits away from the original's, while different
pictures are usually 20 bits or more apart. Possible duplicates on the alert card use it
(bot/supervision/duplicates.py).

Pillow and imagehash only, no Telegram, no I/O: callers pass bytes, and run `photo_hash` in a thread (decoding a
picture is CPU work). Anything that is not a picture Pillow can decode, or one over `MAX_PIXELS`, has no hash:
None, never an error.
"""

from __future__ import annotations

import io
import warnings

import imagehash
from PIL import Image, ImageOps

from bot.kernel.metadata import MAX_PIXELS

HASH_BITS = 64  # imagehash's default hash_size 8: an 8 x 8 matrix of bits
_HEX_DIGITS = HASH_BITS // 4
_DRAFT = (128, 128)  # a JPEG is decoded at the smallest scale at least this big: the hash reads 32 x 32 pixels


def photo_hash(content: bytes) -> str | None:
    """The picture's pHash as 16 hexadecimal digits, or None if the bytes are no picture Pillow decodes."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # DecompressionBombWarning and friends: refused below, not logged
            with Image.open(io.BytesIO(content)) as image:
                width, height = image.size
                if width <= 0 or height <= 0 or width * height > MAX_PIXELS:
                    return None
                image.draft("RGB", _DRAFT)  # JPEG only (a no-op for the others): decodes a fraction of the pixels
                upright = ImageOps.exif_transpose(image)  # as it is seen: a copy without EXIF is stored turned
                return str(imagehash.phash(upright))
    except Exception:  # not a picture, a truncated one, a decompression bomb: no hash
        return None


def is_photo_hash(value: object) -> bool:
    """Whether a value is a hash as `photo_hash` writes it."""
    if not isinstance(value, str) or len(value) != _HEX_DIGITS:
        return False
    return all(c in "0123456789abcdef" for c in value)


def distance(a: str, b: str) -> int | None:
    """The Hamming distance between two hashes (how many of their 64 bits differ); None if either is malformed."""
    if not is_photo_hash(a) or not is_photo_hash(b):
        return None
    return (int(a, 16) ^ int(b, 16)).bit_count()
