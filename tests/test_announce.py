"""`paperclub announce` end to end, against a real SMTP server on 127.0.0.1 (tests/smtpserver.py):
what is due when, each message once whatever fails, the messages as a mail client reads them."""

from __future__ import annotations

import json
import re
import sqlite3
import types
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from icalendar import Calendar

from conftest import TODAY
from itip import itip_check
from paperclub import sendlog
from paperclub.cli import App, cli
from paperclub.errors import FateUnknown, NotSent
from paperclub.hookspecs import hookimpl
from smtpserver import SmtpServer

PLAN_S02 = "2026-12-10"  # the sample's second session (s01 is 2026-12-03, 16:00 Berlin)
MEMBERS = [
    "ada@example.org",
    "alan@example.org",
    "grace@example.org",
    "edsger@example.org",
    "barbara@example.org",
]


def without_announce(schedule: Path) -> str:
    """The sample config without its announce: section (as a config of an earlier version)."""
    text = schedule.read_text()
    return text[: text.index("\nannounce:")] + "\n"


def configure(schedule: Path, port: int, **announce) -> None:
    config = yaml.safe_load(schedule.read_text())
    section = {"smtp": {"host": "127.0.0.1", "port": port, "security": "none"}}
    section.update(announce)
    config["announce"] = {k: v for k, v in section.items() if v is not None}
    schedule.write_text(yaml.safe_dump(config, sort_keys=False, allow_unicode=True))


@pytest.fixture
def planned(run, schedule, smtp_server):
    """The sample planned, announcing term, agenda and presenter notes to the local server."""
    configure(
        schedule,
        smtp_server.port,
        term="at plan",
        agenda="3 days before",
        presenter="7 days before",
    )
    assert run("plan", str(schedule), "--today", TODAY).exit_code == 0
    return schedule


def plan_data(schedule: Path) -> dict:
    return yaml.safe_load(schedule.with_name("ml-systems.plan.yaml").read_text())


def edit_plan(schedule: Path, change) -> None:
    path = schedule.with_name("ml-systems.plan.yaml")
    data = yaml.safe_load(path.read_text())
    change(data)
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True))


def announce(run, schedule, *args):
    return run("announce", str(schedule), *args)


def subject(mail) -> str:
    # a long Subject is folded after its name ("Subject:" CRLF " ML Systems ..."): the
    # parsed value keeps the fold's space
    return str(mail.parsed["Subject"]).strip()


def ids(server) -> Counter:
    return Counter(m.parsed["Message-ID"] for m in server.messages)


def test_due_ten_times_over_a_week_sends_each_message_once(run, planned, smtp_server):
    start = datetime(2026, 11, 26, 9, 0)
    for n in range(10):  # every 17 hours from Thu 26 Nov to Thu 3 Dec, 14:00
        now = start + timedelta(hours=17 * n)
        result = announce(run, planned, "--due", "--now", now.isoformat())
        assert result.exit_code == 0, result
    assert max(ids(smtp_server).values()) == 1
    kinds = Counter(
        (subject(m).split(":")[0].split(",")[0], tuple(m.rcpt_tos)) for m in smtp_server.messages
    )
    subjects = [subject(m) for m in smtp_server.messages]
    # the term to each member, s01's agenda to each (due 30 Nov, 16:00), s01's presenters
    # (due 26 Nov); s02's agenda is due 7 Dec and its presenter notes 3 Dec, 16:00: not yet
    assert sum(s.startswith("ML Systems Reading Group: the term's plan") for s in subjects) == 5
    assert (
        sum("Thu 3 Dec 2026 16:00:" in s and not s.startswith("Your turn") for s in subjects) == 5
    )
    s01 = plan_data(planned)["sessions"][0]
    presenters = {
        p["presenter"] if isinstance(p["presenter"], str) else p["presenter"]["name"]
        for p in s01["papers"]
    }
    assert sum(s.startswith("Your turn") for s in subjects) == len(presenters)
    assert len(smtp_server.messages) == 10 + len(presenters)
    assert kinds  # every message went to one member's address
    assert {r for m in smtp_server.messages for r in m.rcpt_tos} <= set(MEMBERS)


