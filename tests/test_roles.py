"""Roles beside presenters (`roles: {chair: 1, scribe: 1}`): the plan file's `roles:` of a
session, read and written, and the notes link of a session (`calendar.notes_url`)."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
import yaml

from paperclub import planfile
from paperclub.errors import PaperclubError
from paperclub.models import Member, notes_link

OLD_PLAN = Path(__file__).resolve().parent / "fixtures" / "old-plan" / "ml-systems.plan.yaml"


def with_roles(plan):
    """The old plan with roles on its first two sessions: one holder, a lock, and a role of
    two holders (one of them locked)."""
    first, second = plan.sessions[0], plan.sessions[1]
    first.roles = {"chair": ["Ada Lovelace"], "scribe": ["Alan Turing"]}
    first.locked_roles = {"scribe": ["Alan Turing"]}
    second.roles = {"chair": ["Grace Hopper"], "discussant": ["Alan Turing", "Barbara Liskov"]}
    second.locked_roles = {"discussant": ["Barbara Liskov"]}
    return plan


def test_an_old_plan_file_reads_without_roles_and_writes_as_before():
    old = planfile.load(OLD_PLAN)
    assert all(s.roles == {} and s.locked_roles == {} for s in old.sessions)
    assert old.notes_url is None
    written = planfile.dump(old)
    assert b"roles:" not in written and b"notes_url" not in written
    # what it held, written back as it was (a later format's `turns` added), digests too
    before, after = yaml.safe_load(OLD_PLAN.read_bytes()), yaml.safe_load(written)
    for s in after["sessions"]:
        s.pop("turns", None)
    assert after == before
    assert not any(planfile.edited(s) for s in old.sessions)


def test_roles_round_trip_in_the_format_of_the_plan_file(tmp_path):
    plan = with_roles(planfile.load(OLD_PLAN))
    plan.notes_url = "https://docs.example.org/{group}/{date}"
    path = tmp_path / "ml-systems.plan.yaml"
    path.write_bytes(planfile.dump(plan))
    data = yaml.safe_load(path.read_bytes())
    assert data["notes_url"] == "https://docs.example.org/{group}/{date}"
    assert data["sessions"][0]["roles"] == {
        "chair": "Ada Lovelace",
        "scribe": {"name": "Alan Turing", "locked": True},
    }
    assert data["sessions"][1]["roles"] == {
        "chair": "Grace Hopper",
        "discussant": ["Alan Turing", {"name": "Barbara Liskov", "locked": True}],
    }
    assert all("roles" not in s for s in data["sessions"][2:])  # only sessions with roles
    again = planfile.load(path)
    assert [(s.roles, s.locked_roles) for s in again.sessions] == [
        (s.roles, s.locked_roles) for s in plan.sessions
    ]
    assert again.notes_url == plan.notes_url
    assert planfile.dump(again) == path.read_bytes()
    assert not any(planfile.edited(s) for s in again.sessions)


def test_a_hand_edited_role_tells_the_session_edited(tmp_path):
    plan = with_roles(planfile.load(OLD_PLAN))
    path = tmp_path / "x.plan.yaml"
    path.write_bytes(planfile.dump(plan))
    path.write_text(path.read_text().replace("chair: Ada Lovelace", "chair: Grace Hopper"))
    edited = planfile.load(path)
    assert planfile.edited(edited.sessions[0]) and not planfile.edited(edited.sessions[1])


@pytest.mark.parametrize(
    "old, new, message",
    [
        ("chair: Ada Lovelace", "chair: 3", "session s01: roles.chair: expected a name"),
        ("chair: Ada Lovelace", "chair: {name: Ada, lockd: true}", "roles.chair: expected a name"),
        ("chair: Ada Lovelace", "chair: ''", "roles.chair: expected a name"),
        ("chair: Ada Lovelace", "chair: [Ada, Ada]", "roles.chair: Ada is named twice"),
    ],
)
def test_a_bad_role_in_the_plan_file_names_file_line_and_problem(tmp_path, old, new, message):
    path = tmp_path / "x.plan.yaml"
    path.write_bytes(planfile.dump(with_roles(planfile.load(OLD_PLAN))))
    text = path.read_text().replace(old, new)
    path.write_text(text)
    with pytest.raises(PaperclubError) as info:
        planfile.load(path)
    assert message in info.value.message and str(info.value.path) == str(path)
    assert info.value.line == text.splitlines().index("    " + new) + 1


def test_a_session_roles_that_are_not_a_mapping_are_an_error(tmp_path):
    path = tmp_path / "x.plan.yaml"
    path.write_bytes(planfile.dump(with_roles(planfile.load(OLD_PLAN))))
    text = path.read_text()
    start = text.index("  roles:\n")
    end = text.index("  papers:\n", start)
    path.write_text(text[:start] + "  roles: [Ada]\n" + text[end:])
    with pytest.raises(PaperclubError, match="session s01: roles: expected a mapping") as info:
        planfile.load(path)
    assert info.value.line == text[:start].count("\n") + 1


def test_notes_link_fills_the_template_with_the_local_date():
    plan = planfile.load(OLD_PLAN)
    session = plan.sessions[0]  # 2026-12-03 16:00 in Berlin
    assert notes_link(plan, session) is None
    plan.notes_url = "https://docs.example.org/{group}/{date}?s={session}&x={other}"
    assert notes_link(plan, session) == (
        "https://docs.example.org/ml-systems/2026-12-03?s=s01&x={other}"
    )
    # the group's date, not UTC's: a session at 00:30 in Berlin is on the previous day in UTC
    from datetime import timezone

    late = session.start.replace(hour=0, minute=30)
    session.start = late.astimezone(timezone.utc)
    plan.notes_url = "https://n.example.org/{date}"
    assert notes_link(plan, session) == "https://n.example.org/2026-12-03"


# --- planning: `paperclub plan` fills the roles, keeps locked ones --------------------------

TODAY = "2026-11-01"


def with_chairs(schedule, extra: str = "") -> None:
    path = Path(schedule)
    text = path.read_text().replace(
        "  - {name: Barbara Liskov, email: barbara@example.org, interests: [training, evaluation]}\n",
        "  - {name: Barbara Liskov, email: barbara@example.org, interests: [training, evaluation]}\n"
        "  - {name: Tony Hoare, roles: [chair], max: {chair: 3}, prefer: [2026-12-10]}\n"
        "  - {name: Frances Allen, roles: [chair], avoid: [2026-12-03]}\n",
    )
    path.write_text(text + "roles: {chair: 1}\n" + extra)


def plan_of(run, schedule, today=TODAY):
    result = run("plan", str(schedule), "--today", today)
    assert result.exit_code == 0, result
    return planfile.load(planfile.plan_path(Path(schedule)))


def test_plan_gives_every_session_a_chair_by_the_rules(run, schedule):
    with_chairs(schedule)
    plan = plan_of(run, schedule)
    live = [s for s in plan.sessions if not s.cancelled]
    chairs = [s.roles["chair"] for s in live]
    assert all(len(names) == 1 for names in chairs)
    for s in live:
        assert s.roles["chair"][0] not in s.presenters  # nobody in two roles of a session
    counts = {n: sum(c == [n] for c in chairs) for n in ("Tony Hoare", "Frances Allen")}
    assert counts["Tony Hoare"] <= 3  # members[].max
    # Tony and Frances only chair: they are never presenters
    assert not {"Tony Hoare", "Frances Allen"} & {p for s in live for p in s.presenters}
    by_day = {s.start.date().isoformat(): s for s in live}
    assert by_day["2026-12-10"].roles["chair"] == ["Tony Hoare"]  # his preference
    assert by_day["2026-12-03"].roles["chair"] != ["Frances Allen"]  # her avoid
    # the same inputs, the same file
    before = planfile.plan_path(Path(schedule)).read_bytes()
    plan_of(run, schedule)
    assert planfile.plan_path(Path(schedule)).read_bytes() == before


def test_a_locked_role_is_kept_by_a_re_plan(run, schedule):
    with_chairs(schedule)
    plan = plan_of(run, schedule)
    path = planfile.plan_path(Path(schedule))
    target = plan.sessions[5]
    other = next(
        m
        for m in ("Tony Hoare", "Frances Allen", "Edsger Dijkstra")
        if m not in target.presenters and [m] != target.roles["chair"]
    )
    target.roles["chair"] = [other]
    target.locked_roles = {"chair": [other]}
    path.write_bytes(planfile.dump(plan))
    again = plan_of(run, schedule)
    kept = next(s for s in again.sessions if s.id == target.id)
    assert kept.roles["chair"] == [other] and kept.locked_roles == {"chair": [other]}
    assert not kept.locked  # a locked role is not a locked session: its papers are planned


@pytest.mark.parametrize(
    "edit, why",
    [
        ("prefer: [2026-12-10], unavailable: [{day}]", "is unavailable that day"),
        ("prefer: [2026-12-10], roles: [presenter]", "does not take the role chair"),
    ],
)
def test_a_locked_role_its_holder_can_no_longer_hold_is_reported(run, schedule, edit, why):
    with_chairs(schedule)
    plan = plan_of(run, schedule)
    path = planfile.plan_path(Path(schedule))
    target = plan.sessions[5]
    target.roles["chair"], target.locked_roles = ["Tony Hoare"], {"chair": ["Tony Hoare"]}
    path.write_bytes(planfile.dump(plan))
    before = path.read_bytes()
    line = next(
        n for n, text in enumerate(before.decode().splitlines(), 1) if "locked: true" in text
    )
    config = Path(schedule)
    day = target.start.date()
    text = config.read_text().replace("roles: [chair], max: {chair: 3}, ", "max: {chair: 3}, ")
    config.write_text(text.replace("prefer: [2026-12-10]", edit.format(day=day)))
    result = run("plan", str(schedule), "--today", TODAY)
    assert result.exit_code == 1
    assert f"{path}:{line}" in result.stderr
    assert f"{target.id} ({day}): Tony Hoare holds chair by a lock but {why}" in result.stderr
    assert path.read_bytes() == before  # nothing written


# --- the assignment of presenters and roles together: brute force and properties ---------------

import itertools  # noqa: E402
import os  # noqa: E402
from collections import Counter  # noqa: E402
from dataclasses import replace  # noqa: E402

from hypothesis import HealthCheck, assume, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from paperclub import presenters  # noqa: E402
from test_presenters import day, group, paper, session  # noqa: E402

SETTINGS = settings(
    deadline=None,
    derandomize=True,
    database=None,
    max_examples=int(os.environ.get("PAPERCLUB_EXAMPLES", 100)),
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
ROLE_NAMES = ("chair", "scribe")


class Term:
    """A random term with roles: held sessions (first) with their holders, sessions to plan
    (some with a locked role), members with roles, maxima and preferences."""

    def __init__(self, members, held, sessions, mode, roles, table):
        self.members, self.held, self.sessions = members, held, sessions
        self.mode, self.roles, self.table = mode, roles, table
        self.group = replace(group(members, mode), roles=roles)

    def affinity(self, member, paper):
        return self.table.get((member.name, paper.paper_id), 0.0)

    def assign(self, **kw):
        return presenters.assign(
            self.sessions, self.group, held=self.held, affinity=self.affinity, **kw
        )

    def __repr__(self):
        return "\n".join(
            [f"mode {self.mode} roles {self.roles}"]
            + [
                f"{m.name} roles={m.roles} max={m.max_sessions} {m.max_roles} "
                f"unavailable={[str(d) for d in m.unavailable]} prefer={m.prefer} avoid={m.avoid}"
                for m in self.members
            ]
            + [
                f"{'held' if s in self.held else 'plan'} {s.id} {s.start.date()} {s.status} "
                f"{[a.paper_id for a in s.papers]} {[a.presenter for a in s.papers]} {s.roles}"
                for s in [*self.held, *self.sessions]
            ]
            + [f"affinity {self.table}"]
        )


@st.composite
def terms(draw, members=(2, 4), sessions=(1, 3), per=(0, 2), seats=(1, 1)):
    n_members = draw(st.integers(*members))
    n_sessions = draw(st.integers(*sessions))
    n_held = draw(st.integers(0, min(1, n_sessions - 1)))
    mode = draw(st.sampled_from(presenters.MODES))
    roles = {r: draw(st.integers(*seats)) for r in ROLE_NAMES[: draw(st.integers(1, 2))]}
    names = [f"M{i}" for i in range(n_members)]
    held, plan, ids = [], [], []
    for n in range(n_sessions):
        count = draw(st.integers(*per))
        if n < n_held:
            who = draw(st.permutations(names))
            s = session(n, [paper(n, j, presenter=who[j]) for j in range(min(count, len(who)))])
            s.roles = {r: [who[-1]] for r in list(roles)[:1] if who[-1] not in s.presenters}
            held.append(s)
            continue
        s = session(n, [paper(n, j) for j in range(count)])
        if draw(st.integers(0, 4)) == 0:  # a locked role (a claim)
            r = draw(st.sampled_from(list(roles)))
            s.roles = {r: [draw(st.sampled_from(names))]}
            s.locked_roles = {r: list(s.roles[r])}
        plan.append(s)
        ids += [a.paper_id for a in s.papers]
    dates = [str(s.start.date()) for s in plan]
    every_role = ["presenter", *roles]
    roster = []
    for name in names:
        takes = draw(st.none() | st.lists(st.sampled_from(every_role), min_size=1, unique=True))
        choices_ = (
            draw(st.lists(st.sampled_from(dates + ids), max_size=2, unique=True))
            if (dates or ids)
            else []
        )
        split = draw(st.integers(0, len(choices_)))
        roster.append(
            Member(
                name=name,
                roles=tuple(takes) if takes is not None else None,
                max_sessions=draw(st.none() | st.integers(0, 3)),
                max_roles={
                    r: draw(st.integers(0, 2)) for r in every_role if draw(st.integers(0, 3)) == 0
                },
                unavailable=tuple(
                    sorted(day(int(s.id[1:])) for s in plan if draw(st.integers(0, 4)) == 0)
                ),
                prefer=tuple(choices_[:split]),
                avoid=tuple(choices_[split:]),
            )
        )
    table = {
        (name, pid): v
        for name in names
        for pid in ids
        if (v := draw(st.sampled_from((0.0, 0.0, 0.5, 1.0, -1.0))))
    }
    return Term(roster, held, plan, mode, roles, table)


def session_options(term, s):
    """Every way to fill session `s`: (presenters of its papers, role -> holders), before the
    rules that span sessions. Locked holders are kept."""
    names = [m.name for m in term.members]
    if s.cancelled:
        return [([a.presenter for a in s.papers], {})]
    if not s.papers:
        presenter_options = [[]]
    elif term.mode == "per_paper":
        presenter_options = [list(c) for c in itertools.permutations(names, len(s.papers))]
    else:
        presenter_options = [[n] * len(s.papers) for n in names]
    seat_options = []
    for r, count in term.roles.items():
        locked = list(s.roles.get(r, ()))
        free = max(count - len(locked), 0)
        seat_options.append([(r, locked + list(c)) for c in itertools.combinations(names, free)])
    return [
        (who, dict(seats))
        for who in presenter_options
        for seats in itertools.product(*seat_options)
    ]


def judge(term, filled):
    """(feasible, balance, consecutive, preferences, affinity) of an assignment by the
    issue's rules, from scratch."""
    members = {m.name: m for m in term.members}
    rows = []  # (start, role -> names)
    fixed = Counter()  # (name, role) and (name, None): held and locked
    for s in term.held:
        at = {"presenter": set(s.presenters), **{r: set(s.roles.get(r, ())) for r in term.roles}}
        rows.append((s.start, at))
        for r, names in at.items():
            for n in names:
                fixed[n, r] += 1
        for n in set().union(*at.values()):
            fixed[n, None] += 1
    for s, (who, seats) in zip(term.sessions, filled):
        if s.cancelled:
            continue
        at = {"presenter": set(who), **{r: set(h) for r, h in seats.items()}}
        everyone = [n for h in [set(who), *seats.values()] for n in h]
        if len(everyone) != len(set(everyone)):
            return (False,)  # nobody in two roles of a session (nor presenting twice)
        for r, names in at.items():
            for n in names:
                if n in s.locked_roles.get(r, ()):
                    fixed[n, r] += 1
                    fixed[n, None] += 1
                    continue
                if not members[n].takes(r) or s.start.date() in members[n].unavailable:
                    return (False,)
        rows.append((s.start, at))
    rows.sort(key=lambda row: row[0])
    load = Counter()
    for _, at in rows:
        for r, names in at.items():
            for n in names:
                load[n, r] += 1
        for n in set().union(*at.values()):
            load[n, None] += 1
    for n, m in members.items():  # a maximum stops new seats; held and locked ones stay
        if m.max_sessions is not None and load[n, None] > max(m.max_sessions, fixed[n, None]):
            return (False,)
        for r, most in m.max_roles.items():
            if load[n, r] > max(most, fixed[n, r]):
                return (False,)
    balance = sum(load[n, r] ** 2 for n in members for r in ("presenter", *term.roles))
    sets = [set().union(*at.values()) & members.keys() for _, at in rows]
    consecutive = sum(len(a & b) for a, b in zip(sets, sets[1:]))
    liking = 0
    for s, (who, seats) in zip(term.sessions, filled):
        if s.cancelled:
            continue
        on = set(who).union(*seats.values())
        for n in on:
            if n in set().union(*(s.locked_roles.values() or [set()])):
                continue  # a locked holder's seat is not the solver's choice
            m = members[n]
            liking += (str(s.start.date()) in m.prefer) - (str(s.start.date()) in m.avoid)
        for a, n in zip(s.papers, who):
            liking += (a.paper_id in members[n].prefer) - (a.paper_id in members[n].avoid)
    affinity = sum(
        term.affinity(members[n], a)
        for s, (who, _) in zip(term.sessions, filled)
        if not s.cancelled
        for a, n in zip(s.papers, who)
    )
    return (True, balance, consecutive, liking, affinity)


