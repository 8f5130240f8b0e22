"""Choose a term's papers exactly: a mixed-integer model over topics, solved with HiGHS.

A pure module: no hooks, no I/O. `solve()` takes the candidates as `Item(id, topic, score)`
(`topic` is the paper's first topic, the one balanced, or None), the number of sessions `S`
and papers per session `k`, and returns a `Solution`: the papers of each session, the
objective and each of its terms, a proven upper bound and the gap to it.

Hard rules (never broken): at most `k` papers per session; a paper at most once; a pinned
paper in its session (`pins` maps a session index to paper ids; more than `k` pins in one
session keep the first `k`); for each `before` pair (a, b): b only in a session after a's,
and only when a is planned (a pair whose `a` is not a candidate is ignored, as a paper
already read; pins win over a pair they contradict); under `spread`, never two papers of one
topic in a session (pins excepted).

One objective, maximized; `Solution.terms` holds each term, and they add up to it. The
balance policy's terms (nearby, proportional, themed for the built-in ones) and its rules are
the `Policy`'s (`paperclub.policies`): this module and `greedy` ask it, never its name.

- ``score``: the total score of the chosen papers;
- ``consecutive`` (every policy): minus `weights["consecutive"]` for each topic that has a
  paper in two consecutive sessions (default 3.0: a paper has to score 3 more, 0.15 of
  relevance at its default weight, to justify a repeat);
- ``nearby`` (spread): minus `weights["nearby"]` for each topic in sessions s and s + 2, so
  topics spread evenly over the term rather than alternate (default 0.5);
- ``proportional`` (proportional): minus `weights["proportional"]` (default 2.0) per paper of
  deviation: the sum over the target topics, and one bucket of all other topics and papers
  without a topic, of |papers of the topic - share x papers planned|. `targets` maps a topic
  to its share; shares adding to more than 1 are scaled to 1; the rest (1 - their sum) is
  the other bucket's. Without targets every topic of the candidates gets an equal share;
- ``themed`` (themed): minus `weights["themed"]` (default 3.0) for each paper that is not on
  its session's theme, the topic with the most papers there (a paper without a topic is a
  theme of one);
- ``change`` (re-planning; 0 without `keep`): minus `weights["change"]` (default
  3.0, a repeated topic's price, so a re-plan does not reshuffle sessions to space topics
  by a session) for each paper of the previous plan that is no longer in its session. `keep` maps a
  session index to the papers it held in the previous plan (those that are still candidates);
  so a new plan differs from the previous one only where each change gains more than it costs;
- ``unfilled``: minus U x (S - s) for each empty place of session s (0-based) among its
  first `min_per_session` (all of them by default; `papers_per_session: {min, max}`: the
  places from min to max are free, filled only by a paper that gains), where U is
  `weights["unfilled"]` (default 1 + 2 x the largest |score| + 4 x (consecutive + nearby)
  + 2 x proportional + themed (+ 2 x change when re-planning), more than any one paper can
  gain by leaving its place empty, so sessions are full when the candidates allow it). An
  empty place of the last session costs U, one of the session before 2U, and so on: moving
  a paper one session earlier into an empty place gains at least U, more than the move can
  cost elsewhere, so sessions fill from the first, and when there are fewer papers than
  places the last sessions are the empty ones (to be announced) unless pins, `before` pairs
  or the spread rule force a gap. `Solution.counts["unfilled"]` is the number of empty
  places.

The model. Papers of one topic are interchangeable for every rule except pins and `before`,
so they are aggregated: y[t,s] (binary) says topic t has papers in session s, n[t,s] how
many (n = y under spread); the value of a topic is the sum of its best N scores when it is
given N places, a concave piecewise-linear function modelled with continuous u[t,i] in
[0,1], sum_i u[t,i] = sum_s n[t,s], objective sum_i score_(i) u[t,i] (sorted, so the LP
takes them in order: no binaries needed). Proof of the pruning: a topic can hold at most S
places under spread (one per session) and S x k otherwise, and any plan that uses a weaker
paper of a topic while a better one of the same topic is unused gets no worse by swapping
them; so each topic keeps its best S (or S x k) papers and the rest can never be chosen.
Papers without a topic form one group without topic rules (each is its own topic, and two
of them never clash). Pinned papers, papers in `before` pairs and the papers of `keep` stay
individual x[p,s] binaries (a kept paper's x in its previous session earns `change`, and the
term's constant is minus `change` x the kept papers). short[s] (continuous, in [0, min]) counts
the empty places of session s among its first `min_per_session`, at U x (S - s) each, and
spare[s] (in [0, k - min], only when min < k) the others, free. Penalties:
z[t,s] >= y[t,s] + y[t,s+1] - 1 (and with s + 2 for nearby, plus the valid cut
y[s] + y[s+1] + y[s+2] - 1 <= z1[s] + z1[s+1] + z2[s]). After the solve, each
topic's best N papers go to its sessions in session order, best first.

Under proportional and themed the model's LP bound is weak (a topic's sessions, or the
themes, split fractionally), so first a small MIP with sessions taken as interchangeable
(`Policy.relax`, `_TopicModel.build_anonymous`) gives a proven bound and how many papers of
each topic to plan; `_arrange` makes a plan of those counts (each topic's best papers, k to a
session, the sessions ordered so that no topic comes twice in a row, pins and pairs kept).
When that plan, or the greedy's, reaches the bound it is optimal and no search is needed;
else it is the search's start, and the search stops as soon as a plan reaches the bound.

Deterministic: fixed HiGHS options (threads 1, random seed 0), ties broken by paper id, and
a work limit (`WORK_LIMIT`: HiGHS's progress reports, counted) that stops a long search with
the best plan found, the same on every run and machine (`Solution.limit` "work limit", with
its gap). The time limit is a safety net: a search it cuts short returns the best plan found
in time (`Solution.limit` "time limit"), which depends on the machine's speed.
highspy is imported inside `solve()`; when it is missing or fails, or the time limit passes
with no plan, the greedy planner's plan is returned with status "greedy" and a `note`.
"""

