"""The dates a group meets on, from its meeting rules."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from paperclub.models import Meetings, Slot

MAX_SESSIONS = 1000  # a term longer than this is a typo in `until`


def meeting_dates(rules: Meetings) -> list[date]:
    """Every `every_weeks` weeks on `weekday` from `start`, minus the skipped dates.

    `count` counts the meetings held: a skipped date does not use one up.
    """
    day = rules.start + timedelta(days=(rules.weekday - rules.start.weekday()) % 7)
    skip = set(rules.skip)
    dates: list[date] = []
    step = timedelta(weeks=rules.every_weeks)
    while len(dates) < MAX_SESSIONS:
        if rules.until is not None and day > rules.until:
            break
        if rules.count is not None and len(dates) >= rules.count:
            break
        if day not in skip:
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
