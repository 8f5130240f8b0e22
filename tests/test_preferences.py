"""members[].prefer and avoid against a plan: met or not, and why not (preferences.py), as
`paperclub members` and `paperclub why` say it."""

import json
from dataclasses import replace
from pathlib import Path

from paperclub import planfile, preferences
from paperclub.models import Member, Person, Plan
from test_presenters import day, group, paper, session
from test_roles import plan_of, with_chairs


def term(members, *rows, mode="per_paper"):
    """A plan of sessions 0, 1, ...: each row is (presenter, chair), one paper each."""
    sessions = []
    for n, (presenter, chair) in enumerate(rows):
        s = session(n, [paper(n, 0, topics=["graphs"], presenter=presenter)])
        s.roles = {"chair": [chair]}
        sessions.append(s)
    g = replace(group(members, mode), roles={"chair": 1})
    return Plan(
        group="G", slug="g", timezone="Europe/Berlin", organizer=Person("O"), sessions=sessions
    ), g


def why(plan, g, name):
    return [o for o in preferences.outcomes(plan, g) if o.member == name]


def test_a_preference_met_says_so_without_reasons():
    plan, g = term(
        [Member("Ada", prefer=(str(day(0)),), avoid=(str(day(1)),)), Member("Bob"), Member("Cy")],
        ("Ada", "Bob"),
        ("Bob", "Cy"),
    )
    got = why(plan, g, "Ada")
    assert [(o.kind, o.met, o.reasons) for o in got] == [("prefer", True, []), ("avoid", True, [])]
    assert got[0].to_json() == {"kind": "prefer", "item": str(day(0)), "met": True, "reasons": []}


def test_a_date_preferred_but_unavailable():
    plan, g = term(
        [Member("Ada", prefer=(str(day(1)),), unavailable=(day(1),)), Member("Bob"), Member("Cy")],
        ("Ada", "Bob"),
        ("Bob", "Cy"),
    )
    (o,) = why(plan, g, "Ada")
    assert not o.met
    assert o.reasons == [
        f"Bob presents p1-0 on {day(1)}: Ada is unavailable that day",
        f"Cy is chair on {day(1)}: Ada is unavailable that day",
    ]


def test_a_date_preferred_but_max_sessions_reached():
    plan, g = term(
        [Member("Ada", prefer=(str(day(2)),), max_sessions=1), Member("Bob"), Member("Cy")],
        ("Bob", "Ada"),
        ("Cy", "Bob"),
        ("Bob", "Cy"),
    )
    (o,) = why(plan, g, "Ada")
    assert all(r.endswith("Ada has reached max_sessions 1") for r in o.reasons), o.reasons


def test_a_date_preferred_but_held_by_a_lock_or_a_role_not_taken():
    plan, g = term(
        [Member("Ada", roles=("chair",), prefer=(str(day(1)),)), Member("Bob"), Member("Cy")],
        ("Bob", "Cy"),
        ("Cy", "Bob"),
    )
    plan.sessions[1].locked_roles = {"chair": ["Bob"]}
    (o,) = why(plan, g, "Ada")
    assert o.reasons == [
        f"Cy presents p1-0 on {day(1)}: Ada does not take the role presenter (members[].roles)",
        f"Bob is chair on {day(1)}: Bob holds it by a lock (a claim)",
    ]


def test_a_date_preferred_loses_to_balance_and_to_consecutive_sessions():
    plan, g = term(
        [Member("Ada", prefer=(str(day(1)),)), Member("Bob"), Member("Cy")],
        ("Ada", "Bob"),
        ("Bob", "Cy"),
    )
    (o,) = why(plan, g, "Ada")
    # presenting on day 1 too: Ada would present twice and Bob never (1+1 -> 4+0, chair same)
    assert o.reasons[0].startswith(f"Bob presents p1-0 on {day(1)}: balance per role would be")
    # chairing on day 1: the chair's loads stay even, but Ada would be in two sessions in a row
    # (Bob already is: chair on day 0, presenter on day 1)
    assert o.reasons[1] == (
        f"Cy is chair on {day(1)}: consecutive sessions would be worse (1 now, 2 with Ada)"
    )


def test_a_paper_preferred_is_pinned_to_another_member():
    plan, g = term(
        [Member("Ada", prefer=("p1-0",)), Member("Bob", pin=("p1-0",)), Member("Cy")],
        ("Ada", "Cy"),
        ("Bob", "Cy"),
    )
    (o,) = why(plan, g, "Ada")
    assert o.reasons == [f"Bob presents p1-0 on {day(1)}: it is pinned to Bob (members[].pin)"]
    assert preferences.about_paper(plan, g, "p1-0") == [
        "Ada prefers p1-0: not met",
        f"  {o.reasons[0]}",
    ]
    assert preferences.about_paper(plan, g, "p0-0") == []


