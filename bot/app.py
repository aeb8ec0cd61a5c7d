"""The composition root: builds Pantau's services and its python-telegram-bot Application, and runs it.

Each feature's handlers are registered below, in an explicit order (`register_handlers`); within a group the
first handler that accepts an update handles it, so the order is part of the behaviour. The background work
(inbox replay, outbox worker, housekeeping jobs, menus) starts in the Application's `post_init` and stops in
its `post_stop`, and `Pantau.open()` builds everything needed before that, so the same Application runs by long
polling or webhook (`Pantau.start`) or by PTB's own `run_polling`/`run_webhook` (its `post_shutdown` closes the database).
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import signal
from datetime import datetime, timedelta
from typing import Any

from telegram import Bot, Update
from telegram.constants import ParseMode
from telegram.error import BadRequest, ChatMigrated, TelegramError
from telegram.ext import (
    Application,
    ContextTypes,
    Defaults,
)

from bot.abuse.flood import FloodGuard
from bot.abuse.service import AbuseService
from bot.delivery.bot_calls import BotCalls
from bot.delivery.inbox import PersistentUpdateQueue, replay_unprocessed
from bot.delivery.outbox_worker import OutboxWorker
from bot.delivery.pacing import GroupPacer
from bot.delivery.persistence import SQLitePersistence, reload_chats
from bot.delivery.policy import DeliveryPolicy
from bot.delivery.rate_limiter import PAID_MESSAGES_PER_SECOND, PacedRateLimiter
from bot.delivery.scale_out import INBOX_CHANNEL, OUTBOX_CHANNEL, ScaleOut, SharedBudget
from bot.delivery.transport import AiohttpRequest
from bot.delivery.update_processor import PerChatUpdateProcessor
from bot.delivery.webhook import WebhookConfig, start_webhook
from bot.insight import delivery_policy as insight_delivery
from bot.insight.jobs import DIGEST_CHECK_EVERY, queue_digests
from bot.insight.service import InsightService, parse_digest_time
from bot.kernel.context import SERVICES_KEY, PantauContext
from bot.kernel.services import Services
from bot.kernel.stages import HandlerStages
from bot.legal.rules import LegalRules
from bot.operators.health import HeartbeatRole, health_report, register_heartbeat
from bot.operators.instance_lock import InstanceLock
from bot.people.menus import set_menus
from bot.people.users import UserService
from bot.privacy import delivery_policy as privacy_delivery
from bot.privacy.housekeeping import PURGE_IDENTITIES_EVERY, purge_identities
from bot.privacy.service import PrivacyService
from bot.regions.directory import RegionDirectory
from bot.regions.geo import Boundaries
from bot.reporting import form_delivery
from bot.reporting.evidence_store import EvidenceStore
from bot.reporting.form_document import unicode_font
from bot.reporting.housekeeping import IDLE_CHECK_EVERY, PURGE_EVERY, close_idle_conversations, purge_old_drafts
from bot.reporting.intake import CONVERSATION_NAME, IntakeService
from bot.reporting.link_titles import TitleFetcher
from bot.reporting.prefill import ReportPrefiller
from bot.settings import Settings
from bot.supervision import delivery_policy as supervision_delivery
from bot.supervision.alert_sender import AlertSender
from bot.supervision.evidence_copies import EvidenceCopies
from bot.supervision.group_replies import GroupReplies
from bot.supervision.membership import MemberLookup, MemberLookupFailed, Membership, MembershipService, MemberStatus
from bot.supervision.reminders import REMIND_CHECK_EVERY, remind_unclaimed
from bot.supervision.service import SupervisionService
from bot.supervision.volunteer_groups import VolunteerGroups
from bot.tasks import report_back_delivery
from bot.tasks.answers import REPORT_BACK_CONVERSATION, TaskAnswerService
from bot.tasks.jobs import register_jobs as register_task_jobs
from bot.tasks.wiring import build_tasks
from bot.tps import delivery_policy as tps_delivery
from bot.tps.checklist import parse_times
from bot.tps.jobs import CHECKLIST_CHECK_EVERY, push_checklists
from bot.tps.service import Limits as TpsLimits
from bot.tps.service import TpsService
from bot.volunteers import delivery_policy as volunteers_delivery
from bot.volunteers.housekeeping import PURGE_VOLUNTEERS_EVERY, WAITING_CARDS_EVERY, post_waiting_cards, purge_volunteers
from bot.volunteers.organisations import OrganisationService
from bot.volunteers.reachability import Reachability
from bot.volunteers.recruitment import RecruitmentService
from bot.volunteers.registration import RegistrationService
from bot.volunteers.service import VolunteerService
from bot.volunteers.verification import VerificationService
from handlers import errors
from handlers.abuse import routes as abuse_routes
from handlers.insight import routes as insight_routes
from handlers.people import routes as people_routes
from handlers.privacy import routes as privacy_routes
from handlers.reporting import routes as reporting_routes
from handlers.supervision import routes as supervision_routes
from handlers.tasks import routes as tasks_routes
from handlers.tps import routes as tps_routes
from handlers.volunteers import routes as volunteers_routes
from storage.abuse.bans import BanRepository
from storage.database import Database, utcnow
from storage.delivery.broadcasts import BroadcastRepository
from storage.delivery.inbox import InboxRepository
from storage.delivery.outbox import OutboxRepository
from storage.delivery.workers import WorkerRepository
from storage.insight.digests import DigestRepository
from storage.insight.exports import ExportRepository
from storage.insight.facts import InsightRepository
from storage.people.users import UserRepository
from storage.privacy.personal_data import PersonalDataRepository
from storage.reporting.conversations import ConversationStore
from storage.reporting.drafts import DraftRepository
from storage.reporting.reports import ReportRepository
from storage.supervision.repository import SupervisionRepository
from storage.tasks.answers import TaskAnswerRepository
from storage.tasks.tasks import TaskRepository
from storage.tps.stations import TpsRepository
from storage.volunteers.links import LinkRepository
from storage.volunteers.organisations import OrganisationRepository
from storage.volunteers.registration_drafts import RegistrationDraftRepository
from storage.volunteers.verification import VerificationRepository
from storage.volunteers.volunteers import VolunteerRepository

log = logging.getLogger(__name__)

PantauApplication = Application[Any, PantauContext, Any, Any, Any, Any]

# The background task that sets the bot's menus and descriptions (bot/people/menus.py), in bot_data.
MENUS_TASK = "pantau.menus_task"
POLL_TIMEOUT = "pantau.poll_timeout"  # getUpdates' long-polling timeout, for a worker that starts leading later


async def create_services(settings: Settings) -> Services:
    """Open the database (migrating it) and load the region data and, if configured, the boundaries."""
    db = Database(settings.database)
    await db.open()
    regions = await asyncio.to_thread(RegionDirectory, settings.region_scope)  # ~0.2 s: off the event loop
    boundaries = None
    if settings.boundaries_file is not None:
        boundaries = await asyncio.to_thread(Boundaries.load, settings.boundaries_file)
        log.info("loaded %d kecamatan boundaries from %s", len(boundaries), settings.boundaries_file)
    reports = ReportRepository(db)
    rules = LegalRules(settings.election_kind, settings.local_days_off)  # the election served: texts and deadlines
    users = UserService(UserRepository(db), settings.default_locale)
    supervision = SupervisionService(
        SupervisionRepository(db),
        regions,
        admin_chat_id=settings.admin_chat_id,
        group_locale=settings.default_locale,
        reporter_locale=users.locale,
        rules=rules,
        cyber_routing=settings.cyber_routing,  # online content: cyber groups alongside or instead
    )
    drafts, evidence = DraftRepository(db), EvidenceStore(settings.evidence_dir)
    titles = TitleFetcher(allow_private=settings.link_titles_allow_private) if settings.link_titles else None
    intake = IntakeService(drafts, reports, regions, evidence, supervision, rules,
                           reports_per_hour=settings.limit_reports_per_hour, titles=titles)  # titles: LINK_TITLES
    outbox = OutboxRepository(db)
    organisations = OrganisationRepository(db)
    volunteers = VolunteerService(VolunteerRepository(db), organisations, regions)
    broadcasts = BroadcastRepository(db)
    task_answers = TaskAnswerService(  # a volunteer's answers and report-backs; one becomes a prefilled report
        TaskAnswerRepository(db), TaskRepository(db), volunteers, regions, evidence,
        group_locale=settings.default_locale, locate=boundaries.locate if boundaries is not None else None,
        starter=ReportPrefiller(intake, drafts, regions),
    )
    registration = RegistrationService(
        db, RegistrationDraftRepository(db), volunteers, OrganisationService(organisations, regions), regions,
        retention_days=settings.volunteer_retention_days, draft_keep_days=settings.draft_keep_days,
    )
    await registration.load()  # who is in the middle of a volunteer registration
    privacy = PrivacyService(  # /datasaya, /hapusdata, the identities' retention
        PersonalDataRepository(db, RegistrationDraftRepository(db)), regions, registration,
        retention_days=settings.identity_retention_days, cards=supervision,  # an erased identity: cards refreshed
    )
    reachability = Reachability(volunteers)
    await reachability.load()
    tps = TpsService(  # voting day: the TPS list, watchers, checklists at their local times, results photos
        TpsRepository(db), regions, volunteers,
        limits=TpsLimits(settings.tps_per_volunteer, settings.volunteers_per_tps), election=settings.election_kind,
        voting_day=settings.voting_day, times=parse_times(settings.checklist_times),
        starter=ReportPrefiller(intake, drafts, regions), files=evidence, groups=VolunteerGroups(supervision),
        refs=VerificationRepository(db), locale_for=users.locale,  # a group assigns a volunteer by their REL-…
    )
    abuse = AbuseService(  # bans (read again every few seconds) and the flood guard; operators are never slowed
        BanRepository(db), FloodGuard(settings.limit_messages_per_minute, settings.limit_message_burst),
        exempt=settings.admin_user_ids)
    await abuse.load()
    return Services(
        settings=settings,
        db=db,
        users=users,
        regions=regions,
        intake=intake,
        reports=reports,
        outbox=outbox,
        conversations=ConversationStore(db),
        inbox=InboxRepository(db),
        supervision=supervision,
        pacer=await restored_pacer(outbox),
        group_replies=GroupReplies(outbox, supervision),
        volunteers=volunteers,
        organisations=OrganisationService(organisations, regions),
        broadcasts=broadcasts,
        verification=VerificationService(
            db, VerificationRepository(db), volunteers, LinkRepository(db), VolunteerGroups(supervision), regions,
            locale=users.locale, group_locale=settings.default_locale,
        ),
        recruitment=RecruitmentService(LinkRepository(db), volunteers.repo, organisations, outbox),
        tasks=await build_tasks(settings, db, regions, volunteers, broadcasts, outbox, supervision),
        task_answers=task_answers,
        registration=registration,
        privacy=privacy,
        forms=form_delivery.FormService(reports, outbox),
        boundaries=boundaries,
        membership=MembershipService(supervision.repo),
        reachability=reachability,
        abuse=abuse,
        tps=tps,
        insight=InsightService(  # statistics, their charts, the map of reports, exports, daily digests
            InsightRepository(db), ExportRepository(db), DigestRepository(db), regions, rules, boundaries=boundaries,
            digest_time=parse_digest_time(settings.digest_time)),
        scale_out=ScaleOut(WorkerRepository(db), settings.worker_lease_seconds) if settings.scale_out else None,
    )


async def restored_pacer(outbox: OutboxRepository, pacer: GroupPacer | None = None) -> GroupPacer:
    """The group pacer, with each group's last minute as the outbox recorded it (a restart must not let a
    group get a second minute's worth). Times are stored to the second, so each counts one second longer."""
    pacer = pacer or GroupPacer()
    now = utcnow()
    for chat_id, sent_at, messages in await outbox.sent_to_groups_since(now - timedelta(seconds=pacer.window + 1)):
        age = (now - datetime.fromisoformat(sent_at)).total_seconds() - 1.0
        pacer.restore(chat_id, [age] * messages)
    return pacer