from __future__ import annotations

import heapq
import math
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from paperclub.highs import new_highs as _new_highs
from paperclub.policies import BUILT_IN, Policy

# The core's weights and the built-in policies' (each policy's own are Policy.weights; the
# built-in ones are known whichever policy plans, as they always were)
DEFAULT_WEIGHTS = {
    "consecutive": 3.0,
    **{name: value for policy in BUILT_IN.values() for name, value in policy.weights.items()},
    "change": 3.0,
}
WEIGHT_NAMES = (*DEFAULT_WEIGHTS, "unfilled")
REL_GAP = 1e-6  # HiGHS stops when (bound - objective) / |objective| is below this: "optimal"
# The work limit: HiGHS reports its progress through its interrupt callback at fixed points of
# its search, so a count of those reports stops a long search the same way on every run and
# machine (a time limit does not). A report in the search tree (about a node) counts 1; one at
# the root follows a round of cuts on the whole LP, and counts one per ROOT_NONZEROS nonzeros
# of the model (the themed model of 1,000 papers: 88, a report about every 0.3 s, so its root
# stops after about 7 s). A plan stopped so is "feasible", `Solution.limit` "work limit".
WORK_LIMIT = 2000
ROOT_NONZEROS = 200


class Item(NamedTuple):
    """A candidate paper: its id, its balanced topic (None: no topic) and its score."""

    id: str
    topic: str | None
    score: float


@dataclass(frozen=True)
class Solution:
    """A plan and how good it is. `objective` = sum of `terms`; `bound` is a proven upper
    bound on any plan's objective; `gap` = (bound - objective) / |bound|. `counts` holds what
    each term counts (papers, repeats, papers of deviation, empty places)."""

    sessions: tuple[tuple[str, ...], ...]
    objective: float
    bound: float
    gap: float
    status: str  # "optimal" | "feasible" (time limit: best found) | "greedy" (the fallback)
    solver: str  # e.g. "highs 1.16.0", "greedy"
    seconds: float
    terms: dict[str, float] = field(default_factory=dict, hash=False)
    counts: dict[str, float] = field(default_factory=dict, hash=False)
    note: str = ""  # why the fallback was used, pins or pairs that could not be met, ...
    # the limit that cut the search short: "" (none), "work limit" (the same plan on every
    # run and machine) or "time limit" (the best plan found in time: may differ between runs)
    limit: str = ""

    def lists(self) -> list[list[str]]:
        """The sessions as the `paperclub_plan_sessions` hook returns them."""
        return [list(ids) for ids in self.sessions]


@dataclass
class Problem:
    """The validated input of `solve()` and `greedy.plan()`; make one with `prepare()`."""

    items: list[Item]
    by_id: dict[str, Item]
    sessions: int
    per_session: int
    pins: dict[int, list[str]]  # session index -> paper ids, cleaned
    pinned: dict[str, int]  # paper id -> its session
    before: list[tuple[str, str]]
    policy: Policy
    targets: dict[str, float]  # proportional: topic (or OTHERS) -> share, adding to 1
    weights: dict[str, float]
    notes: list[str] = field(default_factory=list)
    keep: dict[str, int] = field(default_factory=dict)  # paper id -> its previous session
    # papers a session should hold at least: its first `min_per_session` places cost
    # `unfilled` when empty, the others (up to `per_session`) are free: the objective decides
    min_per_session: int = 0

    def topic_cap(self) -> int:
        """Free papers of one topic in one session at most."""
        return 1 if self.policy.one_per_topic else self.per_session