def test_the_server_dies_after_the_third_of_ten_then_the_next_run_sends_the_rest(
    run,
    schedule,
    smtp_server,
):
    configure(schedule, smtp_server.port, term="at plan", agenda="3 days before")
    assert run("plan", str(schedule), "--today", TODAY).exit_code == 0
    smtp_server.die_after = 3
    first = announce(run, schedule, "--due", "--now", "2026-12-01T08:00")
    assert first.exit_code == 1
    assert first.stdout.count("sent ") == 3
    assert first.stderr.count("failed: ") == 7
    assert "unknown" not in first.stderr
    assert len(smtp_server.messages) == 3
    smtp_server.restart()
    configure(schedule, smtp_server.port, term="at plan", agenda="3 days before")
    second = announce(run, schedule, "--due", "--now", "2026-12-01T08:05")
    assert second.exit_code == 0, second
    assert second.stdout.count("sent ") == 7
    assert len(smtp_server.messages) == 10
    assert max(ids(smtp_server).values()) == 1
    assert sorted(r for m in smtp_server.messages for r in m.rcpt_tos) == sorted(MEMBERS * 2)
    third = announce(run, schedule, "--due", "--now", "2026-12-01T09:00")
    assert third.exit_code == 0 and "Nothing to send." in third.stdout
    assert len(smtp_server.messages) == 10


def test_a_drop_during_data_is_unknown_reported_not_resent_unless_asked(
    run,
    schedule,
    smtp_server,
):
    configure(schedule, smtp_server.port, agenda="3 days before")
    assert run("plan", str(schedule), "--today", TODAY).exit_code == 0
    smtp_server.drop_in_data = {2}
    first = announce(run, schedule, "--due", "--now", "2026-12-01T08:00")
    assert first.exit_code == 1
    assert "unknown: agenda of 2026-12-03 to Alan Turing <alan@example.org>" in first.stderr
    assert "--resend-unknown" in first.stderr
    assert first.stdout.count("sent ") == 4  # the rest went on a new connection
    assert len(smtp_server.messages) == 5  # the server did get the dropped one
    again = announce(run, schedule, "--due", "--now", "2026-12-01T09:00")
    assert again.exit_code == 0 and "Nothing to send." in again.stdout
    assert len(smtp_server.messages) == 5
    status = announce(run, schedule, "--status", "--now", "2026-12-01T09:00")
    assert re.search(r"agenda\s+s01\s+Alan Turing <alan@example.org>\s+unknown", status.stdout)
    assert "4 sent, 1 unknown." in status.stdout
    resent = announce(run, schedule, "--due", "--now", "2026-12-01T10:00", "--resend-unknown")
    assert resent.exit_code == 0, resent
    assert resent.stdout == "sent agenda of 2026-12-03 to Alan Turing <alan@example.org>\n"
    assert [m.rcpt_tos for m in smtp_server.messages].count(["alan@example.org"]) == 2
    data = json.loads(
        announce(run, schedule, "--status", "--json", "--now", "2026-12-01T10:00").stdout
    )
    assert data["counts"] == {"sent": 5}
    assert next(m for m in data["messages"] if "alan" in m["to"])["tries"] == 2


def test_a_run_that_stopped_mid_send_leaves_the_message_unknown(run, planned, smtp_server):
    path = planned.with_name("ml-systems.announce.sqlite")
    log = sendlog.SendLog.open(path)
    now = datetime.fromisoformat("2026-12-01T08:00+01:00")
    assert log.claim(
        key="agenda/s01/0/alan@example.org",
        kind="agenda",
        session="s01",
        sequence=0,
        recipient="alan@example.org",
        label="Alan Turing <alan@example.org>",
        subject="x",
        message_id="<x@example.org>",
        now=now,
    )
    log.close()  # as a run killed after the claim leaves it: `sending`
    result = announce(run, planned, "--session", "s01", "--now", "2026-12-01T09:00")
    assert result.exit_code == 1
    assert "unknown: agenda to Alan Turing <alan@example.org>" in result.stderr
    assert "alan@example.org" not in [
        r for m in smtp_server.messages for r in m.rcpt_tos if "agenda" in subject(m).lower()
    ]
    assert all(
        m.rcpt_tos != ["alan@example.org"] or subject(m).startswith("Your turn")
        for m in smtp_server.messages
    )


