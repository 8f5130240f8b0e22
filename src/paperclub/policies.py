"""The balance policies: how a plan spreads its topics over the sessions (`balance.policy`).

A policy is one object: its name, its terms of the objective and their default weights, how
it evaluates a plan, its part of the greedy's gain, and what it adds to the optimizer's
model. The core (`solver`, `greedy`, `config`, the rule checks) asks the policy and never
its name, so a new policy is one class in one file, registered by a plugin with the hook
`paperclub_register_policies` (docs/plugins.md). The three built-in ones are here:

- `spread`: never two papers of one topic in a session (a hard rule, pins excepted), and a
  topic in sessions s and s + 2 costs `nearby`;
- `proportional`: each topic's share of the papers planned follows `balance.targets`;
- `themed`: a session has a theme, the topic with most papers there; each paper off it
  costs `themed`.

The terms every policy has (`score`, `consecutive`, `change`, `unfilled`) are the core's:
see `paperclub.solver`.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from paperclub.models import Group
    from paperclub.solver import Item, Problem, _Builder, _TopicModel

OTHERS = "(other topics)"  # the proportional bucket of every topic without a target
# A model's papers of group g (a topic, or None) in session s, as terms of a row.
Count = Callable[[Any, int], list[tuple[int, float]]]


class Place:
    """The session the greedy is filling: its index `s`, the papers `chosen` so far, `per`
    (topic -> papers of it there; None for papers without a topic) and `present` (the topics
    of each earlier session)."""

    def __init__(
        self, s: int, chosen: list[str], per: dict[str | None, int], present: list[set[str]]
    ):
        self.s, self.chosen, self.per, self.present = s, chosen, per, present


class Tracker:
    """A policy's part of the greedy's gain, and what it follows as papers are placed (one
    per greedy run: `Policy.tracker`)."""

    def gain(self, item: Item, place: Place) -> float:
        """What placing `item` in `place` adds to the policy's terms (a penalty: negative)."""
        return 0.0

    def placed(self, item: Item) -> None:
        """`item` is now planned (pinned, or chosen by the greedy)."""


class Policy:
    """A balance policy. Subclass it, override what the policy changes, and register an
    instance (see `paperclub_register_policies`); the defaults are a policy with no term of
    its own (only the core's `consecutive`)."""

    name: str = ""  # what balance.policy says
    description: str = ""  # one line, for the docs and error messages
    # its penalties: the selection.weights keys it reads, with their defaults
    weights: Mapping[str, float] = {}
    terms: tuple[str, ...] = ()  # its terms in Solution.terms, in the order reported
    one_per_topic = False  # a hard rule: one paper of a topic per session (pins excepted)
    needs_targets = False  # balance.targets is required
    relaxed_bound = False  # `relax` builds a model whose bound caps the policy's (see solver)

    def targets(self, items: Sequence[Item], given: Mapping[str, float]) -> dict[str, float]:
        """`Problem.targets` from `balance.targets` (ValueError for bad ones): none unless
        the policy reads them."""
        return {}

    def evaluate(
        self, problem: Problem, sessions: Sequence[Sequence[str]], present: list[set[str]]
    ) -> dict[str, tuple[float, float]]:
        """Its terms of a plan: name -> (what it counts, its value, a penalty negative).
        `present` holds the topics of each session."""
        return {}

    def tracker(self, problem: Problem, places: int) -> Tracker:
        """The greedy's helper for one plan of `places` papers at most."""
        return Tracker()

    def move_cost(self, weights: Mapping[str, float]) -> float:
        """The most its terms can lose when one paper moves to an empty place of another
        session (beyond the core's `consecutive` and `change`)."""
        return 0.0

    def unfilled(self, weights: Mapping[str, float]) -> float:
        """What it adds to the default `unfilled` weight: more than one empty place can gain
        under its terms."""
        return 0.0

    def empty_place(self, weights: Mapping[str, float]) -> float:
        """What the model's empty place gives back (themed counts every place as off the
        theme and gives it back when the place is empty)."""
        return 0.0

    def penalties(self, model: _TopicModel, m: _Builder, count: Count) -> None:
        """Add its terms to the optimizer's model (after the core's `consecutive`): columns
        with their costs and the rows that tie them to `model.y[t, s]` (topic t in session
        s) and `count(g, s)`. Keep its columns in `model.vars[self.name]` for `start`."""

    def start(
        self,
        model: _TopicModel,
        plan: Sequence[Sequence[str]],
        counts: Mapping[tuple[str | None, int], int],
        values: list[float],
    ) -> None:
        """Set its columns in `values`, the MIP start from `plan` (`counts`: papers of each
        topic in each session)."""

    def relax(self, model: _TopicModel, m: _Builder) -> None:
        """When `relaxed_bound`: a model whose bound is a proven bound of the policy's. Its
        columns of how many papers of each group to plan (`_relaxed_group`, kept in
        `model.relaxed`) let the solver make a plan of its answer (`solver._arrange`)."""
        raise NotImplementedError


