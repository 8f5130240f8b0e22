"""A session's invitation as calendars read it (iTIP, RFC 5546): METHOD:REQUEST or CANCEL.

A minimal stand-in of the invitations work (request and cancel, with their final signatures)
so `paperclub announce` can attach invitations before it lands; that work replaces it.
"""

from __future__ import annotations

from collections.abc import Sequence

from paperclub import __version__
from paperclub.models import Person, Plan, Session
from paperclub.text import one_line


def request(plan: Plan, session: Session, attendees: Sequence[Person]) -> bytes:
    """The session's invitation: METHOD:REQUEST, its UID and SEQUENCE, an ATTENDEE each."""
    return _calendar("REQUEST", plan, session, attendees)


def cancel(plan: Plan, session: Session, attendees: Sequence[Person]) -> bytes:
    """The session called off: METHOD:CANCEL, STATUS:CANCELLED, the same UID."""
    return _calendar("CANCEL", plan, session, attendees)


def _calendar(method: str, plan: Plan, session: Session, attendees: Sequence[Person]) -> bytes:
    from icalendar import Calendar, Event, vCalAddress, vText

    from paperclub.default_plugins.ics import summary

    cal = Calendar()
    cal.add("prodid", f"-//paperclub//paperclub {__version__}//EN")
    cal.add("version", "2.0")
    cal.add("method", method)
    event = Event()
    event.add("uid", session.uid)
    event.add("dtstamp", session.modified or session.start)
    event.add("sequence", session.sequence)
    event.add("dtstart", session.start)
    event.add("dtend", session.end)
    event.add("summary", summary(plan, session))
    event.add("status", "CANCELLED" if method == "CANCEL" else "CONFIRMED")
    organizer = vCalAddress(f"mailto:{plan.organizer.email}")
    organizer.params["CN"] = vText(one_line(plan.organizer.name))
    event.add("organizer", organizer)
    for person in attendees:
        if person.email:
            attendee = vCalAddress(f"mailto:{person.email}")
            attendee.params.update(
                {
                    "CN": vText(one_line(person.name)),
                    "ROLE": "REQ-PARTICIPANT",
                    "PARTSTAT": "NEEDS-ACTION",
                    "RSVP": "TRUE",
                    "CUTYPE": "INDIVIDUAL",
                }
            )
            event.add("attendee", attendee)
    cal.add_component(event)
    return cal.to_ical()
