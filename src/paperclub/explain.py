"""Why the plan is what it is: for each paper in it, the score parts and balance terms that
placed it; for a paper left out, the rule or the papers that kept it out."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping
from datetime import date

from paperclub import planfile, presenters
from paperclub.models import (
    Assignment,
    Candidate,
    Group,
    Member,
    Paper,
    Plan,
    Relevance,
    Session,
    Votes,
)
from paperclub.signals import Signals


def _parts(parts: Mapping[str, float]) -> str:
    return " + ".join(f"{name} {value:.2f}" for name, value in sorted(parts.items())) or "no score"


def evidence(relevance: Relevance | None, votes: Votes, indent: str) -> list[str]:
    """The lines on what a paper's relevance and votes rest on: the profile's words it holds,
    the profile paper it is most like, who suggested it and who voted."""
    lines = []
    if relevance is not None:
        reasons = "; ".join(relevance.reasons()) or "nothing of the group's profile in it"
        lines.append(f"{indent}relevance {relevance.value:.2f}: {reasons}")
    if votes:
        said = [
            f"suggested by {name}" + (f" ({note!r})" if note else "")
            for name, note in votes.suggested
        ]
        if votes.yes:
            said.append(f"{len(votes.yes)} for ({', '.join(votes.yes)})")
        if votes.no:
            said.append(f"{len(votes.no)} against ({', '.join(votes.no)})")
        lines.append(f"{indent}votes: {'; '.join(said)}")
    return lines


def affinity(a: Assignment, member: Member | None) -> str | None:
    """`affinity 2.50 = interests 2.00 (inference, serving) + library 0.50 + my_plugin 0.00`:
    the presenter's affinity for the paper by part, as the plan file keeps it, with the
    interests that count named (when the member's interests still give that part); None when
    the plan file has no parts (written before they were kept)."""
    if not a.affinity:
        return None
    named = presenters.interest_matches(member, a) if member is not None else []
    if abs(sum(v for _, v in named) - a.affinity.get("interests", 0.0)) > 1e-4:
        named = []  # the config's interests changed since the plan: the names would not add up
    shown = [
        f"{name} {value:.2f}"
        + (f" ({', '.join(i for i, _ in named)})" if name == "interests" and named else "")
        for name, value in sorted(a.affinity.items())
    ]
    return f"affinity {sum(a.affinity.values()):.2f} = {' + '.join(shown)}"


def presenter_reason(a: Assignment, session: Session, group: Group) -> str | None:
    """Who presents `a` and why: `Ada Lovelace presents it: affinity ...`, with what else
    decided it (a pin, a lock, a hand edit of the plan file); None without a presenter."""
    if not a.presenter:
        return None
    how, detail = _presenter(a, session, group)
    return f"{a.presenter} presents it{how}: {detail}"


def _presenter(a: Assignment, session: Session, group: Group) -> tuple[str, str]:
    """(` (pinned to them, members[].pin)` or "", the affinity or why there is none)."""
    member = next((m for m in group.members if m.name == a.presenter), None)
    if member is None:
        return "", f"not a member of {group.name} (a plugin or a hand edit chose them)"
    if session.digest is not None and session.digest != planfile.digest(session):
        return "", "the session was edited by hand in the plan file"
    locked = a.presenter_locked or a.locked or session.locked
    how = [
        why
        for why, holds in (
            ("pinned to them, members[].pin", a.paper_id in member.pin),
            ("locked in the plan file", locked),
        )
        if holds
    ]
    return (
        f" ({'; '.join(how)})" if how else "",
        affinity(a, member) or "no affinity recorded in the plan file",
    )


def member_reasons(plan: Plan, group: Group) -> list[str]:
    """`members --why`: per member, each paper they present and the affinity that gave it to
    them (see `presenter_reason`)."""
    lines = []
    papers = {(s.id, a.paper_id): (s, a) for s in plan.sessions for a in s.papers}
    for row in presenters.summary(plan.sessions, group.members):
        load = f"{row['load']} session{'s' if row['load'] != 1 else ''}"
        lines.append(f"{row['name']}: {load}" + ("" if row["member"] else " (not a member)"))
        for s in row["sessions"]:
            for p in s["papers"]:
                session, a = papers[s["id"], p["id"]]
                how, detail = _presenter(a, session, group)
                lines.append(f"  {session.start:%a %Y-%m-%d} ({session.id})  {a.title}")
                lines.append(f"    {detail}{how}")
    return lines


def plan_reasons(plan: Plan) -> list[str]:
    """Lines explaining every session: each paper's score parts, and how its topic sits in the
    term (how many sessions have it, and whether the neighbouring sessions do)."""
    sessions = [s for s in plan.sessions if not s.cancelled]
    per_topic = Counter(a.balanced for s in sessions for a in s.papers if a.balanced)
    lines = []
    if plan.solver:
        lines.append(_solver_line(plan.solver))
    for i, session in enumerate(sessions):
        lines.append(f"{session.start:%a %Y-%m-%d} ({session.id})")
        neighbours = [sessions[j] for j in (i - 1, i + 1) if 0 <= j < len(sessions)]
        for a in session.papers:
            topic = a.balanced
            lines.append(f"  {a.title}")
            lines.append(f"    score {a.score:.2f} = {_parts(a.score_parts)}")
            lines += evidence(a.relevance, a.votes, "    ")
            if topic is None:
                lines.append("    no topic: balanced with nothing")
                continue
            near = [
                f"{s.start:%Y-%m-%d}"
                for s in neighbours
                if any(b.balanced == topic for b in s.papers)
            ]
            spacing = (
                f"also in the neighbouring session {', '.join(near)}"
                if near
                else "not in the neighbouring sessions"
            )
            lines.append(
                f"    topic {topic}: {per_topic[topic]} of {len(sessions)} sessions, {spacing}"
            )
            for reason in a.reasons:
                lines.append(f"    {reason}")
    return lines


def _solver_line(solver: Mapping) -> str:
    terms = ", ".join(f"{k} {v:.2f}" for k, v in sorted((solver.get("terms") or {}).items()))
    gap = solver.get("gap")
    gap_text = f", gap {gap:.2%}" if isinstance(gap, (int, float)) else ""
    # a search cut short says which limit stopped it (the work limit: the same plan anywhere)
    stopped = f", stopped by its {solver['stopped_by']}" if solver.get("stopped_by") else ""
    return (
        f"objective {solver.get('objective', 0):.2f} ({terms}); {solver.get('status')} "
        f"by {solver.get('solver')}{gap_text}{stopped}"
    )


def why_not(
    paper_id: str,
    plan: Plan,
    group: Group,
    pool: Mapping[str, Candidate],
    excluded: Mapping[str, str],
    in_catalog: bool,
    signals: Signals | None = None,
    paper: Paper | None = None,
    today: date | None = None,
    replan: Callable[[], Plan | None] | None = None,
) -> list[str]:
    """Why `paper_id` is where it is in `plan`, or why it is not in it. `signals` and `paper`
    (the catalog's) add what its relevance and votes rest on; `today` tells the sessions
    held; `replan()` is the plan `paperclub plan` would make now (None when it cannot), asked
    only when the plan on disk alone does not tell why a paper is out."""
    for session in plan.sessions:
        for a in session.papers:
            if a.paper_id == paper_id:
                state = "" if not session.cancelled else " (a cancelled session)"
                presenter = presenter_reason(a, session, group)
                return [
                    f"{paper_id} is planned for {session.start:%a %Y-%m-%d} ({session.id}){state}",
                    f"  score {a.score:.2f} = {_parts(a.score_parts)}",
                    *evidence(a.relevance, a.votes, "  "),
                    *(f"  topic {a.balanced}" for _ in [0] if a.balanced),
                    *(f"  {r}" for r in a.reasons),
                    *([f"  {presenter}"] if presenter else []),
                ]
    if not in_catalog:
        return [f"{paper_id} is not in the catalog: `paperclub papers QUERY` finds ids"]
    found = (
        evidence(signals.explain(paper), signals.votes(paper), "  ")
        if signals is not None and paper is not None
        else []
    )
    if paper_id in excluded:
        return [f"{paper_id} is excluded: {excluded[paper_id]}", *found]
    if paper_id not in pool:
        return [
            f"{paper_id} is in the catalog but not a candidate of {group.name}: it is not "
            f"from catalog.sources ({', '.join(group.sources)})"
        ]
    me = pool[paper_id]
    lines = [
        f"{paper_id} is a candidate with score {me.score:.2f} = {_parts(me.score_parts)}, "
        "but is not planned",
        *found,
    ]
    for first, then in group.before:
        if then == paper_id and not any(
            x.paper_id == first for s in plan.sessions for x in s.papers
        ):
            lines.append(f"  it must come after {first}, which is not planned")
    topic = me.balanced
    chosen = [(x, s) for s in plan.sessions if not s.cancelled for x in s.papers]
    if topic is None:
        weaker = [x for x, _ in chosen if x.score < me.score]
        lines.append(
            f"  it has no topic; {len(weaker)} planned papers score less "
            "(the balance of topics placed them)"
        )
        return lines
    same = sorted(((x, s) for x, s in chosen if x.balanced == topic), key=lambda p: -p[0].score)
    better = [x for x, _ in same if x.score >= me.score]
    if not same:
        lines += _out_of_the_term(me, topic, plan, group, chosen, today, replan)
    elif len(better) == len(same):
        lines.append(
            f"  outscored within its topic {topic}: the {len(same)} planned papers on "
            f"{topic} all score more"
        )
        for x, s in same[:5]:
            lines.append(f"    {x.score:.2f}  {s.start:%Y-%m-%d}  {x.title}")
    else:
        lines.append(
            f"  it scores more than {len(same) - len(better)} planned paper(s) on {topic}: "
            "the topic balance (no topic twice in a session or in consecutive sessions, "
            "pins, before pairs) kept it out"
        )
    return lines


def _out_of_the_term(
    me: Candidate,
    topic: str,
    plan: Plan,
    group: Group,
    chosen: list[tuple[Assignment, Session]],
    today: date | None,
    replan: Callable[[], Plan | None] | None,
) -> list[str]:
    """Why a candidate is out when no planned paper shares its topic (so the topic balance
    cannot be what keeps it out): the plan is older than the scores (a plan made now takes
    it); the term's places all went to papers that score more; the papers that score less
    are there by rule (held, locked, pinned, before pairs); or the objective's other terms."""
    head = f"  no paper on {topic} is planned"
    fresh = replan() if replan is not None else None
    where = (
        next(
            (s for s in fresh.sessions if not s.cancelled for x in s.papers if x.paper_id == me.id),
            None,
        )
        if fresh
        else None
    )
    if where is not None:
        return [
            f"{head}: the plan is out of date (votes, papers, the config or plugins "
            f"changed since it was made): `paperclub plan` now puts it on "
            f"{where.start:%a %Y-%m-%d} ({where.id})"
        ]
    weaker = sorted(
        ((x, s) for x, s in chosen if x.score < me.score), key=lambda p: (p[0].score, p[1].start)
    )
    ruled = [(x, s, rule) for x, s in weaker if (rule := _rule(x, s, today))]
    free = [(x, s) for x, s in weaker if not _rule(x, s, today)]
    sessions = sum(1 for s in plan.sessions if not s.cancelled)
    k = group.meetings.papers_per_session
    terms = sorted(t for t in plan.solver.get("terms") or () if t not in ("score", "unfilled"))
    cost = (
        f"the objective's other terms ({', '.join(terms)}; balance.policy {group.balance_policy})"
        if terms
        else "the planner"
    )
    if free:
        made_now = ", and a plan made now keeps them too" if fresh is not None else ""
        return [
            f"{head}; {len(free)} planned paper(s) on other topics score less{made_now}: "
            f"{cost} outweigh the {me.score - free[0][0].score:.2f} it scores above the "
            "weakest",
            *(f"    {x.score:.2f}  {s.start:%Y-%m-%d}  {x.title}" for x, s in free[:5]),
        ]
    if ruled:
        return [
            f"{head}; the {len(ruled)} planned paper(s) that score less are there by rule:",
            *(
                f"    {x.score:.2f}  {s.start:%Y-%m-%d}  {x.title}: {rule}"
                for x, s, rule in ruled[:5]
            ),
        ]
    if len(chosen) >= sessions * k:
        return [
            f"{head}: the term's {sessions * k} places ({sessions} sessions of {k} "
            f"paper{'s' if k != 1 else ''}) all went to papers that score more"
        ]
    pairs = [f"{a} before {b}" for a, b in group.before if me.id in (a, b)]
    because = (
        f"its selection.before pair ({'; '.join(pairs)}) leaves it no session"
        if pairs
        else f"{cost} leave(s) it out"
    )
    return [
        f"{head}, and every planned paper scores more, though {sessions * k - len(chosen)} "
        f"of the term's places are empty: {because}"
    ]


def _rule(a: Assignment, session: Session, today: date | None) -> str | None:
    """The rule that holds `a` in its session, whatever it scores; None when none does."""
    if today is not None and session.start.date() < today:
        return "held before today, kept as it was"
    if session.locked or a.locked:
        return "locked in the plan file (locked: true)"
    if session.digest is not None and session.digest != planfile.digest(session):
        return "the session was edited by hand in the plan file"
    return a.reasons[0] if a.reasons else None
