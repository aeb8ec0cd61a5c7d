"""A fake Telegram Bot API server for end-to-end tests and benchmarks.

It is a real aiohttp HTTP server (127.0.0.1, random port by default) running inside the caller's
event loop, so a PTB ``Application`` (in-process or a ``python -m bot`` subprocess) can long-poll it
with ``base_url=fake.base_url`` and ``base_file_url=fake.file_base_url``.

Tests inject user actions (``send_text``, ``send_photo``, ``press`` ...), then inspect what the bot did
(``requests``, ``calls``, ``messages_to``, ``wait_for`` ...).  Faults (429 / 5xx / timeouts) can be
injected with ``fail_next`` / ``fail_ratio``.

The parts, one module each; ``FakeTelegram`` (server.py) is composed of the mixins on top of ``FakeState``:
- records.py: ApiCall, FakeFile, Upload, ApiError and Telegram's size limits
- formatting.py: parse_mode (HTML / Markdown) -> text + entities (``format_text``)
- params.py: how PTB encodes a request's parameters, and reading them back
- limits.py: Telegram's flood limits (``TelegramLimits``, ``fake.enable_limits()``)
- state.py: what the fake knows (users, chats, messages, files) and the helpers every part uses
- users.py: simulated users and the updates their actions become (``send_text``, ``press`` ...)
- waiting.py: inspecting the calls and waiting for them (``calls``, ``wait_for``, ``wait_for_reply`` ...)
- faults.py: injected faults (``fail_next``, ``fail_ratio``)
- methods.py: the Bot API methods (sendMessage, editMessageText, getChatMember ...)
- webhook.py: updates posted to the bot's webhook once it calls setWebhook (``webhook_posts``)
- server.py: HTTP, the method table, getUpdates long polling, start/stop
"""

from testing.fake_telegram.faults import DEFAULT_FAULT_METHODS
from testing.fake_telegram.formatting import format_text
from testing.fake_telegram.limits import TelegramLimits
from testing.fake_telegram.records import (
    JSON,
    MAX_CALLBACK_DATA_BYTES,
    MAX_CAPTION_LENGTH,
    MAX_DOWNLOAD_SIZE,
    MAX_TEXT_LENGTH,
    ApiCall,
    ApiError,
    FakeFile,
    Upload,
)
from testing.fake_telegram.server import FakeTelegram
from testing.fake_telegram.waiting import REPLY_METHODS
from testing.fake_telegram.webhook import WebhookPost

__all__ = [
    "DEFAULT_FAULT_METHODS",
    "JSON",
    "MAX_CALLBACK_DATA_BYTES",
    "MAX_CAPTION_LENGTH",
    "MAX_DOWNLOAD_SIZE",
    "MAX_TEXT_LENGTH",
    "REPLY_METHODS",
    "ApiCall",
    "ApiError",
    "FakeFile",
    "FakeTelegram",
    "TelegramLimits",
    "Upload",
    "WebhookPost",
    "format_text",
]
