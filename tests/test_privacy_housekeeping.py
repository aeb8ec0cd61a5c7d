"""Housekeeping erases reporters' identities past IDENTITY_RETENTION_DAYS (the consent promises it), except where
the case is in legal process, logs each erasure, and takes the Telegram id off the reports of someone who asked
for erasure once they are closed. The job is the one bot/app.py runs every hour (bot/privacy/housekeeping.py)."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import timedelta

from bot.app import create_services
from bot.kernel.services import Services
from bot.operators.tools import show_identity
from bot.privacy.housekeeping import purge_identities
from storage.database import iso, utcnow
from storage.delivery.outbox import enqueue
from tests.conftest import SettingsFactory
from tests.privacy_seed import ADDRESS, NAME, PHONE, add_report, identity_of, log_of, reporter_of

ALICE, BUDI, CITRA = 901, 902, 903
RETENTION = 365


@dataclass
class JobContext:  # what the job queue hands the job: the running bot's services
    services: Services


async def test_identities_past_the_retention_are_erased_but_not_those_in_legal_process(
    make_settings: SettingsFactory,
) -> None:
    services = await create_services(make_settings(identity_retention_days=RETENTION))
    try:
        old = RETENTION + 5
        done_long_ago = await add_report(services, ALICE, "PTU-AAAA-0001", status="done", days_ago=old,
                                         closed_days_ago=old - 3)
        open_old = await add_report(services, ALICE, "PTU-AAAA-0002", status="claimed", days_ago=old)
        forwarded_old = await add_report(services, BUDI, "PTU-AAAA-0003", status="forwarded", days_ago=old * 3,
                                         forwarded_to="gakkumdu")
        registered_old = await add_report(services, BUDI, "PTU-AAAA-0004", status="registered", days_ago=old,
                                          registered=True)
        closed_after_legal = await add_report(services, BUDI, "PTU-AAAA-0005", status="done", days_ago=old * 2,
                                              closed_days_ago=30, registered=True)
        closed_after_legal_long_ago = await add_report(services, CITRA, "PTU-AAAA-0006", status="done",
                                                       days_ago=old * 3, closed_days_ago=old, forwarded_to="dkpp")
        recent = await add_report(services, CITRA, "PTU-AAAA-0007", days_ago=RETENTION - 1)
        anonymous_old = await add_report(services, CITRA, "PTU-AAAA-0008", days_ago=old, identity=False)

        await purge_identities(JobContext(services))

        gone = {done_long_ago, open_old, closed_after_legal_long_ago}
        kept = {forwarded_old, registered_old, closed_after_legal, recent}
        for report_id in gone | {anonymous_old}:
            assert await identity_of(services, report_id) is None, report_id
        for report_id in kept:
            assert await identity_of(services, report_id) == (NAME, ADDRESS, PHONE), report_id
        # Each erasure is logged with its case code, and nothing else is.
        assert await log_of(services, ALICE) == [("retention", "PTU-AAAA-0001"), ("retention", "PTU-AAAA-0002")]
        assert await log_of(services, BUDI) == []
        assert await log_of(services, CITRA) == [("retention", "PTU-AAAA-0006")]
        # The reports themselves stay, still their reporters' (only /hapusdata takes the Telegram id off).
        assert await reporter_of(services, done_long_ago) == ALICE
        assert (await services.db.fetchone("SELECT COUNT(*) FROM reports"))[0] == 8

        await purge_identities(JobContext(services))  # the next hour: nothing more
        assert len(await log_of(services, ALICE)) == 2
    finally:
        await services.db.close()


async def test_after_an_erasure_a_report_loses_its_telegram_id_once_it_is_closed(make_settings: SettingsFactory
                                                                                 ) -> None:
    services = await create_services(make_settings())
    try:
        was_open = await add_report(services, ALICE, "PTU-BBBB-0001", status="claimed", days_ago=3, identity=False)
        still_open = await add_report(services, ALICE, "PTU-BBBB-0002", status="received", days_ago=2, identity=False)
        async with services.db.transaction() as tx:  # Alice asked for erasure yesterday, then one case closed
            await tx.execute("INSERT INTO personal_data_log (user_id, action, detail, at) VALUES (?, 'erase', '{}', ?)",
                             (ALICE, iso(utcnow() - timedelta(days=1))))
            await tx.execute("UPDATE reports SET status = 'done', status_changed_at = ? WHERE id = ?",
                             (iso(utcnow()), was_open))
        later = await add_report(services, ALICE, "PTU-BBBB-0003", status="done", days_ago=0.5, closed_days_ago=0.1,
                                 identity=False)  # reported again after the erasure: a new consent

        await purge_identities(JobContext(services))

        assert await reporter_of(services, was_open) == 0
        assert await reporter_of(services, still_open) == ALICE  # open: its status updates still reach her
        assert await reporter_of(services, later) == ALICE
        assert [action for action, _ in await log_of(services, ALICE)] == ["erase", "unlink"]
    finally:
        await services.db.close()


async def test_the_operators_identity_lookup_says_an_erased_identity_was_erased(make_settings: SettingsFactory
                                                                                ) -> None:
    settings = make_settings(identity_retention_days=RETENTION)
    services = await create_services(settings)
    try:
        await add_report(services, ALICE, "PTU-CCCC-0001", status="done", days_ago=RETENTION + 1,
                         closed_days_ago=RETENTION)
        await add_report(services, ALICE, "PTU-CCCC-0002", days_ago=RETENTION + 1, identity=False)
        await purge_identities(JobContext(services))
    finally:
        await services.db.close()
    erased, anonymous = io.StringIO(), io.StringIO()
    await show_identity(settings, "PTU-CCCC-0001", "verifikasi laporan", erased, operator="op")
    await show_identity(settings, "PTU-CCCC-0002", "verifikasi laporan", anonymous, operator="op")
    assert "identity was erased" in erased.getvalue() and NAME not in erased.getvalue()
    assert "chose to stay anonymous" in anonymous.getvalue()


async def test_an_open_case_whose_identity_expires_gets_its_cards_refreshed_a_closed_one_does_not(
    make_settings: SettingsFactory,
) -> None:
    services = await create_services(make_settings(identity_retention_days=RETENTION))
    try:
        old = RETENTION + 5
        open_old = await add_report(services, ALICE, "PTU-DDDD-0001", status="claimed", days_ago=old)
        done_old = await add_report(services, ALICE, "PTU-DDDD-0002", status="done", days_ago=old,
                                    closed_days_ago=old - 1)
        recent = await add_report(services, BUDI, "PTU-DDDD-0003", days_ago=3)
        group = -100_555_000_001
        async with services.db.transaction() as tx:  # each case's card in a group, and a second one of the open case
            for message_id, report_id in ((11, open_old), (12, done_old), (13, recent), (14, open_old)):
                await tx.execute(
                    "INSERT INTO tracked_messages (chat_id, message_id, purpose, report_id, card_kind, created_at)"
                    " VALUES (?, ?, 'card', ?, 'alert', ?)", (group, message_id, report_id, iso(utcnow())))

        await purge_identities(JobContext(services))
        await purge_identities(JobContext(services))  # the next hour: nothing left to erase
        async with services.db.transaction() as tx:  # the same refreshes queued again: still one row a card
            for message in await services.supervision.identity_erased(tx, [open_old]):
                await enqueue(tx, message)

        rows = await services.db.fetchall("SELECT dedup_key, chat_id, payload FROM outbox WHERE method = 'pantau.refresh'"
                                          " ORDER BY id")
        assert [row["dedup_key"] for row in rows] == [f"refresh:{open_old}:{group}:11:identity_erased",
                                                      f"refresh:{open_old}:{group}:14:identity_erased"]
        assert {row["chat_id"] for row in rows} == {group}
        assert await identity_of(services, open_old) is None and await identity_of(services, done_old) is None
    finally:
        await services.db.close()
