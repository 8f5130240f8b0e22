"""Presenters: a rotation through the members in config order, one presenter per paper,
skipping members who are unavailable that day or at their `max_sessions`, and, where someone
else can, members who presented in the previous session."""

from __future__ import annotations

from paperclub.hookspecs import hookimpl


@hookimpl(trylast=True)
def paperclub_modify_plan(plan, group):
    members = list(group.members)
    if not members:
        return
    load = {m.name: 0 for m in members}
    turn = 0
    previous: set[str] = set()
    for session in plan.sessions:
        if session.status == "cancelled":
            continue
        day = session.start.date()
        here: set[str] = set()
        for assignment in session.papers:
            if assignment.presenter:  # an edit or a pin: keep it
                load[assignment.presenter] = load.get(assignment.presenter, 0) + 1
                here.add(assignment.presenter)
                continue
            order = members[turn:] + members[:turn]
            able = [m for m in order
                    if day not in m.unavailable and m.name not in here
                    and (m.max_sessions is None or load[m.name] < m.max_sessions)]
            fresh = [m for m in able if m.name not in previous]
            pick = (fresh or able or [None])[0]
            if pick is None:
                continue  # the check plugin reports the paper without a presenter
            assignment.presenter = pick.name
            load[pick.name] += 1
            here.add(pick.name)
            turn = (members.index(pick) + 1) % len(members)
        previous = here