def _relaxed_group(model: _TopicModel, m: _Builder, g: str | None, items: list[Item]) -> int:
    """The relaxation's column of how many papers of group `g` are planned, worth the best
    that many scores (the concave value of the model's docstring); kept in `model.relaxed`
    for `solver._arrange`, which makes a plan of the counts."""
    from paperclub.solver import _rank

    p = model.p
    best = heapq.nsmallest(p.sessions * p.per_session, items, key=_rank)
    us = [m.var(it.score, 0.0, 1.0) for it in best]
    n = m.var(0.0, 0.0, float(len(best)), integer=True)
    m.row([*((j, 1.0) for j in us), (n, -1.0)], 0.0, 0.0)
    model.relaxed[g] = n
    return n


def _relaxed_empty(model: _TopicModel, m: _Builder, back: float) -> list[int]:
    """The relaxation's empty places, cheapest first: min_per_session at U (the last
    session's), the next at 2U, ... (a concave cost: the LP takes them in order), and the
    places beyond min_per_session, free; each gives back `back` (themed's)."""
    p, w = model.p, model.p.weights
    S, k, least = p.sessions, p.per_session, p.min_per_session
    empty = [m.var(-w["unfilled"] * (i + 1) + back, 0.0, float(least)) for i in range(S)]
    if least < k:
        empty.append(m.var(back, 0.0, float(S * (k - least))))
    return empty


def _groups(items: Sequence[Item]) -> tuple[list[str | None], dict[str | None, list[Item]]]:
    """The candidates by topic (None: no topic), and the groups in a fixed order."""
    groups: dict[str | None, list[Item]] = {}
    for it in items:
        groups.setdefault(it.topic, []).append(it)
    return sorted(groups, key=lambda g: (g is None, g or "")), groups


# -- spread -----------------------------------------------------------------------------------


class _SpreadTracker(Tracker):
    def __init__(self, weights: Mapping[str, float]):
        self.nearby = weights["nearby"]

    def gain(self, item: Item, place: Place) -> float:
        t = item.topic
        if (
            t is not None
            and not place.per.get(t)
            and place.s >= 2
            and t in place.present[place.s - 2]
        ):
            return -self.nearby
        return 0.0


class Spread(Policy):
    name = "spread"
    description = "one paper of a topic per session, topics spaced over the term"
    weights = {"nearby": 0.5}
    terms = ("nearby",)
    one_per_topic = True

    def evaluate(
        self, problem: Problem, sessions: Sequence[Sequence[str]], present: list[set[str]]
    ) -> dict[str, tuple[float, float]]:
        nearby = sum(len(a & b) for a, b in zip(present, present[2:]))
        return {"nearby": (nearby, -problem.weights["nearby"] * nearby)}

    def tracker(self, problem: Problem, places: int) -> Tracker:
        return _SpreadTracker(problem.weights)

    def move_cost(self, weights: Mapping[str, float]) -> float:
        return 2 * weights["nearby"]

    def unfilled(self, weights: Mapping[str, float]) -> float:
        return 4 * weights["nearby"]

    def penalties(self, model: _TopicModel, m: _Builder, count: Count) -> None:
        p, w = model.p, model.p.weights
        if w["nearby"] <= 0:
            return
        z2 = model.vars[self.name] = {}
        for t in model.topics:
            if model.sizes[t] < 2:
                continue
            for s in range(p.sessions - 2):
                z = z2[t, s] = m.var(-w["nearby"], 0.0, 1.0)
                m.row([(model.y[t, s], 1.0), (model.y[t, s + 2], 1.0), (z, -1.0)], upper=1.0)
                if (t, s) in model.z1:  # a valid cut: three in a row pay at least twice
                    m.row(
                        [(model.y[t, s + d], 1.0) for d in range(3)]
                        + [(model.z1[t, s], -1.0), (model.z1[t, s + 1], -1.0), (z, -1.0)],
                        upper=1.0,
                    )

    def start(
        self,
        model: _TopicModel,
        plan: Sequence[Sequence[str]],
        counts: Mapping[tuple[str | None, int], int],
        values: list[float],
    ) -> None:
        for (t, s), j in model.vars.get(self.name, {}).items():
            values[j] = max(0.0, values[model.y[t, s]] + values[model.y[t, s + 2]] - 1)


