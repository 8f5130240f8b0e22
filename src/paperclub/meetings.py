"""The dates a group meets on, from its meeting rules."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from paperclub.models import Meetings, Slot

MAX_SESSIONS = 1000  # a term longer than this is a typo in `until`
WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def holiday_calendar(code: str, year: int) -> dict[date, str]:
    """Public holidays of a country (`DE`) or one of its subdivisions (`DE-BY`) in `year`,
    from the `holidays` library (the `holidays` extra)."""
    try:
        import holidays
    except ImportError:
        raise ValueError(
            "skipping holidays needs the holidays library: pip install 'paperclub[holidays]'"
        ) from None
    country, _, region = code.partition("-")
    try:
        return dict(holidays.country_holidays(country, subdiv=region or None, years=year))
    except NotImplementedError:
        raise ValueError(f"no holiday calendar for {code!r}") from None


def skipped(rules: Meetings, day: date) -> str | None:
    """Why there is no meeting on `day`, or None."""
    if day in rules.skip:
        return "in meetings.skip"
    if rules.holidays:
        name = _holidays(rules.holidays, day.year).get(day)
        if name:
            return f"{name} ({rules.holidays})"
    return None


@lru_cache(maxsize=64)
def _holidays(code: str, year: int) -> dict[date, str]:
    return holiday_calendar(code, year)


def meeting_dates(rules: Meetings) -> list[date]:
    """Every `every_weeks` weeks on `weekday` from `start`, minus the skipped dates and, with
    `holidays`, the public holidays.

    `count` counts the meetings held: a skipped date does not use one up.
    """
    day = rules.start + timedelta(days=(rules.weekday - rules.start.weekday()) % 7)
    dates: list[date] = []
    step = timedelta(weeks=rules.every_weeks)
    while len(dates) < MAX_SESSIONS:
        if rules.until is not None and day > rules.until:
            break
        if rules.count is not None and len(dates) >= rules.count:
            break
        if not skipped(rules, day):
            dates.append(day)
        day += step
    return dates


def slots(rules: Meetings, timezone: str) -> list[Slot]:
    """Dated slots with start and end in the group's time zone; ids s01, s02, ... by order."""
    zone = ZoneInfo(timezone)
    out = []
    for n, day in enumerate(meeting_dates(rules), 1):
        start = datetime.combine(day, rules.time, tzinfo=zone)
        # Add the duration in UTC so a meeting across a DST change keeps its length.
        end = (start.astimezone(ZoneInfo("UTC")) + rules.duration).astimezone(zone)
        out.append(Slot(id=f"s{n:02d}", start=start, end=end))
    return out
