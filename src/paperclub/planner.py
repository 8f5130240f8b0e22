"""From a group and its candidate papers to a plan: exclude, topic, score, choose and assign,
modify, check. Each step is a hook; this module only runs them in order and keeps the plan's
identity (session ids, UIDs, SEQUENCE, timestamps) stable across runs."""

from __future__ import annotations

import uuid
from dataclasses import replace
from collections import Counter
from collections.abc import Iterable, Sequence
from datetime import date, datetime, time, timedelta, timezone

from paperclub import meetings, planfile, rules
from paperclub.errors import PaperclubError, PluginError
from paperclub.models import Assignment, Candidate, Group, Paper, Plan, Session, Slot
from paperclub.plugins import Hooks

UID_NAMESPACE = uuid.UUID("6f1c2a4e-3b5d-4c8e-9a7f-0d2e4b6c8a10")


def candidates(group: Group, papers: Iterable[Paper], hooks: Hooks,
               history: frozenset[str] = frozenset()) -> tuple[list[Candidate], dict[str, str]]:
    """Candidates with topics and scores, and the excluded papers with their reasons. With
    `balance.cluster`, papers the plugins gave no topic get one from clustering."""
    chosen, excluded = [], {}
    for paper in papers:
        reason = hooks.exclude_paper(paper, group, history)
        if reason:
            excluded[paper.id] = reason
            continue
        parts = hooks.score_paper(paper, group, history)
        chosen.append(Candidate(paper, hooks.paper_topics(paper, group),
                                round(sum(parts.values()), 9), parts))
    if group.balance_cluster:
        from paperclub.cluster import cluster_topics

        found = cluster_topics([c.paper for c in chosen if not c.topics])
        chosen = [replace(c, topics=(found[c.id],)) if c.id in found else c for c in chosen]
    return chosen, excluded


def read_papers(group: Group, previous: Plan | None, today: date) -> frozenset[str]:
    """Papers the group has read: those of the previous plan's sessions before `today`, and of
    the plan files of earlier terms (`selection.history`)."""
    plans = [previous] if previous else []
    plans += [planfile.load(path) for path in group.history]
    return frozenset(a.paper_id for plan in plans for s in plan.sessions
                     if s.status != "cancelled" and (plan is not previous or s.start.date() < today)
                     for a in s.papers)


def make_plan(group: Group, papers: Iterable[Paper], hooks: Hooks, *, today: date,
              previous: Plan | None = None) -> tuple[Plan, list[str]]:
    """The plan and the problems the check plugins found in it.

    Sessions of the previous plan that took place before `today` are kept as they are, and
    their papers count as read (`exclude_read`), as do those of earlier terms."""
    held = [s for s in previous.sessions if s.start.date() < today] if previous else []
    history = read_papers(group, previous, today)
    pool, excluded = candidates(group, papers, hooks, history)
    held_ids = {s.id for s in held}
    slots = [slot for slot in meetings.slots(group.meetings, group.timezone)
             if slot.id not in held_ids]
    if not slots and not held:
        raise PaperclubError("the meeting rules give no dates", path=group.path)
    by_id = {c.id: c for c in pool}
    problems = rules.conflicts(group, slots, by_id, excluded,
                               {s.start.date(): {a.paper_id for a in s.papers} for s in held})
    if problems:
        raise PaperclubError("the rules cannot all hold:\n" + "\n".join(f"  - {p}" for p in problems),
                             path=group.path)
    chosen = hooks.plan_sessions(pool, slots, group) if slots else []
    _check_choice(chosen, slots, by_id, group.meetings.papers_per_session)

    plan = Plan(group=group.name, slug=group.slug, timezone=group.timezone,
                organizer=group.organizer, location=group.location, as_of=today,
                url=group.url, feed_url=group.feed_url, alarm=group.alarm,
                solver=_solver_report(getattr(chosen, "solution", None)))
    for slot, ids in zip(slots, chosen):
        plan.sessions.append(Session(
            id=slot.id, uid=_uid(group, slot.id), start=slot.start, end=slot.end,
            papers=[_assignment(by_id[pid], _reasons(pid, slot, group)) for pid in ids]))
    hooks.modify_plan(plan, group, held)
    _keep_identity(plan, previous, today, held)
    return plan, hooks.check_plan(plan, group)


