"""The exact optimizer (paperclub.solver) and the greedy (paperclub.greedy): optima checked by
brute force on tiny instances, the hard rules, each balance policy, the time limit and the
fallback, determinism, and (with hypothesis) properties on random instances.

The objective and the rules are computed here again, independently of the solver's code,
from the definitions in solver.py's docstring."""

from __future__ import annotations

import itertools
import random
import sys
from datetime import date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import highspy  # noqa: E402,F401  (a dependency: its absence must fail, not skip)
import pytest

from paperclub import greedy, solver
from paperclub.solver import Item

W = {"consecutive": 1.5, "nearby": 0.5, "proportional": 2.0, "themed": 3.0, "unfilled": 50.0}


# -- the definitions, written again ------------------------------------------------------------


def objective(plan, items, S, k, policy="spread", w=W, targets=None):
    topic = {it.id: it.topic for it in items}
    score = {it.id: it.score for it in items}
    chosen = [pid for ids in plan for pid in ids]
    total = sum(score[pid] for pid in chosen)
    present = [{topic[pid] for pid in ids if topic[pid] is not None} for ids in plan]
    total -= w["consecutive"] * sum(len(present[s] & present[s + 1]) for s in range(S - 1))
    if policy == "spread":
        total -= w["nearby"] * sum(len(present[s] & present[s + 2]) for s in range(S - 2))
    elif policy == "proportional":
        named = {i.topic for i in items if i.topic}
        shares = dict(targets) if targets else {t: 1 / len(named) for t in named}
        scale = sum(shares.values())
        if scale > 1:
            shares = {t: v / scale for t, v in shares.items()}
        rest = max(0.0, 1 - sum(shares.values()))
        n = len(chosen)
        deviation = sum(
            abs(sum(1 for pid in chosen if topic[pid] == t) - share * n)
            for t, share in shares.items()
        )
        deviation += abs(sum(1 for pid in chosen if topic[pid] not in shares) - rest * n)
        total -= w["proportional"] * deviation
    else:
        for ids in plan:
            if not ids:
                continue
            real = [topic[pid] for pid in ids if topic[pid] is not None]
            biggest = max((real.count(t) for t in real), default=0)
            if len(real) < len(ids):
                biggest = max(biggest, 1)
            total -= w["themed"] * (len(ids) - biggest)
    # an empty place of session s costs unfilled x (S - s): the later, the cheaper
    total -= w["unfilled"] * sum((k - len(ids)) * (S - s) for s, ids in enumerate(plan))
    return total


def broken(plan, items, S, k, policy="spread", pins=None, before=()):
    """The hard rules the plan breaks (pins: {session: [ids]})."""
    topic = {it.id: it.topic for it in items}
    problems = []
    if len(plan) != S:
        problems.append("sessions")
    seen = [pid for ids in plan for pid in ids]
    if len(seen) != len(set(seen)) or not set(seen) <= set(topic):
        problems.append("twice or unknown")
    when = {pid: s for s, ids in enumerate(plan) for pid in ids}
    for s, ids in enumerate(plan):
        if len(ids) > k:
            problems.append(f"session {s} too full")
        if policy == "spread":
            real = [topic[pid] for pid in ids if topic[pid] is not None]
            forced = [topic[pid] for pid in (pins or {}).get(s, ())]
            for t in set(real):
                if real.count(t) > max(1, forced.count(t)):
                    problems.append(f"session {s}: {t} twice")
    for s, ids in (pins or {}).items():
        for pid in ids:
            if when.get(pid) != s:
                problems.append(f"pin {pid}")
    for a, b in before:
        if b in when and (a not in when or when[a] >= when[b]):
            problems.append(f"{a} before {b}")
    return problems


def brute_force(items, S, k, policy="spread", pins=None, before=(), w=W, targets=None):
    """The best objective over every plan: each paper in no session or in one."""
    best = None
    for choice in itertools.product(range(-1, S), repeat=len(items)):
        plan = [[] for _ in range(S)]
        for it, s in zip(items, choice):
            if s >= 0:
                plan[s].append(it.id)
        if broken(plan, items, S, k, policy, pins, before):
            continue
        value = objective(plan, items, S, k, policy, w, targets)
        best = value if best is None else max(best, value)
    return best


