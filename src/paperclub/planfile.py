"""The plan file (`schedules/<group>.plan.yaml`): read, write, and the JSON `show` prints."""

from __future__ import annotations

import hashlib
import json
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import yaml

from paperclub import turns, yamlfile
from paperclub.errors import PaperclubError
from paperclub.models import Assignment, Person, Plan, Relevance, Session, Votes, notes_link
from paperclub.text import one_line

HEADER = """\
# The plan of {group}, written by `paperclub plan`.
# Outputs (calendar, agenda) are made from this file alone. Edit it by hand if you like: swap
# a paper, change a presenter, or mark a session, a paper or a presenter `locked: true`. The
# next `paperclub plan` keeps what you changed and checks it against the group's rules; a
# session already held changes only with `paperclub plan --force`.
"""


def plan_path(config: Path) -> Path:
    """`schedules/ml-systems.yaml` plans into `schedules/ml-systems.plan.yaml`."""
    if config.name.endswith(".plan.yaml"):
        return config
    return config.with_name(config.name.removesuffix(".yaml").removesuffix(".yml") + ".plan.yaml")


def config_path(schedule: Path) -> Path:
    """The group config of a plan file (or the config itself)."""
    if schedule.name.endswith(".plan.yaml"):
        return schedule.with_name(schedule.name.removesuffix(".plan.yaml") + ".yaml")
    return schedule


def stem(schedule: Path) -> str:
    """`schedules/ml-systems.yaml` (or its plan file) -> `ml-systems`, the outputs' name."""
    return plan_path(schedule).name.removesuffix(".plan.yaml")


def load_existing(schedule: Path) -> Plan:
    """The plan of a group config (or a plan file); none yet is an error saying what to run."""
    path = plan_path(schedule)
    if not path.exists():
        raise PaperclubError(
            f"no plan yet: run `paperclub plan {config_path(schedule)}` first", path=path
        )
    return load(path)


def digest(session: Session) -> str:
    """A fingerprint of what an organiser might edit by hand in a session: its times, status,
    papers, presenters and roles. `paperclub plan` writes it beside the session; a session
    whose fingerprint no longer matches was edited, and the next plan keeps the edit."""
    facts: list[Any] = [
        session.start.isoformat(),
        session.end.isoformat(),
        session.status,
        [[a.paper_id, a.presenter] for a in session.papers],
    ]
    if session.roles:  # only then: the fingerprints of sessions without roles stay as they were
        facts.append([[role, names] for role, names in session.roles.items()])
    text = json.dumps(facts, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]


def edited(session: Session) -> bool:
    """Whether `session` was edited by hand since `paperclub plan` wrote it (a session with no
    fingerprint, from a plan file older than fingerprints, counts as not edited)."""
    return session.digest is not None and session.digest != digest(session)


def _utc(dt: datetime | None) -> str | None:
    return dt.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ") if dt else None


def plan_to_data(plan: Plan) -> dict[str, Any]:
    return {
        "group": plan.group,
        "slug": plan.slug,
        "timezone": plan.timezone,
        "organizer": {"name": plan.organizer.name, "email": plan.organizer.email},
        "location": plan.location,
        **({"url": plan.url} if plan.url else {}),
        **({"feed_url": plan.feed_url} if plan.feed_url else {}),
        **({"alarm": f"{int(plan.alarm.total_seconds() // 60)}m"} if plan.alarm else {}),
        **({"notes_url": plan.notes_url} if plan.notes_url else {}),
        **({"solver": _rounded(plan.solver)} if plan.solver else {}),
        **({"planned_as_of": plan.planned_as_of.isoformat()} if plan.planned_as_of else {}),
        **({"topics": list(plan.topics)} if plan.topics else {}),
        "sessions": [
            {
                "id": s.id,
                "uid": s.uid,
                "start": s.start.isoformat(),
                "end": s.end.isoformat(),
                "status": s.status,
                "sequence": s.sequence,
                "locked": s.locked,
                "created": _utc(s.created),
                "modified": _utc(s.modified),
                "digest": digest(s),
                **({"turns": _turns(s)} if _turns(s) else {}),
                **({"roles": _roles_data(s)} if s.roles else {}),
                "papers": [
                    {
                        "id": a.paper_id,
                        **({"locked": True} if a.locked else {}),
                        "title": a.title,
                        "topics": list(a.topics),
                        "presenter": (
                            {"name": a.presenter, "locked": True}
                            if a.presenter_locked and a.presenter
                            else a.presenter
                        ),
                        "score": round(a.score, 4),
                        "score_parts": {k: round(v, 4) for k, v in sorted(a.score_parts.items())},
                        "links": dict(sorted(a.links.items())),
                        **({"reasons": list(a.reasons)} if a.reasons else {}),
                        **({"relevance": _rounded(a.relevance.to_json())} if a.relevance else {}),
                        **({"votes": a.votes.to_json()} if a.votes else {}),
                        **(
                            {"affinity": {k: round(v, 4) for k, v in sorted(a.affinity.items())}}
                            if a.affinity
                            else {}
                        ),
                    }
                    for a in s.papers
                ],
            }
            for s in plan.sessions
        ],
    }


