"""Reports as the database holds them after months of handling, for the privacy tests: submitted long ago, with an
identity and evidence, moved along the case statuses (with the triage events that record it)."""

from __future__ import annotations

from datetime import timedelta

from bot.kernel.services import Services
from storage.database import iso, utcnow

NAME, ADDRESS, PHONE = "Siti Aminah", "Jl. Gatot Subroto No. 5, Jambi", "+6281234567890"


async def add_report(services: Services, user_id: int, code: str, *, status: str = "received", days_ago: float = 1,
                     closed_days_ago: float | None = None, identity: bool = True, forwarded_to: str | None = None,
                     registered: bool = False, files: int = 0, region: str = "15.71.04") -> int:
    """A report of `user_id` submitted `days_ago`; its status `status`, reached `closed_days_ago` (for a closed
    one); with a `register` event if `registered`; with `files` pieces of evidence. Its id."""
    submitted = utcnow() - timedelta(days=days_ago)
    changed = utcnow() - timedelta(days=closed_days_ago) if closed_days_ago is not None else submitted
    async with services.db.transaction() as tx:
        cur = await tx.execute(
            "INSERT INTO reports (case_code, reporter_user_id, reporter_chat_id, locale, category, chronology,"
            " incident_local, timezone, region_code, location_source, anonymous, kind, missing, status, submitted_at,"
            " status_changed_at, forwarded_to, known_local) VALUES (?, ?, ?, 'id', 'money_politics', ?, ?,"
            " 'Asia/Jakarta', ?, 'picker', ?, ?, '[]', ?, ?, ?, ?, ?) RETURNING id",
            (code, user_id, user_id, f"Amplop dibagikan ({code})", submitted.date().isoformat(), region,
             int(not identity), "laporan" if identity else "informasi_awal", status, iso(submitted), iso(changed),
             forwarded_to, submitted.date().isoformat()),
        )
        report_id = cur.returned_id()
        assert report_id is not None
        if identity:
            await tx.execute(
                "INSERT INTO reporter_identities (report_id, name, address, phone, phone_source)"
                " VALUES (?, ?, ?, ?, 'typed')", (report_id, NAME, ADDRESS, PHONE),
            )
        if registered:
            await tx.execute(
                "INSERT INTO report_events (report_id, action, actor_id, actor_name, chat_id, from_status, to_status,"
                " at) VALUES (?, 'register', 7, 'Budi', -100, 'claimed', 'registered', ?)", (report_id, iso(submitted)),
            )
        for n in range(files):
            await tx.execute(
                "INSERT INTO evidence (report_id, kind, telegram_file_id, telegram_unique_id, sha256, size, mime_type,"
                " file_name, stored, created_at) VALUES (?, 'document', ?, ?, ?, ?, 'application/pdf', ?, 'stored', ?)",
                (report_id, f"file-{code}-{n}", f"uniq-{code}-{n}", f"{n:064x}", 2048 * (n + 1), f"bukti-{n}.pdf",
                 iso(submitted)),
            )
    return report_id


async def identity_of(services: Services, report_id: int) -> tuple[str, ...] | None:
    row = await services.db.fetchone("SELECT name, address, phone FROM reporter_identities WHERE report_id = ?",
                                     (report_id,))
    return tuple(row) if row else None


async def reporter_of(services: Services, report_id: int) -> int:
    row = await services.db.fetchone("SELECT reporter_user_id FROM reports WHERE id = ?", (report_id,))
    assert row is not None
    return int(row[0])


async def log_of(services: Services, user_id: int) -> list[tuple[str, str]]:
    rows = await services.db.fetchall("SELECT action, detail FROM personal_data_log WHERE user_id = ? ORDER BY id",
                                      (user_id,))
    return [(r["action"], r["detail"]) for r in rows]
