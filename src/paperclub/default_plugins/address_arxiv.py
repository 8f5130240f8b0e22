"""Address: `arxiv:...`, papers fetched from the arXiv API (export.arxiv.org/api/query):

    arxiv:2410.17243                     one paper; arxiv:2410.17243,2401.01234 (or spaces): several
    arxiv:"speculative decoding"         a phrase, anywhere in the paper (all:"...")
    arxiv:cat:cs.LG AND ti:serving       any arXiv API query (ti: au: abs: cat: all: AND OR ANDNOT)
    arxiv:list/cs.LG                     the newest listing of a category

The API answers in pages of PAGE_SIZE entries, one request every 3 seconds (arXiv's published
limit for its API); the pages are combined into one Atom feed, which the arxiv-atom source
reads, so an address imports all its papers or none. Each new page's entries are read while
the next request waits out those 3 seconds, and handed to the import with the feed, so it
need not read the feed again: the papers are ready a page after the last one came. The base
address comes from PAPERCLUB_ARXIV_URL (a mirror, the tests' local server)."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from paperclub import ids
from paperclub.addresses import Address
from paperclub.errors import PaperclubError

if TYPE_CHECKING:
    from xml.etree.ElementTree import Element

    from paperclub.default_plugins.arxiv_atom import FeedReader
    from paperclub.fetch import Fetcher
    from paperclub.models import Paper

API = "https://export.arxiv.org/api/query"
# arXiv's terms of use for its API: "no more than one request every three seconds"
INTERVAL = 3.0
# entries per request: arXiv allows up to 2000, and recommends smaller slices; 500 keeps a
# day's listing of a busy category to one or two requests
PAGE_SIZE = 500
# the most results the API pages through (its documented limit); a query matching more is
# an error asking to narrow it, never a silent cut
MAX_RESULTS = 30_000
# arxiv:list/CAT: the submissions of the LISTING_WINDOW before the newest one
LISTING_WINDOW = timedelta(days=1)
TRIES_OF_AN_EMPTY_PAGE = 3  # the API sometimes answers a page with no entries: ask again

ATOM = "{http://www.w3.org/2005/Atom}"
OPENSEARCH = "{http://a9.com/-/spec/opensearch/1.1/}"
FIELD = re.compile(r"\b(ti|au|abs|co|jr|cat|rn|id|all|submittedDate|lastUpdatedDate):")
OPERATOR = re.compile(r"\b(AND|OR|ANDNOT)\b")
ENTRY = re.compile(rb"<entry[\s>].*?</entry>", re.DOTALL)
TOTAL = re.compile(rb"<(?:[\w.-]+:)?totalResults(?:\s[^>]*)?>\s*(\d+)\s*</")


def query(rest: str) -> tuple[dict[str, str], bool]:
    """The API's parameters for the text after `arxiv:`, and whether it is a listing."""
    text = rest.strip()
    if not text:
        raise PaperclubError(
            "arxiv: says nothing to fetch: give ids (arxiv:2410.17243), a query "
            '(arxiv:"speculative decoding") or a listing (arxiv:list/cs.LG)'
        )
    if text.startswith("list/"):
        category = text[len("list/") :].strip("/ ")
        if not ids.is_arxiv_category(category):
            raise PaperclubError(
                f"arxiv:{rest}: {category!r} is not an arXiv category, such as cs.LG or hep-th"
            )
        by_date = {"sortBy": "submittedDate", "sortOrder": "descending"}
        return {"search_query": f"cat:{category}", **by_date}, True
    tokens = [t for t in re.split(r"[\s,]+", text) if t]
    if all(ids.ARXIV.fullmatch(t) for t in tokens):
        return {"id_list": ",".join(tokens)}, False
    if FIELD.search(text) or OPERATOR.search(text):
        search = text
    elif text.startswith('"') and text.endswith('"') and len(text) > 2:
        search = f"all:{text}"
    else:  # plain words: each anywhere in the paper
        search = " AND ".join(f"all:{t}" for t in text.split())
    return {"search_query": search, "sortBy": "submittedDate", "sortOrder": "descending"}, False


