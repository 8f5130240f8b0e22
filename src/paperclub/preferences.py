"""The members' preferences (members[].prefer, avoid) against a plan: which are met, and for
the others why not, derived from the plan itself.

A preference not met is explained seat by seat: for each seat that would meet it (a date's
papers and roles, or the paper preferred; for an avoid, the seat the member holds), first
the hard rules that forbid handing it over (unavailable, a role the member does not take,
max_sessions or max reached, nobody in two roles of a session, another member's lock or
pin), then, when none does, the aims: the plan with that one seat handed over is compared
with the plan as it is on each aim in order (balance per role, consecutive sessions,
preferences, affinity), and the first aim it is worse on is the one that won. A swap that is
as good on every aim is said to be a tie. For an avoid, every other member who could take
the seat is tried, and the best of those swaps is the one reported.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from paperclub import presenters
from paperclub.models import Assignment, Group, Member, Plan

PRESENTER = presenters.PRESENTER
AIMS = ("balance per role", "consecutive sessions", "preferences met", "affinity")


@dataclass
class Outcome:
    member: str
    kind: str  # prefer | avoid
    item: str  # a date or a paper id, as written
    met: bool
    reasons: list[str] = field(default_factory=list)  # when not met: one line per seat

    def to_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "item": self.item, "met": self.met, "reasons": self.reasons}

    def line(self) -> str:
        head = f"{self.member} {'prefers' if self.kind == 'prefer' else 'avoids'} {self.item}"
        return head + (": met" if self.met else ": not met")


@dataclass
class _Seat:
    session: int  # index into the plan's sessions
    role: str
    holder: str
    papers: tuple[int, ...] = ()  # the papers of a presenter's seat


class _State:
    """The plan's presenters and roles, as lists that a swap can change and the aims read."""

    def __init__(self, plan: Plan, group: Group) -> None:
        self.plan, self.group = plan, group
        self.sessions = list(plan.sessions)
        self.members = {m.name: m for m in group.members}
        self.out = [[a.presenter for a in s.papers] for s in self.sessions]
        self.roles = [{r: list(s.roles.get(r, ())) for r in group.roles} for s in self.sessions]
        self.base = self.aims(self.out, self.roles)

    def affinity(self, member: Member, paper: Assignment) -> float:
        # the presenter's affinity as the plan kept it; anyone else's by the built-in one
        if member.name == paper.presenter and paper.affinity:
            return sum(paper.affinity.values())
        return presenters.interest_affinity(member, paper)

    def aims(
        self, out: list[list[str | None]], roles: list[dict[str, list[str]]]
    ) -> tuple[float, ...]:
        r = presenters._result(self.sessions, self.group, [], out, roles, self.affinity, "", {})
        balance = sum(n * n for loads in r.role_loads.values() for n in loads.values())
        return (balance, r.consecutive, -r.preferences_met, -r.affinity)

    def seats(self, k: int) -> list[_Seat]:
        s = self.sessions[k]
        if s.cancelled:
            return []
        out: list[_Seat] = []
        by: dict[str, list[int]] = {}
        for j, name in enumerate(self.out[k]):
            if name is None:
                continue
            if self.group.presenters == "per_session":
                by.setdefault(name, []).append(j)
            else:
                out.append(_Seat(k, PRESENTER, name, (j,)))
        out += [_Seat(k, PRESENTER, name, tuple(js)) for name, js in by.items()]
        out += [_Seat(k, r, name) for r, names in self.roles[k].items() for name in names]
        return out

    def load(self, name: str, role: str | None = None) -> int:
        n = 0
        for k, s in enumerate(self.sessions):
            if s.cancelled:
                continue
            here: dict[str, set[str | None]] = {PRESENTER: set(self.out[k])}
            here.update((r, set(h)) for r, h in self.roles[k].items())
            n += any(name in names for r, names in here.items() if role in (None, r))
        return n

    def ids(self, seat: _Seat) -> list[str]:
        return [self.sessions[seat.session].papers[j].paper_id for j in seat.papers]

    def kept(self, seat: _Seat) -> str | None:
        """The lock or pin that keeps `seat` with its holder, if any."""
        s = self.sessions[seat.session]
        holder = self.members.get(seat.holder)
        papers = [s.papers[j] for j in seat.papers]
        if s.locked or any(a.locked or a.presenter_locked for a in papers):
            return f"{seat.holder} holds it by a lock"
        if seat.holder in s.locked_roles.get(seat.role, ()):
            return f"{seat.holder} holds it by a lock (a claim)"
        if holder and any(a.paper_id in holder.pin for a in papers):
            return f"it is pinned to {seat.holder} (members[].pin)"
        return None

    def forbidden(self, seat: _Seat, taker: str) -> str | None:
        """The hard rule that stops `taker` from taking `seat` from its holder, if any."""
        kept = self.kept(seat)
        if kept:
            return kept
        day = self.sessions[seat.session].start.date()
        m = self.members.get(taker)
        if m is None:
            return f"{taker} is not a member"
        if day in m.unavailable:
            return f"{taker} is unavailable that day"
        if not m.takes(seat.role):
            return f"{taker} does not take the role {seat.role} (members[].roles)"
        for other in self.seats(seat.session):
            if other.holder == taker and other != seat:
                what = "presents" if other.role == PRESENTER else f"is {other.role}"
                return f"{taker} {what} that day: nobody holds two roles of a session"
        if m.max_sessions is not None and self.load(taker) >= m.max_sessions:
            return f"{taker} has reached max_sessions {m.max_sessions}"
        most = m.max_roles.get(seat.role)
        if most is not None and self.load(taker, seat.role) >= most:
            return f"{taker} has reached max {seat.role} {most}"
        return None

    def swapped(self, seat: _Seat, taker: str) -> tuple[float, ...]:
        out = [list(names) for names in self.out]
        roles = [{r: list(h) for r, h in at.items()} for at in self.roles]
        if seat.role == PRESENTER:
            for j in seat.papers:
                out[seat.session][j] = taker
        else:
            names = roles[seat.session][seat.role]
            names[names.index(seat.holder)] = taker
        return self.aims(out, roles)

    def verdict(self, seat: _Seat, taker: str, after: tuple[float, ...]) -> str:
        """Which aim the plan as it is wins on against the swap (`after`), and by how much."""
        for name, now, then in zip(AIMS, self.base, after):
            if then > now + 1e-9:
                if name in ("preferences met", "affinity"):  # kept negated to minimize
                    now, then = -now, -then
                return f"{name} would be worse ({_num(now)} now, {_num(then)} with {taker})"
            if then < now - 1e-9:
                return f"{name} would be better with {taker}: the plan is not the best there"
        return f"a tie: {taker} instead is as good on every aim"

    def what(self, seat: _Seat) -> str:
        s = self.sessions[seat.session]
        if seat.role == PRESENTER:
            ids = ", ".join(s.papers[j].paper_id for j in seat.papers)
            return f"{seat.holder} presents {ids} on {s.start.date()}"
        return f"{seat.holder} is {seat.role} on {s.start.date()}"


