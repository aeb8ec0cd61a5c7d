"""The `/start` payloads that features share: `/start` is people's (the menu), `/start lapor` is reporting's."""

from __future__ import annotations

import re

from telegram.ext import filters

# `/start lapor` (or `/start report`): what Telegram sends for https://t.me/<bot>?start=lapor, the link
# on posters and QR codes. The report conversation takes it as an entry point; plain /start does not.
REPORT_LINK = filters.Regex(re.compile(r"^/start(?:@\w+)?\s+(?:lapor|report)\s*$", re.IGNORECASE))

# `/start rel_<token>`: a recruitment link (https://t.me/<bot>?start=rel_…, bot/volunteers/recruitment.py). The
# volunteer registration takes it, known or not (an unknown one is said so); plain /start does not.
VOLUNTEER_LINK = filters.Regex(re.compile(r"^/start(?:@\w+)?\s+rel_\S*\s*$"))
