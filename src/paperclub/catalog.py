"""The catalog: an SQLite file with one row per paper, filled by importing sources, searched
with FTS5.

One transaction per imported file, so a bad record (or Ctrl-C, or a kill) leaves the catalog
as it was. The same paper from several sources is one row: records are matched by arXiv id,
else DOI, else normalised title, and their fields combined.
"""

from __future__ import annotations

import hashlib
import json
import re
import sqlite3
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import Any

import orjson

from paperclub import ids
from paperclub.errors import PaperclubError
from paperclub.models import Paper
from paperclub.registry import Source
from paperclub.sourcefile import SourceFile

SCHEMA_VERSION = 3
PAPERS = """
CREATE TABLE papers (
    rowid INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,                 -- arxiv:..., doi:..., or a title slug
    arxiv_id TEXT,
    doi TEXT,
    title_hash INTEGER NOT NULL,             -- of the normalised title: how titles are matched
    title TEXT NOT NULL,
    abstract TEXT NOT NULL DEFAULT '',
    authors TEXT NOT NULL DEFAULT '[]',      -- JSON list
    author_count INTEGER,
    organisation TEXT,
    published TEXT,                          -- ISO date
    upvotes INTEGER,                         -- NULL: no source rated it (not the same as 0)
    has_code INTEGER NOT NULL DEFAULT 0,
    links TEXT NOT NULL DEFAULT '{}',        -- JSON object: kind -> URL
    keywords TEXT NOT NULL DEFAULT '[]',     -- the sources' keywords and categories
    topics TEXT NOT NULL DEFAULT '[]',
    sources TEXT NOT NULL DEFAULT '[]',
    extra TEXT NOT NULL DEFAULT '{}'         -- JSON object: source facts without a column
);
"""
INDEXES = """
CREATE INDEX papers_arxiv ON papers(arxiv_id) WHERE arxiv_id IS NOT NULL;
CREATE INDEX papers_doi ON papers(doi) WHERE doi IS NOT NULL;
CREATE INDEX papers_title ON papers(title_hash);
CREATE INDEX papers_published ON papers(published);
-- Full-text search over title, abstract and keywords (the relevance scores use it too); the
-- text stays in `papers` (external content).
CREATE VIRTUAL TABLE papers_fts USING fts5(
    title, abstract, keywords, content='papers', content_rowid='rowid',
    tokenize='unicode61 remove_diacritics 2'
);
-- The index is kept by Catalog._index_new, not by triggers: new papers are indexed in one
-- statement at the end of an import, which is faster than row by row.
"""
VOTES = """
-- Members' votes and suggestions (paperclub vote, suggest, import-votes): one row per paper
-- and member, the latest word standing. `paper` is the id the paper had then (see aliases).
CREATE TABLE votes (
    paper TEXT NOT NULL,
    member TEXT NOT NULL,
    value INTEGER NOT NULL CHECK (value IN (-1, 1)),  -- for or against
    suggested INTEGER NOT NULL DEFAULT 0,             -- the member put the paper forward
    note TEXT,                                        -- the suggestion's why
    cast_at TEXT NOT NULL,                            -- ISO 8601, UTC
    source TEXT NOT NULL,                             -- "command line", or the imported file
    PRIMARY KEY (paper, member)
);
"""
SCHEMA = (
    PAPERS
    + INDEXES
    + """
-- Ids a paper had before a better one was known (a title slug before its arXiv id).
CREATE TABLE aliases (alias TEXT PRIMARY KEY, id TEXT NOT NULL);
-- What each imported file looked like, so an unchanged file is not read again.
CREATE TABLE imports (source TEXT PRIMARY KEY, digest TEXT NOT NULL, papers INTEGER NOT NULL);
"""
    + VOTES
)
# Sources whose papers all carry a rating (upvotes), where 0 means 0: before schema 3 a
# paper no source rated was stored with 0 too.
RATED_SOURCES = ("hf-page:", "hf-html:", "hf-json:", "paperclub:sample")
COLUMNS = (
    "id",
    "arxiv_id",
    "doi",
    "title_hash",
    "title",
    "abstract",
    "authors",
    "author_count",
    "organisation",
    "published",
    "upvotes",
    "has_code",
    "links",
    "keywords",
    "topics",
    "sources",
    "extra",
)
BATCH = 20000  # records merged and written together (and indexed: smaller is slower)
# FTS5 keeps new index entries in memory up to this size before writing a segment: fewer,
# larger segments make a big import's index several times faster to build.
FTS_HASHSIZE = 128 << 20


