"""Source: the Hugging Face Daily Papers page saved as HTML (the browser's "Save page as").

The page carries its data as JSON in an HTML attribute, for its Svelte components to hydrate:

    <div class="SVELTE_HYDRATER contents" data-target="DailyPapers"
         data-props="{&quot;dailyPapers&quot;:[{&quot;paper&quot;:{...}, ...}], ...}">

The items of `dailyPapers` are those of the API (see hf_json.py) and are mapped the same way.
Errors name the line of the `data-props` attribute: the whole list is on it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from html.parser import HTMLParser
from pathlib import Path
from typing import TYPE_CHECKING

from paperclub.default_plugins.hf_json import map_item
from paperclub.errors import PaperclubError
from paperclub.hookspecs import hookimpl
from paperclub.jsonfile import JSONProblem, parse_json
from paperclub.models import Paper

if TYPE_CHECKING:
    from paperclub.registry import Source
    from paperclub.sourcefile import SourceFile

TARGET = "DailyPapers"
HTML_START = re.compile(r"<(!doctype\s+html|html)\b", re.IGNORECASE)
SCAN_LIMIT = 64 << 20  # detect() looks this far into an HTML file for the embedded data


@dataclass
class Props:
    target: str | None
    value: str  # unescaped: JSON text
    line: int  # of the data-props attribute


class PropsFinder(HTMLParser):
    """Every `data-props` attribute of a page, with its element's `data-target`."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[Props] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        value = values.get("data-props")
        if value is None:
            return
        line, _ = self.getpos()
        raw = self.get_starttag_text() or ""
        at = raw.lower().find("data-props")
        if at > 0:
            line += raw.count("\n", 0, at)
        self.found.append(Props(values.get("data-target"), value, line))


class HFHTML:
    name = "hf-html"
    description = "Hugging Face Daily Papers page saved as HTML"

    def detect(self, path: Path, head: str) -> bool:
        if path.suffix.lower() not in (".html", ".htm") and not HTML_START.match(head.lstrip()):
            return False
        if "data-props" in head and "dailyPapers" in head:
            return True
        # A saved page puts styles and scripts first: the data may start after the head.
        try:
            return _mentions(path, ("data-props", "dailyPapers"))
        except OSError:
            return False

    def read(self, file: SourceFile, as_of: date | None) -> Iterator[Paper | PaperclubError]:
        path = file.path
        finder = PropsFinder()
        finder.feed(file.read_text())
        finder.close()
        props = _daily_papers_props(finder.found, path)
        for n, item in enumerate(props[0], 1):
            try:
                yield map_item(item, n)
            except PaperclubError as e:
                yield PaperclubError(e.message, path=path, line=props[1])


def _daily_papers_props(found: list[Props], path: Path) -> tuple[list, int]:
    """The `dailyPapers` list of the DailyPapers element, else of any element, and its line."""
    targeted = [p for p in found if p.target == TARGET]
    for props in targeted:
        try:
            data = parse_json(props.value)
        except JSONProblem as e:
            raise PaperclubError(
                f"the {TARGET} data-props is not valid JSON: {e.message} (at character {e.pos})",
                path=path,
                line=props.line,
            ) from None
        if isinstance(data, dict) and isinstance(data.get("dailyPapers"), list):
            return data["dailyPapers"], props.line
    for props in found:
        if props.target == TARGET or "dailyPapers" not in props.value:
            continue
        try:
            data = parse_json(props.value)
        except JSONProblem:
            continue
        if isinstance(data, dict) and isinstance(data.get("dailyPapers"), list):
            return data["dailyPapers"], props.line
    if targeted:
        raise PaperclubError(
            f'the {TARGET} data-props has no "dailyPapers" list', path=path, line=targeted[0].line
        )
    raise PaperclubError(
        'no Daily Papers data in the page: no data-props attribute holds a "dailyPapers" list',
        path=path,
    )


def _mentions(path: Path, words: tuple[str, ...]) -> bool:
    """Whether the file holds every word, looking at its first SCAN_LIMIT bytes."""
    needles = {w.encode() for w in words}
    keep = max(len(n) for n in needles) - 1
    tail, done = b"", 0
    with path.open("rb") as f:
        while needles and done < SCAN_LIMIT:
            block = f.read(1 << 20)
            if not block:
                break
            done += len(block)
            text = tail + block
            needles = {n for n in needles if n not in text}
            tail = text[-keep:]
    return not needles


@hookimpl(trylast=True)
def paperclub_register_sources(register: Callable[[Source], None]) -> None:
    register(HFHTML())
