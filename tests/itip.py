"""What the invitation tests share: libical's iTIP check (tests/itip_check.py, run by the
system Python), a reply made from an invitation as a member's calendar makes it, and the
MIME layouts in which mail clients send such a reply."""

from __future__ import annotations

import os
import subprocess
from email.message import EmailMessage
from email.policy import SMTP
from pathlib import Path

import pytest
from icalendar import Calendar, Event, vCalAddress, vText

HERE = Path(__file__).resolve().parent
FIXTURES = HERE / "fixtures" / "replies"
# Debian's Python, where python3-gi and gir1.2-ical-3.0 install; or another with libical
SYSTEM_PYTHON = os.environ.get("PAPERCLUB_ITIP_PYTHON") or "/usr/bin/python3"


def itip_check(
    data: bytes, tmp_path: Path, name: str = "itip.ics", python: str | None = None
) -> list[str]:
    """libical's X-LIC-ERRORs for the calendar `data` ([] when it passes its restriction
    check). Without libical the test fails, saying what to install: it is never skipped."""
    path = tmp_path / name
    path.write_bytes(data)
    try:
        done = subprocess.run(
            [python or SYSTEM_PYTHON, str(HERE / "itip_check.py"), str(path)],
            capture_output=True,
            text=True,
            timeout=60,
        )
    except FileNotFoundError:
        pytest.fail(
            f"{python or SYSTEM_PYTHON} is missing: the iTIP checks need the system Python with libical "
            "(Debian: scripts/ensure-libical as root installs python3-gi gir1.2-ical-3.0)"
        )
    if done.returncode == 2:
        pytest.fail(done.stderr.strip())
    assert done.returncode in (0, 1), done
    return done.stdout.splitlines()


def event_of(data: bytes) -> Event:
    (event,) = Calendar.from_ical(data).walk("VEVENT")
    return event


def client_reply(
    request: bytes,
    email: str,
    partstat: str,
    dtstamp: str = "20261120T090000Z",
    prodid: str = "-//Test Client//Reply//EN",
) -> bytes:
    """The METHOD:REPLY a calendar client sends for `email` when its user answers the
    invitation `request`, as RFC 5546 3.2.3 has it (and Google, Outlook, Thunderbird do): the
    invitation's event with the same UID, SEQUENCE and times, only the answering ATTENDEE,
    with its PARTSTAT and without RSVP, and a DTSTAMP of the moment it answered."""
    invitation = Calendar.from_ical(request)
    cal = Calendar()
    cal.add("prodid", prodid)
    cal.add("version", "2.0")
    cal.add("method", "REPLY")
    for tz in invitation.walk("VTIMEZONE"):
        cal.add_component(tz)
    (old,) = invitation.walk("VEVENT")
    event = Event()
    for key in ("UID", "SEQUENCE", "DTSTART", "DTEND", "SUMMARY", "ORGANIZER"):
        event[key] = old[key]
    event.add(
        "dtstamp", Event.from_ical(f"BEGIN:VEVENT\r\nDTSTAMP:{dtstamp}\r\nEND:VEVENT")["DTSTAMP"].dt
    )
    attendees = old["ATTENDEE"] if isinstance(old["ATTENDEE"], list) else [old["ATTENDEE"]]
    (mine,) = [a for a in attendees if str(a).lower() == f"mailto:{email.lower()}"]
    answer = vCalAddress(str(mine))
    for key, value in mine.params.items():
        if key != "RSVP":
            answer.params[key] = value
    answer.params["PARTSTAT"] = vText(partstat)
    event.add("attendee", answer)
    cal.add_component(event)
    return cal.to_ical()


def rewritten(ics: bytes, uid: str, email: str, name: str) -> bytes:
    """A real client's reply made an answer to one of our sessions: its UID and its
    attendee's address and name replaced (what that client would have sent to us), every
    other line as the client wrote it."""
    cal = Calendar.from_ical(ics)
    for event in cal.walk("VEVENT"):
        event["UID"] = uid
        old = event["ATTENDEE"]
        attendee = vCalAddress(f"mailto:{email}")
        for key, value in old.params.items():
            attendee.params[key] = value
        attendee.params["CN"] = vText(name)
        event["ATTENDEE"] = attendee
    return cal.to_ical()


def _message(sender: str, subject: str) -> EmailMessage:
    m = EmailMessage(policy=SMTP)
    m["From"] = sender
    m["To"] = "Ada Lovelace <ada@example.org>"
    m["Subject"] = subject
    m["Date"] = "Fri, 20 Nov 2026 10:00:00 +0100"
    m["Message-ID"] = "<reply-1@client.example>"
    return m


def gmail(ics: bytes, sender: str) -> bytes:
    """Gmail's layout: multipart/mixed of a multipart/alternative (text, HTML, and the
    text/calendar; method=REPLY) and the same calendar again as an invite.ics attachment."""
    m = _message(sender, "Accepted: ML Systems Reading Group")
    m.set_content(f"{sender} has accepted this invitation.")
    m.add_alternative("<p>has accepted this invitation.</p>", subtype="html")
    m.add_alternative(ics, "text", "calendar", params={"method": "REPLY"}, cte="7bit")
    m.add_attachment(ics, "application", "ics", filename="invite.ics")
    return m.as_bytes()


def outlook(ics: bytes, sender: str) -> bytes:
    """Outlook's layout: multipart/alternative of text, HTML and a base64 text/calendar;
    method=REPLY, nothing attached."""
    m = _message(sender, "Declined: ML Systems Reading Group")
    m.set_content("")
    m.add_alternative("<html><body></body></html>", subtype="html")
    m.add_alternative(ics, "text", "calendar", params={"method": "REPLY"}, cte="base64")
    return m.as_bytes()


def thunderbird(ics: bytes, sender: str) -> bytes:
    """Thunderbird's (Lightning's) layout: multipart/mixed of a multipart/alternative (text
    and an 8-bit text/calendar; method=REPLY) and an application/ics invite.ics attachment."""
    m = _message(sender, "Tentatively Accepted: ML Systems Reading Group")
    m.set_content("This is a reply to an invitation.")
    m.add_alternative(ics, "text", "calendar", params={"method": "REPLY"}, cte="8bit")
    m.add_attachment(ics, "application", "ics", filename="invite.ics")
    return m.as_bytes()
