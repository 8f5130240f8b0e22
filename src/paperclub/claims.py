"""`paperclub claim` and `paperclub release`: a member signs up for a paper (as its
presenter) or for a role of a session (a chair, a scribe), or gives the sign-up back.

A claim is a lock in the plan file (`presenter: {name: ..., locked: true}`, or the role's
`{name: ..., locked: true}`), which every re-plan keeps. It is checked at once against the
rules the planner keeps (availability, the roles a member takes, someone else's lock, one
turn per session, max_sessions and `max: {role: n}`): a claim that breaks one is refused
with its reason and the seats still open to the member, and nothing is written.

Two claims at once (two members at two terminals, a form's handler called twice) must not
both win, nor one undo the other: the read of the plan file, the check and the write happen
under an exclusive lock of a file beside the plan file (`GROUP.plan.lock`, fcntl.flock, the
same `paperclub plan` takes), and the plan file is written atomically. The second claim
reads the plan the first wrote, so it is told who has the seat.
"""

from __future__ import annotations

import difflib
import os
import time as clock
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from paperclub import planfile
from paperclub.errors import PaperclubError
from paperclub.files import flock
from paperclub.messages import clip
from paperclub.models import Assignment, Group, Member, Plan, Session
from paperclub.text import slugify
from paperclub.turns import PRESENTER, holders, role_of

if TYPE_CHECKING:
    from paperclub.plugins import Hooks

LOCK_WAIT = 60.0  # seconds a claim waits for a plan or another claim to finish
ALTERNATIVES = 5  # open seats a refusal names


def lock_path(plan_path: Path) -> Path:
    """`ml-systems.plan.yaml` -> `ml-systems.plan.lock`, beside it."""
    return plan_path.with_name(plan_path.name.removesuffix(".yaml") + ".lock")


@contextmanager
def locked(plan_path: Path, wait: float = LOCK_WAIT) -> Iterator[None]:
    """Hold the exclusive lock of the plan file at `plan_path`: who reads it to change it
    (a claim, a release, a re-plan) does so under it, so no change is lost to another.

    The lock file exists only while someone holds it, so the folder keeps only the group's
    own files. Whoever removes it does so holding the lock; one who was waiting on the
    removed file finds it is no longer the file at that path, and tries again."""
    try:
        import fcntl  # noqa: F401 (flock's; its absence is checked here)
    except ImportError:  # not on POSIX: changes are not kept apart, each is still atomic
        yield
        return
    path = lock_path(plan_path)
    deadline = clock.monotonic() + wait
    busy = (
        "another paperclub command is changing this plan; nothing was changed (run again "
        "once it is done)"
    )
    while True:
        handle = path.open("a+b")
        try:
            flock(handle, deadline, busy, plan_path)
            try:
                current = os.stat(path).st_ino == os.fstat(handle.fileno()).st_ino
            except FileNotFoundError:
                current = False
            if current:
                try:
                    yield
                finally:
                    path.unlink(missing_ok=True)
                return
        finally:
            handle.close()  # closing it lets the lock go


@dataclass
class Seat:
    """What a claim is for: a paper's presenter (per_paper), a session's presenter
    (per_session: every paper of it), or a role of a session."""

    session: Session
    role: str  # "presenter" or one of the group's roles
    paper: Assignment | None = None  # the paper, for a presenter per_paper

    def describe(self, zone: ZoneInfo) -> str:
        """`chair of 2027-01-14`, `presenter of 2410.17243 (2027-01-14)`."""
        day = day_of(self.session, zone)
        if self.paper is not None:
            return f"presenter of {self.paper.paper_id} ({day})"
        return f"{self.role} of {day}"


@dataclass
class Outcome:
    member: str
    seat: Seat
    what: str  # the seat in words: `chair of 2027-01-14`
    plan_path: Path
    displaced: list[str] = field(default_factory=list)  # whose turn the claim took
    changed: bool = True  # False: the member held this claim already (release: never)
    written: list[Path] = field(default_factory=list)
    outputs: list[Path] = field(default_factory=list)


class Refused(PaperclubError):
    """A claim against a rule: the reason, then the seats still open to the member."""

    def __init__(self, reason: str, open_seats: list[str], name: str):
        lines = [reason]
        if open_seats:
            lines.append(f"open to {name}:")
            lines += [f"  {seat}" for seat in open_seats]
        super().__init__("\n".join(lines))
        self.reason = reason
        self.open_seats = open_seats


