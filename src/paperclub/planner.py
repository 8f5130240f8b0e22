"""From a group and its candidate papers to a plan: exclude, topic, score, choose and assign,
modify, check. Each step is a hook; this module only runs them in order and keeps the plan's
identity (session ids, UIDs, SEQUENCE, timestamps) stable across runs."""

from __future__ import annotations

import copy
import re
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta, timezone
from typing import TYPE_CHECKING

from paperclub import config, meetings, planfile, rules, turns
from paperclub.errors import PaperclubError
from paperclub.models import Assignment, Candidate, Group, Paper, Plan, Session, Slot
from paperclub.plugins import Hooks
from paperclub.signals import Signals

if TYPE_CHECKING:
    from paperclub.solver import Solution

UID_NAMESPACE = uuid.UUID("6f1c2a4e-3b5d-4c8e-9a7f-0d2e4b6c8a10")


def candidates(
    group: Group,
    papers: Iterable[Paper],
    hooks: Hooks,
    history: frozenset[str] = frozenset(),
    signals: Signals | None = None,
) -> tuple[list[Candidate], dict[str, str]]:
    """Candidates with topics and scores, and the excluded papers with their reasons.
    `signals`: what was measured over all of `papers` (`signals.measure`); without it, their
    popularity alone. With `balance.cluster`, papers without a topic to balance (none, or only
    arXiv categories) get one from clustering."""
    papers = list(papers)
    if signals is None:
        signals = Signals.of_pool(papers)
    chosen, excluded = [], {}
    for paper in papers:
        reason = hooks.exclude_paper(paper, group, history, signals)
        if reason:
            excluded[paper.id] = reason
            continue
        parts = hooks.score_paper(paper, group, history, signals)
        chosen.append(
            Candidate(paper, hooks.paper_topics(paper, group), round(sum(parts.values()), 9), parts)
        )
    config.check_weights(group, weight_names(hooks, chosen))
    if group.balance_cluster:
        from paperclub.cluster import cluster_topics

        found = cluster_topics([c.paper for c in chosen if not c.balanced])
        chosen = [
            replace(c, topics=(found[c.id], *c.topics)) if c.id in found else c for c in chosen
        ]
    return chosen, excluded


def weight_names(hooks: Hooks, scored: Iterable[Candidate]) -> set[str]:
    """The names a weight may have besides the built-in ones: the score parts the plugins gave
    these papers, and the names of the loaded plugins that are not built in (a bare number
    from `paperclub_score_paper` is a part named after its plugin, and a plugin reads
    `selection.weights.<its name>`, as plugins/prefer_code.py does, even in a term where
    no paper earns its part)."""
    from paperclub.plugins import DEFAULT_PLUGINS, short_name  # the name a bare score gets

    names = {part for c in scored for part in c.score_parts}
    names |= {
        short_name(name)
        for name, plugin in hooks.pm.list_name_plugin()
        if plugin is not None and name not in DEFAULT_PLUGINS
    }
    return names


def read_papers(group: Group, previous: Plan | None, today: date) -> frozenset[str]:
    """Papers the group has read: those of the previous plan's sessions before `today`, and of
    the plan files of earlier terms (`selection.history`)."""
    held = (
        a.paper_id
        for s in (previous.sessions if previous else ())
        if not s.cancelled and s.start.date() < today
        for a in s.papers
    )
    return taste(group).union(held)


def taste(group: Group) -> frozenset[str]:
    """The papers of earlier terms (`selection.history`): with liked papers, the ones the
    group's profile is made of. The current term's held sessions are read too, but they were
    chosen by this same profile: counting them would reshuffle the term as it goes, so they
    shape the next term's plan, once this plan file is in its history."""
    return frozenset(
        a.paper_id
        for path in group.history
        for s in planfile.load(path).sessions
        if not s.cancelled
        for a in s.papers
    )


def make_plan(
    group: Group,
    papers: Iterable[Paper],
    hooks: Hooks,
    *,
    today: date,
    previous: Plan | None = None,
    signals: Signals | None = None,
) -> tuple[Plan, list[str]]:
    """The plan and the problems found in it (by the check plugins, and in what was kept).

    Re-planning (`previous` given): the sessions before `today` are kept as they are, and
    their papers count as read (`exclude_read`), as do those of earlier terms; so are the
    sessions marked `locked: true` and those edited by hand (their papers are taken). The
    other sessions keep their ids (matched by date, else by week) and are planned again with
    the `change` penalty against the papers and presenters they had; a locked paper or
    presenter stays. `previous` is not changed. `signals`: what was measured over `papers`
    (relevance, popularity, votes; see `paperclub.signals`), else their popularity alone."""
    with hooks.bound(today=today):  # the `today` hook argument, when no command set it
        return _make_plan(group, papers, hooks, today=today, previous=previous, signals=signals)


