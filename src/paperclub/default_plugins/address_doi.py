"""Address: `doi:10.1145/3600006.3613165` (one DOI, or several separated by spaces), the
papers' metadata from Crossref's REST API (`/works/DOI`), handed on as paperclub's own JSON
(the paperclub-json source, paperclub_json.py).

The base address is PAPERCLUB_CROSSREF_URL (default https://api.crossref.org). Crossref asks
its users to say who they are: the User-Agent names paperclub and, when
PAPERCLUB_CROSSREF_MAILTO is set, a contact address (which puts the requests in Crossref's
"polite" pool); requests are at least INTERVAL apart, below both pools' published rates.

Per work: the title (and subtitle), the authors ("Given Family", or an organisation's name),
the published date from `issued` (a year alone is 1 January and extra["date_precision"] says
"year", as the bibtex source does), the abstract with its JATS tags dropped, `subject` as
keywords, the DOI and its doi.org link, the arXiv id of a `has-preprint` relation to an arXiv
DOI (so the paper merges with its arXiv and Hugging Face records), and extra: venue
(`container-title`), publisher, volume, pages, crossref_type.

Why not habanero (Crossref's Python client): it sends its own requests (httpx2, none of
paperclub's cache, revalidation, offline mode or pause), and for a DOI it does what this
module does, one GET of /works/DOI with a mailto in the User-Agent; it hands back the same
JSON, so the conversion below would be needed anyway (measured: 140-160 ms to import, with
httpx2, urllib3 and tqdm, against about 40 ms for urllib).
"""

from __future__ import annotations

import html
import json
import os
import re
import urllib.parse
from collections.abc import Callable
from datetime import date
from typing import TYPE_CHECKING, Any

from paperclub import __version__, ids
from paperclub.addresses import Address
from paperclub.errors import PaperclubError
from paperclub.hookspecs import hookimpl
from paperclub.messages import kind, one_line, quoted

if TYPE_CHECKING:
    from paperclub.fetch import Fetcher

SCHEME = "doi"
DEFAULT_URL = "https://api.crossref.org"
MAILTO_ENV = "PAPERCLUB_CROSSREF_MAILTO"
DESCRIPTION = "a paper's Crossref metadata: doi:10.1145/3600006.3613165 (or several DOIs)"
INTERVAL = 0.2  # seconds: 5 requests a second, Crossref's public pool's limit

_TAG = re.compile(r"<[^>]*>")
_JATS_TITLE = re.compile(r"<jats:title>.*?</jats:title>", re.DOTALL)  # "Abstract"


def fetch(rest: str, fetcher: Fetcher) -> tuple[bytes, str]:
    """The content of `doi:<rest>` for the paperclub-json source: a JSON list of papers, one
    per DOI, in the order given."""
    from paperclub.fetch import base_url  # the HTTP side only when an address is fetched

    address = f"{SCHEME}:{rest}"
    base = base_url("crossref", DEFAULT_URL)
    headers = {"User-Agent": user_agent(os.environ.get(MAILTO_ENV, "").strip())}
    papers = []
    for doi in dois(rest, address):
        body = fetcher.get(
            f"{base}/works/{urllib.parse.quote(doi, safe='/')}",
            headers=headers,
            interval=INTERVAL,
            what=address,
        )
        papers.append(paper(work(body, doi, address), doi, address))
    return (json.dumps(papers, ensure_ascii=False, indent=1) + "\n").encode(), "paperclub-json"


def user_agent(mailto: str) -> str:
    """Crossref's etiquette: the tool, its version and whom to write to."""
    contact = f"; mailto:{mailto}" if mailto else ""
    return f"paperclub/{__version__} (reading-group planner{contact})"


def dois(rest: str, address: str) -> list[str]:
    """The DOIs of an address: bare, `https://doi.org/...` or `doi:...`, lower-cased."""
    found = []
    for word in rest.split():
        doi = ids.doi(word)
        if doi is None:
            raise PaperclubError(
                f"{quoted(word, 60)} is not a DOI such as 10.1145/3600006.3613165", path=address
            )
        if doi not in found:
            found.append(doi)
    if not found:
        raise PaperclubError("no DOI: give one, as doi:10.1145/3600006.3613165", path=address)
    return found


