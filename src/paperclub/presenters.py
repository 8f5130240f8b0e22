"""Presenters for a plan's papers: an assignment problem, solved exactly with HiGHS.

A pure module: no hooks, no I/O. `assign(sessions, group, held=..., affinity=...)` returns a
`Result` whose `presenters` holds, for each session given, the presenter of each paper; the
sessions are not changed (`apply` writes the result into them).

Hard rules, never broken; when they cannot all hold, `assign` raises a PaperclubError that
names each date and why each member is out ("no one can present on 2027-01-07: Ada Lovelace
is unavailable; Alan Turing has reached max_sessions 3; ..."):

- a presenter for each paper (mode `per_paper`), or one per session who presents all of its
  papers (`per_session`); per_paper, nobody presents two papers of one session;
- nobody on a date of their `unavailable`;
- nobody in more sessions than their `max_sessions` over the whole term: the `held`
  sessions (already took place, passed in, never changed) count;
- presenters already set on a paper (by a plugin that ran before) are kept, and count;
- a member's `pin` (paper ids) gives them those papers. A pin that breaks a rule above is an
  error; a pinned paper that is not in the sessions is ignored (the check plugin warns).
- roles (the group's `roles: {chair: 1, ...}`): every seat of every role filled in each
  session; nobody in a role they do not take (`members[].roles`, where `presenter` is one),
  nor beyond their `max` of a role (`members[].max`); `max_sessions` counts every role;
  nobody in two roles of one session (presenting is a role); holders already set (held
  sessions, roles locked or claimed in the plan file) are kept, and count.

Then three aims, each strictly before the next (the later only chooses among the best
assignments of the earlier ones):

1. balance: the least sum over members (and roles, presenting one of them) of load², where a
   member's load is the number of sessions they present in (hold the role in) in the term,
   held ones included. At its optimum no member can hand
   a session to another and make the loads more even; so two members available on the same
   dates have loads that differ by at most one, unless the lighter one is at max_sessions or
   every session the heavier one is given has the lighter one in it already (pins, held).
2. consecutive: the fewest times a member presents (or has any role) in two adjacent
   sessions (adjacent in the term's order of the sessions not cancelled, held ones included).
3. preferences: the most of the members' `prefer` met less their `avoid` hit: a date counts
   for a member with any role that day, a paper id for presenting it.
4. affinity: the greatest total affinity of presenter and paper, `affinity(member, paper)`
   (per_session: summed over the session's papers). Built in (`interest_affinity`): for each
   of the member's interests, 1 if it names the paper's first topic, 0.5 if it names another
   of its topics or starts a word of its title, plus the paper's fit to the member's library
   (0 to 1, `Assignment.fit`); the plugins' `paperclub_presenter_affinity`
   add to it. When re-planning, a paper that keeps the presenter the previous plan gave it
   (`previous`: paper id -> presenter) gains the group's `selection.weights.change` (default
   3, as in the optimizer) more: a presenter changes only where balance, consecutive sessions or more affinity
   than that ask for it. A role's seat has no affinity but gains the same for a holder the
   previous plan gave it (`previous_roles`).

The model. x[u,m] (binary) gives unit u, a paper (per_paper) or a session's papers
(per_session), or the free seats of one role in one session, to member m, for the members
who may take it; sum_m x[u,m] = the unit's seats (1 for papers); the sum over a session's
units of x[u,m] <= 1; a member's new sessions in a role, sum_u x[u,m] over that role's units,
fill unit levels w[m,r,j] in [0,1], j = 1 .. what max_sessions and max leave, each costing
(f+j)^2 - (f+j-1)^2 = 2(f+j) - 1 (f: the member's fixed sessions in the role), convex, so
the LP takes them in order; with more than one role, a row holds a member's units of every
role to what max_sessions leaves. Without roles and the consecutive term this is a network
flow: its LP is integral, and solving it first gives the least balance B* exactly (or proves
that no assignment exists: then a second flow, covering as many units as it can, earliest
dates first, shows which dates fail and why). With roles a member's seats meet in two ways
(their sessions, their roles) and the LP may be fractional; B* is then at least the least
integer above the LP's optimum, the MIP below tries that value first, and only if no
assignment has it is the balance model solved with integers for B*. With roles the MIP is
also narrowed by reduced cost fixing on the balance LP (`_fix`, exact: a column whose
reduced cost exceeds B* less the LP's optimum cannot move in any assignment of balance B*,
and when the two are equal every row with a dual is tight): its LP relaxation then has
little room to spread loads thin, which is what made it slow. The MIP then adds, for
adjacent sessions s, s' with units of both, c[m,s] >= z[m,s] + z[m,s'] - 1 (z: m presents
in the session), a penalty on x[u,m] for each neighbouring session m is fixed in, and the
row balance <= B*; it minimizes
K x consecutive - P x preferences - affinity with P = 1 + the most affinity any choice can
gain (the sum over units of the spread of their affinities) and K = 1 + P x the most
preference any choice can gain + that spread, so one consecutive pair outweighs all
preferences and affinity, and one preference all affinity. Without roles and preferences the
model is the one paperclub solved before, term for term. With roles it is first solved on
the optimal face of its LP relaxation (`_on_face`, exact): in every term measured the
relaxation's optimum is the MIP's, and its solution is either integral (then it is the
assignment) or the MIP narrowed to that face (reduced cost fixing again, with no gap, and
the columns it fixes left out: about a third remain) has an assignment, found at its root;
only when that fails is the whole MIP solved. Among the assignments equally good on every
aim, the one given may differ from the one the whole MIP would give.

Deterministic: fixed HiGHS options (one thread, seed 0); the model is built in the order of
the sessions, papers and members given. Every term measured without roles (up to 100
members x 52 sessions x 3 papers, and small rosters with many unavoidable consecutive
sessions) solves at the root node in well under a second; with a chair and a scribe
(bench/presenters.py, 30 x 52 x 3) each seed solves to the proven optimum in 0.1 to 0.35 s
in both modes (the whole MIP at once: 0.2 to 0.9 s, most of it in HiGHS's heuristics at the
root; without the fixing: 1.2 to 4 s per_paper, and per_session reached `TIME_LIMIT`).
Should one ever reach `TIME_LIMIT` (the face and then the whole MIP share it), the best
assignment found by then is used (else the balance step's, which keeps every hard rule and
the best balance), and `Result.status` says so: only then can the result depend on the
machine's speed. highspy is imported inside `assign()`; without it the presenters come from
the round robin paperclub used before (`method="rotation"`, also the benchmark's baseline),
and `Result.status` says so.
"""

