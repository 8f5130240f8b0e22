"""Everywhere roles show (`roles: {chair: 1, scribe: 1}`): `show` and `show --json`,
`members`, the agenda, the web page, the announcement emails, the group's feed and the
members' feeds, and the diff of a re-plan; and `calendar.notes_url`, linked from each
session in every output. The plan is the golden one (tests/fixtures/golden) with roles
written into its plan file by hand, as an organiser or `paperclub plan` would."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import yaml
from icalendar import Calendar

from paperclub import planfile
from paperclub.diff import diff
from test_golden import GOLDEN

NOTES = "https://docs.example.org/{group}/{date}"
# session id -> its roles as the plan file writes them
ROLES = {
    "s01": {"chair": "Donald Knuth", "scribe": {"name": "Alan Turing", "locked": True}},
    "s02": {"chair": "Ada Lovelace", "scribe": "Grace Hopper"},
    "s03": {"chair": "Donald Knuth", "scribe": "Ada Lovelace"},  # cancelled: not held
    "s04": {"chair": "Donald Knuth", "scribe": ["Ada Lovelace", "Alan Turing"]},
}


def write_roles(path: Path, roles: dict, notes: str | None = NOTES) -> None:
    data = yaml.safe_load(path.read_text())
    for s in data["sessions"]:
        if s["id"] in roles:
            s["roles"] = roles[s["id"]]
    if notes:
        data["notes_url"] = notes
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True))


@pytest.fixture
def ws(workspace: Path) -> Path:
    """The golden plan with roles and a notes link; Donald Knuth, a member who only chairs."""
    for name in ("ml-systems.plan.yaml", "before.plan.yaml"):
        shutil.copy(GOLDEN / name, workspace / name)
    config = yaml.safe_load((GOLDEN / "ml-systems.yaml").read_text())
    config["roles"] = {"chair": 1, "scribe": 1}
    config["members"].append({"name": "Donald Knuth", "roles": ["chair"], "max": {"chair": 3}})
    config["calendar"] = {"notes_url": NOTES}
    (workspace / "ml-systems.yaml").write_text(yaml.safe_dump(config, sort_keys=False))
    write_roles(workspace / "ml-systems.plan.yaml", ROLES)
    return workspace


def test_show_has_a_column_per_role_on_the_session_s_first_line(ws, run):
    out = run("show", "ml-systems.yaml").stdout.splitlines()
    header = out[1].split()
    assert header[-3:] == ["Presenter", "Chair", "Scribe"]
    first = next(line for line in out if line.startswith("Thu 2026-12-03"))
    assert first.rstrip().endswith("Donald Knuth  Alan Turing")
    both = next(line for line in out if line.startswith("Thu 2027-01-07"))
    assert both.rstrip().endswith("Donald Knuth  Ada Lovelace, Alan Turing")
    cancelled = next(line for line in out if line.startswith("Thu 2026-12-17"))
    assert "(cancelled)" in cancelled and "Knuth" not in cancelled


def test_show_json_gives_each_session_s_roles_and_notes(ws, run):
    data = json.loads(run("show", "ml-systems.yaml", "--json").stdout)
    s01, s02, s04, s05 = (data["sessions"][i] for i in (0, 1, 3, 4))
    assert s01["roles"] == {"chair": "Donald Knuth", "scribe": "Alan Turing"}
    assert s01["locked_roles"] == {"scribe": ["Alan Turing"]}
    assert s02["locked_roles"] == {}
    assert s04["roles"] == {"chair": "Donald Knuth", "scribe": ["Ada Lovelace", "Alan Turing"]}
    assert s05["roles"] == {}  # every session has the key once the plan has roles
    assert s01["notes"] == "https://docs.example.org/ml-systems/2026-12-03"


def test_members_shows_each_member_s_load_per_role(ws, run):
    rows = {r["name"]: r for r in json.loads(run("members", "ml-systems.yaml", "--json").stdout)}
    knuth = rows["Donald Knuth"]["roles"]
    # the cancelled session's chair is not counted
    assert knuth["chair"]["load"] == 2 and knuth["chair"]["max"] == 3
    assert [s["date"] for s in knuth["chair"]["sessions"]] == ["2026-12-03", "2027-01-07"]
    assert knuth["scribe"] == {"load": 0, "max": None, "sessions": []}
    assert rows["Ada Lovelace"]["roles"]["scribe"]["load"] == 1  # s04; s03 is cancelled
    assert rows["Ada Lovelace"]["roles"]["chair"]["load"] == 1
    table = run("members", "ml-systems.yaml").stdout.splitlines()
    assert table[0].split()[:4] == ["Member", "Load", "Chair", "Scribe"]
    line = next(t for t in table if t.startswith("Donald Knuth"))
    assert "2 / 3" in line and "2026-12-03 (chair), 2027-01-07 (chair)" in line


def test_the_agenda_has_role_columns_and_a_notes_link(ws, run):
    md = run("export", "ml-systems.yaml", "--format", "markdown", "--today", "2026-12-05").stdout
    lines = md.splitlines()
    assert "| Presenter | Chair | Scribe | Notes | Code |" in lines[4]
    assert lines[5].count("|") == lines[4].count("|")
    first = next(t for t in lines if t.startswith("| 1 |"))
    assert (
        "| Donald Knuth | Alan Turing | [notes](<https://docs.example.org/ml-systems/2026-12-03>) |"
        in first
    )
    second_row = lines[lines.index(first) + 1]
    assert "Knuth" not in second_row and "notes" not in second_row
    assert second_row.count("|") == lines[4].count("|")
    cancelled = next(t for t in lines if t.startswith("| 3 |"))
    assert cancelled.count("|") == lines[4].count("|") and "Knuth" not in cancelled


def test_the_page_and_the_emails_show_roles_and_notes(ws, run):
    page = run("export", "ml-systems.yaml", "--format", "html", "--today", "2026-12-05").stdout
    assert '<span class="role">Chair: Donald Knuth</span>' in page
    assert '<span class="role">Scribe: Ada Lovelace, Alan Turing</span>' in page
    assert (
        '<a class="notes" href="https://docs.example.org/ml-systems/2027-01-07">Notes</a>' in page
    )
    assert "docs.example.org/ml-systems/2026-12-17" not in page  # the cancelled one's
    done = run(
        *("announce", "ml-systems.yaml", "--session", "s04", "--now", "2027-01-01T08:00"),
        *("--dry-run", "--out", "out"),
    )
    assert done.exit_code == 0, done
    mail = (ws / "out" / "agenda-s04-0-ada@example.org.eml").read_text()
    assert "Chair: Donald Knuth" in mail and "Scribe: Ada Lovelace, Alan Turing" in mail
    assert "Notes: https://docs.example.org/ml-systems/2027-01-07" in mail  # the text part
    assert '<span class=3D"role">' in mail or '<span class="role">' in mail  # the HTML part


def events(data: bytes) -> dict[str, object]:
    return {str(e["UID"]): e for e in Calendar.from_ical(data).walk("VEVENT")}


def test_the_group_feed_lists_roles_and_the_notes_line(ws, run):
    feed = run("export", "ml-systems.yaml", "--today", "2026-12-05").stdout.replace("\n ", "")
    plan = planfile.load(ws / "ml-systems.plan.yaml")
    cal = events(feed.encode())
    s01 = cal[plan.sessions[0].uid]
    text = str(s01["DESCRIPTION"])
    assert text.splitlines()[-3:] == [
        "Chair: Donald Knuth",
        "Scribe: Alan Turing",
        "Notes: https://docs.example.org/ml-systems/2026-12-03",
    ]
    # the event's URL is still what it was: not the notes
    assert "docs.example.org" not in str(s01.get("URL", ""))
    cancelled = str(cal[plan.sessions[2].uid]["DESCRIPTION"])
    assert "Chair" not in cancelled and "Notes" not in cancelled
    s05 = str(cal[plan.sessions[4].uid]["DESCRIPTION"])
    assert "Chair" not in s05 and s05.endswith(
        "Notes: https://docs.example.org/ml-systems/2027-01-14"
    )


def test_a_member_who_only_chairs_has_a_feed_of_their_turns(ws, run):
    from paperclub.feeds import member_uid

    plan = planfile.load(ws / "ml-systems.plan.yaml")
    done = run("export", "ml-systems.yaml", "--member", "Donald Knuth", "-o", "knuth.ics")
    assert done.exit_code == 0, done
    cal = events((ws / "knuth.ics").read_bytes())
    chaired = [s for s in plan.sessions if s.id in ("s01", "s03", "s04")]
    assert set(cal) == {member_uid(s.uid, "Donald Knuth") for s in chaired}
    s01 = cal[member_uid(chaired[0].uid, "Donald Knuth")]
    titles = "; ".join(a.title for a in chaired[0].papers)
    assert str(s01["SUMMARY"]) == f"Your turn as chair: {titles}"
    assert str(s01["DESCRIPTION"]).startswith("You are chair at the session of Thu 3 Dec 2026")
    assert "Chair: Donald Knuth" in str(s01["DESCRIPTION"])
    s03 = cal[member_uid(chaired[1].uid, "Donald Knuth")]
    assert str(s03["STATUS"]) == "CANCELLED"
    assert str(s03["SUMMARY"]).startswith("Cancelled: your turn as chair: ")
    # a presenter who is also a scribe elsewhere: both turns, each saying which
    ada = events(run("export", "ml-systems.yaml", "--member", "Ada Lovelace").stdout.encode())
    summaries = sorted(str(e["SUMMARY"]) for e in ada.values())
    assert any(s.startswith("Your turn as scribe: ") for s in summaries)
    assert any(s.startswith("Your turn: present ") for s in summaries)
    # --all-members writes the chair's file too
    run("export", "ml-systems.yaml", "--all-members", "-o", "feeds")
    assert (ws / "feeds" / "ml-systems-donald-knuth.ics").exists()


def test_a_turn_taken_away_is_cancelled_in_the_member_s_feed(ws, run):
    path = ws / "ml-systems.plan.yaml"
    data = yaml.safe_load(path.read_text())
    s02 = next(s for s in data["sessions"] if s["id"] == "s02")
    s02["turns"] = [*s02.get("turns", []), "Ada Lovelace"]  # chair here in an earlier plan
    s02["roles"]["chair"] = "Donald Knuth"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    plan = planfile.load(path)
    from paperclub.feeds import member_uid

    ada = events(run("export", "ml-systems.yaml", "--member", "Ada Lovelace").stdout.encode())
    gone = ada[member_uid(plan.sessions[1].uid, "Ada Lovelace")]
    assert str(gone["STATUS"]) == "CANCELLED"
    assert str(gone["SUMMARY"]) == "Cancelled: your turn (the turn is no longer yours)"


def test_the_diff_of_a_re_plan_names_each_role_that_changed(ws):
    before = planfile.load(ws / "ml-systems.plan.yaml")
    write_roles(
        ws / "ml-systems.plan.yaml",
        {
            "s01": {"chair": "Ada Lovelace", "scribe": "Alan Turing"},
            "s04": {"chair": "Donald Knuth", "scribe": ["Ada Lovelace", "Grace Hopper"]},
        },
    )
    after = planfile.load(ws / "ml-systems.plan.yaml")
    lines = diff(before, after).lines()
    assert "2026-12-03 (s01): chair: Donald Knuth -> Ada Lovelace" in lines
    assert (
        "2027-01-07 (s04): scribe: Ada Lovelace, Alan Turing -> Ada Lovelace, Grace Hopper" in lines
    )
    assert "Ada Lovelace is chair on 2026-12-03 (new)" in lines
    assert "Donald Knuth is no longer chair on 2026-12-03" in lines
    assert "Alan Turing is no longer scribe on 2027-01-07" in lines
    assert "Grace Hopper is scribe on 2027-01-07 (new)" in lines
    assert not any("s02" in line or "s03" in line for line in lines)  # unchanged, cancelled


def test_the_csv_has_a_column_per_role_and_the_notes_after_the_others(ws, run):
    import csv
    import io

    text = run("export", "ml-systems.yaml", "--format", "csv", "--today", "2026-12-05").stdout
    rows = list(csv.DictReader(io.StringIO(text)))
    assert list(rows[0])[-3:] == ["chair", "scribe", "notes"]
    s01 = [r for r in rows if r["session"] == "s01"]
    assert len(s01) == 2 and all(
        (r["chair"], r["scribe"], r["notes"])
        == ("Donald Knuth", "Alan Turing", "https://docs.example.org/ml-systems/2026-12-03")
        for r in s01
    )
    assert [r["scribe"] for r in rows if r["session"] == "s04"][0] == "Ada Lovelace; Alan Turing"
    assert all(r["chair"] == r["notes"] == "" for r in rows if r["status"] == "cancelled")


def test_a_plan_file_remembers_who_held_a_role_so_a_later_plan_can_cancel_their_turn(ws):
    """The plan file's `turns` of a session: its presenters and its role holders, so a re-plan
    that takes a role away leaves the event, cancelled, in the former holder's feed."""
    plan = planfile.load(ws / "ml-systems.plan.yaml")
    written = yaml.safe_load(planfile.dump(plan))
    s02 = next(s for s in written["sessions"] if s["id"] == "s02")
    assert {"Ada Lovelace", "Grace Hopper"} <= set(s02["turns"])  # chair and scribe
