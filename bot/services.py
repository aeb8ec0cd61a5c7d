"""The services one running Pantau holds, built once by the composition root (bot/app.py)."""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.alert_sender import AlertSender
from bot.geo import Boundaries
from bot.group_replies import GroupReplies
from bot.intake import IntakeService
from bot.membership import MembershipService
from bot.outbox_worker import OutboxWorker
from bot.pacing import GroupPacer
from bot.regions import RegionDirectory
from bot.settings import Settings
from bot.supervision import SupervisionService
from bot.users import UserService
from storage.database import Database
from storage.delivery.inbox import InboxRepository
from storage.delivery.outbox import OutboxRepository
from storage.reporting.conversations import ConversationStore
from storage.reporting.reports import ReportRepository


@dataclass(slots=True)
class Services:
    settings: Settings
    db: Database
    users: UserService
    regions: RegionDirectory
    intake: IntakeService
    reports: ReportRepository
    outbox: OutboxRepository
    conversations: ConversationStore
    inbox: InboxRepository
    supervision: SupervisionService
    pacer: GroupPacer
    group_replies: GroupReplies
    boundaries: Boundaries | None = None
    membership: MembershipService = field(default_factory=MembershipService)
    outbox_worker: OutboxWorker | None = field(default=None)
    alerts: AlertSender | None = field(default=None)
