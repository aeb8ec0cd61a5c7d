"""A bare python-telegram-bot 22 echo bot: the baseline Pantau's load figures are compared with.

Application with long polling, one MessageHandler that sends back the text it received, and the same rate
limiter as Pantau (AIORateLimiter with its default rates and max_retries=2). Nothing else: updates are
processed one at a time (PTB's default), no persistence, no database.

It reads the same environment variables as Pantau (TELEGRAM_BOT_TOKEN, TELEGRAM_API_BASE_URL,
TELEGRAM_FILE_BASE_URL), so that it can run against the fake Bot API server:

    python bench/echo_bot.py [--log-level INFO]
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Sequence
from typing import Any

from telegram import Update
from telegram.ext import AIORateLimiter, Application, ContextTypes, MessageHandler, filters

EchoApplication = Application[Any, Any, Any, Any, Any, Any]


async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message = update.effective_message
    if message is not None and message.text is not None:
        await context.bot.send_message(message.chat_id, message.text)


def build_application(token: str, base_url: str, base_file_url: str, *, limited: bool = True) -> EchoApplication:
    builder = Application.builder().token(token).base_url(base_url).base_file_url(base_file_url)
    if limited:
        builder = builder.rate_limiter(AIORateLimiter(max_retries=2))
    application: EchoApplication = builder.build()
    application.add_handler(MessageHandler(filters.TEXT, echo))
    return application


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="bare PTB echo bot (benchmark baseline)")
    parser.add_argument("--log-level", default="INFO")
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=getattr(logging, str(args.log_level).upper(), logging.INFO),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    logging.getLogger("httpx").setLevel(logging.WARNING)
    token = os.environ.get("TELEGRAM_BOT_TOKEN", "").strip()
    if not token:
        print("echo_bot: TELEGRAM_BOT_TOKEN is missing", file=sys.stderr)
        return 2
    application = build_application(
        token,
        os.environ.get("TELEGRAM_API_BASE_URL") or "https://api.telegram.org/bot",
        os.environ.get("TELEGRAM_FILE_BASE_URL") or "https://api.telegram.org/file/bot",
        limited=os.environ.get("ECHO_RATE_LIMITER", "on").lower() != "off",
    )
    logging.getLogger(__name__).info("echo bot is running (long polling)")
    application.run_polling(allowed_updates=Update.ALL_TYPES)  # stops on SIGINT/SIGTERM
    return 0


if __name__ == "__main__":
    sys.exit(main())