def fetch(
    rest: str, fetcher: Fetcher
) -> tuple[bytes, str] | tuple[bytes, str, list[Paper | PaperclubError]]:
    """Every page of the answer to `arxiv:rest`, combined into one arxiv-atom feed, and its
    papers when they were read as the pages came (see Preread)."""
    from paperclub.fetch import HTTPStatusError, base_url

    address = f"arxiv:{rest}"
    params, listing = query(rest)
    url = base_url("arxiv", API)
    parts: list[bytes] = []  # the pages' entries: a page's all in one slice, or a listing's
    preread = Preread(on=INTERVAL > 0)  # with no pace to hide it in, the import reads faster
    kept_count = 0
    header = b""
    total = None
    newest: datetime | None = None
    with fetcher.progress_bar(address) as progress:
        start = 0
        while total is None or start < total:
            page = {**params, "start": str(start), "max_results": str(PAGE_SIZE)}
            for _ in range(TRIES_OF_AN_EMPTY_PAGE):
                try:
                    fetched = fetcher.fetch(url, params=page, interval=INTERVAL, what=address)
                except HTTPStatusError as e:  # a 400 names the problem in an Atom feed
                    said = _api_error(e.body)
                    if said is None:
                        raise
                    raise PaperclubError(f"{address}: {said}") from None
                body = fetched.body
                # a listing's pages give their dates: a tree of each; any other page is
                # checked (without a tree) when it is new, not again when the cache answers
                # (a refresh)
                if listing:
                    feed = _parse(body, address)
                elif not fetched.cached:
                    _check(body, address)
                count = body.count(b"</entry>")
                if count or start == 0:
                    break
            first = ENTRY.search(body)
            if total is None:
                total = _total(body, address)
                if total > MAX_RESULTS and not listing:
                    raise PaperclubError(
                        f"{address}: {total:,} papers match, more than the {MAX_RESULTS:,} the "
                        "arXiv API pages through: narrow the query (AND cat:cs.LG, AND "
                        "submittedDate:[202501010000 TO 202512312359], ...)"
                    )
                header = body[: first.start()] if first else _before_end(body)
                preread.add(header)
                if total > PAGE_SIZE:  # a bar for more than one page
                    progress.total(min(total, MAX_RESULTS))
            if first is None or not count:
                if start >= total:
                    break
                raise PaperclubError(
                    f"{address}: the arXiv API gave no entries from {start} on, of "
                    f"{total} (asked {TRIES_OF_AN_EMPTY_PAGE} times): try again later"
                )
            progress.advance(count)
            if listing:
                found = ENTRY.findall(body, first.start())
                dates = [_published(e, address) for e in feed.iter(f"{ATOM}entry")]
                newest = newest or max(dates)
                kept = [e for e, d in zip(found, dates) if d > newest - LISTING_WINDOW]
                for entry in kept:
                    preread.add(b"\n  " + entry if parts else entry, new=not fetched.cached)
                    parts.append(entry)
                kept_count += len(kept)
                if len(kept) < len(found) or kept_count >= MAX_RESULTS:
                    break
            else:  # the page's entries as they are: from the first's start to the last's end
                part = body[first.start() : body.rfind(b"</entry>") + len(b"</entry>")]
                preread.add(b"\n  " + part if parts else part, new=not fetched.cached)
                parts.append(part)
            start += count
    content = header + b"\n  ".join(parts) + b"\n</feed>\n"
    records = preread.end(b"\n</feed>\n")
    return (content, "arxiv-atom") if records is None else (content, "arxiv-atom", records)


class Preread:
    """The papers of the feed being combined, read piece by piece as the pages come, with the
    arxiv-atom source's own reader fed the feed's bytes in order (the same records, lines and
    errors as reading the file). Done between two requests, this work is hidden by arXiv's
    pace: the next request waits only what is left of INTERVAL. Without a pace (`on` False)
    nothing is read here: the import reads the file faster than this, its parsing done while
    SQLite indexes in a thread of its own. It begins at the first page that is new, so a
    refresh answered by 304s reads nothing (the catalog skips an unchanged feed unread); a
    feed the reader stops on is left to the import, which says why."""

    def __init__(self, on: bool = True) -> None:
        self.waiting: list[bytes] = []  # the feed's bytes not read yet
        self.reader: FeedReader | None = None
        self.records: list[Paper | PaperclubError] = []
        self.stopped = not on  # reading nothing: off, or the reader stopped on the feed

    def add(self, piece: bytes, new: bool = False) -> None:
        if self.stopped:
            return
        self.waiting.append(piece)
        if new and self.reader is None:
            from paperclub.default_plugins.arxiv_atom import FeedReader

            self.reader = FeedReader(None)  # the import names the file the errors are in
        if self.reader is not None:
            self._read()

    def end(self, tail: bytes) -> list[Paper | PaperclubError] | None:
        """The records of the whole feed, `tail` its last bytes; None when none were read."""
        self.add(tail)
        if self.reader is None:
            return None
        self.waiting.append(b"")
        self._read(final=True)
        return None if self.stopped else self.records

    def _read(self, final: bool = False) -> None:
        assert self.reader is not None
        try:
            for piece in self.waiting:
                self.records += self.reader.feed(piece, final=final and not piece)
        except PaperclubError:
            self.stopped, self.reader = True, None
        self.waiting.clear()