@dataclass
class ImportResult:
    source: str  # the label papers record, such as "hf-page:papers.txt"
    papers: int = 0
    added: int = 0
    updated: int = 0
    skipped_unchanged_file: bool = False
    skipped: list[str] = field(default_factory=list)  # invalid records, with --skip-invalid
    seconds: dict[str, float] = field(
        default_factory=lambda: dict.fromkeys(("parse", "merge", "insert", "index"), 0.0)
    )  # where the time went


@dataclass
class Lookup:
    keys: list[str]  # each record's normalised title
    found: dict[int, Paper]  # rowid -> a paper the records may be
    taken: set[str]  # ids of the batch already used by papers in the catalog


@dataclass
class Writes:
    inserts: list[tuple]
    updates: list[tuple]
    before: dict[int, Paper]  # rowid -> the paper as it was, for each update
    aliases: list[tuple[str, str]]  # (old id, new id)


def merge(old: Paper, new: Paper) -> Paper:
    """One paper from two records of it: keep what either knows. Text fields keep the first
    source's value; counts keep the larger; lists are united in order, and links by name."""
    arxiv = old.arxiv_id or new.arxiv_id
    doi = old.doi or new.doi
    title = old.title or new.title
    # The id changes only when a better identifier becomes known (arXiv over DOI over title).
    better = (arxiv, doi) != (old.arxiv_id, old.doi)
    dated = _dated(old, new)
    return replace(
        old,
        id=ids.paper_id(arxiv, doi, title) if better else old.id,
        arxiv_id=arxiv,
        doi=doi,
        title=title,
        abstract=old.abstract or new.abstract,
        authors=old.authors if len(old.authors) >= len(new.authors) else new.authors,
        author_count=max(
            (c for c in (old.author_count, new.author_count) if c is not None), default=None
        ),
        organisation=old.organisation or new.organisation,
        published=dated.published,
        upvotes=max((u for u in (old.upvotes, new.upvotes) if u is not None), default=None),
        links=_merge_links(old.links, new.links),
        keywords=_union(old.keywords, new.keywords),
        topics=_union(old.topics, new.topics),
        sources=_union(old.sources, new.sources),
        extra=_drop_none(
            {**new.extra, **old.extra, "date_precision": dated.extra.get("date_precision")}
        ),
    )


def _merge_links(old: dict[str, str], new: dict[str, str]) -> dict[str, str]:
    """The first record's links, and the second's under names the first does not use (its
    `code-2` when the first had one code link), each URL once."""
    links = dict(old)
    for name, url in new.items():
        if name not in links and url not in links.values():
            links[name] = url
    return links


def _drop_none(d: dict) -> dict:
    return {k: v for k, v in d.items() if v is not None}


PRECISION = {"year": 0, "month": 1, "day": 2}


def _dated(old: Paper, new: Paper) -> Paper:
    """The record whose date to keep: the more precise (a BibTeX year is stored as 1 January),
    else the earlier."""
    dated = [p for p in (old, new) if p.published] or [old]
    return min(
        dated,
        key=lambda p: (
            -PRECISION.get(p.extra.get("date_precision", "day"), 2),
            p.published or date.max,
        ),
    )


def _union(a: Iterable[str], b: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys([*a, *b]))


def _dumps(value: Any) -> str:
    return orjson.dumps(value, option=orjson.OPT_SORT_KEYS).decode()


def title_hash(key: str) -> int:
    """A 64-bit hash of a normalised title: a small index; matches are checked on the title."""
    return int.from_bytes(hashlib.blake2b(key.encode(), digest_size=8).digest(), "big", signed=True)


