"""Address: a Zotero library or collection, from the Zotero web API v3, handed on as
paperclub's own JSON (the paperclub-json source, paperclub_json.py).

* `zotero:groups/123456`, `zotero:users/475425`: the library's top-level items;
* `zotero:groups/123456/collections/KEY` (or users/ID/collections/KEY): a collection's.

The base address is PAPERCLUB_ZOTERO_URL (default https://api.zotero.org). A private library
needs an API key (zotero.org/settings/keys): ZOTERO_API_KEY, else the password of `machine
api.zotero.org` in ~/.netrc. It is sent as the Zotero-API-Key header, never in the URL, so
it is in no message and no cache file name. Items come PAGE_SIZE at a time (`start`,
`limit`) until a page is not full: Fetcher.get hands back the body alone, so the
Total-Results header is not seen; a library of an exact multiple of PAGE_SIZE items costs one
request more.

Per item: the title; authors (creators of type author: "First Last", or an institution's
name); the published date from Zotero's `meta.parsedDate` (1992, 1992-00-00 or 1992-05 as a
year or a month, extra["date_precision"] saying so, as the bibtex source does); the
abstract; the DOI (its field, or a `DOI:` line of Extra); the arXiv id (`archiveID`, an
arxiv.org URL, an arXiv DOI or an `arXiv:` line of Extra); tags as keywords; the URL and the
DOI as links; extra: venue, publisher, volume, pages, zotero_key, zotero_type. Notes,
attachments and annotations are not papers and are left out, as are items without a title.

Why not pyzotero (Zotero's Python client): it sends its own requests (httpx, none of
paperclub's cache, revalidation, offline mode or pause) and pages by the Link header with
them; what it hands back is this same JSON, so the conversion below would be needed anyway;
and pyzotero 1.16 requires bibtexparser < 2, paperclub's bibtex extra bibtexparser 2: the two
cannot be installed together.
"""

from __future__ import annotations

import json
import netrc
import os
import re
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from paperclub import ids
from paperclub.addresses import Address
from paperclub.errors import PaperclubError
from paperclub.hookspecs import hookimpl
from paperclub.messages import kind, one_line, quoted
from paperclub.records import arxiv_from_url, url_kind

if TYPE_CHECKING:
    from paperclub.fetch import Fetcher

SCHEME = "zotero"
DEFAULT_URL = "https://api.zotero.org"
NETRC_HOST = "api.zotero.org"
KEY_ENV = "ZOTERO_API_KEY"
DESCRIPTION = (
    "a Zotero library or collection: zotero:groups/123456, zotero:users/475425, "
    "zotero:groups/123456/collections/KEY"
)
PAGE_SIZE = 100  # the most the API gives in one page
MAX_PAGES = 1000  # 100,000 items: past that, a server that ignores `start`
INTERVAL = 0.5  # seconds between two requests: Zotero publishes no rate; be gentle
NOT_PAPERS = frozenset({"note", "attachment", "annotation"})
VENUES = ("publicationTitle", "proceedingsTitle", "bookTitle", "conferenceName", "websiteTitle")

_LIBRARY = re.compile(r"(?P<library>(?:groups|users)/\d+)(?:/collections/(?P<key>[A-Z0-9]{8}))?")


def fetch(rest: str, fetcher: Fetcher) -> tuple[bytes, str]:
    """The content of `zotero:<rest>` for the paperclub-json source: a JSON list of papers,
    every page of the library or collection."""
    from paperclub.fetch import base_url  # the HTTP side only when an address is fetched

    address = f"{SCHEME}:{rest}"
    path = items_path(rest, address)
    headers = {"Zotero-API-Version": "3"}
    key = api_key()
    if key:
        headers["Zotero-API-Key"] = key
    url = f"{base_url(SCHEME, DEFAULT_URL)}/{path}"
    papers: list[dict[str, Any]] = []
    for page in range(MAX_PAGES):
        params = {"format": "json", "limit": str(PAGE_SIZE), "start": str(page * PAGE_SIZE)}
        body = fetcher.get(url, params=params, headers=headers, interval=INTERVAL, what=address)
        items = _items(body, address)
        papers.extend(p for p in map(paper, items) if p is not None)
        if len(items) < PAGE_SIZE:
            return (json.dumps(papers, ensure_ascii=False, indent=1) + "\n").encode(), (
                "paperclub-json"
            )
    raise PaperclubError(
        f"the answer goes on past {MAX_PAGES} pages of {PAGE_SIZE} items: a server that "
        "ignores `start`?",
        path=address,
    )


def items_path(rest: str, address: str) -> str:
    """The API path of an address's top-level items."""
    match = _LIBRARY.fullmatch(rest.strip("/"))
    if not match:
        raise PaperclubError(
            f"not a Zotero library; the forms are {DESCRIPTION.partition(': ')[2]} (a "
            "library's number is in its zotero.org address, or under Settings > Feeds/API)",
            path=address,
        )
    if match.group("key"):
        return f"{match.group('library')}/collections/{match.group('key')}/items/top"
    return f"{match.group('library')}/items/top"