def register_handlers(application: PantauApplication) -> None:
    """Every feature's handlers, in the order that decides which one takes an update (bot/kernel/stages.py).

    Each register() adds its handlers to stages; install() adds them stage by stage, and within a stage in the
    order of these calls. The effective order, from the first handler asked to the last:
      group -3  abuse: the gate; a banned person's update (told once) or a flood (one notice) stops here
      group -2  people: every update's client language (takes nothing away)
      group -1  supervision: replies to the bot's own prompts in groups, then in private chats
      group 0   supervision: /daftar, the bot or a member joining or leaving, migration, triage buttons, /kasus
                /antrian; people then reporting: commands that work at any moment (/start /bantuan /bahasa,
                then /status /laporansaya), privacy's /datasaya /hapusdata; the same as menu buttons (help,
                language, privacy's erasure buttons, then my reports, status); reporting: the report
                conversation; then what is left: /batal with no report (reporting), a button nobody took
                (errors), a private message outside any report (people)
      errors raised by any handler: errors.on_error
    """
    stages = HandlerStages(application)
    # The gate: a banned person's update or a flood stops before anybody takes it; a banned person keeps their rights
    # over their personal data (/datasaya, /hapusdata), which go on.
    abuse_routes.register(stages, exempt=privacy_routes.is_data_rights_request)
    tps_routes.register(stages)  # voting day: /jagatps /hasil /cakupan, a results photo before a report takes it
    insight_routes.register(stages)  # /statistik /peta /ekspor /ringkasan in groups, and their buttons
    supervision_routes.register(stages)  # first: its prompt replies and group handlers come before the others
    volunteers_routes.register(stages)  # /relawan and recruitment links, verification cards, /undang /organisasi
    tasks_routes.register(stages)  # /tugas in groups; a task's buttons and report-backs in private chats
    people_routes.register(stages)  # before reporting: /start, help and language ahead of /status in each stage
    privacy_routes.register(stages)  # /datasaya /hapusdata at any moment (refused in groups), the erasure's buttons
    reporting_routes.register(stages)
    errors.register(stages)  # the leftover button and the error handler
    stages.install()