def _make_plan(
    group: Group,
    papers: Iterable[Paper],
    hooks: Hooks,
    *,
    today: date,
    previous: Plan | None,
    signals: Signals | None,
) -> tuple[Plan, list[str]]:
    previous = copy.deepcopy(previous)
    papers = list(papers)
    _add_abstracts(previous, papers)
    kept = Kept.of(previous, today)
    history = read_papers(group, previous, today)
    if signals is None:
        signals = Signals.of_pool(papers)
    pool, excluded = candidates(group, papers, hooks, history, signals)
    every = {c.id: c for c in pool}
    taken = {a.paper_id for s in kept.locked for a in s.papers}
    pool = [c for c in pool if c.id not in taken]
    frozen_ids = {s.id for s in kept.frozen}
    slots = meetings.slots(group.meetings, group.timezone)
    if previous is not None:
        slots = identify(slots, previous, today)
    slots = [slot for slot in slots if slot.id not in frozen_ids]
    if not slots and not kept.frozen:
        raise PaperclubError("the meeting rules give no dates", path=group.path)
    by_id = {c.id: c for c in pool}
    locks = kept.paper_locks(slots)
    effective = replace(group, pins=_with_pins(group.pins, locks.pins))
    problems = locks.problems + rules.conflicts(
        effective,
        slots,
        by_id,
        excluded,
        {s.start.date(): {a.paper_id for a in s.papers} for s in kept.held},
        kept=[s.start.date() for s in kept.locked],
    )
    if problems:
        raise PaperclubError(
            "the rules cannot all hold:\n" + "\n".join(f"  - {p}" for p in problems),
            path=group.path,
        )
    ids = {slot.id for slot in slots}
    before = (
        {
            s.id: [a.paper_id for a in s.papers]
            for s in previous.sessions
            if s.id in ids and not s.cancelled
        }
        if previous
        else {}
    )
    chosen = hooks.plan_sessions(pool, slots, effective, before) if slots else []

    plan = Plan(
        group=group.name,
        slug=group.slug,
        timezone=group.timezone,
        organizer=group.organizer,
        location=group.location,
        as_of=today,
        url=group.url,
        feed_url=group.feed_url,
        notes_url=group.notes_url,
        alarm=group.alarm,
        solver=_solver_report(getattr(chosen, "solution", None)),
    )
    fits = signals.fit([by_id[pid].paper for paper_ids in chosen for pid in paper_ids])
    for slot, paper_ids in zip(slots, chosen):
        # the roles locked (claimed) in the plan file stay; the others are assigned again
        locked = {
            r: list(kept.roles[slot.id][r])
            for r in group.roles
            if kept.roles.get(slot.id, {}).get(r)
        }
        plan.sessions.append(
            Session(
                id=slot.id,
                uid=_uid(group, slot.id),
                start=slot.start,
                end=slot.end,
                roles={r: list(names) for r, names in locked.items()},
                locked_roles=locked,
                papers=[
                    locks.carry(
                        _assignment(
                            by_id[pid], _reasons(pid, slot, effective, locks), signals, fits[pid]
                        )
                    )
                    for pid in paper_ids
                ],
            )
        )
    hooks.modify_plan(plan, effective, kept.frozen, previous)
    _keep_identity(plan, previous, today, kept)
    plan.topics = _topic_order(plan, previous)
    plan.planned_as_of = today
    if previous is not None and _same(previous, plan):
        plan.solver = previous.solver  # the same plan: its report of how it was made stands
        # and so does its date, so an unchanged plan is the same file from day to day (a plan
        # file older than the date gets today's)
        plan.planned_as_of = previous.planned_as_of or today
    problems = [
        f"{s.id} ({s.start.date()}) was edited by hand: kept as edited, and marked "
        "locked: true (remove it to let paperclub plan the session again)"
        for s in kept.edited
        if s.start.date() >= today
    ]
    problems += rules.check_kept(group, kept.locked, plan, every, excluded)
    return plan, problems + hooks.check_plan(plan, group)


