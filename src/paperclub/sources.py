"""Which source reads a file (the one named by --format, else the first that recognises the
content), and the file object sources read through. `paperclub:NAME` names a data set
bundled with paperclub, such as `paperclub:sample`."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO, TextIO

from paperclub.errors import PaperclubError
from paperclub.registry import Registry, Source

DATA = Path(__file__).resolve().parent / "data"
BUNDLED_PREFIX = "paperclub:"
HEAD_SIZE = 8192


class SourceFile:
    """The file a source reads. Sources open it through here, so the host can count the
    bytes read (a progress bar for large files) and decode text the same way for all."""

    def __init__(self, path: Path, progress: Callable[[int, int], None] | None = None):
        self.path = path
        self.name = path.name
        self.size = path.stat().st_size
        self.progress = progress

    def open_binary(self) -> BinaryIO:
        raw = _CountingReader(self.path.open("rb", buffering=0), self)
        return io.BufferedReader(raw, buffer_size=1 << 20)

    def open_text(self) -> TextIO:
        """UTF-8 text (a byte order mark is dropped), universal newlines."""
        return io.TextIOWrapper(self.open_binary(), encoding="utf-8-sig", errors="strict")

    def read_text(self) -> str:
        with self.open_text() as f:
            try:
                return f.read()
            except UnicodeDecodeError as e:
                raise PaperclubError(f"not UTF-8 text: {e.reason} at byte {e.start}",
                                     path=self.path) from None


class _CountingReader(io.RawIOBase):
    def __init__(self, raw: io.RawIOBase, file: SourceFile):
        self.raw, self.file, self.done = raw, file, 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        n = self.raw.readinto(buffer) or 0
        self.done += n
        if self.file.progress is not None:
            self.file.progress(self.done, self.file.size)
        return n

    def close(self) -> None:
        self.raw.close()
        super().close()


def resolve(arg: str, sources: Registry, fmt: str | None = None,
            base: Path | None = None) -> tuple[Path, Source, str]:
    """The file, its source and the label its papers record, for an `import` argument.
    A relative path is taken from `base` (a config's folder) when given."""
    if arg.startswith(BUNDLED_PREFIX):
        name = arg[len(BUNDLED_PREFIX):]
        path = DATA / f"{name}.json"
        if not path.is_file():
            known = sorted(p.stem for p in DATA.glob("*.json"))
            raise PaperclubError(f"no bundled data set {arg!r} (known: "
                                 f"{', '.join(BUNDLED_PREFIX + k for k in known)})")
        return path, sources["paperclub-json"], arg
    path = Path(arg)
    if base is not None and not path.is_absolute():
        path = base / path
    if not path.is_file():
        raise PaperclubError("no such file", path=arg)
    if fmt is not None:
        if fmt not in sources:
            raise PaperclubError(f"unknown format {fmt!r} (known: {', '.join(sorted(sources))})")
        source = sources[fmt]
    else:
        with path.open("rb") as f:
            head = f.read(HEAD_SIZE).decode("utf-8", errors="replace").lstrip("\ufeff")
        found = [s for s in sources.values() if s.detect(path, head)]
        if not found:
            raise PaperclubError(f"cannot tell the format; name it with --format "
                                 f"({', '.join(sorted(sources))})", path=arg)
        source = found[0]
    return path, source, f"{source.name}:{path.name}"
