"""The kinds of organisation that recruit volunteers (no imports: the CLI reads them for its --type choices)."""

from __future__ import annotations

from enum import StrEnum


class OrganisationKind(StrEnum):
    """The kinds of organisation Bawaslu's participatory supervision works with (stored as these values)."""

    STUDENTS = "students"  # BEM, campus organisations
    OKP = "okp"  # organisasi kepemudaan: youth organisations
    ORMAS = "ormas"  # organisasi kemasyarakatan: community organisations
    CYBER_MEDIA = "cyber_media"  # cyber-media associations
    OBSERVER = "observer"  # accredited election observers
    SKPP_ALUMNI = "skpp_alumni"  # alumni of the participatory supervision school
    OTHER = "other"
