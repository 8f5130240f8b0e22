"""The file a source reads: sources open it through here, so the host counts the bytes read
(a progress bar for large files) and decodes text the same way for all, with an error naming
the line and column of a byte that is not UTF-8."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path
from typing import Any, BinaryIO, TextIO

from paperclub.errors import PaperclubError

BOM = b"\xef\xbb\xbf"


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
        """The whole file as open_text() reads it; bytes that are not UTF-8 are an error
        naming their line and column."""
        with self.open_binary() as f:
            data = f.read()
        if data.startswith(BOM):
            data = data[len(BOM) :]
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as e:
            line, column = line_column(data, e.start)
            raise PaperclubError(
                f"not UTF-8 text: {e.reason} (byte 0x{data[e.start]:02x} at column {column})",
                path=self.path,
                line=line,
            ) from None
        if "\r" in text:  # universal newlines, as open_text()
            text = text.replace("\r\n", "\n").replace("\r", "\n")
        return text


def line_column(data: bytes, offset: int) -> tuple[int, int]:
    """The line and column (from 1, in bytes) of a byte offset; CR, LF and CRLF end lines."""
    before = data[:offset]
    line = before.count(b"\n") + before.count(b"\r") - before.count(b"\r\n") + 1
    start = max(before.rfind(b"\n"), before.rfind(b"\r")) + 1
    return line, offset - start + 1


class _CountingReader(io.RawIOBase):
    def __init__(self, raw: io.RawIOBase, file: SourceFile):
        self.raw, self.file, self.done = raw, file, 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:  # a writable buffer (memoryview, bytearray)
        n = self.raw.readinto(buffer) or 0
        self.done += n
        if self.file.progress is not None:
            self.file.progress(self.done, self.file.size)
        return n

    def close(self) -> None:
        self.raw.close()
        super().close()