def prepare(
    items: Iterable[Item | tuple[str, str | None, float]],
    sessions: int,
    per_session: int,
    *,
    pins: Mapping[int, Sequence[str]] | None = None,
    before: Iterable[tuple[str, str]] = (),
    policy: str | Policy = "spread",
    targets: Mapping[str, float] | None = None,
    weights: Mapping[str, float] | None = None,
    keep: Mapping[int, Sequence[str]] | None = None,
    min_per_session: int | None = None,
) -> Problem:
    """Check and normalize the input (ValueError for a bad one). `policy`: a Policy, or the
    name of a built-in one. `min_per_session` (default `per_session`): the places of a session
    that cost `unfilled` when empty; the rest, up to `per_session`, are filled only where a
    paper gains."""
    if isinstance(policy, str):
        if policy not in BUILT_IN:
            raise ValueError(
                f"unknown balance policy {policy!r} (choose from {', '.join(BUILT_IN)})"
            )
        policy = BUILT_IN[policy]
    if sessions < 0 or per_session < 1:
        raise ValueError("need sessions >= 0 and per_session >= 1")
    least = per_session if min_per_session is None else min_per_session
    if not 0 <= least <= per_session:
        raise ValueError("need 0 <= min_per_session <= per_session")
    clean: list[Item] = []
    by_id: dict[str, Item] = {}
    for raw in items:
        item = Item(str(raw[0]), None if raw[1] is None else str(raw[1]), float(raw[2]))
        if not math.isfinite(item.score):
            raise ValueError(f"{item.id}: score {item.score} is not a finite number")
        if item.id in by_id:
            raise ValueError(f"{item.id} is a candidate twice")
        by_id[item.id] = item
        clean.append(item)
    notes: list[str] = []

    clean_pins: dict[int, list[str]] = {}
    pinned: dict[str, int] = {}
    for s in sorted(pins or {}):
        for pid in (pins or {})[s]:
            if pid not in by_id or pid in pinned or not 0 <= s < sessions:
                notes.append(
                    f"pin of {pid} to session {s + 1} ignored (not a candidate, "
                    "pinned twice, or no such session)"
                )
                continue
            if len(clean_pins.get(s, [])) >= per_session:
                notes.append(f"pin of {pid} to session {s + 1} ignored: the session is full")
                continue
            clean_pins.setdefault(s, []).append(pid)
            pinned[pid] = s

    pairs: list[tuple[str, str]] = []
    for a, b in before:
        if a == b or a not in by_id or b not in by_id or (a, b) in pairs:
            continue
        if a in pinned and b in pinned and pinned[a] >= pinned[b]:
            notes.append(f"{b} is pinned before {a}: the pins win over the before pair")
            continue
        if b in pinned and pinned[b] == 0:
            notes.append(f"{b} is pinned to the first session: {a} cannot come before it")
            continue
        pairs.append((a, b))

    w = {**DEFAULT_WEIGHTS, **policy.weights}
    known = (*w, "unfilled")
    for name, value in (weights or {}).items():
        if name not in known:
            raise ValueError(f"unknown weight {name!r} (known: {', '.join(known)})")
        if not math.isfinite(value) or value < 0:
            raise ValueError(f"weight {name} must be a number >= 0, not {value}")
        w[name] = float(value)
    kept: dict[str, int] = {}
    for s in sorted(keep or {}):
        for pid in (keep or {})[s]:
            if pid in by_id and pid not in kept and 0 <= s < sessions:
                kept[pid] = s  # a paper no longer a candidate cannot be kept: not counted
    if "unfilled" not in w:
        top = max((abs(it.score) for it in clean), default=0.0)
        # every built-in policy's share counts, whichever plans (the unfilled weight, and so
        # the objective, of earlier versions), and a plugin's policy's own
        extra = [p.unfilled(w) for p in BUILT_IN.values()]
        if policy.name not in BUILT_IN:
            extra.append(policy.unfilled(w))
        # summed in this order, the first (spread's 4 x nearby) with 4 x consecutive: the
        # same float as earlier versions' 1 + 2 top + 4 (consecutive + nearby) + ...
        unfilled = 1 + 2 * top + (4 * w["consecutive"] + extra[0])
        for value in extra[1:]:
            unfilled += value
        w["unfilled"] = unfilled + (2 * w["change"] if kept else 0)

    shares = policy.targets(clean, targets or {})
    return Problem(
        clean,
        by_id,
        sessions,
        per_session,
        clean_pins,
        pinned,
        pairs,
        policy,
        shares,
        w,
        notes,
        kept,
        least,
    )


# -- the objective, computed from a plan (the model, the greedy and the tests agree on it) ----


def evaluate(
    problem: Problem, sessions: Sequence[Sequence[str]]
) -> tuple[dict[str, float], dict[str, float]]:
    """The objective's terms of a plan (they add up to its objective) and what each counts."""
    p, w = problem, problem.weights
    by_id = p.by_id
    score = sum(by_id[pid].score for ids in sessions for pid in ids)
    chosen = sum(len(ids) for ids in sessions)
    present = [{t for pid in ids if (t := by_id[pid].topic) is not None} for ids in sessions]
    consecutive = sum(len(a & b) for a, b in zip(present, present[1:]))
    counts: dict[str, float] = {"score": chosen, "consecutive": consecutive}
    terms: dict[str, float] = {"score": score, "consecutive": -w["consecutive"] * consecutive}
    for name, (n, term) in p.policy.evaluate(p, sessions, present).items():
        counts[name], terms[name] = n, term
    where = {pid: s for s, ids in enumerate(sessions) for pid in ids}
    changed = sum(1 for pid, s in p.keep.items() if where.get(pid) != s)
    counts["change"], terms["change"] = changed, -w["change"] * changed
    empty, cost = 0, 0.0  # a missing session is all empty places
    for s in range(max(p.sessions, len(sessions))):
        n = max(0, p.min_per_session - (len(sessions[s]) if s < len(sessions) else 0))
        empty += n
        cost += n * place_cost(p, s)
    counts["unfilled"], terms["unfilled"] = empty, -cost
    return (
        {name: float(v) + 0.0 for name, v in terms.items()},  # + 0.0: no -0.0
        {name: float(v) + 0.0 for name, v in counts.items()},
    )


def place_cost(problem: Problem, s: int) -> float:
    """What an empty place of session `s` (0-based) costs: U x (S - s), U the `unfilled`
    weight; U for the last session (a session past the last, in a malformed plan, too)."""
    return problem.weights["unfilled"] * max(problem.sessions - s, 1)


def cheapest_empty(problem: Problem, empty: int) -> float:
    """The least that `empty` empty places that count (the first `min_per_session` of a
    session) can cost: those of the last sessions, min of them at U, the next at 2U, ... (a
    lower bound on any plan's unfilled cost)."""
    least = problem.min_per_session
    if least <= 0:
        return 0.0
    full, rest = divmod(max(empty, 0), least)
    return problem.weights["unfilled"] * (least * full * (full + 1) / 2 + rest * (full + 1))