def test_a_second_run_while_one_sends_gives_up_and_sends_nothing(
    run, planned, smtp_server, monkeypatch
):
    monkeypatch.setattr(sendlog, "LOCK_WAIT", 0.3)
    with sendlog.locked(planned.with_name("ml-systems.announce.sqlite")):
        result = announce(run, planned, "--due", "--now", "2026-12-01T08:00")
    assert result.exit_code == 1
    assert "another `paperclub announce` is sending" in result.stderr
    assert smtp_server.messages == []


def test_the_agenda_as_a_mail_client_reads_it(run, planned, smtp_server, tmp_path):
    # an abstract in the catalog (the sample has none): its first sentence goes in
    s01 = plan_data(planned)["sessions"][0]
    first = s01["papers"][0]["id"]
    db = sqlite3.connect("catalog.sqlite")
    db.execute(
        "UPDATE papers SET abstract = ? WHERE id = ?",
        ("We draft tokens in parallel. Then we verify them.", first),
    )
    db.commit()
    db.close()
    result = announce(run, planned, "--session", "s01", "--now", "2026-11-20T08:00")
    assert result.exit_code == 0, result
    assert "sent agenda of 2026-12-03 to Ada Lovelace <ada@example.org>" in result.stdout
    mail = next(
        m
        for m in smtp_server.messages
        if m.rcpt_tos == ["grace@example.org"] and not subject(m).startswith("Your turn")
    )
    msg = mail.parsed
    assert mail.mail_from == "ada@example.org"
    assert msg["From"] == "Ada Lovelace <ada@example.org>"
    assert msg["To"] == "Grace Hopper <grace@example.org>"
    assert msg["Date"] == "Fri, 20 Nov 2026 08:00:00 +0100"
    assert re.fullmatch(r"<[0-9a-f]{32}\.ml-systems@example\.org>", msg["Message-ID"])
    assert msg["Subject"].strip().startswith("ML Systems Reading Group, Thu 3 Dec 2026 16:00: ")
    assert msg.get_content_type() == "multipart/alternative"
    types_ = [p.get_content_type() for p in msg.iter_parts()]
    assert types_ == ["text/plain", "text/html", "text/calendar"]
    text = msg.get_body(("plain",)).get_content()
    html = msg.get_body(("html",)).get_content()
    assert "We draft tokens in parallel." in text and "Then we verify" not in text
    assert '<p class="abstract">We draft tokens in parallel.</p>' in html
    assert "Where: Room 4.12 and https://meet.example.org/ml-systems" in text
    assert 'id="session-s01"' in html  # the page's own markup
    part = list(msg.iter_parts())[2]
    assert part.get_param("method") == "REQUEST"
    cal = Calendar.from_ical(part.get_content())
    event = next(iter(cal.walk("VEVENT")))
    assert str(cal["METHOD"]) == "REQUEST"
    assert str(event["UID"]) == s01["uid"] and int(event["SEQUENCE"]) == 0
    assert itip_check(part.get_content().encode(), tmp_path, "request.ics") == []
    attendees = sorted(str(a).lower() for a in event.get("ATTENDEE"))
    assert attendees == sorted("mailto:" + m for m in MEMBERS)
    # the same message again: the same Message-ID (a resend is recognisably the same)
    again = announce(run, planned, "--session", "s01", "--now", "2026-11-21T08:00")
    assert "Nothing to send." in again.stdout


