"""Reading a paper's fields from a record, the same for the table (CSV, YAML) and BibTeX
sources: whitespace, dates of a day, a month or a year, what a URL points to, the ids in a
URL."""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date

from paperclub import ids
from paperclub.messages import shown

ISO_DATE = re.compile(r"^(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?$")
CODE_HOSTS = re.compile(
    r"//(www\.)?(github\.com|gitlab\.com|bitbucket\.org|codeberg\.org)/", re.IGNORECASE
)
_SPACE = re.compile(r"\s+")


def collapse(text: str) -> str:
    """Whitespace (newlines, non-breaking spaces) collapsed to single spaces."""
    return _SPACE.sub(" ", text).strip()


def parse_date(text: str) -> tuple[date, str]:
    """2024-03-01, 2024-03 or 2024 as a date (the first day of the month or the year) and its
    precision: "day", "month" or "year". Raises ValueError for anything else."""
    match = ISO_DATE.match(text.strip())
    if not match:
        raise ValueError(f"{shown(text)} is not a date such as 2024-03-01, 2024-03 or 2024")
    year, month, day = match.groups()
    try:
        return (
            date(int(year), int(month or 1), int(day or 1)),
            "day" if day else "month" if month else "year",
        )
    except ValueError as e:
        raise ValueError(f"{shown(text)} is not a date ({e})") from None


def url_kind(url: str) -> str:
    """What a paper's URL points to: its arXiv page (abs), a PDF, code, its DOI, or a page."""
    lower = url.lower()
    if re.search(r"//(www\.|export\.)?arxiv\.org/abs/", lower):
        return "abs"
    if re.search(r"//(www\.|export\.)?arxiv\.org/pdf/", lower) or lower.split("?")[0].endswith(
        ".pdf"
    ):
        return "pdf"
    if CODE_HOSTS.search(lower):
        return "code"
    if re.search(r"//(dx\.)?doi\.org/", lower):
        return "doi"
    return "url"


def arxiv_from_url(url: str | None) -> str | None:
    """The arXiv id of an arxiv.org URL (abs or pdf); None for any other URL."""
    if url and re.search(r"//(www\.|export\.)?arxiv\.org/", url, re.IGNORECASE):
        return ids.arxiv_id(url)
    return None


def doi_from_url(url: str | None) -> str | None:
    """The DOI of a doi.org URL; None for any other URL."""
    if url and re.search(r"//(dx\.)?doi\.org/", url, re.IGNORECASE):
        return ids.doi(url)
    return None


def unique(items: Iterable[str | None]) -> list[str]:
    return list(dict.fromkeys(item for item in items if item))