def member_lookup(bot: Bot) -> MemberLookup:
    """getChatMember, as bot/supervision/membership.py needs it. Telegram refusing the question (the user is not found in
    the chat) means not a member; anything else (network, the bot no longer there) means it could not say."""

    async def lookup(chat_id: int, user_id: int) -> Membership:
        try:
            try:
                member = await bot.get_chat_member(chat_id, user_id)
            except ChatMigrated as exc:  # a press on a card left in the group before its upgrade
                member = await bot.get_chat_member(exc.new_chat_id, user_id)
        except BadRequest as exc:
            log.info("getChatMember %s in %s refused: %s", user_id, chat_id, exc.message)
            return Membership(MemberStatus.LEFT)
        except TelegramError as exc:
            raise MemberLookupFailed(str(exc)) from exc
        try:
            status = MemberStatus(member.status)
        except ValueError:
            status = MemberStatus.UNKNOWN
        return Membership(status, bool(getattr(member, "is_member", False)))

    return lookup


def build_application(settings: Settings, services: Services) -> PantauApplication:
    """The Application, wired to our persistence, rate limiter and ordered-concurrent update processing."""
    application: PantauApplication = (
        Application.builder()
        .token(settings.telegram_bot_token)
        .base_url(settings.telegram_api_base_url)
        .base_file_url(settings.telegram_file_base_url)
        .context_types(ContextTypes(context=PantauContext))
        .persistence(SQLitePersistence(  # the report conversation's state is its draft's step, stored once
            services.conversations, update_interval=5, owned={
                CONVERSATION_NAME: services.intake.conversation_states,
                REPORT_BACK_CONVERSATION: services.task_answers.conversation_states,  # an open report-back
            }
        ))
        .rate_limiter(limiter := PacedRateLimiter(  # every call: group and overall limits
            services.pacer, per_second=settings.telegram_messages_per_second, max_retries=2
        ))
        .update_queue(queue := PersistentUpdateQueue(services.inbox))
        .concurrent_updates(PerChatUpdateProcessor(256, on_processed=(
            services.scale_out.processed if services.scale_out else services.inbox.processed)))
        .defaults(Defaults(parse_mode=ParseMode.HTML, disable_notification=False))
        .request(AiohttpRequest(connection_pool_size=64))  # aiohttp: a fifth of httpx's CPU per call
        .get_updates_request(queue.gate(connection_pool_size=2))  # commits the inbox before each offset
        .post_init(start_background)  # PTB's run_polling/run_webhook call these; Pantau.start/stop do it itself
        .post_stop(stop_background)
        .build()
    )
    application.bot_data[SERVICES_KEY] = services
    if services.scale_out is not None:  # one of several workers: received updates go to their chat's worker
        queue.shared = True
        db = services.db
        queue.on_committed = lambda: db.signal(INBOX_CHANNEL)
        if settings.telegram_messages_per_second <= PAID_MESSAGES_PER_SECOND:  # above: a benchmark, no real limit
            limiter.shared = SharedBudget(services.scale_out.workers, settings.telegram_messages_per_second).take
    services.alerts = AlertSender(
        services.supervision, services.regions, application.bot, settings.default_locale,
        rules=services.intake.rules,  # the deployment's election: the card's deadlines
        copies=EvidenceCopies(services.intake.files),  # groups get documents only as copies without metadata
        locate=services.boundaries.locate if services.boundaries is not None else None,  # a photo's EXIF place
    )
    services.membership.lookup = member_lookup(application.bot)
    register_handlers(application)
    return application


