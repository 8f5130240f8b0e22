"""Audit the hard rules on the finished plan: every problem is listed, none is fixed here."""

from __future__ import annotations

from typing import TYPE_CHECKING

from paperclub import hardrules, policies
from paperclub.hookspecs import hookimpl

if TYPE_CHECKING:
    from paperclub.models import Group, Plan


@hookimpl(trylast=True)
def paperclub_check_plan(plan: Plan, group: Group) -> list[str]:
    live = [s for s in plan.sessions if not s.cancelled]
    per_session = group.meetings.papers_per_session
    policy = policies.of(group)
    topics = {a.paper_id: a.balanced for s in live for a in s.papers}
    problems = hardrules.breaches(
        [(s.start.date().isoformat(), [a.paper_id for a in s.papers]) for s in live],
        hardrules.Rules(
            most=per_session,
            least=group.meetings.min_papers_per_session or per_session,
            before=group.before,
            topic=topics.get if policy.one_per_topic else None,
            policy=policy.name,
            pins={day.isoformat(): ids for day, ids in sorted(group.pins.items())},
        ),
    )
    if group.members:
        problems += [
            f"{s.start.date()}: no member can present {a.paper_id}"
            for s in live
            for a in s.papers
            if a.presenter is None
        ]
    return problems