def test_a_replanned_session_sends_an_update_and_a_cancelled_one_a_cancel(
    run, planned, smtp_server, tmp_path
):
    assert announce(run, planned, "--session", "s02", "--now", "2026-12-01T08:00").exit_code == 0
    agenda = {
        m.rcpt_tos[0]: m.parsed["Message-ID"]
        for m in smtp_server.messages
        if not subject(m).startswith("Your turn")
    }
    assert sorted(agenda) == sorted(MEMBERS)
    smtp_server.messages.clear()

    def later(data):
        s = data["sessions"][1]
        s["sequence"], s["start"], s["end"] = (
            1,
            "2026-12-10T17:00:00+01:00",
            "2026-12-10T18:30:00+01:00",
        )

    edit_plan(planned, later)
    result = announce(run, planned, "--due", "--now", "2026-12-02T08:00")
    assert result.exit_code == 0, result
    updates = [m for m in smtp_server.messages if subject(m).startswith("Changed: ")]
    assert sorted(m.rcpt_tos[0] for m in updates) == sorted(MEMBERS)
    for m in updates:
        msg = m.parsed
        assert msg["In-Reply-To"] == agenda[m.rcpt_tos[0]]
        assert msg["References"] == agenda[m.rcpt_tos[0]]
        event = next(
            iter(Calendar.from_ical(list(msg.iter_parts())[2].get_content()).walk("VEVENT"))
        )
        assert str(event["UID"]) == plan_data(planned)["sessions"][1]["uid"]
        assert int(event["SEQUENCE"]) == 1
    assert "sent update of 2026-12-10 to" in result.stdout
    # what went out passes libical's strict iTIP checks: the invitation, then its update
    sent = list(updates[0].parsed.iter_parts())[2].get_content().encode()
    assert itip_check(sent, tmp_path, "update.ics") == []
    smtp_server.messages.clear()
    assert (
        announce(run, planned, "--due", "--now", "2026-12-02T09:00").stdout == "Nothing to send.\n"
    )

    def cancelled(data):
        data["sessions"][1]["status"], data["sessions"][1]["sequence"] = "cancelled", 2

    edit_plan(planned, cancelled)
    result = announce(run, planned, "--due", "--now", "2026-12-02T10:00")
    assert result.exit_code == 0, result
    cancels = [m for m in smtp_server.messages if subject(m).startswith("Cancelled: ")]
    assert sorted(m.rcpt_tos[0] for m in cancels) == sorted(MEMBERS)
    msg = cancels[0].parsed
    part = list(msg.iter_parts())[2]
    assert part.get_param("method") == "CANCEL"
    cal = Calendar.from_ical(part.get_content())
    assert str(cal["METHOD"]) == "CANCEL"
    assert int(next(iter(cal.walk("VEVENT")))["SEQUENCE"]) == 2
    assert len(msg["References"].split()) == 2  # the agenda, then the update
    assert itip_check(part.get_content().encode(), tmp_path, "cancel.ics") == []


def test_hostile_titles_and_names_add_no_header_and_no_recipient(run, schedule, smtp_server):
    config = yaml.safe_load(schedule.read_text())
    config["members"][3]["name"] = 'Eve\r\nBcc: mallory@evil.example, "x" <x@evil.example>'
    schedule.write_text(yaml.safe_dump(config, sort_keys=False))
    configure(schedule, smtp_server.port, agenda="3 days before")
    assert run("plan", str(schedule), "--today", TODAY).exit_code == 0

    def hostile(data):
        data["sessions"][0]["papers"][0]["title"] = (
            "Speculation\r\nBcc: mallory@evil.example\r\n\r\n<b>body</b>, <x@evil.example>"
        )

    edit_plan(schedule, hostile)
    result = announce(run, schedule, "--due", "--now", "2026-12-01T08:00")
    assert result.exit_code == 0, result
    assert sorted(r for m in smtp_server.messages for r in m.rcpt_tos) == sorted(MEMBERS)
    for m in smtp_server.messages:
        msg = m.parsed
        assert msg["Bcc"] is None and msg["Cc"] is None
        assert len(msg["To"].addresses) == 1
        assert "evil" not in str(msg["To"].addresses[0].addr_spec)
        assert (
            "\n" not in msg["Subject"].strip()
            and "Speculation Bcc: mallory" in msg["Subject"].strip()
        )
        header_block = m.data.split(b"\r\n\r\n", 1)[0]
        assert not re.search(rb"^Bcc:", header_block, re.M)
        assert "&lt;b&gt;body&lt;/b&gt;" in msg.get_body(("html",)).get_content()
    eve = next(m for m in smtp_server.messages if m.rcpt_tos == ["edsger@example.org"]).parsed
    assert (
        eve["To"].addresses[0].display_name == 'Eve Bcc: mallory@evil.example, "x" <x@evil.example>'
    )