def items_of(spec):
    """'a:3 a:2 b:1 -:0.5' -> items p0.. with those topics ('-' for none) and scores."""
    out = []
    for i, word in enumerate(spec.split()):
        topic, score = word.split(":")
        out.append(Item(f"p{i}", None if topic == "-" else topic, float(score)))
    return out


def check(sol, items, S, k, policy="spread", pins=None, before=(), w=W, targets=None):
    plan = [list(ids) for ids in sol.sessions]
    assert broken(plan, items, S, k, policy, pins, before) == []
    mine = objective(plan, items, S, k, policy, w, targets)
    assert sol.objective == pytest.approx(mine, abs=1e-6)
    assert sum(sol.terms.values()) == pytest.approx(sol.objective, abs=1e-9)
    assert sol.bound >= sol.objective - 1e-6
    return plan


# -- exact optima -------------------------------------------------------------------------------

SEVEN = items_of("a:3 a:2.5 a:1 b:2 b:0.5 c:1.8 -:1.2")


@pytest.mark.parametrize("policy", ["spread", "proportional", "themed"])
def test_the_optimum_of_seven_papers_in_three_sessions_of_two(policy):
    targets = {"a": 0.5, "b": 0.25} if policy == "proportional" else None
    sol = solver.solve(SEVEN, 3, 2, policy=policy, weights=W, targets=targets)
    assert sol.status == "optimal" and sol.gap == pytest.approx(0, abs=1e-6)
    check(sol, SEVEN, 3, 2, policy, w=W, targets=targets)
    assert sol.objective == pytest.approx(
        brute_force(SEVEN, 3, 2, policy, w=W, targets=targets), abs=1e-5
    )


def test_the_optimum_with_a_pin_and_a_before_pair():
    pins, before = {2: ["p4"]}, [("p5", "p0")]  # the best paper only after p5
    sol = solver.solve(SEVEN, 3, 2, pins=pins, before=before, weights=W)
    plan = check(sol, SEVEN, 3, 2, pins=pins, before=before)
    assert "p4" in plan[2]
    assert sol.objective == pytest.approx(
        brute_force(SEVEN, 3, 2, pins=pins, before=before), abs=1e-5
    )


def test_consecutive_penalty_trades_against_score():
    # one strong topic: a repeat in consecutive sessions costs `consecutive`
    items = items_of("a:5 a:5 a:5 b:0.1 b:0.1 c:0.1")
    cheap = solver.solve(items, 3, 1, weights={**W, "consecutive": 1.0, "nearby": 0})
    dear = solver.solve(items, 3, 1, weights={**W, "consecutive": 10.0, "nearby": 0})
    assert [s[0] for s in cheap.sessions] == ["p0", "p1", "p2"]
    assert cheap.counts["consecutive"] == 2
    assert dear.counts["consecutive"] == 0
    assert dear.sessions[0] == ("p0",) and dear.sessions[2] == ("p1",)


# -- hard rules and policies --------------------------------------------------------------------


def test_spread_never_two_papers_of_a_topic_in_a_session():
    items = items_of("a:9 a:8 a:7 a:6 b:1 b:1 c:0.5 -:0.1 -:0.2")
    sol = solver.solve(items, 4, 2, weights=W)
    topic = {it.id: it.topic for it in items}
    for ids in check(sol, items, 4, 2):
        real = [topic[pid] for pid in ids if topic[pid]]
        assert len(real) == len(set(real))


def test_papers_without_a_topic_may_share_a_session():
    items = items_of("-:3 -:2 -:1 a:0.1")
    sol = solver.solve(items, 1, 3, weights=W)
    assert sorted(sol.sessions[0]) == ["p0", "p1", "p2"]


def test_pins_are_kept_even_against_the_topic_rule():
    items = items_of("a:1 a:1 b:5 c:4")
    pins = {0: ["p0", "p1"]}  # two papers of one topic, pinned together
    sol = solver.solve(items, 2, 2, pins=pins, weights=W)
    plan = check(sol, items, 2, 2, pins=pins)
    assert sorted(plan[0]) == ["p0", "p1"]


