"""Presenters (paperclub.presenters and its plugin): every rule of issue 5 as a property on
random rosters and terms, against an independent brute force on small ones; the error when
a date cannot get a presenter; pins and the config keys; `paperclub members`."""

from __future__ import annotations

import copy
import itertools
import json
import math
import os
import re
import sys
from collections import Counter
from datetime import date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import yaml
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from conftest import TODAY
from paperclub import presenters
from paperclub.errors import PaperclubError, PluginError
from paperclub.models import Assignment, Group, Meetings, Member, Person, Session

TZ = ZoneInfo("Europe/Berlin")
START = date(2027, 1, 7)
TOPICS = ("alpha", "beta", "gamma", "delta")
# PAPERCLUB_EXAMPLES=5000 for a longer search than the default 100 examples per property
SETTINGS = settings(
    deadline=None,
    derandomize=True,
    database=None,
    max_examples=int(os.environ.get("PAPERCLUB_EXAMPLES", 100)),
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)


# -- building terms ----------------------------------------------------------------------------


def session(n: int, papers: list[Assignment], status: str = "confirmed") -> Session:
    start = datetime.combine(START + timedelta(weeks=n), time(16), TZ)
    return Session(
        id=f"s{n:02d}",
        uid=f"u{n}",
        start=start,
        end=start + timedelta(hours=1),
        status=status,
        papers=papers,
    )


def paper(n: int, j: int, topics=(), presenter=None) -> Assignment:
    return Assignment(
        paper_id=f"p{n}-{j}", title=f"Paper {n}-{j}", topics=list(topics), presenter=presenter
    )


def group(members, mode="per_paper") -> Group:
    return Group(
        path=Path("schedules/g.yaml"),
        name="G",
        slug="g",
        timezone="Europe/Berlin",
        organizer=Person("O"),
        members=tuple(members),
        presenters=mode,
        meetings=Meetings(
            start=START, weekday=3, time=time(16), duration=timedelta(hours=1), count=1
        ),
    )


def day(n: int) -> date:
    return START + timedelta(weeks=n)


class Case:
    """A random term: held sessions (first), sessions to plan, members, an affinity table."""

    def __init__(self, members, held, sessions, mode, table):
        self.members, self.held, self.sessions, self.mode = members, held, sessions, mode
        self.table = table  # (member name, paper id) -> affinity
        self.group = group(members, mode)

    def affinity(self, member, paper):
        return self.table.get((member.name, paper.paper_id), 0.0)

    def assign(self, **kw):
        return presenters.assign(
            self.sessions, self.group, held=self.held, affinity=self.affinity, **kw
        )

    def __repr__(self):
        def show(s):
            return f"{s.id} {s.start.date()} {s.status}: " + ", ".join(
                f"{a.paper_id}={a.presenter}" for a in s.papers
            )

        return "\n".join(
            [f"mode {self.mode}"]
            + [
                f"{m.name} unavailable={[str(d) for d in m.unavailable]} "
                f"max={m.max_sessions} pin={m.pin}"
                for m in self.members
            ]
            + ["held " + show(s) for s in self.held]
            + ["plan " + show(s) for s in self.sessions]
            + [f"affinity {self.table}"]
        )


@st.composite
def cases(
    draw,
    members=(1, 4),
    sessions=(1, 5),
    per=(0, 2),
    held=True,
    presets=True,
    pins=True,
    cancelled=True,
):
    n_members = draw(st.integers(*members))
    n_sessions = draw(st.integers(*sessions))
    n_held = draw(st.integers(0, min(2, n_sessions - 1))) if held else 0
    mode = draw(st.sampled_from(presenters.MODES))
    names = [f"M{i}" for i in range(n_members)]
    plan_days = [day(n) for n in range(n_held, n_sessions)]
    all_papers, held_sessions, plan_sessions = [], [], []
    for n in range(n_sessions):
        count = draw(st.integers(*per))
        if n < n_held:
            who = [draw(st.sampled_from(names + [None])) for _ in range(count)]
            held_sessions.append(session(n, [paper(n, j, presenter=w) for j, w in enumerate(who)]))
            continue
        ps = [
            paper(n, j, draw(st.lists(st.sampled_from(TOPICS), max_size=2, unique=True)))
            for j in range(count)
        ]
        if presets:
            for a in ps:
                if draw(st.integers(0, 4)) == 0:
                    a.presenter = draw(st.sampled_from(names))
        status = "cancelled" if cancelled and draw(st.integers(0, 9)) == 0 else "confirmed"
        plan_sessions.append(session(n, ps, status))
        all_papers += [a.paper_id for a in ps]
    pinned: dict[str, list[str]] = {name: [] for name in names}
    if pins and all_papers:
        for pid in draw(st.lists(st.sampled_from(all_papers), max_size=2, unique=True)):
            pinned[draw(st.sampled_from(names))].append(pid)
    roster = []
    for name in names:
        roster.append(
            Member(
                name=name,
                interests=tuple(draw(st.lists(st.sampled_from(TOPICS), max_size=2, unique=True))),
                unavailable=tuple(sorted(draw(st.sets(st.sampled_from(plan_days)))))
                if plan_days and draw(st.booleans())
                else (),
                max_sessions=draw(st.none() | st.integers(0, 4)),
                pin=tuple(pinned[name]),
            )
        )
    table = {}
    for name in names:
        for pid in all_papers:
            value = draw(st.sampled_from((0.0, 0.0, 0.5, 1.0, 2.0, -1.0)))
            if value:
                table[name, pid] = value
    return Case(roster, held_sessions, plan_sessions, mode, table)