def test_members_without_an_email_are_skipped_with_one_warning(run, schedule, smtp_server):
    config = yaml.safe_load(schedule.read_text())
    del config["members"][4]["email"]
    schedule.write_text(yaml.safe_dump(config, sort_keys=False))
    configure(schedule, smtp_server.port, term="at plan", agenda="3 days before")
    assert run("plan", str(schedule), "--today", TODAY).exit_code == 0
    result = announce(run, schedule, "--due", "--now", "2026-12-01T08:00")
    assert result.exit_code == 0, result
    assert result.stderr.count("Barbara Liskov has no email address") == 1
    assert len(smtp_server.messages) == 8


def test_a_list_address_gets_the_group_messages_once_with_a_list_id(run, schedule, smtp_server):
    configure(
        schedule,
        smtp_server.port,
        to="Reading group <ml-systems@lists.example.org>",
        agenda="3 days before",
        presenter="7 days before",
    )
    assert run("plan", str(schedule), "--today", TODAY).exit_code == 0
    result = announce(run, schedule, "--session", "s01", "--now", "2026-12-01T08:00")
    assert result.exit_code == 0, result
    agenda = [m for m in smtp_server.messages if m.rcpt_tos == ["ml-systems@lists.example.org"]]
    assert len(agenda) == 1
    msg = agenda[0].parsed
    assert msg["List-Id"] == "ML Systems Reading Group <ml-systems.lists.example.org>"
    assert msg["To"] == "Reading group <ml-systems@lists.example.org>"
    notes = [m for m in smtp_server.messages if m not in agenda]
    assert notes and all(subject(m).startswith("Your turn") for m in notes)
    assert all(m.parsed["List-Id"] is None for m in notes)


def test_credentials_come_from_the_environment_and_are_never_printed(run, schedule, monkeypatch):
    from aiosmtpd.smtp import AuthResult

    seen = []

    def authenticator(server, session, envelope, mechanism, data):
        seen.append((data.login, data.password))
        return AuthResult(success=False, handled=False)

    server = SmtpServer(authenticator=authenticator).start()
    try:
        configure(schedule, server.port, agenda="3 days before")
        assert run("plan", str(schedule), "--today", TODAY).exit_code == 0
        monkeypatch.setenv("PAPERCLUB_SMTP_USER", "ada")
        monkeypatch.setenv("PAPERCLUB_SMTP_PASSWORD", "s3cret-Pa55")
        result = announce(run, schedule, "--due", "--now", "2026-12-01T08:00")
        status = announce(run, schedule, "--status", "--now", "2026-12-01T08:00")
        status_json = announce(run, schedule, "--status", "--json", "--now", "2026-12-01T08:00")
    finally:
        server.stop()
    assert seen and seen[0] == (b"ada", b"s3cret-Pa55")
    assert result.exit_code == 1
    assert "refused the login of ada" in result.stderr
    for out in (result, status, status_json):
        assert "s3cret" not in out.stdout + out.stderr
    assert server.messages == []


def test_a_dry_run_writes_the_messages_and_records_nothing(run, planned, smtp_server):
    result = announce(
        run, planned, "--due", "--now", "2026-12-01T08:00", "--dry-run", "--out", "out"
    )
    assert result.exit_code == 0, result
    files = sorted(p.name for p in Path("out").iterdir())
    assert "agenda-s01-0-ada@example.org.eml" in files
    assert len(files) == result.stdout.count("would send ")
    assert smtp_server.messages == []
    assert not planned.with_name("ml-systems.announce.sqlite").exists()
    import email
    import email.policy

    msg = email.message_from_bytes(
        Path("out/agenda-s01-0-ada@example.org.eml").read_bytes(), policy=email.policy.default
    )
    assert msg["To"] == "Ada Lovelace <ada@example.org>"
    # the same run again writes the same bytes
    first = Path("out/agenda-s01-0-ada@example.org.eml").read_bytes()
    announce(run, planned, "--due", "--now", "2026-12-01T08:00", "--dry-run", "--out", "out")
    assert Path("out/agenda-s01-0-ada@example.org.eml").read_bytes() == first