from __future__ import annotations

import math
import re
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from paperclub.errors import PaperclubError
from paperclub.highs import new_highs as _new_highs
from paperclub.solver import DEFAULT_WEIGHTS

if TYPE_CHECKING:
    from paperclub.models import Assignment, Group, Member, Session

MODES = ("per_paper", "per_session")
TIME_LIMIT = 10.0  # seconds for the MIP; every term measured solves at its root in well under 1 s
METHODS = ("exact", "rotation")

Affinity = Callable[["Member", "Assignment"], float]


@dataclass
class Result:
    presenters: list[list[str | None]]  # for each session given, each paper's presenter
    loads: dict[str, int]  # sessions each member presents in the term, held ones included
    consecutive: int  # times a member presents in two adjacent sessions (held ones included)
    affinity: float  # total affinity of the papers of the sessions given, by their presenter
    papers: int  # papers of the sessions given that have a member presenting them
    status: str  # optimal | rotation | rotation: <why> | no members
    objective: dict[str, float] = field(default_factory=dict)  # balance, consecutive, affinity
    # for each session given, role -> its holders (the group's `roles:`; {} without roles)
    roles: list[dict[str, list[str]]] = field(default_factory=list)
    # role ("presenter" and the group's roles) -> member -> sessions in it, held ones included
    role_loads: dict[str, dict[str, int]] = field(default_factory=dict)
    # the members' preferences (members[].prefer, avoid) the result meets, and all of them
    preferences_met: int = 0
    preferences: int = 0

    @property
    def mean_affinity(self) -> float:
        return self.affinity / self.papers if self.papers else 0.0


# -- affinity ----------------------------------------------------------------------------------


@lru_cache(maxsize=4096)
def _pattern(word: str) -> re.Pattern[str]:
    # as the topics plugin matches keywords: at the start of a word ("program" finds "programs")
    return re.compile(r"\b" + re.escape(word.strip().lower()))


def interest_affinity(member: Member, paper: Assignment, group: Group | None = None) -> float:
    """The built-in affinity: for each interest of the member, 1.0 if it names the paper's
    first topic, else 0.5 if it names another of its topics or starts a word of its title;
    plus the paper's fit to the member's library (0 to 1, `paper.fit`)."""
    total = paper.fit.get(member.name, 0.0)
    for _, value in interest_matches(member, paper):
        total += value
    return total


def interest_matches(member: Member, paper: Assignment) -> list[tuple[str, float]]:
    """The member's interests that count for `paper`, each with what it adds (1.0 or 0.5, as
    `interest_affinity` counts them): what an explanation names."""
    topics = [t.lower() for t in paper.topics]
    title = paper.title.lower()
    out = []
    for interest in member.interests:
        if not interest.strip():
            continue
        pattern = _pattern(interest)
        if topics and pattern.search(topics[0]):
            out.append((interest, 1.0))
        elif any(pattern.search(t) for t in topics[1:]) or pattern.search(title):
            out.append((interest, 0.5))
    return out


def interest_parts(member: Member, paper: Assignment) -> dict[str, float]:
    """`interest_affinity` in its parts: `interests`, and `library` for a member with one."""
    parts = {"interests": sum(value for _, value in interest_matches(member, paper))}
    if member.name in paper.fit:
        parts["library"] = paper.fit[member.name]
    return parts


# -- the problem -------------------------------------------------------------------------------


PRESENTER = "presenter"  # the role of presenting: members[].roles and members[].max name it


@dataclass
class _Unit:
    pos: int  # position on the timeline
    session: int  # index into the sessions given
    papers: tuple[int, ...]  # indices into that session's papers (none for a role's seats)
    role: str = PRESENTER
    need: int = 1  # how many members take it: a role's free seats in the session
    eligible: list[int] = field(default_factory=list)  # member indices
    gains: list[float] = field(default_factory=list)  # affinity of each eligible member
    kept: list[bool] = field(default_factory=list)  # each eligible member held it before
    prefs: list[int] = field(default_factory=list)  # each eligible member's preference for it


@dataclass
class _Problem:
    members: tuple[Member, ...]
    mode: str
    days: list[date]  # the timeline: every session not cancelled, held ones included, in order
    fixed: list[set[str]]  # the names presenting at each position before the solve
    units: list[_Unit]
    fixed_load: list[int]  # per member: sessions fixed (held, preset, pinned), any role
    cap: list[int]  # per member: how many more sessions max_sessions allows
    presenters: list[list[str | None]]  # presets and pins filled in
    group_path: Any = None
    keep: float = 0.0  # the affinity a paper gains by keeping its previous presenter
    roles: tuple[str, ...] = (PRESENTER,)  # presenter, then the group's roles
    # per member, role -> sessions fixed in that role, and how many more members[].max allows
    fixed_roles: list[dict[str, int]] = field(default_factory=list)
    cap_roles: list[dict[str, int]] = field(default_factory=list)
    holders: list[dict[str, list[str]]] = field(default_factory=list)  # the sessions' fixed roles
    in_role: list[dict[str, set[str]]] = field(default_factory=list)  # per position, fixed


