"""A volunteer's registration status (stored as these values in `volunteers.status`)."""

from __future__ import annotations

from enum import StrEnum


class VolunteerStatus(StrEnum):
    PENDING = "pending"  # registered, waiting for a supervisors group or a coordinator to verify
    VERIFIED = "verified"  # gets tasks for their area
    REJECTED = "rejected"
    SUSPENDED = "suspended"  # verified once, no tasks for now
    LEFT = "left"  # left with /berhenti: no more tasks; the data is kept only for the stated retention
