"""Members' votes and suggestions, kept in the workspace's catalog file (table `votes`).

`paperclub vote`, `suggest` and `import-votes` write them; planning counts them as the
`votes` part of a paper's score. A member has one word per paper, the latest: voting again
replaces it, so nobody counts twice. Each write is one transaction that waits for another
process's (SQLite's lock), so votes cast at once by two processes are all kept.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from types import TracebackType

from paperclub import ids
from paperclub.catalog import Catalog
from paperclub.errors import PaperclubError
from paperclub.messages import shown
from paperclub.models import Paper, Votes
from paperclub.sourcefile import SourceFile
from paperclub.sources import csv_rows

FOR, AGAINST = 1, -1
COMMAND_LINE = "command line"  # the source of votes cast with `paperclub vote` or `suggest`


def find(catalog: Catalog, text: str) -> Paper:
    """The paper `text` names: an id (or an id it had), an arXiv id or link, a DOI or doi.org
    link, or its exact title (case, accents and punctuation aside). None found is an error
    listing the closest titles."""
    paper = lookup(catalog, text)
    if paper is None:
        raise PaperclubError(not_found(catalog, text))
    return paper


def lookup(catalog: Catalog, text: str) -> Paper | None:
    text = text.strip()
    if not text:
        return None
    paper = catalog.get(text)
    if paper is None and (arxiv := ids.arxiv_id(text)):
        paper = catalog.get(f"arxiv:{arxiv}")
    if paper is None and (doi := ids.doi(text)):
        paper = catalog.get(f"doi:{doi}")
    return paper or catalog.by_title(text)


def not_found(catalog: Catalog, text: str) -> str:
    """`'...' is not in the catalog`, with the closest titles and their ids."""
    message = f"{shown(text)} is not in the catalog"
    close = catalog.closest(text)
    if close:
        message += "; the closest: " + "; ".join(f"{shown(p.title, 80)} ({p.id})" for p in close)
    return message


def cast(
    catalog: Catalog,
    paper: Paper,
    member: str,
    value: int,
    *,
    note: str | None = None,
    suggested: bool = False,
    at: str | None = None,
    source: str = COMMAND_LINE,
) -> Votes:
    """Record `member`'s vote (FOR or AGAINST) for `paper`, or their suggestion (a vote for
    it, with a note); the paper's votes after it."""
    row = _row(paper.id, _name(member), value, suggested, note, at, source)
    with _writing(catalog):
        _write(catalog, [row])
    return tally(catalog, [paper.id]).get(paper.id, Votes())


def _name(member: str) -> str:
    name = " ".join(member.split())
    if not name:
        raise PaperclubError("a vote needs the name of who casts it (--by NAME)")
    return name


def _row(
    paper_id: str,
    member: str,
    value: int,
    suggested: bool,
    note: str | None,
    at: str | None,
    source: str,
) -> tuple:
    stamp = at or datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    return (paper_id, member, value, int(suggested), (note or "").strip() or None, stamp, source)


class _writing:
    """One write transaction, begun at once (it waits for another process's to end)."""

    def __init__(self, catalog: Catalog):
        self.db = catalog.db
        self.path = catalog.path

    def __enter__(self) -> None:
        import sqlite3

        try:
            self.db.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as e:
            raise PaperclubError(
                f"the catalog is busy ({e}): try again in a moment", path=self.path
            ) from None

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.db.execute("COMMIT" if kind is None else "ROLLBACK")


def _write(catalog: Catalog, rows: list[tuple]) -> None:
    # A suggestion stays one when the member votes again; a later suggestion's note wins.
    catalog.db.executemany(
        "INSERT INTO votes (paper, member, value, suggested, note, cast_at, source) "
        "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (paper, member) DO UPDATE SET "
        "value = excluded.value, suggested = max(suggested, excluded.suggested), "
        "note = coalesce(excluded.note, note), cast_at = excluded.cast_at, "
        "source = excluded.source",
        rows,
    )


def tally(catalog: Catalog, paper_ids: list[str] | None = None) -> dict[str, Votes]:
    """Each paper's votes, under the paper's id today (a vote cast for an id the paper had
    before, such as its title's slug, counts for it). Names in alphabetical order."""
    rows = catalog.db.execute(
        "SELECT coalesce(a.id, v.paper) AS paper, v.member, v.value, v.suggested, v.note "
        "FROM votes v LEFT JOIN aliases a ON a.alias = v.paper "
        "ORDER BY v.member, v.paper"
    ).fetchall()  # by name: no plan depends on when
    wanted = set(paper_ids) if paper_ids is not None else None
    found: dict[str, dict[str, tuple[int, bool, str | None]]] = {}
    for paper, member, value, suggested, note in rows:
        if wanted is None or paper in wanted:
            found.setdefault(paper, {})[member] = (value, bool(suggested), note)
    return {
        paper: Votes(
            tuple(m for m, (v, _, _) in said.items() if v == FOR),
            tuple(m for m, (v, _, _) in said.items() if v == AGAINST),
            tuple((m, note) for m, (_, s, note) in said.items() if s),
        )
        for paper, said in sorted(found.items())
    }


# -- a form's export ----------------------------------------------------------------------------


@dataclass(frozen=True)
class FormRow:
    line: int
    member: str
    paper: str  # as written: an id, a link or a title
    value: int
    note: str | None
    at: str | None