@dataclass
class Kept:
    """What a re-plan keeps of the previous plan as it is: the sessions before today (`held`),
    those locked or edited by hand (`locked`; `edited` are the edited ones, any date), and
    the locked papers and presenters of the other future sessions (`papers`)."""

    held: list[Session] = field(default_factory=list)
    locked: list[Session] = field(default_factory=list)
    edited: list[Session] = field(default_factory=list)
    papers: list[tuple[Session, Assignment]] = field(default_factory=list)
    # the locked roles (claims) of the other future sessions: session id -> role -> holders
    roles: dict[str, dict[str, list[str]]] = field(default_factory=dict)

    @property
    def frozen(self) -> list[Session]:
        return self.held + self.locked

    @classmethod
    def of(cls, previous: Plan | None, today: date) -> Kept:
        kept = cls()
        for s in previous.sessions if previous else ():
            edited = planfile.edited(s)
            if edited:
                kept.edited.append(s)
                for a in s.papers:  # its presenters may be others than the affinity was for
                    a.affinity = {}
            if s.start.date() < today:
                kept.held.append(s)
            elif s.locked or edited:
                s.locked = True
                kept.locked.append(s)
            else:
                kept.papers += [(s, a) for a in s.papers if a.locked or a.presenter_locked]
                if s.locked_roles:
                    kept.roles[s.id] = s.locked_roles
        return kept

    def paper_locks(self, slots: Sequence[Slot]) -> Locks:
        """Locked papers as pins to their sessions' dates, and their locked presenters."""
        at = {slot.id: slot for slot in slots}
        locks = Locks()
        for session, a in self.papers:
            if a.presenter_locked or a.locked:
                locks.presenters[a.paper_id] = a.presenter
            if not a.locked:
                continue
            slot = at.get(session.id)
            if slot is None:
                locks.problems.append(
                    f"{a.paper_id} is locked in {session.id} ({session.start.date()}) in the "
                    "plan file, but the meeting rules no longer give that session"
                )
                continue
            locks.pins.setdefault(slot.start.date(), []).append(a.paper_id)
            locks.locked.add(a.paper_id)
        return locks


@dataclass
class Locks:
    pins: dict[date, list[str]] = field(default_factory=dict)
    locked: set[str] = field(default_factory=set)  # paper ids locked to their sessions
    presenters: dict[str, str | None] = field(default_factory=dict)  # paper id -> presenter kept
    problems: list[str] = field(default_factory=list)

    def carry(self, a: Assignment) -> Assignment:
        """A newly planned paper with the locks the plan file gave it."""
        if a.paper_id in self.locked:
            a.locked = True
        if a.paper_id in self.presenters and self.presenters[a.paper_id]:
            a.presenter = self.presenters[a.paper_id]
            a.presenter_locked = not a.locked
        return a


def _with_pins(
    pins: dict[date, tuple[str, ...]], more: dict[date, list[str]]
) -> dict[date, tuple[str, ...]]:
    out = dict(pins)
    for day, ids in more.items():
        out[day] = tuple(dict.fromkeys([*out.get(day, ()), *ids]))
    return out


def identify(slots: Sequence[Slot], previous: Plan, today: date) -> list[Slot]:
    """The slots from `today` on, with the ids of the previous plan's sessions: a session on
    the same date keeps its id, then one in the same week (a meeting moved to another day);
    a date new to the plan takes a new id, after every id used so far, so a cancelled
    session's id is never given to another."""
    slots = [slot for slot in slots if slot.start.date() >= today]
    old = [s for s in previous.sessions if s.start.date() >= today]
    ids: dict[int, str] = {}
    used: set[str] = set()
    on_day: dict[date, Session] = {}
    for s in old:
        on_day.setdefault(s.start.date(), s)
    for i, slot in enumerate(slots):
        match = on_day.get(slot.start.date())
        if match is not None and match.id not in used:
            ids[i] = match.id
            used.add(match.id)
    for i, slot in enumerate(slots):
        if i in ids:
            continue
        week = slot.start.date().isocalendar()[:2]
        match = next(
            (s for s in old if s.id not in used and s.start.date().isocalendar()[:2] == week), None
        )
        if match is not None:
            ids[i] = match.id
            used.add(match.id)
    numbers = [int(s.id[1:]) for s in previous.sessions if re.fullmatch(r"s\d+", s.id)]
    fresh = max(numbers, default=0)
    out = []
    for i, slot in enumerate(slots):
        if i not in ids:
            fresh += 1
            ids[i] = f"s{fresh:02d}"
        out.append(replace(slot, id=ids[i]))
    return out


def _assignment(
    c: Candidate, reasons: list[str], signals: Signals, fit: dict[str, float]
) -> Assignment:
    # Rounded as the plan file stores them, so a fresh plan and a loaded one explain alike.
    return Assignment(
        paper_id=c.id,
        title=c.paper.title,
        topics=list(c.topics),
        score=round(c.score, 4),
        score_parts={k: round(v, 4) for k, v in c.score_parts.items()},
        links=dict(c.paper.links),
        reasons=reasons,
        abstract=c.paper.abstract,
        relevance=signals.explain(c.paper),
        votes=signals.votes(c.paper),
        fit=fit,
    )


def _add_abstracts(plan: Plan | None, papers: Sequence[Paper]) -> None:
    """The abstracts of a plan read from its file (which does not keep them), from `papers`,
    so the held sessions' papers a plugin reads have them as the new ones do."""
    abstracts = {p.id: p.abstract for p in papers}
    for session in plan.sessions if plan else ():
        for a in session.papers:
            a.abstract = a.abstract or abstracts.get(a.paper_id, "")