def best_of(term):
    options = [session_options(term, s) for s in term.sessions]
    best = None
    for combo in itertools.product(*options):
        got = judge(term, combo)
        if got[0]:
            key = (got[1], got[2], -got[3], -got[4])
            best = key if best is None or key < best else best
    return best


def solved(term, result):
    return [
        (who, {r: list(h) for r, h in roles.items()} if roles else {})
        for who, roles in zip(result.presenters, result.roles)
    ]


@settings(SETTINGS, max_examples=3 * SETTINGS.max_examples)
@given(terms() | terms(members=(3, 5), sessions=(1, 2), per=(0, 1), seats=(1, 2)))
def test_presenters_and_roles_against_brute_force(term):
    """Every assignment of small terms with roles, locked roles, maxima per role and
    preferences: the solver fails exactly when none exists, keeps every rule, and is best on
    each aim in order: balance per role, consecutive sessions, preferences, affinity."""
    assume(math.prod(len(session_options(term, s)) for s in term.sessions) <= 3000)
    best = best_of(term)
    try:
        result = term.assign()
    except PaperclubError:
        assert best is None, term
        return
    assert best is not None, term
    got = judge(term, solved(term, result))
    assert got[0], (term, solved(term, result))
    assert (got[1], got[2], -got[3]) == best[:3], (term, solved(term, result), best)
    assert got[4] >= -best[3] - 1e-6, (term, solved(term, result), best)