def _parse(body: bytes, address: str) -> Element:
    """The feed of one page as a tree, checked as `_check` does."""
    from xml.etree.ElementTree import fromstring

    _check(body, address)
    return fromstring(body)


def _check(body: bytes, address: str) -> None:
    """One page checked: well-formed XML, an Atom <feed>, no API error. With expat and no
    handler but the first element's: a fifth of the time of building the page's tree (a
    page of 500 entries is about 1 MB), which only the pages that are read need."""
    from xml.parsers import expat

    if re.search(rb"<!(DOCTYPE|ENTITY)", body, re.IGNORECASE):
        # entities are how XML bombs work; arXiv's feeds never declare any
        raise PaperclubError(f"{address}: the arXiv API answered with a DOCTYPE, not a feed")
    parser = expat.ParserCreate(namespace_separator="}")
    root: list[str] = []

    def first(tag: str, attrs: dict[str, str]) -> None:
        root.append("{" + tag if "}" in tag else tag)
        parser.StartElementHandler = None  # the rest is only checked, by expat alone

    parser.StartElementHandler = first
    try:
        parser.Parse(body, True)
    except expat.ExpatError as e:
        what = "a web page" if re.match(rb"\s*<(!doctype|html)", body, re.IGNORECASE) else "XML"
        raise PaperclubError(
            f"{address}: the arXiv API answered with {what} that is not an Atom feed ({e})"
        ) from None
    if root[0] != f"{ATOM}feed":
        raise PaperclubError(
            f"{address}: the arXiv API answered with a <{root[0].rpartition('}')[2]}>, "
            "not an Atom feed"
        )
    if b"api/errors" in body:  # rare: read the error feed's words
        error = _api_error(body)
        if error:
            raise PaperclubError(f"{address}: {error}")


def _api_error(body: bytes, feed: Element | None = None) -> str | None:
    """What an arXiv API error feed says (`incorrect id format for abc`), or None."""
    if feed is None:
        try:
            from xml.etree.ElementTree import fromstring

            if re.search(rb"<!(DOCTYPE|ENTITY)", body, re.IGNORECASE):
                return None
            feed = fromstring(body)
        except Exception:
            return None
    for entry in feed.iter(f"{ATOM}entry"):
        if "api/errors" in (entry.findtext(f"{ATOM}id") or ""):
            summary = (entry.findtext(f"{ATOM}summary") or "").strip()
            return f"the arXiv API answered with an error: {summary or 'no reason given'}"
    return None


def _total(body: bytes, address: str) -> int:
    """The feed's opensearch:totalResults, read off the bytes of a page already checked (a
    tree of 1 MB for one number costs more than the rest of a refresh)."""
    match = TOTAL.search(body)
    if match is None:
        raise PaperclubError(
            f"{address}: the arXiv API's feed has no number of results (opensearch:totalResults)"
        )
    return int(match.group(1))


def _published(entry: Element, address: str) -> datetime:
    stamp = (entry.findtext(f"{ATOM}published") or "").strip()
    try:
        return datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    except ValueError:
        raise PaperclubError(
            f"{address}: an entry of the arXiv API's feed has no date (<published>)"
        ) from None


def _before_end(body: bytes) -> bytes:
    """A feed without entries, open for them: all before </feed>."""
    end = body.rfind(b"</feed>")
    return body[:end] if end >= 0 else body


def paperclub_register_addresses(register: Callable[[Address], None]) -> None:
    register(
        Address(
            "arxiv",
            "arXiv papers: arxiv:ID[,ID...], arxiv:QUERY (the arXiv API's syntax, or "
            '"a phrase"), arxiv:list/CATEGORY (the newest listing)',
            fetch,
        )
    )
