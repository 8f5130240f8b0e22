"""A session's invitation (METHOD:REQUEST), its cancellation (CANCEL) and the replies members'
calendars send (REPLY): checked by libical's strict iTIP rules (tests/itip_check.py, the
system Python), read back by icalendar, and compared with the calendar feed's event of the
same session."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest
from icalendar import Calendar

from conftest import TODAY
from itip import (
    FIXTURES,
    client_reply,
    event_of,
    gmail,
    itip_check,
    outlook,
    thunderbird,
)
from paperclub import invitations, planfile
from paperclub.errors import PaperclubError
from paperclub.models import Person, Plan

ADA = Person("Ada Lovelace", "ada@example.org")
ALAN = Person("Alan Turing", "alan@example.org")
GRACE = Person("Grace Hopper", "Grace@Example.org")


@pytest.fixture
def plan(run, schedule) -> Plan:
    assert run("plan", str(schedule), "--today", TODAY).exit_code == 0
    return planfile.load(planfile.plan_path(Path(schedule)))


def feed_event(schedule: Path, uid: str):
    feed = Calendar.from_ical(Path(schedule).with_suffix(".ics").read_bytes())
    return next(e for e in feed.walk("VEVENT") if str(e["UID"]) == uid), feed


def test_the_request_passes_libical_and_agrees_with_the_feed(plan, schedule, tmp_path):
    session = plan.sessions[2]
    data = invitations.request(plan, session, [ADA, ALAN, GRACE, Person("No Mail")])
    assert itip_check(data, tmp_path) == []
    cal = Calendar.from_ical(data)
    assert str(cal["METHOD"]) == "REQUEST"
    event = event_of(data)
    fed, feed = feed_event(schedule, session.uid)
    for key in ("UID", "SEQUENCE", "SUMMARY", "DESCRIPTION", "LOCATION", "STATUS"):
        assert event[key] == fed[key], key
    for key in ("DTSTART", "DTEND", "DTSTAMP"):
        assert event[key].dt == fed[key].dt, key
        assert event[key].params.get("TZID") == fed[key].params.get("TZID")
    # the same VTIMEZONE, byte for byte, as the feed's
    (tz,) = cal.walk("VTIMEZONE")
    (feed_tz,) = feed.walk("VTIMEZONE")
    assert tz.to_ical() == feed_tz.to_ical()
    assert str(event["ORGANIZER"]) == "mailto:ada@example.org"
    assert event["ORGANIZER"].params["CN"] == "Ada Lovelace"
    attendees = {str(a): a.params for a in event["ATTENDEE"]}
    # one per person with an address (none for "No Mail"), addresses lower-cased
    assert sorted(attendees) == [
        "mailto:ada@example.org",
        "mailto:alan@example.org",
        "mailto:grace@example.org",
    ]
    for params in attendees.values():
        assert params["PARTSTAT"] == "NEEDS-ACTION"
        assert params["RSVP"] == "TRUE"
        assert params["CUTYPE"] == "INDIVIDUAL"
        presents = params["CN"] in session.presenters
        assert params["ROLE"] == ("REQ-PARTICIPANT" if presents else "OPT-PARTICIPANT")
    assert not event.walk("VALARM")


def test_the_same_plan_gives_the_same_bytes(plan):
    session = plan.sessions[0]
    assert invitations.request(plan, session, [ADA]) == invitations.request(plan, session, [ADA])
    assert invitations.cancel(plan, session, [ADA]) == invitations.cancel(plan, session, [ADA])


def test_an_update_has_the_same_uid_and_a_higher_sequence(plan, tmp_path):
    session = plan.sessions[1]
    first = event_of(invitations.request(plan, session, [ADA, ALAN]))
    # what a re-plan that moves the session does to it (planner: SEQUENCE up on any change)
    moved = replace(
        session,
        start=session.start + timedelta(days=1),
        end=session.end + timedelta(days=1),
        sequence=session.sequence + 1,
    )
    update = invitations.request(replace(plan, sessions=[moved]), moved, [ADA, ALAN])
    assert itip_check(update, tmp_path) == []
    second = event_of(update)
    assert second["UID"] == first["UID"]
    assert second["SEQUENCE"] > first["SEQUENCE"]
    assert second["DTSTART"].dt - first["DTSTART"].dt == timedelta(days=1)


def test_the_cancellation_passes_libical(plan, tmp_path):
    session = plan.sessions[3]
    data = invitations.cancel(plan, session, [ADA, ALAN])
    assert itip_check(data, tmp_path) == []
    assert str(Calendar.from_ical(data)["METHOD"]) == "CANCEL"
    event = event_of(data)
    assert event["STATUS"] == "CANCELLED"
    assert event["UID"] == session.uid
    assert event["SEQUENCE"] == session.sequence
    assert str(event["SUMMARY"]).startswith("Cancelled: ")
    # the plan it came from is not changed by describing the session as cancelled
    assert not session.cancelled and not plan.sessions[3].cancelled


def test_libicals_check_is_not_a_formality(plan, tmp_path):
    """What the check finds when a message breaks iTIP's rules: a REQUEST without an attendee,
    a REPLY without the attendee's answer."""
    data = invitations.request(plan, plan.sessions[0], [ADA])
    no_attendee = b"".join(
        line for line in data.splitlines(keepends=True) if not line.startswith(b"ATTENDEE")
    )
    errors = itip_check(no_attendee, tmp_path)
    assert errors and any("ATTENDEE" in e for e in errors), errors
    reply = client_reply(data, "ada@example.org", "ACCEPTED")
    no_uid = b"".join(
        line for line in reply.splitlines(keepends=True) if not line.startswith(b"UID")
    )
    errors = itip_check(no_uid, tmp_path, "reply.ics")
    assert errors and any("UID" in e for e in errors), errors


