"""The errors paperclub reports to users; the CLI turns each into a message and an exit code."""

from __future__ import annotations

from pathlib import Path


class PaperclubError(Exception):
    """A domain error: bad input, an impossible plan. Exit code 1."""

    exit_code = 1

    def __init__(self, message: str, *, path: str | Path | None = None, line: int | None = None):
        super().__init__(message)
        self.message = message
        self.path = str(path) if path is not None else None
        self.line = line

    def __str__(self) -> str:
        where = ""
        if self.path is not None:
            where = self.path + (f":{self.line}" if self.line is not None else "") + ": "
        return where + self.message


def several(path: str | Path, problems: list[tuple[int | None, str]]) -> PaperclubError:
    """One error for the problems found in a file, in the order of their lines, each on a line
    of its own as `path:line: problem`, so an editor can jump to every one."""
    ordered = sorted(problems, key=lambda p: (p[0] is None, p[0] or 0))
    (line, first), rest = ordered[0], ordered[1:]
    more = "".join("\n" + str(PaperclubError(text, path=path, line=at)) for at, text in rest)
    return PaperclubError(first + more, path=path, line=line)


class PluginError(PaperclubError):
    """A plugin failed to load, or raised in a hook. Its own exit code, so scripts can tell."""

    exit_code = 3


class NotSent(PaperclubError):
    """A message surely did not go out (refused, or the connection failed before it was
    handed over): the send log keeps it due, and the next run sends it."""


class FateUnknown(PaperclubError):
    """A message may have gone out (the connection dropped after it was handed over, a
    timeout waiting for the answer): reported, never sent again on its own."""
