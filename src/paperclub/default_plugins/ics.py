"""Emitter: the group's calendar feed (RFC 5545, 5546 PUBLISH, 7986 properties), and a
member's (their turns to present, `Plan.member`: see feeds.py).

One VEVENT per session, its UID fixed in the plan; SEQUENCE, STATUS and the stamps come from
the plan too, never from the clock, so the same plan gives the same bytes. Presenters go in
CONTACT and DESCRIPTION, not ATTENDEE (a published feed invites no one). A cancelled session
says so and where its papers went, not what it held as if it were still on.

The VTIMEZONE is written in the form Outlook and Google write: one STANDARD and one DAYLIGHT
observance, each with a yearly RRULE (`BYMONTH=10;BYDAY=-1SU`), derived from the zone's
transitions in the years the plan spans. icalendar's own form (`add_missing_timezones`) lists
every transition from 1970 to 2038 as an RDATE, which Outlook misreads (events shift by an
hour), with each onset in the offset after the change, not before it as RFC 5545 has it. When
a zone's rules change within the span, no yearly RRULE describes it: the span's changes are
listed as RDATEs then, with the onsets right and one RDATE a line.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta, timezone, tzinfo
from typing import TYPE_CHECKING

from paperclub import __version__
from paperclub.hookspecs import hookimpl
from paperclub.models import notes_link
from paperclub.text import day_label, link_kind, one_line, web_url
from paperclub.turns import PRESENTER, holders, role_lines, role_of

if TYPE_CHECKING:
    from icalendar import Event, Timezone, TimezoneDaylight, TimezoneStandard, vCalAddress

    from paperclub.models import Plan, Session
    from paperclub.plugins import Hooks
    from paperclub.registry import Emitter

# Text from a catalog or a hand-edited plan is made one line (or printable, for the
# description) before it goes in: icalendar escapes , ; \\ and newlines, but RFC 5545 allows
# no other control character in a TEXT value, and a bare CR would end the content line.


def describe(plan: Plan, session: Session) -> str:
    if session.cancelled:
        return describe_cancelled(plan, session)
    lines = []
    for n, a in enumerate(session.papers, 1):
        lines.append(f"{n}. {one_line(a.title)}")
        if a.presenter:
            lines.append(f"   Presenter: {one_line(a.presenter)}")
        for kind, url in sorted(a.links.items()):
            if link := web_url(url):
                lines.append(f"   {one_line(link_kind(kind)).capitalize()}: {link}")
        if a.topics:
            lines.append(f"   Topics: {', '.join(one_line(t) for t in a.topics)}")
    lines = lines or ["Papers to be announced."]
    lines += role_lines(session)  # Chair: Ada Lovelace
    notes = web_url(notes_link(plan, session))
    if notes:  # the event's URL stays the group's page: the notes are a line of their own
        lines.append(f"Notes: {notes}")
    return "\n".join(lines)


def describe_cancelled(plan: Plan, session: Session) -> str:
    """That it is cancelled, and where its papers went: not its papers and presenters as if
    it were still on (a second live copy of papers that moved to another date)."""
    lines = ["This session is cancelled."]
    moves = plan.moves(session)
    if moves:
        lines[0] += " Its papers:"
    for n, (a, to) in enumerate(moves, 1):
        lines.append(f"{n}. {one_line(a.title)}")
        lines.append(f"   Moved to {when(plan, to)}" if to else "   No longer planned")
    return "\n".join(lines)


def summary(plan: Plan, session: Session) -> str:
    if session.cancelled:
        return f"Cancelled: {one_line(plan.group)}"
    titles = "; ".join(one_line(a.title) for a in session.papers) or "papers to be announced"
    return f"{one_line(plan.group)}: {titles}"


def when(plan: Plan, session: Session) -> str:
    """`Thu 10 Dec 2026, 16:00–17:30 (Europe/Berlin)`."""
    from zoneinfo import ZoneInfo

    zone = ZoneInfo(plan.timezone)
    start, end = session.start.astimezone(zone), session.end.astimezone(zone)
    return f"{day_label(start)}, {start:%H:%M}–{end:%H:%M} ({plan.timezone})"


# -- a member's feed: their turns ---------------------------------------------------------
# The group's feed has the sessions; a member who subscribes to it and to their own would see
# each session twice (and get two reminders) if their feed held the sessions too. So it holds
# what the group's does not: an all-day "Your turn" event on each day they present, free
# time (TRANSP:TRANSPARENT) and without an alarm, cancelled when the turn is no longer theirs.


def turn_status(plan: Plan, session: Session) -> str:
    """`on`, `cancelled` (the session is) or `gone` (the turn went to someone else)."""
    if plan.member not in holders(session):
        return "gone"
    return "cancelled" if session.cancelled else "on"


def turn_summary(plan: Plan, session: Session) -> str:
    state = turn_status(plan, session)
    if state == "gone":
        # which role was theirs is not kept: a group with roles says it plainly
        gone = "the turn is no longer yours" if session.roles else "you no longer present"
        return f"Cancelled: your turn ({gone})"
    role = role_of(session, plan.member or "")
    if role is not None and role != PRESENTER:
        titles = "; ".join(one_line(a.title) for a in session.papers) or "papers to be announced"
        mine = f"your turn as {one_line(role)}: {titles}"
        return ("Cancelled: " + mine) if state == "cancelled" else mine[:1].upper() + mine[1:]
    titles = "; ".join(one_line(a.title) for a in session.papers if a.presenter == plan.member)
    return (
        "Cancelled: your turn: present " if state == "cancelled" else "Your turn: present "
    ) + titles


def turn_description(plan: Plan, session: Session) -> str:
    state = turn_status(plan, session)
    if state == "gone":
        had = "have a turn" if session.roles else "present"
        return (
            f"You no longer {had} at the session of {when(plan, session)}. The session "
            "goes ahead: it is in the group's calendar."
        )
    if state == "cancelled":
        return f"The session of {when(plan, session)} is cancelled."
    role = role_of(session, plan.member or "")
    doing = "present" if role in (None, PRESENTER) else f"are {one_line(role)}"
    return f"You {doing} at the session of {when(plan, session)}:\n{describe(plan, session)}"


def event_url(plan: Plan, session: Session) -> str | None:
    """The group's page when it has one, else the first paper's abstract page (web
    addresses only; not for a cancelled session, whose papers are read elsewhere if at all)."""
    if session.cancelled:
        return web_url(plan.url)
    return web_url(plan.url) or next(
        (link for a in session.papers if (link := web_url(a.links.get("abs")))), None
    )


# -- VTIMEZONE --------------------------------------------------------------------------------

_WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")


def _state(zone: tzinfo, instant: datetime) -> tuple[timedelta, str]:
    """The offset and name in force in `zone` at `instant`."""
    local = instant.astimezone(zone)
    offset, name = local.utcoffset(), local.tzname()
    if offset is None or name is None:  # a ZoneInfo always has both; another tzinfo may not
        raise ValueError(f"the time zone {zone} gives no offset or name at {instant}")
    return offset, name


def transitions(zone: tzinfo, year: int) -> list[tuple[datetime, timedelta, timedelta, str]]:
    """The zone's changes of offset or name in `year`: (onset as local wall-clock time in the
    old offset, old offset, new offset, new name), found by scanning day by day and bisecting
    to the second."""
    found: list[tuple[datetime, timedelta, timedelta, str]] = []
    day = timedelta(days=1)
    t = datetime(year, 1, 1, tzinfo=timezone.utc)
    end = datetime(year + 1, 1, 1, tzinfo=timezone.utc)
    before = _state(zone, t)
    while t < end:
        after = _state(zone, t + day)
        if after != before:
            lo, hi = t, t + day  # lo in the old state, hi in the new one
            while hi - lo > timedelta(seconds=1):
                mid = (lo + (hi - lo) / 2).replace(microsecond=0)
                if _state(zone, mid) == before:
                    lo = mid
                else:
                    hi = mid
            old, new = before[0], after[0]
            found.append(((hi + old).replace(tzinfo=None), old, new, after[1]))
            before = _state(zone, hi)
            t = hi
            continue
        before = after
        t += day
    return found


def _ordinals(onset: datetime) -> set[int]:
    """The BYDAY ordinals that name this date's weekday in its month: 1..4, and -1 when it is
    the month's last such weekday."""
    next_month = date(onset.year + onset.month // 12, onset.month % 12 + 1, 1)
    days_in_month = (next_month - timedelta(days=1)).day
    out = set()
    if (onset.day - 1) // 7 < 4:
        out.add((onset.day - 1) // 7 + 1)
    if onset.day + 7 > days_in_month:
        out.add(-1)
    return out


def vtimezone(name: str, first: date, last: date) -> Timezone:
    """A VTIMEZONE for the zone `name`, right for every local time from `first` to `last`:
    STANDARD and DAYLIGHT with yearly RRULEs, one STANDARD alone for a zone without daylight
    saving, and the changes listed one by one (RDATE) when the rules change within those
    years."""
    from zoneinfo import ZoneInfo

    from icalendar import Timezone

    zone = ZoneInfo(name)
    # from the year before the first session, so an observance begins before every event
    years = range(first.year - 1, last.year + 1)
    rules: dict[tuple, list[datetime]] = {}
    per_year: list[list[tuple]] = []
    for year in years:
        keys = []
        for onset, old, new, tzname in transitions(zone, year):
            key = (new > old, old, new, tzname, onset.month, onset.weekday(), onset.time())
            rules.setdefault(key, []).append(onset)
            keys.append(key)
        per_year.append(sorted(keys))
    tz = Timezone()
    tz.add("tzid", name)
    if not rules:  # no daylight saving: one observance, no rule
        start = datetime(years[0], 1, 1)
        offset, tzname = _state(zone, start.replace(tzinfo=zone))
        tz.add_component(_observance(False, start, offset, offset, tzname))
        return tz
    ordinals = {
        key: set.intersection(*(_ordinals(o) for o in onsets)) for key, onsets in rules.items()
    }
    regular = (
        len(rules) == 2
        and {key[0] for key in rules} == {True, False}  # one to daylight, one back
        and all(keys == per_year[0] for keys in per_year)  # the same two every year
        and all(ordinals.values())
    )
    if not regular:
        return _listed(tz, zone, years[0], rules)
    for key, onsets in sorted(rules.items(), key=lambda kv: kv[1][0]):
        daylight, old, new, tzname, month, weekday, _ = key
        n = -1 if -1 in ordinals[key] else min(ordinals[key])
        sub = _observance(daylight, onsets[0], old, new, tzname)
        sub.add("rrule", {"FREQ": "YEARLY", "BYMONTH": month, "BYDAY": f"{n}{_WEEKDAYS[weekday]}"})
        tz.add_component(sub)
    return tz


def _observance(
    daylight: bool, onset: datetime, old: timedelta, new: timedelta, tzname: str
) -> TimezoneDaylight | TimezoneStandard:
    from icalendar import TimezoneDaylight, TimezoneStandard

    sub: TimezoneDaylight | TimezoneStandard = (
        TimezoneDaylight() if daylight else TimezoneStandard()
    )
    sub.add("dtstart", onset)
    sub.add("tzoffsetfrom", old)
    sub.add("tzoffsetto", new)
    sub.add("tzname", tzname)
    return sub


def _listed(tz: Timezone, zone: tzinfo, year: int, rules: dict[tuple, list[datetime]]) -> Timezone:
    """The transitions of the span listed one by one (RDATE), for a zone whose rules change
    within it: the observance in force on January 1 of `year`, then one per kind of change.
    As icalendar's `Timezone.from_tzinfo`, but limited to the span, and with each onset in the
    offset before the change, as RFC 5545 has it (icalendar gives the time after it, which
    vobject then misreads)."""
    start = datetime(year, 1, 1)
    local = start.replace(tzinfo=zone)
    offset, tzname = _state(zone, local)
    tz.add_component(_observance(bool(local.dst()), start, offset, offset, tzname))
    merged: dict[tuple, list[datetime]] = {}
    for (daylight, old, new, tzname, *_), onsets in rules.items():
        merged.setdefault((daylight, old, new, tzname), []).extend(onsets)
    for (daylight, old, new, tzname), onsets in sorted(merged.items(), key=lambda kv: min(kv[1])):
        onsets = sorted(onsets)
        sub = _observance(daylight, onsets[0], old, new, tzname)
        for onset in onsets[1:]:  # one RDATE each: vobject reads only a list's first date
            sub.add("rdate", onset)
        tz.add_component(sub)
    return tz


PRODID = f"-//paperclub//paperclub {__version__}//EN"


def organizer(plan: Plan) -> vCalAddress:
    """The group's organizer as an ORGANIZER value, with their name as CN."""
    from icalendar import vCalAddress, vText

    address = vCalAddress(f"mailto:{plan.organizer.email}")
    address.params["CN"] = vText(one_line(plan.organizer.name).replace('"', "'"))
    return address


def plan_vtimezone(plan: Plan) -> Timezone:
    """The VTIMEZONE of the group's sessions: right for every one of them."""
    from zoneinfo import ZoneInfo

    zone = ZoneInfo(plan.timezone)
    first = min(s.start.astimezone(zone).date() for s in plan.sessions)
    last = max(s.end.astimezone(zone).date() for s in plan.sessions)
    return vtimezone(plan.timezone, first, last)


class IcsEmitter:
    name = "ics"
    extension = ".ics"
    media_type = "text/calendar"

    def __init__(self, hooks: Hooks | None = None) -> None:
        self.hooks = hooks

    def render(self, plan: Plan) -> bytes:
        from zoneinfo import ZoneInfo

        from icalendar import Calendar

        zone = ZoneInfo(plan.timezone)
        cal = Calendar()
        cal.add("prodid", PRODID)
        cal.add("version", "2.0")
        cal.add("calscale", "GREGORIAN")
        cal.add("method", "PUBLISH")
        cal.add("name", one_line(plan.group))
        cal.add("x-wr-calname", one_line(plan.group))
        cal.add("x-wr-timezone", plan.timezone)
        cal.add("refresh-interval", timedelta(days=1), parameters={"VALUE": "DURATION"})
        cal.add("x-published-ttl", "P1D")
        for session in plan.sessions:
            cal.add_component(self.event(plan, session, zone))
        if plan.member is None and plan.sessions:
            cal.subcomponents.insert(0, plan_vtimezone(plan))
        cal.add_missing_timezones()  # any other zone a plugin's customize_event used
        return cal.to_ical()

    def event(self, plan: Plan, session: Session, zone: tzinfo) -> Event:
        """The session's VEVENT as the feed has it (the invitations of invitations.py start
        from it too, so an invitation and the feed agree on UID, SEQUENCE, times and text)."""
        from icalendar import Event

        event = Event()
        event.add("uid", session.uid)
        event.add("dtstamp", session.modified)
        if session.created:
            event.add("created", session.created)
        event.add("last-modified", session.modified)
        event.add("sequence", session.sequence)
        if plan.member is not None:
            self._turn(event, plan, session, zone)
        else:
            self._session(event, plan, session, zone)
        if plan.location:
            event.add("location", one_line(plan.location))
        event.add("organizer", organizer(plan))
        url = event_url(plan, session)
        if url:
            event.add("url", url)
        if self.hooks is not None:
            self.hooks.customize_event(event, session, plan)
        return event

    @staticmethod
    def _session(event: Event, plan: Plan, session: Session, zone: tzinfo) -> None:
        from icalendar import Alarm

        event.add("status", "CANCELLED" if session.cancelled else "CONFIRMED")
        event.add("dtstart", session.start.astimezone(zone))
        event.add("dtend", session.end.astimezone(zone))
        event.add("summary", summary(plan, session))
        event.add("description", describe(plan, session))
        if session.cancelled:
            return  # no presenters, topics or reminder for a session that is not held
        for presenter in sorted(set(session.presenters)):
            event.add("contact", one_line(presenter))
        topics = list(dict.fromkeys(one_line(t) for a in session.papers for t in a.topics))
        if topics:
            event.add("categories", topics)
        if plan.alarm:
            alarm = Alarm()
            alarm.add("action", "DISPLAY")
            alarm.add("trigger", -plan.alarm)
            alarm.add("description", summary(plan, session))
            event.add_component(alarm)

    @staticmethod
    def _turn(event: Event, plan: Plan, session: Session, zone: tzinfo) -> None:
        day = session.start.astimezone(zone).date()
        event.add("status", "CONFIRMED" if turn_status(plan, session) == "on" else "CANCELLED")
        event.add("dtstart", day)
        event.add("dtend", day + timedelta(days=1))
        event.add("transp", "TRANSPARENT")
        event.add("summary", turn_summary(plan, session))
        event.add("description", turn_description(plan, session))


@hookimpl(trylast=True)
def paperclub_register_emitters(register: Callable[[Emitter], None], hooks: Hooks) -> None:
    register(IcsEmitter(hooks))
