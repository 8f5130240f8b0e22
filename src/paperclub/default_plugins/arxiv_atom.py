"""Source: an arXiv API result (an Atom feed from export.arxiv.org/api/query), saved to a file.

    <feed xmlns="http://www.w3.org/2005/Atom">
      <opensearch:totalResults ...>2</opensearch:totalResults>
      <entry>
        <id>http://arxiv.org/abs/2401.01234v2</id>
        <updated>2024-02-01T10:00:00Z</updated>
        <published>2024-01-03T18:59:59Z</published>
        <title>A title, hard-wrapped
          and indented</title>
        <summary>  The abstract, hard-wrapped too. </summary>
        <author><name>Ada Lovelace</name><arxiv:affiliation>...</arxiv:affiliation></author>
        <arxiv:doi>10.1000/xyz</arxiv:doi>
        <link href="http://arxiv.org/abs/2401.01234v2" rel="alternate" type="text/html"/>
        <link title="pdf" href="http://arxiv.org/pdf/2401.01234v2" rel="related"/>
        <link title="doi" href="http://dx.doi.org/10.1000/xyz" rel="related"/>
        <arxiv:primary_category term="cs.LG" scheme="http://arxiv.org/schemas/atom"/>
        <arxiv:comment>12 pages</arxiv:comment>
        <arxiv:journal_ref>J. Foo 1 (2024) 2</arxiv:journal_ref>
        <category term="stat.ML" .../><category term="cs.LG" .../>
      </entry>
    </feed>

The feed is parsed as a stream with expat (what ElementTree parses with), one entry at a time:
each entry is built as an ElementTree element, read, and dropped, so a feed of any size takes
the memory of one entry, and every entry knows the line it starts on. A DOCTYPE is refused
before anything in it is read: entities declared there are how XML bombs (a billion laughs)
and external entity tricks work, and an arXiv feed never has one.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from datetime import date, datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING

from paperclub import ids
from paperclub.errors import PaperclubError
from paperclub.hookspecs import hookimpl
from paperclub.latex import decode
from paperclub.messages import quoted, shown
from paperclub.models import Paper

if TYPE_CHECKING:
    from xml.etree.ElementTree import Element, TreeBuilder

    from paperclub.registry import Source
    from paperclub.sourcefile import SourceFile

ATOM = "http://www.w3.org/2005/Atom"
ARXIV = "http://arxiv.org/schemas/atom"
FEED = f"{{{ATOM}}}feed"
ENTRY = f"{{{ATOM}}}entry"
VERSION = re.compile(r"v(\d+)$")
CHUNK = 1 << 16


class Refused(PaperclubError):
    """A feed that is not read at all (a DOCTYPE), as opposed to one that is malformed."""


class ArxivAtom:
    name = "arxiv-atom"
    description = "arXiv API results: an Atom feed from export.arxiv.org/api/query"

    def detect(self, path: Path, head: str) -> bool:
        start = head.lstrip()[:4096]
        return (
            start.startswith("<")
            and "<feed" in start
            and ATOM in start
            and ("arxiv.org/schemas/atom" in head or "arxiv.org/api" in head)
        )

    def read(self, file: SourceFile, as_of: date | None) -> Iterator[Paper | PaperclubError]:
        return read_feed(file)


def read_feed(file: SourceFile) -> Iterator[Paper | PaperclubError]:
    """Every entry of the feed in `file`: a Paper, or a PaperclubError at the entry's line."""
    reader = FeedReader(file.path)
    with file.open_binary() as f:
        while True:
            chunk = f.read(CHUNK)
            yield from reader.feed(chunk, final=not chunk)
            if not chunk:
                break