# -- an independent oracle: every assignment, scored by the rules --------------------------------


def timeline(case, out):
    """The sets of presenters in term order (held and planned, not cancelled), members only."""
    names = {m.name for m in case.members}
    rows = [
        (s.start, {a.presenter for a in s.papers if a.presenter} & names)
        for s in case.held
        if s.status != "cancelled"
    ]
    rows += [
        (s.start, {n for n in who if n} & names)
        for s, who in zip(case.sessions, out)
        if s.status != "cancelled"
    ]
    return [who for _, who in sorted(rows, key=lambda r: r[0])]


def score(case, out):
    """(feasible, balance, consecutive, affinity) of presenters `out` by the issue's rules,
    computed from scratch: hard rules, sum of load², adjacent repeats, total affinity."""
    members = {m.name: m for m in case.members}
    pins = {pid: m.name for m in case.members for pid in m.pin}
    fixed_positions = Counter()
    for s in case.held:
        if s.status != "cancelled":
            for name in {a.presenter for a in s.papers if a.presenter}:
                fixed_positions[name] += 1
    for s, who in zip(case.sessions, out):
        if s.status == "cancelled":
            if who != [a.presenter for a in s.papers]:
                return (False,)
            continue
        if any(n is None for n in who):
            return (False,)
        preset = {a.presenter for a in s.papers if a.presenter}
        for name in preset:
            fixed_positions[name] += 1
        for a, name in zip(s.papers, who):
            if a.presenter is not None:
                if name != a.presenter:
                    return (False,)  # presets are kept
                continue
            if a.paper_id in pins and name != pins[a.paper_id]:
                return (False,)
            if name not in members or s.start.date() in members[name].unavailable:
                return (False,)
        new = [n for a, n in zip(s.papers, who) if a.presenter is None]
        if case.mode == "per_paper" and (len(new) != len(set(new)) or set(new) & preset):
            return (False,)
        if case.mode == "per_session" and new:
            # the session's presenter: a pinned member, else the first preset (unless that
            # is a member unavailable that day: then anyone who may)
            lead = [
                pins[a.paper_id] for a in s.papers if a.presenter is None and a.paper_id in pins
            ] or [a.presenter for a in s.papers if a.presenter]
            if lead and lead[0] in members and s.start.date() in members[lead[0]].unavailable:
                lead = []
            if len(set(new)) != 1 or (lead and new[0] != lead[0]):
                return (False,)
    rows = timeline(case, out)
    loads = Counter(n for who in rows for n in who)
    for name, m in members.items():
        fresh = loads[name] - fixed_positions[name]
        if m.max_sessions is not None and fresh > 0 and loads[name] > m.max_sessions:
            return (False,)
    balance = sum(loads[n] ** 2 for n in members)
    consecutive = sum(len(a & b) for a, b in zip(rows, rows[1:]))
    affinity = sum(
        case.affinity(members[n], a)
        for s, who in zip(case.sessions, out)
        if s.status != "cancelled"
        for a, n in zip(s.papers, who)
        if n in members
    )
    return (True, balance, consecutive, affinity)


def choices(case, s):
    """Every way to fill session `s` (presets kept), before the global rules."""
    names = [m.name for m in case.members]
    if s.status == "cancelled":
        return [[a.presenter for a in s.papers]]
    base = [a.presenter for a in s.papers]
    free = [j for j, n in enumerate(base) if n is None]
    if case.mode == "per_paper":
        out = []
        for combo in itertools.permutations(names, len(free)):
            who = list(base)
            for j, n in zip(free, combo):
                who[j] = n
            out.append(who)
        return out
    if not free:
        return [base]
    return [[n if n is not None else c for n in base] for c in names]


def brute(case):
    """The best (balance, consecutive, -affinity) over every assignment, or None."""
    options = [choices(case, s) for s in case.sessions]
    best = None
    for combo in itertools.product(*options):
        result = score(case, list(combo))
        if result[0]:
            key = (result[1], result[2], -result[3])
            if best is None or key < best:
                best = key
    return best


def size(case):
    return math.prod(len(choices(case, s)) for s in case.sessions)


@settings(SETTINGS, max_examples=4 * SETTINGS.max_examples)  # small cases, and the key test
@given(cases())
def test_exact_against_brute_force(case):
    """The solver's answer keeps every hard rule and is lexicographically best: least
    balance, then fewest consecutive sessions, then most affinity; and it fails exactly when
    no assignment exists."""
    assume(size(case) <= 4000)
    best = brute(case)
    try:
        result = case.assign()
    except PaperclubError:
        assert best is None, case
        return
    assert best is not None, case
    got = score(case, result.presenters)
    assert got[0], (case, result.presenters)
    assert (got[1], got[2]) == best[:2], (case, result.presenters, best)
    assert got[3] >= -best[2] - 1e-6, (case, result.presenters, best)


# -- larger terms: each rule on its own ----------------------------------------------------------