def test_status_shows_what_went_out_and_what_was_missed(run, planned, smtp_server):
    assert announce(run, planned, "--due", "--now", "2026-11-27T08:00").exit_code == 0
    # no run between 30 Nov and 3 Dec, 16:00: s01's agenda (due 30 Nov 16:00) was missed
    late = announce(run, planned, "--due", "--now", "2026-12-03T18:00")
    assert late.exit_code == 0 and "agenda of 2026-12-03" not in late.stdout
    status = announce(run, planned, "--status", "--now", "2026-12-03T18:00")
    assert status.exit_code == 0
    assert re.search(
        r"2026-11-27 08:00\s+term\s+-\s+Ada Lovelace <ada@example.org>\s+sent", status.stdout
    )
    assert (
        "missed: agenda of 2026-12-03 to Grace Hopper <grace@example.org> (due 2026-11-30 16:00"
        in status.stdout
    )
    data = json.loads(
        announce(run, planned, "--status", "--json", "--now", "2026-12-03T18:00").stdout
    )
    assert len([m for m in data["missed"] if m["kind"] == "agenda"]) == 5
    assert data["counts"]["sent"] == len(data["messages"])
    # reading the log (--status, show) leaves no file beside it (SQLite's -wal and -shm)
    folder = sorted(p.name for p in planned.parent.iterdir())
    assert announce(run, planned, "--status", "--now", "2026-12-03T18:00").exit_code == 0
    assert run("show", str(planned)).exit_code == 0
    assert sorted(p.name for p in planned.parent.iterdir()) == folder
    assert not [name for name in folder if name.endswith(("-wal", "-shm"))]


def test_bad_announce_config_names_file_line_and_problem(run, schedule):
    text = without_announce(schedule) + (
        "announce:\n  from: Ada <ada@example.org>\n  agenda: three days before\n"
    )
    schedule.write_text(text)
    result = run("announce", str(schedule), "--due")
    assert result.exit_code == 1
    line = text.splitlines().index("  agenda: three days before") + 1
    assert f"schedules/ml-systems.yaml:{line}: announce.agenda: expected `at plan`" in result.stderr
    schedule.write_text(text.replace("agenda: three days before", "agnda: 3 days before"))
    result = run("announce", str(schedule), "--due")
    assert result.exit_code == 1 and "did you mean 'agenda'?" in result.stderr
    schedule.write_text(
        text.replace("agenda: three days before", "smtp: {host: mail.example.org, security: tls}")
    )
    result = run("announce", str(schedule), "--due")
    assert "announce.smtp.security: 'tls' is not available" in result.stderr
    schedule.write_text(text.replace("agenda: three days before", "channels: [{name: x}]"))
    result = run("announce", str(schedule), "--due")
    assert "announce.channels[0].type: required" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_config_without_announce_reads_as_before_and_says_what_to_add(run, schedule):
    from paperclub.config import load_group

    schedule.write_text(without_announce(schedule))
    assert load_group(schedule).announce is None
    result = run("announce", str(schedule), "--due")
    assert result.exit_code == 1 and "no announce: section" in result.stderr


def test_smtp_port_follows_security(run, schedule):
    from paperclub.config import load_group

    for security, port in (("starttls", 587), ("ssl", 465), ("none", 25)):
        configure(schedule, 1)
        config = yaml.safe_load(schedule.read_text())
        config["announce"]["smtp"] = {"host": "mail.example.org", "security": security}
        schedule.write_text(yaml.safe_dump(config))
        assert load_group(schedule).announce.smtp.port == port


