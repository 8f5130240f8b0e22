"""Fuzzing every importer and the group config loader (docs/robustness.md says what was tried).

Each importer is fed 10,000 inputs, made from its valid fixtures: mutated bytes (flips,
truncation, cut and doubled spans, hostile bytes and text inserted: NUL, CR, invalid UTF-8,
byte order marks, huge numbers, deep nesting, very long lines, unbalanced braces and quotes,
XML entity tricks, YAML tags and alias bombs) and structurally valid records with wrong
values (a list where a title goes, a negative count, a date that is none). Whatever the input:

* nothing but a PaperclubError escapes (no traceback);
* every error names the file and the place: a line, or the entry (`paper #3`, `item #2`);
* every paper yielded can be stored in the catalog (text SQLite takes, integers it holds,
  JSON orjson writes).

A sample of the failing inputs then goes through the command line (`paperclub import`,
`paperclub plan`): exit code 1, one line, no traceback. The regression tests at the end hold
the minimal inputs hypothesis found, one per bug.

Hypothesis runs derandomized without an example database, so every run tries the same inputs.
"""

from __future__ import annotations

import io
import json
import os
import re
import signal
import sqlite3
from contextlib import contextmanager
from datetime import date
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, note, settings
from hypothesis import strategies as st

from conftest import ROOT
from hfpage import load_sample, render_page
from paperclub import latex
from paperclub.catalog import COLUMNS, _row
from paperclub.config import load_group
from paperclub.default_plugins.arxiv_atom import ArxivAtom
from paperclub.default_plugins.arxiv_jsonl import ArxivJSONL
from paperclub.default_plugins.bibtex import BibTeX
from paperclub.default_plugins.hf_html import HFHTML
from paperclub.default_plugins.hf_json import HFJSON
from paperclub.default_plugins.hf_page import HFPageText
from paperclub.default_plugins.paperclub_json import PaperclubJSON
from paperclub.default_plugins.tables import CSVTable, YAMLList
from paperclub.errors import PaperclubError
from paperclub.models import Paper
from paperclub.sources import HEAD_SIZE, SourceFile

FIXTURES = Path(__file__).resolve().parent / "fixtures"
SEED_PAGE = FIXTURES / "hf" / "hf-daily-papers-2025-11-25.txt"
# PAPERCLUB_FUZZ_EXAMPLES=200 for a quick run while editing; CI runs the full count.
EXAMPLES = int(os.environ.get("PAPERCLUB_FUZZ_EXAMPLES", "10000"))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
    print_blob=False,
)

# -- running a source on bytes -----------------------------------------------------------------


class MemoryFile(SourceFile):
    """A SourceFile whose bytes are in memory: no file is written per example."""

    def __init__(self, data: bytes, name: str):
        self.path = Path("fuzz") / name
        self.name = name
        self.size = len(data)
        self.progress = None
        self.data = data

    def open_binary(self):
        return io.BufferedReader(io.BytesIO(self.data))


# A table as the catalog's, without its constraints: a paper the catalog cannot bind (text
# with a lone surrogate, an integer beyond 64 bits) fails here as it would there.
_DB = sqlite3.connect(":memory:")
_DB.execute(f"CREATE TABLE papers ({', '.join(COLUMNS)})")
_INSERT = f"INSERT INTO papers VALUES ({', '.join('?' * len(COLUMNS))})"
# How an error without a line names its place: the entry, item or paper number; or the
# error is about the whole file (nothing in it to read), which has no one place.
ENTRY = re.compile(r"\b(entry|item|paper|record) #?\d+|\bentry \S+")
WHOLE_FILE = re.compile(r"^(no Daily Papers data in the page|not an Atom feed: no XML elements)")
CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def check_error(error: BaseException, name: str) -> None:
    assert isinstance(error, PaperclubError), repr(error)
    text = str(error)
    assert error.path is not None and Path(error.path).name == name, text
    assert text.startswith(error.path), text
    assert (
        error.line is not None or ENTRY.search(error.message) or WHOLE_FILE.match(error.message)
    ), text
    assert error.line is None or error.line >= 1, text
    assert not CONTROL.search(error.message), text  # one clean line on a terminal
    assert len(error.message) <= 2000, text[:300]


def check_paper(paper: Paper) -> None:
    assert isinstance(paper, Paper), repr(paper)
    assert isinstance(paper.title, str) and paper.title.strip(), paper
    _DB.execute(_INSERT, _row(paper))


TIME_LIMIT = 5.0  # seconds for one input of a few KB; the slowest take a few ms


@contextmanager
def time_limit(seconds: float = TIME_LIMIT):
    """Fail an input that takes too long (a regular expression backtracking exponentially)."""

    def too_slow(*_args):
        raise AssertionError(f"took more than {seconds} s")

    previous = signal.signal(signal.SIGALRM, too_slow)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def run_source(source, data: bytes, name: str, as_of: date | None = None) -> list:
    """Read `data` as the file `name`; the papers and errors (raised or yielded)."""
    head = data[:HEAD_SIZE].decode("utf-8", errors="replace").lstrip("\ufeff")
    source.detect(Path("fuzz") / name, head)  # detection must not raise either
    items = []
    try:
        for item in source.read(MemoryFile(data, name), as_of):
            if isinstance(item, PaperclubError):
                check_error(item, name)
            else:
                check_paper(item)
            items.append(item)
    except PaperclubError as e:
        check_error(e, name)
        items.append(e)
    if len(items) > 100:
        _DB.execute("DELETE FROM papers")
    return items


# -- mutations ---------------------------------------------------------------------------------