def test_before_pairs_are_kept():
    items = items_of("a:10 b:1 c:1 d:1")
    before = [("p1", "p0")]  # the best paper needs p1 first
    sol = solver.solve(items, 3, 1, before=before, weights=W)
    plan = check(sol, items, 3, 1, before=before)
    when = {pid: s for s, ids in enumerate(plan) for pid in ids}
    assert when["p1"] < when["p0"]


def test_a_before_pair_whose_first_paper_is_no_candidate_is_ignored():
    items = items_of("a:10 b:1")
    sol = solver.solve(items, 1, 1, before=[("gone", "p0")], weights=W)
    assert sol.sessions == (("p0",),)


def test_themed_sessions_share_a_topic():
    items = items_of("a:3 a:3 a:2 b:5 b:1 b:1 c:4 c:1 c:1")
    sol = solver.solve(items, 3, 3, policy="themed", weights=W)
    plan = check(sol, items, 3, 3, "themed")
    topic = {it.id: it.topic for it in items}
    for ids in plan:
        assert len({topic[pid] for pid in ids}) == 1
    assert sol.counts["themed"] == 0


def test_proportional_meets_the_targets():
    items = [Item(f"{t}{i}", t, 1.0 + i / 100) for t in "abc" for i in range(8)]
    targets = {"a": 0.5, "b": 0.25, "c": 0.25}
    sol = solver.solve(items, 4, 2, policy="proportional", targets=targets, weights=W)
    plan = check(sol, items, 4, 2, "proportional", targets=targets)
    chosen = [pid[0] for ids in plan for pid in ids]
    assert (chosen.count("a"), chosen.count("b"), chosen.count("c")) == (4, 2, 2)
    assert sol.counts["proportional"] == pytest.approx(0)


def test_sessions_are_full_when_the_candidates_allow():
    items = items_of("a:1 a:1 a:1 b:0.1 c:-2 d:-3")  # negative scores still fill places
    sol = solver.solve(items, 3, 2, weights={k: v for k, v in W.items() if k != "unfilled"})
    assert [len(ids) for ids in sol.sessions] == [2, 2, 2]
    assert sol.counts["unfilled"] == 0


def test_short_sessions_when_there_are_too_few_topics():
    items = items_of("a:1 a:1 a:1 a:1")  # spread: one paper of a per session
    sol = solver.solve(items, 2, 2, weights=W)
    assert [len(ids) for ids in sol.sessions] == [1, 1]
    # one empty place in each session: the first costs 2 x unfilled, the last 1 x
    assert sol.counts["unfilled"] == 2 and sol.terms["unfilled"] == -(2 + 1) * W["unfilled"]


def test_pruning_keeps_only_a_topics_best_papers():
    # 500 papers of one topic, 3 sessions: only the best 3 can ever be chosen
    items = [Item(f"a{i:03d}", "a", (i * 37 % 500) / 100) for i in range(500)]
    items += [Item("b", "b", 0.5), Item("c", "c", 0.4)]
    sol = solver.solve(items, 3, 2, weights=W)
    best_a = sorted((it for it in items if it.topic == "a"), key=lambda it: -it.score)[:3]
    chosen = {pid for ids in sol.sessions for pid in ids}
    assert {it.id for it in best_a} <= chosen
    assert sol.status == "optimal"


# -- sessions fill from the first ---------------------------------------------------------------

POLICIES = ["spread", "proportional", "themed"]
THREE = {"one topic": "a:1 a:2 a:3", "no topic": "-:1 -:2 -:3", "three topics": "a:1 b:2 c:3"}


def targets_for(policy):
    return {"a": 0.5, "b": 0.25} if policy == "proportional" else None


def both(items, S, k, policy, **rules):
    """The optimizer's plan and the greedy's, with the default weights, each checked."""
    targets = targets_for(policy)
    w = solver.prepare(items, S, k, policy=policy, targets=targets, **rules).weights
    best = solver.solve(items, S, k, policy=policy, targets=targets, **rules)
    quick = greedy.plan(items, S, k, policy=policy, targets=targets, **rules)
    assert best.status == "optimal"
    for sol in (best, quick):
        check(sol, items, S, k, policy, w=w, targets=targets, pins=rules.get("pins"))
    return best, quick