def _row(paper: Paper, key: str | None = None) -> tuple:
    key = key if key is not None else ids.title_key(paper.title)
    return (
        paper.id,
        paper.arxiv_id,
        paper.doi,
        title_hash(key),
        paper.title,
        paper.abstract,
        _dumps(list(paper.authors)),
        paper.author_count,
        paper.organisation,
        paper.published.isoformat() if paper.published else None,
        paper.upvotes,
        int(paper.has_code),
        _dumps(paper.links),
        _dumps(list(paper.keywords)),
        _dumps(list(paper.topics)),
        _dumps(list(paper.sources)),
        _dumps(paper.extra),
    )


FTS_COLUMNS = "title, abstract, keywords"


def _fts_values(paper: Paper) -> tuple[str, str, str]:
    """What the full-text index holds of a paper, as `papers` stores it (a 'delete' must give
    exactly the text that was indexed)."""
    return paper.title, paper.abstract, _dumps(list(paper.keywords))


def paper_of_row(row: sqlite3.Row) -> Paper:
    """The Paper of a row of `papers` (read with `row_factory = sqlite3.Row`)."""
    return _paper(row)


def _paper(row: sqlite3.Row) -> Paper:
    loads = orjson.loads
    return Paper(
        id=row["id"],
        title=row["title"],
        abstract=row["abstract"],
        authors=tuple(loads(row["authors"])),
        author_count=row["author_count"],
        organisation=row["organisation"],
        published=date.fromisoformat(row["published"]) if row["published"] else None,
        upvotes=row["upvotes"],
        links=loads(row["links"]),
        keywords=tuple(loads(row["keywords"])),
        topics=tuple(loads(row["topics"])),
        sources=tuple(loads(row["sources"])),
        arxiv_id=row["arxiv_id"],
        doi=row["doi"],
        extra=loads(row["extra"]),
    )


def _same_paper(a: Paper, b: Paper) -> bool:
    """Whether two records matched by title may be one paper: not if ids say otherwise."""
    if a.arxiv_id and b.arxiv_id and a.arxiv_id != b.arxiv_id:
        return False
    return not (a.doi and b.doi and a.doi != b.doi)


BUSY_TIMEOUT = 30.0  # seconds a write waits for another process's import to end


def _wal(db: sqlite3.Connection) -> None:
    """Put the catalog in WAL mode. Switching a new file to WAL needs it to itself, and SQLite
    answers "database is locked" at once (no busy wait) while a second paperclub creates the
    same new catalog: wait for it as a write would."""
    deadline = time.monotonic() + BUSY_TIMEOUT
    while True:
        try:
            db.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as e:
            if "locked" not in str(e) or time.monotonic() > deadline:
                raise
            time.sleep(0.05)


