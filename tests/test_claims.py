"""`paperclub claim` and `paperclub release`: a sign-up is a lock in the plan file, checked at
once against the rules (each refusal with its reason and the seats still open), written with
the outputs, kept by a re-plan; two claims at once from two processes: one wins.

The plan is the golden one (tests/fixtures/golden: s01 2026-12-03 ... s12 2027-03-04, s03
cancelled) with roles written in by hand; "today" is 2026-12-05, so s01 was held."""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from icalendar import Calendar

from conftest import ROOT, TODAY
from paperclub import planfile
from paperclub.claims import lock_path, locked
from test_golden import GOLDEN

DAY = "2026-12-05"
ROLES = {
    "s02": {"chair": "Ada Lovelace", "scribe": {"name": "Grace Hopper", "locked": True}},
    "s04": {"chair": "Grace Hopper", "scribe": "Alan Turing"},
    "s05": {"chair": {"name": "Edsger Dijkstra", "locked": True}, "scribe": "Grace Hopper"},
    "s06": {"chair": "Ada Lovelace", "scribe": "Edsger Dijkstra"},
    "s12": {"chair": "Donald Knuth"},
}


@pytest.fixture
def ws(workspace: Path) -> Path:
    shutil.copy(GOLDEN / "ml-systems.plan.yaml", workspace / "ml-systems.plan.yaml")
    config = yaml.safe_load((GOLDEN / "ml-systems.yaml").read_text())
    config["roles"] = {"chair": 1, "scribe": 1}
    config["members"][4]["roles"] = ["presenter", "scribe"]  # Barbara Liskov
    config["members"].append({"name": "Donald Knuth", "roles": ["chair"], "max": {"chair": 2}})
    (workspace / "ml-systems.yaml").write_text(yaml.safe_dump(config, sort_keys=False))
    path = workspace / "ml-systems.plan.yaml"
    data = yaml.safe_load(path.read_text())
    for s in data["sessions"]:
        if s["id"] in ROLES:
            s["roles"] = ROLES[s["id"]]
        if s["id"] == "s08":  # Grace Hopper's paper there is hers by a lock
            s["papers"][0]["presenter"] = {"name": "Grace Hopper", "locked": True}
        if s["id"] == "s10":
            s["locked"] = True
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True))
    return workspace


def session(ws: Path, sid: str):
    plan = planfile.load(ws / "ml-systems.plan.yaml")
    return next(s for s in plan.sessions if s.id == sid)


def paper(ws: Path, sid: str, n: int) -> str:
    return session(ws, sid).papers[n].paper_id


def claim(run, *args: str):
    return run("claim", "ml-systems.yaml", *args, "--today", DAY)


def test_a_claim_locks_the_role_tells_whom_it_displaced_and_writes_the_outputs(ws, run):
    before = session(ws, "s06")
    done = claim(run, "2027-01-21", "--by", "donald knuth", "--role", "chair")
    assert done.exit_code == 0, done
    assert done.stdout.splitlines()[:2] == [
        "Donald Knuth claimed the chair of 2027-01-21.",
        "Ada Lovelace was chair of 2027-01-21: the next plan gives them another turn.",
    ]
    assert "  ml-systems.plan.yaml (written)" in done.stdout
    assert "  ml-systems.ics (written)" in done.stdout
    data = yaml.safe_load((ws / "ml-systems.plan.yaml").read_text())
    s06 = next(s for s in data["sessions"] if s["id"] == "s06")
    assert s06["roles"] == {
        "chair": {"name": "Donald Knuth", "locked": True},
        "scribe": "Edsger Dijkstra",
    }
    after = session(ws, "s06")
    # subscribers see the change: a new SEQUENCE; Ada's own feed cancels her turn
    assert after.sequence == before.sequence + 1 and after.modified > before.modified
    assert "Ada Lovelace" in after.turns
    feed = Calendar.from_ical((ws / "ml-systems.ics").read_bytes())
    event = next(e for e in feed.walk("VEVENT") if str(e["UID"]) == after.uid)
    assert "Chair: Donald Knuth" in str(event["DESCRIPTION"])
    assert '<span class="role">Chair: Donald Knuth</span>' in (ws / "ml-systems.html").read_text()
    # the same claim again: nothing to change, nothing written
    plan_bytes = (ws / "ml-systems.plan.yaml").read_bytes()
    again = claim(run, "2027-01-21", "--by", "Donald Knuth", "--role", "chair")
    assert again.exit_code == 0 and again.stdout == (
        "Donald Knuth has claimed the chair of 2027-01-21 already.\n"
    )
    assert (ws / "ml-systems.plan.yaml").read_bytes() == plan_bytes


