"""A quick plan, session by session: the fallback of `solver.solve()` and the benchmark's
baseline. Pure: no hooks, no I/O, no solver.

Pins go to their sessions first. Then each free place takes the paper that adds most to the
objective of `solver.evaluate()` right now (a place beyond `min_per_session` only when that
gain is positive): its score, minus the penalties it brings given
the sessions already planned (a topic of the previous session: `consecutive`; of the one
before (spread): `nearby`; under proportional, the change in deviation from the targets;
under themed, a paper off the session's theme). The hard rules of `solver` always hold:
never two papers of one topic in a session under spread (a paper without a topic is its own
topic), `before` pairs in order, pins in place. A place stays empty only when no candidate
may take it, and each session is filled before the next is planned: sessions fill from the
first, so when there are fewer papers than places the last sessions are the empty ones (as
in the optimum, whose `unfilled` cost is higher the earlier the empty place), unless pins,
`before` pairs or the spread rule force a gap. Ties go to the higher score, then the
smaller paper id. When re-planning, a paper of the previous plan gains `change` in its
previous session and loses it elsewhere (taking it there would cost its own session a
change later).

Only the best unused paper of each topic can be the best choice for a place, so each place
looks at one paper per topic (and at the pinned or paired papers): fast for any catalog.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping, Sequence

from paperclub.policies import Place, Policy
from paperclub.solver import Item, Problem, Solution, greedy_solution, prepare


def plan(
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
) -> Solution:
    """The greedy plan, as a `Solution` with status "greedy" and a quick proven bound; the
    arguments are those of `solver.solve()`."""
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
    return plan_problem(problem, started)


def plan_problem(problem: Problem, started: float | None = None) -> Solution:
    started = time.perf_counter() if started is None else started
    return greedy_solution(problem, assign(problem), started)


def assign(problem: Problem) -> list[list[str]]:
    """One list of paper ids per session, planned in session order: each session takes
    papers until it is full or no candidate may take a place, so the empty places are the
    last ones unless a pin, a `before` pair or the spread rule leaves an earlier one empty."""
    p, w = problem, problem.weights
    S, k = p.sessions, p.per_session
    paired = {pid for pair in p.before for pid in pair} | set(p.keep)
    needs: dict[str, list[str]] = {}
    for a, b in p.before:
        needs.setdefault(b, []).append(a)
    # the free papers of each topic, best first; a paper without a topic is a group of its own
    # kind: many of them may share a session
    queues: dict[str | None, list[Item]] = {}
    for it in sorted(p.items, key=lambda it: (-it.score, it.id)):
        if it.id not in p.pinned and it.id not in paired:
            queues.setdefault(it.topic, []).append(it)
    heads = {g: 0 for g in queues}
    loose = sorted(
        (p.by_id[pid] for pid in paired if pid not in p.pinned), key=lambda it: (-it.score, it.id)
    )
    used: set[str] = set()
    placed_in: dict[str, int] = {}

    one_per_topic = p.policy.one_per_topic
    tracker = p.policy.tracker(p, min(S * k, len(p.items)))
    present: list[set[str]] = []
    plan: list[list[str]] = []
    for s in range(S):
        chosen = list(p.pins.get(s, []))
        per: dict[str | None, int] = {}
        for pid in chosen:
            used.add(pid)
            placed_in[pid] = s
            topic = p.by_id[pid].topic
            per[topic] = per.get(topic, 0) + 1
            tracker.placed(p.by_id[pid])
        previous = present[s - 1] if s >= 1 else set()
        place = Place(s, chosen, per, present)

        def gain(
            it: Item,
            s: int = s,
            per: dict[str | None, int] = per,
            previous: set[str] = previous,
            place: Place = place,
        ) -> float:
            g = it.score
            if it.id in p.keep:
                g += w["change"] if p.keep[it.id] == s else -w["change"]
            t = it.topic
            if t is not None and not per.get(t) and t in previous:
                g -= w["consecutive"]
            return g + tracker.gain(it, place)  # the policy's terms

        # a paper that must come before a paper pinned to the next session: its last chance
        due = sorted(
            a
            for a, b in p.before
            if p.pinned.get(b) == s + 1
            and a not in used
            and a not in p.pinned
            and all(placed_in.get(x, s) < s for x in needs.get(a, ()))
        )
        for pid in due:
            topic = p.by_id[pid].topic
            if len(chosen) < k and not (one_per_topic and topic is not None and per.get(topic)):
                chosen.append(pid)
                used.add(pid)
                placed_in[pid] = s
                per[topic] = per.get(topic, 0) + 1
                tracker.placed(p.by_id[pid])
        while len(chosen) < k:
            options: list[Item] = []
            for g, queue in queues.items():
                i = heads[g]
                while i < len(queue) and queue[i].id in used:
                    i += 1
                heads[g] = i
                if i < len(queue):
                    options.append(queue[i])
            options += [
                it
                for it in loose
                if it.id not in used and all(placed_in.get(a, s) < s for a in needs.get(it.id, ()))
            ]
            if one_per_topic:
                options = [it for it in options if it.topic is None or not per.get(it.topic)]
            if not options:
                break
            best = min(options, key=lambda it: (-round(gain(it), 12), -it.score, it.id))
            if len(chosen) >= p.min_per_session and round(gain(best), 12) <= 0:
                break  # a place beyond the minimum is free: taken only by a paper that gains
            chosen.append(best.id)
            used.add(best.id)
            placed_in[best.id] = s
            per[best.topic] = per.get(best.topic, 0) + 1
            tracker.placed(best)
        present.append({t for t in per if t is not None})
        plan.append(chosen)
    return plan