def test_a_paper_both_prefer_goes_by_affinity():
    plan, g = term(
        [
            Member("Ada", prefer=("p0-0",)),
            Member("Bob", interests=("graphs",), prefer=("p0-0",)),
            Member("Cy"),
        ],
        ("Bob", "Cy"),
    )
    (o,) = why(plan, g, "Ada")
    assert o.reasons == [
        f"Bob presents p0-0 on {day(0)}: affinity would be worse (1 now, 0 with Ada)"
    ]


def test_a_paper_not_in_the_plan_and_a_date_without_a_session():
    plan, g = term([Member("Ada", prefer=("p9-9", str(day(5)))), Member("Bob")], ("Bob", "Ada"))
    assert [o.reasons for o in why(plan, g, "Ada")] == [
        ["the paper is not in the plan"],
        ["no session on that date"],
    ]


def test_an_avoid_not_honoured_when_no_one_else_can_take_the_seat():
    plan, g = term(
        [Member("Ada", avoid=(str(day(0)),)), Member("Bob"), Member("Cy", unavailable=(day(0),))],
        ("Bob", "Ada"),
    )
    (o,) = why(plan, g, "Ada")
    assert not o.met
    assert o.reasons == [
        f"Ada is chair on {day(0)}: no one else can take it: Bob presents that day: nobody holds "
        "two roles of a session; Cy is unavailable that day"
    ]


def test_an_avoid_not_honoured_by_a_lock_or_by_the_aims():
    members = [Member("Ada", avoid=(str(day(1)),)), Member("Bob"), Member("Cy"), Member("Dan")]
    plan, g = term(members, ("Bob", "Cy"), ("Dan", "Ada"), ("Cy", "Bob"))
    (o,) = why(plan, g, "Ada")
    # Dan presents that day; Bob or Cy would chair twice and Ada never: 6 -> 8 either way
    assert o.reasons == [
        f"Ada is chair on {day(1)}: balance per role would be worse (6 now, 8 with Bob)"
    ]
    plan.sessions[1].locked_roles = {"chair": ["Ada"]}
    (o,) = why(plan, g, "Ada")
    assert o.reasons == [f"Ada is chair on {day(1)}: Ada holds it by a lock (a claim)"]


def test_members_and_why_say_which_preferences_are_not_met(run, schedule):
    with_chairs(schedule)
    path = Path(schedule)
    # Frances also wants the date Tony prefers
    path.write_text(
        path.read_text().replace(
            "avoid: [2026-12-03]}", "avoid: [2026-12-03], prefer: [2026-12-10]}"
        )
    )
    plan = plan_of(run, schedule)
    (chair,) = next(s for s in plan.sessions if str(s.start.date()) == "2026-12-10").roles["chair"]
    # both cannot be chair that day; which one is, the aims leave open (a tie)
    other = {"Tony Hoare": "Frances Allen", "Frances Allen": "Tony Hoare"}[chair]
    rows = {r["name"]: r for r in json.loads(run("members", str(schedule), "--json").stdout)}
    wants = {
        name: {(p["kind"], p["item"]): p for p in rows[name]["preferences"]}
        for name in (chair, other)
    }
    assert wants[chair]["prefer", "2026-12-10"] == {
        "kind": "prefer",
        "item": "2026-12-10",
        "met": True,
        "reasons": [],
    }
    assert wants["Frances Allen"]["avoid", "2026-12-03"]["met"]
    unmet = wants[other]["prefer", "2026-12-10"]
    assert not unmet["met"]
    assert f"{chair} is chair on 2026-12-10: " in "\n".join(unmet["reasons"])
    assert "preferences" not in rows["Ada Lovelace"]  # no prefer, no avoid: no key
    text = run("members", str(schedule)).stdout
    assert f"Preferences not met:\n{other} prefers 2026-12-10: not met\n" in text
    assert f"{chair} prefers" not in text
    plan = planfile.load(planfile.plan_path(path))
    wanted = plan.sessions[4].papers[0]
    text = path.read_text().replace("prefer: [2026-12-10]}", "prefer: [2026-12-10, {}]}")
    path.write_text(
        text.replace("{}", wanted.paper_id, 2).replace(
            f"Tony Hoare, roles: [chair], max: {{chair: 3}}, prefer: [2026-12-10, {wanted.paper_id}]",
            "Tony Hoare, roles: [chair], max: {chair: 3}, prefer: [2026-12-10]",
        )
    )
    out = run("why", str(schedule), wanted.paper_id, "--today", "2026-11-01").stdout
    assert f"Frances Allen prefers {wanted.paper_id}: not met" in out
    assert "Frances Allen does not take the role presenter (members[].roles)" in out
