"""Retention: a volunteer who left (or was rejected) is deleted after VOLUNTEER_RETENTION_DAYS with everything
that holds their data (the consent statement promises it), and nobody else's rows."""

from __future__ import annotations

import os
from datetime import timedelta
from typing import Any

from bot.app import create_services
from bot.kernel.services import Services
from bot.volunteers.status import VolunteerStatus
from storage.database import iso, utcnow
from storage.delivery.outbox import OutboxMessage
from storage.tasks.answers import TaskAnswerRepository, TaskEvidenceRow
from storage.tasks.tasks import NewTask
from storage.volunteers.verification import Decision, VerificationRepository
from storage.volunteers.volunteers import NewVolunteer
from tests.conftest import SettingsFactory

ADMIN = -100_999_000_001
LEAVER, STAYER, RETURNER = 801, 802, 803

# Every table that holds a volunteer's rows, and how to find them.
PER_VOLUNTEER = {
    "volunteers": "SELECT COUNT(*) FROM volunteers WHERE user_id = ?",
    "volunteer_events": "SELECT COUNT(*) FROM volunteer_events WHERE user_id = ?",
    "volunteer_drafts": "SELECT COUNT(*) FROM volunteer_drafts WHERE user_id = ?",
    "task_assignments": "SELECT COUNT(*) FROM task_assignments WHERE user_id = ?",
    "task_reports": "SELECT COUNT(*) FROM task_reports WHERE user_id = ?",
    "task_report_evidence": "SELECT COUNT(*) FROM task_report_evidence e JOIN task_reports r"
                            " ON r.id = e.task_report_id WHERE r.user_id = ?",
    "volunteer_refs": "SELECT COUNT(*) FROM volunteer_refs WHERE user_id = ?",
    "volunteer_cards": "SELECT COUNT(*) FROM volunteer_cards c JOIN volunteer_refs r ON r.ref = c.ref"
                       " WHERE r.user_id = ?",
    "volunteer_decisions": "SELECT COUNT(*) FROM volunteer_decisions WHERE user_id = ?",
    "outbox (their chat, done)": "SELECT COUNT(*) FROM outbox WHERE chat_id = ? AND status NOT IN ('pending', 'sending')",
}


async def _count(services: Services, sql: str, *args: Any) -> int:
    row = await services.db.fetchone(sql, args)
    assert row is not None
    return int(row[0])


async def _rows_of(services: Services, user_id: int) -> dict[str, int]:
    return {table: await _count(services, sql, user_id) for table, sql in PER_VOLUNTEER.items()}


async def _volunteer_with_everything(services: Services, user_id: int, task_id: int, photo: bytes) -> str:
    """A verified volunteer with a card, a decision, an identity view, a task answer, a report-back with a photo,
    delivered messages and a registration draft. The photo's hash."""
    verification = VerificationRepository(services.db)
    new = NewVolunteer(user_id, user_id, f"Siti Rahma {user_id}", None, "students", "15.71.04", "+6281100000",
                       True, "2026-12")
    async with services.db.transaction() as tx:
        row = await services.volunteers.register(new, tx)
        await services.verification.registered(tx, row)  # ref, card in the admin chat, its outbox row
    assert await services.volunteers.set_status(user_id, VolunteerStatus.VERIFIED, f"group:{ADMIN}:7")
    async with services.db.transaction() as tx:
        await verification.record_decision(tx, Decision(user_id, "verified", 7, "Budi", ADMIN, False, iso(utcnow())))
    await verification.log_identity(7, user_id, ADMIN, "card")
    answers = TaskAnswerRepository(services.db)
    assert await answers.set_answer(task_id, user_id, "accepted", expected="offered")
    report = await answers.start_report(task_id, user_id)
    await answers.set_text(report.id, "Logistik tiba terlambat")
    stored = await services.intake.files.put(photo)
    assert await answers.add_evidence(report.id, TaskEvidenceRow("photo", f"file-{user_id}", f"uniq-{user_id}",
                                                                 "stored", stored.sha256, stored.size, "image/jpeg"))
    assert await answers.submit(report.id, [])
    # Messages to their private chat, delivered: their texts hold the name.
    for n in range(2):
        await services.outbox.add(OutboxMessage(f"test:{user_id}:{n}", user_id, "sendMessage",
                                                {"text": f"Halo Siti Rahma {user_id}"}))
    async with services.db.transaction() as tx:
        await tx.execute("UPDATE outbox SET status = 'sent', sent_at = ? WHERE chat_id = ?", (iso(utcnow()), user_id))
    await services.registration.drafts.start(user_id, user_id, f"tok{user_id}", "name", {"name": "Siti"}, 1)
    return stored.sha256