# The columns of a form's export, found by the words of their headers ("Your name", "Paper
# (arXiv link, id or title)", "Why should we read it?"), in this order of precedence.
ROLES = (
    ("paper", ("paper", "title", "arxiv", "link", "url", "doi")),
    ("member", ("name", "member", "who", "voter")),
    ("value", ("vote", "against")),
    ("note", ("note", "comment", "comments", "why", "reason")),
    ("at", ("timestamp", "time", "date", "when")),
    ("email", ("email", "e-mail")),
)
VALUES = {
    "": FOR,
    "for": FOR,
    "yes": FOR,
    "y": FOR,
    "+1": FOR,
    "1": FOR,
    "up": FOR,
    "\N{THUMBS UP SIGN}": FOR,
    "against": AGAINST,
    "no": AGAINST,
    "n": AGAINST,
    "-1": AGAINST,
    "down": AGAINST,
    "\N{THUMBS DOWN SIGN}": AGAINST,
}


def read_form(path: Path) -> list[FormRow]:
    """The rows of a form's CSV export (Google Forms, Microsoft Forms, a spreadsheet): a
    header, then one row per vote with who and which paper; optionally a vote column (for or
    against), a note (the row is then a suggestion) and a timestamp. Empty rows are skipped.
    A YAML file maps each member to the papers they vote for (`Ada: [arxiv:2410.17243]`)."""
    if path.suffix.lower() in (".yaml", ".yml"):
        return _read_yaml(path)
    text = SourceFile(path).read_text()
    first = next((line for line in text.splitlines() if line.strip()), "")
    rows: list[FormRow] = []
    columns: dict[str, int] | None = None
    for line, cells in csv_rows(text, max(",;\t", key=first.count), path):
        if columns is None:
            columns = _columns(cells, path, line)
            continue
        cell = _cells(cells, columns)
        member = cell("member") or cell("email")
        paper = cell("paper")
        if not member or not paper:
            missing = "who votes" if not member else "which paper"
            raise PaperclubError(f"this row does not say {missing}", path=path, line=line)
        word = cell("value").lower()
        if word not in VALUES:
            raise PaperclubError(
                f"vote {shown(word)} is neither for nor against (for, yes, +1; against, no, -1)",
                path=path,
                line=line,
            )
        rows.append(
            FormRow(line, member, paper, VALUES[word], cell("note") or None, cell("at") or None)
        )
    if columns is None:
        raise PaperclubError("no header and no votes: an empty file", path=path, line=1)
    return rows


def _read_yaml(path: Path) -> list[FormRow]:
    from paperclub import yamlfile
    from paperclub.yamlfile import LineDict, LineList

    data = yamlfile.load(path)
    if data is None:
        return []
    if not isinstance(data, LineDict):
        raise PaperclubError(
            "expected each member and a list of the papers they vote for",
            path=path,
            line=getattr(data, "line", 1) or 1,
        )
    rows = []
    for member, papers in data.items():
        line = data.lines.get(member, 1)
        if not str(member).strip():
            raise PaperclubError("expected a member's name", path=path, line=line)
        if isinstance(papers, str):
            papers = LineList([papers])
            papers.lines = [line]
        if not isinstance(papers, LineList) or not all(
            isinstance(p, (str, int, float)) and str(p).strip() for p in papers
        ):
            raise PaperclubError(
                f"{shown(member)}: expected a list of papers", path=path, line=line
            )
        rows += [
            FormRow(
                papers.lines[i] if i < len(papers.lines) else line,
                " ".join(str(member).split()),
                str(paper).strip(),
                FOR,
                None,
                None,
            )
            for i, paper in enumerate(papers)
        ]
    return rows


def _cells(cells: list[str], columns: dict[str, int]) -> Callable[[str], str]:
    """The row's text in a role's column ("" when the row has no such cell)."""

    def cell(role: str) -> str:
        i = columns.get(role)
        return " ".join(cells[i].split()) if i is not None and i < len(cells) else ""

    return cell


def _columns(header: list[str], path: Path, line: int) -> dict[str, int]:
    """Which column holds what, from the header's words."""
    found: dict[str, int] = {}
    for i, name in enumerate(header):
        words = set(re.findall(r"[a-z0-9+-]+", name.lower()))
        for role, names in ROLES:
            if role not in found and words & set(names):
                found[role] = i
                break
    if "paper" not in found or ("member" not in found and "email" not in found):
        shown_header = ", ".join(shown(h, 40) for h in header)
        raise PaperclubError(
            "the header needs a column for who votes (name) and one for the "
            f"paper (paper, title, link or arXiv id); found: {shown_header}",
            path=path,
            line=line,
        )
    return found


@dataclass
class FormImport:
    rows: int
    papers: int


def import_form(catalog: Catalog, path: Path) -> FormImport:
    """Record every row of a form's export, or none: a row naming a paper that is not in
    the catalog is an error naming its line and the closest titles (every such row is
    listed). Importing the same file again changes nothing; a later row wins over an
    earlier one of the same member and paper."""
    rows = read_form(path)
    writes, bad = [], []
    for row in rows:
        paper = lookup(catalog, row.paper)
        if paper is None:
            bad.append((row.line, not_found(catalog, row.paper)))
            continue
        writes.append(
            _row(
                paper.id,
                row.member,
                row.value,
                row.note is not None,
                row.note,
                row.at or f"{path.name}:{row.line}",
                f"form {path.name}",
            )
        )
    if len(bad) == 1:
        raise PaperclubError(bad[0][1] + "; nothing was recorded", path=path, line=bad[0][0])
    if bad:
        listed = "\n".join(f"  line {line}: {message}" for line, message in bad[:10])
        more = f"\n  ... and {len(bad) - 10} more" if len(bad) > 10 else ""
        raise PaperclubError(
            f"{len(bad)} rows name no paper of the catalog; nothing was recorded:\n{listed}{more}",
            path=path,
            line=bad[0][0],
        )
    with _writing(catalog):
        _write(catalog, writes)
    return FormImport(len(writes), len({w[0] for w in writes}))
