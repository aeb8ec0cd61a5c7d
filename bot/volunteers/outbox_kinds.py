"""Volunteers' outbox kinds and methods (bot/delivery/policy.py): what the worker knows of the rows that
verification and recruitment queue. Their senders are in bot/volunteers/delivery_policy.py."""

from __future__ import annotations

from bot.delivery.policy import MessageKind


class VolunteerKind(MessageKind):
    CARD = "vv_card"  # a verification card (a group's or a coordinator's), rendered when sent
    CARD_REFRESH = "vv_refresh"  # an edit of a posted card to the volunteer's current status
    NOTICE = "vv_notice"  # the volunteer told of a status change, in their language
    LINK_QR = "rl_qr"  # a recruitment link's QR code, as a photo with the link in its caption


METHOD_CARD = "pantau.vv_card"  # payload {"ref", "audience"}
METHOD_REFRESH = "pantau.vv_refresh"  # payload {"ref", "audience", "card_key"}
METHOD_LINK_QR = "pantau.rl_qr"  # payload {"link_id", "locale"}
