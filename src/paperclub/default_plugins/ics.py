"""Emitter: the group's calendar feed (RFC 5545, 5546 PUBLISH, 7986 properties).

One VEVENT per session, its UID fixed in the plan; SEQUENCE, STATUS and the stamps come from
the plan too, never from the clock, so the same plan gives the same bytes. Presenters go in
CONTACT and DESCRIPTION, not ATTENDEE (a published feed invites no one).
"""

from __future__ import annotations

from datetime import timedelta

from paperclub import __version__
from paperclub.hookspecs import hookimpl


def describe(session) -> str:
    lines = []
    for n, a in enumerate(session.papers, 1):
        lines.append(f"{n}. {a.title}")
        if a.presenter:
            lines.append(f"   Presenter: {a.presenter}")
        for kind, url in sorted(a.links.items()):
            lines.append(f"   {kind.capitalize()}: {url}")
        if a.topics:
            lines.append(f"   Topics: {', '.join(a.topics)}")
    return "\n".join(lines) or "Papers to be announced."


def summary(plan, session) -> str:
    titles = "; ".join(a.title for a in session.papers) or "papers to be announced"
    return f"{plan.group}: {titles}"


class IcsEmitter:
    name = "ics"
    extension = ".ics"
    media_type = "text/calendar"

    def __init__(self, hooks=None):
        self.hooks = hooks

    def render(self, plan) -> bytes:
        from zoneinfo import ZoneInfo

        from icalendar import Calendar, Event, vCalAddress, vText

        zone = ZoneInfo(plan.timezone)
        cal = Calendar()
        cal.add("prodid", f"-//paperclub//paperclub {__version__}//EN")
        cal.add("version", "2.0")
        cal.add("calscale", "GREGORIAN")
        cal.add("method", "PUBLISH")
        cal.add("name", plan.group)
        cal.add("x-wr-calname", plan.group)
        cal.add("x-wr-timezone", plan.timezone)
        cal.add("refresh-interval", timedelta(days=1), parameters={"VALUE": "DURATION"})
        cal.add("x-published-ttl", "P1D")
        organizer = vCalAddress(f"mailto:{plan.organizer.email}")
        organizer.params["CN"] = vText(plan.organizer.name)
        for session in plan.sessions:
            event = Event()
            event.add("uid", session.uid)
            event.add("dtstamp", session.modified)
            if session.created:
                event.add("created", session.created)
            event.add("last-modified", session.modified)
            event.add("sequence", session.sequence)
            event.add("status", "CANCELLED" if session.status == "cancelled" else "CONFIRMED")
            event.add("dtstart", session.start.astimezone(zone))
            event.add("dtend", session.end.astimezone(zone))
            event.add("summary", summary(plan, session))
            event.add("description", describe(session))
            if plan.location:
                event.add("location", plan.location)
            event.add("organizer", organizer)
            presenters = sorted({a.presenter for a in session.papers if a.presenter})
            for presenter in presenters:
                event.add("contact", presenter)
            topics = list(dict.fromkeys(t for a in session.papers for t in a.topics))
            if topics:
                event.add("categories", topics)
            if self.hooks is not None:
                self.hooks.customize_event(event, session, plan)
            cal.add_component(event)
        cal.add_missing_timezones()
        return cal.to_ical()


@hookimpl(trylast=True)
def paperclub_register_emitters(register, hooks):
    register(IcsEmitter(hooks))
