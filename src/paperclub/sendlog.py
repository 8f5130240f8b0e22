"""The send log: which announcement went to whom, and how it ended (sent, failed, unknown).

One table, `messages`, in the workspace's announce log (`schedules/<group>.announce.sqlite`,
beside the plan file; attendance.py keeps its own table there). Never twice, never lost:

- a message is claimed (`sending`) in a transaction of its own before it is handed over,
  and recorded `sent` only after the server's final answer;
- `failed` (surely not delivered) is due again on the next run; `unknown` (the connection
  dropped after the message was handed over) is reported and never sent again on its own;
- a `sending` row that a run finds was left by a run that stopped mid-send (a crash, Ctrl-C):
  it becomes `unknown`;
- one run at a time: a run holds an exclusive lock on the file (flock) for as long as it sends;
  each state change is a `BEGIN IMMEDIATE` transaction, so a reader never sees half a change.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from paperclub.errors import PaperclubError
from paperclub.files import flock

SENDING, SENT, FAILED, UNKNOWN = "sending", "sent", "failed", "unknown"
LOCK_WAIT = 120.0  # seconds a run waits for another one to finish before it gives up
STALE = "the run sending it stopped before the server answered (a crash or Ctrl-C)"

SCHEMA = """
CREATE TABLE IF NOT EXISTS messages (
    key TEXT PRIMARY KEY,        -- kind/session/sequence/recipient: what goes out once
    kind TEXT NOT NULL,          -- term | agenda | presenter | role | update | cancel
    session TEXT,                -- the session's id; NULL for the term announcement
    sequence INTEGER,            -- the session's SEQUENCE when it was sent
    recipient TEXT NOT NULL,     -- an email address, or '#' and a chat channel's name
    label TEXT NOT NULL,         -- who, as shown: Ada Lovelace <ada@example.org>
    subject TEXT NOT NULL,
    message_id TEXT NOT NULL,
    state TEXT NOT NULL,         -- sending | sent | failed | unknown
    at TEXT NOT NULL,            -- when the state was recorded, UTC, ISO 8601
    tries INTEGER NOT NULL DEFAULT 0,
    error TEXT                   -- why it failed, or why its fate is unknown
)
"""


@dataclass(frozen=True)
class Row:
    key: str
    kind: str
    session: str | None
    sequence: int | None
    recipient: str
    label: str
    subject: str
    message_id: str
    state: str
    at: datetime
    tries: int
    error: str | None

    def to_json(self) -> dict[str, object]:
        return {
            "key": self.key,
            "kind": self.kind,
            "session": self.session,
            "sequence": self.sequence,
            "to": self.label,
            "subject": self.subject,
            "message_id": self.message_id,
            "state": self.state,
            "at": self.at.isoformat(),
            "tries": self.tries,
            **({"error": self.error} if self.error else {}),
        }


def _utc(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).isoformat(timespec="seconds")


class SendLog:
    """The `messages` table of an announce log. Open it with `SendLog.open` (a run that sends)
    or `SendLog.read` (a dry run, --status: nothing is created or changed)."""

    def __init__(self, db: sqlite3.Connection | None, path: Path):
        self.db, self.path = db, path

    @classmethod
    def read(cls, path: Path) -> SendLog:
        if not path.exists():
            return cls(None, path)
        try:
            db = read_only(path)
            db.execute("SELECT 1 FROM sqlite_master").fetchall()
        except sqlite3.DatabaseError as e:
            raise PaperclubError(f"not a send log: {e}", path=path) from None
        return cls(db, path)

    @classmethod
    def open(cls, path: Path) -> SendLog:
        try:
            # autocommit: each change is its own BEGIN IMMEDIATE ... COMMIT
            db = sqlite3.connect(path, isolation_level=None, timeout=LOCK_WAIT)
            # a write-ahead log: a change waits for one sync of the log, not four of a
            # rollback journal and the file (2 ms a message here; 10,000 messages a term)
            db.execute("PRAGMA journal_mode=WAL")
            db.execute(SCHEMA)
        except sqlite3.DatabaseError as e:
            raise PaperclubError(f"not a send log: {e}", path=path) from None
        return cls(db, path)

    def close(self) -> None:
        if self.db is not None:
            self.db.close()

    def rows(self) -> list[Row]:
        if self.db is None:
            return []
        try:
            found = self.db.execute("SELECT * FROM messages ORDER BY at, key").fetchall()
        except sqlite3.OperationalError:  # a log of the replies only: no messages table yet
            return []
        return [
            Row(
                key=r[0],
                kind=r[1],
                session=r[2],
                sequence=r[3],
                recipient=r[4],
                label=r[5],
                subject=r[6],
                message_id=r[7],
                state=r[8],
                at=datetime.fromisoformat(r[9]),
                tries=r[10],
                error=r[11],
            )
            for r in found
        ]

    @contextmanager
    def _change(self, durable: bool = True) -> Iterator[sqlite3.Connection]:
        """One transaction. `durable`: on the disk when it returns (a claim, before the
        message is handed over); otherwise with the next durable change, or as the log
        closes: a `sent` lost to a power cut leaves its message `sending`, so it is reported
        as unknown, never sent twice."""
        if self.db is None:
            raise PaperclubError("the send log is open for reading only", path=self.path)
        self.db.execute(f"PRAGMA synchronous={'FULL' if durable else 'NORMAL'}")
        self.db.execute("BEGIN IMMEDIATE")
        try:
            yield self.db
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        self.db.execute("COMMIT")

    def stale(self, now: datetime) -> list[Row]:
        """Messages a stopped run left `sending`, now `unknown`: call it holding the lock."""
        with self._change() as db:
            keys = [
                r[0] for r in db.execute("SELECT key FROM messages WHERE state = ?", (SENDING,))
            ]
            db.execute(
                "UPDATE messages SET state = ?, at = ?, error = ? WHERE state = ?",
                (UNKNOWN, _utc(now), STALE, SENDING),
            )
        return [r for r in self.rows() if r.key in keys]

    def claim(
        self,
        *,
        key: str,
        kind: str,
        session: str | None,
        sequence: int | None,
        recipient: str,
        label: str,
        subject: str,
        message_id: str,
        now: datetime,
        resend_unknown: bool = False,
    ) -> bool:
        """Record the message `sending`, unless it was sent (or may have been): False then.
        Earlier failed tries of the same kind, session and recipient (another SEQUENCE) give
        way to it."""
        allowed = (FAILED, UNKNOWN) if resend_unknown else (FAILED,)
        with self._change() as db:
            row = db.execute("SELECT state FROM messages WHERE key = ?", (key,)).fetchone()
            if row is not None and row[0] not in allowed:
                return False
            marks = ",".join("?" * len(allowed))
            db.execute(
                f"DELETE FROM messages WHERE kind = ? AND session IS ? AND recipient = ? "
                f"AND key != ? AND state IN ({marks})",
                (kind, session, recipient, key, *allowed),
            )
            db.execute(
                "INSERT INTO messages (key, kind, session, sequence, recipient, label, subject, "
                "message_id, state, at, tries, error) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, NULL) "
                "ON CONFLICT(key) DO UPDATE SET state = excluded.state, at = excluded.at, "
                "tries = messages.tries + 1, error = NULL, subject = excluded.subject",
                (
                    key,
                    kind,
                    session,
                    sequence,
                    recipient,
                    label,
                    subject,
                    message_id,
                    SENDING,
                    _utc(now),
                ),
            )
        return True

    def record(self, key: str, state: str, now: datetime, error: str | None = None) -> None:
        with self._change(durable=False) as db:
            db.execute(
                "UPDATE messages SET state = ?, at = ?, error = ? WHERE key = ?",
                (state, _utc(now), error, key),
            )


def read_only(path: Path) -> sqlite3.Connection:
    """The announce log opened for reading, leaving no file behind: SQLite reads a log in
    write-ahead mode through files beside it (-wal, -shm), which it makes and, for a reader,
    never removes. When no run is writing (no -wal file), the log is complete as it is and is
    read as an immutable file; while one writes, through the files it made."""
    uri = f"{path.resolve().as_uri()}?mode=ro"
    if not path.with_name(path.name + "-wal").exists():
        uri += "&immutable=1"
    return sqlite3.connect(uri, uri=True, isolation_level=None)


@contextmanager
def locked(path: Path, wait: float | None = None) -> Iterator[None]:
    """Hold the run lock of the log at `path` (an exclusive flock on the file itself, which
    SQLite's own locks leave alone): a second run waits up to LOCK_WAIT seconds, then gives
    up without sending anything."""
    try:
        import fcntl
    except ImportError:  # not on POSIX: runs are not kept apart, each change still is
        yield
        return
    wait = LOCK_WAIT if wait is None else wait
    path.touch(exist_ok=True)
    with path.open("rb") as handle:
        busy = (
            "another `paperclub announce` is sending from this log; nothing was sent (run "
            "again once it is done)"
        )
        flock(handle, time.monotonic() + wait, busy, path, pause=0.1)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