@pytest.mark.parametrize("policy", POLICIES)
@pytest.mark.parametrize("spec", THREE.values(), ids=THREE)
def test_three_papers_for_six_sessions_fill_the_first_three(policy, spec):
    items = items_of(spec)
    for sol in both(items, 6, 1, policy):
        assert [len(ids) for ids in sol.sessions] == [1, 1, 1, 0, 0, 0], sol.solver
        assert sol.counts["unfilled"] == 3


def test_the_unfilled_term_costs_more_the_earlier_the_empty_place():
    items = items_of("a:1 b:2 c:3")
    problem = solver.prepare(items, 6, 1, weights=W)
    u = W["unfilled"]
    first = [["p0"], ["p1"], ["p2"], [], [], []]
    gappy = [["p0"], [], ["p1"], [], ["p2"], []]
    assert solver.evaluate(problem, first)[0]["unfilled"] == -(3 + 2 + 1) * u
    assert solver.evaluate(problem, gappy)[0]["unfilled"] == -(5 + 3 + 1) * u
    assert solver.evaluate(problem, gappy)[1]["unfilled"] == 3  # the count: empty places
    assert solver.evaluate(problem, [[]] * 6)[0]["unfilled"] == -21 * u
    # the quick bound assumes the cheapest empty places, the last ones: the plan reaches it
    assert solver.upper_bound(problem) == pytest.approx(6 - 6 * u)


@pytest.mark.parametrize("policy", POLICIES)
def test_two_papers_a_session_fill_the_earliest_places(policy):
    items = items_of("a:1 b:2 c:3")
    for sol in both(items, 6, 2, policy):
        assert [len(ids) for ids in sol.sessions] == [2, 1, 0, 0, 0, 0], sol.solver


@pytest.mark.parametrize("policy", POLICIES)
def test_a_pin_late_in_the_term_wins_over_filling_from_the_first(policy):
    items = items_of("a:1 b:2 c:3")
    pins = {4: ["p0"]}
    for sol in both(items, 6, 1, policy, pins=pins):
        assert [len(ids) for ids in sol.sessions] == [1, 1, 0, 0, 1, 0], sol.solver
        assert sol.sessions[4] == ("p0",)


@pytest.mark.parametrize(
    "spec, S, k",
    [
        ("a:1 b:1 c:1", 3, 2),  # 3 papers fill 2 sessions: one of them off its session's theme
        ("a:1 a:1 a:1 b:1", 5, 1),  # 3 papers of a in the first 4 sessions: one repeat at least
    ],
)
def test_the_themed_bound_knows_that_sessions_fill_from_the_first(spec, S, k):
    """Sessions taken as interchangeable, the themed relaxation would spread the papers over
    every session (no paper off its theme, no repeat); that sessions fill from the first
    makes its bound the optimum here, and never less (the brute force)."""
    items = items_of(spec)
    best = brute_force(items, S, k, "themed")
    problem = solver.prepare(items, S, k, policy="themed", weights=W)
    relaxed = solver._run(solver._TopicModel(problem).build_anonymous, highspy, 10.0)
    assert relaxed.bound == pytest.approx(best, abs=1e-6)
    sol = solver.solve(items, S, k, policy="themed", weights=W)
    assert sol.status == "optimal" and sol.objective == pytest.approx(best, abs=1e-6)


def movable(plan, items, S, k, policy, pins, before):
    """The papers a later session holds that could move into an earlier session's empty place
    without breaking a rule, as (paper, from, to)."""
    found = []
    for s, ids in enumerate(plan):
        if len(ids) >= k:
            continue
        for later in range(s + 1, S):
            for pid in plan[later]:
                other = [list(x) for x in plan]
                other[later].remove(pid)
                other[s].append(pid)
                if not broken(other, items, S, k, policy, pins, before):
                    found.append((pid, later, s))
    return found


# -- time limit, fallback, determinism ----------------------------------------------------------


def big(n=3000, topics=15):
    return [
        Item(f"p{i:05d}", f"t{i * 7 % topics}" if i % 31 else None, (i * 7919 % 1000) / 200)
        for i in range(n)
    ]


