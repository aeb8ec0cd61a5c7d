"""Verifying volunteers: a card in the supervisors group of the volunteer's region (or the one above it) with
✅ / ❌, pressable only by that group's members, or a verified coordinator of the same organisation; and the
volunteer told of each status change in their language.

(Foundation stub: `registered` is called in the registration's transaction; the verification part fills it.)
"""

from __future__ import annotations

from storage.database import Tx
from storage.volunteers.volunteers import VolunteerRow


class VerificationService:
    async def registered(self, tx: Tx, volunteer: VolunteerRow) -> None:
        """Inside the registration's transaction: queue what a new (pending) registration must cause."""