def day_of(session: Session, zone: ZoneInfo) -> date:
    return session.start.astimezone(zone).date()


def find_member(group: Group, name: str) -> Member:
    """The member `name` means: exact, else the one equal ignoring case and accents; an
    error with the closest names otherwise."""
    by_name = {m.name: m for m in group.members}
    if name in by_name:
        return by_name[name]
    same = [m for m in group.members if slugify(m.name) == slugify(name)]
    if len(same) == 1:
        return same[0]
    close = difflib.get_close_matches(name, list(by_name), n=1)
    hint = f"did you mean {close[0]!r}?" if close else f"members: {', '.join(by_name) or 'none'}"
    raise PaperclubError(f"{name!r} is not a member of {group.name}; {hint}", path=group.path)


def _role(group: Group, role: str | None) -> str | None:
    if role is None or role == PRESENTER or role in group.roles:
        return role
    known = [*group.roles, PRESENTER]
    close = difflib.get_close_matches(role, known, n=1)
    hint = f"did you mean {close[0]!r}?" if close else f"roles: {', '.join(known)}"
    raise PaperclubError(f"{group.name} has no role {role!r}; {hint}", path=group.path)


def find_seat(plan: Plan, group: Group, target: str, role: str | None) -> Seat:
    """The seat `target` (a session's date, or a paper id) and `role` name."""
    zone = ZoneInfo(plan.timezone)
    role = _role(group, role)
    try:
        day = date.fromisoformat(target)
    except ValueError:
        day = None
    if day is None:
        return _paper_seat(plan, group, target, role)
    sessions = [s for s in plan.sessions if day_of(s, zone) == day]
    if not sessions:
        dates = [day_of(s, zone).isoformat() for s in plan.sessions]
        close = difflib.get_close_matches(target, dates, n=2)
        hint = f"did you mean {' or '.join(close)}?" if close else "the plan has no sessions"
        raise PaperclubError(f"{target} is not a date of a session of the plan; {hint}")
    session = next((s for s in sessions if not s.cancelled), sessions[0])
    if role in (None, PRESENTER):
        if group.presenters == "per_session":
            return Seat(session, PRESENTER)
        papers = ", ".join(a.paper_id for a in session.papers) or "none yet"
        roles = ", ".join(group.roles)
        also = f", or a role with --role ({roles})" if roles else ""
        raise PaperclubError(
            f"each paper of {target} has its own presenter: give a paper ({papers}) to "
            f"present it{also}"
        )
    return Seat(session, role)


def _paper_seat(plan: Plan, group: Group, target: str, role: str | None) -> Seat:
    if role not in (None, PRESENTER):
        raise PaperclubError(
            f"{target} is not a date: a paper is claimed to present it; for the {role} of a "
            "session, give its date (2027-01-14)"
        )
    found = [(s, a) for s in plan.sessions for a in s.papers if a.paper_id == target]
    live = [(s, a) for s, a in found if not s.cancelled]
    if not found:
        ids = [a.paper_id for s in plan.sessions if not s.cancelled for a in s.papers]
        close = [i for i in ids if i.startswith(target)][:2] or difflib.get_close_matches(
            target, ids, n=2, cutoff=0.5
        )
        hint = f"did you mean {' or '.join(close)}?" if close else "`paperclub show` lists them"
        raise PaperclubError(f"{target} is neither a date nor a paper of the plan; {hint}")
    session, paper = (live or found)[0]
    if group.presenters == "per_session":
        return Seat(session, PRESENTER)
    return Seat(session, PRESENTER, paper)


# -- the rules ------------------------------------------------------------------------------


def _claimed_by_others(seat: Seat, name: str) -> list[str]:
    """Who holds the seat by a lock, other than `name`."""
    s = seat.session
    if seat.role != PRESENTER:
        return [n for n in s.locked_roles.get(seat.role, []) if n != name]
    papers = [seat.paper] if seat.paper is not None else s.papers
    return list(
        dict.fromkeys(
            a.presenter
            for a in papers
            if a.presenter and a.presenter != name and (a.presenter_locked or a.locked)
        )
    )


def holds(seat: Seat, name: str) -> bool:
    """Whether `name` holds the seat now (by a lock or not)."""
    s = seat.session
    if seat.role != PRESENTER:
        return name in s.roles.get(seat.role, [])
    if seat.paper is not None:
        return seat.paper.presenter == name
    return bool(s.papers) and all(a.presenter == name for a in s.papers)


