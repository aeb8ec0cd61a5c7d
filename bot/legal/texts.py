"""The legal rules as people read them: every sentence that states a period, a deadline or a requirement is
built here from the deployment's rules (bot/legal/rules.py) and the locale's words, so that no text states a
figure the profile does not have. Dates are the region's local dates."""

from __future__ import annotations

from datetime import date

from bot.legal.kinds import Counting
from bot.legal.profile import Period
from bot.legal.rules import Deadline, LegalRules
from bot.regions.directory import RegionDirectory
from locales import t

DATE = "%d-%m-%Y"


class LegalTexts:
    def __init__(self, rules: LegalRules, regions: RegionDirectory) -> None:
        self.rules = rules
        self.regions = regions

    @property
    def kind(self) -> str:
        return self.rules.kind.value

    def period(self, locale: str, period: Period) -> str:
        """"7 hari kerja" / "3 hari" (with plurals in English)."""
        key = "legal.working_days" if period.counting is Counting.WORKING else "legal.calendar_days"
        return t(locale, key, count=period.days)

    def deadline(self, locale: str, deadline: Deadline) -> str:
        """"16-04-2025 (7 hari kerja, UU 7/2017 Pasal 454 ayat (6))"."""
        return t(locale, "legal.deadline", date=deadline.day.strftime(DATE), period=self.period(locale, deadline.period),
                 source=deadline.period.source)

    def window(self, locale: str) -> str:
        """The reporting window in words: "7 hari sejak diketahui (…)"."""
        return t(locale, "legal.window", period=self.period(locale, self.rules.profile.reporting),
                 source=self.rules.profile.reporting.source)

    def reporting_period(self, locale: str) -> str:
        """The reporting window's length alone: "7 hari kerja"."""
        return self.period(locale, self.rules.profile.reporting)

    def regulation(self) -> str:
        return self.rules.profile.regulation

    def office(self, locale: str, region_code: str) -> str:
        """Where to bring what a laporan still needs: the Bawaslu of the report's kabupaten/kota, or the Panwaslu
        of its kecamatan."""
        chain = {int(region.level): region.name for region in self.regions.ancestors(region_code)}
        kabupaten, kecamatan = chain.get(2), chain.get(3)
        if kabupaten and kecamatan:
            return t(locale, "legal.office", kabupaten=kabupaten, kecamatan=kecamatan)
        return t(locale, "legal.office_any")

    def reporting_deadline(self, locale: str, known: date, *, tsm: bool) -> str:
        """The last day to file the laporan, or, for a TSM violation where the law allows it, until voting day."""
        deadline = self.rules.reporting_deadline(known, tsm=tsm)
        if deadline is None:
            return t(locale, "legal.until_voting_day", source=self.rules.profile.tsm_until_voting_day or "")
        return self.deadline(locale, deadline)

    def in_person(self, locale: str, received: date, region_code: str, known: date, *, tsm: bool) -> str:
        """What an online reporter still has to bring, where and by when (`LegalRules.bring_by`), for the report
        to become a laporan."""
        deadline = self.rules.bring_by(received, known, tsm=tsm)
        return t(locale, "legal.in_person", office=self.office(locale, region_code),
                 deadline=self.deadline(locale, deadline))

    def handling(self, locale: str) -> str:
        """How long the supervisors have to decide, for the reporter (the start depends on the election)."""
        profile = self.rules.profile
        return t(locale, f"legal.handling_{self.kind}", period=self.period(locale, profile.handling),
                 extended=self.period(locale, profile.handling_extended),
                 source=f"{profile.handling.source}, {profile.handling_extended.source}")

    def decision(self, locale: str, received: date, registered: date) -> str:
        """For the reporter once the report is registered: by when the supervisors decide (Pilkada counts from
        receipt, Pemilu from registration), and the latest date when more information is needed."""
        start = registered if self.rules.kind.value == "pemilu" else received
        return t(locale, "legal.decision", deadline=self.deadline(locale, self.rules.handling(start)),
                 extended=self.deadline(locale, self.rules.handling_extended(start)))
