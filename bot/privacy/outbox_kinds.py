"""The privacy feature's outbox methods (bot/delivery/policy.py): /datasaya's summary and JSON document, both
rendered from the database when the row is sent, so that the outbox never keeps a copy of the person's data.
Their senders are in bot/privacy/delivery_policy.py."""

from __future__ import annotations

METHOD_MYDATA_SUMMARY = "pantau.mydata"  # payload {"user_id", "locale"}: the summary message
METHOD_MYDATA_DOCUMENT = "pantau.mydata_json"  # payload {"user_id", "locale"}: the JSON document (sendDocument)