async def test_a_volunteer_past_the_retention_is_deleted_everywhere(make_settings: SettingsFactory) -> None:
    services = await create_services(make_settings(admin_chat_id=ADMIN, draft_keep_days=400))  # drafts outlive the retention
    try:
        for uid in (LEAVER, STAYER, RETURNER):
            await services.volunteers.register(NewVolunteer(uid, uid, "x", None, "students", "15.71.04", "+62811",
                                                            True, "2026-12"))
            await services.volunteers.set_status(uid, VolunteerStatus.VERIFIED, "test")
        task = await services.tasks.create_and_send(
            NewTask(ADMIN, 7, "15.71.04", "Pantau logistik di PPK", "Asia/Jakarta", report_back=True,
                    source_update_id=1))
        hashes = {uid: await _volunteer_with_everything(services, uid, task.id, f"photo of {uid}".encode())
                  for uid in (LEAVER, STAYER, RETURNER)}
        # A pending message to the leaver is not touched (the worker owns it).
        await services.outbox.add(OutboxMessage("test:pending", LEAVER, "sendMessage", {"text": "x"}))
        before = {uid: await _rows_of(services, uid) for uid in (LEAVER, STAYER, RETURNER)}
        for uid in (LEAVER, STAYER, RETURNER):
            assert all(before[uid].values()), before[uid]

        # The leaver left, the returner left and registered again; both a year and a day ago.
        assert await services.registration.leave(LEAVER, LEAVER, "left:1", lambda _: "bye") is not None
        assert await services.registration.leave(RETURNER, RETURNER, "left:2", lambda _: "bye") is not None
        await services.volunteers.register(NewVolunteer(RETURNER, RETURNER, "Siti Rahma", None, "students",
                                                        "15.71.04", "+62811", True, "2026-12"))
        old = iso(utcnow() - timedelta(days=366))
        async with services.db.transaction() as tx:
            await tx.execute("UPDATE volunteers SET status_at = ? WHERE user_id IN (?, ?)", (old, LEAVER, RETURNER))
            # The leaver's draft was written before they left (a draft written since would be a new registration).
            await tx.execute("UPDATE volunteer_drafts SET updated_at = ? WHERE user_id = ?",
                             (iso(utcnow() - timedelta(days=367)), LEAVER))
        views_before = await _count(services, "SELECT COUNT(*) FROM volunteer_identity_log WHERE volunteer_user_id = ?",
                                    LEAVER)

        assert await services.registration.purge() == (1, 0)

        assert await _rows_of(services, LEAVER) == dict.fromkeys(PER_VOLUNTEER, 0)
        # What is still to be sent to them stays: the test's row and their leaving confirmation (no worker runs here).
        assert await _count(services, "SELECT COUNT(*) FROM outbox WHERE chat_id = ? AND status = 'pending'",
                            LEAVER) == 2
        # The access log stays (who looked at whose identity), and it holds no name.
        assert await _count(services, "SELECT COUNT(*) FROM volunteer_identity_log WHERE volunteer_user_id = ?",
                            LEAVER) == views_before > 0
        for uid in (STAYER, RETURNER):  # the others' rows are intact (the returner's events grew)
            after = await _rows_of(services, uid)
            assert after == before[uid] | {"volunteer_events": after["volunteer_events"]}, uid
            assert after["volunteer_events"] >= before[uid]["volunteer_events"]

        # The report-back's photo is unreferenced now: the evidence purge removes it, and only it.
        for sha in hashes.values():
            path = services.intake.files.path_for(sha)
            os.utime(path, (0, 0))
        await services.intake.purge(utcnow() - timedelta(days=services.settings.draft_keep_days))
        assert not services.intake.files.path_for(hashes[LEAVER]).exists()
        assert services.intake.files.path_for(hashes[STAYER]).exists()
        assert services.intake.files.path_for(hashes[RETURNER]).exists()
    finally:
        await services.db.close()