@pytest.mark.parametrize("policy", ["spread", "proportional", "themed"])
def test_the_greedy_plan_is_a_feasible_start_for_the_model(policy):
    """The MIP start keeps every row and bound of the model, and its objective there is the
    greedy plan's: so the solver's answer is never worse than the greedy's."""
    items = big(800)
    problem = solver.prepare(
        items, 12, 3, pins={2: ["p00100"]}, before=[("p00007", "p00003")], policy=policy
    )
    plan = greedy.assign(problem)
    model, b = solver._TopicModel(problem), solver._Builder()
    model.build(b)
    v = model.values_of(plan, len(b.cost))
    for x, lo, hi in zip(v, b.lower, b.upper):
        assert lo - 1e-9 <= x <= hi + 1e-9
    for r in range(len(b.row_lower)):
        a = sum(b.value[i] * v[b.index[i]] for i in range(b.starts[r], b.starts[r + 1]))
        assert b.row_lower[r] - 1e-7 <= a <= b.row_upper[r] + 1e-7, r
    value = sum(c * x for c, x in zip(b.cost, v)) + b.offset
    assert value == pytest.approx(sum(solver.evaluate(problem, plan)[0].values()), abs=1e-6)


def test_a_time_limit_of_zero_falls_back_to_the_greedy():
    items = big()
    sol = solver.solve(items, 20, 3, time_limit=0)
    assert sol.status == "greedy"
    assert sol.gap >= 0 and sol.bound >= sol.objective
    check(sol, items, 20, 3, w=solver.prepare(items, 20, 3).weights)
    assert "time limit" in sol.note and sol.solver == "greedy"


def test_without_highspy_the_greedy_plans(monkeypatch):
    monkeypatch.setitem(sys.modules, "highspy", None)  # import highspy raises ImportError
    sol = solver.solve(SEVEN, 3, 2, weights=W)
    assert sol.status == "greedy" and "not installed" in sol.note
    check(sol, SEVEN, 3, 2)


def test_two_solves_give_identical_results():
    items = big(2000)
    one = solver.solve(items, 26, 3, pins={3: ["p00010"]}, before=[("p00020", "p00030")])
    two = solver.solve(
        list(reversed(items)), 26, 3, pins={3: ["p00010"]}, before=[("p00020", "p00030")]
    )
    assert one.status == "optimal"
    for field in ("sessions", "objective", "bound", "gap", "status", "terms", "counts"):
        assert getattr(one, field) == getattr(two, field), field


def test_ties_go_to_the_smaller_paper_id():
    items = [Item(pid, None, 1.0) for pid in ("z", "m", "a", "q")]
    assert solver.solve(items, 1, 2).sessions == (("a", "m"),)
    assert greedy.plan(items, 1, 2).sessions == (("a", "m"),)


def test_bad_input_is_refused():
    with pytest.raises(ValueError):
        solver.solve(SEVEN, 3, 2, policy="random")
    with pytest.raises(ValueError):
        solver.solve(SEVEN, 3, 2, weights={"consecutive": -1})
    with pytest.raises(ValueError):
        solver.solve([*SEVEN, SEVEN[0]], 3, 2)


# -- the greedy -----------------------------------------------------------------------------------


@pytest.mark.parametrize("policy", ["spread", "proportional", "themed"])
def test_the_greedy_keeps_the_rules_and_reports_like_the_optimizer(policy):
    items = big(500)
    pins, before = {0: ["p00100"]}, [("p00007", "p00003")]
    sol = greedy.plan(items, 12, 3, pins=pins, before=before, policy=policy, weights=W)
    assert sol.status == "greedy" and sol.solver == "greedy"
    check(sol, items, 12, 3, policy, pins, before)
    best = solver.solve(
        items, 12, 3, pins=pins, before=before, policy=policy, weights=W, time_limit=3
    )  # it starts from the greedy plan: never worse
    assert best.objective >= sol.objective - 1e-6
    assert sol.bound >= best.objective - 1e-6  # the greedy's quick bound is a bound


# -- the built-in planner plugin ----------------------------------------------------------------


