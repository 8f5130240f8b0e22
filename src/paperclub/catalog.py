"""The catalog: an SQLite file with one row per paper, filled by importing sources.

One transaction per imported file, so a bad record leaves the catalog as it was. Importing a
paper that is already there merges the two records instead of adding a second row.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path

from paperclub.errors import PaperclubError
from paperclub.models import Paper
from paperclub.registry import Source

SCHEMA_VERSION = 1
SCHEMA = """
CREATE TABLE IF NOT EXISTS papers (
    id TEXT PRIMARY KEY,
    title TEXT NOT NULL,
    abstract TEXT NOT NULL DEFAULT '',
    authors TEXT NOT NULL DEFAULT '[]',      -- JSON list
    author_count INTEGER,
    organisation TEXT,
    published TEXT,                          -- ISO date
    upvotes INTEGER NOT NULL DEFAULT 0,
    links TEXT NOT NULL DEFAULT '{}',        -- JSON object: kind -> URL
    keywords TEXT NOT NULL DEFAULT '[]',
    topics TEXT NOT NULL DEFAULT '[]',
    sources TEXT NOT NULL DEFAULT '[]'
);
-- What each imported file looked like, so an unchanged file is not read again.
CREATE TABLE IF NOT EXISTS imports (
    source TEXT PRIMARY KEY,
    digest TEXT NOT NULL,
    papers INTEGER NOT NULL
);
"""
COLUMNS = ("id", "title", "abstract", "authors", "author_count", "organisation", "published",
           "upvotes", "links", "keywords", "topics", "sources")


@dataclass(frozen=True)
class ImportResult:
    source: str  # the label papers record, such as "hf-page:papers.txt"
    papers: int
    added: int
    updated: int
    skipped_unchanged_file: bool = False


def merge(old: Paper, new: Paper) -> Paper:
    """One paper from two records: keep what either knows, prefer the newer where both do."""
    return replace(
        old,
        title=new.title or old.title,
        abstract=new.abstract or old.abstract,
        authors=new.authors or old.authors,
        author_count=new.author_count if new.author_count is not None else old.author_count,
        organisation=new.organisation or old.organisation,
        published=new.published or old.published,
        upvotes=max(old.upvotes, new.upvotes),
        links={**new.links, **old.links},  # the first source's link of a kind stays
        keywords=_union(old.keywords, new.keywords),
        topics=_union(old.topics, new.topics),
        sources=_union(old.sources, new.sources),
    )


def _union(a: Iterable[str], b: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys([*a, *b]))


def _row(paper: Paper) -> tuple:
    return (paper.id, paper.title, paper.abstract, json.dumps(list(paper.authors)),
            paper.author_count, paper.organisation,
            paper.published.isoformat() if paper.published else None, paper.upvotes,
            json.dumps(paper.links, sort_keys=True), json.dumps(list(paper.keywords)),
            json.dumps(list(paper.topics)), json.dumps(list(paper.sources)))


def _paper(row: sqlite3.Row) -> Paper:
    return Paper(
        id=row["id"], title=row["title"], abstract=row["abstract"],
        authors=tuple(json.loads(row["authors"])), author_count=row["author_count"],
        organisation=row["organisation"],
        published=date.fromisoformat(row["published"]) if row["published"] else None,
        upvotes=row["upvotes"], links=json.loads(row["links"]),
        keywords=tuple(json.loads(row["keywords"])), topics=tuple(json.loads(row["topics"])),
        sources=tuple(json.loads(row["sources"])),
    )


class Catalog:
    def __init__(self, path: Path):
        self.path = path
        try:
            # isolation_level=None: transactions are ours, begun and ended explicitly below.
            self.db = sqlite3.connect(path, isolation_level=None, timeout=30)
            self.db.row_factory = sqlite3.Row
            # SQLite's LIKE and lower() fold ASCII only; "Über" should match "über".
            self.db.create_function("fold", 1, str.casefold, deterministic=True)
            self.db.execute("PRAGMA journal_mode=WAL")
            version = self.db.execute("PRAGMA user_version").fetchone()[0]
            if version > SCHEMA_VERSION:
                raise PaperclubError(
                    f"catalog schema {version} is newer than this paperclub knows ({SCHEMA_VERSION})",
                    path=path)
            if version < SCHEMA_VERSION:
                self.db.executescript(f"BEGIN; {SCHEMA} PRAGMA user_version={SCHEMA_VERSION}; COMMIT;")
        except sqlite3.DatabaseError as e:
            raise PaperclubError(f"not a usable catalog: {e}", path=path) from None

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> Catalog:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- writing -----------------------------------------------------------------------------

    def import_file(self, path: Path, source: Source, label: str, as_of: date | None) -> ImportResult:
        """Import every paper of `path`, all or nothing; an unchanged file is not read again."""
        digest = _digest(path) + (f" as of {as_of}" if as_of else "")
        row = self.db.execute("SELECT digest, papers FROM imports WHERE source = ?", (label,)).fetchone()
        if row is not None and row["digest"] == digest:
            return ImportResult(label, row["papers"], 0, 0, skipped_unchanged_file=True)
        added = updated = count = 0
        self.db.execute("BEGIN IMMEDIATE")
        try:
            for _, paper in source.read(path, as_of):
                paper = replace(paper, sources=(label,))
                count += 1
                old = self.get(paper.id)
                if old is None:
                    self._write(paper)
                    added += 1
                else:
                    merged = merge(old, paper)
                    if merged != old:
                        self._write(merged)
                        updated += 1
            self.db.execute("INSERT OR REPLACE INTO imports VALUES (?, ?, ?)", (label, digest, count))
            self.db.execute("COMMIT")
        except BaseException:  # a bad record, Ctrl-C: nothing of this file stays
            self.db.execute("ROLLBACK")
            raise
        return ImportResult(label, count, added, updated)

    def _write(self, paper: Paper) -> None:
        self.db.execute(f"INSERT OR REPLACE INTO papers ({', '.join(COLUMNS)}) "
                        f"VALUES ({', '.join('?' * len(COLUMNS))})", _row(paper))

    # -- reading -----------------------------------------------------------------------------

    def get(self, paper_id: str) -> Paper | None:
        row = self.db.execute("SELECT * FROM papers WHERE id = ?", (paper_id,)).fetchone()
        return _paper(row) if row else None

    def __len__(self) -> int:
        return self.db.execute("SELECT count(*) FROM papers").fetchone()[0]

    def papers(self, query: str | None = None, sources: Iterable[str] | None = None) -> Iterator[Paper]:
        """Papers in id order; `query` keeps those whose title or abstract has every word;
        `sources` keeps those that came from any of these source labels."""
        where, args = [], []
        for word in (query or "").casefold().split():
            where.append("(instr(fold(title), ?) OR instr(fold(abstract), ?))")
            args += [word, word]
        if sources is not None:
            labels = list(sources)
            where.append("EXISTS (SELECT 1 FROM json_each(papers.sources) WHERE value IN "
                         f"({', '.join('?' * len(labels))}))")
            args += labels
        sql = "SELECT * FROM papers" + (" WHERE " + " AND ".join(where) if where else "")
        for row in self.db.execute(sql + " ORDER BY id", args):
            yield _paper(row)


def _digest(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()