def violations(problem: Problem, sessions: Sequence[Sequence[str]]) -> list[str]:
    """The hard rules a plan breaks, one sentence each (none for a plan of `solve()`)."""
    from paperclub import hardrules

    p = problem
    found = [] if len(sessions) == p.sessions else [f"{len(sessions)} sessions, not {p.sessions}"]
    return found + hardrules.breaches(
        [(f"session {s + 1}", ids) for s, ids in enumerate(sessions)],
        hardrules.Rules(
            most=p.per_session,
            candidates=p.by_id,
            pins={f"session {s + 1}": ids for s, ids in p.pins.items()},
            before=p.before,
            topic=(lambda pid: p.by_id[pid].topic) if p.policy.one_per_topic else None,
            policy=p.policy.name,
        ),
    )


def upper_bound(problem: Problem) -> float:
    """A quick proven upper bound: the best scores a topic can place (S under spread, S x k
    otherwise; every pinned or paired paper too), the best number of them (all that fit,
    unless a small `unfilled` weight makes a place empty pay), no penalty; the places left
    empty cost the least they can (`cheapest_empty`: they are the last ones)."""
    p = problem
    places = p.sessions * p.per_session
    cap = p.sessions * p.topic_cap()
    groups: dict[str | None, list[float]] = {}
    loose: list[float] = []
    paired = _paired(p)
    for it in p.items:
        if it.topic is None or it.id in p.pinned or it.id in paired:
            loose.append(it.score)
        else:
            groups.setdefault(it.topic, []).append(it.score)
    best = list(loose)
    for scores in groups.values():
        best.extend(heapq.nlargest(cap, scores))
    best.sort(reverse=True)
    fill = min(places, len(best))
    required = p.sessions * p.min_per_session  # the places whose emptiness costs
    value, chosen = -cheapest_empty(p, required), 0.0
    for f, score in enumerate(best[:fill], 1):  # the best f papers, the rest empty
        chosen += score
        value = max(value, chosen - cheapest_empty(p, required - f))
    return value


def _move_cost(problem: Problem) -> float:
    """The most that moving one planned paper to an empty place of another session can cost
    (its score goes with it): where it lands, its topic repeats in the two neighbouring
    sessions at most (`consecutive`; `nearby` too under spread), it is one more paper off
    the theme (themed), and it leaves the session it was kept in (`change`); where it
    leaves, no penalty grows, and proportional counts papers, not sessions."""
    w = problem.weights
    cost = 2 * w["consecutive"] + (w["change"] if problem.keep else 0.0)
    return cost + problem.policy.move_cost(w)


def gap(objective: float, bound: float) -> float:
    """(bound - objective) / |bound|, 0 when they meet (infinite without a bound)."""
    if not math.isfinite(bound):
        return math.inf
    if bound - objective <= 1e-9 * max(1.0, abs(bound)):
        return 0.0
    return (bound - objective) / max(abs(bound), 1e-9)


def _paired(problem: Problem) -> set[str]:
    return {pid for pair in problem.before for pid in pair}


def _solution(
    problem: Problem,
    sessions: Sequence[Sequence[str]],
    bound: float,
    status: str,
    solver: str,
    started: float,
    note: str = "",
    limit: str = "",
) -> Solution:
    terms, counts = evaluate(problem, sessions)
    objective = sum(terms.values())
    bound = max(bound, objective)  # a bound below a plan found is a rounding error
    notes = "; ".join([*problem.notes, note] if note else problem.notes)
    return Solution(
        tuple(tuple(ids) for ids in sessions),
        objective,
        bound,
        gap(objective, bound),
        status,
        solver,
        time.perf_counter() - started,
        terms,
        counts,
        notes,
        limit if status != "optimal" else "",
    )


# -- solving -----------------------------------------------------------------------------------


def solve(
    items: Iterable[Item | tuple[str, str | None, float]],
    sessions: int,
    per_session: int,
    *,
    pins: Mapping[int, Sequence[str]] | None = None,
    before: Iterable[tuple[str, str]] = (),
    policy: str | Policy = "spread",
    targets: Mapping[str, float] | None = None,
    weights: Mapping[str, float] | None = None,
    time_limit: float = 10.0,
    keep: Mapping[int, Sequence[str]] | None = None,
    work_limit: int = WORK_LIMIT,
    min_per_session: int | None = None,
) -> Solution:
    """The best plan within `work_limit` (see WORK_LIMIT) and `time_limit` seconds (see the
    module's docstring)."""
    started = time.perf_counter()
    problem = prepare(
        items,
        sessions,
        per_session,
        pins=pins,
        before=before,
        policy=policy,
        targets=targets,
        weights=weights,
        keep=keep,
        min_per_session=min_per_session,
    )
    return solve_problem(problem, time_limit=time_limit, started=started, work_limit=work_limit)