def test_hostile_names_stay_in_their_parameter(plan, tmp_path):
    evil = Person(
        'Eve "x";ROLE=CHAIR:mailto:evil@example.net\r\nATTENDEE:mailto:x@y', "eve@example.org"
    )
    data = invitations.request(plan, plan.sessions[0], [ADA, evil])
    assert itip_check(data, tmp_path) == []
    event = event_of(data)
    assert [str(a) for a in event["ATTENDEE"]] == [
        "mailto:ada@example.org",
        "mailto:eve@example.org",
    ]
    assert event["ATTENDEE"][1].params["ROLE"] == "OPT-PARTICIPANT"


def test_an_organizer_without_email_cannot_invite(plan):
    no_mail = replace(plan, organizer=Person("Ada Lovelace"))
    with pytest.raises(PaperclubError, match="organizer has no email"):
        invitations.request(no_mail, no_mail.sessions[0], [ADA])
    with pytest.raises(PaperclubError, match="organizer has no email"):
        invitations.cancel(no_mail, no_mail.sessions[0], [ADA])
    with pytest.raises(PaperclubError, match="none of its attendees has an email"):
        invitations.request(plan, plan.sessions[0], [Person("Ada Lovelace")])


# -- replies ----------------------------------------------------------------------------------


@pytest.mark.parametrize("partstat", ["ACCEPTED", "DECLINED", "TENTATIVE"])
def test_a_clients_reply_passes_libical_and_is_read(plan, tmp_path, partstat):
    session = plan.sessions[0]
    request = invitations.request(plan, session, [ADA, ALAN])
    reply = client_reply(request, "alan@example.org", partstat)
    assert itip_check(reply, tmp_path) == []
    (got,) = invitations.replies(reply, "reply.ics")
    assert got.uid == session.uid
    assert (got.email, got.name, got.partstat) == ("alan@example.org", "Alan Turing", partstat)
    assert got.sequence == session.sequence
    assert got.dtstamp is not None and got.dtstamp.isoformat() == "2026-11-20T09:00:00+00:00"


@pytest.mark.parametrize("layout", [gmail, outlook, thunderbird])
def test_each_clients_message_layout_gives_its_one_reply(plan, layout):
    request = invitations.request(plan, plan.sessions[0], [ADA, ALAN])
    reply = client_reply(request, "alan@example.org", "DECLINED")
    message = layout(reply, "Alan Turing <alan@example.org>")
    # Gmail's and Thunderbird's carry the calendar twice: it counts once
    (got,) = invitations.replies(message, "reply.eml")
    assert (got.uid, got.email, got.partstat) == (
        plan.sessions[0].uid,
        "alan@example.org",
        "DECLINED",
    )


def test_a_real_reply_is_read_as_its_client_sent_it():
    (apple,) = invitations.replies((FIXTURES / "apple-ical-accepted.eml").read_bytes(), "a.eml")
    assert apple.uid == "1E71F9C8-AEDA-48EB-98D0-76E898F6BB5C"
    assert (apple.email, apple.partstat, apple.sequence) == ("xyzzy@example.com", "ACCEPTED", 7)
    assert apple.dtstamp is not None and apple.dtstamp.isoformat() == "2008-08-12T20:19:11+00:00"


@pytest.mark.parametrize(
    "data, problem",
    [
        (
            b"BEGIN:VCALENDAR\r\nMETHOD:REPLY\r\nthis is no line\r\nEND:VCALENDAR\r\n",
            ":3: not an iCalendar content line",
        ),
        (
            b"BEGIN:VCALENDAR\r\nMETHOD:REPLY\r\nBEGIN:VEVENT\r\nEND:VCALENDAR\r\n",
            ":4: END:VCALENDAR where END:VEVENT",
        ),
        (
            b"BEGIN:VCALENDAR\r\nMETHOD:REPLY\r\nBEGIN:VEVENT\r\nUID:x\r\n",
            ":3: BEGIN:VEVENT is never ended",
        ),
        (b"BEGIN:VCALENDAR\r\nMETHOD:REPLY\r\nSUMMARY:\xff\r\nEND:VCALENDAR\r\n", ":3: not UTF-8"),
        (
            b"BEGIN:VCALENDAR\r\nMETHOD:REQUEST\r\nEND:VCALENDAR\r\n",
            ": not an answer to an invitation: its calendar's METHOD is REQUEST",
        ),
        (b"From: a@b.c\r\nSubject: hi\r\n\r\nsee you there\r\n", ": no calendar in this message"),
        (b"\x00\x01 binary junk", ": neither a mail message (.eml) nor a calendar (.ics)"),
    ],
)
def test_bad_files_are_errors_naming_file_and_line(data, problem):
    with pytest.raises(PaperclubError) as caught:
        invitations.replies(data, "in/reply.ics")
    assert str(caught.value).startswith("in/reply.ics" + problem), str(caught.value)
