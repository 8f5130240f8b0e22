"""Text for error messages: a value, a piece of a file or a library's message shown on one
readable line, control characters escaped (not dropped, as `text` does for the outputs: a
message shows what is wrong with the input)."""

from __future__ import annotations

from typing import Any


def shown(value: object, limit: int = 200) -> str:
    """A value as an error message shows it: its repr (quoted, control characters escaped),
    cut in the middle when long, so a message stays one readable line."""
    try:
        text = repr(value)
    except ValueError:  # an int of more than 4300 digits has no repr
        return "a number of thousands of digits"
    if len(text) > limit:
        text = f"{text[: limit * 2 // 3]}...{text[-(limit // 4) :]} ({len(text)} characters)"
    return text


def quoted(text: str, limit: int = 200) -> str:
    """Text from a file for an error message: as it is when it is one short printable line,
    else as shown() shows it."""
    return text if len(text) <= limit and text.isprintable() else shown(text, limit)


def one_line(text: str, limit: int = 300) -> str:
    """A message from a library (which may quote the input) as one short line: whitespace
    runs as one space, control characters escaped, the middle cut when long."""
    text = " ".join(text.split())
    if not text.isprintable():
        text = "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)
    if len(text) > limit:
        text = f"{text[: limit * 2 // 3]}...{text[-(limit // 4) :]}"
    return text


def clip(text: str, width: int = 60) -> str:
    """`text` on one line, its end cut with an ellipsis beyond `width` characters."""
    text = " ".join(text.split())  # one line, whatever a repr holds
    return text if len(text) <= width else text[: width - 1] + "…"


def what(value: object) -> str:
    """A value in a few words for an error: its type and a clipped repr."""
    return "None" if value is None else f"{type(value).__name__} {clip(repr(value))}"


# What a value read from a file is, in the words of an error message ("found a list");
# `kind()` takes other words for some (a JSON source says "an object", "a string").
KINDS: dict[str, tuple[type, ...]] = {
    "true/false": (bool,),  # before int: a bool is an int
    "text": (str,),
    "a number": (int, float),
    "a mapping": (dict,),
    "a list": (list,),
    "null": (type(None),),
}


def kind(value: Any, **words: str) -> str:
    """What `value` is, for an error message: "a list", "text", "a number", ...; `words`
    renames some (`kind(v, text="a string")`), keyed as KINDS is with its words made names
    (true_false, text, a_number, a_mapping, a_list, null). Any other type: its name."""
    for word, types in KINDS.items():
        if isinstance(value, types):
            return words.get(_key(word), word)
    return type(value).__name__


def _key(word: str) -> str:
    return word.replace("/", "_").replace(" ", "_")