def _assignment(c: Candidate, reasons: list[str]) -> Assignment:
    # Rounded as the plan file stores them, so a fresh plan and a loaded one explain alike.
    return Assignment(paper_id=c.id, title=c.paper.title, topics=list(c.topics),
                      score=round(c.score, 4),
                      score_parts={k: round(v, 4) for k, v in c.score_parts.items()},
                      links=dict(c.paper.links), reasons=reasons)


def _reasons(paper_id: str, slot: Slot, group: Group) -> list[str]:
    """The hard rules that bear on a paper's place: its pin and its before pairs."""
    reasons = []
    if paper_id in group.pins.get(slot.start.date(), ()):
        reasons.append(f"pinned to {slot.start.date()} (selection.pin)")
    reasons += [f"comes after {a} (selection.before)" for a, b in group.before if b == paper_id]
    reasons += [f"comes before {b} (selection.before)" for a, b in group.before if a == paper_id]
    return reasons


def _solver_report(solution) -> dict:
    """What the plan file records of the optimizer's solution (None when another plugin
    planned). Not its time nor the solver's version: the same inputs must give the same file."""
    if solution is None:
        return {}
    return {"solver": solution.solver.split()[0], "status": solution.status,
            "objective": solution.objective, "bound": solution.bound, "gap": solution.gap,
            "terms": dict(solution.terms)}


def _uid(group: Group, session_id: str) -> str:
    # Fixed once, when the session is first planned; later runs copy it from the plan file.
    return str(uuid.uuid5(UID_NAMESPACE, f"{group.slug}/{group.organizer.email}/{session_id}"))


def _check_choice(chosen: list[list[str]], slots: Sequence[Slot], by_id: dict[str, Candidate],
                  per_session: int) -> None:
    """The planner plugin's answer keeps the hard rules, or it is the plugin's bug."""
    if len(chosen) != len(slots):
        raise PluginError(f"paperclub_plan_sessions returned {len(chosen)} sessions for "
                          f"{len(slots)} dates")
    counts = Counter(pid for ids in chosen for pid in ids)
    for pid, n in counts.items():
        if pid not in by_id:
            raise PluginError(f"paperclub_plan_sessions chose {pid!r}, which is not a candidate")
        if n > 1:
            raise PluginError(f"paperclub_plan_sessions chose {pid!r} {n} times")
    for slot, ids in zip(slots, chosen):
        if len(ids) > per_session:
            raise PluginError(f"paperclub_plan_sessions put {len(ids)} papers on "
                              f"{slot.start.date()}, more than {per_session}")


def _keep_identity(plan: Plan, previous: Plan | None, today: date, held: list[Session]) -> None:
    """Copy UIDs and stamps of unchanged sessions from the previous plan; raise SEQUENCE and
    the stamp of changed ones; keep dropped sessions as cancelled, never delete them; keep
    the sessions already held exactly as they were."""
    now = datetime.combine(today, time(), tzinfo=timezone.utc)
    held_ids = {s.id for s in held}
    old = {s.id: s for s in previous.sessions if s.id not in held_ids} if previous else {}
    for session in plan.sessions:
        before = old.pop(session.id, None)
        if before is None:
            session.created = session.modified = now
            continue
        session.uid, session.created = before.uid, before.created
        if before.content_key() == session.content_key():
            session.sequence, session.modified = before.sequence, before.modified
        else:
            session.sequence = before.sequence + 1
            session.modified = _later(before.modified, now)
    plan.sessions.extend(held)
    for gone in old.values():  # dates the rules no longer give
        if gone.status != "cancelled":
            gone.status = "cancelled"
            gone.sequence += 1
            gone.modified = _later(gone.modified, now)
        plan.sessions.append(gone)
    plan.sessions.sort(key=lambda s: (s.start, s.id))


def _later(stamp: datetime | None, now: datetime) -> datetime:
    """A stamp after `stamp`: today, or a second later if today is not later."""
    if stamp is None:
        return now
    return max(now, stamp + timedelta(seconds=1))
