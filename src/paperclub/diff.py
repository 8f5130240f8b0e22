"""What changed between two plans of a group, per session and per member, in sentences an
organiser can forward ("Alan Turing presents X on 2026-12-10, was 2026-12-03")."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from paperclub.models import Plan, Session


@dataclass
class PlanDiff:
    sessions: list[dict[str, Any]] = field(default_factory=list)  # id, date, changes
    members: list[dict[str, Any]] = field(default_factory=list)  # name, changes

    def __bool__(self) -> bool:
        return bool(self.sessions or self.members)

    def to_json(self) -> dict[str, Any]:
        return {"sessions": self.sessions, "members": self.members}

    def lines(self) -> list[str]:
        out = [
            f"{s['date']} ({s['id']}): {change}" for s in self.sessions for change in s["changes"]
        ]
        out += [f"{m['name']} {change}" for m in self.members for change in m["changes"]]
        return out


def _day(session: Session) -> str:
    return session.start.date().isoformat()


def diff(old: Plan, new: Plan) -> PlanDiff:
    result = PlanDiff()
    before = {s.id: s for s in old.sessions}
    after = {s.id: s for s in new.sessions}
    for sid in sorted(
        set(before) | set(after), key=lambda i: ((after.get(i) or before[i]).start, i)
    ):
        changes = _session_changes(before.get(sid), after.get(sid))
        if changes:
            shown = after.get(sid) or before[sid]
            result.sessions.append({"id": sid, "date": _day(shown), "changes": changes})
    result.members = _member_changes(old, new)
    return result


def _titles(session: Session | None) -> dict[str, str]:
    if session is None or session.cancelled:
        return {}
    return {a.paper_id: a.title for a in session.papers}


def _session_changes(old: Session | None, new: Session | None) -> list[str]:
    if new is None:
        return ["removed from the plan"]
    if old is None:
        titles = "; ".join(a.title for a in new.papers) or "no papers yet"
        return [f"new session: {titles}"]
    changes = []
    if old.status != new.status:
        changes.append("cancelled" if new.cancelled else f"now {new.status}")
    if old.start != new.start or old.end != new.end:
        changes.append(f"moved from {old.start:%Y-%m-%d %H:%M} to {new.start:%Y-%m-%d %H:%M}")
    was, now = _titles(old), _titles(new)
    changes += [f"+ {now[p]}" for p in now if p not in was]
    changes += [f"- {was[p]}" for p in was if p not in now]
    # "chair: Ada Lovelace -> Alan Turing" (a cancelled session's roles are not held)
    held, holds = _holding(old), _holding(new)
    for role in dict.fromkeys([*held, *holds]):
        before, after = held.get(role, []), holds.get(role, [])
        if before != after:
            changes.append(f"{role}: {_names(before)} -> {_names(after)}")
    return changes


def _holding(session: Session) -> dict[str, list[str]]:
    if session.cancelled:
        return {}
    return {role: names for role, names in session.roles.items() if names}


def _names(names: list[str]) -> str:
    return ", ".join(names) or "no one"


def _presenting(plan: Plan) -> dict[tuple[str, str], tuple[str, str]]:
    """(presenter, paper id) -> (date, title), for every paper with a presenter."""
    return {
        (a.presenter, a.paper_id): (_day(s), a.title)
        for s in plan.sessions
        if not s.cancelled
        for a in s.papers
        if a.presenter
    }


def _roles(plan: Plan) -> set[tuple[str, str, str]]:
    """(member, role, date) for every role someone holds in a session not cancelled."""
    return {
        (name, role, _day(s))
        for s in plan.sessions
        for role, names in _holding(s).items()
        for name in names
    }


def _member_changes(old: Plan, new: Plan) -> list[dict[str, Any]]:
    was, now = _presenting(old), _presenting(new)
    by_member: dict[str, list[str]] = {}
    for (name, paper), (day, title) in sorted(now.items(), key=lambda kv: (kv[1][0], kv[0])):
        if (name, paper) not in was:
            by_member.setdefault(name, []).append(f"presents {title} on {day} (new)")
        elif was[(name, paper)][0] != day:
            by_member.setdefault(name, []).append(
                f"presents {title} on {day}, was {was[(name, paper)][0]}"
            )
    for (name, paper), (day, title) in sorted(was.items(), key=lambda kv: (kv[1][0], kv[0])):
        if (name, paper) not in now:
            by_member.setdefault(name, []).append(f"no longer presents {title} (was {day})")
    had, has = _roles(old), _roles(new)
    for name, role, day in sorted(has - had, key=lambda t: (t[2], t[0], t[1])):
        by_member.setdefault(name, []).append(f"is {role} on {day} (new)")
    for name, role, day in sorted(had - has, key=lambda t: (t[2], t[0], t[1])):
        by_member.setdefault(name, []).append(f"is no longer {role} on {day}")
    return [{"name": name, "changes": changes} for name, changes in sorted(by_member.items())]