HUGE_NUMBER = b"9" * 4400  # beyond Python's 4300-digit int conversion limit
HOSTILE = [
    b"\x00",
    b"\r",
    b"\n",
    b"\r\n",
    b"\n\n",
    b"\t",
    b" ",
    b"\x0b",
    b"\x0c",
    b"\x1b[2J",
    b"\xef\xbb\xbf",
    b"\xff\xfe",
    b"\xfe\xff",
    b"\xff",
    b"\xc3",
    b"\xc3\x28",
    b"\xed\xa0\x80",
    b"\xf4\x90\x80\x80",
    b"\xc0\xaf",
    "\u2028".encode(),
    "\u0085".encode(),
    "²".encode(),
    "٣".encode(),
    "\u00a0".encode(),
    "Ä".encode(),
    "😀".encode(),
    b'"',
    b"'",
    b"\\",
    b"{",
    b"}",
    b"[",
    b"]",
    b"(",
    b")",
    b"<",
    b">",
    b"&",
    b",",
    b";",
    b":",
    b"#",
    b"%",
    b"@",
    b"-",
    b"*",
    b"!",
    b"|",
    b"=",
    b"~",
    b"$",
    b"`",
    HUGE_NUMBER,
    b"99999999999999999999999",
    b"-1",
    b"0",
    b"-0",
    b"1e999",
    b"-1e999",
    b"1.5",
    b"NaN",
    b"Infinity",
    b"null",
    b"true",
    b"false",
    b"[" * 3000,
    b"{" * 3000,
    b"(" * 3000,
    b'{"a":' * 3000,
    b"- " * 2000,
    b"x" * 100_000,
    b"\n" * 2000,
    b"\\u0000",
    b"\\ud800",
    b"\\udc00",
    b"\\ud800\\u0041",
    b"\\'\\{",
    b"{\\",
    b"\\'",
    b"\\c",
    b"\\\\",
    b"$",
    b"$$",
    b"\\(",
    b"\\[",
    b"&amp;",
    b"&#0;",
    b"&#x110000;",
    b"&#xD800;",
    b"&lt;",
    b"&nosuch;",
    b"]]>",
    b"<![CDATA[",
    b"<!--",
    b"-->",
    b"<?xml version='1.0'?>",
]
ATOM_TRICKS = [
    b'<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;">]>',
    b'<!DOCTYPE feed [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>',
    b'<!DOCTYPE feed SYSTEM "http://127.0.0.1:9/evil.dtd">',
    b'<!ENTITY x "y">',
    b"&xxe;",
    b"&lol2;",
    b'<?xml-stylesheet href="http://127.0.0.1:9/x"?>',
    b'<xi:include xmlns:xi="http://www.w3.org/2001/XInclude" href="/etc/passwd"/>',
    b"<entry>",
    b"</entry>",
    b"<id>",
    b"</id>",
    b"<title>",
    b"</title>",
    b"<id>http://arxiv.org/abs/2401.01234v2</id>",
    b"<published>2024-13-45T99:99:99Z</published>",
    b"<published>not a date</published>",
    b'<category term=""/>',
    b"<author><name/></author>",
    b'<link href="" rel="alternate"/>',
    b"<feed>",
    b"</feed>",
    b'xmlns="urn:other"',
    b"<entry><entry><entry>" * 100,
]
YAML_TRICKS = [
    b"!!python/object/apply:os.system ['touch /tmp/pwned']",
    b"!!python/name:os.system",
    b"!!python/object:builtins.object {}",
    b"!!binary aGVsbG8=",
    b"!!binary ###",
    b"!!set {a, b}",
    b"!!omap [a: 1]",
    b"!!pairs [a: 1]",
    b"!!timestamp 2027-02-30",
    b"!!timestamp 2024-01-01",
    b"!!int " + HUGE_NUMBER,
    b"!!int 0x" + b"f" * 40,
    b"!!float .nan",
    b".inf",
    b"-.inf",
    b".nan",
    b"!!str",
    b"!!map",
    b"!!seq",
    b"!!null",
    b"!<tag:yaml.org,2002:python/none>",
    b"!local 1",
    b"&a [1, 2]",
    b"*a",
    b"*undefined",
    b"<<: *a",
    b"<<: [*a, *a]",
    b"&r [*r]",
    b"? [a, b]\n: c",
    b"? {a: b}\n: c",
    b"%YAML 1.1\n---\n",
    b"---\n",
    b"...\n",
    b"--- !!set\n",
    b"a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
    b"c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]\n"
    b"e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d]\nf: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e]\n"
    b"g: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f]\nh: [*g, *g, *g, *g, *g, *g, *g, *g, *g]\n",
    b'"\\ud800"',
    b'"\\x00"',
    b'"\\U0010ffff"',
    b"'",
    b"|",
    b">",
    b"- - - - - -",
    b"2027-01-07",
    b"16:00",
    b"0o17",
    b"1_000",
    b"0b101",
    b"190:20:30",
    b"~",
    b"yes",
    b"no",
]
BIBTEX_TRICKS = [
    b"@string{a = a # a}",
    b"@string{x = x}",
    b"@comment{",
    b'@preamble{"\\x"}',
    b"@",
    b"@article{",
    b"@article{dup,",
    b"@article{k, title={T}}",
    b"title = ",
    b"author = ",
    b"year = {99999}",
    b"year = {" + HUGE_NUMBER + b"}",
    b"month = {13}",
    b"month = foo",
    b"date = {2024-02-30}",
    b"date = {9999999-01-01}",
    b"author = {and and and}",
    b"author = {, , ,}",
    b"author = {{, }}",
    b"author = {Jr, Jr, Jr, Jr}",
    b"eprint = {}",
    b"\\'{",
    b"\\c{",
    b'\\char"D800',
    b"\\char 0",
    b"\\symbol{55296}",
    b"\\^^@",
    b'{\\"' * 300,
    b"\\url{",
    b"\\newcommand{\\x}{\\x}\\x",
    b"\\def\\x{\\x}\\x",
    b"title = {" + b"{" * 1500 + b"a" + b"}" * 1500 + b"}",
    b"#",
    b'"',
    b"@@",
    b"%",
]
CSV_TRICKS = [
    b'"',
    b'""',
    b'"a\nb"',
    b",,,,,,,,,,",
    b";",
    b"\t",
    b"title",
    b"Title,Title",
    b"upvotes",
    b"author_count",
    b"published",
    b"\x00,\x00",
    b'"\x00"',
    b"title,\ntitle,",
    b"=cmd|' /C calc'!A0",
    b"1" * 200,
]
PAGE_TRICKS = [
    b"\xc2\xb7",
    "\u2022 6 authors".encode(),
    b"  \xe2\x80\xa2 0 authors",
    b"\xe2\x80\xa2 " + HUGE_NUMBER + b" authors",
    b"Feb 30",
    b"Feb 29",
    b"Jan 1, 0001",
    b"Dec 31, 9999",
    b"Jan 99",
    b"Xyz 1",
    b"Aug 7 " + HUGE_NUMBER,
    b"Aug 7, 2024 -1",
    b"Aug 7 99999999999999999999999",
    b"Daily Papers",
    b"new",
    b"byAK",
    b"https://",
    b"http://github.com/",
    b"https://" + b"a" * 5000,
    b"Nov 25",
    b"apple Apple",
]
JSON_TRICKS = [
    b'"\\ud800"',
    b'"\\udc00"',
    b'"\\u0000"',
    b"-0",
    b"1e400",
    b"NaN",
    b"-Infinity",
    b'{"paper": null}',
    b'{"paper": []}',
    b'"paper":',
    b'"title":',
    b'"title": 1,',
    b'"upvotes":',
    b'"authors":',
    b'"publishedAt":',
    b'"published":',
    b'"links":',
    b'"extra":',
    b'"id":',
    b'"organization":',
    b'"ai_keywords":',
    b'"summary":',
    b'{"title": "t"}',
    b'[{"title": "t"}]',
    b"[]",
    b"{}",
    b'"',
    b"\\",
    b'"a":1,"a":2',
    HUGE_NUMBER,
    b"-" + HUGE_NUMBER,
    b"0." + HUGE_NUMBER,
    b"99999999999999999999999",
    b"-99999999999999999999999",
    b"[" * 995,
    b"[" * 1005,
]
HTML_TRICKS = [
    b"&quot;",
    b"&amp;quot;",
    b"&#34;",
    b"&#x22;",
    b'"',
    b"'",
    b"data-props=",
    b'data-target="DailyPapers"',
    b"<div",
    b">",
    b"</div>",
    b"<!--",
    b"-->",
    b"<script>",
    b"</script>",
    b"<![CDATA[",
    b"&#0;",
    b"&#xD800;",
    b"&#1114112;",
    b"&#99999999999;",
    b"&" + b"#9" * 10,
    b"<" * 1000,
    b"&quot;" * 3000,
    b"&#91;" * 1200,
    b"&quot;dailyPapers&quot;:",
]


