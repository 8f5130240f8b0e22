"""What the register hooks register: sources (importers) and emitters (outputs)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from paperclub.errors import PaperclubError, PluginError
from paperclub.models import Paper, Plan

if TYPE_CHECKING:
    from paperclub.sources import SourceFile


class Source(Protocol):
    """An importer, registered by `paperclub_register_sources`: a format `paperclub import`
    reads."""

    name: str  # what `paperclub import --format` takes
    description: str
    # Optional: `version = 2` when a new release reads more of a file than the last did; the
    # catalog then reads again the files it imported with the earlier version.
    # version: int

    def detect(self, path: Path, head: str) -> bool:
        """True when the file (whose first few KB are `head`) is in this format."""
        ...

    def read(self, file: SourceFile, as_of: date | None) -> Iterator[Paper | PaperclubError]:
        """Yield every paper of `file`, and for a bad record a PaperclubError naming the file and
        the line (or entry), then go on: the host decides whether to stop (the default) or skip
        it (`--skip-invalid`). Raise only when nothing more can be read."""
        ...


class Emitter(Protocol):
    """An output format, registered by `paperclub_register_emitters`: what `outputs` lists."""

    name: str
    extension: str  # with the dot: ".ics"
    media_type: str

    def render(self, plan: Plan) -> bytes:
        """`plan` as this format's file: pure and deterministic (the same plan, the same
        bytes)."""
        ...


class Registry(dict):
    """Named things from several plugins; a name registered twice names both plugins."""

    def __init__(self, kind: str):
        super().__init__()
        self.kind = kind
        self.owners: dict[str, str] = {}

    def add(self, item, plugin: str) -> None:
        name = getattr(item, "name", None)
        if not isinstance(name, str) or not name:
            raise PluginError(f"{plugin} registered a {self.kind} without a name: {item!r}")
        if name in self:
            raise PluginError(
                f"{self.kind} {name!r} is registered twice: by {self.owners[name]} and by {plugin}"
            )
        self[name] = item
        self.owners[name] = plugin