async def start_background(application: PantauApplication) -> None:
    """The Application's post_init: replay the inbox, then start the outbox worker, housekeeping jobs, menus."""
    services: Services = application.bot_data[SERVICES_KEY]
    if services.scale_out is None:  # several workers: the chats' workers take what is in the inbox
        await replay_unprocessed(services.inbox, application.update_queue, application.bot)
    assert services.alerts is not None
    # What the outbox worker knows of the messages it sends, each feature's part (bot/delivery/policy.py).
    policy = DeliveryPolicy()
    supervision_delivery.register(policy, services.alerts)  # alert cards, their parts and digests, relays, replies
    report_back_delivery.register(policy, application.bot)  # a task's report-back album, under the task's card
    volunteers_delivery.register(policy, volunteers_delivery.VolunteerSender(  # verification cards, QR codes
        services.verification, services.recruitment, BotCalls(application.bot)))
    privacy_delivery.register(policy, privacy_delivery.PrivacySender(  # /datasaya's summary and JSON document
        services.privacy, BotCalls(application.bot)))
    tps_delivery.register(policy, tps_delivery.TpsSender(services.tps, application.bot))  # the /cakupan chart
    insight_delivery.register(policy, insight_delivery.InsightSender(  # /statistik's charts, /peta, /ekspor's file
        services.insight, application.bot))
    form_delivery.register(policy, form_delivery.FormSender(  # the reporter's report form, a PDF rendered when sent
        services.reports, services.regions, services.intake.rules,
        BotCalls(application.bot), unicode_font()))
    worker = OutboxWorker(
        services.outbox,
        application.bot,
        policy=policy,
        pacer=services.pacer,
        on_unreachable=supervision_delivery.on_unreachable(services.supervision),
        on_migrated=supervision_delivery.on_migrated(services.supervision),
        on_recipient_unreachable=services.reachability.recipient_unreachable if services.reachability else None,
        paid_broadcast=services.settings.telegram_paid_broadcast,
    )
    services.outbox_worker = worker
    services.group_replies.notify = worker.notify
    services.verification.notify = services.recruitment.notify = worker.notify
    if services.scale_out is None:
        worker.start()
        register_periodic_jobs(application, services)
    else:
        await join_workers(application, services, worker)
    if application.job_queue is not None:
        heartbeat = register_heartbeat(application, services, role=HeartbeatRole.WEBHOOK if services.settings.webhook_url
                                       else HeartbeatRole.BOT)  # the heartbeat `python -m bot health` reads
        await heartbeat.job(None)  # the first one now: a health check right after the start sees this process
    if services.scale_out is None:  # several workers: the leader sets them
        start_menus(application, services)