class Choices:
    """Choices read off bytes hypothesis draws: one draw per example (drawing each choice
    from hypothesis costs more than most importers take to read the input), and shrinking the
    bytes towards zeros makes the choices simpler (the first seed, fewer and earlier edits)."""

    def __init__(self, raw: bytes):
        self.raw, self.at = raw, 0

    def below(self, n: int) -> int:
        """0 <= i < n (0 when the bytes run out)."""
        if n <= 1:
            return 0
        size = 1 if n <= 256 else 2 if n <= 65536 else 3
        chunk = self.raw[self.at : self.at + size]
        self.at += size
        return int.from_bytes(chunk, "big") % n if chunk else 0

    def integer(self, low: int, high: int) -> int:
        return low + self.below(high - low + 1)

    def flag(self) -> bool:
        return self.below(2) == 1

    def pick(self, items):
        return items[self.below(len(items))]

    def raw_bytes(self, most: int) -> bytes:
        return bytes(self.below(256) for _ in range(self.integer(1, most)))

    def text(self, most: int = 20) -> str:
        """Text of any characters (surrogates too, which only JSON and YAML escapes can say)."""
        return "".join(
            chr(self.pick(CODE_POINTS) + self.below(64)) for _ in range(self.below(most + 1))
        )

    def wrong(self):
        """A value of any type, for a field that wants another."""
        kind = self.below(4)
        if kind == 1:
            return self.text()
        if kind == 2:
            return int.from_bytes(self.raw_bytes(10), "big", signed=True)
        return self.pick(WRONG_VALUES)


CODE_POINTS = [0x20, 0x40, 0x60, 0x00, 0x80, 0x2000, 0xD800, 0xDC00, 0xFEC0, 0x1F600, 0x10FFC0]
EDITS = ("insert", "replace", "delete", "truncate", "flip", "byte", "copy", "random")
INPUTS = st.binary(min_size=0, max_size=48)


def mutate(c: Choices, seeds: list[bytes], tricks: list[bytes]) -> bytes:
    """A seed with one to four edits: byte flips, cuts, copies, and hostile bytes put in."""
    data = bytearray(c.pick(seeds))
    tokens = HOSTILE + tricks
    for _ in range(c.integer(1, 4)):
        kind = c.pick(EDITS)
        at = c.below(len(data) + 1)
        if kind == "insert":
            data[at:at] = c.pick(tokens)
        elif kind == "replace":
            data[at : at + c.integer(1, 16)] = c.pick(tokens)
        elif kind == "delete":
            del data[at : at + c.integer(1, 64)]
        elif kind == "truncate":
            del data[at:]
        elif kind == "flip" and data:
            data[min(at, len(data) - 1)] ^= 1 << c.below(8)
        elif kind == "byte" and data:
            data[min(at, len(data) - 1)] = c.below(256)
        elif kind == "copy":
            start = c.below(len(data) + 1)
            data[at:at] = data[start : start + c.integer(1, 512)]
        else:
            data[at:at] = c.raw_bytes(16)
    return bytes(data)


# -- values of the wrong type, for structurally valid records ----------------------------------


def nested(depth: int, leaf: object = 1, kind: type = list) -> object:
    value = leaf
    for _ in range(depth):
        value = [value] if kind is list else {"a": value}
    return value


# Values of every type where a record has a title, a count, a date, a list of names: drawn
# from a fixed list (cheap to draw, so the 10,000 examples go to the importer, not to
# hypothesis), or generated text and integers.
WRONG_VALUES = [
    None,
    True,
    False,
    0,
    -1,
    1,
    7,
    1.5,
    -0.0,
    float("nan"),
    float("inf"),
    float("-inf"),
    1e308,
    2**31,
    2**53 + 1,
    2**63 - 1,
    2**63,
    2**64,
    -(2**63) - 1,
    10**30,
    -(10**30),
    "",
    " ",
    "\t\n",
    "\x00",
    "\x1b[2J",
    "\ud800",
    "x\udc00y",
    "\u2028",
    "\ufeff",
    "²",
    "٣",
    "text",
    "A title",
    "Ada Lovelace",
    "2024-01-02",
    "2024-02-30",
    "2024-13",
    "0000-00-00",
    "99999-01-01",
    "2024-01-02T18:59:59.000Z",
    "Jan 99",
    "-1",
    "1e999",
    "9" * 30,
    "v",
    "v2",
    "2401.01234",
    "2401.01234v2",
    "cond-mat/0603029",
    "arXiv:2401.01234",
    "10.1000/x",
    "doi:",
    "http://",
    "https://",
    "https://arxiv.org/abs/2401.01234",
    "www.x.org/",
    "javascript:alert(1)",
    "a" * 3000,
    "a " * 500,
    "{",
    "}",
    "\\'",
    "$",
    "[1, 2]",
    [],
    [None],
    [1, 2],
    ["a", "b"],
    ["a", None],
    [["a"]],
    [{"name": "Ada"}],
    [{"name": None}],
    [{"name": 5}],
    [{}],
    {},
    {"a": 1},
    {"name": "x"},
    {"name": None, "fullname": 3},
    {"paper": None},
    {"title": None},
    {"": ""},
    {"\ud800": 1},
    {"a": [1, {"b": [2, None]}]},
    nested(99),
    nested(101),
    nested(150),
    nested(300),
    nested(150, kind=dict),
    nested(300, kind=dict),
    [2**64],
    {"a": -(2**64)},
    ["\ud800"],
    {"a": {"b": "\udfff"}},
]