def _prepare(
    sessions: Sequence[Session],
    group: Group,
    held: Iterable[Session],
    mode: str,
    affinity: Affinity,
    previous: Mapping[str, str] | None = None,
    previous_roles: Mapping[tuple[str, str], Sequence[str]] | None = None,
) -> _Problem:
    members = tuple(group.members)
    roles = (PRESENTER, *group.roles)
    by_name = {m.name: i for i, m in enumerate(members)}
    path = group.path
    pinned: dict[str, str] = {}
    for m in members:
        for pid in m.pin:
            if pinned.setdefault(pid, m.name) != m.name:
                raise PaperclubError(
                    f"{pid} is pinned to both {pinned[pid]} and {m.name} (members[].pin)", path=path
                )

    entries: list[tuple[datetime, str, int | None, Session]] = [
        (s.start, s.id, None, s) for s in held if not s.cancelled
    ]
    entries += [(s.start, s.id, k, s) for k, s in enumerate(sessions) if not s.cancelled]
    entries.sort(key=lambda e: (e[0], e[1]))
    presenters: list[list[str | None]] = [[a.presenter for a in s.papers] for s in sessions]
    days: list[date] = []
    fixed: list[set[str]] = []
    in_role: list[dict[str, set[str]]] = []  # per position: role -> who holds it, fixed
    holders: list[dict[str, list[str]]] = [{} for _ in sessions]
    units: list[_Unit] = []
    pinned_days: dict[str, list[date]] = {}
    for pos, (start, _, k, s) in enumerate(entries):
        day = start.date()
        days.append(day)
        if k is None:
            held_roles = {r: set(s.roles.get(r, ())) for r in group.roles}
            in_role.append(
                {PRESENTER: {a.presenter for a in s.papers if a.presenter}, **held_roles}
            )
            fixed.append(set().union(*in_role[-1].values()))
            continue
        names = presenters[k]
        preset = set(n for n in names if n is not None)
        pins_here: list[str] = []
        for j, a in enumerate(s.papers):
            name = pinned.get(a.paper_id)
            if names[j] is not None or name is None:
                continue
            member = members[by_name[name]]
            if day in member.unavailable:
                raise PaperclubError(
                    f"{name} is pinned to {a.paper_id} (members[].pin), on "
                    f"{day}, but is unavailable that day",
                    path=path,
                )
            if mode == "per_paper" and name in names:
                other = s.papers[names.index(name)].paper_id
                raise PaperclubError(
                    f"{name} is pinned to {a.paper_id} (members[].pin) and "
                    f"also presents {other} on {day}: one paper each per "
                    "session (presenters: per_paper)",
                    path=path,
                )
            if mode == "per_session" and pins_here and pins_here[0] != name:
                raise PaperclubError(
                    f"{pins_here[0]} and {name} are pinned to papers of the "
                    f"same session, {day}, which has one presenter "
                    "(presenters: per_session)",
                    path=path,
                )
            names[j] = name
            pins_here.append(name)
            if name not in preset:  # a session more for them
                pinned_days.setdefault(name, []).append(day)
        present = [n for n in names if n is not None]
        if mode == "per_session" and s.papers:
            # the session's presenter: its pinned member, else the first one a plugin set,
            # unless that is a member who is unavailable that day (the plugin's exception
            # is not extended to the other papers)
            lead = pins_here[0] if pins_here else present[0] if present else None
            if lead is not None and lead in by_name and day in members[by_name[lead]].unavailable:
                lead = None
            if lead is not None:
                names[:] = [n if n is not None else lead for n in names]
            elif None in names:
                units.append(_Unit(pos, k, tuple(j for j, n in enumerate(names) if n is None)))
        else:
            units += [_Unit(pos, k, (j,)) for j, n in enumerate(names) if n is None]
        # the roles' holders already set (locks, claims, a plugin's) stay; the other seats
        # are units, one per role, taken by as many members as it has seats free
        if not s.cancelled and group.roles:
            holders[k] = {r: list(dict.fromkeys(s.roles.get(r, ()))) for r in group.roles}
            for r, count in group.roles.items():
                if count > len(holders[k][r]):
                    units.append(_Unit(pos, k, (), r, count - len(holders[k][r])))
        in_role.append(
            {
                PRESENTER: {n for n in names if n is not None},
                **{r: set(names_) for r, names_ in holders[k].items()},
            }
        )
        fixed.append(set().union(*in_role[-1].values()))

    fixed_load = [sum(1 for names in fixed if m.name in names) for m in members]
    fixed_roles = [
        {r: sum(1 for at in in_role if m.name in at.get(r, ())) for r in roles} for m in members
    ]
    cap = []
    for i, m in enumerate(members):
        if m.max_sessions is None:
            cap.append(len(units))
            continue
        if fixed_load[i] > m.max_sessions and pinned_days.get(m.name):
            days_ = ", ".join(str(d) for d in pinned_days[m.name])
            raise PaperclubError(
                f"{m.name} is pinned (members[].pin) to papers on {days_}: with the sessions "
                f"already theirs that makes {fixed_load[i]}, more than max_sessions "
                f"{m.max_sessions}",
                path=path,
            )
        cap.append(max(m.max_sessions - fixed_load[i], 0))
    cap_roles = [
        {
            r: max(m.max_roles[r] - fixed_roles[i][r], 0) if r in m.max_roles else cap[i]
            for r in roles
        }
        for i, m in enumerate(members)
    ]

    problem = _Problem(
        members,
        mode,
        days,
        fixed,
        units,
        fixed_load,
        cap,
        presenters,
        path,
        group.weight("change", DEFAULT_WEIGHTS["change"]) if previous or previous_roles else 0.0,
        roles,
        fixed_roles,
        cap_roles,
        holders,
        in_role,
    )
    unavailable = [frozenset(m.unavailable) for m in members]
    prefer = [_choices(m.prefer) for m in members]
    avoid = [_choices(m.avoid) for m in members]
    for u in units:
        day, here = days[u.pos], fixed[u.pos]
        for i, m in enumerate(members):
            if day in unavailable[i] or m.name in here or cap[i] <= 0:
                continue
            if not m.takes(u.role) or cap_roles[i][u.role] <= 0:
                continue
            u.eligible.append(i)
            papers = [sessions[u.session].papers[j] for j in u.papers]
            u.gains.append(sum(affinity(m, a) for a in papers))
            if u.role == PRESENTER:
                u.kept.append(
                    all(previous.get(a.paper_id) == m.name for a in papers) if previous else False
                )
            else:
                before = (previous_roles or {}).get((sessions[u.session].id, u.role), ())
                u.kept.append(m.name in before)
            ids = [a.paper_id for a in papers]
            u.prefs.append(_liking(prefer[i], day, ids) - _liking(avoid[i], day, ids))
    empty = [u for u in units if len(u.eligible) < u.need]
    if empty:
        raise PaperclubError(_no_one(problem, empty, {}), path=path)
    return problem


