"""What a supervisors' group reads of its statistics (issue 14): /statistik's message and caption, and the daily
digest. Only case codes, categories, statuses and places: never who reported."""

from __future__ import annotations

from datetime import date, timedelta
from html import escape

from bot.insight.stats import Period, Statistics
from bot.regions.directory import RegionDirectory
from locales import t

MAX_LINES = 12  # per section: a message holds 4,096 characters
MAX_OVERDUE = 10


def duration(locale: str, span: timedelta | None) -> str:
    if span is None:
        return t(locale, "insight.stats.none")
    minutes = int(span.total_seconds() // 60)
    if minutes < 60:
        return t(locale, "insight.duration.minutes", count=minutes)
    hours, minutes = divmod(minutes, 60)
    if hours < 48:
        return t(locale, "insight.duration.hours", hours=hours, minutes=minutes)
    days, hours = divmod(hours, 24)
    return t(locale, "insight.duration.days", days=days, hours=hours)


def zone_label(regions: RegionDirectory, region: str | None) -> str:
    """WIB, WITA or WIT: the region's, or (everywhere: the admin chat) the deployment's scope's."""
    if region:
        return regions.tz_label(region)
    return regions.tz_label(regions.scope.code) if regions.scope is not None else "WIB"


def region_name(regions: RegionDirectory, region: str | None, locale: str) -> str:
    found = regions.get(region) if region else None
    return found.path if found is not None else t(locale, "insight.everywhere")


def _section(locale: str, title: str, rows: list[tuple[str, int]]) -> list[str]:
    lines = [title] + [t(locale, "insight.stats.line", name=escape(name), count=count) for name, count in rows[:MAX_LINES]]
    rest = sum(count for _, count in rows[MAX_LINES:])
    if rest:
        lines.append(t(locale, "insight.stats.more", count=rest))
    return lines


def statistics_text(locale: str, regions: RegionDirectory, region: str | None, period: Period, stats: Statistics,
                    volunteers: tuple[int, int, int] | None) -> str:
    """The statistics message (without the pictures, which follow as an album)."""
    tz = zone_label(regions, region)
    lines = [t(locale, "insight.stats.title", region=escape(region_name(regions, region, locale)),
               period=t(locale, f"insight.period.{period.value}"), tz=tz), ""]
    if not stats.total:
        lines.append(t(locale, "insight.stats.empty"))
    else:
        lines.append(t(locale, "insight.stats.total", total=stats.total, laporan=stats.laporan,
                       informasi=stats.informasi_awal))
        lines += ["", *_section(locale, t(locale, "insight.stats.by_category"),
                                [(t(locale, f"category.{c}.name"), n) for c, n in stats.by_category])]
        lines += ["", *_section(locale, t(locale, "insight.stats.by_status"),
                                [(t(locale, f"status.{s}"), n) for s, n in stats.by_status])]
        if len(stats.by_area) > 1 or (stats.by_area and stats.by_area[0][0] != region):  # not only the region itself
            areas = [((found.name if (found := regions.get(code)) else code), n) for code, n in stats.by_area]
            lines += ["", *_section(locale, t(locale, "insight.stats.by_area"), areas)]
        lines += ["", t(locale, "insight.stats.median_claim", duration=duration(locale, stats.median_claim)),
                  t(locale, "insight.stats.median_close", duration=duration(locale, stats.median_close))]
        if stats.unclaimed:
            lines.append(t(locale, "insight.stats.unclaimed", count=stats.unclaimed))
    if stats.overdue:
        lines += ["", t(locale, "insight.stats.overdue", count=len(stats.overdue))]
        lines += [t(locale, "insight.stats.overdue_line", code=o.case_code, status=t(locale, f"status.{o.status}"),
                    due=f"{o.due:%d/%m/%Y}") for o in stats.overdue[:MAX_OVERDUE]]
        if len(stats.overdue) > MAX_OVERDUE:
            lines.append(t(locale, "insight.stats.more", count=len(stats.overdue) - MAX_OVERDUE))
    if volunteers is not None:
        verified, sent, done = volunteers
        lines += ["", t(locale, "insight.stats.volunteers", verified=verified, sent=sent, done=done)]
    return "\n".join(lines)


def caption(locale: str, regions: RegionDirectory, region: str | None, period: Period, stats: Statistics) -> str:
    return t(locale, "insight.stats.caption", region=escape(region_name(regions, region, locale)),
             period=t(locale, f"insight.period.{period.value}"), total=stats.total, overdue=len(stats.overdue))


def digest_text(locale: str, regions: RegionDirectory, region: str | None, day: date, yesterday: Statistics,
                everything: Statistics) -> str:
    """The morning's digest: yesterday's new cases by category, what is still open, overdue and unclaimed."""
    lines = [t(locale, "insight.digest.title", region=escape(region_name(regions, region, locale)),
               date=f"{day:%d/%m/%Y}"), ""]
    if yesterday.total:
        lines.append(t(locale, "insight.digest.yesterday", count=yesterday.total))
        lines += [t(locale, "insight.stats.line", name=escape(t(locale, f"category.{c}.name")), count=n)
                  for c, n in yesterday.by_category[:MAX_LINES]]
    else:
        lines.append(t(locale, "insight.digest.none_yesterday"))
    still_open = sum(n for s, n in everything.by_status if s in ("received", "claimed", "registered"))
    lines += ["", t(locale, "insight.digest.open", count=still_open)]
    if everything.unclaimed:
        lines.append(t(locale, "insight.stats.unclaimed", count=everything.unclaimed))
    if everything.overdue:
        lines.append(t(locale, "insight.stats.overdue", count=len(everything.overdue)))
        lines += [t(locale, "insight.stats.overdue_line", code=o.case_code, status=t(locale, f"status.{o.status}"),
                    due=f"{o.due:%d/%m/%Y}") for o in everything.overdue[:MAX_OVERDUE]]
    lines += ["", t(locale, "insight.digest.footer")]
    return "\n".join(lines)
