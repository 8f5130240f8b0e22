"""Source: paperclub's own JSON list of papers (what `paperclub papers --json` prints), and the
bundled data sets in that format, imported as `paperclub:NAME`. `paperclub:sample` holds the
87 papers of a Hugging Face Daily Papers page (2025-11-25): facts about each paper, not its
abstract."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from paperclub import ids, jsonfile
from paperclub.errors import PaperclubError
from paperclub.hookspecs import hookimpl
from paperclub.jsonfile import item_lines
from paperclub.messages import kind, shown
from paperclub.models import Paper
from paperclub.sources import paper_problem

if TYPE_CHECKING:
    from paperclub.registry import Source
    from paperclub.sourcefile import SourceFile


class PaperclubJSON:
    name = "paperclub-json"
    description = "a JSON list of papers, as `paperclub papers --json` prints"

    def detect(self, path: Path, head: str) -> bool:
        # Hugging Face's API lists are JSON lists with titles too; only ours have these keys.
        return (
            head.lstrip().startswith("[")
            and '"title"' in head
            and any(key in head for key in ('"sources"', '"topics"', '"published"'))
        )

    def read(self, file: SourceFile, as_of: date | None) -> Iterator[Paper | PaperclubError]:
        path = file.path
        items, text = jsonfile.load(file)
        if not isinstance(items, list):
            raise PaperclubError("expected a JSON list of papers", path=path, line=1)
        for n, (item, line) in enumerate(zip(items, item_lines(text)), 1):
            try:
                yield paper_from_json(item, path, n, line)
            except PaperclubError as e:
                yield e


def paper_from_json(item: object, path: Path, n: int, line: int | None = None) -> Paper:
    """The paper of item #`n` (on `line`), as `paperclub papers --json` writes it."""
    if (
        not isinstance(item, dict)
        or not isinstance(item.get("title"), str)
        or not item["title"].strip()
    ):
        raise PaperclubError(f"paper #{n} has no title", path=path, line=line)
    what = f"paper #{n} ({shown(item['title'])})"

    def text(key: str) -> str | None:
        value = item.get(key)
        if value is None or isinstance(value, str):
            return value
        raise ValueError(f'"{key}" is {kind(value)}, not text')

    def texts(key: str) -> tuple[str, ...]:
        value = item.get(key)
        if value is None:
            return ()
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ValueError(f'"{key}" is not a list of text')
        return tuple(value)

    def count(key: str) -> int | None:
        value = item.get(key)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise ValueError(f'"{key}" is {shown(value, 60)}, not a whole number')
        return value

    try:
        day = text("published")
        try:
            published = date.fromisoformat(day) if day else None
        except ValueError:
            raise ValueError(
                f'"published" is {shown(day, 60)}, not a date such as 2024-01-02'
            ) from None
        arxiv, doi = ids.arxiv_id(text("arxiv_id")), ids.doi(text("doi"))
        links = item.get("links") or {}
        if not isinstance(links, dict) or not all(isinstance(v, str) for v in links.values()):
            raise ValueError('"links" is not a mapping of kinds to URLs')
        extra = item.get("extra") or {}
        if not isinstance(extra, dict):
            raise ValueError(f'"extra" is {kind(extra)}, not a mapping')
        paper = Paper(
            id=text("id") or ids.paper_id(arxiv, doi, item["title"]),
            title=item["title"],
            abstract=text("abstract") or "",
            authors=texts("authors"),
            author_count=count("author_count"),
            organisation=text("organisation"),
            published=published,
            upvotes=count("upvotes"),
            links=dict(links),
            keywords=texts("keywords"),
            topics=texts("topics"),
            arxiv_id=arxiv,
            doi=doi,
            extra=dict(extra),
        )
    except ValueError as e:
        raise PaperclubError(f"{what}: {e}", path=path, line=line) from None
    problem = paper_problem(paper)
    if problem:
        raise PaperclubError(f"{what}: {problem}", path=path, line=line)
    return paper


@hookimpl(trylast=True)
def paperclub_register_sources(register: Callable[[Source], None]) -> None:
    register(PaperclubJSON())