def _choices(items: Iterable[str]) -> tuple[set[date], set[str]]:
    """members[].prefer or avoid: its dates, and its paper ids."""
    days, ids = set(), set()
    for item in items:
        try:
            days.add(date.fromisoformat(item))
        except ValueError:
            ids.add(item)
    return days, ids


def _liking(choices: tuple[set[date], set[str]], day: date, papers: Sequence[str]) -> int:
    """How many of a member's preferences (or avoidances) a unit meets: its date, in any
    role, and each paper of it they would present."""
    days, ids = choices
    return (day in days) + sum(1 for pid in papers if pid in ids)


def _memo(affinity: Affinity | None) -> Affinity:
    """`affinity` (default: interest_affinity), checked, and called once per member and
    paper: plugins' hooks may be slow."""
    known: dict[tuple[str, int], float] = {}

    def cached(member: Member, paper: Assignment) -> float:
        key = (member.name, id(paper))
        if key not in known:
            value = (affinity or interest_affinity)(member, paper)
            if (
                isinstance(value, bool)
                or not isinstance(value, (int, float))
                or not math.isfinite(value)
            ):
                raise PaperclubError(
                    f"the affinity of {member.name} for {paper.paper_id} is "
                    f"{value!r}, not a finite number"
                )
            known[key] = float(value)
        return known[key]

    return cached


def _no_one(p: _Problem, failed: Sequence[_Unit], chosen: Mapping[int, Sequence[int]]) -> str:
    """The message for units nobody can take: per date (and role), why each member is out.
    `chosen` is the assignment that covers the most units (unit index -> members), when
    there is one."""
    at: dict[int, dict[str, str]] = {}  # position -> member -> the role they have there
    for pos, held in enumerate(p.in_role):
        for role, names in held.items():
            for name in names:
                at.setdefault(pos, {}).setdefault(name, role)
    load = list(p.fixed_load)
    role_load = [dict(r) for r in p.fixed_roles]
    for ui, chosen_members in chosen.items():
        for i in chosen_members:
            at.setdefault(p.units[ui].pos, {})[p.members[i].name] = p.units[ui].role
            load[i] += 1
            role_load[i][p.units[ui].role] += 1
    lines, seen = [], set()
    for u in failed:
        if (u.pos, u.role) in seen:
            continue
        seen.add((u.pos, u.role))
        day = p.days[u.pos]
        reasons = []
        for i, m in enumerate(p.members):
            limit = m.max_roles.get(u.role)
            if day in m.unavailable:
                why = "is unavailable"
            elif not m.takes(u.role):
                why = f"does not take the role {u.role} (members[].roles)"
            elif m.name in at.get(u.pos, {}):
                role = at[u.pos][m.name]
                why = (
                    "presents another paper that day"
                    if role == PRESENTER
                    else f"is {role} that day"
                )
            elif m.max_sessions is not None and load[i] >= m.max_sessions:
                why = f"has reached max_sessions {m.max_sessions}"
            elif limit is not None and role_load[i][u.role] >= limit:
                why = f"has reached max {u.role} {limit}"
            else:  # not reached: the covering flow would have given them the unit
                why = "is needed on other dates"
            reasons.append(f"{m.name} {why}")
        if u.role == PRESENTER:
            head = f"no one can present on {day}"
        elif u.need > 1:
            head = f"too few members can be {u.role} on {day} ({u.need} needed)"
        else:
            head = f"no one can be {u.role} on {day}"
        lines.append(head + ": " + "; ".join(reasons))
    return "\n".join(lines)


# -- solving -----------------------------------------------------------------------------------


def assign(
    sessions: Sequence[Session],
    group: Group,
    *,
    held: Iterable[Session] = (),
    affinity: Affinity | None = None,
    mode: str | None = None,
    method: str = "exact",
    previous: Mapping[str, str] | None = None,
    previous_roles: Mapping[tuple[str, str], Sequence[str]] | None = None,
) -> Result:
    """Presenters for the papers of `sessions`, and the holders of the group's roles (see
    the module's docstring). `held` are the sessions that already took place: their
    presenters and roles count, and are never changed. `previous` maps a paper id to its
    presenter in the plan being replaced, `previous_roles` (session id, role) to the holders
    it had. `affinity(member, paper)` defaults to `interest_affinity`; `mode` to the group's
    `presenters` setting. `method="rotation"` is the round robin, for comparison."""
    mode = mode or group.presenters
    if mode not in MODES:
        raise ValueError(f"mode {mode!r} is not one of {MODES}")
    if method not in METHODS:
        raise ValueError(f"method {method!r} is not one of {METHODS}")
    held = list(held)
    if not group.members:
        out = [[a.presenter for a in s.papers] for s in sessions]
        kept = [{r: list(s.roles.get(r, ())) for r in group.roles} for s in sessions]
        return _result(sessions, group, held, out, kept, _memo(affinity), "no members", {})
    affinity = _memo(affinity)
    p = _prepare(sessions, group, held, mode, affinity, previous, previous_roles)
    status, objective = "rotation", dict[str, float]()
    choice: dict[int, list[int]] = {}
    if method == "exact":
        try:
            import highspy
        except ImportError:
            status = "rotation: highspy is not installed"
        else:
            choice, objective, status = _exact(p, highspy) if p.units else ({}, {}, "optimal")
    if status.startswith("rotation"):
        choice = _rotation(p)
    out = [list(names) for names in p.presenters]
    roles = [{r: list(names) for r, names in holders.items()} for holders in p.holders]
    for ui, chosen in sorted(choice.items()):
        u = p.units[ui]
        for i in chosen:
            if u.role == PRESENTER:
                for j in u.papers:
                    out[u.session][j] = p.members[i].name
            else:
                roles[u.session][u.role].append(p.members[i].name)
    return _result(sessions, group, held, out, roles, affinity, status, objective)


