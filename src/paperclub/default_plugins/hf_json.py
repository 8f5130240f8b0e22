"""Source: the Hugging Face Daily Papers API as JSON.

Two shapes are read:

* a list of daily-papers items, as `https://huggingface.co/api/daily_papers` returns:
  `[{"paper": {"id": "2401.01234", "title": ..., "summary": ..., "authors": [{"name": ...}],
  "publishedAt": ..., "upvotes": ..., "githubRepo"?: ..., "ai_keywords"?: ...},
  "numComments": 3, "organization"?: {"name": ..., "fullname": ...}, "title": ..., ...}]`;
* a paper, as `https://huggingface.co/api/papers/{id}` returns (the paper's fields at the top
  level), or a list of those.

Hugging Face paper ids are arXiv ids. Optional fields may be missing or null. `map_item` is
shared with the saved-page source (hf_html.py), whose page embeds the same items.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from paperclub import ids, jsonfile
from paperclub.errors import PaperclubError
from paperclub.hookspecs import hookimpl
from paperclub.jsonfile import first_char, item_lines, line_of
from paperclub.messages import kind, shown
from paperclub.models import Paper
from paperclub.sources import paper_problem

WORDS = {"text": "a string", "true_false": "a boolean", "a_mapping": "an object"}  # JSON's

if TYPE_CHECKING:
    from paperclub.registry import Source
    from paperclub.sourcefile import SourceFile

ISO_DATE = re.compile(r"^(\d{4}-\d{2}-\d{2})(?:[T ]|$)")
_SPACE = re.compile(r"\s+")


def _key(name: str) -> re.Pattern[str]:
    return re.compile(rf'"{name}"\s*:')


KEY_PAPER, KEY_UPVOTES, KEY_PUBLISHED = _key("paper"), _key("upvotes"), _key("publishedAt")
KEY_SUMMARY, KEY_SOURCES, KEY_TOPICS = _key("summary"), _key("sources"), _key("topics")
KEY_PAPERCLUB_DATE = _key("published")  # paperclub's own JSON; the API has "publishedAt"
# How the API's JSON opens, however many authors follow (they may fill the first KBs): a
# daily-papers list with its first item's paper, or a paper (or a list of them) with its id.
DAILY_LIST_START = re.compile(r'\[\s*\{\s*"paper"\s*:\s*\{')
PAPER_START = re.compile(r'\[?\s*\{\s*"id"\s*:\s*"\d{4}\.\d{4,5}(?:v\d+)?"\s*,\s*"authors"\s*:')


class HFJSON:
    name = "hf-json"
    description = "Hugging Face Daily Papers API JSON (api/daily_papers or api/papers/ID)"

    def detect(self, path: Path, head: str) -> bool:
        text = head.lstrip()
        if not text.startswith(("[", "{")):
            return False
        if DAILY_LIST_START.match(text) or PAPER_START.match(text):
            return True
        first = text[:1024]
        if not KEY_SUMMARY.search(first) and any(
            key.search(first) for key in (KEY_SOURCES, KEY_TOPICS, KEY_PAPERCLUB_DATE)
        ):
            return False  # paperclub's own JSON (paperclub_json.py)
        if KEY_PAPER.search(first) and (KEY_UPVOTES.search(first) or KEY_PUBLISHED.search(first)):
            return True
        return bool(KEY_SUMMARY.search(first) and KEY_PUBLISHED.search(first))

    def read(self, file: SourceFile, as_of: date | None) -> Iterator[Paper | PaperclubError]:
        path = file.path
        data, text = jsonfile.load(file)
        if isinstance(data, dict):
            yield _mapped(data, path, line_of(text, first_char(text)), None)
        elif isinstance(data, list):
            for n, (item, line) in enumerate(zip(data, item_lines(text)), 1):
                yield _mapped(item, path, line, n)
        else:
            raise PaperclubError(
                "expected a JSON list of daily papers or a paper object",
                path=path,
                line=line_of(text, first_char(text)),
            )


def _mapped(item: object, path: Path, line: int, n: int | None) -> Paper | PaperclubError:
    try:
        return map_item(item, n)
    except PaperclubError as e:
        return PaperclubError(e.message, path=path, line=line)


# -- mapping an item to a paper ------------------------------------------------------------


def map_item(item: object, n: int | None = None) -> Paper:
    """The paper of a daily-papers item (`{"paper": {...}, "numComments": ...}`) or of a paper
    object (`{"id": ..., "title": ...}`). `n` (from 1) names the item in errors; a bad item
    raises PaperclubError without a path or line, which the caller adds."""
    what = f"item #{n}" if n is not None else "the paper"
    if not isinstance(item, dict):
        raise PaperclubError(f"{what} is not a JSON object but {kind(item, **WORDS)}")
    paper = item.get("paper")
    if paper is None:
        paper = item
    elif not isinstance(paper, dict):
        raise PaperclubError(f'{what}: "paper" is not a JSON object but {kind(paper, **WORDS)}')
    title = _text(paper.get("title")) or _text(item.get("title"))
    if not title:
        raise PaperclubError(f"{what} has no title")
    what = f"{what} ({shown(title)})"
    try:
        hf_id = _string(paper.get("id"), "id")
        arxiv = ids.arxiv_id(hf_id)
        links = {}
        if arxiv:
            links["abs"] = f"https://arxiv.org/abs/{arxiv}"
            links["pdf"] = f"https://arxiv.org/pdf/{arxiv}"
        for link, key in (("code", "githubRepo"), ("project", "projectPage")):
            url = _string(paper.get(key), key)
            if url and url.strip():
                links[link] = url.strip()
        authors = _authors(paper.get("authors"))
        extra: dict[str, Any] = {}
        comments = item.get("numComments", paper.get("numComments"))
        if comments is not None:
            extra["num_comments"] = _count(comments, "numComments")
        stars = _count(paper.get("githubStars"), "githubStars")
        if stars is not None and "code" in links:  # a popularity signal of its own
            extra["github_stars"] = stars
        hf_summary = _text(_string(paper.get("ai_summary"), "ai_summary"))
        if hf_summary:
            extra["hf_summary"] = hf_summary
        paper = Paper(
            id=ids.paper_id(arxiv, None, title),
            title=title,
            abstract=_text(
                _string(paper.get("summary"), "summary") or _string(item.get("summary"), "summary")
            ),
            authors=authors,
            author_count=len(authors) if authors else None,
            organisation=_organisation(item.get("organization") or paper.get("organization")),
            published=_date(paper.get("publishedAt")),
            upvotes=_count(paper.get("upvotes"), "upvotes"),
            links=links,
            keywords=_keywords(paper.get("ai_keywords")),
            arxiv_id=arxiv,
            extra=extra,
        )
    except ValueError as e:
        raise PaperclubError(f"{what}: {e}") from None
    problem = paper_problem(paper)  # "\ud800" in a title, an upvote count of 30 digits
    if problem:
        raise PaperclubError(f"{what}: {problem}")
    return paper


def _text(value: object) -> str:
    """Whitespace (newlines included) collapsed to single spaces."""
    return _SPACE.sub(" ", value).strip() if isinstance(value, str) else ""


def _string(value: object, key: str) -> str | None:
    if value is None or isinstance(value, str):
        return value
    raise ValueError(f'"{key}" is {kind(value, **WORDS)}, not a string')


def _count(value: object, key: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(f'"{key}" is {shown(value)}, not a count')
    return value


def _authors(value: object) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list):
        raise ValueError(f'"authors" is {kind(value, **WORDS)}, not a list')
    names = []
    for author in value:
        name = author.get("name") if isinstance(author, dict) else author
        if not isinstance(name, str):
            raise ValueError(f"an author without a name: {shown(author)}")
        if _text(name):
            names.append(_text(name))
    return tuple(names)


def _organisation(value: object) -> str | None:
    if isinstance(value, dict):
        return _text(value.get("fullname")) or _text(value.get("name")) or None
    if isinstance(value, str):
        return _text(value) or None
    return None


def _date(value: object) -> date | None:
    if value is None or value == "":
        return None
    match = ISO_DATE.match(value) if isinstance(value, str) else None
    try:
        if match:
            return date.fromisoformat(match.group(1))
    except ValueError:
        pass
    raise ValueError(
        f'"publishedAt" is {shown(value)}, not a date such as 2024-01-02T18:59:59.000Z'
    )


def _keywords(value: object) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(k, str) for k in value):
        raise ValueError('"ai_keywords" is not a list of strings')
    return tuple(dict.fromkeys(k.strip() for k in value if k.strip()))


# A daily-papers list also passes paperclub-json's detect() (a list with "title"): detection
# picks hf-json because built-in sources register in module-name order, hf_json first.
@hookimpl(trylast=True)
def paperclub_register_sources(register: Callable[[Source], None]) -> None:
    register(HFJSON())
