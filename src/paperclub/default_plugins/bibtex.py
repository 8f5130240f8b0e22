"""Source: BibTeX, as Zotero, Better BibTeX, Mendeley, Google Scholar and DBLP export it.

Read with bibtexparser 2 (the optional extra: `pip install 'paperclub[bibtex]'`), whose
middlewares resolve `@string` macros, split the author names and decode LaTeX (through
pylatexenc: `{\\"o}` is ö, `{BERT}` is BERT). Per entry:

* the key and type go to extra["bibtex_key"] and extra["bibtex_type"];
* title and abstract, LaTeX decoded, braces dropped, whitespace collapsed;
* authors as "First Last" ("and others" dropped; author_count then unknown);
* published from `date` (2017-06-12, 2017-06 or 2017) or `year` and `month` (jun, 6, June);
  a year alone is January 1, and extra["date_precision"] says "year", "month" or "day";
* the DOI from `doi` or a doi.org `url`;
* the arXiv id from `eprint` (with `eprinttype = {arXiv}` or `archivePrefix = {arXiv}`),
  Mendeley's `arxivId`, a `journal`, `note` or `number` such as "arXiv:1706.05125 [cs]" or
  "arXiv preprint arXiv:1706.05125", an arxiv.org `url`, or an arXiv DOI (10.48550/arXiv.*);
* keywords from `keywords` (split at commas or semicolons) and Mendeley's `mendeley-tags`;
* links: the `url` (abs for an arxiv.org/abs URL), a PDF from the `file` field when it is a
  URL (local paths are left out), the DOI's URL, and the arXiv page of an arXiv id;
* extra: journal (or biblatex's journaltitle), booktitle, venue, publisher, volume, pages
  and note.

A block bibtexparser cannot parse, an entry without a title, a key used twice or a date
that is not one are errors naming the file, the line and the entry key; a file without any
entry (`--format bibtex notes.txt`) is an error too, not 0 papers.
"""

from __future__ import annotations

import functools
import logging
import re
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeGuard

from paperclub import ids
from paperclub.errors import PaperclubError
from paperclub.hookspecs import hookimpl
from paperclub.messages import one_line, quoted, shown
from paperclub.models import Paper
from paperclub.records import arxiv_from_url, collapse, doi_from_url, parse_date, unique, url_kind

if TYPE_CHECKING:
    # the optional extra's types: read as Any where bibtexparser is not installed
    from bibtexparser import Library
    from bibtexparser.middlewares import LatexDecodingMiddleware
    from bibtexparser.model import Block, Entry, ParsingFailedBlock

    from paperclub.registry import Source
    from paperclub.sourcefile import SourceFile

INSTALL = "pip install 'paperclub[bibtex]'"
# An entry opening its line: `@article{key,` (or `@misc(key,`); or a @string/@comment/@preamble.
ENTRY_START = re.compile(
    r"^[ \t]*@[ \t]*(?:\w+[ \t]*[{(][ \t]*[^\s,={}()\"#%']+[ \t]*,"
    r"|(?:string|comment|preamble)[ \t]*[{(])",
    re.IGNORECASE | re.MULTILINE,
)
BLOCK_KEY = re.compile(r"^\s*@\s*(\w+)\s*[{(]\s*([^\s,={}()\"#%']*)")
# Fields whose LaTeX is decoded; the others (url, doi, file, eprint...) are kept as written,
# as decoding would drop what follows a `%` in a URL or turn `~` into a space.
DECODED = frozenset(
    {
        "title",
        "abstract",
        "author",
        "keywords",
        "mendeley-tags",
        "journal",
        "journaltitle",
        "booktitle",
        "venue",
        "publisher",
        "volume",
        "pages",
        "note",
        "month",
        "year",
        "date",
    }
)
EXTRA = ("journal", "booktitle", "venue", "publisher", "volume", "pages", "note")
MONTHS = (
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
)
_ESCAPED = re.compile(r"\{?\\([_%&#$~])\}?")  # \_ and {\_} in URLs and paths
_URL_MACRO = re.compile(r"^\\url\s*\{(.*)\}$", re.DOTALL)