def apply(sessions: Sequence[Session], result: Result) -> None:
    """Write the presenters and roles of `result` into `sessions` (the ones given to
    `assign`); a session's locked roles stay as they are."""
    for session, names in zip(sessions, result.presenters):
        for paper, name in zip(session.papers, names):
            paper.presenter = name
    for session, roles in zip(sessions, result.roles):
        if roles:
            session.roles = {r: list(names) for r, names in roles.items() if names}


def _result(
    sessions: Sequence[Session],
    group: Group,
    held: list[Session],
    out: list[list[str | None]],
    roles: list[dict[str, list[str]]],
    affinity: Affinity,
    status: str,
    objective: dict[str, float],
) -> Result:
    members = {m.name: m for m in group.members}
    in_role: list[tuple[datetime, str, dict[str, set[str]]]] = [
        (
            s.start,
            s.id,
            {
                PRESENTER: {a.presenter for a in s.papers if a.presenter},
                **{r: set(s.roles.get(r, ())) for r in group.roles},
            },
        )
        for s in held
        if not s.cancelled
    ]
    in_role += [
        (s.start, s.id, {PRESENTER: {n for n in names if n}, **{r: set(h) for r, h in r_.items()}})
        for s, names, r_ in zip(sessions, out, roles)
        if not s.cancelled
    ]
    in_role.sort(key=lambda e: (e[0], e[1]))
    role_loads = {r: {name: 0 for name in members} for r in (PRESENTER, *group.roles)}
    for *_, at in in_role:
        for r, names in at.items():
            for name in names & members.keys():
                role_loads[r][name] += 1
    timeline = [set().union(*at.values()) for *_, at in in_role]
    consecutive = sum(len((a & b) & members.keys()) for a, b in zip(timeline, timeline[1:]))
    total, papers = 0.0, 0
    for s, chosen in zip(sessions, out):
        if s.cancelled:
            continue
        for a, presenter in zip(s.papers, chosen):
            if presenter in members:
                total += affinity(members[presenter], a)
                papers += 1
    met, asked = _preferences_met(group, in_role, sessions, out)
    return Result(
        out,
        dict(role_loads[PRESENTER]),
        consecutive,
        total,
        papers,
        status,
        objective,
        roles,
        role_loads,
        met,
        asked,
    )


def _preferences_met(
    group: Group,
    in_role: Sequence[tuple[datetime, str, dict[str, set[str]]]],
    sessions: Sequence[Session],
    out: list[list[str | None]],
) -> tuple[int, int]:
    """(preferences met, preferences in all): a date preferred is met when the member has a
    role that day, a paper when they present it; a date or paper avoided, when they do not."""
    on_day: dict[date, set[str]] = {}
    for start, _, at in in_role:
        on_day.setdefault(start.date(), set()).update(*at.values())
    presents = {
        a.paper_id: name
        for s, names in zip(sessions, out)
        if not s.cancelled
        for a, name in zip(s.papers, names)
    }
    met = asked = 0
    for m in group.members:
        for wanted, items in ((True, m.prefer), (False, m.avoid)):
            days, ids = _choices(items)
            for day in days:
                asked += 1
                met += (m.name in on_day.get(day, ())) == wanted
            for pid in ids:
                asked += 1
                met += (presents.get(pid) == m.name) == wanted
    return met, asked


def _rotation(p: _Problem) -> dict[int, list[int]]:
    """Round robin through the members in config order (paperclub's first presenter rule),
    one turn for each role: each unit to the next members who may take it, and who were not
    in the previous session if anyone else can."""
    load = list(p.fixed_load)
    role_load = [dict(r) for r in p.fixed_roles]
    at = [set(names) for names in p.fixed]
    names = [m.name for m in p.members]
    n = len(names)
    limit = [math.inf if m.max_sessions is None else m.max_sessions for m in p.members]
    role_limit = [dict(m.max_roles) for m in p.members]
    turn = dict.fromkeys(p.roles, 0)
    choice: dict[int, list[int]] = {}
    for ui, u in enumerate(p.units):
        for _ in range(u.need):
            eligible = set(u.eligible)
            order = [(turn[u.role] + d) % n for d in range(n)]
            able = [
                i
                for i in order
                if i in eligible
                and names[i] not in at[u.pos]
                and load[i] < limit[i]
                and role_load[i][u.role] < role_limit[i].get(u.role, math.inf)
            ]
            previous = at[u.pos - 1] if u.pos > 0 else set()
            fresh = [i for i in able if names[i] not in previous]
            pick = next(iter(fresh or able), None)
            if pick is None:
                break  # the check plugin reports the paper without a presenter
            choice.setdefault(ui, []).append(pick)
            load[pick] += 1
            role_load[pick][u.role] += 1
            at[u.pos].add(names[pick])
            turn[u.role] = (pick + 1) % n
    return choice