def solve_problem(
    problem: Problem,
    *,
    time_limit: float = 10.0,
    started: float | None = None,
    work_limit: int = WORK_LIMIT,
) -> Solution:
    started = time.perf_counter() if started is None else started
    from paperclub import greedy

    fallback = greedy.assign(problem)
    if problem.sessions == 0:
        return _solution(problem, [], 0.0, "optimal", "none", started)
    try:
        import highspy
    except ImportError:
        return greedy_solution(problem, fallback, started, "highspy is not installed: greedy plan")
    try:
        model = _TopicModel(problem)
        if problem.policy.relaxed_bound:
            # the policy's LP bound is weak (themed: fractional themes): the bound of its
            # relaxation (themed: sessions taken as interchangeable, a small MIP) caps its
            # objective, which often proves the start plan optimal at once
            left = time_limit - (time.perf_counter() - started)
            # its own work limit stops it the same way everywhere; the time, a safety net
            relaxed = _run(model.build_anonymous, highspy, left / 2, work=work_limit)
            model.ceiling = relaxed.bound
            # the relaxation's counts made a plan: often one that reaches its bound
            arranged = _arrange(problem, model, relaxed.values) if relaxed.values else None
            if (
                arranged is not None
                and not violations(problem, arranged)
                and (
                    sum(evaluate(problem, arranged)[0].values())
                    > sum(evaluate(problem, fallback)[0].values()) + 1e-9
                )
            ):
                fallback = arranged
            start = _solution(problem, fallback, model.ceiling, "optimal", relaxed.solver, started)
            if start.gap <= REL_GAP and not violations(problem, fallback):
                # the start plan reaches the bound: nothing to search
                return start
        outcome = _run(
            model.build,
            highspy,
            time_limit - (time.perf_counter() - started),
            lambda width: model.values_of(fallback, width),
            model.ceiling,
            work_limit,
        )
    except Exception as e:  # HiGHS failed: the plan still has to be made
        why = f"HiGHS failed ({type(e).__name__}: {e}): greedy plan"
        return greedy_solution(problem, fallback, started, why)
    if outcome.values is None:
        why = (
            "the pins and before pairs cannot all be met"
            if outcome.infeasible
            else f"no plan within the {outcome.limit or 'time limit'}"
        )
        return greedy_solution(problem, fallback, started, f"{why}: greedy plan")
    plan = model.plan(outcome.values)
    broken = violations(problem, plan)
    if broken:  # never expected: a rounding the model did not see
        why = f"the solver's plan broke a rule ({broken[0]}): greedy plan"
        return greedy_solution(problem, fallback, started, why)
    bound = min(outcome.bound, model.ceiling, upper_bound(problem))
    mine = _solution(
        problem, plan, bound, "feasible", outcome.solver, started, outcome.note, outcome.limit
    )
    if outcome.optimal or mine.gap <= REL_GAP:
        mine = _solution(problem, plan, bound, "optimal", outcome.solver, started)
    theirs, _ = evaluate(problem, fallback)
    if sum(theirs.values()) > mine.objective + 1e-9 and not violations(problem, fallback):
        # the start was better than the end (HiGHS refused it, or a rounding)
        return _solution(
            problem,
            fallback,
            bound,
            "feasible",
            outcome.solver,
            started,
            "the greedy plan was better than the solver's best",
            outcome.limit,
        )
    return mine


def greedy_solution(
    problem: Problem, plan: list[list[str]], started: float, note: str = ""
) -> Solution:
    """A plan of the greedy as a `Solution`: status "greedy", the quick bound of `upper_bound`."""
    return _solution(problem, plan, upper_bound(problem), "greedy", "greedy", started, note)


@dataclass
class _Outcome:
    values: list[float] | None
    bound: float
    optimal: bool
    infeasible: bool
    solver: str
    note: str = ""
    limit: str = ""  # what stopped the search short: "work limit", "time limit" or ""


class _Builder:
    """Columns and rows of a MIP, kept as plain lists until handed to HiGHS."""

    def __init__(self) -> None:
        self.cost: list[float] = []
        self.lower: list[float] = []
        self.upper: list[float] = []
        self.integer: list[int] = []
        self.starts: list[int] = [0]
        self.index: list[int] = []
        self.value: list[float] = []
        self.row_lower: list[float] = []
        self.row_upper: list[float] = []
        self.offset = 0.0

    def var(
        self, cost: float = 0.0, lower: float = 0.0, upper: float = 1.0, integer: bool = False
    ) -> int:
        self.cost.append(cost)
        self.lower.append(lower)
        self.upper.append(upper)
        self.integer.append(1 if integer else 0)
        return len(self.cost) - 1

    def row(
        self, terms: Iterable[tuple[int, float]], lower: float = -math.inf, upper: float = math.inf
    ) -> None:
        merged: dict[int, float] = {}
        for j, a in terms:
            merged[j] = merged.get(j, 0.0) + a
        for j in sorted(merged):
            if merged[j] != 0.0:
                self.index.append(j)
                self.value.append(merged[j])
        self.starts.append(len(self.index))
        self.row_lower.append(lower)
        self.row_upper.append(upper)

    def highs(self, highspy: Any) -> Any:
        import numpy as np

        inf = highspy.kHighsInf
        lp = highspy.HighsLp()
        lp.num_col_ = len(self.cost)
        lp.num_row_ = len(self.row_lower)
        lp.col_cost_ = np.array(self.cost, dtype=np.float64)
        lp.col_lower_ = np.array(self.lower, dtype=np.float64)
        lp.col_upper_ = np.clip(np.array(self.upper, dtype=np.float64), -inf, inf)
        lp.row_lower_ = np.clip(np.array(self.row_lower, dtype=np.float64), -inf, inf)
        lp.row_upper_ = np.clip(np.array(self.row_upper, dtype=np.float64), -inf, inf)
        lp.offset_ = self.offset
        lp.sense_ = highspy.ObjSense.kMaximize
        lp.a_matrix_.format_ = highspy.MatrixFormat.kRowwise
        lp.a_matrix_.num_col_ = lp.num_col_
        lp.a_matrix_.num_row_ = lp.num_row_
        lp.a_matrix_.start_ = np.array(self.starts, dtype=np.int32)
        lp.a_matrix_.index_ = np.array(self.index, dtype=np.int32)
        lp.a_matrix_.value_ = np.array(self.value, dtype=np.float64)
        kinds = highspy.HighsVarType
        lp.integrality_ = [kinds.kInteger if i else kinds.kContinuous for i in self.integer]
        return lp