# -- proportional -----------------------------------------------------------------------------


class _ProportionalTracker(Tracker):
    def __init__(self, problem: Problem, places: int):
        self.targets = problem.targets
        self.weight = problem.weights["proportional"]
        self.target = {g: share * places for g, share in problem.targets.items()}
        self.have: dict[str, int] = {g: 0 for g in problem.targets}

    def bucket(self, topic: str | None) -> str:
        return topic if topic is not None and topic in self.targets else OTHERS

    def gain(self, item: Item, place: Place) -> float:
        if not self.targets:
            return 0.0
        b = self.bucket(item.topic)
        n = self.have.get(b, 0)
        target = self.target.get(b, 0.0)
        return -(self.weight * (abs(n + 1 - target) - abs(n - target)))

    def placed(self, item: Item) -> None:
        if self.targets:
            b = self.bucket(item.topic)
            self.have[b] = self.have.get(b, 0) + 1


class Proportional(Policy):
    name = "proportional"
    description = "each topic's share of the papers follows balance.targets"
    weights = {"proportional": 2.0}
    terms = ("proportional",)
    needs_targets = True
    relaxed_bound = True

    def targets(self, items: Sequence[Item], given: Mapping[str, float]) -> dict[str, float]:
        shares = {str(t): float(v) for t, v in given.items() if t != OTHERS}
        if any(not math.isfinite(v) or v < 0 for v in shares.values()):
            raise ValueError("target shares must be numbers >= 0")
        if not shares or sum(shares.values()) <= 0:
            topics = sorted({it.topic for it in items if it.topic is not None})
            shares = {t: 1.0 / len(topics) for t in topics} if topics else {}
        total = sum(shares.values())
        scale = 1.0 / total if total > 1 else 1.0
        result = {t: v * scale for t, v in sorted(shares.items())}
        result[OTHERS] = max(0.0, 1.0 - sum(result.values()))
        return result

    def evaluate(
        self, problem: Problem, sessions: Sequence[Sequence[str]], present: list[set[str]]
    ) -> dict[str, tuple[float, float]]:
        by_id, targets = problem.by_id, problem.targets
        chosen = sum(len(ids) for ids in sessions)
        have: dict[str, int] = {}
        for ids in sessions:
            for pid in ids:
                topic = by_id[pid].topic
                key = topic if topic in targets and topic != OTHERS else OTHERS
                have[key] = have.get(key, 0) + 1
        deviation = sum(abs(have.get(g, 0) - share * chosen) for g, share in targets.items())
        return {"proportional": (deviation, -problem.weights["proportional"] * deviation)}

    def tracker(self, problem: Problem, places: int) -> Tracker:
        return _ProportionalTracker(problem, places)

    def unfilled(self, weights: Mapping[str, float]) -> float:
        return 2 * weights["proportional"]

    def _members(self, model: _TopicModel, g: str) -> list[str | None]:
        if g == OTHERS:
            return [t for t in (*model.topics, None) if t not in model.p.targets]
        return [g]

    def penalties(self, model: _TopicModel, m: _Builder, count: Count) -> None:
        p, w = model.p, model.p.weights
        if w["proportional"] <= 0:
            return
        dev = model.vars[self.name] = {}
        places = float(p.sessions * p.per_session)
        for g, share in p.targets.items():
            members = self._members(model, g) if g == OTHERS or g in model.sizes else []
            have = [term for t in members for s in range(p.sessions) for term in count(t, s)]
            d = dev[g] = m.var(-w["proportional"], 0.0, math.inf)
            short = [(j, share) for j in (*model.short, *model.spare)]
            # |have - share x (places - sum short)| <= d
            m.row([*have, *short, (d, -1.0)], upper=share * places)
            m.row(
                [*((j, -a) for j, a in have), *((j, -a) for j, a in short), (d, -1.0)],
                upper=-share * places,
            )

    def start(
        self,
        model: _TopicModel,
        plan: Sequence[Sequence[str]],
        counts: Mapping[tuple[str | None, int], int],
        values: list[float],
    ) -> None:
        dev = model.vars.get(self.name)
        if not dev:
            return
        chosen = sum(len(ids) for ids in plan)
        for g, j in dev.items():
            members = self._members(model, g)
            have = sum(n for (t, _), n in counts.items() if t in members)
            values[j] = abs(have - model.p.targets[g] * chosen)

    def relax(self, model: _TopicModel, m: _Builder) -> None:
        """Sessions interchangeable: only how many papers of each topic are planned counts
        (the best scores of each), and how many sessions hold a topic, at least its papers
        / k; m sessions among S in a row hold at least 2m - S - 1 adjacent pairs, so the
        consecutive term is no lower than that; the empty places cost the least they can
        (`cheapest_empty`: k at U, the next k at 2U, ...); pins, before pairs and kept
        papers are free here. Every plan maps to it with an objective no lower, so its bound
        is a bound of the proportional problem; the deviation is the model's, as it counts
        papers, not sessions."""
        p, w = model.p, model.p.weights
        S, k = p.sessions, p.per_session
        order, groups = _groups(p.items)
        short = _relaxed_empty(model, m, 0.0)
        counts: dict[str | None, int] = {}
        for g in order:
            n = counts[g] = _relaxed_group(model, m, g, groups[g])
            if g is not None and w["consecutive"] > 0 and S > 1:
                sessions = m.var(0.0, 0.0, float(S), integer=True)  # sessions holding g
                m.row([(n, 1.0), (sessions, -float(k))], upper=0.0)
                z = m.var(-w["consecutive"], 0.0, math.inf)
                m.row([(z, 1.0), (sessions, -2.0)], lower=-float(S) - 1.0)
        places = float(S * k)
        m.row([*((j, 1.0) for j in counts.values()), *((j, 1.0) for j in short)], places, places)
        if w["proportional"] <= 0:
            return
        for g, share in p.targets.items():
            have = [(counts[t], 1.0) for t in self._members(model, g) if t in counts]
            d = m.var(-w["proportional"], 0.0, math.inf)
            # |have - share x (places - sum short)| <= d
            m.row([*have, *((j, share) for j in short), (d, -1.0)], upper=share * places)
            m.row(
                [*((j, -a) for j, a in have), *((j, -share) for j in short), (d, -1.0)],
                upper=-share * places,
            )


