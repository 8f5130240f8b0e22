"""The message helpers are one module (paperclub.messages): what a value is reads as each file
format says it (JSON sources "a string", "an object"; the tables "nothing" for a missing
value), and a clipped value is one line."""

from __future__ import annotations

import pytest

from paperclub import messages
from paperclub.default_plugins import arxiv_jsonl, hf_json, tables


@pytest.mark.parametrize(
    ("value", "plain", "arxiv", "hf", "table"),
    [
        ([1], "a list", "a list", "a list", "a list"),
        ({"a": 1}, "a mapping", "an object", "an object", "a mapping"),
        ("x", "text", "a string", "a string", "text"),
        (True, "true/false", "true or false", "a boolean", "true/false"),
        (3, "a number", "a number", "a number", "a number"),
        (2.5, "a number", "a number", "a number", "a number"),
        (None, "null", "null", "null", "nothing"),
        ((1, 2), "tuple", "tuple", "tuple", "tuple"),
    ],
)
def test_what_a_value_is_in_each_format_s_words(value, plain, arxiv, hf, table):
    assert messages.kind(value) == plain
    assert arxiv_jsonl._kind(value) == arxiv
    assert messages.kind(value, **hf_json.WORDS) == hf
    assert tables._kind(value) == table


def test_clip_and_what_are_one_line():
    assert messages.clip("a\n  b", 10) == "a b"
    assert messages.clip("x" * 70) == "x" * 59 + "…"
    assert messages.what("two\nlines") == "str 'two\\nlines'"
    assert messages.what(None) == "None"


def test_quoted_and_one_line_escape_what_text_drops():
    assert messages.quoted("plain") == "plain"
    assert messages.quoted("bell\x07") == "'bell\\x07'"
    assert messages.one_line("a\n\tb\x07") == "a b\\x07"