class _Model:
    """Columns and rows of a HiGHS model, row-wise."""

    def __init__(self) -> None:
        self.cost: list[float] = []
        self.lower: list[float] = []
        self.upper: list[float] = []
        self.integer: list[bool] = []
        self.starts: list[int] = [0]
        self.index: list[int] = []
        self.value: list[float] = []
        self.row_lower: list[float] = []
        self.row_upper: list[float] = []
        # after an LP solved to optimality: its reduced costs and its rows' duals
        self.reduced: list[float] = []
        self.duals: list[float] = []

    def col(self, cost: float, upper: float, integer: bool = False) -> int:
        self.cost.append(cost)
        self.lower.append(0.0)
        self.upper.append(upper)
        self.integer.append(integer)
        return len(self.cost) - 1

    def copy(self) -> _Model:
        out = _Model()
        for name, items in vars(self).items():
            setattr(out, name, list(items))
        return out

    def without_fixed(self) -> tuple[_Model, Any, Any] | None:
        """The model without its fixed columns (upper <= lower), their values moved into the
        rows' bounds, nor the rows left empty: (model, the columns kept, every column's
        values with the fixed ones filled in), or None if an empty row is broken."""
        import numpy as np

        lower, upper = np.array(self.lower), np.array(self.upper)
        fixed = upper <= lower
        base = np.where(fixed, lower, 0.0)
        kept = np.flatnonzero(~fixed)
        renumber = np.full(len(fixed), -1, dtype=np.int64)
        renumber[kept] = np.arange(len(kept))
        starts = np.array(self.starts)
        index, value = np.array(self.index, dtype=np.int64), np.array(self.value)
        rows = len(self.row_lower)
        row_of = np.repeat(np.arange(rows), np.diff(starts))
        shift = np.bincount(row_of, weights=value * base[index], minlength=rows)
        row_lower = np.array(self.row_lower) - shift
        row_upper = np.array(self.row_upper) - shift
        live = ~fixed[index]
        count = np.bincount(row_of[live], minlength=rows)
        empty = count == 0
        if np.any(empty & ((row_lower > 1e-9) | (row_upper < -1e-9))):
            return None
        entries = live & ~empty[row_of]
        out = _Model()
        out.cost = np.array(self.cost)[kept].tolist()
        out.lower, out.upper = lower[kept].tolist(), upper[kept].tolist()
        out.integer = np.array(self.integer, dtype=bool)[kept].tolist()
        out.starts = np.concatenate(([0], np.cumsum(count[~empty]))).tolist()
        out.index = renumber[index[entries]].tolist()
        out.value = value[entries].tolist()
        out.row_lower, out.row_upper = row_lower[~empty].tolist(), row_upper[~empty].tolist()
        return out, kept, base

    def row(self, terms: Iterable[tuple[int, float]], lower: float, upper: float) -> None:
        for j, a in terms:
            self.index.append(j)
            self.value.append(a)
        self.starts.append(len(self.index))
        self.row_lower.append(lower)
        self.row_upper.append(upper)

    def solve(
        self, highspy: Any, integer: bool, time_limit: float = math.inf, presolve: bool = True
    ) -> tuple[str, list[float] | None, float]:
        """(status, values when there is a solution, objective)."""
        import numpy as np

        inf = highspy.kHighsInf
        lp = highspy.HighsLp()
        lp.num_col_, lp.num_row_ = len(self.cost), len(self.row_lower)
        lp.col_cost_ = np.array(self.cost, dtype=np.float64)
        lp.col_lower_ = np.array(self.lower, dtype=np.float64)
        lp.col_upper_ = np.clip(np.array(self.upper, dtype=np.float64), 0, inf)
        lp.row_lower_ = np.clip(np.array(self.row_lower, dtype=np.float64), -inf, inf)
        lp.row_upper_ = np.clip(np.array(self.row_upper, dtype=np.float64), -inf, inf)
        lp.a_matrix_.format_ = highspy.MatrixFormat.kRowwise
        lp.a_matrix_.num_col_, lp.a_matrix_.num_row_ = lp.num_col_, lp.num_row_
        lp.a_matrix_.start_ = np.array(self.starts, dtype=np.int32)
        lp.a_matrix_.index_ = np.array(self.index, dtype=np.int32)
        lp.a_matrix_.value_ = np.array(self.value, dtype=np.float64)
        if integer:
            kinds = highspy.HighsVarType
            lp.integrality_ = [kinds.kInteger if i else kinds.kContinuous for i in self.integer]
        h = _new_highs(highspy)
        for name, value in (
            ("output_flag", False),
            ("threads", 1),
            ("random_seed", 0),
            ("mip_rel_gap", 0.0),
            ("mip_abs_gap", 1e-6),
        ):
            h.setOptionValue(name, value)
        if not presolve:
            h.setOptionValue("presolve", "off")
        if math.isfinite(time_limit):
            h.setOptionValue("time_limit", float(time_limit))
        h.passModel(lp)
        h.run()
        status = h.getModelStatus()
        statuses = highspy.HighsModelStatus
        info = h.getInfo()
        if status == statuses.kOptimal:
            solution = h.getSolution()
            if not integer:
                self.reduced, self.duals = list(solution.col_dual), list(solution.row_dual)
            return "optimal", list(solution.col_value), info.objective_function_value
        if status in (statuses.kInfeasible, statuses.kUnboundedOrInfeasible):
            return "infeasible", None, math.inf
        found = integer and info.primal_solution_status == highspy.kSolutionStatusFeasible
        values = list(h.getSolution().col_value) if found else None
        return h.modelStatusToString(status), values, info.objective_function_value


def _flow(
    p: _Problem,
    m: _Model,
    x_cost: Callable[[_Unit, int], float] = lambda u, i: 0.0,
    integer: bool = False,
    slack: bool = False,
) -> tuple[dict[tuple[int, int], int], list[tuple[int, float]], list[int]]:
    """The flow part: x, the unit rows, one unit per member and session (nobody in two
    roles of a session, nor presenting two papers of one per_paper), the balance levels of
    each member's roles, and each member's max_sessions over all their roles. Returns the x
    columns, the balance terms and the slack columns."""
    x: dict[tuple[int, int], int] = {}
    slacks = []
    by_member: dict[tuple[int, str], list[int]] = {}
    by_member_pos: dict[tuple[int, int], list[int]] = {}
    positions: dict[tuple[int, str], set[int]] = {}
    n_units = len(p.units)
    for ui, u in enumerate(p.units):
        cols = []
        for i in u.eligible:
            j = x[ui, i] = m.col(x_cost(u, i), 1.0, integer)
            cols.append(j)
            by_member.setdefault((i, u.role), []).append(j)
            by_member_pos.setdefault((i, u.pos), []).append(j)
            positions.setdefault((i, u.role), set()).add(u.pos)
        terms = [(j, 1.0) for j in cols]
        if slack:  # dropping a unit costs more than any later one: the earliest are covered
            s = m.col(float(n_units - ui + n_units), float(u.need))
            slacks.append(s)
            terms.append((s, 1.0))
        m.row(terms, float(u.need), float(u.need))
    # per_session without roles has one unit a session: no row is needed then
    for cols in by_member_pos.values():
        if len(cols) > 1:
            m.row([(j, 1.0) for j in cols], -math.inf, 1.0)
    balance = []
    order = {role: k for k, role in enumerate(p.roles)}
    for i, role in sorted(by_member, key=lambda key: (key[0], order[key[1]])):
        cols = by_member[i, role]
        f = p.fixed_roles[i][role]
        levels = min(p.cap_roles[i][role], p.cap[i], len(positions[i, role]))
        terms = [(j, -1.0) for j in cols]
        for level in range(1, levels + 1):
            cost = 2 * (f + level) - 1
            w = m.col(0.0, 1.0)
            balance.append((w, float(cost)))
            terms.append((w, 1.0))
        m.row(terms, 0.0, 0.0)
    # max_sessions counts every role: a row of its own when a member may take more than one
    for i, member in enumerate(p.members):
        mine = [key for key in by_member if key[0] == i]
        if member.max_sessions is not None and len(mine) > 1:
            cols = [j for key in mine for j in by_member[key]]
            m.row([(j, 1.0) for j in cols], -math.inf, float(p.cap[i]))
    return x, balance, slacks


