"""`paperclub export`: any output from the plan file, without planning again, for the group or
for each member who presents (their sessions, under UIDs of their own)."""

from __future__ import annotations

import re
import shlex
import uuid
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import yaml
from click.testing import CliRunner
from icalendar import Calendar

from conftest import ROOT, TODAY
from paperclub import planfile
from paperclub.cli import App, cli
from paperclub.errors import PaperclubError
from paperclub.feeds import MEMBER_UID_NAMESPACE, find_member, member_plan, member_uid, presenters

BERLIN = ZoneInfo("Europe/Berlin")


def stdout_bytes(*args: str) -> bytes:
    """What a command writes to stdout, byte for byte (the `run` fixture's text turns CRLF
    into LF)."""
    result = CliRunner().invoke(cli, list(args), obj=App(Path.cwd()))
    assert result.exit_code == 0, result.output
    return result.stdout_bytes


@pytest.fixture
def planned(run, schedule, workspace):
    assert run("plan", str(schedule), "--today", TODAY).exit_code == 0
    (workspace / "catalog.sqlite").unlink()  # export reads the plan file alone
    return schedule, planfile.load(workspace / "schedules" / "ml-systems.plan.yaml")


def test_plain_export_is_the_planned_output_on_stdout_or_in_a_file(run, planned, workspace):
    schedule, _ = planned
    ics = (workspace / "schedules" / "ml-systems.ics").read_bytes()
    assert stdout_bytes("export", str(schedule)) == ics
    done = run(
        "export", "schedules/ml-systems.plan.yaml", "--format", "markdown", "-o", "agenda.md"
    )
    assert done.exit_code == 0 and done.stdout == "agenda.md (written)\n"
    assert (workspace / "agenda.md").read_bytes() == (
        workspace / "schedules" / "ml-systems.md"
    ).read_bytes()
    assert (
        run("export", str(schedule), "--format", "markdown", "-o", "agenda.md").stdout
        == "agenda.md (unchanged)\n"
    )


def test_member_feed_holds_exactly_the_sessions_the_member_presents(run, planned, workspace):
    schedule, plan = planned
    done = run("export", str(schedule), "--member", "Alan Turing", "-o", "alan.ics")
    assert done.exit_code == 0, done
    cal = Calendar.from_ical((workspace / "alan.ics").read_bytes())
    mine = [s for s in plan.sessions if any(a.presenter == "Alan Turing" for a in s.papers)]
    assert 0 < len(mine) < len(plan.sessions)
    assert sorted(str(e["UID"]) for e in cal.walk("VEVENT")) == sorted(
        member_uid(s.uid, "Alan Turing") for s in mine
    )
    # each a day's note of the turn, beside the group's timed event: free time, no reminder
    assert sorted(e.decoded("DTSTART") for e in cal.walk("VEVENT")) == sorted(
        s.start.astimezone(BERLIN).date() for s in mine
    )
    for s in mine:
        event = next(
            e for e in cal.walk("VEVENT") if str(e["UID"]) == member_uid(s.uid, "Alan Turing")
        )
        (title,) = [a.title for a in s.papers if a.presenter == "Alan Turing"]
        assert str(event["SUMMARY"]) == f"Your turn: present {title}"
        assert str(event["STATUS"]) == "CONFIRMED" and str(event["TRANSP"]) == "TRANSPARENT"
        assert "Thu" in str(event["DESCRIPTION"]) and "16:00–17:30" in str(event["DESCRIPTION"])
        assert not event.walk("VALARM")
    assert str(cal["X-WR-CALNAME"]) == "ML Systems Reading Group — Alan Turing"
    # the same member feed every time, whichever way the member is named
    again = stdout_bytes("export", str(schedule), "--member", "alan-turing")
    assert again == (workspace / "alan.ics").read_bytes()


