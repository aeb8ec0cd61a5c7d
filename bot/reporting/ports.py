"""What the reporting room needs from other rooms, as small interfaces those rooms implement.

Reporting never imports another feature (an import-linter contract holds it): the composition root hands
`IntakeService` an object that has these methods. Today `SupervisionService` is the `AlertPlanner`.
"""

from __future__ import annotations

from typing import Protocol

from storage.delivery.outbox import OutboxMessage
from storage.supervision.cases import EvidenceRef


class AlertRoute(Protocol):
    """Who is alerted about a report: the level and region routing chose, and those groups' chats."""

    @property
    def level(self) -> str: ...

    @property
    def region(self) -> str | None: ...

    @property
    def chat_ids(self) -> tuple[int, ...]: ...


class AlertPlanner(Protocol):
    """Supervision's alerting, as intake uses it: route a new report before its transaction, then plan
    its alerts (the outbox messages committed with the report) once its id is known."""

    async def route(self, region_code: str, *, category: str | None = None) -> AlertRoute: ...

    def alert_messages(
        self,
        report_id: int,
        chat_ids: tuple[int, ...],
        evidence: list[EvidenceRef],
        location: tuple[float, float] | None,
    ) -> list[OutboxMessage]: ...
