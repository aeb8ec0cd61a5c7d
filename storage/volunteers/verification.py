"""Verifying volunteers: every SQL statement about their references, cards, deciders and identity views."""

from __future__ import annotations

from dataclasses import dataclass

from storage.database import Database, Tx, iso, utcnow


@dataclass(frozen=True, slots=True)
class CardRow:
    """A verification card queued for a chat (its outbox row is `dedup_key`)."""

    ref: int
    chat_id: int
    audience: str  # 'group' or 'coordinator'
    dedup_key: str


@dataclass(frozen=True, slots=True)
class Decision:
    """Who gave a volunteer their status from a card."""

    user_id: int
    status: str
    by_user_id: int
    by_name: str
    by_chat_id: int
    as_coordinator: bool
    at: str


@dataclass(frozen=True, slots=True)
class IdentityView:
    viewer_user_id: int
    volunteer_user_id: int
    chat_id: int
    via: str
    outcome: str | None
    at: str


class VerificationRepository:
    def __init__(self, db: Database) -> None:
        self.db = db

    # ---- references ---------------------------------------------------------------------------

    async def ref_of(self, tx: Tx, user_id: int) -> int:
        """The volunteer's card reference, given the first time it is asked for (inside `tx`)."""
        return await given_ref(tx, user_id)

    async def user_of(self, ref: int) -> int | None:
        row = await self.db.fetchone("SELECT user_id FROM volunteer_refs WHERE ref = ?", (ref,))
        return int(row["user_id"]) if row else None

    async def known_ref(self, user_id: int) -> int | None:
        row = await self.db.fetchone("SELECT ref FROM volunteer_refs WHERE user_id = ?", (user_id,))
        return int(row["ref"]) if row else None

    # ---- cards --------------------------------------------------------------------------------

    async def pending_without_group_card(self) -> list[int]:
        """Pending volunteers whose registration (since their status was set) has no card in any group yet:
        no supervisors group covered their region when they registered."""
        rows = await self.db.fetchall(
            "SELECT v.user_id FROM volunteers v WHERE v.status = 'pending' AND NOT EXISTS ("
            " SELECT 1 FROM volunteer_cards c JOIN volunteer_refs r ON r.ref = c.ref"
            " WHERE r.user_id = v.user_id AND c.audience = 'group' AND c.created_at >= v.status_at)"
            " ORDER BY v.status_at",
        )
        return [r["user_id"] for r in rows]

    async def add_card(self, tx: Tx, ref: int, chat_id: int, audience: str, dedup_key: str) -> None:
        await tx.execute(
            "INSERT INTO volunteer_cards (ref, chat_id, audience, dedup_key, created_at) VALUES (?, ?, ?, ?, ?)"
            " ON CONFLICT DO NOTHING",
            (ref, chat_id, audience, dedup_key, iso(utcnow())),
        )

    async def cards(self, tx: Tx, ref: int) -> list[CardRow]:
        """The cards of a volunteer's latest registration and the earlier ones, newest first (inside `tx`)."""
        async with tx.execute(
            "SELECT ref, chat_id, audience, dedup_key FROM volunteer_cards WHERE ref = ? ORDER BY id DESC", (ref,)
        ) as cur:
            rows = await cur.fetchall()
        return [CardRow(r["ref"], r["chat_id"], r["audience"], r["dedup_key"]) for r in rows]

    async def card_message(self, dedup_key: str) -> int | None:
        """Where a card was posted (its outbox row's message id), once it was."""
        row = await self.db.fetchone("SELECT telegram_message_id FROM outbox WHERE dedup_key = ?", (dedup_key,))
        return int(row["telegram_message_id"]) if row and row["telegram_message_id"] is not None else None

    # ---- decisions ----------------------------------------------------------------------------

    async def status_in(self, tx: Tx, user_id: int) -> str | None:
        """The volunteer's status as the transaction sees it (the write lock makes read-then-change atomic)."""
        async with tx.execute("SELECT status FROM volunteers WHERE user_id = ?", (user_id,)) as cur:
            row = await cur.fetchone()
        return str(row["status"]) if row else None

    async def record_decision(self, tx: Tx, decision: Decision) -> None:
        await tx.execute(
            "INSERT INTO volunteer_decisions (user_id, status, by_user_id, by_name, by_chat_id, as_coordinator, at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (user_id) DO UPDATE SET status = excluded.status,"
            " by_user_id = excluded.by_user_id, by_name = excluded.by_name, by_chat_id = excluded.by_chat_id,"
            " as_coordinator = excluded.as_coordinator, at = excluded.at",
            (decision.user_id, decision.status, decision.by_user_id, decision.by_name, decision.by_chat_id,
             int(decision.as_coordinator), decision.at),
        )

    async def forget_decision(self, tx: Tx, user_id: int) -> None:
        """A new registration: no decision yet."""
        await tx.execute("DELETE FROM volunteer_decisions WHERE user_id = ?", (user_id,))

    async def decision(self, user_id: int) -> Decision | None:
        row = await self.db.fetchone(
            "SELECT user_id, status, by_user_id, by_name, by_chat_id, as_coordinator, at FROM volunteer_decisions"
            " WHERE user_id = ?", (user_id,),
        )
        if row is None:
            return None
        return Decision(row["user_id"], row["status"], row["by_user_id"], row["by_name"], row["by_chat_id"],
                        bool(row["as_coordinator"]), row["at"])

    async def last_event(self, tx: Tx, user_id: int) -> int:
        """The id of the volunteer's newest status event (what a notice of it is keyed by)."""
        async with tx.execute("SELECT COALESCE(MAX(id), 0) AS id FROM volunteer_events WHERE user_id = ?",
                              (user_id,)) as cur:
            row = await cur.fetchone()
        return int(row["id"]) if row else 0

    # ---- organisations, as cards name them ----------------------------------------------------

    async def organisation_name(self, organisation_id: int) -> str | None:
        row = await self.db.fetchone("SELECT name FROM organisations WHERE id = ?", (organisation_id,))
        return str(row["name"]) if row else None

    # ---- identity views -----------------------------------------------------------------------

    async def log_identity(self, viewer_user_id: int, volunteer_user_id: int, chat_id: int, via: str,
                           tx: Tx | None = None) -> int:
        """Record a look at a volunteer's identity before it is shown; its id (for the outcome)."""
        if tx is None:
            async with self.db.transaction() as own:
                return await self.log_identity(viewer_user_id, volunteer_user_id, chat_id, via, own)
        cur = await tx.execute(
            "INSERT INTO volunteer_identity_log (viewer_user_id, volunteer_user_id, chat_id, via, at)"
            " VALUES (?, ?, ?, ?, ?) RETURNING id",
            (viewer_user_id, volunteer_user_id, chat_id, via, iso(utcnow())),
        )
        return cur.returned_id()

    async def identity_outcome(self, log_id: int, outcome: str) -> None:
        async with self.db.transaction() as tx:
            await tx.execute("UPDATE volunteer_identity_log SET outcome = ? WHERE id = ?", (outcome, log_id))

    async def identity_views(self, volunteer_user_id: int) -> list[IdentityView]:
        rows = await self.db.fetchall(
            "SELECT viewer_user_id, volunteer_user_id, chat_id, via, outcome, at FROM volunteer_identity_log"
            " WHERE volunteer_user_id = ? ORDER BY id", (volunteer_user_id,),
        )
        return [IdentityView(r["viewer_user_id"], r["volunteer_user_id"], r["chat_id"], r["via"], r["outcome"],
                             r["at"]) for r in rows]


async def given_ref(tx: Tx, user_id: int) -> int:
    """The volunteer's reference (REL-0042), given the first time it is asked for. Looked up before the INSERT:
    on PostgreSQL an INSERT that meets a conflict still takes a number from the identity, and the references
    people see would have gaps (SQLite's rowid takes none)."""
    async with tx.execute("SELECT ref FROM volunteer_refs WHERE user_id = ?", (user_id,)) as cur:
        row = await cur.fetchone()
    if row is None:
        async with tx.execute(
            "INSERT INTO volunteer_refs (user_id) VALUES (?) ON CONFLICT DO NOTHING RETURNING ref", (user_id,)
        ) as cur:
            row = await cur.fetchone()
    assert row is not None
    return int(row["ref"])