def _run(
    build: Callable[[_Builder], None],
    highspy: Any,
    seconds: float,
    start: Callable[[int], list[float]] | None = None,
    ceiling: float = math.inf,
    work: int = WORK_LIMIT,
) -> _Outcome:
    """Build with `build(builder)`, solve with HiGHS for at most `seconds` and `work` units
    of its progress reports (WORK_LIMIT) from the plan `start(number of columns)` returns, when
    given, and report. `ceiling` is a bound proven elsewhere: a plan that reaches it is
    optimal, and the solve stops there."""
    builder = _Builder()
    build(builder)
    h = _new_highs(highspy)
    for name, value in (
        ("output_flag", False),
        ("threads", 1),
        ("random_seed", 0),
        ("mip_rel_gap", REL_GAP),
        ("mip_abs_gap", 1e-7),
        ("time_limit", max(float(seconds), 0.0)),
    ):
        h.setOptionValue(name, value)
    h.passModel(builder.highs(highspy))
    if start is not None:
        sol = highspy.HighsSolution()
        sol.col_value = start(len(builder.cost))
        sol.value_valid = True
        h.setSolution(sol)
    name = "highs " + ".".join(
        str(getattr(highspy, f"HIGHS_VERSION_{p}", "?")) for p in ("MAJOR", "MINOR", "PATCH")
    )
    if seconds <= 0:
        # no time left to solve: the start plan, if HiGHS took it, is all there is
        return _Outcome(None, math.inf, False, False, name)
    root = max(1, len(builder.value) // ROOT_NONZEROS)  # the work of a report at the root
    capped = math.isfinite(ceiling)
    enough = ceiling - REL_GAP * max(1.0, abs(ceiling)) if capped else math.inf
    reports = [0]
    worked = [False]

    def progress(event: Any) -> None:
        """HiGHS reports at fixed points of its search: a count of them is a work limit."""
        reports[0] += root if event.data_out.mip_node_count <= 0 else 1
        if capped and event.data_out.objective_function_value >= enough:
            event.interrupt()
        elif reports[0] >= work:
            worked[0] = True
            event.interrupt()

    try:
        h.cbMipInterrupt.subscribe(progress)
    except AttributeError:  # an older highspy (1.7) has no callbacks: the time limit only
        pass
    h.run()
    status = h.getModelStatus()
    info = h.getInfo()
    statuses = highspy.HighsModelStatus
    infeasible = status == statuses.kInfeasible
    has_plan = info.primal_solution_status == highspy.kSolutionStatusFeasible
    values = list(h.getSolution().col_value) if has_plan and not infeasible else None
    bound = info.mip_dual_bound if math.isfinite(info.mip_dual_bound) else math.inf
    bound = min(bound, ceiling)
    optimal = status == statuses.kOptimal or (
        values is not None
        and info.objective_function_value >= bound - REL_GAP * max(1.0, abs(bound))
    )
    limit = ""
    if not optimal and worked[0] and status == statuses.kInterrupt:
        limit = "work limit"
    elif not optimal and status == statuses.kTimeLimit:
        limit = "time limit"
    note = (
        ""
        if optimal or values is None
        else f"stopped: {limit or h.modelStatusToString(status)}"
        + (
            " (the best plan found in time: another run may find another)"
            if limit == "time limit"
            else ""
        )
    )
    return _Outcome(values, bound, optimal, infeasible, name, note, limit)


class _TopicModel:
    """The aggregated model of the module's docstring, and the way back to a plan."""

    def __init__(self, problem: Problem):
        p = self.p = problem
        paired = _paired(p)
        self.individual = sorted(
            pid for pid in p.by_id if pid in paired or pid in p.pinned or pid in p.keep
        )
        single = set(self.individual)
        free: dict[str | None, list[Item]] = {}
        for it in p.items:
            if it.id not in single:
                free.setdefault(it.topic, []).append(it)
        keep: dict[str | None, int] = {None: p.sessions * p.per_session}
        # the pruning (see the docstring): no topic can hold more places than this
        cap = p.sessions * p.topic_cap()
        order = sorted(free, key=lambda g: (g is None, g or ""))  # not the input's order
        self.free = {g: heapq.nsmallest(keep.get(g, cap), free[g], key=_rank) for g in order}
        topics = {it.topic for it in p.items if it.topic is not None}
        self.topics = sorted(topics)
        self.ind_of: dict[str | None, list[str]] = {}
        for pid in self.individual:
            self.ind_of.setdefault(p.by_id[pid].topic, []).append(pid)
        self.ceiling = math.inf  # a proven bound on the objective, added as a row when finite
        self.relaxed: dict[str | None, int] = {}  # group -> its count's column (Policy.relax)

    def build_anonymous(self, m: _Builder) -> None:
        """The policy's relaxation (`Policy.relax`; themed: sessions interchangeable)."""
        self.p.policy.relax(self, m)

    # -- building ----------------------------------------------------------------------------

    def build(self, m: _Builder) -> None:
        p, w = self.p, self.p.weights
        S, k = p.sessions, p.per_session
        spread = p.policy.one_per_topic
        self.y: dict[tuple[str, int], int] = {}
        self.n: dict[tuple[str | None, int], int] = {}
        self.x: dict[tuple[str, int], int] = {}
        self.u: dict[tuple[str | None, int], int] = {}
        self.short: list[int] = []
        self.spare: list[int] = []  # the empty places beyond min_per_session (free)
        self.z1: dict[tuple[str, int], int] = {}
        self.vars: dict[str, Any] = {}  # the policy's columns (Policy.penalties)

        change = w["change"]
        m.offset -= change * len(p.keep)  # the change term: minus change per paper not kept
        for pid in self.individual:
            score = p.by_id[pid].score
            kept = p.keep.get(pid)
            if pid in p.pinned:
                s = p.pinned[pid]
                self.x[pid, s] = m.var(
                    score + (change if kept == s else 0.0), 1.0, 1.0, integer=True
                )
            else:
                for s in range(S):
                    bonus = change if kept == s else 0.0
                    self.x[pid, s] = m.var(score + bonus, 0.0, 1.0, integer=True)
                m.row(((self.x[pid, s], 1.0) for s in range(S)), upper=1.0)

        def count(g: str | None, s: int) -> list[tuple[int, float]]:
            """The papers of group g in session s, as terms of a row."""
            terms = [(self.n[g, s], 1.0)] if (g, s) in self.n else []
            return terms + [
                (self.x[pid, s], 1.0) for pid in self.ind_of.get(g, ()) if (pid, s) in self.x
            ]

        for t in self.topics:
            alias = spread and not self.ind_of.get(t) and self.free.get(t)
            for s in range(S):
                y = self.y[t, s] = m.var(integer=True)
                if alias:
                    self.n[t, s] = y
                    continue
                if self.free.get(t):
                    self.n[t, s] = m.var(0.0, 0.0, min(p.topic_cap(), len(self.free[t])), True)
                forced = sum(1 for pid in p.pins.get(s, ()) if p.by_id[pid].topic == t)
                cap = max(1, forced) if spread else k
                m.row([*count(t, s), (y, -float(cap))], upper=0.0)
                m.row([*count(t, s), (y, -1.0)], lower=0.0)  # y only where the topic is
        if self.free.get(None):
            for s in range(S):
                self.n[None, s] = m.var(0.0, 0.0, min(k, len(self.free[None])), True)

        for g, items in self.free.items():
            if not items:
                continue
            us = [m.var(it.score, 0.0, 1.0) for it in items]
            for i, j in enumerate(us):
                self.u[g, i] = j
            m.row([*((j, 1.0) for j in us), *((self.n[g, s], -1.0) for s in range(S))], 0.0, 0.0)

        back = p.policy.empty_place(w)
        least = p.min_per_session
        for s in range(S):
            self.short.append(m.var(-place_cost(p, s) + back, 0.0, float(least)))
            spare = []
            if least < k:
                self.spare.append(m.var(back, 0.0, float(k - least)))
                spare = [(self.spare[s], 1.0)]
            groups = [*self.topics, None]
            m.row(
                [*(term for g in groups for term in count(g, s)), (self.short[s], 1.0), *spare],
                float(k),
                float(k),
            )

        for a, b in p.before:
            for s in range(S):
                if (b, s) not in self.x:
                    continue
                earlier = [(self.x[a, r], -1.0) for r in range(s) if (a, r) in self.x]
                m.row([(self.x[b, s], 1.0), *earlier], upper=0.0)

        self._penalties(m, count)

    def _penalties(self, m: _Builder, count: Any) -> None:
        p, w = self.p, self.p.weights
        S = p.sessions
        self.sizes = {
            t: len(self.free.get(t, ())) + len(self.ind_of.get(t, ())) for t in self.topics
        }
        if w["consecutive"] > 0:
            for t in self.topics:
                if self.sizes[t] < 2 and p.policy.one_per_topic:
                    continue  # one paper cannot repeat
                for s in range(S - 1):
                    z = self.z1[t, s] = m.var(-w["consecutive"], 0.0, 1.0)
                    m.row([(self.y[t, s], 1.0), (self.y[t, s + 1], 1.0), (z, -1.0)], upper=1.0)
        p.policy.penalties(self, m, count)

    # -- a plan as values (the MIP start), and values as a plan -------------------------------

    def values_of(self, plan: list[list[str]], width: int) -> list[float]:
        p, k = self.p, self.p.per_session
        v = [0.0] * width
        rank = {g: {it.id: i for i, it in enumerate(items)} for g, items in self.free.items()}
        counts: dict[tuple[str | None, int], int] = {}
        free_n: dict[str | None, int] = {}
        for s, ids in enumerate(plan):
            for pid in ids:
                if (pid, s) in self.x:
                    v[self.x[pid, s]] = 1.0
                g = p.by_id[pid].topic
                counts[g, s] = counts.get((g, s), 0) + 1
                if pid in rank.get(g, {}):
                    if (g, s) in self.n:
                        v[self.n[g, s]] += 1.0
                    free_n[g] = free_n.get(g, 0) + 1
            v[self.short[s]] = float(max(0, p.min_per_session - len(ids)))
            if self.spare:
                v[self.spare[s]] = float(k - len(ids)) - v[self.short[s]]
        for (t, s), j in self.y.items():
            v[j] = 1.0 if counts.get((t, s)) else 0.0
        for g, n in free_n.items():
            for i in range(n):
                v[self.u[g, i]] = 1.0
        for (t, s), j in self.z1.items():
            v[j] = max(0.0, v[self.y[t, s]] + v[self.y[t, s + 1]] - 1)
        p.policy.start(self, plan, counts, v)
        return v

    def plan(self, values: list[float]) -> list[list[str]]:
        p = self.p
        S = p.sessions
        plan: list[list[str]] = [[] for _ in range(S)]
        for (pid, s), j in self.x.items():
            if values[j] > 0.5:
                plan[s].append(pid)
        for g, items in self.free.items():
            places = [(s, round(values[self.n[g, s]])) for s in range(S) if (g, s) in self.n]
            queue = iter(items)
            for s, n in places:
                for _ in range(n):
                    plan[s].append(next(queue).id)
        pinned = p.pinned
        for s in range(S):
            plan[s].sort(key=lambda pid: (pid not in pinned, -p.by_id[pid].score, pid))
        return plan


def _rank(item: Item) -> tuple[float, str]:
    return (-item.score, item.id)


def _arrange(problem: Problem, model: _TopicModel, values: list[float]) -> list[list[str]] | None:
    """A plan of the relaxation's counts (`Policy.relax` keeps their columns in
    `model.relaxed`): each group's best papers, the ones the relaxation's value counts (its
    pinned and paired ones first); a topic's papers packed k to a session, so that it sits
    in as few sessions as it can, and what is left of each topic together, largest first,
    into the places left; then the sessions in order: pinned ones at their place, fullest
    first (sessions fill from the first), a before pair's second paper after its first, and
    no topic in two sessions in a row where the order allows (the session whose topic has
    the most sessions left goes first, so one topic's sessions alternate with the others').
    None when the counts cannot make a plan so. Its objective, when it reaches the
    relaxation's bound, is the optimum; else it is a start for the model."""
    p = problem
    S, k = p.sessions, p.per_session
    special = set(p.pinned) | _paired(p)
    by_group: dict[str | None, list[Item]] = {}
    for it in p.items:
        by_group.setdefault(it.topic, []).append(it)
    chosen: dict[str | None, list[Item]] = {}
    for g, col in model.relaxed.items():
        n = round(values[col])
        items = sorted(
            by_group.get(g, ()),
            key=lambda it: (it.id not in p.pinned, it.id not in special, _rank(it)),
        )
        must = sum(1 for it in items if it.id in p.pinned)
        if n < must:
            return None
        if n:
            chosen[g] = sorted(items[:n], key=_rank)
    if sum(len(v) for v in chosen.values()) > S * k:
        return None
    sessions: list[list[Item]] = []
    rest: list[list[Item]] = []
    for g in sorted(chosen, key=lambda g: (g is None, -len(chosen[g]), g or "")):
        papers = chosen[g]
        if g is None:  # no topic: each its own, placed where room is left
            rest += [[it] for it in papers]
            continue
        full = len(papers) // k * k
        sessions += [papers[i : i + k] for i in range(0, full, k)]
        if full < len(papers):
            rest.append(papers[full:])
    open_: list[list[Item]] = []
    for piece in sorted(rest, key=lambda piece: -len(piece)):  # stable: ties keep their order
        room = next((c for c in open_ if len(c) + len(piece) <= k), None)
        if room is None and len(sessions) + len(open_) < S:
            room = []
            open_.append(room)
        if room is None:  # no session left to open: split the piece over the places left
            for it in piece:
                target = next((c for c in open_ if len(c) < k), None)
                if target is None:
                    return None
                target.append(it)
        else:
            room.extend(piece)
    sessions += open_
    if len(sessions) > S:
        return None
    sessions += [[] for _ in range(S - len(sessions))]
    where = {it.id: i for i, c in enumerate(sessions) for it in c}
    position: dict[int, int] = {}  # session -> its place, for the pinned ones
    for pid, s in p.pinned.items():
        i = where.get(pid, -1)
        if i < 0:
            return None
        if position.get(i, s) != s:
            return None
        position[i] = s
    if len(set(position.values())) < len(position):
        return None
    needs: dict[int, set[int]] = {}
    for a, b in p.before:
        if b in where:
            if a not in where or where[a] == where[b]:
                return None
            needs.setdefault(where[b], set()).add(where[a])
    topics = [{t for it in c if (t := it.topic) is not None} for c in sessions]
    left: dict[str, int] = {}
    for ts in topics:
        for t in ts:
            left[t] = left.get(t, 0) + 1
    at: list[int | None] = [None] * S
    for i, s in position.items():
        at[s] = i
    free = [i for i in range(len(sessions)) if i not in position]
    done: set[int] = set()
    for s in range(S):
        placed = at[s]
        if placed is None:
            options = [i for i in free if i not in done and needs.get(i, set()) <= done]
            if not options:
                return None
            most = max(len(sessions[i]) for i in options)
            before = at[s - 1] if s else None
            after = at[s + 1] if s + 1 < S else None
            near = (topics[before] if before is not None else set()) | (
                topics[after] if after is not None else set()
            )
            placed = at[s] = min(
                (i for i in options if len(sessions[i]) == most),
                key=lambda i: (
                    bool(topics[i] & near),
                    -max((left[t] for t in topics[i]), default=0),
                    i,
                ),
            )
        done.add(placed)
        for t in topics[placed]:
            left[t] -= 1
    plan = [[it.id for it in sessions[i]] for i in at if i is not None]
    for ids in plan:
        ids.sort(key=lambda pid: (pid not in p.pinned, -p.by_id[pid].score, pid))
    return plan