def json_bytes(value) -> bytes:
    return json.dumps(value, allow_nan=True).encode("utf-8", "surrogatepass")


def wrong_record(c: Choices, template: dict, keys: list[str]) -> dict:
    """`template` with one to three of its (or other) keys given values of any type."""
    record = dict(template)
    for _ in range(c.integer(1, 3)):
        key = c.pick(keys) if c.below(8) else c.pick(["x", "", "\x00", "Title", "\ud800"])
        record[key] = c.wrong()
    if c.below(4) == 1 and record:
        del record[c.pick(sorted(record))]
    return record


# -- seeds ---------------------------------------------------------------------------------------


def read_bytes(*paths: Path) -> list[bytes]:
    return [p.read_bytes() for p in paths]


def page_seeds() -> list[bytes]:
    """Daily Papers pages of a few papers: rendered from the bundled sample, and windows of
    the saved real page."""
    sample = load_sample()
    seeds = [render_page(sample[i : i + 4], date(2025, 11, 25)).encode() for i in (0, 20, 40, 80)]
    blocks = SEED_PAGE.read_text(encoding="utf-8").split("\n\n")
    header, body = blocks[:7], blocks[7:]
    for start in range(0, min(len(body), 60), 12):
        seeds.append("\n\n".join(header + body[start : start + 12]).encode())
    return seeds


def html_seeds() -> list[bytes]:
    """The saved page, and small pages holding two of its items each."""
    text = (FIXTURES / "hf" / "daily_papers.html").read_text(encoding="utf-8")
    match = re.search(r'data-target="DailyPapers"\s+data-props="([^"]*)"', text)
    import html as html_module

    items = json.loads(html_module.unescape(match.group(1)))["dailyPapers"]
    seeds = [text.encode()]
    for i in range(0, len(items), 2):
        props = html_module.escape(json.dumps({"dailyPapers": items[i : i + 2]}), quote=True)
        seeds.append(
            (
                '<!doctype html>\n<html><body>\n<div class="SVELTE_HYDRATER contents" '
                f'data-target="DailyPapers"\n     data-props="{props}"></div>\n'
                "</body></html>\n"
            ).encode()
        )
    return seeds


ATOM_SEEDS = read_bytes(*sorted((FIXTURES / "arxiv").glob("*.atom")))
JSONL_SEEDS = read_bytes(FIXTURES / "arxiv" / "snapshot.jsonl")
BIB_SEEDS = read_bytes(*sorted((FIXTURES / "bibtex").glob("*.bib")))
CSV_SEEDS = read_bytes(
    *sorted((FIXTURES / "tables").glob("*.csv")), *sorted((FIXTURES / "tables").glob("*.tsv"))
)
YAML_SEEDS = read_bytes(*sorted((FIXTURES / "tables").glob("*.yaml")))
HF_JSON_SEEDS = read_bytes(FIXTURES / "hf" / "daily_papers.json", FIXTURES / "hf" / "paper.json")
PAGE_SEEDS = page_seeds()
HTML_SEEDS = html_seeds()
SAMPLE_ITEMS = load_sample()
PAPERCLUB_SEEDS = [json.dumps(SAMPLE_ITEMS[i : i + 3], indent=2).encode() for i in (0, 30, 60)]

# -- the importers -------------------------------------------------------------------------------


def fuzz(source, name: str, mutated, structured, as_of: tuple = (None,)):
    """A test feeding `source` EXAMPLES inputs: half mutated seeds, half structured records."""

    @given(INPUTS)
    @FUZZ
    def test(raw):
        c = Choices(raw)
        day = c.pick(as_of)
        data = mutated(c) if not c.flag() else structured(c)
        note(f"input: {data!r}, as_of={day!r}")
        with time_limit():
            run_source(source, data, name, day)

    return test


ATOM_VALUES = [
    "",
    "http://arxiv.org/abs/2401.01234v2",
    "2024-01-03T18:59:59Z",
    "2024-02-30T00:00:00Z",
    "http://arxiv.org/api/errors#x",
    "Error",
    "$x",
    "\\'e",
]


def atom_entry(c: Choices) -> bytes:
    """A feed whose one entry has random (escaped) text in its elements."""

    def text() -> str:
        value = c.pick(ATOM_VALUES) if c.flag() else c.text(40)
        return value.replace("&", "&amp;").replace("<", "&lt;").replace('"', "&quot;")

    body = "".join(
        f"<{tag}>{text()}</{tag}>"
        for tag in ("id", "title", "summary", "published", "updated")
        if tag == "id" or c.below(4)
    )
    body += f'<category term="{text()}"/><link href="{text()}" rel="alternate"/>'
    body += f"<author><name>{text()}</name></author>"
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom" '
        'xmlns:arxiv="http://arxiv.org/schemas/atom">\n<entry>\n' + body + "\n</entry>\n</feed>\n"
    ).encode("utf-8", "surrogatepass")


test_fuzz_arxiv_atom = fuzz(
    ArxivAtom(), "feed.atom", lambda c: mutate(c, ATOM_SEEDS, ATOM_TRICKS), atom_entry
)