def start_menus(application: PantauApplication, services: Services) -> None:
    """Menus and descriptions in the background: polling need not wait for them, and a refusal is only logged."""
    application.bot_data[MENUS_TASK] = asyncio.create_task(
        set_menus(application.bot, services.settings.default_locale), name="pantau-menus"
    )


def register_periodic_jobs(application: PantauApplication, services: Services) -> None:
    """The housekeeping jobs: in the one process, or in the leader of several workers."""
    if application.job_queue is None:
        return
    application.job_queue.run_repeating(close_idle_conversations, IDLE_CHECK_EVERY, first=5.0, name="idle")
    application.job_queue.run_repeating(purge_old_drafts, PURGE_EVERY, first=60.0, name="purge")
    application.job_queue.run_repeating(remind_unclaimed, REMIND_CHECK_EVERY, first=30.0, name="remind")
    register_task_jobs(application.job_queue, services.settings)  # task cards' counts, task reminders
    application.job_queue.run_repeating(purge_volunteers, PURGE_VOLUNTEERS_EVERY, first=90.0, name="volunteers")
    application.job_queue.run_repeating(post_waiting_cards, WAITING_CARDS_EVERY, first=60.0, name="waiting-cards")
    application.job_queue.run_repeating(purge_identities, PURGE_IDENTITIES_EVERY, first=120.0, name="identities")
    application.job_queue.run_repeating(push_checklists, CHECKLIST_CHECK_EVERY, first=10.0, name="tps-checklists")
    application.job_queue.run_repeating(queue_digests, DIGEST_CHECK_EVERY, first=75.0, name="digests")


