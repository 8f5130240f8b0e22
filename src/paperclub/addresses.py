"""Addresses as sources: `arxiv:2410.17243`, `https://example.org/refs.bib`, any `scheme:rest`
whose scheme a plugin registers (`paperclub_register_addresses`). An address is fetched into
a file of the workspace's cache (written only when its bytes change, so the catalog skips an
unchanged one as it does any file) and then imported like a file, labelled with the address.

The cache sits beside the catalog, in `.paperclub-cache/`: `addresses/` holds what each
address gave, `http/` the HTTP cache the Fetcher revalidates (see fetch.py)."""

from __future__ import annotations

import hashlib
import os
import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from paperclub.errors import PaperclubError
from paperclub.files import atomic_write

if TYPE_CHECKING:
    from datetime import date

    from paperclub.fetch import Fetcher
    from paperclub.models import Paper
    from paperclub.registry import Registry, Source
    from paperclub.sourcefile import SourceFile

    Records = list[Paper | PaperclubError]

CACHE = ".paperclub-cache"
WEB = ("https", "http")  # built in: a file on the web, its format detected as for files
# `arxiv:...`: a scheme is a word of two or more letters (so `C:\refs.bib` is a path)
# the start of a web page (an error page sent with 200 OK), where a data file was asked for
HTML = re.compile(rb"\s*(\xef\xbb\xbf)?\s*<(!doctype\s+html|html[\s>]|head[\s>])", re.IGNORECASE)
SCHEME = re.compile(r"([a-z][a-z0-9+.-]+):(.*)", re.IGNORECASE | re.DOTALL)


@dataclass(frozen=True)
class Address:
    """A kind of address, registered by `paperclub_register_addresses`."""

    scheme: str  # "arxiv": the addresses `arxiv:...`
    description: str  # one line for docs and errors: the forms it takes
    # the text after "scheme:" and the Fetcher -> (content, the name of a registered source
    # that reads it, e.g. "arxiv-atom"); several pages are combined into ONE content, so an
    # address imports all or nothing. Optionally a third item: the records of the content
    # as that source reads it, read while waiting between pages (see PrereadSource)
    fetch: Callable[[str, Fetcher], tuple[bytes, str] | tuple[bytes, str, Records]]


def cache_dir(catalog: Path) -> Path:
    """The workspace's cache: beside the catalog."""
    return catalog.parent / CACHE


def split(arg: str, schemes: Callable[[], Registry] | None = None) -> tuple[str, str] | None:
    """(scheme, rest) when `arg` is an address, else None: `https://...`, or `scheme:rest`
    with a registered scheme (`schemes()` gives them, asked only for a `word:` argument)."""
    match = SCHEME.fullmatch(arg)
    if match is None:
        return None
    scheme, rest = match.group(1).lower(), match.group(2)
    if scheme in WEB and rest.startswith("//"):
        return scheme, arg
    if schemes is not None and scheme not in WEB and scheme in schemes():
        return scheme, rest
    return None


