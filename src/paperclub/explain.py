"""Why the plan is what it is: for each paper in it, the score parts and balance terms that
placed it; for a paper left out, the rule or the papers that kept it out."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping

from paperclub.models import Candidate, Group, Paper, Plan, Relevance, Votes
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
        said = [f"suggested by {name}" + (f" ({note!r})" if note else "")
                for name, note in votes.suggested]
        if votes.yes:
            said.append(f"{len(votes.yes)} for ({', '.join(votes.yes)})")
        if votes.no:
            said.append(f"{len(votes.no)} against ({', '.join(votes.no)})")
        lines.append(f"{indent}votes: {'; '.join(said)}")
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
            near = [f"{s.start:%Y-%m-%d}" for s in neighbours
                    if any(b.balanced == topic for b in s.papers)]
            spacing = (f"also in the neighbouring session {', '.join(near)}" if near
                       else "not in the neighbouring sessions")
            lines.append(f"    topic {topic}: {per_topic[topic]} of {len(sessions)} sessions, {spacing}")
            for reason in a.reasons:
                lines.append(f"    {reason}")
    return lines


def _solver_line(solver: Mapping) -> str:
    terms = ", ".join(f"{k} {v:.2f}" for k, v in sorted((solver.get("terms") or {}).items()))
    gap = solver.get("gap")
    gap_text = f", gap {gap:.2%}" if isinstance(gap, (int, float)) else ""
    return (f"objective {solver.get('objective', 0):.2f} ({terms}); {solver.get('status')} "
            f"by {solver.get('solver')}{gap_text}")


def why_not(paper_id: str, plan: Plan, group: Group, pool: Mapping[str, Candidate],
            excluded: Mapping[str, str], in_catalog: bool, signals: Signals | None = None,
            paper: Paper | None = None) -> list[str]:
    """Why `paper_id` is where it is in `plan`, or why it is not in it. `signals` and `paper`
    (the catalog's) add what its relevance and votes rest on."""
    for session in plan.sessions:
        for a in session.papers:
            if a.paper_id == paper_id:
                state = "" if not session.cancelled else " (a cancelled session)"
                return [f"{paper_id} is planned for {session.start:%a %Y-%m-%d} ({session.id}){state}",
                        f"  score {a.score:.2f} = {_parts(a.score_parts)}",
                        *evidence(a.relevance, a.votes, "  "),
                        *(f"  topic {a.balanced}" for _ in [0] if a.balanced),
                        *(f"  {r}" for r in a.reasons)]
    if not in_catalog:
        return [f"{paper_id} is not in the catalog: `paperclub papers QUERY` finds ids"]
    found = (evidence(signals.explain(paper), signals.votes(paper), "  ")
             if signals is not None and paper is not None else [])
    if paper_id in excluded:
        return [f"{paper_id} is excluded: {excluded[paper_id]}", *found]
    if paper_id not in pool:
        return [f"{paper_id} is in the catalog but not a candidate of {group.name}: it is not "
                f"from catalog.sources ({', '.join(group.sources)})"]
    me = pool[paper_id]
    lines = [f"{paper_id} is a candidate with score {me.score:.2f} = {_parts(me.score_parts)}, "
             "but is not planned", *found]
    for a, b in group.before:
        if b == paper_id and not any(x.paper_id == a for s in plan.sessions for x in s.papers):
            lines.append(f"  it must come after {a}, which is not planned")
    topic = me.balanced
    chosen = [(x, s) for s in plan.sessions if not s.cancelled for x in s.papers]
    if topic is None:
        weaker = [x for x, _ in chosen if x.score < me.score]
        lines.append(f"  it has no topic; {len(weaker)} planned papers score less "
                     "(the balance of topics placed them)")
        return lines
    same = sorted(((x, s) for x, s in chosen if x.balanced == topic), key=lambda p: -p[0].score)
    better = [x for x, _ in same if x.score >= me.score]
    if not same:
        weaker = [x for x, _ in chosen if x.score < me.score]
        lines.append(f"  no paper on {topic} is planned; {len(weaker)} planned papers on other "
                     "topics score less (the topic balance placed them)" if weaker else
                     f"  no paper on {topic} is planned, and every planned paper scores more")
    elif len(better) == len(same):
        lines.append(f"  outscored within its topic {topic}: the {len(same)} planned papers on "
                     f"{topic} all score more")
        for x, s in same[:5]:
            lines.append(f"    {x.score:.2f}  {s.start:%Y-%m-%d}  {x.title}")
    else:
        lines.append(f"  it scores more than {len(same) - len(better)} planned paper(s) on {topic}: "
                     "the topic balance (no topic twice in a session or in consecutive sessions, "
                     "pins, before pairs) kept it out")
    return lines