class Catalog:
    # during import_file: the source's label, the first rowid not yet in the full-text
    # index, and rows changed after they were indexed
    _label: str | None = None
    _indexed_upto: int
    _unindexed: set[int]

    def __init__(self, path: Path):
        self.path = path
        try:
            # isolation_level=None: transactions are ours, begun and ended explicitly below.
            # check_same_thread=False: an import indexes in a second thread, one at a time.
            self.db = sqlite3.connect(
                path, isolation_level=None, timeout=BUSY_TIMEOUT, check_same_thread=False
            )
            self.db.row_factory = sqlite3.Row
            _wal(self.db)
            self.db.execute("PRAGMA synchronous=NORMAL")  # WAL: a crash loses no commit
            self.db.execute("PRAGMA cache_size=-65536")  # 64 MB
            version = self.db.execute("PRAGMA user_version").fetchone()[0]
            if version > SCHEMA_VERSION:
                raise PaperclubError(
                    f"catalog schema {version} is newer than this paperclub knows ({SCHEMA_VERSION})",
                    path=path,
                )
            if version == 0:
                self._create()
            elif version == 1:
                # Only this project's own development made version-1 catalogs.
                raise PaperclubError(
                    f"catalog schema {version} is older than this paperclub's "
                    f"({SCHEMA_VERSION}): import its sources into a new catalog",
                    path=path,
                )
            elif version < SCHEMA_VERSION:
                self._upgrade()
        except sqlite3.DatabaseError as e:
            raise PaperclubError(f"not a usable catalog: {e}", path=path) from None

    @classmethod
    def read_only(cls, path: Path) -> Catalog:
        """The catalog at `path` opened for reading only (SQLite's `mode=ro`): a write through
        it fails, and nothing is created or upgraded; a missing file, or a catalog of another
        schema, is an error saying what to run."""
        self = cls.__new__(cls)
        self.path = path
        if not path.is_file():
            raise PaperclubError(
                "no catalog here yet: run `paperclub import FILE` first", path=path
            )
        try:
            # a URI, so `?` or `#` in a folder's name stays part of the path
            self.db = sqlite3.connect(
                f"{path.resolve().as_uri()}?mode=ro",
                uri=True,
                isolation_level=None,
                timeout=BUSY_TIMEOUT,
            )
            self.db.row_factory = sqlite3.Row
            version = self.db.execute("PRAGMA user_version").fetchone()[0]
        except sqlite3.DatabaseError as e:
            raise PaperclubError(f"not a usable catalog: {e}", path=path) from None
        if version != SCHEMA_VERSION:
            self.db.close()
            if version > SCHEMA_VERSION:
                problem = f"is newer than this paperclub knows ({SCHEMA_VERSION})"
            elif version > 1:  # what Catalog() upgrades
                problem = (
                    f"is older than this paperclub's ({SCHEMA_VERSION}): `paperclub plan` "
                    "or `paperclub import` upgrades it"
                )
            else:
                problem = "is not one this paperclub reads: import its sources into a new catalog"
            raise PaperclubError(f"catalog schema {version} {problem}", path=path)
        return self

    def _create(self) -> None:
        self.db.execute("BEGIN IMMEDIATE")
        try:
            if self.db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION:
                self.db.execute("COMMIT")  # another paperclub made it while we waited
                return
            for statement in _statements(SCHEMA):  # executescript() would commit midway
                self.db.execute(statement)
            self.db.execute(f"PRAGMA user_version={SCHEMA_VERSION}")
            self.db.execute("COMMIT")
        except BaseException:
            self.db.execute("ROLLBACK")
            raise

    def _upgrade(self) -> None:
        """Bring a catalog of an earlier schema up to this one, in one transaction (a crash
        or a second paperclub leaves it as it was, or upgraded). Schema 2 to 3: a paper no
        source rated gets upvotes NULL instead of 0 (a 0 stays where a rating source gave
        it), keywords join the full-text index, and votes get a table."""
        self.db.execute("BEGIN IMMEDIATE")
        try:
            if self.db.execute("PRAGMA user_version").fetchone()[0] == 2:
                columns = ", ".join(COLUMNS)
                rated = " OR ".join(f"value LIKE '{prefix}%'" for prefix in RATED_SOURCES)
                self.db.execute("DROP TABLE papers_fts")
                self.db.execute("ALTER TABLE papers RENAME TO papers_v2")
                for index in ("papers_arxiv", "papers_doi", "papers_title", "papers_published"):
                    self.db.execute(f"DROP INDEX {index}")
                for statement in _statements(PAPERS):
                    self.db.execute(statement)
                self.db.execute(
                    f"INSERT INTO papers (rowid, {columns}) SELECT rowid, "
                    + columns.replace(
                        "upvotes",
                        "CASE WHEN upvotes = 0 AND NOT EXISTS "
                        f"(SELECT 1 FROM json_each(sources) WHERE {rated}) "
                        "THEN NULL ELSE upvotes END",
                    )
                    + " FROM papers_v2"
                )
                self.db.execute("DROP TABLE papers_v2")
                for statement in _statements(INDEXES + VOTES):
                    self.db.execute(statement)
                self.db.execute(
                    "INSERT INTO papers_fts(papers_fts, rank) VALUES ('hashsize', ?)",
                    (FTS_HASHSIZE,),
                )
                self.db.execute("INSERT INTO papers_fts(papers_fts) VALUES ('rebuild')")
                self.db.execute(f"PRAGMA user_version={SCHEMA_VERSION}")
            self.db.execute("COMMIT")
        except BaseException:
            self.db.execute("ROLLBACK")
            raise

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> Catalog:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- writing -----------------------------------------------------------------------------

    def import_file(
        self,
        path: Path,
        source: Source,
        label: str,
        as_of: date | None,
        *,
        skip_invalid: bool = False,
        progress: Callable[[int, int], None] | None = None,
    ) -> ImportResult:
        """Import every paper of `path`, all or nothing; an unchanged file is not read again.
        A bad record stops the import, or with `skip_invalid` is listed and left out."""
        digest = _digest(path) + (f" as of {as_of}" if as_of else "") + _reader(source)
        row = self.db.execute(
            "SELECT digest, papers FROM imports WHERE source = ?", (label,)
        ).fetchone()
        if row is not None and row["digest"] == digest:
            return ImportResult(label, row["papers"], skipped_unchanged_file=True)
        result = ImportResult(label)
        try:
            self.db.execute("BEGIN IMMEDIATE")  # waits up to BUSY_TIMEOUT for another writer
        except sqlite3.OperationalError as e:
            raise PaperclubError(
                f"the catalog is busy ({e}): another paperclub has been "
                f"importing into it for more than {BUSY_TIMEOUT:g} s; try "
                "again when it is done",
                path=self.path,
            ) from None
        # Indexing runs in a second thread (SQLite lets go of the GIL while it works).
        indexer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="paperclub-index")
        indexing: Future | None = None
        try:
            self._label = label
            # Rows from _indexed_upto on are not in the full-text index yet; nor are those in
            # _unindexed (changed after they were indexed).
            self._indexed_upto = self._next_rowid()
            self._unindexed = set()
            self.db.execute(
                "INSERT INTO papers_fts(papers_fts, rank) VALUES ('hashsize', ?)", (FTS_HASHSIZE,)
            )
            batches = self._batches(
                source.read(SourceFile(path, progress), as_of), skip_invalid, result
            )
            # One connection, never used by both threads at once: while the indexer indexes
            # the rows of batch n, this thread merges batch n+1 and parses batch n+2.
            batch = next(batches, None)
            while batch is not None:
                lookup = self._lookup(batch, result)
                indexing = indexer.submit(self._index_new, self._next_rowid(), result)
                writes = self._merge(batch, lookup, result)
                batch = next(batches, None)
                indexing.result()
                self._write(writes, result)
            self._index_new(self._next_rowid(), result)
            started = time.perf_counter()
            self.db.execute(
                f"INSERT INTO papers_fts(rowid, {FTS_COLUMNS}) "
                f"SELECT rowid, {FTS_COLUMNS} FROM papers "
                "WHERE rowid IN (SELECT value FROM json_each(?))",
                (json.dumps(sorted(self._unindexed)),),
            )
            result.seconds["index"] += time.perf_counter() - started
            self.db.execute(
                "INSERT OR REPLACE INTO imports VALUES (?, ?, ?)", (label, digest, result.papers)
            )
            self.db.execute("COMMIT")
        except BaseException:  # a bad record, Ctrl-C: nothing of this file stays
            if indexing is not None:
                wait([indexing])
            self.db.execute("ROLLBACK")
            raise
        finally:
            indexer.shutdown()
            self._label = None
        return result

    def _batches(
        self, records: Iterator[Paper | PaperclubError], skip_invalid: bool, result: ImportResult
    ) -> Iterator[list[Paper]]:
        """Records in lists of BATCH; bad records raise, or are listed with skip_invalid."""
        batch: list[Paper] = []
        while True:
            started = time.perf_counter()
            for item in records:
                if isinstance(item, PaperclubError):
                    if not skip_invalid:
                        raise item
                    result.skipped.append(str(item))
                    continue
                batch.append(item)  # its source label is added when it is merged
                if len(batch) >= BATCH:
                    break
            result.seconds["parse"] += time.perf_counter() - started
            if not batch:
                return
            yield batch
            batch = []

    def _index_new(self, end: int, result: ImportResult) -> None:
        """Index the rows added since the last call, up to (not including) rowid `end`."""
        started = time.perf_counter()
        self.db.execute(
            f"INSERT INTO papers_fts(rowid, {FTS_COLUMNS}) "
            f"SELECT rowid, {FTS_COLUMNS} FROM papers WHERE rowid >= ? AND rowid < ?",
            (self._indexed_upto, end),
        )
        self._indexed_upto = end
        result.seconds["index"] += time.perf_counter() - started

    def _next_rowid(self) -> int:
        return self.db.execute("SELECT coalesce(max(rowid), 0) + 1 FROM papers").fetchone()[0]

    def _lookup(self, batch: list[Paper], result: ImportResult) -> Lookup:
        """The catalog's papers that records of `batch` may be: one query per kind of key."""
        started = time.perf_counter()
        keys = [ids.title_key(p.title) for p in batch]
        found: dict[int, Paper] = {}  # rowid -> paper, as in the catalog now
        for column, values in (
            ("arxiv_id", {p.arxiv_id for p in batch if p.arxiv_id}),
            ("doi", {p.doi for p in batch if p.doi}),
            ("title_hash", {title_hash(k) for k in keys}),
        ):
            if values:
                for row in self.db.execute(
                    f"SELECT rowid, * FROM papers WHERE {column} IN "
                    "(SELECT value FROM json_each(?))",
                    (json.dumps(sorted(values)),),
                ):
                    found[row["rowid"]] = _paper(row)
        # ids taken by other papers (a title slug can be: same title, other arXiv ids)
        taken = {
            row[0]
            for row in self.db.execute(
                "SELECT id FROM papers WHERE id IN (SELECT value FROM json_each(?))",
                (json.dumps(sorted({p.id for p in batch})),),
            )
        }
        result.seconds["merge"] += time.perf_counter() - started
        return Lookup(keys, found, taken)

    def _merge(self, batch: list[Paper], lookup: Lookup, result: ImportResult) -> Writes:
        """Match each record to a paper found (or earlier in the batch) by arXiv id, DOI or
        title, and merge; no database work, so it runs while the index is being built."""
        started = time.perf_counter()
        result.papers += len(batch)
        label = self._label
        found = lookup.found
        by_arxiv: dict[str, int] = {}
        by_doi: dict[str, int] = {}
        by_title: dict[str, list[int]] = {}
        for rowid, paper in found.items():
            self._index(rowid, paper, ids.title_key(paper.title), by_arxiv, by_doi, by_title)
        new: dict[int, tuple[Paper, str]] = {}  # negative keys: papers first seen in this batch
        changed: dict[int, Paper] = {}

        def current(rowid: int) -> Paper:
            return new[rowid][0] if rowid < 0 else changed.get(rowid) or found[rowid]

        for record, key in zip(batch, lookup.keys):
            match = (
                by_arxiv.get(record.arxiv_id or "")
                or by_doi.get(record.doi or "")
                or next((r for r in by_title.get(key, ()) if _same_paper(current(r), record)), None)
            )
            if label and label not in record.sources:
                record = replace(record, sources=(*record.sources, label))
            if match is None:
                rowid = -(len(new) + 1)
                new[rowid] = (record, key)
                self._index(rowid, record, key, by_arxiv, by_doi, by_title)
                continue
            merged = merge(current(match), record)
            if merged == current(match):
                continue
            if match < 0:
                new[match] = (merged, new[match][1])
            else:
                changed[match] = merged
            self._index(match, merged, key, by_arxiv, by_doi, by_title)

        rows = []
        for i, (paper, key) in enumerate(new.values(), 2):
            if paper.id in lookup.taken:  # the same title as another paper: keep both
                paper = replace(paper, id=f"{paper.id}-{i}")
            rows.append(_row(paper, key))
        writes = Writes(
            rows,
            [(*_row(p), r) for r, p in changed.items()],
            {r: found[r] for r in changed},
            [(found[r].id, p.id) for r, p in changed.items() if found[r].id != p.id],
        )
        result.seconds["merge"] += time.perf_counter() - started
        return writes

    def _write(self, writes: Writes, result: ImportResult) -> None:
        started = time.perf_counter()
        self.db.executemany(
            f"INSERT INTO papers ({', '.join(COLUMNS)}) VALUES ({', '.join('?' * len(COLUMNS))})",
            writes.inserts,
        )
        result.added += len(writes.inserts)
        if writes.updates:
            # A paper already in the index leaves it with the text it was indexed with (once),
            # and comes back with its new text at the end of the import.
            leaving = [
                r for r in writes.before if r < self._indexed_upto and r not in self._unindexed
            ]
            self.db.executemany(
                f"INSERT INTO papers_fts(papers_fts, rowid, {FTS_COLUMNS}) "
                "VALUES ('delete', ?, ?, ?, ?)",
                [(r, *_fts_values(writes.before[r])) for r in leaving],
            )
            self._unindexed.update(leaving)
            assignments = ", ".join(f"{c} = ?" for c in COLUMNS)
            self.db.executemany(f"UPDATE papers SET {assignments} WHERE rowid = ?", writes.updates)
            self.db.executemany("INSERT OR REPLACE INTO aliases VALUES (?, ?)", writes.aliases)
            self.db.executemany(
                "UPDATE aliases SET id = ? WHERE id = ?",
                [(new_id, old_id) for old_id, new_id in writes.aliases],
            )
            result.updated += len(writes.updates)
        result.seconds["insert"] += time.perf_counter() - started

    @staticmethod
    def _index(
        rowid: int, paper: Paper, key: str, by_arxiv: dict, by_doi: dict, by_title: dict
    ) -> None:
        if paper.arxiv_id:
            by_arxiv[paper.arxiv_id] = rowid
        if paper.doi:
            by_doi[paper.doi] = rowid
        bucket = by_title.setdefault(key, [])
        if rowid not in bucket:
            bucket.append(rowid)

    # -- reading -----------------------------------------------------------------------------

    def get(self, paper_id: str) -> Paper | None:
        """A paper by its id, or by an id it had before (see `aliases`)."""
        row = self.db.execute(
            "SELECT * FROM papers WHERE id = ? OR id = (SELECT id FROM aliases WHERE alias = ?)",
            (paper_id, paper_id),
        ).fetchone()
        return _paper(row) if row else None

    def by_title(self, title: str) -> Paper | None:
        """The paper with this title, case, accents and punctuation aside (the first by id
        when several share it)."""
        key = ids.title_key(title)
        rows = self.db.execute(
            "SELECT * FROM papers WHERE title_hash = ? ORDER BY id", (title_hash(key),)
        ).fetchall()
        return next((_paper(r) for r in rows if ids.title_key(r["title"]) == key), None)

    def closest(self, text: str, n: int = 3) -> list[Paper]:
        """The papers whose title or id is most like `text`, most alike first: for a title
        or id mistyped. Looks at the papers sharing its words and the ids beside it in
        order, so it is quick in a catalog of millions."""
        import difflib

        found: dict[str, Paper] = {}
        words = re.findall(r"[^\W_]+", text)
        if words:
            query = " OR ".join(f'"{w}"*' for w in words[:32])
            for row in self.db.execute(
                "SELECT p.* FROM papers_fts JOIN papers p ON p.rowid = papers_fts.rowid "
                "WHERE papers_fts MATCH ? ORDER BY bm25(papers_fts, 5.0, 1.0, 1.0), p.id "
                "LIMIT 50",
                (query,),
            ):
                found[row["id"]] = _paper(row)
        for op, order in ((">=", "ASC"), ("<", "DESC")):
            for row in self.db.execute(
                f"SELECT * FROM papers WHERE id {op} ? ORDER BY id {order} LIMIT 5", (text.strip(),)
            ):
                found[row["id"]] = _paper(row)
        key = ids.title_key(text)

        def likeness(p: Paper) -> tuple[float, str]:
            # a title's start as long as the text too: a title given in part still matches
            title = ids.title_key(p.title)
            ratio = max(
                difflib.SequenceMatcher(None, key, title).ratio(),
                difflib.SequenceMatcher(None, key, title[: len(key)]).ratio(),
                difflib.SequenceMatcher(None, text.strip().lower(), p.id.lower()).ratio(),
            )
            return (-ratio, p.id)

        return sorted(found.values(), key=likeness)[:n]

    def __len__(self) -> int:
        return self.db.execute("SELECT count(*) FROM papers").fetchone()[0]

    def papers(
        self,
        query: str | None = None,
        *,
        sources: Iterable[str] | None = None,
        topic: str | None = None,
        since: date | None = None,
        until: date | None = None,
        source: str | None = None,
        has_code: bool = False,
        limit: int | None = None,
    ) -> Iterator[Paper]:
        """Papers matching all the filters: by relevance when there is a `query` (full-text over
        title and abstract), else by id. `sources` keeps papers from any of these labels;
        `source` those from a label or format (`hf-page` or `hf-page:file.txt`); `topic` those
        with the topic or source keyword."""
        where, args = [], []
        query = (query or "").strip() or None
        if query:
            where.append("papers_fts MATCH ?")
            args.append(fts_query(query))
        if sources is not None:
            where.append(
                "EXISTS (SELECT 1 FROM json_each(p.sources) WHERE value IN "
                "(SELECT value FROM json_each(?)))"
            )
            args.append(json.dumps(list(sources)))
        if source:
            where.append(
                "EXISTS (SELECT 1 FROM json_each(p.sources) "
                "WHERE value = ? OR value LIKE ? ESCAPE '\\')"
            )
            args += [source, _like_prefix(source + ":")]
        if topic:
            where.append(
                "EXISTS (SELECT 1 FROM json_each(p.topics) WHERE lower(value) = lower(?)"
                " UNION ALL SELECT 1 FROM json_each(p.keywords) WHERE lower(value) = lower(?))"
            )
            args += [topic, topic]
        if since:
            where.append("p.published >= ?")
            args.append(since.isoformat())
        if until:
            where.append("p.published <= ?")
            args.append(until.isoformat())
        if has_code:
            where.append("p.has_code = 1")
        if query:
            # bm25 ranks the matches only; a hit in the title weighs five in the abstract
            sql = "SELECT p.* FROM papers_fts JOIN papers p ON p.rowid = papers_fts.rowid"
            order = "bm25(papers_fts, 5.0, 1.0, 1.0), p.id"
        else:
            sql, order = "SELECT p.* FROM papers p", "p.id"
        if where:
            sql += " WHERE " + " AND ".join(where)
        sql += f" ORDER BY {order}"
        if limit:
            sql += f" LIMIT {int(limit)}"
        try:
            for row in self.db.execute(sql, args):
                yield _paper(row)
        except sqlite3.OperationalError as e:
            raise PaperclubError(f"cannot search for {query!r}: {e}") from None