def test_an_open_seat_is_taken_without_displacing_anyone(ws, run):
    done = claim(run, "2027-01-28", "--by", "Barbara Liskov", "--role", "scribe")
    assert done.exit_code == 0, done
    assert "was scribe" not in done.stdout
    s07 = session(ws, "s07")
    assert s07.roles == {"scribe": ["Barbara Liskov"]}
    assert s07.locked_roles == {"scribe": ["Barbara Liskov"]}


def test_a_paper_claim_locks_its_presenter(ws, run):
    pid = paper(ws, "s08", 1)  # Barbara Liskov's, not locked
    done = claim(run, pid, "--by", "Edsger Dijkstra")
    assert done.exit_code == 0, done
    assert f"Barbara Liskov was presenter of {pid} (2027-02-04)" in done.stdout
    a = session(ws, "s08").papers[1]
    assert (a.presenter, a.presenter_locked) == ("Edsger Dijkstra", True)


def test_release_takes_the_lock_off_and_keeps_the_turn(ws, run):
    assert claim(run, "2027-01-21", "--by", "Donald Knuth", "--role", "chair").exit_code == 0
    done = run(
        "release", "ml-systems.yaml", "2027-01-21", "--by", "Donald Knuth", "--role", "chair"
    )
    assert done.exit_code == 0, done
    assert done.stdout.startswith("Donald Knuth released the chair of 2027-01-21.\n")
    s06 = session(ws, "s06")
    assert s06.roles["chair"] == ["Donald Knuth"] and s06.locked_roles == {}
    plan_bytes = (ws / "ml-systems.plan.yaml").read_bytes()
    again = run(
        "release", "ml-systems.yaml", "2027-01-21", "--by", "Donald Knuth", "--role", "chair"
    )
    assert again.exit_code == 1
    assert "Donald Knuth holds no claim on the chair of 2027-01-21" in again.stderr
    assert (ws / "ml-systems.plan.yaml").read_bytes() == plan_bytes
    grace = paper(ws, "s08", 0)
    done = run("release", "ml-systems.yaml", grace, "--by", "Grace Hopper", "--today", DAY)
    assert done.exit_code == 0, done
    assert not session(ws, "s08").papers[0].presenter_locked


REFUSALS = [
    (
        ["2026-12-03", "--by", "Grace Hopper", "--role", "chair"],
        "the session of 2026-12-03 was held (it is before 2026-12-05)",
    ),
    (
        ["2026-12-17", "--by", "Grace Hopper", "--role", "chair"],
        "the session of 2026-12-17 is cancelled",
    ),
    (
        ["2027-02-18", "--by", "Ada Lovelace", "--role", "chair"],
        "the session of 2027-02-18 is locked in the plan file",
    ),
    (
        ["2027-01-07", "--by", "Ada Lovelace", "--role", "scribe"],
        "Ada Lovelace is unavailable on 2027-01-07",
    ),
    (
        ["2027-01-28", "--by", "Donald Knuth", "--role", "scribe"],
        "Donald Knuth does not take the role scribe (members[].roles: chair)",
    ),
    (
        ["2027-01-14", "--by", "Donald Knuth", "--role", "chair"],
        "Edsger Dijkstra has claimed the chair of 2027-01-14",
    ),
    (
        ["s08:0", "--by", "Edsger Dijkstra"],
        "Grace Hopper has claimed the presenter of {paper} (2027-02-04)",
    ),
    (
        ["2027-01-21", "--by", "Edsger Dijkstra", "--role", "chair"],
        "Edsger Dijkstra is already scribe on 2027-01-21: nobody has two turns in one session",
    ),
    (
        ["2027-01-21", "--by", "Grace Hopper", "--role", "chair"],
        "Grace Hopper already presents on 2027-01-21",
    ),
    (
        ["2027-02-25", "--by", "Alan Turing", "--role", "chair"],
        "Alan Turing has reached max_sessions 3 (2027-01-07, 2027-01-14, 2027-01-28, 2027-02-11)",
    ),
    (
        ["2027-01-21", "--by", "Ada Lovelace", "--role", "presenter"],
        "each paper of 2027-01-21 has its own presenter: give a paper",
    ),
    (["2027-01-21", "--by", "Ada Lovelace"], "or a role with --role (chair, scribe)"),
    (
        ["2027-01-22", "--by", "Ada Lovelace", "--role", "chair"],
        "2027-01-22 is not a date of a session of the plan; did you mean",
    ),
    (
        ["2027-01-21", "--by", "Ada Lovelase", "--role", "chair"],
        "'Ada Lovelase' is not a member of ML Systems Reading Group; did you mean 'Ada Lovelace'?",
    ),
    (
        ["2027-01-21", "--by", "Ada Lovelace", "--role", "chiar"],
        "has no role 'chiar'; did you mean 'chair'?",
    ),
    (
        ["no-such-paper", "--by", "Ada Lovelace"],
        "no-such-paper is neither a date nor a paper of the plan",
    ),
]