class BibTeX:
    name = "bibtex"
    description = "BibTeX (.bib) from Zotero, Better BibTeX, Mendeley, Google Scholar"

    def detect(self, path: Path, head: str) -> bool:
        if path.suffix.lower() == ".bib":
            return True
        if head.lstrip()[:1] in ("<", "[", "{"):
            return False  # HTML or JSON, whatever it quotes
        return bool(ENTRY_START.search(head))

    def read(self, file: SourceFile, as_of: date | None) -> Iterator[Paper | PaperclubError]:
        path = file.path
        try:
            import bibtexparser  # noqa: F401 - an optional extra
        except ImportError:
            raise PaperclubError(
                f"reading BibTeX needs bibtexparser: {INSTALL}", path=path
            ) from None
        library = parse(file.read_text())
        if not any(_is_entry(b) or _is_failed(b) for b in library.blocks):
            # `--format bibtex notes.txt`: nothing to import is a mistake, not 0 papers
            raise PaperclubError(
                "no BibTeX entries in the file (an entry starts like @article{key, ...)", path=path
            )
        for block in library.blocks:
            if _is_failed(block):
                yield _block_error(block, path)
            elif _is_entry(block):
                try:
                    yield paper_from_entry(block)
                except _Bad as e:
                    yield PaperclubError(
                        f"entry {quoted(block.key, 80)}: {e.message}",
                        path=path,
                        line=e.line or _line(block),
                    )


def parse(text: str) -> Library:
    """The bibtexparser Library of `text`: macros resolved, enclosing braces removed, field
    names lower-cased, names split and merged first-name-first, LaTeX decoded."""
    import bibtexparser
    from bibtexparser import middlewares as m

    # bibtexparser logs each failed block (with lines counted from 0); they are reported as
    # errors here, so keep its log off the terminal unless the application logs.
    log = logging.getLogger("bibtexparser")
    if not any(isinstance(h, logging.NullHandler) for h in log.handlers):
        log.addHandler(logging.NullHandler())
    return bibtexparser.parse_string(
        text,
        append_middleware=[
            m.NormalizeFieldKeys(),
            m.SeparateCoAuthors(),
            m.SplitNameParts(),
            m.MergeNameParts(style="first"),
            _decoding_middleware(),
        ],
    )


_DECODER: LatexDecodingMiddleware | None = None


def _decoding_middleware() -> LatexDecodingMiddleware:
    """bibtexparser's LatexDecodingMiddleware, for the DECODED fields only, and for lists of
    names (which it leaves alone); one instance, as building its decoder takes a while."""
    global _DECODER
    if _DECODER is not None:
        return _DECODER
    from bibtexparser.middlewares import LatexDecodingMiddleware

    class SomeFields(LatexDecodingMiddleware):
        def transform_entry(self, entry: Entry, library: Library) -> Block:
            every = entry.fields
            entry.fields = [f for f in every if f.key in DECODED]
            errors: list[str] = []
            for field in entry.fields:
                if isinstance(field.value, list) and all(isinstance(v, str) for v in field.value):
                    decoded = [self._transform_python_value_string(v) for v in field.value]
                    enclosing = field.enclosing  # the value setter resets it
                    field.value = [value for value, _ in decoded]
                    field.enclosing = enclosing
                    errors += [error for _, error in decoded]
            try:
                result = super().transform_entry(entry, library)
            finally:
                entry.fields = every
            errors = [e for e in errors if e]
            if errors and result is entry:
                from bibtexparser.exceptions import PartialMiddlewareException
                from bibtexparser.model import MiddlewareErrorBlock

                return MiddlewareErrorBlock(entry, PartialMiddlewareException(errors))
            return result

        def _transform_python_value_string(self, python_string: str) -> tuple[str, str]:
            if not needs_decoding(python_string):
                return python_string, ""
            if not has_macros(python_string):
                # Braces around plain text (Zotero's `{BERT}`, `{{Is All}}`) only go.
                return python_string.replace("{", "").replace("}", ""), ""
            return self._decode(python_string)

        @functools.lru_cache(maxsize=4096)  # noqa: B019 - one instance, kept for good
        def _decode(self, python_string: str) -> tuple[str, str]:
            # A bare % or & is text in an exported abstract, not a comment or a table cell.
            return super()._transform_python_value_string(
                re.sub(r"(?<!\\)([%&])", r"\\\1", python_string)
            )

    _DECODER = SomeFields()
    return _DECODER