def _num(value: float) -> str:
    return f"{value:g}"


def outcomes(plan: Plan, group: Group, names: Sequence[str] | None = None) -> list[Outcome]:
    """Every preference of the members (or of those named), met or not, in config order."""
    state: _State | None = None
    found = []
    for m in group.members:
        if names is not None and m.name not in names or not (m.prefer or m.avoid):
            continue
        if state is None:
            state = _State(plan, group)
        for kind, items in (("prefer", m.prefer), ("avoid", m.avoid)):
            for item in items:
                found.append(_outcome(state, m, kind, item))
    return found


def about_paper(plan: Plan, group: Group, paper_id: str) -> list[str]:
    """`paperclub why PAPER`: the lines for members who prefer or avoid it and are not met."""
    lines = []
    for o in outcomes(plan, group):
        if o.item == paper_id and not o.met:
            lines.append(o.line())
            lines += [f"  {r}" for r in o.reasons]
    return lines


def _day(item: str) -> date | None:
    try:
        return date.fromisoformat(item)
    except ValueError:
        return None


def _outcome(state: _State, m: Member, kind: str, item: str) -> Outcome:
    day = _day(item)
    where = [
        k
        for k, s in enumerate(state.sessions)
        if not s.cancelled
        and (s.start.date() == day if day else any(a.paper_id == item for a in s.papers))
    ]
    seats = [seat for k in where for seat in state.seats(k)]
    if not day:  # a paper: only the seat that presents it
        seats = [seat for seat in seats if item in state.ids(seat)]
    mine = [seat for seat in seats if seat.holder == m.name]
    met = bool(mine) if kind == "prefer" else not mine
    if met:
        return Outcome(m.name, kind, item, True)
    if not where:
        what = "no session on that date" if day else "the paper is not in the plan"
        return Outcome(m.name, kind, item, False, [what])
    if kind == "prefer":
        reasons = []
        for seat in seats:
            rule = state.forbidden(seat, m.name)
            why = rule or state.verdict(seat, m.name, state.swapped(seat, m.name))
            reasons.append(f"{state.what(seat)}: {why}")
        return Outcome(m.name, kind, item, False, reasons or ["no seat in that session"])
    reasons = []
    for seat in mine:
        rule = state.kept(seat)  # a lock or pin of their own keeps them
        if rule:
            reasons.append(f"{state.what(seat)}: {rule}")
            continue
        tried, out = [], []
        for other in state.members:
            if other == m.name:
                continue
            no = state.forbidden(seat, other)
            if no:
                out.append(no)
            else:
                tried.append((state.swapped(seat, other), other))
        if not tried:
            reasons.append(f"{state.what(seat)}: no one else can take it: " + "; ".join(out))
            continue
        after, other = min(tried)
        reasons.append(f"{state.what(seat)}: {state.verdict(seat, other, after)}")
    return Outcome(m.name, kind, item, False, reasons)
