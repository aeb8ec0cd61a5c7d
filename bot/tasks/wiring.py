"""Tasks as the composition root builds them (bot/app.py): the service, and the supervisors group's side that
hangs off it (the /tugas form, the card, the reminders)."""

from __future__ import annotations

from datetime import timedelta

from bot.regions.directory import RegionDirectory
from bot.settings import Settings
from bot.supervision.service import SupervisionService
from bot.tasks.areas import Areas
from bot.tasks.cards import TaskCards
from bot.tasks.forms import TaskForms
from bot.tasks.messages import task_message, task_parts
from bot.tasks.ports import VolunteerRoster
from bot.tasks.reminders import TaskReminders
from bot.tasks.service import TaskService
from bot.volunteers.organisations import OrganisationService
from storage.database import Database
from storage.delivery.broadcasts import BroadcastRepository
from storage.delivery.outbox import OutboxRepository
from storage.tasks.drafts import TaskDraftRepository
from storage.tasks.tasks import TaskRepository
from storage.volunteers.organisations import OrganisationRepository


async def build_tasks(settings: Settings, db: Database, regions: RegionDirectory, roster: VolunteerRoster,
                      broadcasts: BroadcastRepository, outbox: OutboxRepository,
                      supervision: SupervisionService) -> TaskService:
    repo = TaskRepository(db)
    organisations = OrganisationService(OrganisationRepository(db), regions)
    areas = Areas(regions)
    locale = settings.default_locale
    cards = TaskCards(db, repo, broadcasts, outbox, areas, organisations, locale)
    tasks = TaskService(db, repo, roster, broadcasts, task_message, locale, parts=task_parts, cards=cards)
    tasks.forms = TaskForms(db, TaskDraftRepository(db), tasks, supervision, regions, areas, organisations, outbox,
                            locale)
    await tasks.forms.load()
    tasks.reminders = TaskReminders(db, repo, timedelta(minutes=settings.task_reminder_minutes), locale)
    return tasks