def api_key() -> str | None:
    """ZOTERO_API_KEY, else the password of `machine api.zotero.org` in ~/.netrc; None
    without either (a public library needs none). Never shown: a ~/.netrc that cannot be
    read is named, not quoted."""
    key = os.environ.get(KEY_ENV, "").strip()
    if key:
        return key
    path = Path(os.path.expanduser("~/.netrc"))
    if not path.is_file():
        return None
    try:
        found = netrc.netrc().authenticators(NETRC_HOST)  # ~/.netrc, owner-only checked
    except (netrc.NetrcParseError, OSError, UnicodeDecodeError) as e:
        # a parse error quotes the token it stopped at, which may be a secret: not shown
        why = getattr(e, "msg", "")
        why = f": {why.split(':')[0]}" if "permissive" in why else ""
        raise PaperclubError(
            f"cannot read it for the Zotero API key of machine {NETRC_HOST}{why}",
            path=path,
            line=getattr(e, "lineno", None),
        ) from None
    if found is None:
        return None
    login, _, password = found
    return (password or login or "").strip() or None


def _items(body: bytes, address: str) -> list[dict[str, Any]]:
    try:
        data = json.loads(body)
    except (ValueError, RecursionError):
        start = body[:200].decode("utf-8", "replace").lstrip()
        what = "an HTML page" if start[:1] == "<" else f"not JSON ({quoted(one_line(start, 60))})"
        raise PaperclubError(f"the answer is {what}, not Zotero's items", path=address) from None
    if not isinstance(data, list) or not all(
        isinstance(i, dict) and isinstance(i.get("data"), dict) for i in data
    ):
        raise PaperclubError(
            f"the answer is {kind(data, a_mapping='an object')}, not a list of Zotero items",
            path=address,
        )
    return data


def paper(item: dict[str, Any]) -> dict[str, Any] | None:
    """A Zotero item (format=json) as an item of paperclub's JSON; None for what is not a
    paper (a note, an attachment, an item without a title)."""
    data = item["data"]
    title = _text(data.get("title"))
    if data.get("itemType") in NOT_PAPERS or not title:
        return None
    extra_lines = _extra_fields(data.get("extra"))
    url = _text(data.get("url"))
    doi = ids.doi(_text(data.get("DOI"))) or ids.doi(extra_lines.get("doi"))
    arxiv = (
        ids.arxiv_id(_text(data.get("archiveID")) or None)
        or arxiv_from_url(url)
        or (ids.arxiv_id(doi) if doi and doi.startswith("10.48550/") else None)
        or ids.arxiv_id(extra_lines.get("arxiv"))
    )
    published, precision = _parsed_date(_text((item.get("meta") or {}).get("parsedDate")))
    links = {}
    if url:
        links[url_kind(url)] = url
    if doi:
        links.setdefault("doi", f"https://doi.org/{doi}")
    if arxiv:
        links.setdefault("abs", f"https://arxiv.org/abs/{arxiv}")
    extra: dict[str, Any] = {}
    if precision:
        extra["date_precision"] = precision
    venue = next((_text(data.get(k)) for k in VENUES if _text(data.get(k))), "")
    for key, value in (
        ("venue", venue),
        ("publisher", _text(data.get("publisher"))),
        ("volume", _text(data.get("volume"))),
        ("pages", _text(data.get("pages"))),
        ("zotero_key", _text(data.get("key") or item.get("key"))),
        ("zotero_type", _text(data.get("itemType"))),
    ):
        if value:
            extra[key] = value
    tags = [_text(t.get("tag")) for t in data.get("tags") or [] if isinstance(t, dict)]
    result: dict[str, Any] = {
        "title": title,
        "abstract": _text(data.get("abstractNote")),
        "authors": _authors(data.get("creators")),
        "published": published.isoformat() if published else None,
        "doi": doi,
        "arxiv_id": arxiv,
        "links": links,
        "keywords": list(dict.fromkeys(t for t in tags if t)),
        "extra": extra,
    }
    return {key: value for key, value in result.items() if value not in (None, "", [], {})}


def _text(value: object) -> str:
    return " ".join(value.split()) if isinstance(value, str) else ""


def _authors(creators: object) -> list[str]:
    names = []
    for creator in creators if isinstance(creators, list) else []:
        if not isinstance(creator, dict) or creator.get("creatorType") != "author":
            continue
        name = _text(creator.get("name")) or " ".join(
            n for n in (_text(creator.get("firstName")), _text(creator.get("lastName"))) if n
        )
        if name:
            names.append(name)
    return names


def _extra_fields(extra: object) -> dict[str, str]:
    """Zotero's Extra field holds `Key: value` lines for fields an item type lacks
    (`DOI: 10...`, `arXiv: 2401.01234`); lower-cased keys -> values."""
    fields: dict[str, str] = {}
    for line in extra.splitlines() if isinstance(extra, str) else []:
        key, sep, value = line.partition(":")
        if sep and key.strip():
            fields.setdefault(key.strip().lower(), value.strip())
    return fields


def _parsed_date(text: str) -> tuple[date | None, str | None]:
    """Zotero's parsedDate: 2011-01-07, 1992-05, 1992, or with 00 for an unknown month or
    day (1992-00-00); the date and "year"/"month" when it is not a whole one."""
    match = re.fullmatch(r"(\d{4})(?:-(\d{2}))?(?:-(\d{2}))?", text)
    if not match:
        return None, None
    year, month, day = (int(g) if g else 0 for g in match.groups())
    try:
        if month and day:
            return date(year, month, day), None
        if month:
            return date(year, month, 1), "month"
        return (date(year, 1, 1), "year") if year else (None, None)
    except ValueError:
        return None, None


@hookimpl(trylast=True)
def paperclub_register_addresses(register: Callable[[Address], None]) -> None:
    register(Address(SCHEME, DESCRIPTION, fetch))
