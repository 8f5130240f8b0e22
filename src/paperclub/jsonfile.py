"""Reading JSON files: every failure a `JSONProblem` with the offset it is at (syntax, nesting
deeper than Python's recursion limit, integers too long for `int`), and where the items of a
top-level array start, so errors can name the line of the item they are about."""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Any

from paperclub.errors import PaperclubError

if TYPE_CHECKING:
    from paperclub.sourcefile import SourceFile


def load(file: SourceFile) -> tuple[Any, str]:
    """The JSON of a source file and its text; not JSON: a PaperclubError
    naming the file and the line."""
    text = file.read_text()
    try:
        return parse_json(text), text
    except JSONProblem as e:
        raise PaperclubError(
            f"not valid JSON: {e.message}", path=file.path, line=line_of(text, e.pos)
        ) from None


class JSONProblem(ValueError):
    """Why text is not JSON paperclub reads, and the offset it is at."""

    def __init__(self, message: str, pos: int):
        super().__init__(message)
        self.message, self.pos = message, pos


LONG_NUMBER = re.compile(r"\d{4000,}")


def parse_json(text: str) -> Any:
    """json.loads, whose every failure is a JSONProblem: a syntax error, but also nesting
    deeper than Python's recursion limit and integers of more than 4300 digits, which the
    json module raises as RecursionError and a bare ValueError."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as e:
        raise JSONProblem(e.msg, e.pos) from None
    except RecursionError:
        raise JSONProblem("nested too deeply", _deepest(text)) from None
    except ValueError as e:
        match = LONG_NUMBER.search(text)
        raise JSONProblem(
            f"a number too long to read ({str(e).split(':')[0]})", match.start() if match else 0
        ) from None


def _deepest(text: str) -> int:
    """Where the nesting of brackets (outside strings) is deepest."""
    depth = deepest = at = 0
    in_string = escaped = False
    for i, char in enumerate(text):
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            if depth > deepest:
                deepest, at = depth, i
        elif char in "]}":
            depth -= 1
    return at


def first_char(text: str) -> int:
    """Where the JSON value in `text` starts (past leading white space)."""
    return len(text) - len(text.lstrip())


def line_of(text: str, offset: int) -> int:
    return text.count("\n", 0, offset) + 1


def item_lines(text: str) -> list[int]:
    """The line each item of the top-level JSON array in `text` starts on (the text is valid
    JSON), counted as it goes: one pass over the text, however many items."""
    decoder = json.JSONDecoder()
    pos = first_char(text) + 1  # past "["
    line, counted = line_of(text, pos), pos
    lines: list[int] = []
    while True:
        while text[pos].isspace():
            pos += 1
        if text[pos] == "]":
            return lines
        if text[pos] == ",":
            pos += 1
            continue
        line += text.count("\n", counted, pos)
        counted = pos
        lines.append(line)
        _, pos = decoder.raw_decode(text, pos)