@pytest.mark.parametrize(("args", "reason"), REFUSALS, ids=[r for _, r in REFUSALS])
def test_a_claim_against_a_rule_is_refused_with_its_reason_and_changes_nothing(
    ws, run, args, reason
):
    if args[0] == "s08:0":
        args = [paper(ws, "s08", 0), *args[1:]]
        reason = reason.format(paper=args[0])
    files = {p.name: p.read_bytes() for p in ws.iterdir() if p.is_file() and "lock" not in p.name}
    done = claim(run, *args)
    assert done.exit_code == 1, done
    assert reason in done.stderr.splitlines()[0]
    assert "Traceback" not in done.stderr
    assert {
        p.name: p.read_bytes() for p in ws.iterdir() if p.is_file() and "lock" not in p.name
    } == files


def test_a_role_s_max_counts_the_plan_and_the_claims(ws, run):
    # Donald Knuth chairs s12 already, and takes chair at most twice
    assert claim(run, "2027-01-21", "--by", "Donald Knuth", "--role", "chair").exit_code == 0
    done = claim(run, "2027-01-28", "--by", "Donald Knuth", "--role", "chair")
    assert done.exit_code == 1
    assert done.stderr.splitlines()[0].endswith(
        "Donald Knuth has reached max chair 2 (2027-01-21, 2027-03-04)"
    )
    assert "open to" not in done.stderr  # no other chair is open to him


def test_a_refusal_names_the_next_seats_open_to_the_member_and_each_can_be_claimed(ws, run):
    done = claim(run, "2027-01-14", "--by", "Donald Knuth", "--role", "chair")
    assert done.exit_code == 1
    lines = done.stderr.splitlines()
    assert lines[1:] == [
        "open to Donald Knuth:",
        "  chair of 2026-12-10 (s02)",
        "  chair of 2027-01-07 (s04)",
        "  chair of 2027-01-21 (s06)",
        "  chair of 2027-01-28 (s07)",
        "  chair of 2027-02-04 (s08)",
    ]
    assert claim(run, "2027-01-28", "--by", "Donald Knuth", "--role", "chair").exit_code == 0
    # a paper's: the other papers he could present (Edsger presents s02, s04, s07, s10, s12)
    grace = paper(ws, "s08", 0)
    done = claim(run, grace, "--by", "Edsger Dijkstra")
    assert done.exit_code == 1
    offered = [line.strip() for line in done.stderr.splitlines()[2:]]
    assert offered and len(offered) <= 5
    assert offered[0].startswith(paper(ws, "s08", 1) + " on 2027-02-04: ")
    assert claim(run, offered[0].split()[0], "--by", "Edsger Dijkstra").exit_code == 0


def test_per_session_a_date_claims_the_session_s_presenter(ws, run):
    config = yaml.safe_load((ws / "ml-systems.yaml").read_text())
    config["presenters"] = "per_session"
    (ws / "ml-systems.yaml").write_text(yaml.safe_dump(config, sort_keys=False))
    done = claim(run, "2027-02-04", "--by", "Edsger Dijkstra")
    assert done.exit_code == 1  # Grace Hopper's lock on a paper of it
    assert "Grace Hopper has claimed the presenter of 2027-02-04" in done.stderr
    done = claim(run, "2027-01-28", "--by", "Barbara Liskov")
    assert done.exit_code == 0, done
    assert {(a.presenter, a.presenter_locked) for a in session(ws, "s07").papers} == {
        ("Barbara Liskov", True)
    }


CLAIM = [sys.executable, "-m", "paperclub", "claim", "ml-systems.yaml", "2027-01-28"]