big_terms = terms(members=(4, 10), sessions=(3, 12), per=(0, 3), seats=(1, 2))
BIG = settings(SETTINGS, max_examples=max(SETTINGS.max_examples // 2, 1))


@BIG
@given(big_terms)
def test_every_rule_holds_on_larger_random_rosters(term):
    import copy

    before = copy.deepcopy((term.held, term.sessions))
    try:
        result = term.assign()
    except PaperclubError as e:
        assert "can present on" in str(e) or "can be" in str(e), str(e)
        return
    assert (term.held, term.sessions) == before  # pure: apply writes, assign does not
    judged = judge(term, solved(term, result))
    assert judged[0], term  # the oracle's rules, all of them
    members = {m.name: m for m in term.members}
    for s, (who, seats) in zip(term.sessions, solved(term, result)):
        if s.cancelled:
            assert seats == {}
            continue
        assert None not in who
        for r, count in term.roles.items():
            assert len(seats[r]) == max(count, len(s.locked_roles.get(r, ())))  # every seat
            assert seats[r][: len(s.locked_roles.get(r, ()))] == s.locked_roles.get(r, [])
            for n in seats[r]:
                if n not in s.locked_roles.get(r, ()):
                    assert members[n].takes(r) and s.start.date() not in members[n].unavailable
        if term.mode == "per_session" and who:
            assert len(set(who)) == 1
    # the loads the result reports are the plan's
    for r in ("presenter", *term.roles):
        counted = Counter(
            n
            for s, (who, seats) in [
                *[(h, (h.presenters, h.roles)) for h in term.held],
                *zip(term.sessions, solved(term, result)),
            ]
            if not s.cancelled
            for n in set(who if r == "presenter" else seats.get(r, ()))
        )
        assert result.role_loads[r] == {n: counted[n] for n in members}


@BIG
@given(st.integers(3, 8), st.integers(4, 14), st.integers(1, 3), st.sampled_from(presenters.MODES))
def test_even_loads_per_role_for_a_plain_roster(n_members, n_sessions, per, mode):
    """Members alike (every role, always available, no maxima): each role's loads differ by
    at most one, and nobody is in consecutive sessions when the roster is large enough."""
    roster = [Member(name=f"M{i}") for i in range(n_members)]
    sessions = [session(n, [paper(n, j) for j in range(per)]) for n in range(n_sessions)]
    roles = {"chair": 1, "scribe": 1}
    seats = (1 if mode == "per_session" else per) + len(roles)
    assume(n_members >= seats)
    g = replace(group(roster, mode), roles=roles)
    result = presenters.assign(sessions, g, affinity=lambda m, a: 0.0)
    for loads in result.role_loads.values():
        assert max(loads.values()) - min(loads.values()) <= 1
    if n_members >= 2 * seats:
        assert result.consecutive == 0


def test_a_date_nobody_can_chair_names_the_date_and_why_each_member_is_out():
    roster = [
        Member(name="Ada", unavailable=(day(0),)),
        Member(name="Alan", roles=("presenter",)),
        Member(name="Grace", max_roles={"chair": 0}),
        Member(name="Edsger", max_sessions=0),
    ]
    g = replace(group(roster), roles={"chair": 1})
    with pytest.raises(PaperclubError) as info:
        presenters.assign([session(0, [paper(0, 0)])], g, affinity=lambda m, a: 0.0)
    message = str(info.value)
    assert message.startswith("schedules/g.yaml: no one can be chair on 2027-01-07: ")
    assert "Ada is unavailable" in message and "Edsger has reached max_sessions 0" in message
    assert "Alan does not take the role chair (members[].roles)" in message
    assert "Grace has reached max chair 0" in message


def test_the_roles_example_of_config_md_plans(run, schedule):
    """docs/config.md's `roles` example, in the sample config: it plans, and by its rules."""
    import re

    doc = (Path(__file__).resolve().parent.parent / "docs" / "config.md").read_text()
    section = doc[doc.index("## `roles`") :]
    example = re.search(r"```yaml\n(.*?)```", section, re.DOTALL).group(1)
    path = Path(schedule)
    text = path.read_text()
    start = text.index("members:\n")
    end = text.index("\ntopics:")
    path.write_text(text[:start] + example + text[end:])
    plan = plan_of(run, schedule)
    live = [s for s in plan.sessions if not s.cancelled]
    assert all(len(s.roles["chair"]) == 1 and len(s.roles["scribe"]) == 1 for s in live)
    chairs = Counter(s.roles["chair"][0] for s in live)
    assert chairs["Ada Lovelace"] <= 2
    assert all("Barbara Liskov" not in s.presenters for s in live)
    by_day = {s.start.date().isoformat(): s for s in live}
    assert "Ada Lovelace" in {
        n for names in by_day["2026-12-10"].roles.values() for n in names
    } | set(by_day["2026-12-10"].presenters)
