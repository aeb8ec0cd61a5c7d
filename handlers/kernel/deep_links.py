"""The `/start` payloads that features share: `/start` is people's (the menu), `/start lapor` is reporting's."""

from __future__ import annotations

import re

from telegram.ext import filters

# `/start lapor` (or `/start report`): what Telegram sends for https://t.me/<bot>?start=lapor, the link
# on posters and QR codes. The report conversation takes it as an entry point; plain /start does not.
REPORT_LINK = filters.Regex(re.compile(r"^/start(?:@\w+)?\s+(?:lapor|report)\s*$", re.IGNORECASE))