def _turns(plan: Plan, name: str, role: str | None = None) -> list[Session]:
    """The sessions not cancelled where `name` has a turn (in `role`, when given)."""
    return [
        s
        for s in plan.sessions
        if not s.cancelled and (name in holders(s) if role is None else role_of(s, name) == role)
    ]


def refusal(plan: Plan, group: Group, member: Member, seat: Seat, today: date) -> str | None:
    """Why `member` may not claim `seat` now, or None when they may."""
    zone = ZoneInfo(plan.timezone)
    s, name, role = seat.session, member.name, seat.role
    day = day_of(s, zone)
    what = seat.describe(zone)
    if s.cancelled:
        return f"the session of {day} is cancelled"
    if day < today:
        return f"the session of {day} was held (it is before {today})"
    if s.locked:
        return f"the session of {day} is locked in the plan file: it stays as it is"
    if role == PRESENTER and not s.papers:
        return f"the session of {day} has no papers yet"
    if day in member.unavailable:
        return f"{name} is unavailable on {day} (members[].unavailable)"
    if not member.takes(role):
        return f"{name} does not take the role {role} (members[].roles: {', '.join(member.roles or ())})"
    others = _claimed_by_others(seat, name)
    seats = group.roles.get(role, 1) if role != PRESENTER else 1
    if len(others) >= seats:
        who = " and ".join(others)
        return f"{who} {'has' if len(others) == 1 else 'have'} claimed the {what}"
    if holds(seat, name):
        return None
    mine = role_of(s, name)
    if mine is not None:
        doing = "already presents" if mine == PRESENTER else f"is already {mine}"
        return f"{name} {doing} on {day}: nobody has two turns in one session"
    if member.max_sessions is not None:
        taken = _turns(plan, name)
        if name not in holders(s) and len(taken) >= member.max_sessions:
            return (
                f"{name} has reached max_sessions {member.max_sessions} "
                f"({', '.join(str(day_of(t, zone)) for t in taken)})"
            )
    most = member.max_roles.get(role)
    if most is not None:
        taken = _turns(plan, name, role)
        if len(taken) >= most:
            return (
                f"{name} has reached max {role} {most} "
                f"({', '.join(str(day_of(t, zone)) for t in taken)})"
            )
    return None


def open_seats(plan: Plan, group: Group, member: Member, seat: Seat, today: date) -> list[str]:
    """The next seats like `seat` that `member` could claim: the role (or a session's
    presenter) in other sessions, or other papers to present; up to ALTERNATIVES."""
    zone = ZoneInfo(plan.timezone)
    ahead = sorted(
        (s for s in plan.sessions if s is not seat.session and day_of(s, zone) >= today),
        key=lambda s: (s.start, s.id),
    )
    if seat.paper is not None:
        seats = [Seat(s, PRESENTER, a) for s in ahead for a in s.papers]
        seats = [Seat(seat.session, PRESENTER, a) for a in seat.session.papers] + seats
        seats = [x for x in seats if x.paper is not seat.paper]
    else:
        seats = [Seat(s, seat.role) for s in ahead]
    out: list[str] = []
    for x in seats:
        if len(out) == ALTERNATIVES:
            break
        if holds(x, member.name) or refusal(plan, group, member, x, today) is not None:
            continue
        day = day_of(x.session, zone)
        if x.paper is not None:
            out.append(f"{x.paper.paper_id} on {day}: {clip(x.paper.title, 60)}")
        else:
            out.append(f"{x.role} of {day} ({x.session.id})")
    return out


# -- the change -----------------------------------------------------------------------------


def take(group: Group, seat: Seat, name: str) -> list[str]:
    """Give `name` the seat, locked; who it was taken from."""
    s = seat.session
    if seat.role != PRESENTER:
        names = s.roles.setdefault(seat.role, [])
        locks = s.locked_roles.setdefault(seat.role, [])
        displaced = []
        if name not in names:
            free = len(names) < group.roles.get(seat.role, 1)
            victim = None if free else next((n for n in names if n not in locks), None)
            if victim is None:
                names.append(name)
            else:
                names[names.index(victim)] = name
                displaced.append(victim)
        if name not in locks:
            locks.append(name)
        return displaced
    papers = [seat.paper] if seat.paper is not None else s.papers
    displaced = list(dict.fromkeys(a.presenter for a in papers if a.presenter not in (None, name)))
    for a in papers:
        a.presenter, a.presenter_locked = name, True
    return [n for n in displaced if n]