def _exact(p: _Problem, highspy: Any) -> tuple[dict[int, list[int]], dict[str, float], str]:
    # 1. the least balance: a flow whose LP is integral when the group has no roles; with
    # roles a member's seats meet in two ways (their sessions, their roles), the LP may be
    # fractional, and the least balance B* is then found with integers (below)
    roles = len(p.roles) > 1
    lp = _Model()
    flow_x, balance, _ = _flow(p, lp)
    for j, cost in balance:
        lp.cost[j] = cost
    # with roles HiGHS's presolve costs more than it saves here too
    status, flow, best = lp.solve(highspy, integer=False, presolve=not roles)
    if status == "infeasible":
        raise PaperclubError(_diagnose(p, highspy), path=p.group_path)
    if status != "optimal" or flow is None:
        raise PaperclubError(f"the presenter assignment failed: HiGHS says {status}")
    bound = best
    fractional = any(1e-6 < flow[j] < 1 - 1e-6 for j in flow_x.values())

    def least_balance() -> tuple[dict[tuple[int, int], int], list[float], float]:
        whole = _Model()
        flow_x, balance, _ = _flow(p, whole, integer=True)
        for j, cost in balance:
            whole.cost[j] = cost
        status, flow, best = whole.solve(highspy, integer=True, time_limit=TIME_LIMIT)
        if status == "infeasible":
            raise PaperclubError(_diagnose(p, highspy), path=p.group_path)
        if status != "optimal" or flow is None:
            raise PaperclubError(f"the role assignment failed: HiGHS says {status}")
        return flow_x, flow, best

    guessed = fractional and roles
    if guessed:
        # B* is at least the LP's optimum: the MIP below first tries the least integer
        # above it; only if no assignment has that balance is B* solved for on its own
        best = float(math.ceil(bound - 1e-6))
    elif fractional:
        flow_x, flow, best = least_balance()
    fixed_balance = sum(n * n for roles in p.fixed_roles for n in roles.values())

    # 2. the fewest consecutive pairs, then the members' preferences met, then the most
    # affinity (keeping a presenter or a role counts), at that balance
    keep = p.keep

    def value(u: _Unit, k: int) -> float:
        return u.gains[k] + (keep if u.kept[k] else 0.0)

    def spread(of: Callable[[_Unit, int], float]) -> float:
        return sum(
            u.need
            * (
                max(of(u, k) for k in range(len(u.eligible)))
                - min(of(u, k) for k in range(len(u.eligible)))
            )
            for u in p.units
        )

    P = 1.0 + spread(value)  # one preference met outweighs all affinity
    K = 1.0 + P * spread(lambda u, k: float(u.prefs[k])) + spread(value)  # one pair, both
    names = [m.name for m in p.members]

    def x_cost(u: _Unit, i: int) -> float:
        k = u.eligible.index(i)
        near = sum(
            1 for q in (u.pos - 1, u.pos + 1) if 0 <= q < len(p.fixed) and names[i] in p.fixed[q]
        )
        return K * near - P * u.prefs[k] - value(u, k)

    def final(best: float) -> tuple[dict[tuple[int, int], int], str, list[float] | None]:
        mip = _Model()
        x, balance, _ = _flow(p, mip, x_cost, integer=True)
        if roles:  # without roles the model stays the one solved before, term for term
            _fix(mip, lp, best - bound)
        mip.row(balance, -math.inf, best + 0.5)
        at: dict[tuple[int, int], list[int]] = {}
        for (ui, i), j in x.items():
            at.setdefault((i, p.units[ui].pos), []).append(j)
        for (i, pos), cols in sorted(at.items()):
            nxt = at.get((i, pos + 1))
            if nxt is None:
                continue
            c = mip.col(K, 1.0)
            mip.row([(c, 1.0)] + [(j, -1.0) for j in cols + nxt], -1.0, math.inf)
        started, left = time.perf_counter(), TIME_LIMIT
        if roles:  # without roles the model is solved as before, term for term
            status, values = _on_face(mip, highspy)
            if status is not None:
                return x, status, values
            left = max(TIME_LIMIT - (time.perf_counter() - started), 1.0)
        # with roles, HiGHS's presolve costs more than it saves on the fixed model
        status, values, _ = mip.solve(highspy, integer=True, time_limit=left, presolve=not roles)
        return x, status, values

    x, status, values = final(best)
    if guessed and values is None:  # no assignment of that balance (or none found in time)
        flow_x, flow, best = least_balance()
        x, status, values = final(best)
    got = values if values is not None else flow  # stopped without one: the balance step's
    choice: dict[int, list[int]] = {}
    for (ui, i), j in (x if values is not None else flow_x).items():
        if got[j] > 0.5:
            choice.setdefault(ui, []).append(i)
    if sum(len(c) for c in choice.values()) != sum(u.need for u in p.units):
        raise PaperclubError(f"the presenter assignment failed: HiGHS says {status}")
    gained = sum(
        p.units[ui].gains[p.units[ui].eligible.index(i)] for ui, c in choice.items() for i in c
    )
    note = "optimal" if status == "optimal" else f"feasible: HiGHS stopped ({status})"
    objective = {"balance": best + fixed_balance, "affinity": gained}
    if any(any(u.prefs) for u in p.units):
        objective["preferences"] = float(
            sum(
                p.units[ui].prefs[p.units[ui].eligible.index(i)]
                for ui, c in choice.items()
                for i in c
            )
        )
    return choice, objective, note


