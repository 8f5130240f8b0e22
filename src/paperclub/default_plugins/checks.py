"""Audit the hard rules on the finished plan: every problem is listed, none is fixed here."""

from __future__ import annotations

from collections import Counter

from paperclub import policies
from paperclub.hookspecs import hookimpl


@hookimpl(trylast=True)
def paperclub_check_plan(plan, group):
    problems = []
    per_session = group.meetings.papers_per_session
    one_per_topic = policies.of(group).one_per_topic
    seen = Counter(a.paper_id for s in plan.sessions if not s.cancelled for a in s.papers)
    for paper_id, times in sorted(seen.items()):
        if times > 1:
            problems.append(f"{paper_id} is planned {times} times")
    for session in plan.sessions:
        if session.cancelled:
            continue
        day = session.start.date().isoformat()
        if len(session.papers) > per_session:
            problems.append(f"{day} has {len(session.papers)} papers, more than {per_session}")
        elif len(session.papers) < (group.meetings.min_papers_per_session or per_session):
            problems.append(f"{day} has {len(session.papers)} of {per_session} papers "
                            "(not enough candidates)")
        topics = Counter(a.balanced for a in session.papers if a.balanced)
        for topic, times in sorted(topics.items()):
            if times > 1 and one_per_topic:
                problems.append(f"{day} has {times} papers on {topic}")
        if group.members:
            for a in session.papers:
                if a.presenter is None:
                    problems.append(f"{day}: no member can present {a.paper_id}")
    when = {a.paper_id: s.start for s in plan.sessions if not s.cancelled for a in s.papers}
    for a, b in group.before:
        if b in when and (a not in when or when[a] >= when[b]):
            problems.append(f"{b} is planned before {a}, which should come first")
    for day, paper_ids in sorted(group.pins.items()):
        for paper_id in paper_ids:
            placed = [s for s in plan.sessions if not s.cancelled
                      and s.start.date() == day and any(a.paper_id == paper_id for a in s.papers)]
            if not placed:
                problems.append(f"{paper_id} is pinned to {day} but is not planned there")
    return problems
