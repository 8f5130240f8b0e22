"""Which source reads a file (the one named by --format, else the first that recognises the
content), and what sources share: CSV rows, what the catalog can store. `paperclub:NAME`
names a data set bundled with paperclub, such as `paperclub:sample`. The file object sources
read through is `SourceFile`, in sourcefile.py."""

from __future__ import annotations

import csv
import io
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from paperclub.errors import PaperclubError
from paperclub.messages import shown
from paperclub.registry import Registry, Source
from paperclub.sourcefile import SourceFile  # noqa: F401 (plugins import it from here)

if TYPE_CHECKING:
    from paperclub.addresses import Resolver
    from paperclub.models import Paper

DATA = Path(__file__).resolve().parent / "data"
BUNDLED_PREFIX = "paperclub:"
HEAD_SIZE = 8192


def csv_rows(text: str, delimiter: str, path: Path) -> Iterator[tuple[int, list[str]]]:
    """The rows of a CSV text that hold anything, each with the line it starts on (a quoted
    field may span lines); a broken CSV is an error naming its line."""
    # the csv module's default of 128 KB per field is less than some abstracts; the whole
    # text is in memory already, so a field can be as long as the text
    csv.field_size_limit(max(csv.field_size_limit(), len(text) + 1))
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    start = 1
    try:
        for row in reader:
            line, start = start, reader.line_num + 1
            if any(cell.strip() for cell in row):
                yield line, row
    except csv.Error as e:
        raise PaperclubError(f"cannot read the CSV: {e}", path=path, line=reader.line_num) from None


MAX_INT = 2**63 - 1  # what an SQLite integer (and orjson) holds
MAX_DEPTH = 100  # lists and mappings within a stored value; orjson writes 254 levels at most


def json_problem(value: object) -> str | None:
    """Why a value parsed from JSON or YAML cannot be stored in the catalog, or None: a lone
    surrogate ("\\ud800" is no character), an integer beyond 64 bits, nesting deeper than
    MAX_DEPTH."""
    stack = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, str):
            if not item.isascii():
                try:
                    item.encode("utf-8")
                except UnicodeEncodeError as e:
                    return f"{shown(item[e.start])} is not a character (a lone surrogate)"
        elif isinstance(item, bool) or item is None or isinstance(item, float):
            continue
        elif isinstance(item, int):
            if not -MAX_INT - 1 <= item <= MAX_INT:
                return f"the number {shown(item, 40)} is too large"
        elif isinstance(item, (list, dict)):
            if depth >= MAX_DEPTH:
                return f"a value nested more than {MAX_DEPTH} levels deep"
            if isinstance(item, dict):
                stack += [(k, depth + 1) for k in item]
                item = item.values()
            stack += [(v, depth + 1) for v in item]
    return None


def paper_problem(paper: Paper) -> str | None:
    """Why the catalog could not store a paper read from JSON, or None (see json_problem)."""
    fields = {
        "title": paper.title,
        "abstract": paper.abstract,
        "authors": list(paper.authors),
        "author_count": paper.author_count,
        "organisation": paper.organisation,
        "upvotes": paper.upvotes,
        "links": paper.links,
        "keywords": list(paper.keywords),
        "topics": list(paper.topics),
        "id": paper.id,
        "arxiv_id": paper.arxiv_id,
        "doi": paper.doi,
        "extra": paper.extra,
    }
    for name, value in fields.items():
        problem = json_problem(value)
        if problem:
            return f"{name}: {problem}"
    return None


def resolve(
    arg: str,
    sources: Registry,
    fmt: str | None = None,
    base: Path | None = None,
    addresses: Resolver | None = None,
) -> tuple[Path, Source, str]:
    """The file, its source and the label its papers record, for an `import` argument.
    A relative path is taken from `base` (a config's folder) when given. An address
    (`https://...`, `arxiv:...`) goes to `addresses`, which fetches it into the cache: its
    label is the address itself."""
    if addresses is not None and not arg.startswith(BUNDLED_PREFIX):
        if fmt is not None and addresses.is_address(arg):
            _known(fmt, sources)
        fetched = addresses.resolve(arg, sources)
        if fetched is not None:
            return fetched[0], sources[fmt] if fmt is not None else fetched[1], fetched[2]
    if arg.startswith(BUNDLED_PREFIX):
        name = arg[len(BUNDLED_PREFIX) :]
        path = DATA / f"{name}.json"
        if not path.is_file():
            known = sorted(p.stem for p in DATA.glob("*.json"))
            raise PaperclubError(
                f"no bundled data set {arg!r} (known: "
                f"{', '.join(BUNDLED_PREFIX + k for k in known)})"
            )
        return path, sources["paperclub-json"], arg
    path = Path(arg)
    if base is not None and not path.is_absolute():
        path = base / path
    if not path.is_file():
        raise PaperclubError(_not_a_file(arg, path), path=arg)
    with path.open("rb") as f:
        head_bytes = f.read(HEAD_SIZE)
    if b"%PDF-" in head_bytes[:1024]:  # where the PDF standard lets the header be
        raise PaperclubError(
            "a PDF, which paperclub does not read: import the paper's BibTeX "
            "instead (arXiv, Zotero and Google Scholar export it), or a CSV "
            "with its title and arXiv id",
            path=arg,
        )
    if fmt is not None:
        source = _known(fmt, sources)
    else:
        head = head_bytes.decode("utf-8", errors="replace").lstrip("\ufeff")
        found = [s for s in sources.values() if s.detect(path, head)]
        if not found:
            raise PaperclubError(
                f"cannot tell the format; name it with --format ({', '.join(sorted(sources))})",
                path=arg,
            )
        source = found[0]
    return path, source, f"{source.name}:{path.name}"


def _known(fmt: str, sources: Registry) -> Source:
    """The source `--format` names."""
    if fmt not in sources:
        raise PaperclubError(f"unknown format {fmt!r} (known: {', '.join(sorted(sources))})")
    return sources[fmt]


# `arxiv.org/abs/2401.01234`, `www.example.org/refs.bib`: a host name, then a path
_BARE_ADDRESS = re.compile(r"^(www\.)?[a-z0-9-]+(\.[a-z0-9-]+)*\.[a-z]{2,}/", re.IGNORECASE)
_ADDRESS_HINT = (
    "paperclub fetches https:// addresses of files it reads (and arxiv:ID, see "
    "docs/sources.md); or save the page (or the paper's BibTeX) and import that file"
)


def _not_a_file(arg: str, path: Path) -> str:
    """Why an `import` argument is not a file it can read, and what to give instead."""
    if path.is_dir():
        files = sorted(p.name for p in path.iterdir() if p.is_file() and not p.name.startswith("."))
        if not files:
            return "a folder, not a file, and it holds no files to import"
        shown_files = " ".join(os.path.join(arg, name) for name in files[:3])
        more = " ..." if len(files) > 3 else ""
        return (
            "a folder, not a file: give the files in it instead "
            f"(paperclub import {shown_files}{more})"
        )
    if re.match(r"^[a-z][a-z0-9+.-]*://", arg, re.IGNORECASE):
        return f"an address paperclub does not fetch; {_ADDRESS_HINT}"
    if _BARE_ADDRESS.match(arg):
        return f"no such file; it looks like a web address without https://: {_ADDRESS_HINT}"
    return "no such file"