big = cases(members=(2, 9), sessions=(2, 14), per=(0, 3), pins=False)
BIG = settings(SETTINGS, max_examples=max(SETTINGS.max_examples // 2, 1))  # a solve is ~30 ms


def solve_or_skip(case):
    try:
        return case.assign()
    except PaperclubError as e:
        # must really be infeasible: a max flow that ignores the soft rules cannot cover it
        assert max_cover(case) < units(case), (case, str(e))
        assert str(e).startswith("schedules/g.yaml: no one can present on "), str(e)
        return None


def open_session(case, s):
    """per_session: whether the solver chooses the presenter of `s` (no pins here): nothing
    set, or the first presenter set is a member who is unavailable that day."""
    free = [a for a in s.papers if a.presenter is None]
    preset = [a.presenter for a in s.papers if a.presenter]
    members = {m.name: m for m in case.members}
    return bool(free) and (
        not preset or (preset[0] in members and s.start.date() in members[preset[0]].unavailable)
    )


def units(case):
    n = 0
    for s in case.sessions:
        if s.status == "cancelled":
            continue
        free = sum(1 for a in s.papers if a.presenter is None)
        n += free if case.mode == "per_paper" else int(open_session(case, s))
    return n


def max_cover(case):
    """The most units any assignment covers under the hard rules: augmenting paths on
    units -> (member, session) -> member, with what max_sessions leaves."""
    rows = timeline(case, [[a.presenter for a in s.papers] for s in case.sessions])
    fixed = Counter(n for who in rows for n in who)
    cap = {
        m.name: (10**6 if m.max_sessions is None else max(m.max_sessions - fixed[m.name], 0))
        for m in case.members
    }
    edges = []  # per unit: the (member, session) slots it may use
    for s in case.sessions:
        if s.status == "cancelled":
            continue
        preset = {a.presenter for a in s.papers if a.presenter}
        free = [a for a in s.papers if a.presenter is None]
        if not free or (case.mode == "per_session" and not open_session(case, s)):
            continue
        ok = [
            m.name
            for m in case.members
            if s.start.date() not in m.unavailable and m.name not in preset
        ]
        for _ in free if case.mode == "per_paper" else free[:1]:
            edges.append([(n, s.id) for n in ok])
    slot_of: dict[tuple[str, str], int] = {}
    used = Counter()

    def augment(u, seen):
        for slot in edges[u]:
            if slot in seen:
                continue
            seen.add(slot)
            holder = slot_of.get(slot)
            if holder is None:
                if used[slot[0]] < cap[slot[0]]:
                    slot_of[slot] = u
                    used[slot[0]] += 1
                    return True
                # the member is full: free one of their other slots by moving its unit
                for other, v in list(slot_of.items()):
                    if other[0] == slot[0] and other not in seen:
                        seen.add(other)
                        del slot_of[other]
                        if augment(v, seen):
                            slot_of[slot] = u
                            return True
                        slot_of[other] = v
                continue
            del slot_of[slot]
            if augment(holder, seen):
                slot_of[slot] = u
                return True
            slot_of[slot] = holder
        return False

    return sum(1 for u in range(len(edges)) if augment(u, set()))


@BIG
@given(big)
def test_hard_rules_on_random_terms(case):
    held_before = copy.deepcopy(case.held)
    sessions_before = copy.deepcopy(case.sessions)
    result = solve_or_skip(case)
    assert case.held == held_before and case.sessions == sessions_before  # pure
    if result is None:
        return
    assert max_cover(case) == units(case)
    members = {m.name: m for m in case.members}
    rows = timeline(case, result.presenters)
    loads = Counter(n for who in rows for n in who)
    fixed = Counter(
        n
        for who in timeline(case, [[a.presenter for a in s.papers] for s in case.sessions])
        for n in who
    )
    for s, who in zip(case.sessions, result.presenters):
        if s.status == "cancelled":
            assert who == [a.presenter for a in s.papers]  # left alone
            continue
        assert None not in who  # a presenter for every paper
        new = [n for a, n in zip(s.papers, who) if a.presenter is None]
        for a, n in zip(s.papers, who):
            if a.presenter is not None:
                assert n == a.presenter  # presets kept
            else:
                assert s.start.date() not in members[n].unavailable  # never when unavailable
        if case.mode == "per_paper":
            assert len(new) == len(set(new))  # nobody twice in a session
            assert not set(new) & {a.presenter for a in s.papers if a.presenter}
        elif new:
            assert len(set(new)) == 1  # one presenter for the session
    for name, m in members.items():
        if m.max_sessions is not None and loads[name] > fixed[name]:
            assert loads[name] <= m.max_sessions  # never beyond max_sessions, held included
    assert result.loads == {n: loads[n] for n in members}


@BIG
@given(big)
def test_loads_differ_by_at_most_one_among_members_alike(case):
    """Two members available on the same dates: when one has two sessions more, the other
    is at max_sessions, or is already in every session the first was given."""
    result = solve_or_skip(case)
    if result is None:
        return
    rows = timeline(case, result.presenters)
    loads = Counter(n for who in rows for n in who)
    dates = [s.start.date() for s in case.sessions if s.status != "cancelled"]
    for a, b in itertools.permutations(case.members, 2):
        if [d in a.unavailable for d in dates] != [d in b.unavailable for d in dates]:
            continue
        if loads[a.name] < loads[b.name] + 2:
            continue
        if b.max_sessions is not None and loads[b.name] >= b.max_sessions:
            continue
        for s, who in zip(case.sessions, result.presenters):
            if s.status == "cancelled":
                continue
            if case.mode == "per_session":
                chosen = open_session(case, s) and any(
                    n == a.name and p.presenter is None for p, n in zip(s.papers, who)
                )
            else:
                chosen = any(n == a.name and p.presenter is None for p, n in zip(s.papers, who))
            if chosen:
                assert b.name in who, (case, result.presenters, a.name, b.name, s.id)


@BIG
@given(
    cases(
        members=(2, 8),
        sessions=(2, 14),
        per=(1, 3),
        held=False,
        presets=False,
        pins=False,
        cancelled=False,
    )
)
def test_even_loads_for_a_plain_roster(case):
    """Nobody limited, everyone available: loads differ by at most one."""
    plain = [Member(m.name, interests=m.interests) for m in case.members]
    case = Case(plain, [], case.sessions, case.mode, case.table)
    if case.mode == "per_paper":  # else some session has more papers than the roster
        assume(all(len(s.papers) <= len(plain) for s in case.sessions))
    result = case.assign()
    loads = list(result.loads.values())
    assert max(loads) - min(loads) <= 1


@BIG
@given(big)
def test_no_swap_of_presenters_gains_affinity(case):
    """A swap of two presenters' papers that keeps the rules, the balance and adds no
    consecutive session must not raise the affinity: the solver maximises it last. (With
    presenters set beforehand, a per-session swap can change the loads: then it is no rival.)"""
    result = solve_or_skip(case)
    if result is None:
        return
    base = score(case, result.presenters)
    spots = [
        (k, j)
        for k, s in enumerate(case.sessions)
        if s.status != "cancelled"
        for j, a in enumerate(s.papers)
        if a.presenter is None
    ]
    for (k1, j1), (k2, j2) in itertools.combinations(spots, 2):
        other = [list(who) for who in result.presenters]
        if case.mode == "per_session":
            if k1 == k2:
                continue
            a, b = other[k1][j1], other[k2][j2]
            other[k1] = [
                b if case.sessions[k1].papers[j].presenter is None else n
                for j, n in enumerate(other[k1])
            ]
            other[k2] = [
                a if case.sessions[k2].papers[j].presenter is None else n
                for j, n in enumerate(other[k2])
            ]
        else:
            other[k1][j1], other[k2][j2] = other[k2][j2], other[k1][j1]
        swapped = score(case, other)
        if swapped[0] and swapped[1] == base[1] and swapped[2] <= base[2]:
            assert swapped[3] <= base[3] + 1e-6, (case, result.presenters, other)


@BIG
@given(big)
def test_deterministic(case):
    try:
        first = case.assign()
    except PaperclubError as e:
        with pytest.raises(PaperclubError) as again:
            copy.deepcopy(case).assign()
        assert str(again.value) == str(e)
        return
    assert copy.deepcopy(case).assign().presenters == first.presenters


@BIG
@given(cases(members=(2, 6), sessions=(3, 10), per=(1, 2), presets=False, pins=False))
def test_held_sessions_count_and_stay(case):
    """Held presenters are never changed, and count towards max_sessions and the balance:
    a member at their max through held sessions gets nothing new."""
    assume(case.held)
    result = solve_or_skip(case)
    if result is None:
        return
    assert len(result.presenters) == len(case.sessions)  # held sessions are not in the answer
    held_loads = Counter(
        n
        for s in case.held
        if s.status != "cancelled"
        for n in {a.presenter for a in s.papers if a.presenter}
    )
    for m in case.members:
        if m.max_sessions is not None and held_loads[m.name] >= m.max_sessions:
            assert all(m.name not in who for who in result.presenters)
        assert result.loads[m.name] >= held_loads[m.name]


# -- examples ----------------------------------------------------------------------------------


ADA = Member("Ada Lovelace", interests=("inference",), unavailable=(day(2),))
ALAN = Member("Alan Turing", interests=("code",), max_sessions=1)
GRACE = Member("Grace Hopper", interests=("code", "hardware"))


def test_no_one_can_present_names_the_date_and_why_each_member_is_out():
    held = [session(0, [paper(0, 0, presenter="Alan Turing")])]
    sessions = [session(1, [paper(1, 0)]), session(2, [paper(2, 0), paper(2, 1)])]
    grace = Member("Grace Hopper", pin=("p2-0",))
    with pytest.raises(PaperclubError) as e:
        presenters.assign(sessions, group([ADA, ALAN, grace]), held=held)
    assert str(e.value) == (
        "schedules/g.yaml: no one can present on 2027-01-21: Ada Lovelace is unavailable; "
        "Alan Turing has reached max_sessions 1; Grace Hopper presents another paper that day"
    )


def test_a_shortage_over_the_term_names_the_dates_left_over():
    """Each date alone has someone; together they do not: max_sessions runs out."""
    a, b = Member("A", max_sessions=1), Member("B", max_sessions=1)
    sessions = [session(n, [paper(n, 0)]) for n in range(3)]
    with pytest.raises(PaperclubError) as e:
        presenters.assign(sessions, group([a, b]))
    assert str(e.value) == (
        "schedules/g.yaml: no one can present on 2027-01-21: "
        "A has reached max_sessions 1; B has reached max_sessions 1"
    )


def test_per_session_gives_a_session_one_presenter():
    sessions = [session(n, [paper(n, 0, ["code"]), paper(n, 1, ["inference"])]) for n in range(4)]
    result = presenters.assign(sessions, group([ADA, ALAN, GRACE], "per_session"))
    assert all(len(set(who)) == 1 for who in result.presenters)
    assert sorted(result.loads.values()) == [1, 1, 2]  # Alan's max is 1
    flat = [who[0] for who in result.presenters]
    assert all(a != b for a, b in zip(flat, flat[1:]))  # avoidable, so avoided
    assert flat[2] != "Ada Lovelace"  # unavailable


def test_interests_decide_who_presents_what():
    sessions = [session(0, [paper(0, 0, ["code"]), paper(0, 1, ["inference", "code"])])]
    result = presenters.assign(sessions, group([ADA, GRACE]))
    assert result.presenters == [["Grace Hopper", "Ada Lovelace"]]
    assert result.affinity == 2.0 and result.mean_affinity == 1.0


def test_interest_affinity():
    m = Member("M", interests=("code", "kv cache", "reason"))
    assert presenters.interest_affinity(m, paper(0, 0, ["code"])) == 1.0
    assert presenters.interest_affinity(m, paper(0, 0, ["inference", "reasoning"])) == 0.5
    titled = Assignment("x", "Compressing the KV Cache", topics=["inference"])
    assert presenters.interest_affinity(m, titled) == 0.5
    assert presenters.interest_affinity(m, Assignment("y", "Decoding", ["encode"])) == 0.0


def test_pins_are_kept_and_their_conflicts_named():
    sessions = [session(0, [paper(0, 0), paper(0, 1)]), session(1, [paper(1, 0)])]
    pinned = Member("Grace Hopper", pin=("p1-0",))
    result = presenters.assign(sessions, group([pinned, ALAN, Member("Edsger")]))
    assert result.presenters[1] == ["Grace Hopper"]
    both = Member("Grace Hopper", pin=("p0-0", "p0-1"))
    with pytest.raises(PaperclubError, match="also presents p0-0 on 2027-01-07"):
        presenters.assign(sessions, group([both, ALAN]))
    away = Member("Grace Hopper", pin=("p1-0",), unavailable=(day(1),))
    with pytest.raises(PaperclubError, match="pinned to p1-0 .* on 2027-01-14, but is unavailable"):
        presenters.assign(sessions, group([away, ALAN]))
    over = Member("Grace Hopper", pin=("p0-0", "p1-0"), max_sessions=1)
    with pytest.raises(PaperclubError, match="makes 2, more than max_sessions 1"):
        presenters.assign(sessions, group([over, ALAN, Member("Edsger")]))
    two = [Member("A", pin=("p0-0",)), Member("B", pin=("p0-1",))]
    with pytest.raises(PaperclubError, match="A and B are pinned to papers of the same session"):
        presenters.assign(sessions, group(two, "per_session"))


def test_presets_of_other_plugins_are_kept_and_counted():
    sessions = [session(n, [paper(n, 0)]) for n in range(4)]
    sessions[0].papers[0].presenter = "Organizer"  # not a member: kept, not counted
    sessions[1].papers[0].presenter = "Grace Hopper"
    result = presenters.assign(sessions, group([GRACE, Member("Edsger")]))
    # loads 1 + 2 or 2 + 1 balance alike; Edsger twice would be consecutive
    assert result.presenters == [["Organizer"], ["Grace Hopper"], ["Edsger"], ["Grace Hopper"]]
    assert result.loads == {"Grace Hopper": 2, "Edsger": 1}


def test_no_consecutive_session_after_a_held_one():
    """A presented last week (held): the next session goes to B although A likes its paper
    more, and A takes the one after (loads 2 and 1 either way)."""
    held = [session(0, [paper(0, 0, presenter="A")])]
    sessions = [session(1, [paper(1, 0, ["alpha"])]), session(2, [paper(2, 0)])]
    result = presenters.assign(
        sessions, group([Member("A", interests=("alpha",)), Member("B")]), held=held
    )
    assert result.presenters == [["B"], ["A"]] and result.consecutive == 0


@BIG
@given(big)
def test_time_limit_falls_back_to_the_balanced_flow(case):
    """With no time for the MIP, the balance step's assignment: every hard rule, the same
    balance, and a status that says so."""
    result = solve_or_skip(case)
    if result is None or not units(case):
        return
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(presenters, "TIME_LIMIT", 0.0)
        rushed = case.assign()
    assert rushed.status.startswith("feasible: HiGHS stopped") or rushed.status == "optimal"
    ok, balance, *_ = score(case, rushed.presenters)
    assert ok and balance == score(case, result.presenters)[1]


def test_rotation_without_highspy(monkeypatch):
    monkeypatch.setitem(sys.modules, "highspy", None)  # import highspy raises ImportError
    sessions = [session(n, [paper(n, 0), paper(n, 1)]) for n in range(5)]
    result = presenters.assign(sessions, group([ADA, ALAN, GRACE, Member("Edsger")]))
    assert result.status == "rotation: highspy is not installed"
    assert all(None not in who and len(set(who)) == 2 for who in result.presenters)
    assert "Ada Lovelace" not in result.presenters[2] and result.loads["Alan Turing"] <= 1


def test_no_members_no_presenters():
    sessions = [session(0, [paper(0, 0)])]
    assert presenters.assign(sessions, group([])).presenters == [[None]]


def test_summary_per_member():
    sessions = [
        session(
            0, [paper(0, 0, ["code"], "Grace Hopper"), paper(0, 1, ["inference"], "Ada Lovelace")]
        ),
        session(1, [paper(1, 0, ["code", "x"], "Grace Hopper")], status="cancelled"),
        session(2, [paper(2, 0, ["hardware"], "Grace Hopper"), paper(2, 1, [], "Guest")]),
    ]
    rows = presenters.summary(sessions, [ADA, ALAN, GRACE])
    assert [r["name"] for r in rows] == ["Ada Lovelace", "Alan Turing", "Grace Hopper", "Guest"]
    grace = rows[2]
    assert grace["load"] == 2
    assert [s["date"] for s in grace["sessions"]] == ["2027-01-07", "2027-01-21"]
    assert grace["topics"] == {"code": 1, "hardware": 1}
    assert rows[1]["load"] == 0 and rows[1]["max_sessions"] == 1 and rows[3]["member"] is False


# -- the plugin, the hook, the config ----------------------------------------------------------


def test_affinity_hook_is_summed_and_steers_the_assignment(workspace):
    from paperclub.default_plugins.presenters import assign_presenters
    from paperclub.models import Plan
    from paperclub.plugins import Hooks, get_plugin_manager

    (workspace / "plugins").mkdir()
    (workspace / "plugins" / "votes.py").write_text(
        "def paperclub_presenter_affinity(member, paper, group):\n"
        "    if member.name == 'Edsger' and paper.paper_id == 'p0-0':\n"
        "        return 5\n"
    )
    hooks = Hooks(get_plugin_manager(workspace))
    g = group([GRACE, Member("Edsger")])
    code = paper(0, 0, ["code"])
    assert hooks.presenter_affinity(GRACE, code, g) == 1.0  # the built-in one
    assert hooks.presenter_affinity(Member("Edsger", interests=("code",)), code, g) == 6.0
    plan = Plan(
        "G",
        "g",
        "Europe/Berlin",
        Person("O"),
        sessions=[session(0, [code, paper(0, 1, ["other"])])],
    )
    assign_presenters(plan, g)  # the built-in affinity alone: Grace likes code
    assert plan.sessions[0].papers[0].presenter == "Grace Hopper"
    for a in plan.sessions[0].papers:
        a.presenter = None
    assign_presenters(plan, g, hooks=hooks)  # the vote outweighs it
    assert plan.sessions[0].papers[0].presenter == "Edsger"


def test_affinity_hook_must_return_a_number(workspace):
    from paperclub.plugins import Hooks, get_plugin_manager

    (workspace / "plugins").mkdir()
    (workspace / "plugins" / "bad.py").write_text(
        "def paperclub_presenter_affinity(member, paper, group):\n    return float('nan')\n"
    )
    hooks = Hooks(get_plugin_manager(workspace))
    with pytest.raises(
        PluginError, match=r"plugins/bad.py \(line 1\): paperclub_presenter_affinity returned nan"
    ):
        hooks.presenter_affinity(GRACE, paper(0, 0), group([GRACE]))


def write_config(schedule, change):
    config = yaml.safe_load(Path(schedule).read_text())
    change(config)
    Path(schedule).write_text(yaml.safe_dump(config, sort_keys=False))


def test_config_keys(run, schedule):
    from paperclub.config import load_group

    def set_keys(config):
        config["presenters"] = "per_session"
        config["members"][0]["pin"] = "paper-x"
        config["members"][1]["pin"] = ["paper-y", "paper-z"]

    write_config(schedule, set_keys)
    g = load_group(Path(schedule))
    assert g.presenters == "per_session"
    assert g.members[0].pin == ("paper-x",) and g.members[1].pin == ("paper-y", "paper-z")
    assert g.members[2].pin == ()

    write_config(schedule, lambda c: c.update(presenters="per_talk"))
    with pytest.raises(
        PaperclubError,
        match=r"ml-systems.yaml:\d+: presenters: 'per_talk' is not "
        r"available \(choose from: per_paper, per_session\)",
    ):
        load_group(Path(schedule))
    write_config(schedule, lambda c: c.update(presenters="per_paper"))
    write_config(schedule, lambda c: c["members"][2].update(pin=["paper-x"]))
    with pytest.raises(
        PaperclubError, match=r"members\[2\].pin: paper-x is pinned to Ada Lovelace already"
    ):
        load_group(Path(schedule))


def plan_json(run, schedule, today=TODAY):
    result = run("plan", str(schedule), "--today", today)
    assert result.exit_code == 0, result
    return json.loads(run("show", str(schedule), "--json").stdout)


def test_plan_per_session_and_pins(run, schedule):
    first = plan_json(run, schedule)["sessions"]
    target = first[5]["papers"][1]["id"]

    def change(config):
        config["presenters"] = "per_session"
        config["members"][3]["pin"] = [target]  # Edsger Dijkstra

    write_config(schedule, change)
    sessions = plan_json(run, schedule)["sessions"]
    for s in sessions:
        assert len({p["presenter"] for p in s["papers"]}) == 1
    placed = [s for s in sessions if target in [p["id"] for p in s["papers"]]]
    assert placed and all(p["presenter"] == "Edsger Dijkstra" for p in placed[0]["papers"])


def test_plan_fails_when_a_date_has_no_presenter(run, schedule, workspace):
    def away(config):
        for m in config["members"]:
            m["unavailable"] = [date(2027, 1, 14)]
        config["members"][1]["max_sessions"] = 0

    write_config(schedule, away)
    result = run("plan", str(schedule), "--today", TODAY)
    assert result.exit_code == 1
    assert (
        "no one can present on 2027-01-14: Ada Lovelace is unavailable; Alan Turing is "
        "unavailable; Grace Hopper is unavailable"
    ) in result.stderr
    assert not (workspace / "schedules" / "ml-systems.plan.yaml").exists()


def test_members_command(run, schedule):
    data = plan_json(run, schedule)
    rows = json.loads(run("members", str(schedule), "--json").stdout)
    config = yaml.safe_load(Path(schedule).read_text())
    assert [r["name"] for r in rows] == [m["name"] for m in config["members"]]
    expected = Counter(p["presenter"] for s in data["sessions"] for p in s["papers"])
    assert {r["name"]: r["papers"] for r in rows} == {n: expected[n] for n in expected} | {
        r["name"]: 0 for r in rows if r["name"] not in expected
    }
    for r in rows:
        assert r["load"] == len(r["sessions"]) and sum(r["topics"].values()) <= r["papers"]
    table = run("members", str(schedule)).stdout
    assert table.splitlines()[0].split() == ["Member", "Load", "Sessions", "Topics"]
    alan = next(line for line in table.splitlines() if line.startswith("Alan Turing"))
    assert f"{rows[1]['load']} / 3" in alan
    for s in rows[0]["sessions"]:
        assert s["date"] in table
    by_plan_file = run("members", "schedules/ml-systems.plan.yaml", "--json")
    assert json.loads(by_plan_file.stdout) == rows


def test_members_without_a_plan(run, schedule):
    result = run("members", str(schedule))
    assert result.exit_code == 1 and "paperclub plan" in result.stderr


def test_held_presenters_stay_when_planning_again(run, schedule):
    first = plan_json(run, schedule)["sessions"]
    write_config(schedule, lambda c: [m.update(interests=["nothing"]) for m in c["members"]])
    again = plan_json(run, schedule, today="2027-01-15")["sessions"]
    held = [s for s in first if s["start"][:10] < "2027-01-15"]
    assert held == [s for s in again if s["start"][:10] < "2027-01-15"]


def test_pinned_paper_not_in_plan_is_a_warning(run, schedule):
    # a paper of the catalog the plan leaves out (one the catalog does not have is an error:
    # see test_config.py)
    planned = {p["id"] for s in plan_json(run, schedule)["sessions"] for p in s["papers"]}
    papers = json.loads(run("papers", "--json", "--limit", "0").stdout)
    left_out = min(p["id"] for p in papers if p["id"] not in planned)
    write_config(schedule, lambda c: c["members"][0].update(pin=[left_out]))
    result = run("plan", str(schedule), "--today", TODAY)
    assert result.exit_code == 0
    assert (
        f"{left_out} is pinned to Ada Lovelace (members[].pin) but is not in the plan"
        in result.stderr
    )


# The planner does not pass the held sessions and the hooks to paperclub_modify_plan yet (see
# default_plugins/presenters.py); these pass once it does, and then must lose their marks.
def test_held_sessions_count_towards_max_sessions_when_planning_again(run, schedule):
    """Alan (max_sessions 3) presents the first three sessions; planned again after them, he
    gets nothing more."""
    first = plan_json(run, schedule)["sessions"]
    write_config(
        schedule, lambda c: c["members"][1].update(pin=[s["papers"][0]["id"] for s in first[:3]])
    )
    pinned = plan_json(run, schedule)["sessions"]
    alan = [s["id"] for s in pinned for p in s["papers"] if p["presenter"] == "Alan Turing"]
    assert alan == [s["id"] for s in first[:3]]
    again = plan_json(run, schedule, today=first[3]["start"][:10])["sessions"]
    assert [s["id"] for s in again for p in s["papers"] if p["presenter"] == "Alan Turing"] == alan


def test_a_plugins_affinity_changes_the_plan(run, schedule, workspace):
    first = plan_json(run, schedule)["sessions"]
    target = first[4]["papers"][0]
    other = next(m for m in ("Grace Hopper", "Edsger Dijkstra") if m != target["presenter"])
    (workspace / "plugins").mkdir()
    (workspace / "plugins" / "votes.py").write_text(
        "def paperclub_presenter_affinity(member, paper, group):\n"
        f"    if member.name == {other!r} and paper.paper_id == {target['id']!r}:\n"
        "        return 100\n"
    )
    again = plan_json(run, schedule)["sessions"]
    assert again[4]["papers"][0]["presenter"] == other


# -- what a presenter plugin sees, and the explanation of each choice (issue 15) ---------------

RELEVANCE = Path(__file__).parent / "fixtures" / "relevance"  # real arXiv records, abstracts too


def journal_club(workspace: Path, members: list[dict]) -> Path:
    """A group over the real records with abstracts: 2 sessions of 2 papers."""
    import shutil

    (workspace / "papers").mkdir()
    shutil.copy(RELEVANCE / "arxiv.jsonl", workspace / "papers" / "arxiv.jsonl")
    (workspace / "schedules").mkdir()
    path = workspace / "schedules" / "club.yaml"
    path.write_text(
        yaml.safe_dump(
            {
                "group": {
                    "name": "Journal club",
                    "timezone": "Europe/Berlin",
                    "organizer": {"name": "Ada", "email": "ada@example.org"},
                },
                "meetings": {
                    "start": "2027-01-07",
                    "weekday": "thursday",
                    "time": "16:00",
                    "count": 2,
                    "papers_per_session": 2,
                },
                "catalog": {"sources": ["../papers/arxiv.jsonl"]},
                "topics": {
                    "superconductivity": ["superconduct", "cuprate"],
                    "magnetism": ["magnet", "antiferromagnet"],
                },
                "members": members,
            },
            sort_keys=False,
        )
    )
    return path


def test_the_abstract_reaches_the_affinity_hook_and_explains_the_choice(run, workspace):
    config = journal_club(
        workspace, [{"name": "Vera", "interests": ["magnet"]}, {"name": "Pierre"}]
    )
    (workspace / "plugins").mkdir()
    (workspace / "plugins" / "abstracts.py").write_text(
        "def paperclub_presenter_affinity(member, paper):\n"
        "    if member.name == 'Pierre' and 'field' in paper.abstract.lower():\n"
        "        return 2.0\n"
    )
    sessions = plan_json(run, config)["sessions"]
    catalog = {p["id"]: p for p in json.loads(run("papers", "--json", "--limit", "0").stdout)}
    for s in sessions:
        fields = ["field" in catalog[p["id"]]["abstract"].lower() for p in s["papers"]]
        assert sorted(fields) == [False, True]  # the data this test rests on
        assert not any("field" in p["title"].lower() for p in s["papers"])  # the abstract only
        for p, field in zip(s["papers"], fields):
            # 2.0 for Pierre outweighs Vera's interest in magnetism (1.0)
            assert p["presenter"] == ("Pierre" if field else "Vera")
            assert p["affinity"] == (
                {"abstracts": 2.0, "interests": 0.0} if field else {"interests": 0.0}
            )
            out = run("why", str(config), p["id"], "--today", TODAY).stdout.splitlines()
            assert out[-1] == (
                "  Pierre presents it: affinity 2.00 = abstracts 2.00 + interests 0.00"
                if field
                else "  Vera presents it: affinity 0.00 = interests 0.00"
            )


def test_members_why_gives_each_choice_its_affinity_parts(run, schedule, workspace):
    (workspace / "plugins").mkdir()
    (workspace / "plugins" / "fancy.py").write_text(
        "def paperclub_presenter_affinity(member):\n"
        "    if member.name == 'Ada Lovelace':\n"
        "        return 0.5\n"
    )
    sessions = plan_json(run, schedule)["sessions"]
    rows = json.loads(run("members", str(schedule), "--json").stdout)
    lines = run("members", str(schedule), "--why").stdout.splitlines()
    for r in rows:
        at = lines.index(f"{r['name']}: {r['load']} session{'s' if r['load'] != 1 else ''}")
        for s in r["sessions"]:
            for p in s["papers"]:
                start = next(x["start"] for x in sessions if x["id"] == s["id"])
                title = lines.index(
                    f"  {date.fromisoformat(start[:10]):%a %Y-%m-%d} ({s['id']})  {p['title']}", at
                )
                parts = " + ".join(f"{k} {v:.2f}" for k, v in p["affinity"].items())
                reason = lines[title + 1]
                assert reason.startswith(f"    affinity {sum(p['affinity'].values()):.2f} = ")
                assert re.sub(r" \([a-z, ]+\)", "", reason).endswith(parts), reason
                assert ("fancy" in p["affinity"]) == (r["name"] == "Ada Lovelace")
    ada = next(r for r in rows if r["name"] == "Ada Lovelace")
    inference = [p for s in ada["sessions"] for p in s["papers"] if p["topics"][0] == "inference"]
    assert inference and all(p["affinity"] == {"fancy": 0.5, "interests": 1.0} for p in inference)
    assert "    affinity 1.50 = fancy 0.50 + interests 1.00 (inference)" in lines
    out = run("why", str(schedule), inference[0]["id"], "--today", TODAY).stdout.splitlines()
    assert out[-1] == (
        "  Ada Lovelace presents it: affinity 1.50 = fancy 0.50 + interests 1.00 (inference)"
    )


def test_a_wrappers_change_to_the_affinity_is_its_own_part(run, schedule, workspace):
    (workspace / "plugins").mkdir()
    (workspace / "plugins" / "wrap.py").write_text(
        "from paperclub.hookspecs import hookimpl\n\n"
        "@hookimpl(wrapper=True)\n"
        "def paperclub_presenter_affinity(member):\n"
        "    answers = yield\n"
        "    return answers + [0.25]\n"
    )
    papers = [p for s in plan_json(run, schedule)["sessions"] for p in s["papers"]]
    assert papers and all(p["affinity"]["wrap"] == 0.25 for p in papers)


def test_a_plan_file_without_affinities_still_explains_and_gets_them_when_planned_again(
    run, schedule
):
    """Plan files written before affinities were kept: read as they are, explained without
    them, and given them by the next plan, which changes nothing else."""
    before = plan_json(run, schedule)["sessions"]
    path = Path("schedules/ml-systems.plan.yaml")
    text = path.read_text()
    old = "".join(
        line
        for line in text.splitlines(keepends=True)
        if not line.startswith(("    affinity:", "      interests:"))
    )
    assert "affinity" not in old
    path.write_text(old)
    members = run("members", str(schedule), "--why")
    assert members.exit_code == 0 and "    no affinity recorded in the plan file" in members.stdout
    paper = before[2]["papers"][0]
    why = run("why", str(schedule), paper["id"], "--today", TODAY).stdout.splitlines()
    assert why[-1] == f"  {paper['presenter']} presents it: no affinity recorded in the plan file"
    again = plan_json(run, schedule)["sessions"]
    assert path.read_text() == text  # the same plan, its affinities back
    assert [(s["sequence"], s["modified"]) for s in again] == [
        (s["sequence"], s["modified"]) for s in before
    ]


def test_a_presenter_changed_by_hand_is_not_explained_by_an_affinity(run, schedule):
    sessions = plan_json(run, schedule)["sessions"]
    paper = sessions[4]["papers"][0]
    other = next(
        m
        for m in ("Grace Hopper", "Edsger Dijkstra")
        if m != paper["presenter"] and m not in [p["presenter"] for p in sessions[4]["papers"]]
    )
    path = Path("schedules/ml-systems.plan.yaml")
    text = path.read_text()
    mine = text.index(f"- id: {paper['id']}")
    path.write_text(
        text[:mine]
        + text[mine:].replace(f"presenter: {paper['presenter']}", f"presenter: {other}", 1)
    )
    why = run("why", str(schedule), paper["id"], "--today", TODAY).stdout.splitlines()
    assert why[-1] == f"  {other} presents it: the session was edited by hand in the plan file"
    plan_json(run, schedule)  # keeps the edit, and locks the session
    why = run("why", str(schedule), paper["id"], "--today", TODAY).stdout.splitlines()
    assert why[-1] == (
        f"  {other} presents it (locked in the plan file): no affinity recorded in the plan file"
    )