def test_two_claims_at_once_from_two_processes_one_wins_and_the_other_is_told(ws):
    env = {**os.environ, "PAPERCLUB_DISABLE_PLUGIN_AUTOLOAD": "1"}
    # both start while the plan file's lock is held, so both wait and then race for it
    with locked(ws / "ml-systems.plan.yaml"):
        procs = [
            subprocess.Popen(
                [*CLAIM, "--by", name, "--role", "chair", "--today", DAY],
                cwd=ws,
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for name in ("Ada Lovelace", "Grace Hopper")
        ]
        import time

        time.sleep(1.5)  # both are up and waiting for the lock
    outs = [p.communicate(timeout=120) for p in procs]
    codes = sorted(p.returncode for p in procs)
    assert codes == [0, 1], outs
    winner = ("Ada Lovelace", "Grace Hopper")[[p.returncode for p in procs].index(0)]
    loser_err = next(err for p, (_, err) in zip(procs, outs) if p.returncode == 1)
    assert f"{winner} has claimed the chair of 2027-01-28" in loser_err
    s07 = session(ws, "s07")  # the plan file reads, and holds one lock there
    assert s07.roles == {"chair": [winner]} and s07.locked_roles == {"chair": [winner]}
    assert not lock_path(ws / "ml-systems.plan.yaml").exists()  # gone with the last holder


def test_a_claimed_paper_is_kept_by_a_re_plan(run, schedule, workspace):
    assert run("plan", str(schedule), "--today", TODAY).exit_code == 0
    plan = planfile.load(workspace / "schedules" / "ml-systems.plan.yaml")
    s = next(s for s in plan.sessions[3:] if "Barbara Liskov" not in s.presenters)
    a = s.papers[0]
    done = run("claim", str(schedule), a.paper_id, "--by", "Barbara Liskov", "--today", TODAY)
    assert done.exit_code == 0, done
    again = run("plan", str(schedule), "--today", TODAY)
    assert again.exit_code == 0, again
    kept = planfile.load(workspace / "schedules" / "ml-systems.plan.yaml")
    b = next(b for t in kept.sessions for b in t.papers if b.paper_id == a.paper_id)
    assert (b.presenter, b.presenter_locked) == ("Barbara Liskov", True)


def test_a_claimed_role_is_kept_by_a_re_plan(run, schedule, workspace):
    config = yaml.safe_load(Path(schedule).read_text())
    config["roles"] = {"chair": 1, "scribe": 1}
    Path(schedule).write_text(yaml.safe_dump(config, sort_keys=False))
    assert run("plan", str(schedule), "--today", TODAY).exit_code == 0
    path = workspace / "schedules" / "ml-systems.plan.yaml"
    plan = planfile.load(path)
    assert all(s.roles["chair"] and s.roles["scribe"] for s in plan.sessions)

    def claimed(s, who):
        day = s.start.date().isoformat()
        done = run("claim", str(schedule), day, "--by", who, "--role", "chair", "--today", TODAY)
        return done.exit_code == 0

    # the first member free to chair a session they do not chair now: a claim that displaces
    s, who = next(
        (s, m["name"])
        for s in plan.sessions[3:]
        for m in config["members"]
        if m["name"] not in s.roles["chair"] and claimed(s, m["name"])
    )
    again = run("plan", str(schedule), "--today", TODAY)
    assert again.exit_code == 0, again
    kept = next(t for t in planfile.load(path).sessions if t.id == s.id)
    assert kept.roles["chair"] == [who] and kept.locked_roles == {"chair": [who]}


def test_the_usage_doc_s_claim_example_runs_as_shown(run, schedule, workspace):
    doc = (ROOT / "docs" / "usage.md").read_text()
    section = doc.split("## `paperclub claim", 1)[1].split("\n## ", 1)[0]
    config = yaml.safe_load(Path(schedule).read_text())
    config["roles"] = {"chair": 1, "scribe": 1}
    Path(schedule).write_text(yaml.safe_dump(config, sort_keys=False))
    assert run("plan", str(schedule), "--today", TODAY).exit_code == 0
    commands = re.search(r"```sh\n(.*?)```", section, re.DOTALL).group(1)
    outputs = []
    for line in commands.splitlines():
        done = run(*shlex.split(line)[1:], "--today", TODAY)
        assert done.exit_code == 0, (line, done)
        outputs.append(done.stdout)
    shown = re.search(r"```\n(Edsger.*?)  \.\.\.\n```", section, re.DOTALL).group(1)
    assert outputs[0].startswith(shown)
    refused = re.search(r"```\n\$ (paperclub claim .*?)\n(Error: .*?)```", section, re.DOTALL)
    done = run(*shlex.split(refused.group(1))[1:], "--today", TODAY)
    assert done.exit_code == 1 and done.stderr == refused.group(2)
