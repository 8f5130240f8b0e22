"""Sources: a table of papers, as CSV (or TSV) and as a YAML list.

Only `title` is required. The other columns (or keys), all optional, are:

    id, arxiv, arxiv_id, eprint   the arXiv id (an `id` that is a DOI is read as one; any
                                  other `id` is kept in `extra`)
    doi                           a DOI, bare or as a doi.org URL
    abstract
    authors (author)              a YAML list, or "A; B" or "A and B"
    author_count
    published, date, year         2024-03-01, 2024-03 or 2024
    upvotes
    url, link                     the paper's page (an arxiv.org/abs URL is its `abs` link)
    code, github                  the code's URL
    pdf                           the PDF's URL
    keywords, tags                a YAML list, or "a; b" or "a, b"
    topics                        the same
    organisation (organization)

Header names and keys are read without regard to case, spaces or hyphens ("Author Count").
Other columns go to the paper's `extra`. A bad value (upvotes "many", the date "2024-13-01",
no title) is an error naming the file, the line and the column or key; the other papers are
read on.

A CSV's delimiter is found from its header: a comma, a semicolon or a tab. Its line numbers
are those of the first physical line of each record. A YAML file is a list of papers, or a
mapping whose `papers:` is one; group configs (`group:`, `meetings:`) are not papers.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from paperclub import ids
from paperclub.errors import PaperclubError
from paperclub.hookspecs import hookimpl
from paperclub.messages import kind, quoted, shown
from paperclub.models import Paper
from paperclub.records import arxiv_from_url, collapse, doi_from_url, parse_date, unique, url_kind
from paperclub.sources import MAX_DEPTH, MAX_INT, csv_rows

if TYPE_CHECKING:
    from paperclub.registry import Source
    from paperclub.sourcefile import SourceFile

# Every name a column may have -> the field it fills. Where several name one field, the
# first of them (in this order) with a value is used; `keywords` and `tags` are united.
ALIASES = {
    "title": "title",
    "arxiv_id": "arxiv",
    "arxiv": "arxiv",
    "eprint": "arxiv",
    "id": "id",
    "doi": "doi",
    "abstract": "abstract",
    "authors": "authors",
    "author": "authors",
    "author_count": "author_count",
    "published": "published",
    "date": "published",
    "year": "published",
    "upvotes": "upvotes",
    "url": "url",
    "link": "url",
    "code": "code",
    "github": "code",
    "pdf": "pdf",
    "keywords": "keywords",
    "tags": "keywords",
    "topics": "topics",
    "organisation": "organisation",
    "organization": "organisation",
}
DELIMITERS = (",", ";", "\t")
# Top-level keys of a group config or a plan file: such a YAML file is not a list of papers.
GROUP_KEYS = re.compile(r"^(group|meetings|sessions|members|catalog)\s*:", re.MULTILINE)
YAML_TITLE = re.compile(r"""\btitle["']?\s*:""", re.IGNORECASE)
YAML_LIST_START = re.compile(r"^(-(\s|$)|\[)")
YAML_PAPERS_KEY = re.compile(r"^papers\s*:", re.MULTILINE | re.IGNORECASE)

URL = re.compile(r"^https?://\S+$", re.IGNORECASE)
BARE_URL = re.compile(r"^(www\.)?[a-z0-9-]+(\.[a-z0-9-]+)*\.[a-z]{2,}/\S*$", re.IGNORECASE)
WHOLE_NUMBER = re.compile(r"[0-9]+")
MAX_COUNT = MAX_INT


class BadValue(ValueError):
    """A value that cannot be read; the message names the paper and the column (or key),
    `line` is the key's line when known; the caller adds the file."""

    def __init__(self, key: str | None, message: str, line: int | None = None):
        super().__init__(message)
        self.key, self.message, self.line = key, message, line


def split_list(text: str) -> list[str]:
    """ "a; b" or "a, b" as ["a", "b"]: semicolons when there are any, else commas."""
    parts = text.split(";") if ";" in text else text.split(",")
    return unique(collapse(p) for p in parts)


# -- records to papers ---------------------------------------------------------------------


def normalise_name(name: object) -> str:
    """A column name or key as compared: "Author Count" -> "author_count"."""
    return re.sub(r"[\s\-]+", "_", str(name).strip().lower())


def paper_from_record(
    values: dict[str, Any],
    lines: dict[str, int] | None = None,
    labels: dict[str, str] | None = None,
) -> Paper:
    """The paper of one record: `values` maps normalised column names (or keys) to their
    values (text from CSV; text, numbers or lists from YAML); missing and empty are the same.
    Raises BadValue naming the column (by its label in `labels`) and, with `lines`, its line."""
    return _Record(values, lines or {}, labels or {}).paper()