def _turns(session: Session) -> list[str]:
    """Everyone who has had a turn in the session (presenting, a role): in earlier plans, and
    now."""
    return list(dict.fromkeys([*session.turns, *turns.holders(session)]))


def _roles_data(session: Session) -> dict[str, Any]:
    """`chair: Ada`, `scribe: {name: Alan, locked: true}`, or a list of those for a role more
    than one person holds."""
    out: dict[str, Any] = {}
    for role, names in session.roles.items():
        locked = session.locked_roles.get(role, [])
        held = [{"name": n, "locked": True} if n in locked else n for n in names]
        out[role] = held[0] if len(held) == 1 else held
    return out


def _rounded(value: Any) -> Any:
    """Floats rounded, so the plan file does not change with the last bits of a solver."""
    if isinstance(value, float):
        return round(value, 4)
    if isinstance(value, dict):
        return {k: _rounded(v) for k, v in sorted(value.items())}
    return value


def dump(plan: Plan) -> bytes:
    body = yaml.safe_dump(plan_to_data(plan), sort_keys=False, allow_unicode=True, width=100)
    # the name on one line: a line break in it would end the comment and break the YAML
    return (HEADER.format(group=one_line(plan.group)) + body).encode("utf-8")


def to_json(plan: Plan) -> dict[str, Any]:
    """What `paperclub show --json` prints; other tools read it, so only ever add to it."""
    data = plan_to_data(plan)
    roles = bool(turns.role_names(plan))
    for s, session in zip(plan.sessions, data["sessions"]):
        if roles:  # the plan file's `{name, locked}` as names, and the locks beside them
            session["roles"] = turns.shown(s)
            session["locked_roles"] = {r: list(n) for r, n in s.locked_roles.items() if n}
        if plan.notes_url:
            session["notes"] = notes_link(plan, s)
        if plan.attendance:  # `paperclub rsvp` recorded answers: each session's, by name
            session["attendance"] = dict(sorted(plan.attendance.get(session["id"], {}).items()))
        for paper in session["papers"]:
            who = paper["presenter"]
            paper["presenter"] = who["name"] if isinstance(who, dict) else who
            paper["presenter_locked"] = isinstance(who, dict)
            paper.setdefault("locked", False)
    group = {
        "name": plan.group,
        "slug": plan.slug,
        "timezone": plan.timezone,
        "location": plan.location,
    }
    return {"group": group, "sessions": data["sessions"]}


class _Misread(ValueError):
    """A value of the plan file that is not what it should be, with its line."""

    def __init__(self, message: str, line: int | None):
        super().__init__(message)
        self.line = line


def load(path: Path) -> Plan:
    data = yamlfile.load(path)
    try:
        return _plan(data)
    except _Misread as e:
        raise PaperclubError(f"not a paperclub plan: {e}", path=path, line=e.line) from None
    except (KeyError, TypeError, ValueError, AttributeError) as e:
        raise PaperclubError(f"not a paperclub plan: {type(e).__name__}: {e}", path=path) from None


def _time(text: str | None) -> datetime | None:
    if text is None:
        return None
    return datetime.fromisoformat(str(text).replace("Z", "+00:00"))


def _moment(session: Any, key: str) -> datetime:
    """A session's `start` or `end`, which it must have (a hand edit may have emptied it)."""
    when = _time(session[key])
    if when is None:
        raise ValueError(
            f"session {session.get('id')}: {key}: expected a date and time, found None"
        )
    return when


def _flag(value: Any, key: str) -> bool:
    if not isinstance(value, bool):
        raise ValueError(f"{key}: expected true or false, found {value!r}")
    return value


def _names(value: Any, key: str) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ValueError(f"{key}: expected a list of names, found {value!r}")
    return list(value)


def _presenter(value: Any) -> tuple[str | None, bool]:
    """`presenter: Ada` or `presenter: {name: Ada, locked: true}`."""
    if value is None or isinstance(value, str):
        return value, False
    if (
        isinstance(value, dict)
        and isinstance(value.get("name"), str)
        and set(value) <= {"name", "locked"}
    ):
        return value["name"], _flag(value.get("locked", False), "presenter.locked")
    raise ValueError(f"presenter: expected a name or {{name: ..., locked: true}}, found {value!r}")


