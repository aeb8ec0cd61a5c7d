"""The legal rules of one deployment: its election's profile (bot/legal/profile.py) counted on its calendar (the
national holidays and its local days off). Every deadline a reporter or a supervisor is shown comes from here."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from bot.legal.calendar import LegalCalendar
from bot.legal.kinds import Counting, ElectionKind
from bot.legal.profile import LegalProfile, Period, deadline, is_stale, profile, reporting_deadline


@dataclass(frozen=True, slots=True)
class Deadline:
    """The last day of a period, with the period it ends (its length, counting and article)."""

    day: date
    period: Period


class LegalRules:
    def __init__(self, kind: ElectionKind | str = ElectionKind.PILKADA, local_days_off: Iterable[date] = ()) -> None:
        self.profile: LegalProfile = profile(kind)
        self.calendar = LegalCalendar(local_days_off)

    @property
    def kind(self) -> ElectionKind:
        return self.profile.kind

    @property
    def working_days(self) -> bool:
        """Whether this election's reporting window counts working days."""
        return self.profile.reporting.counting is Counting.WORKING

    def reporting_deadline(self, known: date, *, tsm: bool = False) -> Deadline | None:
        """The last day to report a violation known since `known`; None: a TSM violation reportable until voting
        day (the profile says where that rule is)."""
        day = reporting_deadline(self.profile, self.calendar, known, tsm=tsm)
        return None if day is None else Deadline(day, self.profile.reporting)

    def is_stale(self, known: date, today: date, *, tsm: bool = False) -> bool:
        return is_stale(self.profile, self.calendar, known, today, tsm=tsm)

    def handling(self, received: date) -> Deadline:
        """When the supervisors must decide on a report received (Pilkada) or registered (Pemilu) on that day."""
        return Deadline(deadline(self.profile.handling, self.calendar, received), self.profile.handling)

    def handling_extended(self, received: date) -> Deadline:
        """The same, at the latest, when more information is needed."""
        period = self.profile.handling_extended
        return Deadline(deadline(period, self.calendar, received), period)

    def initial_review(self, received: date) -> Deadline | None:
        """The kajian awal's deadline; None where the profile does not know one (texts then say so)."""
        period = self.profile.initial_review
        return None if period is None else Deadline(deadline(period, self.calendar, received), period)

    def in_person(self, received: date) -> Deadline:
        """The last day an online reporter can bring the identity card, signature and evidence in person."""
        period = self.profile.in_person
        return Deadline(deadline(period, self.calendar, received), period)

    def bring_by(self, received: date, known: date, *, tsm: bool = False) -> Deadline:
        """The day to come in person by: the in-person follow-up of an online report, but never later than the
        window for filing a laporan (whether a report through the bot already counts as filed is not settled:
        the earlier of the two is the one that cannot be missed). A window that had closed before the report was
        received is no day to come by: the follow-up is."""
        follow_up = self.in_person(received)
        filing = self.reporting_deadline(known, tsm=tsm)
        return filing if filing is not None and received <= filing.day < follow_up.day else follow_up