class _Record:
    def __init__(self, values: dict[str, Any], lines: dict[str, int], labels: dict[str, str]):
        self.values, self.lines, self.labels = values, lines, labels
        self.title: str | None = None
        # field -> the keys that fill it, in the order of ALIASES
        self.keys: dict[str, list[str]] = {}
        for key in sorted(values, key=lambda k: list(ALIASES).index(k) if k in ALIASES else 0):
            self.keys.setdefault(ALIASES.get(key, ""), []).append(key)

    def bad(self, key: str | None, message: str) -> BadValue:
        where = f"{self.labels.get(key, key)}: " if key else ""
        what = f"{shown(self.title)}: " if self.title else ""
        return BadValue(key, what + where + message, self.lines.get(key or ""))

    def first(self, field: str) -> tuple[str | None, Any]:
        """The first key of `field` with a value, and the value."""
        for key in self.keys.get(field, ()):
            if not _empty(self.values[key]):
                return key, self.values[key]
        return None, None

    def text(self, field: str) -> str:
        key, value = self.first(field)
        if key is None:
            return ""
        if isinstance(value, bool) or not isinstance(value, (str, int, float)):
            raise self.bad(key, f"expected text, found {_kind(value)}")
        return collapse(str(value))

    def names(self, field: str) -> list[str]:
        """Authors ("A; B" or "A and B"), keywords or topics ("a; b" or "a, b"), or a list."""
        found: list[str] = []
        for key in self.keys.get(field, ()):
            value = self.values[key]
            if _empty(value):
                continue
            if isinstance(value, str):
                found += (
                    unique(collapse(p) for p in re.split(r";|\s+and\s+", value))
                    if field == "authors"
                    else split_list(value)
                )
            elif isinstance(value, list):
                for item in value:
                    if isinstance(item, bool) or not isinstance(item, (str, int, float)):
                        raise self.bad(key, f"expected a list of names, found {_kind(item)} in it")
                    found.append(collapse(str(item)))
            else:
                raise self.bad(key, f"expected a list or text, found {_kind(value)}")
        return unique(found)

    def count(self, field: str) -> int | None:
        key, value = self.first(field)
        if key is None:
            return None
        if isinstance(value, str) and WHOLE_NUMBER.fullmatch(value.strip()):
            # ASCII digits ("²".isdigit() too, but int() fails), and no more than int() reads
            if len(value.strip()) > len(str(MAX_COUNT)):
                raise self.bad(key, f"{shown(value)} is too large a number")
            value = int(value.strip())
        if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
            if value > MAX_COUNT:
                raise self.bad(key, f"{shown(value)} is too large a number")
            return value
        raise self.bad(key, f"{shown(value)} is not a whole number")

    def link(self, field: str) -> str | None:
        key, _ = self.first(field)
        if key is None:
            return None
        url = self.text(field)
        if BARE_URL.match(url):
            url = "https://" + url
        if not URL.match(url):
            raise self.bad(key, f"{shown(url)} is not a URL")
        return url

    def published(self) -> tuple[date | None, str | None]:
        key, value = self.first("published")
        if key is None:
            return None, None
        if isinstance(value, int) and not isinstance(value, bool):
            value = str(value)  # year: 2024 in YAML
        if not isinstance(value, str):
            raise self.bad(key, f"expected a date, found {_kind(value)}")
        try:
            return parse_date(value)
        except ValueError as e:
            raise self.bad(key, str(e)) from None

    def identifiers(self, extra: dict[str, Any]) -> tuple[str | None, str | None]:
        arxiv = doi = None
        key, _ = self.first("arxiv")
        if key is not None:
            arxiv = ids.arxiv_id(self.text("arxiv"))
            if not arxiv:
                raise self.bad(key, f"{shown(self.text('arxiv'))} is not an arXiv id")
        key, _ = self.first("doi")
        if key is not None:
            doi = ids.doi(self.text("doi"))
            if not doi:
                raise self.bad(key, f"{shown(self.text('doi'))} is not a DOI")
        key, _ = self.first("id")
        if key is not None:
            # An id may be an arXiv id, a DOI, or the table's own (a row number, a slug).
            value = self.text("id")
            if ids.arxiv_id(value):
                arxiv = arxiv or ids.arxiv_id(value)
            elif ids.doi(value):
                doi = doi or ids.doi(value)
            else:
                extra["id"] = value
        return arxiv, doi

    def paper(self) -> Paper:
        title = self.text("title")
        if not title:
            key = next(iter(self.keys.get("title", ())), None)
            raise BadValue(
                key,
                f"no title ({self.labels.get(key, key)} is empty)" if key else "no title",
                self.lines.get(key or ""),
            )
        self.title = title
        extra: dict[str, Any] = {}
        arxiv, doi = self.identifiers(extra)
        links: dict[str, str] = {}
        url, pdf, code = self.link("url"), self.link("pdf"), self.link("code")
        if url:
            links[url_kind(url)] = url
        if pdf:
            links["pdf"] = pdf
        if code:
            links["code"] = code
        arxiv = arxiv or arxiv_from_url(url) or arxiv_from_url(pdf)
        doi = doi or doi_from_url(url)
        if arxiv:
            links.setdefault("abs", f"https://arxiv.org/abs/{arxiv}")
        if doi:
            links.setdefault("doi", f"https://doi.org/{doi}")
        published, precision = self.published()
        if precision:
            extra["date_precision"] = precision
        authors = self.names("authors")
        author_count = self.count("author_count")
        upvotes = self.count("upvotes")  # None: the table does not rate it
        for key, value in self.values.items():
            if key not in ALIASES and key and not _empty(value):
                try:
                    extra[key] = _plain(value.strip() if isinstance(value, str) else value)
                except ValueError as e:
                    raise self.bad(key, str(e)) from None
        return Paper(
            id=ids.paper_id(arxiv, doi, title),
            title=title,
            abstract=self.text("abstract"),
            authors=tuple(authors),
            author_count=author_count if author_count is not None else (len(authors) or None),
            organisation=self.text("organisation") or None,
            published=published,
            upvotes=upvotes,
            links=links,
            keywords=tuple(self.names("keywords")),
            topics=tuple(self.names("topics")),
            arxiv_id=arxiv,
            doi=doi,
            extra=extra,
        )