JSONL_TEMPLATE = json.loads(JSONL_SEEDS[0].splitlines()[0])
test_fuzz_arxiv_jsonl = fuzz(
    ArxivJSONL(),
    "snapshot.jsonl",
    lambda c: mutate(c, JSONL_SEEDS, JSON_TRICKS),
    lambda c: json_bytes(wrong_record(c, JSONL_TEMPLATE, sorted(JSONL_TEMPLATE))),
)

BIB_VALUES = [
    "{",
    "}",
    "\\'",
    "2024",
    "2024-02-30",
    "13",
    "jun",
    "and",
    "others",
    '{\\"o}',
    "arXiv:2401.01234",
    "10.48550/arXiv.2401.01234",
    "\\url{http://x}",
    "$x^2$",
    "@",
]
BIB_FIELDS = [
    "title",
    "author",
    "year",
    "month",
    "date",
    "doi",
    "url",
    "eprint",
    "archiveprefix",
    "journal",
    "note",
    "file",
    "keywords",
    "abstract",
    "x",
]


def bib_entry(c: Choices) -> bytes:
    """An entry whose fields hold random text, braces balanced or not."""
    fields = [c.pick(BIB_FIELDS) for _ in range(c.integer(1, 6))]
    body = ",\n".join(
        f"  {f} = {{{c.pick(BIB_VALUES) if c.flag() else c.text(30)}}}" for f in fields
    )
    return f"@article{{{c.pick(['k', 'a:b', '1', 'x-y'])},\n{body}\n}}\n".encode(
        "utf-8", "surrogatepass"
    )


test_fuzz_bibtex = fuzz(
    BibTeX(), "refs.bib", lambda c: mutate(c, BIB_SEEDS, BIBTEX_TRICKS), bib_entry
)

CELLS = [
    "-1",
    "²",
    "99999999999999999999999",
    HUGE_NUMBER.decode(),
    "2024-02-30",
    "x@y",
    "http://",
    "www.x.org/",
    "1.5",
    "true",
    "",
    " ",
    "a;b",
    "a and b",
    "=1+1",
]
COLUMN_NAMES = [
    "title",
    "arxiv",
    "doi",
    "authors",
    "author_count",
    "published",
    "year",
    "upvotes",
    "url",
    "code",
    "pdf",
    "keywords",
    "topics",
    "organisation",
    "id",
    "x",
]


def csv_table(c: Choices) -> bytes:
    import csv

    header = list(dict.fromkeys(c.pick(COLUMN_NAMES) for _ in range(c.integer(1, 6))))
    out = io.StringIO()
    writer = csv.writer(out, delimiter=c.pick([",", ";", "\t"]))
    writer.writerow(header)
    for _ in range(c.integer(0, 3)):
        writer.writerow(
            [
                c.pick(CELLS) if c.flag() else c.text(20)
                for _ in range(c.integer(0, len(header) + 1))
            ]
        )
    return out.getvalue().encode("utf-8", "surrogatepass")


test_fuzz_csv = fuzz(
    CSVTable(), "papers.csv", lambda c: mutate(c, CSV_SEEDS, CSV_TRICKS), csv_table
)

YAML_TEMPLATE = {
    "title": "A title",
    "arxiv": "2401.01234",
    "authors": ["A", "B"],
    "published": "2024-01-02",
    "upvotes": 3,
    "keywords": ["k"],
    "url": "https://x.org/",
}


def yaml_bytes(value) -> bytes:
    try:
        text = yaml.safe_dump(value, allow_unicode=True)
    except (ValueError, RecursionError):  # a key PyYAML cannot write: write the template
        text = yaml.safe_dump([YAML_TEMPLATE])
    return text.encode("utf-8", "surrogatepass")


test_fuzz_yaml = fuzz(
    YAMLList(),
    "papers.yaml",
    lambda c: mutate(c, YAML_SEEDS, YAML_TRICKS),
    lambda c: yaml_bytes(
        [wrong_record(c, YAML_TEMPLATE, COLUMN_NAMES) for _ in range(c.integer(1, 3))]
    ),
)

PAGE_LINES = [
    "A title",
    "An abstract. Code: https://github.com/a/b.",
    "·",
    "• 6 authors",
    "apple Apple",
    "Aug 7",
    "Aug 7 12",
    "Mar 3, 2024",
    "Feb 30",
    "Feb 29",
    "Jan 1, 0001 3",
    "Daily Papers",
    "• 99999999999999999999999 authors",
    "Aug 7 " + "9" * 30,
    "Dec 31, 9999 1",
]


def page_lines(c: Choices) -> bytes:
    """A page of lines that look like its parts, in any order."""
    lines = [c.pick(PAGE_LINES) if c.below(4) else c.text(30) for _ in range(c.below(13))]
    return "\n".join(["Daily Papers", "Nov 25", *lines]).encode("utf-8", "surrogatepass")


test_fuzz_hf_page = fuzz(
    HFPageText(),
    "hf-daily-papers-2025-11-25.txt",
    lambda c: mutate(c, PAGE_SEEDS, PAGE_TRICKS),
    page_lines,
    as_of=(None, date(2025, 11, 25), date(1, 1, 1), date(9999, 12, 31)),
)


HF_ITEM = json.loads(HF_JSON_SEEDS[0])[0]
HF_PAPER_KEYS = [
    "id",
    "title",
    "summary",
    "authors",
    "publishedAt",
    "upvotes",
    "githubRepo",
    "projectPage",
    "ai_keywords",
    "ai_summary",
    "numComments",
    "organization",
]


def hf_items(c: Choices) -> object:
    """A daily-papers list whose items (and their papers) have values of any type."""
    item = dict(HF_ITEM)
    if c.flag():
        item["paper"] = wrong_record(c, HF_ITEM["paper"], HF_PAPER_KEYS)
    else:
        item = wrong_record(c, item, ["paper", *HF_PAPER_KEYS])
    return c.pick([[item], item, [item, item], [item, c.wrong()]])


test_fuzz_hf_json = fuzz(
    HFJSON(),
    "daily_papers.json",
    lambda c: mutate(c, HF_JSON_SEEDS, JSON_TRICKS),
    lambda c: json_bytes(hf_items(c)),
)


def html_page(items) -> bytes:
    import html as html_module

    if not isinstance(items, list):
        items = [items]
    props = html_module.escape(json.dumps({"dailyPapers": items}, allow_nan=True), quote=True)
    return (
        f'<html><body><div data-target="DailyPapers" data-props="{props}"></div></body></html>'
    ).encode("utf-8", "surrogatepass")