def test_all_members_writes_one_file_per_presenter_next_to_the_config(run, planned, workspace):
    schedule, plan = planned
    done = run("export", str(schedule), "--all-members")
    assert done.exit_code == 0, done
    names = presenters(plan)
    expected = {f"ml-systems-{n.lower().replace(' ', '-')}.ics" for n in names}
    written = {line.split("/")[-1].removesuffix(" (written)") for line in done.stdout.splitlines()}
    assert written == expected and len(expected) == 5
    for name in names:
        path = workspace / "schedules" / f"ml-systems-{name.lower().replace(' ', '-')}.ics"
        cal = Calendar.from_ical(path.read_bytes())
        assert len(cal.walk("VEVENT")) == len(member_plan(plan, name).sessions)
    # -o DIR: the same files in that folder; the markdown emitter too
    assert run("export", str(schedule), "--all-members", "-o", "feeds").exit_code == 0
    assert {p.name for p in (workspace / "feeds").iterdir()} == expected
    assert (
        run("export", str(schedule), "--all-members", "--format", "markdown", "-o", "md").exit_code
        == 0
    )
    assert {p.name for p in (workspace / "md").iterdir()} == {
        n.replace(".ics", ".md") for n in expected
    }


def test_member_uids_are_fixed_and_differ_from_the_group_s_and_each_other_s(planned):
    _, plan = planned
    session = plan.sessions[0]
    # fixed: a known value, the same on every machine and run (a name-based UUID 5)
    assert member_uid("uid-1@example.org", "Ada Lovelace") == str(
        uuid.uuid5(MEMBER_UID_NAMESPACE, "uid-1@example.org/Ada Lovelace")
    )
    uids = {session.uid} | {member_uid(session.uid, n) for n in presenters(plan)}
    assert len(uids) == len(presenters(plan)) + 1
    # the member plan is a copy: the group's plan keeps its UIDs
    before = [s.uid for s in plan.sessions]
    mine = member_plan(plan, "Ada Lovelace")
    assert [s.uid for s in plan.sessions] == before
    assert {s.uid for s in mine.sessions} <= {member_uid(u, "Ada Lovelace") for u in before}


def _events(path: Path) -> dict:
    return {str(e["UID"]): e for e in Calendar.from_ical(path.read_bytes()).walk("VEVENT")}


def _plan_file(workspace: Path) -> Path:
    return workspace / "schedules" / "ml-systems.plan.yaml"


@pytest.mark.parametrize(
    "old_plan_file", [False, True], ids=["plan-file", "plan-file-without-turns"]
)
def test_a_turn_taken_from_a_member_stays_in_their_feed_cancelled(
    run, schedule, workspace, old_plan_file
):
    """Ada cannot come on a day she presents: the re-plan gives her paper to someone else, and
    her feed keeps that day's event, cancelled, with a higher SEQUENCE, so a client that
    subscribed to or imported the feed drops it (an event left out of the feed stays in the
    client). A plan file written before `turns` existed gets them from its presenters."""
    assert run("plan", str(schedule), "--today", TODAY).exit_code == 0
    if old_plan_file:
        data = yaml.safe_load(_plan_file(workspace).read_text())
        for session in data["sessions"]:
            del session["turns"]
        _plan_file(workspace).write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True))
    assert (
        run("export", str(schedule), "--member", "Ada Lovelace", "-o", "before.ics").exit_code == 0
    )
    plan = planfile.load(_plan_file(workspace))
    gone = next(s for s in plan.sessions if "Ada Lovelace" in s.presenters)
    config = yaml.safe_load(Path(schedule).read_text())
    ada = next(m for m in config["members"] if m["name"] == "Ada Lovelace")
    ada["unavailable"] = [*ada.get("unavailable", []), gone.start.date()]
    Path(schedule).write_text(yaml.safe_dump(config, sort_keys=False, allow_unicode=True))
    assert run("plan", str(schedule), "--today", TODAY).exit_code == 0

    now = next(s for s in planfile.load(_plan_file(workspace)).sessions if s.id == gone.id)
    assert not now.cancelled and "Ada Lovelace" not in now.presenters  # it goes ahead
    assert "Ada Lovelace" in now.turns
    assert (
        run("export", str(schedule), "--member", "Ada Lovelace", "-o", "after.ics").exit_code == 0
    )
    before, after = _events(workspace / "before.ics"), _events(workspace / "after.ics")
    assert set(before) <= set(after)  # no event vanishes
    uid = member_uid(gone.uid, "Ada Lovelace")
    event = after[uid]
    assert str(event["STATUS"]) == "CANCELLED" and str(before[uid]["STATUS"]) == "CONFIRMED"
    assert str(event["SUMMARY"]).startswith("Cancelled: your turn")
    assert "You no longer present" in str(event["DESCRIPTION"])
    assert int(event["SEQUENCE"]) > int(before[uid]["SEQUENCE"])
    assert event.decoded("DTSTAMP") > before[uid].decoded("DTSTAMP")
    assert event.decoded("DTSTART") == before[uid].decoded("DTSTART")
    # the other turns are as they were
    for other in set(before) - {uid}:
        assert after[other].to_ical() == before[other].to_ical()