def test_the_plugin_returns_lists_carrying_the_solution():
    from paperclub.default_plugins import optimizer
    from paperclub.models import Candidate, Group, Meetings, Paper, Person, Slot

    tz = ZoneInfo("Europe/Berlin")
    days = [date(2026, 12, 3) + timedelta(weeks=i) for i in range(3)]
    slots = [
        Slot(f"s{i}", datetime.combine(d, time(16), tz), datetime.combine(d, time(17), tz))
        for i, d in enumerate(days)
    ]
    cands = [
        Candidate(Paper(it.id, it.id), (it.topic,) if it.topic else (), it.score, {})
        for it in SEVEN
    ]
    group = Group(
        path=Path("g.yaml"),
        name="g",
        slug="g",
        timezone="Europe/Berlin",
        organizer=Person("o"),
        meetings=Meetings(days[0], 3, time(16), timedelta(hours=1), count=3, papers_per_session=2),
        weights={**W, "upvotes": 1.0},
        pins={days[2]: ("p4",)},
        before=(("p5", "p0"),),
    )
    chosen = optimizer.paperclub_plan_sessions(cands, slots, group, {})
    assert isinstance(chosen, list) and all(isinstance(ids, list) for ids in chosen)
    assert "p4" in chosen[2]
    assert chosen.solution.status == "optimal"
    assert chosen == optimizer.solve_for(cands, slots, group).lists()


# -- properties on random instances (hypothesis) ------------------------------------------------

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402


@st.composite
def instances(draw, max_papers=7, max_sessions=3):
    n = draw(st.integers(1, max_papers))
    topics = draw(st.lists(st.sampled_from(["a", "b", "c", None]), min_size=n, max_size=n))
    scores = draw(
        st.lists(st.sampled_from([0.0, 0.5, 1.0, 1.5, 2.0, 3.5, -0.5]), min_size=n, max_size=n)
    )
    items = [Item(f"p{i}", t, s) for i, (t, s) in enumerate(zip(topics, scores))]
    S = draw(st.integers(1, max_sessions))
    k = draw(st.integers(1, 2))
    policy = draw(st.sampled_from(["spread", "proportional", "themed"]))
    pins = {}
    if draw(st.booleans()):
        pins = {draw(st.integers(0, S - 1)): [draw(st.sampled_from(items)).id]}
    before = []
    if n >= 2 and draw(st.booleans()):  # a pair, its papers possibly pinned too
        a, b = draw(st.lists(st.sampled_from(items), min_size=2, max_size=2, unique=True))
        before = [(a.id, b.id)]
    targets = {"a": 0.5, "b": 0.25} if draw(st.booleans()) else None
    return items, S, k, policy, pins, before, targets


def solved(case: tuple) -> solver.Solution:
    """The optimizer's plan of a generated instance, with the test weights."""
    items, S, k, policy, pins, before, targets = case
    return solver.solve(
        items,
        S,
        k,
        pins=pins,
        before=before,
        policy=policy,
        weights=W,
        targets=targets,
        time_limit=30,
    )


@settings(
    max_examples=150, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow]
)
@given(instances(max_papers=6, max_sessions=3))
def test_random_tiny_instances_match_brute_force(case):
    items, S, k, policy, pins, before, targets = case
    sol = solved(case)
    # the pairs the pins contradict are dropped (the pins win), as solver.prepare says
    before = solver.prepare(items, S, k, pins=pins, before=before).before
    best = brute_force(items, S, k, policy, pins, before, W, targets)
    if best is None:  # no plan keeps every rule: the greedy's, and a note
        assert sol.status == "greedy" and "cannot all be met" in sol.note
        return
    check(sol, items, S, k, policy, pins, before, W, targets)
    assert sol.status == "optimal"
    assert sol.objective == pytest.approx(best, abs=1e-5)


@settings(
    max_examples=100, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow]
)
@given(instances(max_papers=12, max_sessions=5))
def test_no_swap_or_exchange_improves_an_optimal_plan(case):
    items, S, k, policy, pins, before, targets = case
    sol = solved(case)
    before = solver.prepare(items, S, k, pins=pins, before=before).before
    if sol.status == "greedy":  # only when no plan keeps every rule
        assert "cannot all be met" in sol.note
        return
    plan = check(sol, items, S, k, policy, pins, before, W, targets)
    g = greedy.plan(
        items, S, k, pins=pins, before=before, policy=policy, weights=W, targets=targets
    )
    check(g, items, S, k, policy, pins, before, W, targets)
    if sol.status != "optimal":
        return
    value = objective(plan, items, S, k, policy, W, targets)
    assert g.objective <= value + 1e-6
    chosen = {pid for ids in plan for pid in ids}
    unchosen = [it.id for it in items if it.id not in chosen]

    def no_better(other):
        if not broken(other, items, S, k, policy, pins, before):
            assert objective(other, items, S, k, policy, W, targets) <= value + 1e-6, other

    for s, ids in enumerate(plan):
        for i, _pid in enumerate(ids):  # swap a chosen paper for an unchosen one
            for q in unchosen:
                other = [list(x) for x in plan]
                other[s][i] = q
                no_better(other)
        if len(ids) < k:  # or add one to a session with room
            for q in unchosen:
                other = [list(x) for x in plan]
                other[s].append(q)
                no_better(other)
    for s, r in itertools.combinations(range(S), 2):  # exchange two sessions' papers
        other = [list(x) for x in plan]
        other[s], other[r] = other[r], other[s]
        no_better(other)