# -- chat channels, through a plugin of the tests -------------------------------------------


class ChatPlugin:
    """Sends to channels of type `testchat`; `fail` makes the next sends raise."""

    def __init__(self):
        self.sent: list[tuple[str, str]] = []
        self.fail: list[Exception] = []

    @hookimpl
    def paperclub_announce(self, message, channel):
        if channel.type != "testchat":
            return None
        if self.fail:
            raise self.fail.pop(0)
        self.sent.append((channel.name, message.key))
        return True

    def cli(self):
        """`paperclub` with this plugin loaded: invoke("announce", SCHEDULE, "--due")."""
        module = types.SimpleNamespace(paperclub_announce=self.paperclub_announce)

        def invoke(*args):
            return CliRunner().invoke(
                cli, list(args), obj=App(Path.cwd(), plugins={"testchat": module})
            )

        return invoke


def test_chat_channels_get_the_group_messages_once(schedule, smtp_server):
    plugin = ChatPlugin()
    channels = [
        {"type": "testchat", "name": "reading", "room": "#reading"},
        {"type": "nochat", "name": "other"},
    ]
    configure(
        schedule,
        smtp_server.port,
        agenda="3 days before",
        presenter="7 days before",
        channels=channels,
    )
    invoke = plugin.cli()

    assert invoke("plan", str(schedule), "--today", TODAY).exit_code == 0
    plugin.fail = [NotSent("503 from the chat")]
    first = invoke("announce", str(schedule), "--due", "--now", "2026-12-01T08:00")
    assert first.exit_code == 1
    assert "failed: agenda of 2026-12-03 to testchat #reading: 503 from the chat" in first.stderr
    line = schedule.read_text().splitlines().index("  - type: nochat") + 1
    assert (
        f"failed: agenda of 2026-12-03 to nochat #other: schedules/ml-systems.yaml:{line}: "
        "announce.channels: no plugin sends to channels of type 'nochat'"
    ) in first.stderr
    assert plugin.sent == []
    plugin.fail = [FateUnknown("timed out after sending")]
    second = invoke("announce", str(schedule), "--due", "--now", "2026-12-01T09:00")
    assert "unknown: agenda of 2026-12-03 to testchat #reading" in second.stderr
    third = invoke(
        "announce", str(schedule), "--due", "--now", "2026-12-01T10:00", "--resend-unknown"
    )
    assert "sent agenda of 2026-12-03 to testchat #reading" in third.stdout
    assert plugin.sent == [("reading", "agenda/s01/0/#reading")]
    invoke("announce", str(schedule), "--due", "--now", "2026-12-01T11:00")
    assert plugin.sent == [("reading", "agenda/s01/0/#reading")]
    # presenter notes go by email only
    assert all(not k.startswith("presenter") for _, k in plugin.sent)


def test_a_chat_plugin_that_crashes_stops_the_run_and_its_message_is_unknown(schedule, smtp_server):
    """A plugin's bug (not NotSent or FateUnknown): it may have posted before it raised, so
    the message is recorded unknown, never sent again on its own, and the run stops, exit 3."""
    plugin = ChatPlugin()
    configure(
        schedule,
        smtp_server.port,
        agenda="3 days before",
        channels=[{"type": "testchat", "name": "reading"}],
    )
    invoke = plugin.cli()

    assert invoke("plan", str(schedule), "--today", TODAY).exit_code == 0
    plugin.fail = [RuntimeError("the chat library broke")]
    first = invoke("announce", str(schedule), "--due", "--now", "2026-12-01T08:00")
    assert first.exit_code == 3, first.output
    assert "raised in paperclub_announce: RuntimeError: the chat library broke" in first.stderr
    status = json.loads(invoke("announce", str(schedule), "--status", "--json").stdout)
    (crashed,) = [m for m in status["messages"] if m["key"].endswith("/#reading")]
    assert crashed["state"] == "unknown"
    invoke("announce", str(schedule), "--due", "--now", "2026-12-01T09:00")
    assert plugin.sent == []  # not sent again on its own
