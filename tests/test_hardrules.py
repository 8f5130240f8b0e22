"""The hard rules are checked in one place (paperclub.hardrules): one breach, three papers in a
session of two, reads the same whoever finds it: the diagnosis before planning (pins), the
check of a planner plugin's answer, the check plugin on a plan edited by hand, and the solver's
own check of its plan (which names sessions by number: it knows no dates)."""

from __future__ import annotations

import json

import pytest
import yaml

from conftest import TODAY
from paperclub import hardrules, solver
from test_plugins import PLUGIN_EXIT, write_plugin
from test_replan import MID, edit_plan, plan, sessions

DAY = "2027-01-14"  # after MID, so a re-plan as of MID keeps an edit of it
SENTENCE = "{at} has 3 papers, more than 2"


def paper_ids(run) -> list[str]:
    assert run("import", "paperclub:sample").exit_code == 0
    return sorted(p["id"] for p in json.loads(run("papers", "--json", "--limit", "0").stdout))


def by_diagnosis(run, schedule, workspace) -> tuple[str, str]:
    config = yaml.safe_load(schedule.read_text())
    config["selection"]["pin"] = {DAY: paper_ids(run)[:3]}
    schedule.write_text(yaml.safe_dump(config))
    result = run("plan", str(schedule), "--today", TODAY)
    assert result.exit_code == 1, result
    return result.stderr, DAY


def by_planner_plugin(run, schedule, workspace) -> tuple[str, str]:
    write_plugin(
        workspace,
        "crowded.py",
        f"""
        def paperclub_plan_sessions(candidates, sessions, group):
            ids = sorted(c.id for c in candidates)
            return [ids[:3] if str(s.start.date()) == {DAY!r} else [] for s in sessions]
    """,
    )
    result = run("plan", str(schedule), "--today", TODAY)
    assert result.exit_code == PLUGIN_EXIT, result
    assert "paperclub_plan_sessions returned a plan that breaks a rule: " in result.stderr
    return result.stderr, DAY


def by_check_plugin(run, schedule, workspace) -> tuple[str, str]:
    plan(run, schedule)
    sid = next(k for k, s in sessions(workspace).items() if s["start"].startswith(DAY))
    planned = {p["id"] for s in sessions(workspace).values() for p in s["papers"]}
    extra = next(p for p in paper_ids(run) if p not in planned)
    edit_plan(workspace, lambda s: s[sid]["papers"].append(dict(s[sid]["papers"][0], id=extra)))
    return plan(run, schedule, MID).stderr, DAY


def by_solver(run, schedule, workspace) -> tuple[str, str]:
    problem = solver.prepare([(pid, None, 1.0) for pid in "abcd"], 2, 2)
    return "\n".join(solver.violations(problem, [[], ["a", "b", "c"]])), "session 2"


@pytest.mark.parametrize("find", [by_diagnosis, by_planner_plugin, by_check_plugin, by_solver])
def test_one_breach_reads_the_same_wherever_it_is_found(find, run, schedule, workspace):
    found, at = find(run, schedule, workspace)
    assert SENTENCE.format(at=at) in found


def test_each_rule_is_one_sentence():
    rules = hardrules.Rules(
        most=2,
        candidates={"a", "b", "c", "d"},
        why_not={"x": "excluded: read"},
        topic={"a": "t", "b": "t", "c": None, "d": None}.get,
        policy="spread",
        pins={"d1": ["d"]},
        before=[("c", "a")],
    )
    assert hardrules.breaches([("d1", ["a", "b"]), ("d2", ["a", "x"])], rules) == [
        "d1 has 2 papers on t, but balance.policy spread allows one paper of a topic per session",
        "x on d2 cannot be planned: excluded: read",
        "a is planned twice: d1, d2",
        "d is pinned to d1 but is not planned there",
        "c must come before a, but a is on d1 and c is not planned",
    ]
    # the pins alone (before planning): a paper that must come first may come later
    partial = hardrules.Rules(most=2, before=[("c", "a")], complete=False)
    assert hardrules.breaches([("d1", ["a"])], partial) == []
    assert hardrules.breaches([("d1", ["a"]), ("d2", ["c"])], partial) == [
        "c must come before a, but c is on d2 and a on d1"
    ]