def needs_decoding(text: str) -> bool:
    """Whether LaTeX decoding could change `text` (most values have no LaTeX at all, and
    decoding a long abstract takes milliseconds)."""
    return "{" in text or "}" in text or has_macros(text)


def has_macros(text: str) -> bool:
    """Whether `text` has more LaTeX than braces: macros, math, ties, dashes, quotes."""
    return any(c in text for c in "\\~$%&") or any(
        pair in text for pair in ("--", "''", "``", "!`", "?`")
    )


# -- entries -------------------------------------------------------------------------------


class _Bad(ValueError):
    def __init__(self, message: str, line: int | None = None):
        super().__init__(message)
        self.message, self.line = message, line


def _line(block: Block) -> int | None:
    """bibtexparser counts lines from 0."""
    return block.start_line + 1 if block.start_line is not None else None


def _is_entry(block: Block) -> TypeGuard[Entry]:
    from bibtexparser.model import Entry

    return isinstance(block, Entry)


def _is_failed(block: Block) -> TypeGuard[ParsingFailedBlock]:
    from bibtexparser.model import ParsingFailedBlock

    return isinstance(block, ParsingFailedBlock)


def _block_error(block: ParsingFailedBlock, path: Path) -> PaperclubError:
    """A PaperclubError for a block bibtexparser could not parse (or a middleware failed on)."""
    from bibtexparser.exceptions import BlockAbortedException
    from bibtexparser.middlewares.names import InvalidNameError
    from bibtexparser.model import DuplicateBlockKeyBlock, DuplicateFieldKeyBlock, String

    line = _line(block)
    original = block.ignore_error_block
    match = BLOCK_KEY.match(block.raw or "")
    kind = match.group(1).lower() if match else "entry"
    key = getattr(original, "key", None) or (match.group(2) if match else "")
    key, kind = quoted(key, 80), quoted(kind, 40)
    what = (
        f"@string {key}"
        if isinstance(original, String) or kind == "string"
        else f"entry {key}"
        if key
        else f"@{kind} block"
    )
    error = block.error
    if isinstance(block, DuplicateBlockKeyBlock):
        first = _line(block.previous_block)
        message = (
            f"the key is used twice, on lines {first} and {line} "
            f"(the entry on line {line} is left out)"
        )
    elif isinstance(block, DuplicateFieldKeyBlock):
        fields = ", ".join(quoted(k, 80) for k in sorted(block.duplicate_keys))
        message = f"{fields} given more than once"
    elif isinstance(error, InvalidNameError):
        reason = error.reason[:1].lower() + error.reason[1:]
        message = f"cannot read the name {shown(error.name)}: {one_line(reason)}"
    elif isinstance(error, BlockAbortedException):
        message = f"cannot parse the entry: {one_line(error.abort_reason)}"
    else:
        message = f"cannot read the entry: {one_line(str(error))}"
    return PaperclubError(f"{what}: {message}", path=path, line=line)


def _value(entry: Entry, key: str) -> tuple[str, int | None]:
    """A field's value as text ('' when absent) and its line."""
    field = entry.fields_dict.get(key)
    if field is None or field.value is None:
        return "", None
    value = field.value
    text = " and ".join(value) if isinstance(value, list) else str(value)
    return text.strip(), (field.start_line + 1 if field.start_line is not None else None)


def _verbatim(text: str) -> str:
    """A URL, DOI or path as written: `\\url{...}` unwrapped, `\\_` and `{\\_}` unescaped."""
    text = text.strip()
    match = _URL_MACRO.match(text)
    if match:
        text = match.group(1).strip()
    return _ESCAPED.sub(r"\1", text).replace("\\:", ":").replace("\\;", ";")


