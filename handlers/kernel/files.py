"""Downloading a file someone sent (evidence, a report-back's photos), as every feature does it."""

from __future__ import annotations

import logging

from telegram import Bot
from telegram.error import BadRequest, TelegramError

log = logging.getLogger(__name__)


async def download(bot: Bot, file_id: str, what: str) -> tuple[bytes | None, str]:
    """The file's bytes and "stored", or None and why: "too_big" (over the Bot API's 20 MB) or "failed".
    `what` names the file in the log ("evidence", "report-back file")."""
    try:
        telegram_file = await bot.get_file(file_id)
        return bytes(await telegram_file.download_as_bytearray()), "stored"
    except BadRequest as exc:
        if "too big" in exc.message.lower():
            return None, "too_big"
        log.warning("%s download refused: %s", what, exc)
        return None, "failed"
    except TelegramError as exc:
        log.warning("%s download failed: %s", what, exc)
        return None, "failed"
