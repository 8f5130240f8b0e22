"""The hard rules of a plan, checked in one place: before planning (the pins alone, by
`rules.conflicts`), on a planner plugin's answer, on the solver's plan, and by the check
plugin on the finished plan (hand edits included). A breach reads the same wherever it is
found; only what a caller knows differs (the solver names sessions by number, the others by
date), and a rule the caller gives nothing for is not checked."""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field

NOT_A_CANDIDATE = "not among the candidates (not in the catalog, or not from catalog.sources)"


@dataclass(frozen=True)
class Rules:
    most: int  # papers per session at most
    least: int = 0  # and at least (fewer: not enough candidates)
    candidates: Collection[str] | None = None  # the papers that can be planned; None: unchecked
    why_not: Mapping[str, str] = field(default_factory=dict)  # why one cannot (excluded: ...)
    topic: Callable[[str], str | None] | None = None  # one paper of a topic per session
    policy: str = ""  # the balance policy that wants `topic` (named in the breach)
    pins: Mapping[str, Sequence[str]] = field(default_factory=dict)  # session label -> papers
    before: Sequence[tuple[str, str]] = ()
    complete: bool = True  # a whole plan: a paper that must come first and is missing breaks it


def breaches(sessions: Sequence[tuple[str, Sequence[str]]], rules: Rules) -> list[str]:
    """The rules `sessions` (label, paper ids) break, one sentence each, in the order of the
    sessions, then papers, pins and `before` pairs."""
    found: list[str] = []
    where: dict[str, list[int]] = {}
    for s, (at, ids) in enumerate(sessions):
        found += _session(at, ids, rules)
        for pid in ids:
            where.setdefault(pid, []).append(s)
    for pid, places in sorted(where.items()):
        if len(places) > 1:
            found.append(planned_twice(pid, [sessions[s][0] for s in places]))
    index = {at: s for s, (at, _) in enumerate(sessions)}
    for at, ids in rules.pins.items():
        found += [
            f"{pid} is pinned to {at} but is not planned there"
            for pid in ids
            if at not in index or index[at] not in where.get(pid, ())
        ]
    for a, b in rules.before:
        if b not in where or (a not in where and not rules.complete):
            continue
        at_b = sessions[where[b][0]][0]
        if a not in where:
            found.append(f"{a} must come before {b}, but {b} is on {at_b} and {a} is not planned")
        elif where[a][0] >= where[b][0]:
            found.append(
                f"{a} must come before {b}, but {a} is on {sessions[where[a][0]][0]} "
                f"and {b} on {at_b}"
            )
    return found


def planned_twice(pid: str, ats: Sequence[str]) -> str:
    times = "twice" if len(ats) == 2 else f"{len(ats)} times"
    return f"{pid} is planned {times}: {', '.join(ats)}"


def cannot_be_planned(pid: str, at: str, why: str = NOT_A_CANDIDATE) -> str:
    return f"{pid} on {at} cannot be planned: {why}"


def _session(at: str, ids: Sequence[str], rules: Rules) -> list[str]:
    found = []
    if len(ids) > rules.most:
        found.append(f"{at} has {len(ids)} papers, more than {rules.most}")
    elif len(ids) < rules.least == rules.most:
        found.append(f"{at} has {len(ids)} of {rules.least} papers (not enough candidates)")
    elif len(ids) < rules.least:  # papers_per_session: {min, max}
        found.append(
            f"{at} has {len(ids)} papers, fewer than {rules.least} (not enough candidates)"
        )
    if rules.candidates is not None:
        found += [
            cannot_be_planned(pid, at, rules.why_not.get(pid, NOT_A_CANDIDATE))
            for pid in ids
            if pid not in rules.candidates
        ]
    if rules.topic is not None:
        counts: dict[str, int] = {}
        for pid in ids:
            if rules.candidates is not None and pid not in rules.candidates:
                continue
            topic = rules.topic(pid)
            if topic is not None:
                counts[topic] = counts.get(topic, 0) + 1
        for topic, n in sorted(counts.items()):
            # papers pinned together may share a topic: the pins are the organiser's choice
            forced = sum(1 for pid in rules.pins.get(at, ()) if rules.topic(pid) == topic)
            if n > max(1, forced):
                found.append(
                    f"{at} has {n} papers on {topic}, but balance.policy "
                    f"{rules.policy} allows one paper of a topic per session"
                )
    return found
