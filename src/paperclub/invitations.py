"""Invitations that calendars understand (iTIP, RFC 5546, sent by email as iMIP, RFC 6047):
a session's METHOD:REQUEST and METHOD:CANCEL, and the METHOD:REPLY answers members' mail
clients send back.

The event of an invitation is the calendar feed's event of the same session (ics.py builds
both): the same UID, SEQUENCE, DTSTART/DTEND and VTIMEZONE, SUMMARY and DESCRIPTION, so a
member who subscribes to the feed and accepts the invitation sees one event, not two. What
iTIP adds: ORGANIZER with an address (a reply goes there) and one ATTENDEE per member invited,
PARTSTAT=NEEDS-ACTION and RSVP=TRUE so their calendar asks them. The feed's reminder (VALARM)
is left out: an organizer's alarm is not the attendee's to keep. Nothing comes from the clock:
DTSTAMP is the session's last change, as in the feed, so the same plan gives the same bytes.

Replies come as mail clients send them: Gmail a text/calendar part inside
multipart/alternative and the same calendar again as an invite.ics attachment, Outlook a
text/calendar; method=REPLY alternative, Thunderbird and Apple Mail an attached .ics (Apple
without a method parameter, quoted-printable); or a saved .ics. Every calendar part is read,
and a reply given twice in one message counts once.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timezone
from typing import TYPE_CHECKING

from paperclub.errors import PaperclubError
from paperclub.text import one_line

if TYPE_CHECKING:
    from email.message import EmailMessage

    from icalendar import Calendar, Component

    from paperclub.models import Person, Plan, Session

ANSWERS = ("ACCEPTED", "DECLINED", "TENTATIVE")  # the PARTSTATs that say whether one comes


@dataclass(frozen=True)
class Reply:
    """One attendee's answer to a session's invitation, as their calendar sent it."""

    uid: str  # the session's calendar UID
    email: str  # the attendee's address, lower-case, without mailto:
    name: str  # their CN, or ''
    partstat: str  # ACCEPTED | DECLINED | TENTATIVE (or another PARTSTAT a client sent)
    sequence: int  # the SEQUENCE of the invitation answered
    dtstamp: datetime | None  # when the reply was made (UTC); None: the client gave none


def request(plan: Plan, session: Session, attendees: Sequence[Person]) -> bytes:
    """The session's invitation (METHOD:REQUEST) to `attendees`; an update when the session's
    SEQUENCE is higher than that of the invitation sent before."""
    return _message("REQUEST", plan, session, attendees)


def cancel(plan: Plan, session: Session, attendees: Sequence[Person]) -> bytes:
    """The session's cancellation (METHOD:CANCEL, STATUS:CANCELLED) to `attendees`, with the
    same UID and the session's SEQUENCE."""
    if not session.cancelled:
        # a session dropped from the plan (or cancelled by a plugin) is described as the feed
        # describes a cancelled one: its papers and where they went
        cancelled = replace(session, status="cancelled")
        plan = replace(plan, sessions=[cancelled if s is session else s for s in plan.sessions])
        session = cancelled
    return _message("CANCEL", plan, session, attendees)


def _message(method: str, plan: Plan, session: Session, attendees: Sequence[Person]) -> bytes:
    from zoneinfo import ZoneInfo

    from icalendar import Calendar, vCalAddress, vText

    from paperclub.default_plugins.ics import PRODID, IcsEmitter, plan_vtimezone

    if not plan.organizer.email:
        raise PaperclubError(
            "the group's organizer has no email: invitations are sent from and answered to "
            "the organizer, so add `email:` under `organizer:` in the group config"
        )
    if plan.member is not None:  # a member's feed of turns: not a session's invitation
        plan = replace(plan, member=None)
    invited: dict[str, Person] = {}
    for person in attendees:
        if person.email and person.email.lower() not in invited:
            invited[person.email.lower()] = person
    if not invited:
        raise PaperclubError(
            f"no one to invite to session {session.id}: none of its attendees has an email"
        )
    zone = ZoneInfo(plan.timezone)
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", method)
    cal.add_component(plan_vtimezone(plan))
    event = IcsEmitter().event(plan, session, zone)
    event.subcomponents = [c for c in event.subcomponents if c.name != "VALARM"]
    if method == "CANCEL":
        event.pop("STATUS", None)
        event.add("status", "CANCELLED")
    presenters = set(session.presenters)
    for email, person in invited.items():
        address = vCalAddress(f"mailto:{email}")
        address.params["CN"] = vText(one_line(person.name).replace('"', "'"))
        address.params["CUTYPE"] = vText("INDIVIDUAL")
        # a presenter's presence is required; the other members are welcome
        role = "REQ-PARTICIPANT" if person.name in presenters else "OPT-PARTICIPANT"
        address.params["ROLE"] = vText(role)
        address.params["PARTSTAT"] = vText("NEEDS-ACTION")
        address.params["RSVP"] = vText("TRUE")
        event.add("attendee", address)
    cal.add_component(event)
    return cal.to_ical()


# -- replies ----------------------------------------------------------------------------------