def give_back(seat: Seat, name: str) -> bool:
    """Take `name`'s lock off the seat (they keep it until the next plan); False when they
    hold no lock there."""
    s = seat.session
    if seat.role != PRESENTER:
        locks = s.locked_roles.get(seat.role, [])
        if name not in locks:
            return False
        locks.remove(name)
        if not locks:
            del s.locked_roles[seat.role]
        return True
    papers = [seat.paper] if seat.paper is not None else s.papers
    mine = [a for a in papers if a.presenter == name and a.presenter_locked]
    for a in mine:
        a.presenter_locked = False
    return bool(mine)


def _touched(session: Session, today: date, displaced: list[str]) -> None:
    """What subscribers see changed: SEQUENCE and the stamp raised (as a plan does), and
    the displaced kept in the session's turns, so their own feed cancels the turn."""
    now = datetime.combine(today, time(), tzinfo=timezone.utc)
    session.sequence += 1
    stamp = session.modified
    session.modified = now if stamp is None else max(now, stamp + timedelta(seconds=1))
    session.turns = list(dict.fromkeys([*session.turns, *displaced]))


def _load(config_path: Path, hooks: Hooks) -> tuple[Group, Path]:
    from paperclub import config

    if not config_path.exists():
        raise PaperclubError(
            "no group config here: a claim is checked against its members", path=config_path
        )
    group = config.load_group(
        config_path, emitters=hooks.emitters, policies=hooks.policies, settings=hooks.settings
    )
    path = planfile.plan_path(config_path)
    if not path.exists():
        raise PaperclubError(f"no plan yet: run `paperclub plan {config_path}` first", path=path)
    return group, path


def claim(
    schedule: Path, hooks: Hooks, target: str, name: str, role: str | None, *, today: date
) -> Outcome:
    """Lock `name` into the seat `target` and `role` name, and write the plan file and the
    outputs again; a Refused error (nothing written) when a rule forbids it."""
    config_path = planfile.config_path(schedule)
    group, path = _load(config_path, hooks)
    with locked(path):
        plan = planfile.load(path)
        member = find_member(group, name)
        seat = find_seat(plan, group, target, role)
        reason = refusal(plan, group, member, seat, today)
        if reason is not None:
            raise Refused(reason, open_seats(plan, group, member, seat, today), member.name)
        had = holds(seat, member.name)
        locks_before = _locks(seat)
        displaced = take(group, seat, member.name)
        if not had:
            _touched(seat.session, today, displaced)
        outcome = Outcome(
            member.name,
            seat,
            seat.describe(ZoneInfo(plan.timezone)),
            path,
            displaced,
            changed=_locks(seat) != locks_before,
        )
        if outcome.changed:
            outcome.written, outcome.outputs = _write(config_path, group, hooks, plan, today)
    return outcome


def release(
    schedule: Path, hooks: Hooks, target: str, name: str, role: str | None, *, today: date
) -> Outcome:
    """Take `name`'s lock off the seat; an error when they hold none there."""
    config_path = planfile.config_path(schedule)
    group, path = _load(config_path, hooks)
    with locked(path):
        plan = planfile.load(path)
        member = find_member(group, name)
        seat = find_seat(plan, group, target, role)
        what = seat.describe(ZoneInfo(plan.timezone))
        if not give_back(seat, member.name):
            raise PaperclubError(f"{member.name} holds no claim on the {what}", path=path)
        outcome = Outcome(member.name, seat, what, path)
        outcome.written, outcome.outputs = _write(config_path, group, hooks, plan, today)
    return outcome


def _locks(seat: Seat) -> tuple:
    s = seat.session
    return (
        tuple((r, tuple(n)) for r, n in s.locked_roles.items()),
        tuple((a.presenter, a.presenter_locked) for a in s.papers),
    )


def _write(
    config_path: Path, group: Group, hooks: Hooks, plan: Plan, today: date
) -> tuple[list[Path], list[Path]]:
    """The plan file and the outputs, written as `paperclub plan` writes them."""
    from dataclasses import replace

    from paperclub import workflow
    from paperclub.files import atomic_write

    files, outputs = workflow.rendered(config_path, group, hooks, replace(plan, as_of=today))
    return [p for p, data in files.items() if atomic_write(p, data)], outputs
