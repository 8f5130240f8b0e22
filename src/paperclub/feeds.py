"""`paperclub export`: render an output from the plan file, without planning again, for the
group or for one member (their turns to present).

A member's feed is a plan of its own (`Plan.member` set): the sessions the member presents in,
and, cancelled, those they presented in before (`Session.turns`), so a subscriber's client
drops a turn that is no longer theirs instead of keeping it. The ics emitter writes each as
an all-day "Your turn" event beside the group's timed one (see docs/calendar.md). Its UIDs
are its own: sharing the group feed's would clash (a client that holds both calendars sees
the same UID twice and keeps one event, or moves it from one calendar to the other on every
refresh). So each member event's UID is derived from the session's UID and the member's name
(UUID 5): the same for every export, different from the group's and from another member's.
"""

from __future__ import annotations

import difflib
import uuid
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from paperclub import planfile, workflow
from paperclub.errors import PaperclubError
from paperclub.files import atomic_write
from paperclub.models import Plan
from paperclub.text import slugify
from paperclub.turns import holders

if TYPE_CHECKING:
    from paperclub.plugins import Hooks

MEMBER_UID_NAMESPACE = uuid.UUID("3c9e8f52-0b7a-4d61-9e2f-7a5b1c4d8e36")


def member_uid(session_uid: str, member: str) -> str:
    """The UID of a session's event in `member`'s feed: fixed, and never the group's."""
    return str(uuid.uuid5(MEMBER_UID_NAMESPACE, f"{session_uid}/{member}"))


def presenters(plan: Plan) -> list[str]:
    """Everyone the plan gives a turn, presenting or in a role (a chair), now or in an
    earlier plan (their feed has cancelled turns to tell), in the order they first come."""
    return list(dict.fromkeys(name for s in plan.sessions for name in [*holders(s), *s.turns]))


def member_plan(plan: Plan, member: str) -> Plan:
    """The plan of `member`'s turns, for their own feed: the sessions they present in or
    hold a role of, and those they no longer have a turn in, cancelled."""
    sessions = [
        replace(
            s,
            uid=member_uid(s.uid, member),
            status=s.status if member in holders(s) else "cancelled",
        )
        for s in plan.sessions
        if member in holders(s) or member in s.turns
    ]
    # the group's feed address would be the wrong one to subscribe to from a member's output
    return replace(
        plan,
        group=f"{plan.group} — {member}",
        slug=f"{plan.slug}-{slugify(member)}",
        sessions=sessions,
        feed_url=None,
        member=member,
    )


def find_member(plan: Plan, name: str) -> str:
    """The presenter `name` means: exact, else the only one equal ignoring case, accents and
    punctuation (`ada-lovelace`); an error listing close matches otherwise."""
    known = presenters(plan)
    if name in known:
        return name
    same = [p for p in known if slugify(p) == slugify(name)]
    if len(same) == 1:
        return same[0]
    close = (
        difflib.get_close_matches(name, known, n=3, cutoff=0.6)
        or [p for p in known if slugify(name) in slugify(p)][:3]
    )
    hint = (
        f"did you mean {' or '.join(repr(p) for p in close)}?"
        if close
        else "presenters: " + (", ".join(known) or "none")
    )
    raise PaperclubError(f"{name!r} presents in no session of this plan; {hint}")


@dataclass
class Output:
    data: bytes
    path: Path | None = None  # None: standard output
    member: str | None = None


def export(
    schedule: Path,
    hooks: Hooks,
    fmt: str,
    *,
    member: str | None = None,
    all_members: bool = False,
    output: Path | None = None,
    today: date | None = None,
) -> list[Output]:
    """Render emitter `fmt` from the plan of `schedule` (a group config or its plan file): the
    group's output, one member's (`member`), or every presenter's (`all_members`), each in
    memory; nothing is written here."""
    path = planfile.plan_path(schedule)
    emitters = hooks.emitters
    if fmt not in emitters:
        raise PaperclubError(
            f"no output format {fmt!r}; the formats: {', '.join(sorted(emitters))}"
        )
    emitter = emitters[fmt]
    plan = replace(planfile.load_existing(schedule), as_of=today)
    if member is None and not all_members:  # the group's outputs show who comes
        from paperclub import attendance

        attendance.load(planfile.config_path(schedule), plan)

    def render(p: Plan) -> bytes:
        return workflow.render(hooks, fmt, p)

    if not all_members:
        name = find_member(plan, member) if member is not None else None
        return [Output(render(member_plan(plan, name) if name else plan), output, name)]
    if output is not None and output.exists() and not output.is_dir():
        raise PaperclubError(
            "--all-members writes one file per member: -o takes a folder", path=output
        )
    folder = output if output is not None else path.parent
    outputs: dict[Path, Output] = {}
    for name in presenters(plan):
        target = folder / f"{planfile.stem(schedule)}-{slugify(name)}{emitter.extension}"
        if target in outputs:
            raise PaperclubError(
                f"{outputs[target].member!r} and {name!r} would both be written to the same file",
                path=target,
            )
        outputs[target] = Output(render(member_plan(plan, name)), target, name)
    if not outputs:
        raise PaperclubError("no one presents in this plan", path=path)
    return list(outputs.values())


def write(outputs: list[Output]) -> list[tuple[Path, bool]]:
    """Write each output that has a path, atomically; (path, changed) for each."""
    return [(o.path, atomic_write(o.path, o.data)) for o in outputs if o.path is not None]
