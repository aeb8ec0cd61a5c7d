"""What the reporting room needs from other rooms, as small interfaces those rooms implement.

Reporting never imports another feature (an import-linter contract holds it): the composition root hands
`IntakeService` an object that has these methods. Today `SupervisionService` is the `AlertPlanner`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, TypeVar

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


class JoinedCase(Protocol):
    """An open case of the same online content that a new report joins: its id, its code, and how many people
    reported it so far."""

    @property
    def report_id(self) -> int: ...

    @property
    def case_code(self) -> str: ...

    @property
    def reporters(self) -> int: ...


Joined = TypeVar("Joined", bound=JoinedCase)


class AlertPlanner(Protocol[Joined]):
    """Supervision's alerting, as intake uses it: route a new report before its transaction, then plan
    its alerts (the outbox messages committed with the report) once its id is known."""

    async def route(self, region_code: str, *, online: bool = False) -> AlertRoute: ...

    def alert_messages(
        self,
        report_id: int,
        chat_ids: tuple[int, ...],
        evidence: list[EvidenceRef],
        location: tuple[float, float] | None,
    ) -> list[OutboxMessage]: ...

    async def joinable(self, normalized_links: Sequence[str]) -> Joined | None:
        """The open case of the same online content (one of these links, normalised), which a new report joins
        instead of becoming a case of its own; None: no such case."""

    def join_messages(self, case: Joined, report_id: int, evidence: list[EvidenceRef]) -> list[OutboxMessage]:
        """What the case's groups are sent when report `report_id` joins it: its cards refreshed (reported by one
        more), the new report's evidence under them."""
