"""The hard rules that must hold before there is anything to optimise: pins and `before`
pairs against the meeting dates, the candidates and each other. Every conflict is named, so
the organiser can see which rules to change."""

from __future__ import annotations

import difflib
from collections import Counter
from collections.abc import Callable, Collection, Mapping, Sequence
from datetime import date, timedelta

from paperclub import hardrules, planfile, policies
from paperclub.meetings import WEEKDAY_NAMES, meeting_dates, skipped
from paperclub.models import Candidate, Group, Plan, Session, Slot


def why_no_meeting(group: Group, day: date) -> str:
    """Why the meeting rules give no session on `day`."""
    rules = group.meetings
    reason = skipped(rules, day)
    if reason:
        return f"it is skipped: {reason}"
    if day.weekday() != rules.weekday:
        return f"it is a {WEEKDAY_NAMES[day.weekday()]}; the group meets on {WEEKDAY_NAMES[rules.weekday]}s"
    dates = meeting_dates(rules)
    if dates and day < dates[0]:
        return f"the term starts on {dates[0]}"
    if dates and day > dates[-1]:
        return f"the term ends on {dates[-1]}"
    first = rules.start + timedelta(days=(rules.weekday - rules.start.weekday()) % 7)
    return f"the group meets every {rules.every_weeks} weeks from {first}"


def conflicts(
    group: Group,
    slots: Sequence[Slot],
    pool: Mapping[str, Candidate],
    excluded: Mapping[str, str],
    frozen: Mapping[date, set[str]],
    kept: Collection[date] = (),
) -> list[str]:
    """Every rule that cannot hold; empty when planning can go ahead. `frozen` maps the dates
    of the sessions already held to their papers; `kept` are the dates of sessions locked or
    edited by hand, whose pins `check_kept` reports instead."""
    problems: list[str] = []
    index = {slot.start.date(): i for i, slot in enumerate(slots)}
    pinned_at: dict[str, list[date]] = {}
    pinned: list[tuple[str, Sequence[str]]] = []  # the plan the pins make, before planning
    for day, paper_ids in sorted(group.pins.items()):
        for paper_id in paper_ids:
            pinned_at.setdefault(paper_id, []).append(day)
        if day in kept:
            continue
        if day in frozen:
            for paper_id in paper_ids:
                if paper_id not in frozen[day]:
                    problems.append(f"{paper_id} is pinned to {day}, a session already held")
        elif day not in index:
            problems.append(
                f"{', '.join(paper_ids)} pinned to {day}, but there is no meeting "
                f"then: {why_no_meeting(group, day)}"
            )
        else:
            pinned.append((day.isoformat(), paper_ids))
    cycles = _cycles(group.before)
    policy = policies.of(group)
    problems += hardrules.breaches(
        pinned,
        hardrules.Rules(
            most=group.meetings.papers_per_session,
            candidates=pool,
            why_not={p: f"excluded: {why}" for p, why in excluded.items()},
            topic=(lambda p: pool[p].balanced) if policy.one_per_topic else None,
            policy=policy.name,
            before=() if cycles else group.before,
            complete=False,
        ),
    )
    return problems + _before_problems(group, index, pinned_at, pool, excluded, cycles)


