"""Who comes: the members' answers to the sessions' invitations (`paperclub rsvp`), kept in
table `replies` of the workspace's announce log (schedules/<group>.announce.sqlite, beside
the plan file; sendlog.py keeps table `messages` of the same file).

One row per (session UID, attendee address): the newest answer, by SEQUENCE then DTSTAMP, as
RFC 5546 has an organizer keep it; an older one is reported, not recorded, and the same answer
read again changes nothing. The commands that show a plan (show, members, the web page) read
the answers into `Plan.attendance` by session id and member name; without a log they show
what they showed before.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import closing, contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from paperclub import planfile, sendlog
from paperclub.errors import PaperclubError
from paperclub.invitations import ANSWERS, Reply
from paperclub.models import Member, Plan, Session

SCHEMA = """
CREATE TABLE IF NOT EXISTS replies (
    uid TEXT NOT NULL,           -- the session's calendar UID
    email TEXT NOT NULL,         -- the attendee's address, lower-case
    session TEXT NOT NULL,       -- the session's id when it was recorded
    member TEXT NOT NULL,        -- the member's name in the config when it was recorded
    partstat TEXT NOT NULL,      -- ACCEPTED | DECLINED | TENTATIVE
    sequence INTEGER NOT NULL,   -- the SEQUENCE of the invitation answered
    dtstamp TEXT,                -- when the reply was made, UTC ISO 8601; NULL: not given
    source TEXT NOT NULL,        -- the file it was read from
    PRIMARY KEY (uid, email)
)
"""

# how show, members and the web page count the answers: "3 yes, 1 no, 1 maybe"
WORDS = {"ACCEPTED": "yes", "DECLINED": "no", "TENTATIVE": "maybe"}


def log_path(config_path: Path) -> Path:
    """The announce log beside the plan file: `workflow.output_path(config, ".announce.sqlite")`
    (without importing the planner, which show and members do not need)."""
    config = planfile.config_path(config_path)
    return config.with_name(planfile.stem(config) + ".announce.sqlite")


@contextmanager
def _open(path: Path | str) -> Iterator[sqlite3.Connection]:
    try:
        connection = sqlite3.connect(path)
    except sqlite3.Error as e:
        raise PaperclubError(f"cannot open the announce log: {e}", path=path) from None
    with closing(connection):
        try:
            yield connection
        except sqlite3.DatabaseError as e:
            raise PaperclubError(f"the announce log cannot be read: {e}", path=path) from None


@dataclass(frozen=True)
class Outcome:
    """What became of one reply: `recorded`, `unchanged` (already recorded), or `ignored`,
    with why in `note`."""

    reply: Reply
    source: str
    state: str
    note: str = ""
    session: Session | None = None
    member: Member | None = None


def _stamp(reply: Reply) -> str | None:
    return reply.dtstamp.strftime("%Y-%m-%dT%H:%M:%SZ") if reply.dtstamp else None


def _order(sequence: int, dtstamp: str | None) -> tuple[int, str]:
    return (sequence, dtstamp or "")  # no DTSTAMP: older than any with one


def record(
    config_path: Path,
    plan: Plan,
    members: Sequence[Member],
    replies: Sequence[tuple[Reply, str]],
) -> list[Outcome]:
    """Record each (reply, file it came from) in the log, in order: an answer to a session of
    `plan` from one of `members`, newer than what is recorded for them. One transaction: a
    failure records none of them."""
    sessions = {s.uid: s for s in plan.sessions}
    by_email = {m.email.lower(): m for m in members if m.email}
    outcomes: list[Outcome] = []
    path = log_path(config_path)
    if not any(r.uid in sessions and r.email in by_email for r, _ in replies) and not path.exists():
        db_path: Path | str = ":memory:"  # nothing to record: no log made for it
    else:
        db_path = path
    with _open(db_path) as db, db:
        db.execute(SCHEMA)
        for reply, source in replies:
            session = sessions.get(reply.uid)
            member = by_email.get(reply.email)
            if session is None:
                outcomes.append(
                    Outcome(reply, source, "ignored", "no session of this plan has its UID")
                )
                continue
            if member is None:
                outcomes.append(
                    Outcome(reply, source, "ignored", "not a member's address", session)
                )
                continue
            if reply.partstat not in ANSWERS:
                note = f"PARTSTAT {reply.partstat} says neither yes, no nor maybe"
                outcomes.append(Outcome(reply, source, "ignored", note, session, member))
                continue
            row = db.execute(
                "SELECT partstat, sequence, dtstamp FROM replies WHERE uid = ? AND email = ?",
                (reply.uid, reply.email),
            ).fetchone()
            new = _order(reply.sequence, _stamp(reply))
            if row is not None:
                old = _order(row[1], row[2])
                if new < old:
                    note = (
                        f"older than the answer recorded ({row[0]}, SEQUENCE {row[1]}, "
                        f"DTSTAMP {row[2] or 'none'})"
                    )
                    outcomes.append(Outcome(reply, source, "ignored", note, session, member))
                    continue
                if new == old and row[0] == reply.partstat:
                    outcomes.append(Outcome(reply, source, "unchanged", "", session, member))
                    continue
            db.execute(
                "INSERT OR REPLACE INTO replies VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    reply.uid,
                    reply.email,
                    session.id,
                    member.name,
                    reply.partstat,
                    reply.sequence,
                    _stamp(reply),
                    source,
                ),
            )
            outcomes.append(Outcome(reply, source, "recorded", "", session, member))
    return outcomes


def load(config_path: Path, plan: Plan) -> Plan:
    """`plan` with `attendance` filled from the log (session id -> member name -> PARTSTAT),
    sessions matched by UID; no log, or no table in it, leaves it empty. Reads only: showing
    a plan makes no file."""
    plan.attendance = {}
    path = log_path(config_path)
    if not path.exists():
        return plan
    ids = {s.uid: s.id for s in plan.sessions}
    try:
        connection = sendlog.read_only(path)
    except sqlite3.Error as e:
        raise PaperclubError(f"cannot open the announce log: {e}", path=path) from None
    with closing(connection):
        try:
            rows = connection.execute(
                "SELECT uid, member, partstat FROM replies ORDER BY member, uid"
            ).fetchall()
        except sqlite3.OperationalError as e:
            if "no such table" in str(e):  # a log with sent messages and no replies yet
                return plan
            raise PaperclubError(f"the announce log cannot be read: {e}", path=path) from None
        except sqlite3.DatabaseError as e:
            raise PaperclubError(f"the announce log cannot be read: {e}", path=path) from None
    for uid, member, partstat in rows:
        if uid in ids:
            plan.attendance.setdefault(ids[uid], {})[member] = partstat
    return plan


def label(answers: dict[str, str]) -> str:
    """`3 yes, 1 no, 1 maybe` (the kinds with none left out); '' for no answers."""
    counts = [(sum(p == kind for p in answers.values()), word) for kind, word in WORDS.items()]
    return ", ".join(f"{n} {word}" for n, word in counts if n)


def word(partstat: str) -> str:
    return WORDS.get(partstat, partstat.lower())


def when(session: Session, zone_name: str) -> str:
    """The session's date in the group's time zone: 2027-01-14."""
    from zoneinfo import ZoneInfo

    start: datetime = session.start.astimezone(ZoneInfo(zone_name))
    return start.date().isoformat()


def by_member(plan: Plan) -> dict[str, list[dict[str, str]]]:
    """Each member's answers in the order of the sessions: [{"session": id, "date":
    2027-01-14, "partstat": ACCEPTED}]; {} when no one answered."""
    out: dict[str, list[dict[str, str]]] = {}
    for s in sorted(plan.sessions, key=lambda s: (s.start, s.id)):
        for name, partstat in sorted(plan.attendance.get(s.id, {}).items()):
            day = when(s, plan.timezone)
            out.setdefault(name, []).append({"session": s.id, "date": day, "partstat": partstat})
    return out
