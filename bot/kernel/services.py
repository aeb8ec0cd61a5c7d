"""The services one running Pantau holds, built once by the composition root (bot/app.py)."""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.abuse.service import AbuseService
from bot.delivery.outbox_worker import OutboxWorker
from bot.delivery.pacing import GroupPacer
from bot.delivery.scale_out import ScaleOut
from bot.insight.service import InsightService
from bot.people.users import UserService
from bot.privacy.service import PrivacyService
from bot.regions.directory import RegionDirectory
from bot.regions.geo import Boundaries
from bot.reporting.form_delivery import FormService
from bot.reporting.intake import IntakeService
from bot.settings import Settings
from bot.supervision.alert_sender import AlertSender
from bot.supervision.group_replies import GroupReplies
from bot.supervision.membership import MembershipService
from bot.supervision.service import SupervisionService
from bot.tasks.answers import TaskAnswerService
from bot.tasks.service import TaskService
from bot.tps.service import TpsService
from bot.volunteers.organisations import OrganisationService
from bot.volunteers.reachability import Reachability
from bot.volunteers.recruitment import RecruitmentService
from bot.volunteers.registration import RegistrationService
from bot.volunteers.service import VolunteerService
from bot.volunteers.verification import VerificationService
from storage.database import Database
from storage.delivery.broadcasts import BroadcastRepository
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
    volunteers: VolunteerService
    organisations: OrganisationService
    broadcasts: BroadcastRepository
    verification: VerificationService
    recruitment: RecruitmentService
    tasks: TaskService
    task_answers: TaskAnswerService
    registration: RegistrationService
    privacy: PrivacyService
    forms: FormService  # the reporter's pre-filled report form (PDF)
    abuse: AbuseService  # bans, supervisors' flags, the flood guard
    tps: TpsService  # voting day: polling stations, their watchers, checklists and results photos
    insight: InsightService  # statistics, charts, the map of reports, exports, daily digests
    boundaries: Boundaries | None = None
    membership: MembershipService = field(default_factory=MembershipService)
    outbox_worker: OutboxWorker | None = field(default=None)
    alerts: AlertSender | None = field(default=None)
    reachability: Reachability | None = field(default=None)  # volunteers the bot cannot write to, in memory
    scale_out: ScaleOut | None = field(default=None)  # SCALE_OUT=true: this process is one of several workers