def check_kept(
    group: Group,
    kept: Sequence[Session],
    plan: Plan,
    pool: Mapping[str, Candidate],
    excluded: Mapping[str, str],
) -> list[str]:
    """The rules that the sessions kept as they are (locked, or edited by hand) break, one
    sentence each: a kept session is never changed, so these are reported, not repaired.
    Only what planning itself would have prevented; the rules of the whole plan (a paper
    twice, too many papers, topics under spread, pins, before pairs) the check plugin audits
    for every session."""
    problems: list[str] = []
    live = [s for s in plan.sessions if not s.cancelled]
    members = {m.name: m for m in group.members}
    loads = Counter(name for s in live for name in {a.presenter for a in s.papers} if name)
    dates = set(meeting_dates(group.meetings))
    for s in kept:
        if s.cancelled:
            continue
        day = s.start.date()
        at = f"{s.id} ({day})"
        if day not in dates:
            problems.append(
                f"{at} is kept, but there is no meeting then: {why_no_meeting(group, day)}"
            )
        named = Counter(a.presenter for a in s.papers if a.presenter)
        for a in s.papers:
            if a.paper_id in excluded:
                problems.append(
                    hardrules.cannot_be_planned(
                        a.paper_id, str(day), f"excluded: {excluded[a.paper_id]}"
                    )
                )
            elif a.paper_id not in pool:
                problems.append(hardrules.cannot_be_planned(a.paper_id, str(day)))
            pinned_to = next((m.name for m in group.members if a.paper_id in m.pin), None)
            if pinned_to and a.presenter != pinned_to:
                problems.append(
                    f"{a.paper_id} in {at} is pinned to {pinned_to} (members[].pin), "
                    f"but {a.presenter or 'no one'} presents it"
                )
            member = members.get(a.presenter) if a.presenter else None
            if a.presenter and members and member is None:
                problems.append(f"{a.presenter} presents {a.paper_id} in {at} but is not a member")
            if member is not None and day in member.unavailable:
                problems.append(
                    f"{a.presenter} presents {a.paper_id} in {at} but is unavailable that day"
                )
        if group.presenters == "per_paper":
            problems += [
                f"{name} presents {n} papers in {at}: one each (presenters: per_paper)"
                for name, n in sorted(named.items())
                if n > 1
            ]
        for name in sorted(named):
            member = members.get(name)
            if (
                member is not None
                and member.max_sessions is not None
                and loads[name] > member.max_sessions
            ):
                problems.append(
                    f"{name} presents in {at}: {loads[name]} sessions in the term, "
                    f"more than max_sessions {member.max_sessions}"
                )
    return problems


def hand_edits(
    group: Group,
    previous: Plan,
    today: date,
    unknown: Callable[[str], str | None],
    *,
    force: bool = False,
) -> list[tuple[int | None, str]]:
    """What the plan file's hand edits do that a re-plan must not keep, each with its line in
    the plan file: a paper the catalog does not have (`unknown(id)` says so, or None), a
    paper planned twice, a presenter who is not a member; and, unless `force`, an edit of a
    session already held, or a `today` before the plan was last changed (`planned_as_of`),
    which would plan again the sessions held by then. Only edited sessions are checked: what
    `paperclub plan` wrote itself is audited by the check plugins, as warnings."""
    lines = previous.lines
    live = [s for s in previous.sessions if not s.cancelled]
    members = [m.name for m in group.members]
    at = {s.id: f"{s.id} ({s.start.date()})" for s in previous.sessions}
    problems: list[tuple[int | None, str]] = []
    twice: set[str] = set()
    for s in live:
        if not planfile.edited(s):
            continue
        for i, a in enumerate(s.papers):
            line = lines.get(f"{s.id}.papers[{i}]")
            missing = unknown(a.paper_id)
            if missing:
                problems.append((line, f"{at[s.id]}: {missing}"))
            # reading a paper again is what exclude_read: false allows, not planning it twice
            others = [
                t.start.date().isoformat()
                for t in live
                for j, b in enumerate(t.papers)
                if b.paper_id == a.paper_id
                and (t is not s or j != i)
                and (group.exclude_read or t.start.date() >= today)
            ]
            if others and a.paper_id not in twice:
                twice.add(a.paper_id)
                ats = sorted([s.start.date().isoformat(), *others])
                problems.append((line, hardrules.planned_twice(a.paper_id, ats)))
            if a.presenter and members and a.presenter not in members:
                close = difflib.get_close_matches(a.presenter, members, n=1)
                hint = (
                    f" (did you mean {close[0]!r}?)"
                    if close
                    else f" (members: {', '.join(members)})"
                )
                problems.append(
                    (
                        lines.get(f"{s.id}.papers[{i}].presenter", line),
                        f"{at[s.id]}: {a.presenter!r} presents {a.paper_id} but is not "
                        f"a member{hint}",
                    )
                )
    problems += _locked_roles(group, previous, today)
    if force:
        return problems
    for s in previous.sessions:
        if s.start.date() < today and planfile.edited(s):
            problems.append(
                (
                    lines.get(s.id),
                    f"{at[s.id]} was held (it is before {today}) and "
                    "was edited by hand: `paperclub plan --force` takes the edit",
                )
            )
    last = previous.planned_as_of
    if last is not None and today < last:
        again = [at[s.id] for s in live if today <= s.start.date() < last]
        if again:
            problems.append(
                (
                    lines.get("planned_as_of"),
                    f"the plan was last changed as of {last}, when {', '.join(again)} had been "
                    f"held: planning as of {today} would plan "
                    f"{'them' if len(again) > 1 else 'it'} again; `paperclub plan "
                    "--force` does that",
                )
            )
    return problems