class FeedReader:
    """A feed read as its bytes come: `feed(data)` gives the entries that `data` finished,
    `feed(b"", final=True)` ends the feed. read_feed reads a file through it; the arxiv:
    address feeds it each page while it waits out arXiv's pace, so the same bytes give the
    same records, lines and errors either way. `path` is the file the errors name."""

    def __init__(self, path: Path | None) -> None:
        from xml.etree.ElementTree import TreeBuilder
        from xml.parsers import expat

        self.tree_builder = TreeBuilder  # imported when a feed is read, not with the plugin

        self.path = path
        self.parser = parser = expat.ParserCreate(namespace_separator="}")
        parser.buffer_text = True
        parser.ordered_attributes = False
        parser.StartDoctypeDeclHandler = self._refuse
        parser.EntityDeclHandler = self._refuse
        parser.StartElementHandler = self._start
        parser.EndElementHandler = self._end
        parser.CharacterDataHandler = self._text
        self.done: list[Paper | PaperclubError] = []  # entries finished by the data fed
        self.depth = 0
        self.root_checked = False
        self.builder: TreeBuilder | None = None  # the entry being read
        self.entry_line = 0

    def feed(self, data: bytes, final: bool = False) -> Iterator[Paper | PaperclubError]:
        """The entries finished by `data`, then (for a feed that is not well-formed) the
        error naming its line."""
        from xml.parsers import expat

        try:
            self.parser.Parse(data, final)
        except expat.ExpatError as e:
            yield from self._finished()
            raise PaperclubError(
                f"not well-formed XML: {expat.errors.messages[e.code]} (column {e.offset + 1})",
                path=self.path,
                line=e.lineno,
            ) from None
        except LookupError as e:  # <?xml encoding="..."?> names a codec Python lacks
            yield from self._finished()
            raise PaperclubError(
                f"cannot read the XML: {e}",
                path=self.path,
                line=self.parser.CurrentLineNumber or 1,
            ) from None
        yield from self._finished()
        if final and not self.root_checked:
            raise PaperclubError("not an Atom feed: no XML elements", path=self.path)

    def _finished(self) -> list[Paper | PaperclubError]:
        done, self.done = self.done, []
        return done

    def _refuse(self, *_args: object) -> None:
        raise Refused(
            "refusing a DOCTYPE declaration: it can declare entities (an XML bomb) "
            "and an arXiv feed has none",
            path=self.path,
            line=self.parser.CurrentLineNumber,
        )

    def _start(self, tag: str, attrs: dict[str, str]) -> None:
        tag = "{" + tag if "}" in tag else tag
        self.depth += 1
        if not self.root_checked:
            self.root_checked = True
            if tag != FEED:
                raise PaperclubError(
                    f"not an Atom feed: the document is a <{_local(tag)}>",
                    path=self.path,
                    line=self.parser.CurrentLineNumber,
                )
        if self.builder is None:
            if self.depth == 2 and tag == ENTRY:
                self.builder = self.tree_builder()
                self.entry_line = self.parser.CurrentLineNumber
            else:
                return
        self.builder.start(
            tag, {(k[k.index("}") + 1 :] if "}" in k else k): v for k, v in attrs.items()}
        )

    def _end(self, tag: str) -> None:
        self.depth -= 1
        if self.builder is None:
            return
        self.builder.end("{" + tag if "}" in tag else tag)
        if self.depth == 1:
            self.done.append(entry_paper(self.builder.close(), self.path, self.entry_line))
            self.builder = None

    def _text(self, data: str) -> None:
        if self.builder is not None:
            self.builder.data(data)


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def entry_paper(entry: Element, path: Path | None, line: int) -> Paper | PaperclubError:
    """The paper of one <entry>, or the error that says why it is not one."""
    raw_id = _text(entry, f"{{{ATOM}}}id")
    title = _text(entry, f"{{{ATOM}}}title", latex=True)
    summary = _text(entry, f"{{{ATOM}}}summary", latex=True)
    if "api/errors" in raw_id and title == "Error":
        return PaperclubError(
            f"the arXiv API answered with an error: {quoted(summary or raw_id)}",
            path=path,
            line=line,
        )
    if not raw_id:
        return PaperclubError("entry has no <id>", path=path, line=line)
    if not title:
        return PaperclubError(f"entry {quoted(raw_id)} has no <title>", path=path, line=line)
    arxiv = ids.arxiv_id(raw_id)
    if arxiv is None:
        return PaperclubError(f"entry id {shown(raw_id)} is not an arXiv id", path=path, line=line)

    extra: dict = {}
    version = VERSION.search(raw_id)
    if version:
        extra["arxiv_version"] = "v" + version.group(1)
    published = None
    stamp = _text(entry, f"{{{ATOM}}}published")
    if stamp:
        try:
            published = _utc_date(stamp)
        except ValueError:
            return PaperclubError(
                f"entry {quoted(raw_id)}: cannot read the date {shown(stamp)} of <published>",
                path=path,
                line=line,
            )
    for key, tag, latex in (
        ("updated", f"{{{ATOM}}}updated", False),
        ("comment", f"{{{ARXIV}}}comment", True),
        ("journal_ref", f"{{{ARXIV}}}journal_ref", True),
    ):
        value = _text(entry, tag, latex)
        if value:
            extra[key] = value

    authors = []
    affiliations: dict[str, list[str]] = {}
    for author in entry.iterfind(f"{{{ATOM}}}author"):
        name = _text(author, f"{{{ATOM}}}name", latex=True)
        if not name:
            continue
        authors.append(name)
        where = [
            a for a in (_clean(e.text) for e in author.iterfind(f"{{{ARXIV}}}affiliation")) if a
        ]
        if where:
            affiliations[name] = where
    if affiliations:
        extra["affiliations"] = affiliations

    primary = entry.find(f"{{{ARXIV}}}primary_category")
    terms = [primary.get("term")] if primary is not None else []
    terms += [c.get("term") for c in entry.iterfind(f"{{{ATOM}}}category")]
    keywords = tuple(dict.fromkeys(t.strip() for t in terms if t and t.strip()))

    doi = ids.doi(_text(entry, f"{{{ARXIV}}}doi"))
    links: dict[str, str] = {}
    for link in entry.iterfind(f"{{{ATOM}}}link"):
        href = (link.get("href") or "").strip()
        if not href:
            continue
        kind = (
            "pdf"
            if link.get("title") == "pdf"
            else "doi"
            if link.get("title") == "doi"
            else "abs"
            if link.get("rel") == "alternate"
            else None
        )
        if kind:
            links.setdefault(kind, href)

    return Paper(
        id=ids.paper_id(arxiv, doi, title),
        title=title,
        abstract=summary,
        authors=tuple(authors),
        author_count=len(authors) or None,
        published=published,
        links=links,
        keywords=keywords,
        arxiv_id=arxiv,
        doi=doi,
        extra=extra,
    )


def _text(element: Element, tag: str, latex: bool = False) -> str:
    """The text of `element`'s first `tag` child ("" when none), whitespace collapsed and,
    with `latex`, LaTeX decoded (titles, abstracts and names are written in LaTeX)."""
    child = element.find(tag)
    if child is None:
        return ""
    return _clean(decode(child.text or "") if latex else child.text)


def _clean(text: str | None) -> str:
    return " ".join(text.split()) if text else ""


def _utc_date(stamp: str) -> date:
    """The UTC date of an Atom timestamp (the API's are UTC "Z"; older feeds had offsets), as
    the arXiv snapshot's version dates are."""
    moment = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    if moment.tzinfo is not None:
        moment = moment.astimezone(timezone.utc)
    return moment.date()


@hookimpl(trylast=True)
def paperclub_register_sources(register: Callable[[Source], None]) -> None:
    register(ArxivAtom())