def _roles(s: Any) -> tuple[dict[str, list[str]], dict[str, list[str]]]:
    """A session's `roles:` (see `_roles_data`): role -> holders, and role -> locked ones."""
    raw = s.get("roles")
    if raw is None:
        return {}, {}
    sid = s.get("id")
    line = getattr(s, "lines", {}).get("roles")
    if not isinstance(raw, dict):
        raise _Misread(
            f"session {sid}: roles: expected a mapping of role: name, found {raw!r}", line
        )
    roles: dict[str, list[str]] = {}
    locked: dict[str, list[str]] = {}
    for role, value in raw.items():
        where = getattr(raw, "lines", {}).get(role, line)
        for held in value if isinstance(value, list) else [value]:
            if not isinstance(role, str):
                raise _Misread(f"session {sid}: roles: {role!r} is not a role's name", where)
            try:
                name, lock = _presenter(held)
            except ValueError:
                name, lock = None, False
            if name is None or not name.strip():
                raise _Misread(
                    f"session {sid}: roles.{role}: expected a name, {{name: ..., locked: true}} "
                    f"or a list of them, found {held!r}",
                    where,
                )
            if name in roles.get(role, []):
                raise _Misread(f"session {sid}: roles.{role}: {name} is named twice", where)
            roles.setdefault(role, []).append(name)
            if lock:
                locked.setdefault(role, []).append(name)
    return roles, locked


def _assignment(a: dict[str, Any]) -> Assignment:
    presenter, presenter_locked = _presenter(a.get("presenter"))
    return Assignment(
        paper_id=str(a["id"]),
        title=str(a["title"]),
        topics=list(a.get("topics") or []),
        presenter=presenter,
        presenter_locked=presenter_locked,
        locked=_flag(a.get("locked", False), "locked"),
        score=float(a.get("score") or 0),
        score_parts=dict(a.get("score_parts") or {}),
        links=dict(a.get("links") or {}),
        reasons=[str(r) for r in a.get("reasons") or []],
        relevance=Relevance.from_json(a["relevance"]) if a.get("relevance") else None,
        votes=Votes.from_json(a["votes"]) if a.get("votes") else Votes(),
        # a plan file from before affinities were kept has none: its presenters are explained
        # without them until it is planned again
        affinity={str(k): float(v) for k, v in (a.get("affinity") or {}).items()},
    )


def _lines(data: Any) -> dict[str, int]:
    """Where each session, paper and presenter stands in the file: "s05" (its `id:`),
    "s05.papers[1]" (the paper's `id:`), "s05.papers[1].presenter", "s05.roles.chair", and
    "planned_as_of"."""
    top = getattr(data, "lines", {})
    out = {"planned_as_of": top.get("planned_as_of")}
    for s in data.get("sessions") or ():
        sid = str(s["id"])
        out[sid] = getattr(s, "lines", {}).get("id")
        for i, a in enumerate(s.get("papers") or ()):
            where = getattr(a, "lines", {})
            out[f"{sid}.papers[{i}]"] = where.get("id")
            out[f"{sid}.papers[{i}].presenter"] = where.get("presenter", where.get("id"))
        roles = s.get("roles")
        if isinstance(roles, dict):
            at = getattr(s, "lines", {}).get("roles")
            for role in roles:
                out[f"{sid}.roles.{role}"] = getattr(roles, "lines", {}).get(role, at)
    return {key: line for key, line in out.items() if line}


def _plan(data: dict[str, Any]) -> Plan:
    organizer = data.get("organizer") or {}
    as_of = data.get("planned_as_of")
    plan = Plan(
        group=data["group"],
        slug=data["slug"],
        timezone=data["timezone"],
        organizer=Person(organizer.get("name", ""), organizer.get("email")),
        location=data.get("location"),
        solver=dict(data.get("solver") or {}),
        topics=_names(data.get("topics"), "topics"),
        url=data.get("url"),
        feed_url=data.get("feed_url"),
        notes_url=data.get("notes_url"),
        alarm=timedelta(minutes=int(str(data["alarm"]).removesuffix("m")))
        if data.get("alarm")
        else None,
        # a plan file written before it has none: the next plan that changes it adds it
        planned_as_of=date.fromisoformat(str(as_of)) if as_of else None,
        lines=_lines(data),
        sessions=[
            Session(
                id=str(s["id"]),
                uid=str(s["uid"]),
                start=_moment(s, "start"),
                end=_moment(s, "end"),
                status=s.get("status", "confirmed"),
                sequence=int(s.get("sequence", 0)),
                locked=_flag(s.get("locked", False), "locked"),
                created=_time(s.get("created")),
                modified=_time(s.get("modified")),
                digest=str(s["digest"]) if s.get("digest") else None,
                turns=_names(s.get("turns"), "turns"),
                papers=[_assignment(a) for a in s.get("papers") or []],
            )
            for s in data.get("sessions") or []
        ],
    )
    for session, raw in zip(plan.sessions, data.get("sessions") or []):
        session.roles, session.locked_roles = _roles(raw)
    return plan
