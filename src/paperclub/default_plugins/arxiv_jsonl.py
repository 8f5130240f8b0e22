"""Source: the arXiv metadata snapshot (Kaggle's `arxiv-metadata-oai-snapshot.json`), one JSON
object per line:

    {"id": "0704.0001", "submitter": "...", "authors": "C. Bal\\'azs, E. L. Berger and ...",
     "title": "...", "comments": "...", "journal-ref": null, "doi": "...", "report-no": null,
     "categories": "hep-ph hep-th", "license": null, "abstract": "  ...\\n",
     "versions": [{"version": "v1", "created": "Mon, 2 Apr 2007 19:18:42 GMT"}, ...],
     "update_date": "2008-11-13", "authors_parsed": [["Balázs", "C.", ""], ...]}

Any value may be null. Titles and abstracts are hard-wrapped and written in LaTeX: their
whitespace is collapsed and their accents and escapes decoded (math is kept as written).

The real file is some 4 GB, so it is read a line at a time and each record is mapped with as
little Python as can be: orjson parses when it is installed (json otherwise), and LaTeX is
only decoded in the strings that need it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from paperclub import ids
from paperclub.errors import PaperclubError
from paperclub.hookspecs import hookimpl
from paperclub.latex import decode
from paperclub.messages import kind, shown
from paperclub.models import Paper

if TYPE_CHECKING:
    from paperclub.registry import Source
    from paperclub.sourcefile import SourceFile

MONTHS = {
    m: n
    for n, m in enumerate(
        ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"), 1
    )
}
# "A. Author, B. Author and C. Author", "A, B, and C"
AUTHOR_SEPARATORS = re.compile(r"\s*,\s*(?:and\s+)?|\s+and\s+")
PARENTHESES = re.compile(r"\([^()]*\)")  # affiliations: "A (1), B (2) ((1) MIT, (2) CERN)"
NEW_ID_DIGITS = frozenset("0123456789")
ABS = "https://arxiv.org/abs/"
PDF = "https://arxiv.org/pdf/"
DOI_URL = "https://doi.org/"
HEAD_RECORD = re.compile(r'^\{\s*"id"\s*:\s*"')
BOM = b"\xef\xbb\xbf"
SPACES = re.compile(" {2,}")


def json_loads() -> Callable[[bytes], Any]:
    """orjson's parser when orjson is installed (several times faster), else the stdlib's."""
    try:
        import orjson
    except ImportError:
        return json.loads
    return orjson.loads


class ArxivJSONL:
    name = "arxiv-jsonl"
    description = (
        "arXiv metadata snapshot: one JSON object per line (arxiv-metadata-oai-snapshot.json)"
    )

    def detect(self, path: Path, head: str) -> bool:
        lines = head.lstrip().split("\n", 1)
        first = lines[0].strip()
        if not first.startswith("{"):
            return False
        try:
            record = json.loads(first)
        except (ValueError, RecursionError):  # RecursionError: a line of 1000 brackets
            # A first record longer than the head (thousands of authors) is cut short.
            return (
                len(lines) == 1
                and bool(HEAD_RECORD.match(first))
                and ('"abstract"' in first or '"authors_parsed"' in first or '"versions"' in first)
            )
        return (
            isinstance(record, dict)
            and "id" in record
            and ("abstract" in record or "authors_parsed" in record or "versions" in record)
        )

    def read(self, file: SourceFile, as_of: date | None) -> Iterator[Paper | PaperclubError]:
        return read_records(file, json_loads())


def read_records(
    file: SourceFile, loads: Callable[[bytes], Any]
) -> Iterator[Paper | PaperclubError]:
    path = file.path
    with file.open_binary() as f:
        for n, line in enumerate(f, 1):
            if n == 1 and line.startswith(BOM):
                line = line[3:]
            try:
                record = loads(line)
            except ValueError as e:  # JSONDecodeError, and UnicodeDecodeError for bad bytes
                if line.isspace() or not line:
                    continue
                yield PaperclubError(f"not valid JSON: {_reason(e)}", path=path, line=n)
                continue
            if type(record) is not dict:
                yield PaperclubError(
                    f"expected a JSON object, found {_kind(record)}", path=path, line=n
                )
                continue
            item: Paper | PaperclubError
            try:
                item = paper(record)
            except _Invalid as e:
                item = PaperclubError(str(e), path=path, line=n)
            except (TypeError, ValueError, AttributeError, KeyError, IndexError) as e:
                item = PaperclubError(
                    f"record {shown(record.get('id'))}: unexpected value ({type(e).__name__}: {e})",
                    path=path,
                    line=n,
                )
            yield item


class _Invalid(Exception):
    pass


def paper(record: dict) -> Paper:
    """The paper of one snapshot record. Raises _Invalid (or TypeError, ValueError...) for a
    record that is not one."""
    get = record.get
    raw_id = get("id")
    title = get("title")
    if not raw_id or type(raw_id) is not str:
        raise _Invalid("record has no id")
    if not title or type(title) is not str or title.isspace():
        raise _Invalid(f"record {shown(raw_id)} has no title")
    # New-style ids (2401.01234) need no regex; old-style ones (math/0309136) go to ids.
    if (
        len(raw_id) in (9, 10)
        and raw_id[4] == "."
        and NEW_ID_DIGITS.issuperset(raw_id[:4] + raw_id[5:])
    ):
        arxiv = raw_id
    else:
        old_style = ids.arxiv_id(raw_id)
        if old_style is None:
            raise _Invalid(f"record id {shown(raw_id)} is not an arXiv id")
        arxiv = old_style

    title = " ".join(decode(title).split())
    if not title:
        raise _Invalid(f"record {shown(raw_id)} has no title")
    abstract = get("abstract")
    abstract = _collapse(decode(abstract)) if abstract else ""

    parsed = get("authors_parsed")
    authors = _parsed_authors(parsed) if parsed and type(parsed) is list else None
    if authors is None:
        authors = _split_authors(get("authors"))

    published = None
    latest = None
    versions = get("versions")
    if versions:
        first_version = versions[0]
        latest = versions[-1].get("version")
        if first_version.get("version") != "v1":  # out of order: find v1 and the latest
            first_version = next((v for v in versions if v.get("version") == "v1"), first_version)
            latest = max((v.get("version") or "" for v in versions), key=_version_number)
        created = first_version.get("created")
        if created:
            published = _created_date(created)
    by_id = published is None  # a record without versions (some mirrors drop them)
    if by_id:
        published = ids.arxiv_month(arxiv)

    categories = get("categories")
    if categories and type(categories) is not str:
        raise _Invalid(f"record {shown(raw_id)}: categories is {_kind(categories)}, not text")
    doi_text = get("doi")
    doi = ids.doi(doi_text) if doi_text else None

    links = {"abs": ABS + arxiv, "pdf": PDF + arxiv}
    if doi:
        links["doi"] = DOI_URL + doi
    extra: dict[str, Any] = {}
    if by_id and published is not None:
        extra["date_precision"] = "month"  # the id names a month, not a day
    value = get("comments")
    if value:
        extra["comment"] = " ".join(decode(value).split())
    value = get("journal-ref")
    if value:
        extra["journal_ref"] = " ".join(decode(value).split())
    value = get("report-no")
    if value:
        extra["report_no"] = " ".join(value.split())
    for key, name in (
        ("license", "license"),
        ("submitter", "submitter"),
        ("update_date", "update_date"),
    ):
        value = get(key)
        if value:
            if type(value) is not str:  # kept as it is: text, as the snapshot has
                raise _Invalid(f"record {shown(raw_id)}: {key} is {_kind(value)}, not text")
            extra[name] = value
    if versions:
        extra["versions"] = len(versions)
        if latest:
            extra["arxiv_version"] = latest

    return Paper(
        id="arxiv:" + arxiv,
        title=title,
        abstract=abstract,
        authors=tuple(authors),
        author_count=len(authors) or None,
        published=published,
        links=links,
        keywords=_categories(categories) if categories else (),
        arxiv_id=arxiv,
        doi=doi,
        extra=extra,
    )


def _parsed_authors(parsed: list) -> list[str]:
    """ "First Last Suffix" of each [last, first, suffix] of `authors_parsed`."""
    try:  # nearly every record: [last, first, suffix] strings, nothing to clean
        authors = [
            (a[1] + " " + a[0] + " " + a[2] if a[2] else a[1] + " " + a[0])
            if a[1]
            else (a[0] + " " + a[2] if a[2] else a[0])
            for a in parsed
        ]
        # A null last name or a non-string part raises a TypeError here or above.
        joined = "\x1f".join(authors)
        if (
            "\\" not in joined
            and "  " not in joined
            and " \x1f" not in joined
            and "\x1f " not in joined
            and joined[0] != " "
            and joined[-1] != " "
            and "\x1f\x1f" not in joined
        ):
            return authors
    except (TypeError, IndexError, KeyError):
        pass
    authors = []
    for a in parsed:
        if isinstance(a, str):
            parts = [a]
        else:
            parts = a[1:2] + a[:1] + a[2:3]
            odd = next((p for p in parts if isinstance(p, (list, dict))), None)
            if odd is not None:
                raise _Invalid(f"authors_parsed: a part of a name is {_kind(odd)}, not text")
            parts = [str(p) for p in parts if p]
        name = _collapse(decode(" ".join(parts)))
        if name:
            authors.append(name)
    return authors


def _collapse(text: str) -> str:
    """Whitespace runs as one space, none at the ends: what `" ".join(text.split())` does
    for ASCII whitespace, without making a string of every word of an abstract."""
    if "\n" in text:
        text = text.replace("\n", " ")
    if "\t" in text or "\r" in text:
        text = text.replace("\t", " ").replace("\r", " ")
    text = text.strip()
    if "  " in text:  # "\n  " starts a paragraph
        return SPACES.sub(" ", text)
    return text


def _categories(text: str) -> tuple[str, ...]:
    if " " not in text:
        return (text,)
    return tuple(dict.fromkeys(text.split()))


def _split_authors(text: str | None) -> list[str]:
    """Names from the `authors` string, when `authors_parsed` is missing."""
    if not text:
        return []
    if "\\" in text:
        text = decode(text)
    for _ in range(3):  # nested: "A (1), B (2) ((1) MIT, (2) CERN)"
        if "(" not in text:
            break
        text = PARENTHESES.sub(" ", text)
    text = " ".join(text.split())
    return [name for name in AUTHOR_SEPARATORS.split(text) if name]


def _version_number(label: str) -> int:
    """`v12` -> 12; anything else counts as 0."""
    return int(label[1:]) if label[:1] == "v" and label[1:].isdigit() else 0


def _created_date(created: str) -> date:
    """`Mon, 2 Apr 2007 19:18:42 GMT` -> 2007-04-02. Days repeat: they are looked up."""
    day = created[: created.find(":") - 3]  # "Mon, 2 Apr 2007"
    found = _DAYS.get(day)
    if found is None:
        parts = created.split()
        try:
            found = date(int(parts[3]), MONTHS[parts[2]], int(parts[1]))
        except (IndexError, KeyError, ValueError):
            raise _Invalid(f"cannot read the date {shown(created)} of version v1") from None
        if len(_DAYS) < 100_000:
            _DAYS[day] = found
    return found


_DAYS: dict[str, date] = {}


def _reason(e: ValueError) -> str:
    if isinstance(e, json.JSONDecodeError):  # orjson's errors are JSONDecodeErrors too
        message = e.msg[:-3] if e.msg.endswith(" at") else e.msg  # json: "Invalid ... at"
        return f"{message} (column {e.colno})"
    if isinstance(e, UnicodeDecodeError):
        return f"not UTF-8 ({e.reason} at byte {e.start})"
    return str(e)


def _kind(value: object) -> str:
    return kind(value, a_mapping="an object", text="a string", true_false="true or false")


@hookimpl(trylast=True)
def paperclub_register_sources(register: Callable[[Source], None]) -> None:
    register(ArxivJSONL())