def replies(data: bytes, path: str) -> list[Reply]:
    """The METHOD:REPLY answers in a saved message (.eml, any MIME layout) or calendar (.ics).
    A file with none, or that is not one of these, is an error naming it (and the line, for a
    calendar)."""
    text = data.lstrip(b"\xef\xbb\xbf \t\r\n")
    if text[:15].upper() == b"BEGIN:VCALENDAR":
        calendars = [_calendar(text, path)]
    else:
        calendars = [_calendar(part, path, lines=False) for part in _calendar_parts(data, path)]
    found: list[Reply] = []
    methods = []
    for cal in calendars:
        method = str(cal.get("METHOD", "")).upper()
        methods.append(method or "none")
        if method == "REPLY":
            for reply in _answers(cal, path):
                if reply not in found:  # Gmail sends the same calendar twice
                    found.append(reply)
    if not found:
        if any(m == "REPLY" for m in methods):
            raise PaperclubError("a METHOD:REPLY without an attendee's answer", path=path)
        said = ", ".join(dict.fromkeys(methods))
        raise PaperclubError(
            f"not an answer to an invitation: its calendar's METHOD is {said}, not REPLY",
            path=path,
        )
    return found


def _calendar_parts(data: bytes, path: str) -> list[bytes]:
    """The calendars of a message: text/calendar parts, and attachments named *.ics or typed
    application/ics (Outlook and Gmail use both)."""
    import email
    import email.policy

    try:
        message: EmailMessage = email.message_from_bytes(data, policy=email.policy.default)
    except Exception as e:  # the parser is lenient; this is a file it cannot read at all
        raise PaperclubError(f"not a mail message: {e}", path=path) from None
    if not message.keys():
        raise PaperclubError(
            "neither a mail message (.eml) nor a calendar (.ics): no headers, no BEGIN:VCALENDAR",
            path=path,
        )
    parts = []
    for part in message.walk():
        if part.is_multipart():
            continue
        kind = part.get_content_type()
        name = (part.get_filename() or "").lower()
        if kind in ("text/calendar", "application/ics") or name.endswith(".ics"):
            payload = part.get_payload(decode=True)
            if isinstance(payload, bytes) and payload.strip():
                parts.append(payload)
    if not parts:
        raise PaperclubError(
            "no calendar in this message: a reply to an invitation carries a text/calendar "
            "part or an .ics attachment (was it forwarded as text?)",
            path=path,
        )
    return parts


def _calendar(data: bytes, path: str, *, lines: bool = True) -> Calendar:
    from icalendar import Calendar

    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        line = data[: e.start].count(b"\n") + 1 if lines else None
        raise PaperclubError("not UTF-8 text", path=path, line=line) from None
    if lines:
        _check_lines(text, path)
    try:
        cal = Calendar.from_ical(text)
    except (ValueError, IndexError, KeyError) as e:
        raise PaperclubError(f"not a calendar: {e}", path=path) from None
    if not isinstance(cal, Calendar):  # from_ical gives a list for several VCALENDARs
        raise PaperclubError("more than one VCALENDAR in one file", path=path)
    return cal


def _check_lines(text: str, path: str) -> None:
    """Each content line is NAME[;PARAM...]:VALUE, BEGIN and END pair up: the first line
    that breaks this is named, which icalendar's own errors do not do."""
    import re

    content = re.compile(r"[A-Za-z0-9-]+(;[^:]*)?:")
    open_: list[tuple[str, int]] = []
    logical: list[tuple[int, str]] = []  # (the line it starts on, unfolded)
    for n, line in enumerate(text.splitlines(), 1):
        if line[:1] in (" ", "\t") and logical:  # a folded line's continuation
            logical[-1] = (logical[-1][0], logical[-1][1] + line[1:])
        elif line.strip():
            logical.append((n, line))
    for n, line in logical:
        if not content.match(line):
            raise PaperclubError(
                f"not an iCalendar content line (NAME:value): {one_line(line)[:60]!r}",
                path=path,
                line=n,
            )
        name, _, value = line.partition(":")
        if name.upper() == "BEGIN":
            open_.append((value.strip().upper(), n))
        elif name.upper() == "END":
            if not open_ or open_[-1][0] != value.strip().upper():
                expected = f"END:{open_[-1][0]}" if open_ else "nothing"
                raise PaperclubError(
                    f"END:{value.strip()} where {expected} was expected", path=path, line=n
                )
            open_.pop()
    if open_:
        kind, n = open_[-1]
        raise PaperclubError(f"BEGIN:{kind} is never ended", path=path, line=n)


def _answers(cal: Calendar, path: str) -> list[Reply]:
    out = []
    for event in cal.walk("VEVENT"):
        uid = str(event.get("UID", "")).strip()
        if not uid:
            raise PaperclubError("a reply's event has no UID", path=path)
        attendees = event.get("ATTENDEE") or []
        if not isinstance(attendees, list):
            attendees = [attendees]
        for attendee in attendees:
            partstat = str(attendee.params.get("PARTSTAT", "")).upper()
            address = str(attendee).strip()
            if not partstat or not address:
                continue
            email = address.split(":", 1)[1] if address.lower().startswith("mailto:") else address
            out.append(
                Reply(
                    uid=uid,
                    email=email.strip().lower(),
                    name=one_line(str(attendee.params.get("CN", ""))),
                    partstat=partstat,
                    sequence=_sequence(event),
                    dtstamp=_stamp(event),
                )
            )
    return out


def _sequence(event: Component) -> int:
    try:
        return int(str(event.get("SEQUENCE", 0)))
    except ValueError:
        return 0


def _stamp(event: Component) -> datetime | None:
    prop = event.get("DTSTAMP")
    value = getattr(prop, "dt", None)
    if isinstance(value, datetime):
        return (
            value.astimezone(timezone.utc) if value.tzinfo else value.replace(tzinfo=timezone.utc)
        )
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day, tzinfo=timezone.utc)
    return None