# -- themed -----------------------------------------------------------------------------------


def _off(per: Mapping[str | None, int], topic: str | None, add: bool = True) -> int:
    """Papers off the theme of a session holding `per` (plus one of `topic` when `add`)."""
    counts = dict(per)
    if add:
        counts[topic] = counts.get(topic, 0) + 1
    total = sum(counts.values())
    loose = 1 if counts.get(None) else 0
    return total - max(max((n for t, n in counts.items() if t is not None), default=0), loose)


class _ThemedTracker(Tracker):
    def __init__(self, weights: Mapping[str, float]):
        self.themed = weights["themed"]

    def gain(self, item: Item, place: Place) -> float:
        if not place.chosen:
            return 0.0
        return -(self.themed * (_off(place.per, item.topic) - _off(place.per, None, add=False)))


class Themed(Policy):
    name = "themed"
    description = "each session has a theme, the topic with most papers there"
    weights = {"themed": 3.0}
    terms = ("themed",)
    relaxed_bound = True

    def evaluate(
        self, problem: Problem, sessions: Sequence[Sequence[str]], present: list[set[str]]
    ) -> dict[str, tuple[float, float]]:
        by_id = problem.by_id
        off = 0
        for ids in sessions:
            per: dict[str, int] = {}
            loose = 0
            for pid in ids:
                topic = by_id[pid].topic
                if topic is None:
                    loose = 1
                else:
                    per[topic] = per.get(topic, 0) + 1
            if ids:
                off += len(ids) - max(max(per.values(), default=0), loose)
        return {"themed": (off, -problem.weights["themed"] * off)}

    def tracker(self, problem: Problem, places: int) -> Tracker:
        return _ThemedTracker(problem.weights)

    def move_cost(self, weights: Mapping[str, float]) -> float:
        return weights["themed"]

    def unfilled(self, weights: Mapping[str, float]) -> float:
        return weights["themed"]

    def empty_place(self, weights: Mapping[str, float]) -> float:
        return weights["themed"]  # an empty place is not off-theme

    def penalties(self, model: _TopicModel, m: _Builder, count: Count) -> None:
        p, w = model.p, model.p.weights
        if w["themed"] <= 0:
            return
        S, k = p.sessions, p.per_session
        theta: dict[tuple[str | None, int], int] = {}
        on: dict[tuple[str | None, int], int] = {}
        model.vars[self.name] = (theta, on)
        m.offset -= w["themed"] * k * S
        loose = bool(model.free.get(None) or model.ind_of.get(None))
        for s in range(S):
            choices = [*model.topics, *([None] if loose else [])]
            for g in choices:
                theta[g, s] = m.var(integer=True)
                cap = float(k) if g is not None else 1.0
                on[g, s] = m.var(w["themed"], 0.0, cap)
                m.row([(on[g, s], 1.0), *((j, -a) for j, a in count(g, s))], upper=0.0)
                m.row([(on[g, s], 1.0), (theta[g, s], -cap)], upper=0.0)
            m.row(((theta[g, s], 1.0) for g in choices), upper=1.0)

    def start(
        self,
        model: _TopicModel,
        plan: Sequence[Sequence[str]],
        counts: Mapping[tuple[str | None, int], int],
        values: list[float],
    ) -> None:
        if self.name not in model.vars:
            return
        theta, on = model.vars[self.name]
        k = model.p.per_session
        for s in range(model.p.sessions):
            options = [
                (min(counts.get((g, s), 0), 1 if g is None else k), g) for (g, r) in theta if r == s
            ]
            if not options:
                continue
            n, g = max(options, key=lambda o: (o[0], o[1] is not None, str(o[1])))
            if n:
                values[theta[g, s]] = 1.0
                values[on[g, s]] = float(n)

    def relax(self, model: _TopicModel, m: _Builder) -> None:
        """Sessions interchangeable (no order, pins, before pairs), so only how many sessions
        each topic themes counts. Every plan maps to it (a session's theme is its biggest
        topic; pinned and paired papers are free here), its objective no lower (the
        consecutive term is a lower bound: m sessions among S hold at least 2m - S - 1
        adjacent pairs; the empty places cost the least they can, as if they were the last
        ones, `cheapest_empty`): its bound is a bound of the themed problem.

        Sessions fill from the first: when `unfilled` outweighs any move (`_move_cost`), a
        paper that can move into an earlier empty place gains by moving, so some optimal
        plan has no empty place before a paper that could move there. Under themed only a
        pinned paper or the second paper of a before pair cannot (no topic rule), so such a
        plan holds papers in at most (N + k - 1) / k sessions plus one per such paper (N
        papers planned), and without them its sessions are the first ones, in a row (m of
        them themed by a topic among M in a row: at least 2m - M - 1 adjacent pairs). Both
        are rows here: the bound is one of that plan, so of the problem."""
        from paperclub.solver import _move_cost

        p, w = model.p, model.p.weights
        S, k = p.sessions, p.per_session
        order, groups = _groups(p.items)
        m.offset -= w["themed"] * S * k
        short = _relaxed_empty(model, m, w["themed"])
        counts, themes, repeats = [], [], []
        for g in order:
            n = _relaxed_group(model, m, g, groups[g])
            sessions = m.var(0.0, 0.0, float(S), integer=True)  # themed g
            on = m.var(w["themed"], 0.0, float(S * k))
            m.row([(on, 1.0), (n, -1.0)], upper=0.0)
            m.row([(on, 1.0), (sessions, -(float(k) if g is not None else 1.0))], upper=0.0)
            if g is not None and w["consecutive"] > 0 and S > 1:
                z = m.var(-w["consecutive"], 0.0, math.inf)
                m.row([(z, 1.0), (sessions, -2.0)], lower=-float(S) - 1.0)
                repeats.append((z, sessions))
            counts.append(n)
            themes.append(sessions)
        m.row(((j, 1.0) for j in themes), upper=float(S))
        m.row([*((j, 1.0) for j in counts), *((j, 1.0) for j in short)], float(S * k), float(S * k))
        m.row([*((j, 1.0) for j in counts), *((j, -float(k)) for j in themes)], upper=0.0)
        if w["unfilled"] >= _move_cost(p) and p.min_per_session == k:
            # sessions fill from the first (the docstring; not with places free to leave empty)
            fixed = set(p.pinned) | {b for _, b in p.before}
            m.row(
                [*((j, float(k)) for j in themes), *((j, -1.0) for j in counts)],
                upper=float(k - 1 + k * len(fixed)),
            )
            if not fixed:
                for z, sessions in repeats:
                    m.row([(z, 1.0), (sessions, -2.0), *((j, 1.0) for j in themes)], lower=-1.0)


# -- the built-in policies, and a group's ---------------------------------------------------

BUILT_IN: dict[str, Policy] = {p.name: p for p in (Spread(), Proportional(), Themed())}


def of(group: Group) -> Policy:
    """The group's balance policy: the one config found for `balance.policy` (a plugin's
    too), else the built-in of that name."""
    return group.balance or BUILT_IN[group.balance_policy]