@settings(
    max_examples=150, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow]
)
@given(instances(max_papers=5, max_sessions=4))
def test_no_optimal_plan_leaves_a_place_empty_before_a_movable_paper(case):
    """Every optimal plan (found by brute force), the solver's and the greedy's fill the
    sessions from the first: no paper of a later session could move into an empty place of
    an earlier one (pins, before pairs and the spread rule may still leave a gap)."""
    items, S, k, policy, pins, before, targets = case
    before = solver.prepare(items, S, k, pins=pins, before=before).before
    plans = []
    for choice in itertools.product(range(-1, S), repeat=len(items)):
        plan = [[] for _ in range(S)]
        for it, s in zip(items, choice):
            if s >= 0:
                plan[s].append(it.id)
        if not broken(plan, items, S, k, policy, pins, before):
            plans.append((objective(plan, items, S, k, policy, W, targets), plan))
    if not plans:
        return  # no plan keeps every rule (test_random_tiny_instances_match_brute_force)
    best = max(value for value, _ in plans)
    for value, plan in plans:
        if value >= best - 1e-6:
            assert movable(plan, items, S, k, policy, pins, before) == [], plan
    problem = solver.prepare(
        items, S, k, pins=pins, before=before, policy=policy, targets=targets, weights=W
    )
    assert solver.upper_bound(problem) >= best - 1e-6
    sol = solved(case)
    quick = greedy.plan(
        items, S, k, pins=pins, before=before, policy=policy, weights=W, targets=targets
    )
    assert sol.status == "optimal" and sol.objective == pytest.approx(best, abs=1e-5)
    for found in (sol, quick):
        plan = check(found, items, S, k, policy, pins, before, W, targets)
        assert movable(plan, items, S, k, policy, pins, before) == [], (found.solver, plan)
    if policy == "themed":  # the relaxation with sessions interchangeable is still a bound
        relaxed = solver._run(solver._TopicModel(problem).build_anonymous, highspy, 10.0)
        assert relaxed.bound >= best - 1e-6


# -- re-planning: the change term ---------------------------------------------------------------


def changes(plan, keep):
    where = {pid: s for s, ids in enumerate(plan) for pid in ids}
    return sum(1 for s, ids in keep.items() for pid in ids if where.get(pid) != s)


@pytest.mark.parametrize("policy", ["spread", "proportional", "themed"])
@pytest.mark.parametrize("weight", [0.0, 0.7, 3.0])
def test_the_change_term_against_brute_force(policy, weight):
    """The optimum with `keep` is the brute-force best of objective - weight x changes."""
    items = items_of("a:3 a:2.5 b:2 b:0.5 c:1.8 -:1.2")
    keep = {0: ["p3"], 1: ["p1", "p5"], 2: ["p4"]}  # a previous plan, not the best one
    w = dict(W, change=weight)
    sol = solver.solve(items, 3, 2, policy=policy, weights=w, keep=keep)
    plan = [list(ids) for ids in sol.sessions]
    assert broken(plan, items, 3, 2, policy) == []
    assert sol.counts["change"] == changes(plan, keep)
    assert sol.terms["change"] == pytest.approx(-weight * changes(plan, keep))
    best = None
    for choice in itertools.product(range(-1, 3), repeat=len(items)):
        trial = [[] for _ in range(3)]
        for it, s in zip(items, choice):
            if s >= 0:
                trial[s].append(it.id)
        if broken(trial, items, 3, 2, policy):
            continue
        value = objective(trial, items, 3, 2, policy, w) - weight * changes(trial, keep)
        best = value if best is None else max(best, value)
    assert sol.status == "optimal"
    assert sol.objective == pytest.approx(best, abs=1e-6)