def _on_face(mip: _Model, highspy: Any) -> tuple[str | None, list[float] | None]:
    """The MIP solved on its LP relaxation's optimal face, exact: (status, values), or
    (None, None) when the MIP must be solved whole. The relaxation's optimum L bounds the
    MIP's from below; when its solution is integral it is the MIP's optimum. Else `_fix`
    with no gap keeps only the columns and rows that may differ from the relaxation's
    solution in an assignment of objective L, and the MIP on them, without the columns
    fixed, is solved: every solution it has is of objective L (give or take the columns
    and rows of duals within `_fix`'s margin, which is why its objective is checked), so
    an optimal one whose objective is L is the MIP's optimum. If it has none (no
    assignment reaches the relaxation's bound), the whole MIP is solved."""
    import numpy as np

    status, values, bound = mip.solve(highspy, integer=False, presolve=False)
    if status == "infeasible":  # no assignment: the MIP has none either
        return status, None
    if status != "optimal" or values is None:
        return None, None
    got = np.array(values)
    whole = np.array(mip.integer, dtype=bool)
    if np.all(np.abs(got[whole] - np.round(got[whole])) <= 1e-6):
        return "optimal", values
    face = mip.copy()
    _fix(face, mip, 0.0)
    narrow = face.without_fixed()
    if narrow is None:
        return None, None
    small, kept, full = narrow
    status, values, _ = small.solve(highspy, integer=True, time_limit=TIME_LIMIT, presolve=False)
    if status != "optimal" or values is None:
        return None, None
    full[kept] = values
    if float(np.dot(np.array(mip.cost), full)) > bound + 1e-6:
        return None, None
    return "optimal", full.tolist()


def _fix(m: _Model, lp: _Model, gap: float) -> None:
    """Reduced cost fixing, exact. `lp` is the balance LP solved to optimality; its columns
    and rows come first in `m`, in the same order; its optimum is `gap` below the least
    balance B*. For any assignment of balance B*, the LP's objective is at least its optimum
    plus each column's reduced cost times how far the column is from the bound it sits at
    (and each row's dual times how far the row is from its bound): so a column whose reduced
    cost is more than `gap` moves at most gap/|reduced cost| from that bound (a 0/1 column:
    not at all), and when the LP's optimum is B* itself every row with a dual is tight. This
    leaves the MIP only the assignments that may be of the least balance, and its LP
    relaxation no room to spread a member's load thin."""
    margin = 1e-3  # well above HiGHS's dual tolerance: a column near the limit stays free
    for j, d in enumerate(lp.reduced):
        if abs(d) <= gap + margin:
            continue
        room = 0.0 if m.integer[j] else gap / abs(d)
        if d > 0:
            m.upper[j] = min(m.upper[j], m.lower[j] + room)
        else:
            m.lower[j] = max(m.lower[j], m.upper[j] - room)
    if gap > margin:
        return
    for r, y in enumerate(lp.duals):
        if abs(y) <= margin:
            continue
        if m.row_lower[r] == -math.inf:
            m.row_lower[r] = m.row_upper[r]
        elif m.row_upper[r] == math.inf:
            m.row_upper[r] = m.row_lower[r]


def _diagnose(p: _Problem, highspy: Any) -> str:
    """Cover as many units as possible, the earliest first; name the dates left over."""
    m = _Model()
    x, _, slacks = _flow(p, m, slack=True)  # only the slacks cost: x and levels are free
    status, values, _ = m.solve(highspy, integer=False)
    if status != "optimal" or values is None:
        return "presenters cannot be assigned: HiGHS says " + status
    failed = [p.units[ui] for ui, s in enumerate(slacks) if values[s] > 0.5]
    chosen: dict[int, list[int]] = {}
    for (ui, i), j in x.items():
        if values[j] > 0.5:
            chosen.setdefault(ui, []).append(i)
    if not failed:
        return "presenters cannot be assigned (no date fails alone)"
    return _no_one(p, failed, chosen)


# -- the members' view -------------------------------------------------------------------------


def summary(sessions: Sequence[Session], members: Sequence[Member]) -> list[dict[str, Any]]:
    """Per member: the sessions they present (date, id, papers), their load (sessions), how
    many papers, and the topics they got (each paper's first topic, most often first). The
    members in config order, then anyone else the plan names as a presenter, by name.
    Cancelled sessions are left out; held ones count."""
    rows: dict[str, dict[str, Any]] = {}

    def row(name: str, member: Member | None) -> dict[str, Any]:
        return rows.setdefault(
            name,
            {
                "name": name,
                "email": member.email if member else None,
                "member": member is not None,
                "max_sessions": member.max_sessions if member else None,
                "load": 0,
                "papers": 0,
                "sessions": [],
                "topics": {},
            },
        )

    for m in members:
        row(m.name, m)
    for s in sorted(sessions, key=lambda s: (s.start, s.id)):
        if s.cancelled:
            continue
        by: dict[str, list[Assignment]] = {}
        for a in s.papers:
            if a.presenter:
                by.setdefault(a.presenter, []).append(a)
        for name, papers in by.items():
            r = rows[name] if name in rows else row(name, None)
            r["sessions"].append(
                {
                    "id": s.id,
                    "date": s.start.date().isoformat(),
                    "papers": [
                        {
                            "id": a.paper_id,
                            "title": a.title,
                            "topics": list(a.topics),
                            "affinity": dict(sorted(a.affinity.items())),
                        }
                        for a in papers
                    ],
                }
            )
            r["load"] += 1
            r["papers"] += len(papers)
            for a in papers:
                if a.topics:
                    r["topics"][a.topics[0]] = r["topics"].get(a.topics[0], 0) + 1
    out = [rows[m.name] for m in members]
    out += [rows[n] for n in sorted(rows) if not rows[n]["member"]]
    for r in out:
        r["topics"] = dict(sorted(r["topics"].items(), key=lambda kv: (-kv[1], kv[0])))
    return out
