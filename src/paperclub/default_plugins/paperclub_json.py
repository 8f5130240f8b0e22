"""Source: paperclub's own JSON list of papers (what `paperclub papers --json` prints), and the
bundled data sets in that format, imported as `paperclub:NAME`. `paperclub:sample` holds the
87 papers of a Hugging Face Daily Papers page (2025-11-25): facts about each paper, not its
abstract."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from pathlib import Path

from paperclub import ids
from paperclub.errors import PaperclubError
from paperclub.hookspecs import hookimpl
from paperclub.models import Paper


class PaperclubJSON:
    name = "paperclub-json"
    description = "a JSON list of papers, as `paperclub papers --json` prints"

    def detect(self, path: Path, head: str) -> bool:
        # Hugging Face's API lists are JSON lists with titles too; only ours have these keys.
        return head.lstrip().startswith("[") and '"title"' in head and any(
            key in head for key in ('"sources"', '"topics"', '"published"'))

    def read(self, file, as_of: date | None) -> Iterator[Paper | PaperclubError]:
        path = file.path
        try:
            items = json.loads(file.read_text())
        except json.JSONDecodeError as e:
            raise PaperclubError(f"not valid JSON: {e.msg}", path=path, line=e.lineno) from None
        if not isinstance(items, list):
            raise PaperclubError("expected a JSON list of papers", path=path, line=1)
        for n, item in enumerate(items, 1):
            try:
                yield paper_from_json(item, path, n)
            except PaperclubError as e:
                yield e


def paper_from_json(item: object, path: Path, n: int) -> Paper:
    where = {"path": path, "line": None}
    if not isinstance(item, dict) or not isinstance(item.get("title"), str) or not item["title"]:
        raise PaperclubError(f"paper #{n} has no title", **where)

    try:
        published = date.fromisoformat(item["published"]) if item.get("published") else None
        arxiv, doi = ids.arxiv_id(item.get("arxiv_id")), ids.doi(item.get("doi"))
        return Paper(
            id=str(item.get("id") or ids.paper_id(arxiv, doi, item["title"])),
            title=item["title"],
            abstract=item.get("abstract") or "",
            authors=tuple(item.get("authors") or ()),
            author_count=item.get("author_count"),
            organisation=item.get("organisation"),
            published=published,
            upvotes=int(item.get("upvotes") or 0),
            links={str(k): str(v) for k, v in (item.get("links") or {}).items()},
            keywords=tuple(item.get("keywords") or ()),
            topics=tuple(item.get("topics") or ()),
            arxiv_id=arxiv,
            doi=doi,
            extra=dict(item.get("extra") or {}),
        )
    except (KeyError, TypeError, ValueError, AttributeError) as e:
        raise PaperclubError(f"paper #{n} ({item.get('title')!r}): {e}", **where) from None


@hookimpl(trylast=True)
def paperclub_register_sources(register):
    register(PaperclubJSON())
