"""QR codes of recruitment links, as PNG images (segno). Rendering takes a few milliseconds of CPU: callers on
the event loop run it with `asyncio.to_thread` (see `qr_png_async`)."""

from __future__ import annotations

import asyncio
import io

import segno

QR_SCALE = 10  # pixels per module: a 37-module code is ~450 px, sharp on posters and in chats
QR_BORDER = 4  # the quiet zone the standard asks for


def qr_png(url: str) -> bytes:
    """A PNG of the QR code of `url` (error correction M, black on white)."""
    code = segno.make_qr(url, error="m")
    out = io.BytesIO()
    code.save(out, kind="png", scale=QR_SCALE, border=QR_BORDER)
    return out.getvalue()


async def qr_png_async(url: str) -> bytes:
    """`qr_png` off the event loop."""
    return await asyncio.to_thread(qr_png, url)