async def join_workers(application: PantauApplication, services: Services, worker: OutboxWorker) -> None:
    """SCALE_OUT=true (bot/delivery/scale_out.py): take chats' updates from the inbox; when this worker leads,
    also poll (without a webhook), send the outbox and run the periodic jobs."""
    scale_out = services.scale_out
    assert scale_out is not None
    queue = application.update_queue
    bot = application.bot

    async def requeue(update_id: int, payload: dict[str, Any]) -> None:
        update = Update.de_json(payload, bot)
        if update is None:
            await scale_out.processed(update_id)
        elif isinstance(queue, PersistentUpdateQueue):
            await queue.requeue(update)
        else:
            await queue.put(update)

    async def take_over(chats: list[int]) -> None:
        loaded = await reload_chats(application, chats)  # the conversations, where the worker that is gone left them
        await services.registration.load()  # who is in the middle of a volunteer registration
        services.users.forget(chats)  # a private chat's id is its person's
        log.info("took over %d chat(s): %d conversation state(s) loaded", len(chats), loaded)

    async def lead() -> None:
        await restored_pacer(services.outbox, services.pacer)  # each group's last minute, as the outbox recorded it
        worker.start()
        await services.db.listen(OUTBOX_CHANNEL, worker.notify)
        register_periodic_jobs(application, services)
        start_menus(application, services)
        if not services.settings.webhook_url and application.updater is not None:
            await application.updater.start_polling(
                allowed_updates=Update.ALL_TYPES, timeout=application.bot_data.get(POLL_TIMEOUT, 30))

    scale_out.requeue = requeue
    scale_out.on_takeover = take_over
    scale_out.on_lead = lead
    worker.on_notify = scale_out.nudge_outbox
    await scale_out.join()
    scale_out.start()


async def stop_background(application: PantauApplication) -> None:
    """The Application's post_stop: cancel the menus task and stop the outbox worker."""
    services: Services = application.bot_data[SERVICES_KEY]
    menus: asyncio.Task[None] | None = application.bot_data.pop(MENUS_TASK, None)
    if menus is not None:
        menus.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await menus
    if services.scale_out is not None:
        await services.scale_out.halt()  # no more updates taken; its leases end once the Application stopped
    if services.outbox_worker is not None:
        await services.outbox_worker.stop()