@pytest.mark.parametrize("policy", ["spread", "proportional", "themed"])
def test_a_plan_kept_is_never_worse_and_a_weak_newcomer_changes_nothing(policy):
    items = big(400)
    first = solver.solve(items, 10, 3, policy=policy)
    keep = {s: list(ids) for s, ids in enumerate(first.sessions)}
    weak = [*items, Item("new-weak", "t1", -5.0)]
    again = solver.solve(weak, 10, 3, policy=policy, keep=keep)
    assert again.sessions == first.sessions and again.terms["change"] == 0
    strong = [*items, Item("new-strong", "t1", 15.0)]
    problem = solver.prepare(strong, 10, 3, policy=policy, keep=keep)
    after = solver.solve(strong, 10, 3, policy=policy, keep=keep)
    previous_value = sum(
        solver.evaluate(problem, [list(ids) for ids in first.sessions])[0].values()
    )
    assert after.objective >= previous_value - 1e-6
    # what the changes gain without their penalty pays for the penalty
    gained = (after.objective - after.terms["change"]) - previous_value
    assert gained >= -after.terms["change"] - 1e-6
    assert "new-strong" in {pid for ids in after.sessions for pid in ids}
    assert 1 <= after.counts["change"] <= 6


def test_the_greedy_respects_the_change_term_too():
    items = big(300)
    first = greedy.plan(items, 8, 2)
    keep = {s: list(ids) for s, ids in enumerate(first.sessions)}
    again = greedy.plan([*items, Item("new-weak", "t2", -1.0)], 8, 2, keep=keep)
    assert again.sessions == first.sessions and again.counts["change"] == 0


def _medium(seed=7, n=300, topics=8):
    """A catalog too big for a proof at the root: scores and topics from a fixed seed."""
    rng = random.Random(seed)
    return [
        Item(f"p{i:03d}", f"t{rng.randrange(topics)}", round(rng.random() * 5, 3)) for i in range(n)
    ]


@pytest.mark.parametrize("policy", ["spread", "proportional", "themed"])
def test_a_search_cut_short_by_the_work_limit_is_the_same_on_every_run(policy):
    """The work limit counts HiGHS's progress reports, not seconds: a plan it stops is the
    same on every run (and machine), and says which limit stopped it."""
    items = _medium()
    first, again = (solver.solve(items, 20, 3, policy=policy, work_limit=1) for _ in range(2))
    assert first.status == "feasible" and first.limit == "work limit", first
    assert "stopped: work limit" in first.note and first.gap > 0
    assert (first.sessions, first.objective, first.bound) == (
        again.sessions,
        again.objective,
        again.bound,
    )
    done = solver.solve(items, 20, 3, policy=policy)  # the default limit: proven here
    assert done.status == "optimal" and done.limit == "" and done.objective >= first.objective


@pytest.mark.parametrize("policy", ["proportional", "themed"])
def test_the_relaxations_counts_make_a_plan_that_proves_itself_optimal(policy):
    """Proportional and themed as spread: the relaxation with sessions interchangeable gives
    the topic counts, and the plan made of them (each topic's best papers, no topic in two
    sessions in a row, the pin and the pair kept) reaches its bound: optimal with no search."""
    items = _medium(seed=3, n=400, topics=12)
    ranked = sorted(items, key=lambda it: (-it.score, it.id))
    pins, before = {1: [ranked[4].id]}, [(ranked[2].id, ranked[0].id)]
    problem = solver.prepare(items, 26, 3, pins=pins, before=before, policy=policy)
    model = solver._TopicModel(problem)
    relaxed = solver._run(model.build_anonymous, highspy, 10.0)
    plan = solver._arrange(problem, model, relaxed.values)
    assert plan is not None and not solver.violations(problem, plan)
    value = sum(solver.evaluate(problem, plan)[0].values())
    assert value == pytest.approx(relaxed.bound, abs=1e-6)
    sol = solver.solve_problem(problem)
    assert sol.status == "optimal" and sol.objective == pytest.approx(value, abs=1e-6)