def test_a_presenter_changed_by_hand_keeps_the_turn_in_the_old_presenter_s_feed(
    run, planned, workspace
):
    schedule, plan = planned
    data = yaml.safe_load(_plan_file(workspace).read_text())
    session = next(
        s for s in data["sessions"] if any(p["presenter"] == "Ada Lovelace" for p in s["papers"])
    )
    names = {p["presenter"] for p in session["papers"]}
    other = next(n for n in ("Grace Hopper", "Edsger Dijkstra", "Barbara Liskov") if n not in names)
    for paper in session["papers"]:
        if paper["presenter"] == "Ada Lovelace":
            paper["presenter"] = other
    _plan_file(workspace).write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True))
    uid = member_uid(session["uid"], "Ada Lovelace")
    # exported from the edited file as it is: the turn is there, cancelled
    assert run("export", str(schedule), "--member", "Ada Lovelace", "-o", "ada.ics").exit_code == 0
    assert str(_events(workspace / "ada.ics")[uid]["STATUS"]) == "CANCELLED"
    assert run("export", str(schedule), "--member", other, "-o", "other.ics").exit_code == 0
    assert (
        str(_events(workspace / "other.ics")[member_uid(session["uid"], other)]["STATUS"])
        == "CONFIRMED"
    )
    # and once planned, with a SEQUENCE above the one subscribers have
    assert run("plan", str(schedule), "--today", TODAY).exit_code == 0
    assert run("export", str(schedule), "--member", "Ada Lovelace", "-o", "ada.ics").exit_code == 0
    event = _events(workspace / "ada.ics")[uid]
    assert str(event["STATUS"]) == "CANCELLED"
    assert int(event["SEQUENCE"]) == session["sequence"] + 1


def test_unknown_member_is_an_error_naming_close_matches(run, planned):
    schedule, plan = planned
    done = run("export", str(schedule), "--member", "Ada Lovelac")
    assert done.exit_code == 1
    assert "'Ada Lovelac' presents in no session" in done.stderr and "'Ada Lovelace'" in done.stderr
    done = run("export", str(schedule), "--member", "Nobody")
    assert done.exit_code == 1 and "presenters: " in done.stderr and "Grace Hopper" in done.stderr
    with pytest.raises(PaperclubError):
        find_member(plan, "")


def test_usage_errors(run, planned, workspace):
    schedule, _ = planned
    assert run("export", str(schedule), "--member", "Alan Turing", "--all-members").exit_code == 2
    done = run("export", str(schedule), "--format", "vcard")
    assert (
        done.exit_code == 1 and "no output format 'vcard'" in done.stderr and "ics" in done.stderr
    )
    (workspace / "a-file").write_text("")
    assert run("export", str(schedule), "--all-members", "-o", "a-file").exit_code == 1
    assert run("export", "schedules/other.yaml").exit_code == 1  # no plan yet


def _examples(doc: str, heading: str) -> list[str]:
    """The `paperclub export` lines of the first sh block after `heading` in docs/`doc`."""
    text = (ROOT / "docs" / doc).read_text()
    block = re.search(re.escape(heading) + r".*?```sh\n(.*?)```", text, re.DOTALL).group(1)
    return [line for line in block.splitlines() if line.startswith("paperclub export")]


@pytest.mark.parametrize(
    "doc,heading",
    [("usage.md", "## `paperclub export SCHEDULE`"), ("calendar.md", "## Member feeds")],
)
def test_the_documented_examples_run(doc, heading, run, planned, workspace):
    lines = _examples(doc, heading)
    assert lines
    for line in lines:
        args = shlex.split(line, comments=True)[1:]
        target = None
        if ">" in args:
            args, target = args[: args.index(">")], args[args.index(">") + 1]
        done = run(*args)
        assert done.exit_code == 0, (line, done)
        if target:
            (workspace / target).write_text(done.stdout)
    if doc == "usage.md":  # every option of the table has an example
        table = (ROOT / "docs" / "usage.md").read_text().split(heading)[1].split("\n## ")[0]
        for option in re.findall(r"^\| `(--[a-z-]+)", table, re.M):
            assert any(option in line for line in lines), option
        assert any(" -o " in line for line in lines)