def _reasons(paper_id: str, slot: Slot, group: Group, locks: Locks) -> list[str]:
    """The hard rules that bear on a paper's place: its lock, its pin and its before pairs."""
    reasons = []
    if paper_id in locks.locked:
        reasons.append("locked to this session in the plan file (locked: true)")
    elif paper_id in group.pins.get(slot.start.date(), ()):
        reasons.append(f"pinned to {slot.start.date()} (selection.pin)")
    reasons += [f"comes after {a} (selection.before)" for a, b in group.before if b == paper_id]
    reasons += [f"comes before {b} (selection.before)" for a, b in group.before if a == paper_id]
    return reasons


def _solver_report(solution: Solution | None) -> dict:
    """What the plan file records of the optimizer's solution (None when another plugin
    planned). Not its time nor the solver's version: the same inputs must give the same file."""
    if solution is None:
        return {}
    return {
        "solver": solution.solver.split()[0],
        "status": solution.status,
        "objective": solution.objective,
        "bound": solution.bound,
        "gap": solution.gap,
        "terms": dict(solution.terms),
        # which limit cut the search short (absent when none did, as in older files)
        **({"stopped_by": solution.limit} if getattr(solution, "limit", "") else {}),
    }


def _uid(group: Group, session_id: str) -> str:
    # Fixed once, when the session is first planned; later runs copy it from the plan file.
    return str(uuid.uuid5(UID_NAMESPACE, f"{group.slug}/{group.organizer.email}/{session_id}"))


def _keep_identity(plan: Plan, previous: Plan | None, today: date, kept: Kept) -> None:
    """Copy UIDs and stamps of unchanged sessions from the previous plan; raise SEQUENCE and
    the stamp of changed ones (those edited by hand too: subscribers have not seen the edit);
    keep dropped sessions as cancelled, never delete them; keep the held and locked sessions
    as they are."""
    now = datetime.combine(today, time(), tzinfo=timezone.utc)
    frozen_ids = {s.id for s in kept.frozen}
    old = {s.id: s for s in previous.sessions if s.id not in frozen_ids} if previous else {}
    # a cancelled session's event says where its papers went: read before anything changes
    went = {s.id: _moves(previous, s) for s in previous.sessions if s.cancelled} if previous else {}
    raised = set()
    for session in plan.sessions:
        before = old.pop(session.id, None)
        if before is None:
            session.created = session.modified = now
            continue
        session.uid, session.created = before.uid, before.created
        session.turns = list(dict.fromkeys([*before.turns, *turns.holders(before)]))
        if before.content_key() == session.content_key():
            session.sequence, session.modified = before.sequence, before.modified
        else:
            session.sequence = before.sequence + 1
            session.modified = _later(before.modified, now)
    for session in kept.edited:
        session.sequence += 1
        session.modified = _later(session.modified, now)
        raised.add(session.id)
    plan.sessions.extend(kept.frozen)
    for gone in old.values():  # dates the rules no longer give
        if not gone.cancelled:
            gone.status = "cancelled"
            gone.sequence += 1
            gone.modified = _later(gone.modified, now)
            raised.add(gone.id)
        plan.sessions.append(gone)
    plan.sessions.sort(key=lambda s: (s.start, s.id))
    for session in plan.sessions:  # its papers moved again: subscribers see the new places
        if (
            session.cancelled
            and session.id in went
            and session.id not in raised
            and went[session.id] != _moves(plan, session)
        ):
            session.sequence += 1
            session.modified = _later(session.modified, now)


def _moves(plan: Plan, session: Session) -> list[tuple]:
    """Where a cancelled session's papers are now, as its event tells (Plan.moves)."""
    return [
        (a.paper_id, a.title, to and (to.id, to.start, to.end)) for a, to in plan.moves(session)
    ]


def _topic_order(plan: Plan, previous: Plan | None) -> list[str]:
    """The topics of the previous plans in the order they first came, then this plan's new
    ones (sorted): a topic never moves in it, so it keeps its colour on the web page. A first
    plan, or one from before the list, starts it in sorted order, the colours it had."""

    def named(p: Plan) -> list[str]:
        return sorted({t for s in p.sessions for a in s.papers for t in a.topics})

    known = list(previous.topics or named(previous)) if previous is not None else []
    return known + [t for t in named(plan) if t not in known]


def _same(a: Plan, b: Plan) -> bool:
    return [(s.id, s.uid, s.sequence, s.content_key()) for s in a.sessions] == [
        (s.id, s.uid, s.sequence, s.content_key()) for s in b.sessions
    ]


def _later(stamp: datetime | None, now: datetime) -> datetime:
    """A stamp after `stamp`: today, or a second later if today is not later."""
    if stamp is None:
        return now
    return max(now, stamp + timedelta(seconds=1))
