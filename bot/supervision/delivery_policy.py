"""Supervision's part of the outbox's delivery policy (bot/delivery/policy.py): its outbox kinds, its methods
(sent by `AlertSender`), the digest of alerts for a crowded group, and what happens when a group cannot be
reached or became a supergroup. The composition root (bot/app.py) registers it."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from bot.delivery.policy import DeliveryPolicy, DigestPolicy, KindRule
from bot.supervision.alert_sender import AlertSender
from bot.supervision.outbox_kinds import SupervisionKind
from bot.supervision.service import SupervisionService
from storage.delivery.outbox import OutboxItem

log = logging.getLogger(__name__)

DIGEST_SIZE = 25  # alerts merged into one digest at most; more wait for the next one
DIGEST_RESERVE = 3  # a busy group's slots kept for digests
DIGEST_GATHER = 2.0  # seconds a lone alert for a busy group waits for others to share its digest


RULES = (
    # A card goes out only with room for its evidence and pin; a card refused for any reason goes elsewhere.
    KindRule(SupervisionKind.ALERT, parts=SupervisionKind.ALERT_PART, must_reach=True),
    KindRule(SupervisionKind.ALERT_PART),
    KindRule(SupervisionKind.REPLY),
    KindRule(SupervisionKind.REFRESH),
    KindRule(SupervisionKind.QUESTION),
)


def register(policy: DeliveryPolicy, alerts: AlertSender) -> None:
    """Add supervision's methods, kinds and alert digest to the outbox's policy."""
    for method, sender in alerts.methods().items():
        policy.add_method(method, sender, cost=AlertSender.cost)
    policy.add_kinds(RULES)
    policy.set_digest(
        DigestPolicy(SupervisionKind.ALERT, alerts.digest, size=DIGEST_SIZE, reserve=DIGEST_RESERVE, gather=DIGEST_GATHER)
    )


def on_unreachable(supervision: SupervisionService) -> Callable[[OutboxItem, str, bool], Awaitable[None]]:
    """The worker's `on_unreachable`: a message Telegram refused for good."""

    async def unreachable(item: OutboxItem, why: str, gone: bool) -> None:
        """A group the bot cannot post to is marked inactive; an alert card that could not be posted goes to the
        next recipient (one level up if need be)."""
        if gone and item.chat_id < 0 and await supervision.deactivate_group(item.chat_id, why):
            log.warning("supervisor group %s unreachable (%s): marked inactive", item.chat_id, why)
        if item.kind == SupervisionKind.ALERT and item.report_id is not None:
            await supervision.reroute(item.report_id, away_from=item.chat_id)

    return unreachable


def on_migrated(supervision: SupervisionService) -> Callable[[int, int], Awaitable[None]]:
    """The worker's `on_migrated`: a group became a supergroup; its registration, alerts, pending rows and
    questions move to the new id."""

    async def migrated(old_chat_id: int, new_chat_id: int) -> None:
        await supervision.migrate_group(old_chat_id, new_chat_id)

    return migrated