def fts_query(text: str) -> str:
    """A user's query as FTS5 syntax: every word must occur, in any order; "quoted words", and
    words joined by punctuation (snake_case, C++17), must occur as a phrase; a trailing *
    matches a prefix. Nothing else is syntax, so no query can be malformed."""
    terms = []
    for phrase, word in re.findall(r'"([^"]*)"|(\S+)', text):
        tokens = re.findall(r"[^\W_]+", phrase or word)  # the tokenizer's idea of a word
        if tokens:
            star = "*" if word.endswith("*") else ""
            terms.append('"' + " ".join(tokens) + '"' + star)
    if not terms:
        raise PaperclubError(f"nothing to search for in {text!r}")
    return " ".join(terms)


def _like_prefix(prefix: str) -> str:
    return prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def _statements(script: str) -> list[str]:
    """SCHEMA as single statements, comments dropped."""
    out, current = [], []
    for line in script.splitlines():
        if line.strip().startswith("--") or not line.strip():
            continue
        current.append(line)
        text = "\n".join(current)
        if text.rstrip().endswith(";") and sqlite3.complete_statement(text):
            out.append(text)
            current = []
    return out


def _reader(source: Source) -> str:
    """What the import digest holds of the reader: a source whose `version` is raised reads
    more of a file than it did, so files it imported before are read again."""
    version = getattr(source, "version", None)
    return f" read by {source.name} {version}" if version else ""


def _digest(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()