@dataclass
class Resolver:
    """Turns addresses into files of the cache for `sources.resolve`.

    `always`: fetch even when the cache has the address (`paperclub import`), else only when
    it has not, or its copy is older than `max_age` (`catalog.refresh`); `offline`: never
    fetch, an address not in the cache is an error. When a refresh fails and a copy is there,
    the copy is used and `warnings` says how old it is."""

    addresses: Callable[[], Registry]  # the registered schemes, built on first use
    cache: Path
    offline: bool = False
    always: bool = False
    max_age: timedelta | None = None
    warnings: list[str] = field(default_factory=list)
    _fetcher: Fetcher | None = None

    def fetcher(self) -> Fetcher:
        if self._fetcher is None:
            from paperclub.fetch import Fetcher

            # a progress bar for addresses of many pages when stderr is a terminal (Fetcher's)
            self._fetcher = Fetcher(self.cache / "http", offline=self.offline)
        return self._fetcher

    def is_address(self, arg: str) -> bool:
        return split(arg, self.addresses) is not None

    def resolve(self, arg: str, sources: Registry) -> tuple[Path, Source, str] | None:
        """The cached file of address `arg`, the source that reads it and its label (the
        address itself), fetching it as needed; None when `arg` is no address."""
        parts = split(arg, self.addresses)
        if parts is None:
            return None
        scheme, rest = parts
        stem = _stem(arg)
        folder = self.cache / "addresses"
        cached = sorted(folder.glob(stem + ".*")) if folder.is_dir() else []
        path = cached[0] if cached else None
        if path is not None and not self._due(path):
            return path, self._source(arg, scheme, path, sources), arg
        if self.offline:
            if path is not None:
                return path, self._source(arg, scheme, path, sources), arg
            raise PaperclubError(
                f"{arg}: not in the cache ({folder}), and --offline fetches nothing: "
                "run it once without --offline"
            )
        try:
            content, suffix, records = self._fetch(arg, scheme, rest, sources)
        except PaperclubError as e:
            if path is None or self.always:
                raise
            self.warnings.append(
                f"{e}; using the copy fetched {_age(time.time() - path.stat().st_mtime)} ago"
            )
            return path, self._source(arg, scheme, path, sources), arg
        new = folder / (stem + suffix)
        # untouched when the bytes are the same; a cache, fetched again if a crash loses it
        atomic_write(new, content, durable=False)
        os.utime(new)  # when it was fetched: what catalog.refresh measures
        for old in cached:
            if old != new:
                old.unlink()
        source = self._source(arg, scheme, new, sources)
        if records is not None:
            source = PrereadSource(source, new, records)
        return new, source, arg

    def _due(self, path: Path) -> bool:
        """Whether the cached copy is to be fetched again."""
        if self.always:
            return True
        if self.max_age is None or self.offline:
            return False
        return time.time() - path.stat().st_mtime >= self.max_age.total_seconds()

    def _fetch(
        self, arg: str, scheme: str, rest: str, sources: Registry
    ) -> tuple[bytes, str, Records | None]:
        """The content of an address, the file name's suffix that tells its format, and the
        records the address read of it, if it did."""
        if scheme in WEB:
            content = self.fetcher().get(arg, what=arg)
            suffix = Path(rest.split("?")[0].split("#")[0]).suffix.lower()
            if suffix not in (".html", ".htm") and HTML.match(content):
                # a server's error or login page, answered with 200 where a file was asked for
                raise PaperclubError(f"{arg}: the server answered with a web page, not a file")
            suffix = suffix if re.fullmatch(r"\.[a-z0-9]{1,10}", suffix) else ".data"
            return content, suffix, None
        address = self.addresses()[scheme]
        content, fmt, *read = address.fetch(rest, self.fetcher())
        if fmt not in sources:
            raise PaperclubError(
                f"{arg}: the address gave the format {fmt!r}, which no source reads "
                f"(known: {', '.join(sorted(sources))})"
            )
        return content, "." + fmt, read[0] if read else None

    def _source(self, arg: str, scheme: str, path: Path, sources: Registry) -> Source:
        """The source that reads a cached file: the one its address named (the suffix), or
        for a web address the first that recognises it."""
        if scheme not in WEB:
            fmt = path.suffix[1:]
            if fmt in sources:
                return sources[fmt]
        from paperclub.sources import HEAD_SIZE

        with path.open("rb") as f:
            head = f.read(HEAD_SIZE).decode("utf-8", errors="replace").lstrip("\ufeff")
        found = [s for s in sources.values() if s.detect(path, head)]
        if not found:
            raise PaperclubError(
                f"{arg}: cannot tell the format of what it gave (known: "
                f"{', '.join(sorted(sources))}); the first bytes: {head[:60]!r}"
            )
        return found[0]


class PrereadSource:
    """The source of a fetched address whose records the address read as its pages came (the
    arxiv: address, while waiting out arXiv's pace): reading the file it wrote gives those
    records, not a second reading of the same bytes. Anything else is the source's own."""

    def __init__(self, source: Source, path: Path, records: Records) -> None:
        self.source = source
        self.path = path
        self.records = records
        self.name = source.name
        self.description = source.description
        self.version = getattr(source, "version", None)  # in the catalog's import digest

    def detect(self, path: Path, head: str) -> bool:
        return self.source.detect(path, head)

    def read(self, file: SourceFile, as_of: date | None) -> Iterator[Paper | PaperclubError]:
        if file.path != self.path:
            return self.source.read(file, as_of)
        if file.progress is not None:
            file.progress(file.size, file.size)  # read already, all of it
        for record in self.records:
            if isinstance(record, PaperclubError) and record.path is None:
                record.path = str(self.path)  # the file it was read from, as a reading says
        return iter(self.records)


def _stem(arg: str) -> str:
    """The cache file's name for an address, without its suffix: readable and unique."""
    readable = re.sub(r"[^A-Za-z0-9]+", "-", arg).strip("-")[:60]
    return f"{readable}-{hashlib.sha256(arg.encode()).hexdigest()[:12]}"


def _age(seconds: float) -> str:
    """`3 days`, `5 hours`, `12 minutes`: how old a cached copy is."""
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= size:
            n = int(seconds // size)
            return f"{n} {unit}{'s' if n != 1 else ''}"
    return "less than a minute"