class Pantau:
    """One running bot: services, Application, polling and background work, started and stopped together.

    `open()` builds what must exist before the Application is initialised (the lock, the database, the
    services, the Application); everything after is the Application's own post_init, post_stop and
    post_shutdown. So PTB's `run_polling` or `run_webhook` can run the Application `open()` returns, and
    `start()`/`stop()` (long polling, as the CLI and the tests run it) do the same steps themselves."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.services: Services | None = None
        self.application: PantauApplication | None = None
        self.lock = InstanceLock(settings.database_path)

    async def open(self) -> PantauApplication:
        """The single-instance lock, the services (the database, migrated) and the Application, not yet
        initialised; its post_shutdown closes the database and releases the lock (`close`)."""
        if not self.settings.scale_out:  # several workers share the database on purpose (they agree on who polls)
            self.lock.acquire()  # before anything else: AlreadyRunning if another bot has this database
        self.services = await create_services(self.settings)
        self.application = build_application(self.settings, self.services)
        self.application.post_shutdown = self.close
        return self.application

    async def start(self, *, poll_timeout: int = 30) -> None:
        """Open, initialise and start the Application, then receive updates: by webhook when WEBHOOK_URL is set
        (PTB's webhook server, bot/delivery/webhook.py), else by long polling."""
        application = await self.open()
        application.bot_data[POLL_TIMEOUT] = poll_timeout
        await application.initialize()
        await application.start()
        assert application.post_init is not None
        await application.post_init(application)  # the inbox replay and the background work
        assert application.updater is not None
        settings = self.settings
        if settings.webhook_url:
            config = WebhookConfig.create(
                settings.webhook_url, settings.webhook_listen, settings.webhook_port, settings.webhook_listen_path,
                settings.webhook_secret, settings.health_path)
            await start_webhook(application, config, self.health)
            return
        if settings.scale_out:
            log.info("Pantau is running (a worker of several; the leader polls)")
            return
        await application.updater.start_polling(allowed_updates=Update.ALL_TYPES, timeout=poll_timeout)
        log.info("Pantau is running (long polling)")

    async def health(self) -> tuple[bool, list[str]]:
        """The webhook server's health path: what `python -m bot health` says (bot/operators/health.py), and
        whether this process's Application and webhook server still run."""
        application = self.application
        receiving = application is not None and application.running and application.updater is not None and (
            application.updater.running)
        ok, lines = await health_report(self.settings, polling=False)
        if not receiving:
            lines.insert(0, "problem: this process is not receiving updates")
        return ok and receiving, lines

    async def stop(self) -> None:
        application = self.application
        try:
            if application is not None:
                if application.updater is not None and application.updater.running:
                    await application.updater.stop()
                if application.post_stop is not None:
                    await application.post_stop(application)  # here before stop(), as before; PTB runs it after
                if application.running:
                    await application.stop()
                if self.services is not None and self.services.scale_out is not None:
                    await self.services.scale_out.leave()  # after the updates under way: the others take over now
                await application.shutdown()
        finally:
            await self.close()

    async def close(self, _application: object = None) -> None:
        """Close the database and release the lock: the Application's post_shutdown, and the end of `stop`."""
        services = self.services
        if services is not None:
            await services.db.close()
        self.application = self.services = None
        self.lock.release()


async def run_bot(settings: Settings, stop: asyncio.Event | None = None) -> None:
    """Run the bot (long polling, or by webhook when WEBHOOK_URL is set) until SIGINT/SIGTERM (or `stop` is set)."""
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop.set)
    pantau = Pantau(settings)
    try:
        await pantau.start()
        # What start-up built (the region directory, the boundaries, the modules: most of the heap) lives as long
        # as the process. Frozen, the cyclic collector no longer walks it on every full collection: 6% less CPU
        # per update under load (bench.load_report --no-limiter, 300 reporters, paired runs). Here, not in
        # start(), so that a test process running many bots in turn does not keep each one's objects.
        gc.collect()
        gc.freeze()
        await stop.wait()
    finally:
        await pantau.stop()