def _locked_roles(group: Group, previous: Plan, today: date) -> list[tuple[int | None, str]]:
    """Locked roles (claims) of sessions still to come whose holder can no longer hold them
    by the config as it is now: a re-plan keeps a lock, so it must not keep a broken one.
    Checked whether or not the session was edited: the config may be what changed."""
    members = {m.name: m for m in group.members}
    problems: list[tuple[int | None, str]] = []
    for s in previous.sessions:
        if s.cancelled or s.start.date() < today:
            continue
        day = s.start.date()
        for role, names in s.locked_roles.items():
            for name in names:
                m = members.get(name)
                if m is None:
                    why = "is not a member"
                elif day in m.unavailable:
                    why = "is unavailable that day (members[].unavailable)"
                elif not m.takes(role):
                    why = f"does not take the role {role} (members[].roles)"
                elif name in s.presenters:
                    why = "also presents in that session: nobody holds two roles of a session"
                else:
                    continue
                problems.append(
                    (
                        previous.lines.get(f"{s.id}.roles.{role}", previous.lines.get(s.id)),
                        f"{s.id} ({day}): {name} holds {role} by a lock but {why}; release "
                        "the lock (drop `locked: true` in the plan file) or change the config",
                    )
                )
    return problems


def _before_problems(
    group: Group,
    index: Mapping[date, int],
    pinned_at: Mapping[str, list[date]],
    pool: Mapping[str, Candidate],
    excluded: Mapping[str, str],
    cycles: list[list[str]],
) -> list[str]:
    """What `before` pairs ask that no plan gives: a cycle, or more papers before a pinned one
    than there are sessions before its date, or one that cannot be planned at all."""
    if cycles:
        return [" before ".join(cycle + [cycle[0]]) for cycle in cycles]
    problems = []
    depth = _depths(group.before)  # the most papers that must come before each one
    for a, b in group.before:
        pb = pinned_at.get(b, [None])[0]
        if pb and pb in index and depth.get(b, 0) > index[pb]:
            problems.append(
                f"{b} is pinned to {pb}, session {index[pb] + 1}, but {depth[b]} "
                f"paper{'s' if depth[b] > 1 else ''} must come before it"
            )
        if pb and a not in pool:
            why = excluded.get(a, "not among the candidates")
            problems.append(
                f"{b} is pinned to {pb} but must come after {a}, which cannot be planned: {why}"
            )
    return problems


def _cycles(pairs: Sequence[tuple[str, str]]) -> list[list[str]]:
    """Each cycle of `before` pairs once, as the list of papers around it."""
    after: dict[str, list[str]] = {}
    for a, b in pairs:
        after.setdefault(a, []).append(b)
    found, seen = [], set()
    for start in sorted(after):
        stack = [(start, [start])]
        while stack:
            node, path = stack.pop()
            for nxt in sorted(after.get(node, ()), reverse=True):
                if nxt == start:
                    key = frozenset(path)
                    if key not in seen:
                        seen.add(key)
                        found.append(path)
                elif nxt not in path and nxt > start:  # each cycle from its smallest paper
                    stack.append((nxt, path + [nxt]))
    return found


def _depths(pairs: Sequence[tuple[str, str]]) -> dict[str, int]:
    """For each paper, the length of the longest chain of papers that must precede it."""
    before: dict[str, list[str]] = {}
    for a, b in pairs:
        before.setdefault(b, []).append(a)
    depth: dict[str, int] = {}

    def walk(paper: str) -> int:
        if paper not in depth:
            depth[paper] = 0  # no cycles here: conflicts() reports them first
            depth[paper] = max((walk(a) + 1 for a in before.get(paper, ())), default=0)
        return depth[paper]

    for paper in list(before):
        walk(paper)
    return depth
