"""Presenters: the exact assignment of `paperclub.presenters` (HiGHS), run after every other
`paperclub_modify_plan` plugin so the presenters they set are kept; the built-in
`paperclub_presenter_affinity` (the members' interests against the papers' topics and
titles); and a check that every member's pin is in the plan.

The rules, in short: a presenter for each paper (`presenters: per_paper`, the default) or for
each session (`per_session`), and the holders of each of the group's `roles:`; nobody on a
date they are unavailable, nobody in a role they do not take (`members[].roles`), nobody
beyond their `max_sessions` (every role counts) or `max` of a role, nobody twice in a session,
pins and locked roles kept; then loads as even as those allow (per role), the fewest
consecutive sessions, the members' `prefer` and `avoid`, and the papers that match their
interests. When a date cannot
get a presenter, planning stops with an error naming the date and why each member is out.
Each paper keeps its presenter's affinity by part (`Assignment.affinity`, in the plan file),
for `paperclub why` and `paperclub members --why`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from paperclub import presenters
from paperclub.hookspecs import hookimpl
from paperclub.plugins import short_name

if TYPE_CHECKING:
    from paperclub.models import Assignment, Group, Member, Plan, Session
    from paperclub.plugins import Hooks


def assign_presenters(
    plan: Plan,
    group: Group,
    held: Sequence[Session] = (),
    hooks: Hooks | None = None,
    previous: Plan | None = None,
) -> presenters.Result | None:
    """Give every paper of `plan.sessions` without a presenter one. `held`: the sessions that
    already took place (their presenters count towards loads and max_sessions, and are not
    changed); `hooks`: to add the plugins' `paperclub_presenter_affinity` (without it, only
    the built-in affinity counts); `previous`: the plan this one replaces, whose presenters
    are kept where the balance allows."""
    if not group.members:
        return None
    affinity = None  # presenters.assign then uses the built-in interest affinity
    if hooks is not None:

        def by_hooks(member: Member, paper: Assignment) -> float:
            return hooks.presenter_affinity(member, paper, group)

        affinity = by_hooks
    before = {
        a.paper_id: a.presenter
        for s in (previous.sessions if previous else ())
        if not s.cancelled
        for a in s.papers
        if a.presenter
    }
    roles_before = {
        (s.id, role): names
        for s in (previous.sessions if previous else ())
        if not s.cancelled
        for role, names in s.roles.items()
    }
    result = presenters.assign(
        plan.sessions,
        group,
        held=held,
        affinity=affinity,
        previous=before,
        previous_roles=roles_before,
    )
    presenters.apply(plan.sessions, result)
    members = {m.name: m for m in group.members}
    for session in plan.sessions:
        for paper in session.papers:
            member = members.get(paper.presenter or "")
            paper.affinity = affinity_parts(member, paper, group, hooks) if member else {}
    return result


def affinity_parts(
    member: Member, paper: Assignment, group: Group, hooks: Hooks | None = None
) -> dict[str, float]:
    """`member`'s affinity for `paper` by part, as the plan file keeps it to explain who
    presents what: the built-in one as `interests` and `library`, every other plugin's number
    under the plugin's name (`plugins/suggester.py` -> `suggester`), as score parts are."""
    answers = (
        hooks.presenter_affinity_answers(member, paper, group)
        if hooks is not None
        else [(__name__, presenters.interest_affinity(member, paper, group))]
    )
    parts: dict[str, float] = {}
    for plugin, value in answers:
        named = (
            presenters.interest_parts(member, paper)
            if plugin == __name__
            else {short_name(plugin): value}
        )
        for name, v in named.items():
            parts[name] = parts.get(name, 0.0) + v
    return {name: round(v, 4) for name, v in sorted(parts.items())}


@hookimpl(trylast=True)
def paperclub_modify_plan(
    plan: Plan, group: Group, held: Sequence[Session], hooks: Hooks, previous: Plan | None
) -> None:
    assign_presenters(plan, group, held, hooks, previous)


@hookimpl(trylast=True)
def paperclub_presenter_affinity(member: Member, paper: Assignment, group: Group) -> float:
    return presenters.interest_affinity(member, paper, group)


@hookimpl(trylast=True)
def paperclub_check_plan(plan: Plan, group: Group) -> list[str]:
    planned = {a.paper_id for s in plan.sessions if not s.cancelled for a in s.papers}
    return [
        f"{paper_id} is pinned to {m.name} (members[].pin) but is not in the plan"
        for m in group.members
        for paper_id in m.pin
        if paper_id not in planned
    ]