test_fuzz_hf_html = fuzz(
    HFHTML(),
    "daily_papers.html",
    lambda c: mutate(c, HTML_SEEDS, HTML_TRICKS + JSON_TRICKS),
    lambda c: html_page(hf_items(c)),
)

PAPERCLUB_KEYS = [
    "id",
    "title",
    "abstract",
    "authors",
    "author_count",
    "organisation",
    "published",
    "upvotes",
    "links",
    "keywords",
    "topics",
    "sources",
    "arxiv_id",
    "doi",
    "extra",
]
test_fuzz_paperclub_json = fuzz(
    PaperclubJSON(),
    "papers.json",
    lambda c: mutate(c, PAPERCLUB_SEEDS, JSON_TRICKS),
    lambda c: json_bytes(
        [wrong_record(c, SAMPLE_ITEMS[0], PAPERCLUB_KEYS) for _ in range(c.integer(1, 3))]
    ),
)


# -- the group config ----------------------------------------------------------------------------

CONFIG = """\
group:
  name: Test Group
  timezone: Europe/Berlin
  organizer: {name: Ada, email: ada@example.org}
  url: https://example.org/group
meetings:
  start: 2027-01-07
  weekday: thursday
  time: "16:00"
  duration: 90m
  count: 4
  every: 2 weeks
  skip:
    - 2027-01-14
members:
  - name: Ada
    interests: [inference]
    unavailable: [2027-01-21]
    max_sessions: 2
  - name: Alan
    email: alan@example.org
    pin: paper-c
topics:
  inference: [decoding, serving]
selection:
  weights: {upvotes: 1.0}
  pin:
    2027-01-07: paper-a
  before:
    - [paper-a, paper-b]
  history: [old.plan.yaml]
balance:
  policy: spread
  targets: {inference: 0.5}
outputs: [ics, markdown]
presenters: per_paper
calendar: {url: https://example.org/cal.ics, alarm: 30m}
"""
CONFIG_SEEDS = [CONFIG.encode(), (ROOT / "schedules" / "ml-systems.yaml").read_bytes()]
CONFIG_DATA = yaml.safe_load(CONFIG)
CONFIG_VALUES = [
    "Europe",
    "Europe/",
    "/etc/passwd",
    "../../../etc/localtime",
    "UTC\x00",
    "Mars/Olympus",
    "posixrules",
    "zz",
    "DE",
    "DE-XX",
    "XX",
    "de-by",
    "24:00",
    "99:99",
    "0:60",
    "9999999999h",
    "99999999999m",
    "0m",
    "999999999999 weeks",
    "0 weeks",
    "1 week",
    "9999-12-31",
    "0001-01-01",
    "2027-02-30",
    "2027-01-07 10:00",
    "per_session",
    "themed",
    "proportional",
    2**63,
    10**30,
    -1,
    0,
    1.5,
    1e308,
    59,
    60,
    1439,
    1440,
]


def config_paths(data) -> list[tuple]:
    """Every path to a value in the config's data: ("meetings", "count"), ("members", 0, "name")."""
    paths = []
    stack = [((), data)]
    while stack:
        path, value = stack.pop()
        paths.append(path)
        if isinstance(value, dict):
            stack += [((*path, k), v) for k, v in value.items()]
        elif isinstance(value, list):
            stack += [((*path, i), v) for i, v in enumerate(value)]
    return sorted(paths, key=repr)


CONFIG_PATHS = [p for p in config_paths(CONFIG_DATA) if p]


def wrong_config(c: Choices) -> bytes:
    import copy

    data = copy.deepcopy(CONFIG_DATA)
    for _ in range(c.integer(1, 3)):
        path = c.pick(CONFIG_PATHS)
        parent = data
        try:
            for key in path[:-1]:
                parent = parent[key]
            value = c.pick(CONFIG_VALUES) if c.flag() else c.wrong()
            if c.below(10) == 0 and isinstance(parent, dict):
                parent[c.text(8)] = value
            else:
                parent[path[-1]] = value
        except (KeyError, IndexError, TypeError):
            continue  # an earlier change took the path away
    return yaml_bytes(data)


@given(INPUTS)
@FUZZ
def test_fuzz_config(tmp_path_factory, raw):
    c = Choices(raw)
    data = mutate(c, CONFIG_SEEDS, YAML_TRICKS) if not c.flag() else wrong_config(c)
    note(f"input: {data!r}")
    path = _config_folder(tmp_path_factory) / "group.yaml"
    path.write_bytes(data)
    with time_limit():
        try:
            load_group(path, emitters=("ics", "markdown", "html", "json", "csv"))
        except PaperclubError as e:
            check_error(e, "group.yaml")
            assert e.line is not None, str(e)  # a config error always names its line


_FOLDER: list[Path] = []


def _config_folder(factory) -> Path:
    if not _FOLDER:
        _FOLDER.append(factory.mktemp("fuzz-config"))
    return _FOLDER[0]


# -- the command line, on a sample of failing inputs ---------------------------------------------

SOURCES = {  # format name -> (source, file name, mutated seeds)
    "arxiv-atom": (ArxivAtom(), "feed.atom", lambda c: mutate(c, ATOM_SEEDS, ATOM_TRICKS)),
    "arxiv-jsonl": (ArxivJSONL(), "snapshot.jsonl", lambda c: mutate(c, JSONL_SEEDS, JSON_TRICKS)),
    "bibtex": (BibTeX(), "refs.bib", lambda c: mutate(c, BIB_SEEDS, BIBTEX_TRICKS)),
    "csv": (CSVTable(), "papers.csv", lambda c: mutate(c, CSV_SEEDS, CSV_TRICKS)),
    "yaml": (YAMLList(), "papers.yaml", lambda c: mutate(c, YAML_SEEDS, YAML_TRICKS)),
    "hf-page": (
        HFPageText(),
        "hf-daily-papers-2025-11-25.txt",
        lambda c: mutate(c, PAGE_SEEDS, PAGE_TRICKS),
    ),
    "hf-json": (HFJSON(), "daily_papers.json", lambda c: mutate(c, HF_JSON_SEEDS, JSON_TRICKS)),
    "hf-html": (
        HFHTML(),
        "daily_papers.html",
        lambda c: mutate(c, HTML_SEEDS, HTML_TRICKS + JSON_TRICKS),
    ),
    "paperclub-json": (
        PaperclubJSON(),
        "papers.json",
        lambda c: mutate(c, PAPERCLUB_SEEDS, JSON_TRICKS),
    ),
}
CLI_SAMPLE = 4  # failing inputs per format