def _empty(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip()) or value == []


def _kind(value: Any) -> str:
    return kind(value, null="nothing")


def _plain(value: Any, depth: int = 0) -> Any:
    """A YAML value as plain JSON types (LineDict and LineList are dict and list), as the
    catalog can store it; raises ValueError for a value it cannot."""
    if isinstance(value, dict):
        if depth >= MAX_DEPTH:
            raise ValueError(f"nested more than {MAX_DEPTH} levels deep")
        return {str(k): _plain(v, depth + 1) for k, v in value.items()}
    if isinstance(value, list):
        if depth >= MAX_DEPTH:
            raise ValueError(f"nested more than {MAX_DEPTH} levels deep")
        return [_plain(v, depth + 1) for v in value]
    if (
        isinstance(value, int)
        and not isinstance(value, bool)
        and not -MAX_COUNT - 1 <= value <= MAX_COUNT
    ):
        raise ValueError(f"{shown(value)} is too large a number")
    return value


# -- CSV -----------------------------------------------------------------------------------


def _header_cells(line: str, delimiter: str) -> list[str]:
    try:
        return [normalise_name(c) for c in next(csv.reader([line], delimiter=delimiter))]
    except (csv.Error, StopIteration):
        return []


def _first_rows(head: str, delimiter: str) -> list[list[str]]:
    """The first two non-empty rows of `head` (a record may be cut off at its end)."""
    rows = []
    try:
        for row in csv.reader(io.StringIO(head), delimiter=delimiter):
            if any(cell.strip() for cell in row):
                rows.append(row)
                if len(rows) == 2:
                    break
    except csv.Error:
        pass
    return rows


def sniff_delimiter(header: str, path: Path) -> str:
    """The delimiter that splits the header into the most columns, one of them `title`."""
    preferred = "\t" if path.suffix.lower() == ".tsv" else ","
    scored = []
    for order, delimiter in enumerate(DELIMITERS):
        cells = _header_cells(header, delimiter)
        scored.append(("title" in cells, len(cells), delimiter == preferred, -order, delimiter))
    return max(scored)[-1]