def work(body: bytes, doi: str, address: str) -> dict[str, Any]:
    """The `message` of Crossref's answer for `doi`; any other answer is an error."""
    try:
        data = json.loads(body)
    except (ValueError, RecursionError):
        start = body[:200].decode("utf-8", "replace").lstrip()
        what = "an HTML page" if start[:1] == "<" else f"not JSON ({quoted(one_line(start, 60))})"
        raise PaperclubError(f"Crossref's answer for {doi} is {what}", path=address) from None
    message = data.get("message") if isinstance(data, dict) else None
    if not isinstance(message, dict) or data.get("status") != "ok":
        raise PaperclubError(
            f"Crossref's answer for {doi} is {kind(data, a_mapping='an object')} without a work",
            path=address,
        )
    return message


def paper(message: dict[str, Any], doi: str, address: str) -> dict[str, Any]:
    """A work of Crossref's as an item of paperclub's JSON (paperclub_json.py reads it)."""
    title = " ".join(_texts(message.get("title"))[:1])
    subtitle = " ".join(_texts(message.get("subtitle"))[:1])
    if not title:
        raise PaperclubError(f"Crossref's record of {doi} has no title", path=address)
    if subtitle and subtitle.lower() not in title.lower():
        title = f"{title}: {subtitle}"
    authors = [_name(a) for a in message.get("author") or [] if isinstance(a, dict)]
    authors = [a for a in authors if a]
    published, precision = _issued(message.get("issued"))
    extra: dict[str, Any] = {}
    if precision:
        extra["date_precision"] = precision
    venue = _texts(message.get("container-title"))
    for key, value in (
        ("venue", venue[0] if venue else None),
        ("publisher", message.get("publisher")),
        ("volume", message.get("volume")),
        ("pages", message.get("page")),
        ("crossref_type", message.get("type")),
    ):
        if isinstance(value, str) and value.strip():
            extra[key] = _text(value)
    doi = ids.doi(message.get("DOI") if isinstance(message.get("DOI"), str) else None) or doi
    item: dict[str, Any] = {
        "title": title,
        "abstract": _abstract(message.get("abstract")),
        "authors": authors,
        "published": published.isoformat() if published else None,
        "doi": doi,
        "arxiv_id": _preprint(message.get("relation")),
        "links": {"doi": f"https://doi.org/{doi}"},
        "keywords": list(dict.fromkeys(_texts(message.get("subject")))),
        "extra": extra,
    }
    return {key: value for key, value in item.items() if value not in (None, "", [], {})}


def _text(value: str) -> str:
    """Markup (Crossref titles hold <i>, <sub>) dropped, entities decoded, whitespace
    collapsed."""
    return " ".join(html.unescape(_TAG.sub(" ", value)).split())


def _texts(value: object) -> list[str]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list):
        return []
    return [t for t in (_text(v) for v in value if isinstance(v, str)) if t]


def _name(author: dict[str, Any]) -> str:
    parts = [author.get("given"), author.get("family")]
    name = " ".join(p.strip() for p in parts if isinstance(p, str) and p.strip())
    if not name and isinstance(author.get("name"), str):  # an organisation
        name = author["name"].strip()
    return _text(name)


def _abstract(value: object) -> str:
    if not isinstance(value, str):
        return ""
    return _text(_JATS_TITLE.sub(" ", value))


def _issued(value: object) -> tuple[date | None, str | None]:
    """Crossref's `{"date-parts": [[2003, 5, 19]]}`, whose month and day may be missing (and
    whose year may be null): the date, and "year"/"month" when it is not a whole one."""
    parts = value.get("date-parts") if isinstance(value, dict) else None
    first = parts[0] if isinstance(parts, list) and parts and isinstance(parts[0], list) else []
    numbers = [p for p in first[:3] if isinstance(p, int) and not isinstance(p, bool)]
    if len(numbers) != len(first[:3]) or not numbers:
        return None, None
    try:
        day = date(numbers[0], *(numbers[1:] + [1, 1])[:2])
    except ValueError:
        return None, None
    return day, {1: "year", 2: "month"}.get(len(numbers))


def _preprint(relation: object) -> str | None:
    """The arXiv id of a `has-preprint` relation (an arXiv DOI, 10.48550/arXiv.ID, or an
    arxiv id), so the published paper and its preprint are one row."""
    found = relation.get("has-preprint") if isinstance(relation, dict) else None
    for link in found if isinstance(found, list) else []:
        value = link.get("id") if isinstance(link, dict) else None
        if isinstance(value, str) and (
            value.lower().startswith("10.48550/arxiv.") or link.get("id-type") == "arxiv"
        ):
            arxiv = ids.arxiv_id(value)
            if arxiv:
                return arxiv
    return None


@hookimpl(trylast=True)
def paperclub_register_addresses(register: Callable[[Address], None]) -> None:
    register(Address(SCHEME, DESCRIPTION, fetch))
