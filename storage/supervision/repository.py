"""The supervision repository: groups and codes, cases and transitions, alerts and awaited replies, in one."""

from __future__ import annotations

from storage.database import Database
from storage.supervision.alerts import AlertStore
from storage.supervision.cases import CaseStore
from storage.supervision.groups import GroupStore


class SupervisionRepository(GroupStore, CaseStore, AlertStore):
    """Supervisor groups, their registration codes, alerts, triage transitions and the audit log."""

    def __init__(self, db: Database) -> None:
        self.db = db
