"""The kinds of the outbox rows supervision queues (stored in `outbox.kind` as their value). Their rules are in
bot/supervision/delivery_policy.py; this module imports no telegram, so the service can use the kinds."""

from __future__ import annotations

from bot.delivery.policy import MessageKind


class SupervisionKind(MessageKind):
    ALERT = "alert"  # a case's alert card to a group (also a reminder, an escalation, a Gakkumdu card)
    ALERT_PART = "alert_part"  # its evidence or map pin, threaded under it
    REPLY = "reply"  # an answer to a group's own update (/kasus, a press), sent before the group's other rows
    REFRESH = "refresh"  # an edit of a posted card to the case's current state
    QUESTION = "question"  # a supervisor's question relayed to the reporter
