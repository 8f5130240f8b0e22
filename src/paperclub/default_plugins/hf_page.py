"""Source: the Hugging Face Daily Papers page, saved as text (select all, copy, paste).

Each paper is a title line, an abstract line and, for most papers, a meta block:
a byline ("• 6 authors", or an organisation as "apple Apple"), a "·" line, and a date
("Aug 7" in the page's year, or "Mar 3, 2024") followed by the upvotes when there are any.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from paperclub.errors import PaperclubError
from paperclub.hookspecs import hookimpl
from paperclub.messages import shown
from paperclub.models import Paper
from paperclub.text import add_link, slugify

if TYPE_CHECKING:
    from paperclub.registry import Source
    from paperclub.sourcefile import SourceFile

HEADER_LINES = {"new", "get trending papers in your email inbox!", "subscribe", "daily papers"}
AUTHORS = re.compile(r"^[•*-]?\s*(\d+)\s+authors?$")
DATE = re.compile(
    r"^(?P<month>[A-Z][a-z]{2}) (?P<day>\d{1,2})(?:, (?P<year>\d{4}))?(?: (?P<upvotes>\d+))?$"
)
PAGE_DATE = re.compile(r"^[A-Z][a-z]{2} \d{1,2}(?:, \d{4})?$")
URL = re.compile(r"https?://[^\s<>\"'(){}\[\]]+")
FILE_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
MONTHS = {"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"}
MAX_COUNT = 2**63 - 1  # what the catalog's integers hold
MAX_TITLE = 400  # a longer "title" is an abstract whose title is missing

# Where a link in an abstract points, by host. Every link is kept, in the order of the
# abstract: a second code link (a library, then its experiments) is `code-2`.
LINK_KINDS = (
    ("code", re.compile(r"//(www\.)?(github\.com|gitlab\.com|bitbucket\.org|codeberg\.org)/")),
    ("data", re.compile(r"//(huggingface\.co/datasets/|zenodo\.org/|doi\.org/10\.5281/)")),
    ("model", re.compile(r"//huggingface\.co/")),
    ("project", re.compile(r"//")),
)


class HFPageText:
    name = "hf-page"
    description = "Hugging Face Daily Papers page saved as text"
    version = 2  # 2: every link of an abstract (1 kept the first of each kind)

    def detect(self, path: Path, head: str) -> bool:
        return "Daily Papers" in head[:2000] and bool(
            re.search(r"^\s*• \d+ authors?\r?$|^·\r?$", head, re.MULTILINE)
        )

    def read(self, file: SourceFile, as_of: date | None) -> Iterator[Paper | PaperclubError]:
        yield from parse(file.read_text(), file.path, as_of or page_date_from_name(file.path))


def page_date_from_name(path: Path) -> date | None:
    """A page saved as `hf-daily-papers-2025-11-25.txt` was saved on that day."""
    match = FILE_DATE.search(path.name)
    if match:
        try:
            return date(*map(int, match.groups()))
        except ValueError:
            return None
    return None


def parse(text: str, path: Path, as_of: date | None) -> Iterator[Paper | PaperclubError]:
    """Every paper of the page; a bad paper is yielded as an error and skipped."""
    lines = [(n, line.strip()) for n, line in enumerate(text.splitlines(), 1) if line.strip()]
    i = _skip_header(lines)
    while i < len(lines):
        start, title = lines[i]
        if title == "·" or AUTHORS.match(title):
            yield PaperclubError(
                f"expected a paper title, found {shown(title)}", path=path, line=start
            )
            i += 1
            continue
        if len(title) > MAX_TITLE:
            yield PaperclubError(
                f"expected a paper title, found a paragraph of {len(title)} characters "
                "(is the title missing?)",
                path=path,
                line=start,
            )
            i += 1
            continue
        if i + 1 >= len(lines) or lines[i + 1][1] == "·" or AUTHORS.match(lines[i + 1][1]):
            yield PaperclubError(f"paper {shown(title)} has no abstract", path=path, line=start)
            i += 1
            continue
        abstract = lines[i + 1][1]
        i += 2
        author_count = organisation = published = None
        upvotes = 0
        if i + 1 < len(lines) and lines[i + 1][1] == "·":
            if i + 2 >= len(lines):
                yield PaperclubError("a byline without a date", path=path, line=lines[i + 1][0])
                return
            author_count, organisation = _byline(lines[i][1])
            dated = _date_line(lines[i + 2], path, as_of)
            i += 3
            if author_count is not None and author_count > MAX_COUNT:
                yield PaperclubError(
                    f"paper {shown(title)}: {shown(lines[i - 3][1])} is too many authors",
                    path=path,
                    line=lines[i - 3][0],
                )
                continue
            if isinstance(dated, PaperclubError):
                yield dated
                continue
            published, upvotes = dated
        yield Paper(
            id=slugify(title),
            title=title,
            abstract=abstract,
            author_count=author_count,
            organisation=organisation,
            published=published,
            upvotes=upvotes,
            links=find_links(abstract),
        )


def _skip_header(lines: list[tuple[int, str]]) -> int:
    i = 0
    while i < len(lines) and i < 12:
        text = lines[i][1]
        if text.lower() in HEADER_LINES or text.startswith("byAK") or PAGE_DATE.match(text):
            i += 1
        else:
            break
    return i


def _byline(byline: str) -> tuple[int | None, str | None]:
    match = AUTHORS.match(byline)
    if match:
        digits = match.group(1)  # more than MAX_COUNT (or 4300 digits: no int) is an error
        return (int(digits) if len(digits) < 19 else MAX_COUNT + 1), None
    # An organisation shows as its avatar's alt text, then its name: "apple Apple".
    parts = byline.split(None, 1)
    return None, parts[-1]


def _date_line(
    item: tuple[int, str], path: Path, as_of: date | None
) -> tuple[date, int] | PaperclubError:
    line, text = item
    match = DATE.match(text)
    if not match or match.group("month") not in MONTHS:
        return PaperclubError(
            f"cannot read the date {shown(text)} (expected 'Aug 7' or 'Mar 3, 2024', "
            "then the upvotes if any)",
            path=path,
            line=line,
        )
    year = match.group("year")
    if year is None:
        if as_of is None:
            return PaperclubError(
                f"the date {shown(text)} has no year: say when the page was saved with --as-of DATE",
                path=path,
                line=line,
            )
        year = str(as_of.year)
    try:
        published = datetime.strptime(
            f"{match.group('month')} {match.group('day')} {year}", "%b %d %Y"
        ).date()
    except ValueError:
        return PaperclubError(f"{shown(text)} is not a date", path=path, line=line)
    upvotes = match.group("upvotes") or "0"
    if len(upvotes) > len(str(MAX_COUNT)) - 1:
        return PaperclubError(
            f"{shown(text)}: too many upvotes to be a count", path=path, line=line
        )
    return published, int(upvotes)


def find_links(abstract: str) -> dict[str, str]:
    links: dict[str, str] = {}
    for url in URL.findall(abstract):
        url = url.rstrip(".,;:!?")
        add_link(links, next(kind for kind, pattern in LINK_KINDS if pattern.search(url)), url)
    return links


@hookimpl(trylast=True)
def paperclub_register_sources(register: Callable[[Source], None]) -> None:
    register(HFPageText())