def failing_inputs(fmt: str, count: int = CLI_SAMPLE) -> list[bytes]:
    """The first `count` inputs (from fixed choices) that the source reports an error for."""
    source, name, mutated = SOURCES[fmt]
    found = []
    for n in range(2000):
        data = mutated(Choices(n.to_bytes(2, "big") * 12))
        with time_limit():
            items = run_source(source, data, name)
        if any(isinstance(i, PaperclubError) for i in items):
            found.append(data)
            if len(found) == count:
                break
    return found


def assert_clean_failure(result, name: str) -> None:
    assert result.exit_code == 1, result
    assert "Traceback" not in result.stderr and "Traceback" not in result.stdout, result
    message = result.stderr.strip()
    assert message.startswith("Error: ") and name in message, result


@pytest.mark.parametrize("fmt", sorted(SOURCES))
def test_cli_import_of_failing_inputs_exits_1_without_a_traceback(fmt, run, workspace):
    name = SOURCES[fmt][1]
    inputs = failing_inputs(fmt)
    assert inputs, f"no failing {fmt} input found"
    for n, data in enumerate(inputs):
        path = workspace / f"{n}-{name}"
        path.write_bytes(data)
        assert_clean_failure(run("import", "--format", fmt, str(path)), path.name)


def test_cli_plan_of_broken_configs_exits_1_without_a_traceback(run, workspace):
    broken = []
    for n in range(500):
        c = Choices(n.to_bytes(2, "big") * 12)
        data = mutate(c, CONFIG_SEEDS, YAML_TRICKS) if n % 2 else wrong_config(c)
        path = workspace / f"group{n}.yaml"
        path.write_bytes(data)
        try:
            load_group(path)
        except PaperclubError:
            broken.append(path)
        if len(broken) == 12:
            break
    assert len(broken) == 12
    for path in broken:
        assert_clean_failure(run("plan", str(path)), path.name)


# -- regressions: the minimal inputs hypothesis found, one per bug -------------------------------
# Each was an uncaught exception (a traceback), an error without its line, a message no
# terminal shows as one line, or a paper the catalog then failed to store.

REGRESSIONS = [
    # (format, file name, input, what the error says, its line)
    (
        "arxiv-atom",
        "feed.atom",
        b'<?xml version="1.0" encoding="TTF-8"?>\n<feed/>',
        "cannot read the XML: unknown encoding",
        1,
    ),
    ("csv", "papers.csv", b"title\n\xc0x\n", "not UTF-8 text", 2),
    ("hf-page", "page.txt", b"Daily Papers\n\n\xee", "not UTF-8 text", 3),
    ("yaml", "papers.yaml", b"- title: x\n\x00", "the character U+0000 is not allowed", 2),
    (
        "yaml",
        "papers.yaml",
        b"- title: x\n  upvotes: " + HUGE_NUMBER + b"\n",
        "as int: Exceeds the limit (4300 digits)",
        2,
    ),
    (
        "yaml",
        "papers.yaml",
        b"- title: x\n  when: !!timestamp 2027-02-30\n  upvotes: x\n",
        "'x' is not a whole number",
        3,
    ),
    ("yaml", "papers.yaml", b"- title: x\n  b: !!binary aGVsbG8=\n", "the tag !!binary", 2),
    ("yaml", "papers.yaml", b"- title: x\n  b: !!set {a, b}\n", "the tag !!set", 2),
    ("yaml", "papers.yaml", b"[" * 5000, "nested too deeply", 1),
    ("yaml", "papers.yaml", b'- title: "x\\ud800"\n', "a lone surrogate", 1),
    (
        "yaml",
        "papers.yaml",
        b"- '0': -9223372036854775809\n  title: A title\n",
        "-9223372036854775809 is too large a number",
        1,
    ),
    (
        "yaml",
        "papers.yaml",
        b"- title: x\n  upvotes: 99999999999999999999999\n",
        "is too large a number",
        2,
    ),
    (
        "yaml",
        "papers.yaml",
        b"- title: x\n  x: " + b"[" * 260 + b"]" * 260 + b"\n",
        "nested more than 100 levels deep",
        2,
    ),
    ("csv", "papers.csv", "title,upvotes\nx,²\n".encode(), "'²' is not a whole number", 2),
    ("csv", "papers.csv", b"title,upvotes\nx," + HUGE_NUMBER + b"\n", "is too large a number", 2),
    ("csv", "papers.csv", b"\x00itle,upvotes\nx,1\n", "'\\x00itle'", 1),
    ("hf-json", "daily.json", b"[" * 100_000, "not valid JSON: nested too deeply", 1),
    ("hf-json", "daily.json", b"[\n" + HUGE_NUMBER + b"]", "not valid JSON: a number too long", 2),
    ("hf-json", "daily.json", b'[{"title": "x\\ud800"}]', "title: '\\ud800' is not a character", 1),
    (
        "hf-json",
        "daily.json",
        b'[{"title": "x", "upvotes": 99999999999999999999999}]',
        "upvotes: the number 99999999999999999999999 is too large",
        1,
    ),
    (
        "hf-html",
        "page.html",
        b'<div data-target="DailyPapers" data-props="' + b"[" * 100_000 + b'">',
        "data-props is not valid JSON: nested too deeply",
        1,
    ),
    (
        "paperclub-json",
        "papers.json",
        b'[{"title": "x", "upvotes": 99999999999999999999999}]',
        "is too large",
        1,
    ),
    (
        "paperclub-json",
        "papers.json",
        b'[\n{"title": "x", "organisation": []}]',
        '"organisation" is a list, not text',
        2,
    ),
    (
        "paperclub-json",
        "papers.json",
        b'[{"title": "x", "authors": "Ada"}]',
        '"authors" is not a list of text',
        1,
    ),
    (
        "paperclub-json",
        "papers.json",
        b'[{"title": "x", "published": "' + b"a" * 3000 + b'"}]',
        "characters), not a date such as 2024-01-02",
        1,
    ),
    (
        "hf-page",
        "page.txt",
        b"Daily Papers\nNov 25\nA title\nA title\nA title\n\xc2\xb7\nAug 7, 2024 99999999999999999999999",
        "too many upvotes",
        7,
    ),
    (
        "hf-page",
        "page.txt",
        b"Daily Papers\nT\nA\n\xe2\x80\xa2 " + HUGE_NUMBER + b" authors\n\xc2\xb7\nAug 7, 2024",
        "is too many authors",
        4,
    ),
    ("bibtex", "refs.bib", b"@9{\x00" + b"9" * 3000, "cannot parse the entry", 1),
]
FORMATS = {
    "arxiv-atom": ArxivAtom(),
    "csv": CSVTable(),
    "yaml": YAMLList(),
    "hf-page": HFPageText(),
    "hf-json": HFJSON(),
    "hf-html": HFHTML(),
    "paperclub-json": PaperclubJSON(),
    "bibtex": BibTeX(),
}