class CSVTable:
    name = "csv"
    description = "a CSV or TSV table of papers, one a row, with a title column"

    def detect(self, path: Path, head: str) -> bool:
        if path.suffix.lower() in (".csv", ".tsv"):
            return True
        header = next((line for line in head.splitlines() if line.strip()), "")
        for delimiter in DELIMITERS:
            if delimiter not in header:
                continue
            rows = _first_rows(head, delimiter)
            cells = [normalise_name(c) for c in rows[0]] if rows else []
            # The title and another known column, and a first record (if the head holds one)
            # split into columns too: not a line of text that mentions a title.
            if (
                "title" in cells
                and any(c in ALIASES and c != "title" for c in cells)
                and (len(rows) == 1 or 1 < len(rows[1]) <= len(cells))
            ):
                return True
        return False

    def read(self, file: SourceFile, as_of: date | None) -> Iterator[Paper | PaperclubError]:
        path = file.path
        text = file.read_text()
        lines = text.splitlines()
        header_line = next((n for n, line in enumerate(lines, 1) if line.strip()), None)
        if header_line is None:
            return
        delimiter = sniff_delimiter(lines[header_line - 1], path)
        header: list[str] | None = None
        labels: dict[str, str] = {}
        for line, row in csv_rows(text, delimiter, path):
            if header is None:
                header = self._header(row, path, line)
                labels = {name: f"column {shown(name)}" for name in header if name}
                continue
            item = self._record(row, header, path, line)
            if isinstance(item, PaperclubError):
                yield item
                continue
            try:
                yield paper_from_record(item, labels=labels)
            except BadValue as e:
                yield PaperclubError(e.message, path=path, line=line)

    @staticmethod
    def _header(row: list[str], path: Path, line: int) -> list[str]:
        header = [normalise_name(cell) for cell in row]
        if "title" not in header:
            raise PaperclubError(
                f"no title column in the header (columns: {', '.join(quoted(c) for c in header if c)})",
                path=path,
                line=line,
            )
        seen: dict[str, int] = {}
        for n, name in enumerate(header, 1):
            if name and name in seen:
                raise PaperclubError(
                    f"column {shown(name)} appears twice (columns {seen[name]} and {n})",
                    path=path,
                    line=line,
                )
            seen[name] = n
        return header

    @staticmethod
    def _record(
        row: list[str], header: list[str], path: Path, line: int
    ) -> dict[str, str] | PaperclubError:
        if len(row) > len(header):
            columns = f"{len(header)} column" + ("s" if len(header) > 1 else "")
            return PaperclubError(
                f"{len(row)} fields, but the header names {columns} "
                "(a delimiter in an unquoted value?)",
                path=path,
                line=line,
            )
        item = {}
        for n, (name, value) in enumerate(zip(header, row), 1):
            if not name:
                if value.strip():
                    return PaperclubError(
                        f"a value in column {n}, which has no name", path=path, line=line
                    )
                continue
            item[name] = value
        return item


# -- YAML ----------------------------------------------------------------------------------


class YAMLList:
    name = "yaml"
    description = "a YAML list of papers (or a mapping with `papers:`), each with a title"

    def detect(self, path: Path, head: str) -> bool:
        if path.suffix.lower() not in (".yaml", ".yml"):
            return False
        if GROUP_KEYS.search(head):
            return False  # a group config or a plan file
        content = "\n".join(
            line for line in head.splitlines() if line.strip() and not line.lstrip().startswith("#")
        )
        is_list = bool(YAML_LIST_START.match(content)) or bool(YAML_PAPERS_KEY.search(content))
        return is_list and bool(YAML_TITLE.search(content))

    def read(self, file: SourceFile, as_of: date | None) -> Iterator[Paper | PaperclubError]:
        from paperclub import yamlfile  # PyYAML is loaded only when it is needed

        path = file.path
        # loads gives every mapping as a LineDict and every sequence as a LineList
        data = yamlfile.loads(file.read_text(), path)
        items = data
        if isinstance(data, yamlfile.LineDict):
            keys = {normalise_name(k): k for k in data}
            if "papers" not in keys:
                what = (
                    "a group config"
                    if {"group", "meetings"} & set(keys)
                    else "a mapping without `papers:`"
                )
                raise PaperclubError(
                    f"expected a list of papers, found {what}", path=path, line=data.line
                )
            items = data[keys["papers"]]
            if not isinstance(items, yamlfile.LineList):
                raise PaperclubError(
                    "`papers:` is not a list", path=path, line=data.lines.get(keys["papers"])
                )
        elif data is None:
            return
        if not isinstance(items, yamlfile.LineList):
            raise PaperclubError(
                f"expected a list of papers, found {_kind(data)}",
                path=path,
                line=getattr(data, "line", 1),
            )
        for n, item in enumerate(items, 1):
            line = items.lines[n - 1]
            if not isinstance(item, yamlfile.LineDict):
                yield PaperclubError(
                    f"paper #{n} is {_kind(item)}, not a mapping with a title", path=path, line=line
                )
                continue
            values: dict[str, Any] = {}
            lines: dict[str, int] = {}
            labels: dict[str, str] = {}
            clash = None
            for key, value in item.items():
                name = normalise_name(key)
                if name in values:
                    clash = PaperclubError(
                        f"paper #{n}: {labels[name]} and {shown(key)} are the same key",
                        path=path,
                        line=item.lines.get(key, line),
                    )
                    break
                values[name] = value
                lines[name] = item.lines.get(key, line)
                labels[name] = f"key {shown(str(key))}"
            if clash:
                yield clash
                continue
            try:
                yield paper_from_record(values, lines, labels)
            except BadValue as e:
                yield PaperclubError(f"paper #{n}: {e.message}", path=path, line=e.line or line)


@hookimpl(trylast=True)
def paperclub_register_sources(register: Callable[[Source], None]) -> None:
    register(CSVTable())
    register(YAMLList())