def paper_from_entry(entry: Entry) -> Paper:
    """The paper of a parsed (and decoded) entry; raises _Bad for an entry that has none."""
    get = lambda key: _value(entry, key)[0]  # noqa: E731
    title = collapse(get("title"))
    if not title:
        raise _Bad("no title")
    extra: dict[str, Any] = {"bibtex_key": entry.key, "bibtex_type": entry.entry_type.lower()}

    field = entry.fields_dict.get("author")
    names = [collapse(n) for n in field.value] if field is not None else []
    truncated = bool(names) and names[-1].lower() == "others"
    authors = [n for n in names if n and n.lower() != "others"]

    published, precision = _published(entry)
    if precision:
        extra["date_precision"] = precision

    url = _verbatim(get("url"))
    doi = ids.doi(_verbatim(get("doi"))) or doi_from_url(url)
    arxiv = _arxiv(entry, url, doi)

    links: dict[str, str] = {}
    if url:
        links[url_kind(url)] = url
    pdf = _pdf_url(get("file"))
    if pdf:
        links.setdefault("pdf", pdf)
    if doi:
        links.setdefault("doi", f"https://doi.org/{doi}")
    if arxiv:
        links.setdefault("abs", f"https://arxiv.org/abs/{arxiv}")

    keywords = [k for key in ("keywords", "mendeley-tags") for k in re.split(r"[,;]", get(key))]
    for key in EXTRA:
        value = collapse(get(key)) or (collapse(get("journaltitle")) if key == "journal" else "")
        if value:
            extra[key] = value
    return Paper(
        id=ids.paper_id(arxiv, doi, title),
        title=title,
        abstract=collapse(get("abstract")),
        authors=tuple(authors),
        author_count=None if truncated else (len(authors) or None),
        published=published,
        links=links,
        keywords=tuple(unique(collapse(k) for k in keywords)),
        arxiv_id=arxiv,
        doi=doi,
        extra=extra,
    )


def _published(entry: Entry) -> tuple[date | None, str | None]:
    """From `date` (biblatex), else from `year` and `month`."""
    text, line = _value(entry, "date")
    if text:
        try:
            # A range (2017-06-12/2017-06-14) starts on its first date.
            return parse_date(text.split("/")[0])
        except ValueError as e:
            raise _Bad(f"date: {e}", line) from None
    year, line = _value(entry, "year")
    if not year:
        return None, None
    if not re.fullmatch(r"\d{4}", year):
        raise _Bad(f"year: {shown(year)} is not a year", line)
    month_text, line = _value(entry, "month")
    if not month_text:
        return date(int(year), 1, 1), "year"
    month = month_number(month_text)
    if month is None:
        raise _Bad(f"month: {shown(month_text)} is not a month (jan, 1 or January)", line)
    return date(int(year), month, 1), "month"


def month_number(text: str) -> int | None:
    """jan, Jan., January and 1 (or 01) are 1; None for anything else."""
    text = text.strip().rstrip(".").lower()
    if text.isdigit():
        return int(text) if 1 <= int(text) <= 12 else None
    if len(text) >= 3:
        for n, name in enumerate(MONTHS, 1):
            if name.startswith(text):
                return n
    return None


def _arxiv(entry: Entry, url: str, doi: str | None) -> str | None:
    get = lambda key: _value(entry, key)[0]  # noqa: E731
    kind = (get("eprinttype") or get("archiveprefix")).strip().lower()
    candidates = []
    if kind == "arxiv":
        candidates.append(_verbatim(get("eprint")))
    candidates.append(_verbatim(get("arxivid")))  # Mendeley
    # Zotero and Google Scholar: journal = {arXiv:1706.05125 [cs]}, note = {arXiv: ...}
    candidates += [
        get(key)
        for key in ("journal", "note", "number", "howpublished")
        if "arxiv" in get(key).lower()
    ]
    for found in (*(ids.arxiv_id(c) for c in candidates if c), arxiv_from_url(url)):
        if found:
            return found
    if doi and doi.startswith("10.48550/arxiv."):
        return ids.arxiv_id(doi)
    return None


def _pdf_url(file_field: str) -> str | None:
    """The first PDF URL of a `file` field; local paths are no use to anyone else.

    Zotero and JabRef write `description:path:type` items separated by `;` (with `\\:` for
    a colon in the path), Mendeley `:path:pdf`, Better BibTeX bare paths."""
    for item in re.split(r"(?<!\\);", file_field):
        item = _verbatim(item)
        start = re.search(r"https?://", item, re.IGNORECASE)
        if not start:
            continue
        url = item[start.start() :]
        kind = ""
        typed = re.search(r":([A-Za-z]+(?:/[\w.+-]+)?)$", url)
        if typed:
            url, kind = url[: typed.start()], typed.group(1).lower()
        if "pdf" in kind or (not kind and url_kind(url) == "pdf"):
            return url
    return None


@hookimpl(trylast=True)
def paperclub_register_sources(register: Callable[[Source], None]) -> None:
    register(BibTeX())