@pytest.mark.parametrize(
    ("fmt", "name", "data", "says", "line"),
    REGRESSIONS,
    ids=[f"{r[0]}-{i}" for i, r in enumerate(REGRESSIONS)],
)
def test_regression(fmt, name, data, says, line):
    with time_limit():
        items = run_source(FORMATS[fmt], data, name)
    errors = [i for i in items if isinstance(i, PaperclubError)]
    assert errors, items
    assert says in errors[0].message and errors[0].line == line, str(errors[0])


CONFIG_REGRESSIONS = [
    # (what is changed in CONFIG, the new text, what the error says)
    ("timezone: Europe/Berlin", "timezone: Europe", "group.timezone: expected an IANA time zone"),
    (
        "  weights: {upvotes: 1.0}",
        '  weights: {upvotes: 1.0, "\\x1F": x}',
        "selection.weights.'\\x1f'",
    ),
    ("duration: 90m", "duration: 99999999999h", "meetings.duration: expected a duration"),
    ("count: 4", "count: 1000000000", "meetings.count: expected a whole number of sessions"),
    ("every: 2 weeks", "every: 999999999999 weeks", "meetings.every: expected an interval"),
    ("count: 4", "until: 9999-12-31", "more than 1000 sessions"),
    (
        "name: Test Group",
        "name: !!python/object/apply:os.system [true]",
        "not valid YAML: could not determine a constructor",
    ),
    ("name: Test Group", "name: &a [x, x]", "group.name: expected the group's name"),
]


@pytest.mark.parametrize(("old", "new", "says"), CONFIG_REGRESSIONS)
def test_config_regression(old, new, says, tmp_path):
    path = tmp_path / "group.yaml"
    text = CONFIG.replace(old, new)
    assert text != CONFIG
    path.write_text(text, encoding="utf-8")
    with pytest.raises(PaperclubError) as raised, time_limit():
        load_group(path)
    check_error(raised.value, "group.yaml")
    assert says in raised.value.message, str(raised.value)


def test_an_alias_bomb_is_refused_before_anything_walks_it(tmp_path):
    levels = ["a: &a [x, x, x, x, x, x, x, x, x]"] + [
        f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join([f'*{chr(97 + i)}'] * 9)}]" for i in range(8)
    ]
    path = tmp_path / "papers.yaml"
    path.write_text("- title: x\n  bomb:\n    " + "\n    ".join(levels) + "\n", encoding="utf-8")
    with time_limit(2):
        items = run_source(YAMLList(), path.read_bytes(), "papers.yaml")
    assert "an alias bomb" in items[0].message and items[0].line is not None


def test_a_billion_laughs_feed_is_refused_unread():
    feed = (
        b'<?xml version="1.0"?>\n<!DOCTYPE feed [<!ENTITY lol "lol">'
        b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>\n'
        b'<feed xmlns="http://www.w3.org/2005/Atom"><entry><id>&lol2;</id></entry></feed>'
    )
    items = run_source(ArxivAtom(), feed, "feed.atom")
    assert "refusing a DOCTYPE" in items[0].message and items[0].line == 2


def test_an_external_entity_is_neither_expanded_nor_fetched():
    feed = b'<feed xmlns="http://www.w3.org/2005/Atom"><entry><id>&xxe;</id></entry></feed>'
    items = run_source(ArxivAtom(), feed, "feed.atom")
    assert "undefined entity" in items[0].message and items[0].line == 1


def test_latex_unclosed_dollar_takes_linear_time():
    """Found by test_fuzz_arxiv_jsonl: `$` + 24 letters + `\\'e` took 12 s, each letter more
    doubling it; an abstract with a dollar amount and an accent is enough."""
    with time_limit(2):
        assert latex.decode("costs $5 " + "a" * 5000 + " caf\\'e").endswith("café")


@pytest.mark.parametrize(
    "record, message",
    [
        (
            b'{"id": "0704.0001", "title": "T", "categories": ' + b"[" * 300 + b"]" * 300 + b"}",
            "categories is a list, not text",
        ),
        (
            b'{"id": "0704.0001", "title": "T", "license": {"a": '
            + b"[" * 300
            + b"]" * 300
            + b"}}",
            "license is an object, not text",
        ),
        (
            b'{"id": "0704.0001", "title": "T", "authors_parsed": [['
            + b"[" * 1000
            + b"]" * 1000
            + b"]]}",
            "authors_parsed: a part of a name is a list, not text",
        ),
        (
            b'{"id": "0704.0001", "title": "T", "authors_parsed": [[["x"], "y", ""]]}',
            "authors_parsed: a part of a name is a list, not text",
        ),
    ],
)
def test_regression_arxiv_jsonl_values_of_the_wrong_type(record, message):
    """Found by test_fuzz_arxiv_jsonl: categories (or license, submitter, update_date) that are
    not text went into the paper as they were, and the catalog could not write them."""
    with time_limit():
        items = run_source(ArxivJSONL(), record + b"\n", "snapshot.jsonl")
    assert isinstance(items[0], PaperclubError) and items[0].line == 1, items
    assert message in items[0].message


def test_regression_arxiv_jsonl_detection_of_deep_nesting():
    """Found with the regression above: detection parses the first line with json, which
    raised RecursionError for a line of a thousand brackets (`paperclub import` without
    --format showed a traceback)."""
    line = '{"id": "0704.0001", "x": ' + "[" * 5000 + "]" * 5000 + "}"
    assert ArxivJSONL().detect(Path("x.jsonl"), line) is False
