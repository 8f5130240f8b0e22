"""Who has a turn in a session, as the outputs show it: its presenters and the holders of
its roles (a chair, a scribe: `roles:` of the group's config), and each member's load per
role. A group without roles has presenters only, and every output stays as it was."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from paperclub.models import Plan, Session
from paperclub.text import one_line

PRESENTER = "presenter"


def role_names(plan: Plan) -> list[str]:
    """The roles the plan's sessions hold, in the order they first come (the config's)."""
    return list(dict.fromkeys(role for s in plan.sessions for role in s.roles))


def label(role: str) -> str:
    """`chair` -> `Chair`, as a heading or before a name."""
    return role[:1].upper() + role[1:]


def holders(session: Session) -> list[str]:
    """Everyone with a turn in the session now: its presenters, then its role holders."""
    return list(
        dict.fromkeys(
            [*session.presenters, *(n for names in session.roles.values() for n in names)]
        )
    )


def role_of(session: Session, name: str) -> str | None:
    """The role `name` holds in the session (`presenter` for a presenter), or None."""
    if name in session.presenters:
        return PRESENTER
    return next((role for role, names in session.roles.items() if name in names), None)


def role_lines(session: Session) -> list[str]:
    """`Chair: Ada Lovelace`, one line per role the session has someone for."""
    return [
        f"{label(one_line(role))}: {', '.join(one_line(n) for n in names)}"
        for role, names in session.roles.items()
        if names
    ]


def shown(session: Session) -> dict[str, str | list[str]]:
    """The session's roles as `show --json` prints them: a name, or a list of names for a
    role more than one member holds."""
    return {
        role: names[0] if len(names) == 1 else list(names)
        for role, names in session.roles.items()
        if names
    }


def loads(sessions: Sequence[Session], roles: Sequence[str]) -> dict[str, dict[str, Any]]:
    """Per member: for each role, the sessions (id, date) they hold it in, cancelled ones left
    out, held ones counted; `roles` in the order to show them."""
    out: dict[str, dict[str, Any]] = {}
    for s in sorted(sessions, key=lambda s: (s.start, s.id)):
        if s.cancelled:
            continue
        for role in roles:
            for name in s.roles.get(role, []):
                out.setdefault(name, {r: [] for r in roles})[role].append(
                    {"id": s.id, "date": s.start.date().isoformat()}
                )
    return out
