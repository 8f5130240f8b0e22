"""Small text helpers shared by the sources and emitters."""

from __future__ import annotations

import re
import unicodedata
from datetime import datetime
from urllib.parse import quote

DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def slugify(title: str) -> str:
    """A paper id from its title: lower-case ASCII words joined by hyphens.

    Titles that differ only in case, accents or punctuation get the same slug, which is how
    the catalog recognises the same paper arriving without an arXiv id or DOI.
    """
    if not title.isascii():
        title = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    return _NOT_WORD.sub("-", title.lower()).strip("-") or "untitled"


_NOT_WORD = re.compile(r"[^a-z0-9]+")


# C0 and C1 control characters but tab and newline, and the bidirectional embeddings,
# overrides and isolates, which make text display other than it reads ("Trojan Source")
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def printable(text: str) -> str:
    """`text` as outputs show it: line breaks as \\n, control characters dropped. Right-to-left
    scripts and emoji pass as they are. (An error message shows them escaped instead, as
    `messages.quoted` and `messages.one_line` do: there they are what is wrong.)"""
    return _CONTROL.sub("", str(text).replace("\r\n", "\n").replace("\r", "\n"))


def one_line(text: str) -> str:
    """Printable text on one line, runs of white space as one space."""
    return " ".join(printable(text).split())


def web_url(url: str | None) -> str | None:
    """The URL when it is a web address (http or https, no white space or control
    characters), else None: a link such as `javascript:...` never becomes a link."""
    if not url:
        return None
    url = str(url).strip()
    if _CONTROL.search(url) or any(c.isspace() for c in url):
        return None
    scheme, _, rest = url.partition("://")
    if scheme.lower() not in ("http", "https") or not rest or rest.startswith("/"):
        return None
    # characters a URL may not hold as they are (<, >, ", `, {, }, ...) percent-encoded, so the
    # address is one token in every output (a Markdown <link>, an ICS URI, an href)
    return quote(url, safe=":/?#[]@!$&'()*+,;=%~")


def paper_url(links: dict[str, str]) -> str | None:
    """The link a paper's title takes: its abstract page, else its PDF (web addresses only)."""
    return web_url(links.get("abs")) or web_url(links.get("pdf"))


# A paper's links are a mapping name -> URL. The name is the link's kind (abs, pdf, code, data,
# project, ...); a second link of a kind is `code-2`, a third `code-3`, so a paper keeps every
# link (a library and an experiments repository) and `links.get("code")` is still its first.
_NUMBERED = re.compile(r"-[0-9]+$")


def link_kind(name: str) -> str:
    """The kind of a link named `name` in a paper's links: `code-2` is a code link."""
    return _NUMBERED.sub("", name)


def links_of(links: dict[str, str], kind: str) -> list[str]:
    """Every URL of a kind, the first first (`code`, `code-2`, ..., `code-10`)."""
    named = [(name, url) for name, url in links.items() if link_kind(name) == kind]
    return [url for name, url in sorted(named, key=lambda n: _number(n[0]))]


def add_link(links: dict[str, str], kind: str, url: str) -> None:
    """Add `url` to `links` as a link of `kind` (the next free name: `code`, `code-2`, ...),
    unless it is there already."""
    if url in links.values():
        return
    name, n = kind, 1
    while name in links:
        n += 1
        name = f"{kind}-{n}"
    links[name] = url


def _number(name: str) -> int:
    match = _NUMBERED.search(name)
    return int(match.group()[1:]) if match else 1


def day_label(moment: datetime) -> str:
    """`Thu 3 Dec 2026`, the same in every locale (strftime's names follow the locale)."""
    return f"{DAYS[moment.weekday()]} {moment.day} {MONTHS[moment.month - 1]} {moment.year}"


def plural(n: int, word: str, words: str | None = None) -> str:
    """`1 paper`, `2 papers`."""
    return f"{n} {word if n == 1 else words or word + 's'}"
