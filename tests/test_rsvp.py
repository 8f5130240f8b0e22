"""`paperclub rsvp SCHEDULE FILE...`: the members' replies recorded in the announce log, and
shown by `show`, `members` and the web page."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from conftest import TODAY
from itip import FIXTURES, client_reply, gmail, itip_check, outlook, rewritten, thunderbird
from paperclub import invitations, planfile
from paperclub.models import Person

LOG = Path("schedules/ml-systems.announce.sqlite")
MEMBERS = [
    Person("Ada Lovelace", "ada@example.org"),
    Person("Alan Turing", "alan@example.org"),
    Person("Grace Hopper", "grace@example.org"),
    Person("Edsger Dijkstra", "edsger@example.org"),
    Person("Barbara Liskov", "barbara@example.org"),
]


@pytest.fixture
def planned(run, schedule):
    assert run("plan", str(schedule), "--today", TODAY).exit_code == 0
    return planfile.load(planfile.plan_path(Path(schedule)))


def answer(plan, n: int, email: str, partstat: str, tmp_path=None, **kw) -> bytes:
    """Member `email`'s reply to session n's invitation, as their calendar makes it (checked
    by libical when tmp_path is given)."""
    request = invitations.request(plan, plan.sessions[n], MEMBERS)
    reply = client_reply(request, email, partstat, **kw)
    if tmp_path is not None:
        assert itip_check(reply, tmp_path) == []
    return reply


def write(name: str, data: bytes) -> str:
    Path("replies").mkdir(exist_ok=True)
    path = Path("replies") / name
    path.write_bytes(data)
    return str(path)


def test_replies_in_every_layout_are_recorded_and_shown(run, schedule, planned, tmp_path):
    p = planned
    day = p.sessions[0].start.date().isoformat()
    files = [
        write(
            "ada.eml",
            gmail(answer(p, 0, "ada@example.org", "ACCEPTED", tmp_path), "ada@example.org"),
        ),
        write(
            "alan.eml", outlook(answer(p, 0, "alan@example.org", "DECLINED"), "alan@example.org")
        ),
        write(
            "grace.eml",
            thunderbird(answer(p, 0, "grace@example.org", "TENTATIVE"), "grace@example.org"),
        ),
        write("edsger.ics", answer(p, 0, "edsger@example.org", "ACCEPTED")),
        # Apple Mail's real reply, made an answer to our session (its UID and attendee ours)
        write(
            "barbara.eml", apple_reply(p.sessions[0].uid, "barbara@example.org", "Barbara Liskov")
        ),
    ]
    result = run("rsvp", str(schedule), *files)
    assert result.exit_code == 0, result
    assert result.stdout.splitlines() == [
        f"replies/ada.eml: recorded: Ada Lovelace <ada@example.org> accepted on {day}",
        f"replies/alan.eml: recorded: Alan Turing <alan@example.org> declined on {day}",
        f"replies/grace.eml: recorded: Grace Hopper <grace@example.org> tentative on {day}",
        f"replies/edsger.ics: recorded: Edsger Dijkstra <edsger@example.org> accepted on {day}",
        f"replies/barbara.eml: recorded: Barbara Liskov <barbara@example.org> accepted on {day}",
    ]
    assert result.stderr == ""

    shown = run("show", str(schedule))
    assert "Attendance" in shown.stdout.splitlines()[1]
    first = next(line for line in shown.stdout.splitlines() if day in line)
    assert first.rstrip().endswith("3 yes, 1 no, 1 maybe")

    data = json.loads(run("show", str(schedule), "--json").stdout)
    assert data["sessions"][0]["attendance"] == {
        "Ada Lovelace": "ACCEPTED",
        "Alan Turing": "DECLINED",
        "Barbara Liskov": "ACCEPTED",
        "Edsger Dijkstra": "ACCEPTED",
        "Grace Hopper": "TENTATIVE",
    }
    assert all(s["attendance"] == {} for s in data["sessions"][1:])

    members = run("members", str(schedule))
    assert "Answers" in members.stdout.splitlines()[0]
    alan = next(line for line in members.stdout.splitlines() if line.startswith("Alan Turing"))
    assert alan.rstrip().endswith(f"{day} no")
    rows = json.loads(run("members", str(schedule), "--json").stdout)
    grace = next(r for r in rows if r["name"] == "Grace Hopper")
    assert grace["attendance"] == [
        {"session": p.sessions[0].id, "date": day, "partstat": "TENTATIVE"}
    ]

    # the web page, made again: a line on the session
    assert run("plan", str(schedule), "--today", TODAY).exit_code == 0
    page = Path(schedule).with_suffix(".html").read_text()
    assert page.count('<p class="attendance">') == 1
    assert '<p class="attendance">Coming: 3 yes, 1 no, 1 maybe</p>' in page


def apple_reply(uid: str, email: str, name: str) -> bytes:
    """The Apple Mail fixture with its calendar's UID and attendee replaced, the message
    otherwise as it was (its layout, quoted-printable)."""
    import email as email_lib
    from email.policy import default

    message = email_lib.message_from_bytes(
        (FIXTURES / "apple-ical-accepted.eml").read_bytes(), policy=default
    )
    (part,) = [p for p in message.walk() if p.get_content_type() == "text/calendar"]
    ics = rewritten(part.get_payload(decode=True), uid, email, name)
    part.set_payload(__import__("quopri").encodestring(ics).decode("ascii"))
    return message.as_bytes()


def test_the_newest_answer_wins_and_older_ones_are_reported(run, schedule, planned):
    p = planned
    early = write(
        "early.ics", answer(p, 1, "ada@example.org", "ACCEPTED", dtstamp="20261120T090000Z")
    )
    late = write(
        "late.ics", answer(p, 1, "ada@example.org", "TENTATIVE", dtstamp="20261121T090000Z")
    )
    assert run("rsvp", str(schedule), late).exit_code == 0
    again = run("rsvp", str(schedule), late, early)
    assert again.exit_code == 0  # the same answer again is recorded already: not a failure
    assert "late.ics: already recorded: Ada Lovelace" in again.stdout
    assert "early.ics: not recorded: Ada Lovelace <ada@example.org>" in again.stderr
    assert "older than the answer recorded (TENTATIVE" in again.stderr
    shown = json.loads(run("show", str(schedule), "--json").stdout)
    assert shown["sessions"][1]["attendance"] == {"Ada Lovelace": "TENTATIVE"}
    # a reply to a later invitation (higher SEQUENCE) wins over a later DTSTAMP
    with sqlite3.connect(LOG) as db:
        db.execute("UPDATE replies SET sequence = -1")
    db.close()
    assert run("rsvp", str(schedule), early).exit_code == 0
    shown = json.loads(run("show", str(schedule), "--json").stdout)
    assert shown["sessions"][1]["attendance"] == {"Ada Lovelace": "ACCEPTED"}


def test_unknown_sessions_and_strangers_are_reported_not_recorded(run, schedule, planned):
    p = planned
    stranger = rewritten(
        answer(p, 0, "ada@example.org", "ACCEPTED"), p.sessions[0].uid, "mallory@example.net", "M"
    )
    files = [
        str(FIXTURES / "apple-ical-accepted.eml"),  # a real reply, to a session not ours
        write("mallory.ics", stranger),
    ]
    result = run("rsvp", str(schedule), *files)
    assert result.exit_code == 1
    assert (
        "apple-ical-accepted.eml: not recorded: xyzzy@example.com <xyzzy@example.com>: "
        "no session of this plan has its UID" in result.stderr
    )
    assert "replies/mallory.ics: not recorded:" in result.stderr
    assert "not a member's address" in result.stderr
    assert "Error: no answer recorded" in result.stderr
    assert "Traceback" not in result.stderr
    assert not LOG.exists()  # nothing recorded: no log made
    # nothing to show: show prints as it did before any reply
    assert "Attendance" not in run("show", str(schedule)).stdout
    # one good answer among them: recorded, and the run succeeds
    good = write("ada.ics", answer(p, 0, "ada@example.org", "ACCEPTED"))
    result = run("rsvp", str(schedule), *files, good)
    assert result.exit_code == 0
    assert "replies/ada.ics: recorded: Ada Lovelace" in result.stdout


def test_a_presenter_who_declines_is_told_what_to_run(run, schedule, planned):
    p = planned
    n, session = next((n, s) for n, s in enumerate(p.sessions) if "Alan Turing" in s.presenters)
    day = session.start.date().isoformat()
    result = run(
        "rsvp", str(schedule), write("alan.ics", answer(p, n, "alan@example.org", "DECLINED"))
    )
    assert result.exit_code == 0, result
    assert result.stdout.splitlines()[-1] == (
        f"Alan Turing presents on {day} and declined: add {day} to their unavailable in "
        "schedules/ml-systems.yaml, then run: paperclub plan schedules/ml-systems.yaml"
    )


def test_a_bad_file_records_nothing(run, schedule, planned):
    good = write("ada.ics", answer(planned, 0, "ada@example.org", "ACCEPTED"))
    bad = write("bad.ics", b"BEGIN:VCALENDAR\r\nMETHOD:REPLY\r\nBEGIN:VEVENT\r\nnonsense\r\n")
    result = run("rsvp", str(schedule), good, bad)
    assert result.exit_code == 1
    assert result.stderr.strip() == (
        "Error: replies/bad.ics:4: not an iCalendar content line (NAME:value): 'nonsense'"
    )
    assert result.stdout == ""
    assert not LOG.exists()
    missing = run("rsvp", str(schedule), "replies/none.eml")
    assert missing.exit_code == 1 and "replies/none.eml: cannot read it" in missing.stderr


def test_without_replies_every_output_is_as_before(run, schedule, planned):
    """No log, or a log without answers (the send log's table only): show, members and the
    page print what they printed before, and reading them makes no file."""
    before = {
        args: run(*args).stdout
        for args in [
            ("show", str(schedule)),
            ("show", str(schedule), "--json"),
            ("members", str(schedule)),
            ("members", str(schedule), "--json"),
        ]
    }
    page = Path(schedule).with_suffix(".html").read_bytes()
    assert not LOG.exists()
    with sqlite3.connect(LOG) as db:  # what sendlog.py may have made: another table
        db.execute("CREATE TABLE messages (key TEXT)")
    db.close()
    for args, out in before.items():
        assert run(*args).stdout == out
    assert run("plan", str(schedule), "--today", TODAY).exit_code == 0
    assert Path(schedule).with_suffix(".html").read_bytes() == page
    assert "attendance" not in json.loads(before[("show", str(schedule), "--json")])["sessions"][0]


def test_the_page_shows_who_comes_in_a_browser(run, schedule, planned, tmp_path):
    """The web page as Chromium lays it out: the line under the answered session only."""
    from test_html import dump_dom, parse, squash

    p = planned
    files = [
        write("ada.ics", answer(p, 2, "ada@example.org", "ACCEPTED")),
        write("alan.ics", answer(p, 2, "alan@example.org", "ACCEPTED")),
        write("grace.ics", answer(p, 2, "grace@example.org", "DECLINED")),
    ]
    assert run("rsvp", str(schedule), *files).exit_code == 0
    assert run("plan", str(schedule), "--today", TODAY).exit_code == 0
    dom = parse(dump_dom(Path(schedule).with_suffix(".html"), tmp_path))
    (line,) = dom.find_all("p", "attendance")
    assert squash(line.text()) == "Coming: 2 yes, 1 no"
    assert squash(dom.by_id(f"session-{p.sessions[2].id}").text()).endswith("Coming: 2 yes, 1 no")
