"""The built-in planner: the exact optimizer of `paperclub.solver` (HiGHS), with the greedy
plan as its fallback.

The group's settings it reads: `meetings.papers_per_session` (a number, or min and max); `pins` (by the date of each
session); `before`; `balance_policy`; `balance_targets` (topic -> share, for proportional;
read when the Group has it); and from `selection.weights` the penalty weights
`consecutive`, `nearby`, `proportional`, `themed`, `change`, `unfilled` (see
`paperclub.solver`); and `time_limit` (`selection.time_limit`, seconds, default 10). Other
weights (popularity, recency, ...) are the scoring's.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from paperclub.hookspecs import hookimpl

if TYPE_CHECKING:
    from paperclub.models import Candidate, Group, Slot
    from paperclub.solver import Problem, Solution

TIME_LIMIT = 10.0  # seconds, unless selection.time_limit says otherwise


class PlannedSessions(list):
    """What the hook returns: the list of lists of paper ids the hook asks for, carrying the
    `Solution` it came from (objective, terms, bound, gap, status) for the explanations.
    Read it with `getattr(chosen, "solution", None)`: a plan from another plugin has none."""

    def __init__(self, solution: Solution):
        super().__init__(solution.lists())
        self.solution = solution


def problem_for(
    candidates: Sequence[Candidate],
    sessions: Sequence[Slot],
    group: Group,
    previous: Mapping[str, Sequence[str]] | None = None,
) -> Problem:
    """The solver's Problem for the group's sessions. `previous`: session id -> the papers the
    previous plan had there, kept unless a change gains more than `selection.weights.change`."""
    from paperclub import policies, solver

    items = [solver.Item(c.id, c.balanced, c.score) for c in candidates]
    index = {slot.start.date(): i for i, slot in enumerate(sessions)}
    pins: dict[int, list[str]] = {}
    for day, pinned in sorted(group.pins.items()):
        if day in index:
            pins.setdefault(index[day], []).extend(pinned)
    policy = policies.of(group)
    known = {*solver.WEIGHT_NAMES, *policy.weights}
    weights = {k: v for k, v in group.weights.items() if k in known}
    return solver.prepare(
        items,
        len(sessions),
        group.meetings.papers_per_session,
        pins=pins,
        before=group.before,
        policy=policy,
        targets=group.balance_targets or None,
        weights=weights,
        min_per_session=group.meetings.min_papers_per_session,
        keep={
            i: list(previous[slot.id])
            for i, slot in enumerate(sessions)
            if previous and previous.get(slot.id)
        },
    )


def solve_for(
    candidates: Sequence[Candidate],
    sessions: Sequence[Slot],
    group: Group,
    previous: Mapping[str, Sequence[str]] | None = None,
) -> Solution:
    """The optimizer's Solution (pure: the same input, the same plan)."""
    from paperclub import solver

    started = time.perf_counter()
    problem = problem_for(candidates, sessions, group, previous)
    limit = group.time_limit if group.time_limit is not None else TIME_LIMIT
    return solver.solve_problem(problem, started=started, time_limit=limit)


@hookimpl(trylast=True)
def paperclub_plan_sessions(
    candidates: Sequence[Candidate],
    sessions: Sequence[Slot],
    group: Group,
    previous: Mapping[str, Sequence[str]],
) -> list[list[str]]:
    return PlannedSessions(solve_for(candidates, sessions, group, previous))
