"""The arXiv sources: API Atom feeds (arxiv-atom), the metadata snapshot (arxiv-jsonl), and the
LaTeX decoding both use (paperclub.latex). Fixtures are in tests/fixtures/arxiv/."""

from __future__ import annotations

import json
import re
import sqlite3
from datetime import date
from pathlib import Path

import pytest

from paperclub import sources
from paperclub.default_plugins.arxiv_atom import ArxivAtom, Refused
from paperclub.default_plugins.arxiv_jsonl import ArxivJSONL, read_records
from paperclub.errors import PaperclubError
from paperclub.latex import decode
from paperclub.models import Paper
from paperclub.plugins import Hooks, get_plugin_manager
from paperclub.sources import SourceFile

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "arxiv"
FEED = FIXTURES / "query.atom"
SNAPSHOT = FIXTURES / "snapshot.jsonl"
SAMPLE = Path(__file__).resolve().parents[1] / "src" / "paperclub" / "data" / "sample.json"


def items(source, path: Path, progress=None) -> list:
    return list(source.read(SourceFile(path, progress), None))


def papers_of(source, path: Path) -> dict[str, Paper]:
    return {p.id: p for p in items(source, path) if isinstance(p, Paper)}


def errors_of(source, path: Path) -> list[PaperclubError]:
    return [e for e in items(source, path) if isinstance(e, PaperclubError)]


def line_of(text: str, marker: str, start: int = 0) -> int:
    """The 1-based number of the first line at or after line `start` that holds `marker`."""
    lines = text.splitlines()
    return next(n for n, line in enumerate(lines, 1) if n > start and marker in line)


def collapse(text: str) -> str:
    return " ".join(text.split())


def element_text(xml: str, tag: str, after: str) -> str:
    """The raw text of the first <tag> after the marker `after` in the fixture."""
    rest = xml[xml.index(after) :]
    return rest[rest.index(f"<{tag}>") + len(tag) + 2 : rest.index(f"</{tag}>")]


def snapshot_record(arxiv_id: str) -> dict:
    for line in SNAPSHOT.read_text(encoding="utf-8").splitlines():
        if line.startswith(f'{{"id":"{arxiv_id}"'):
            return json.loads(line)
    raise KeyError(arxiv_id)


# -- LaTeX -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("latex", "text"),
    [
        (r"Bal\'azs", "Balázs"),
        (r"Schr{\"o}dinger", "Schrödinger"),
        (r"Schr\"{o}dinger", "Schrödinger"),
        (r"Gar\c{c}on, Gar\c con", "Garçon, Garçon"),
        (r"Stra\ss{}e, Gro\ss e, {\ss}", "Straße, Große, ß"),
        (r"Erd\H{o}s, \v{S}koda, \u{a}, \k{a}, \r{a}", "Erdős, Škoda, ă, ą, å"),
        (r"\={o}, \.z, \~n, \^e, \`a", "ō, ż, ñ, ê, à"),
        (r"na\"{\i}ve, na\"\i ve, \'\i", "naïve, naïve, í"),
        (
            r"\o rsted, Bj{\o}rn, \AA ngstr\"om, \ae, \OE, \L\'od\'z",
            "ørsted, Bjørn, Ångström, æ, Œ, Łódź",
        ),
        (r"AT\&T, 50\%, a\_b, \$5, \#1, \{x\}", "AT&T, 50%, a_b, $5, #1, {x}"),
        ("pages 1--10 --- or so", "pages 1\u201310 \u2014 or so"),
        ("``quoted''", "\u201cquoted\u201d"),
        (r"\textit{a}, \emph{caf\'e}, \textbf{\emph{x}}, {\em y}, {\bf z}", "a, café, x, y, z"),
        (r"the {\em Erd\H{o}s} problem", "the Erdős problem"),
        (r"\ldots and \LaTeX{}", "… and LaTeX"),
    ],
)
def test_latex_decodes(latex, text):
    assert decode(latex) == text


@pytest.mark.parametrize(
    "math",
    [
        r"$x^2$",
        r"$\'e -- \alpha$",
        r"$$\sum_{i} a_i$$",
        r"\(a--b\)",
        r"\[\"o\]",
        r"$H = -\Delta + V$",
    ],
)
def test_latex_leaves_math_as_written(math):
    assert decode(f"{math} -- \\'e") == f"{math} \u2013 é"


def test_latex_keeps_what_it_does_not_know():
    assert (
        decode(r"see \cite{knuth} and \url{x} -- \foo")
        == "see \\cite{knuth} and \\url{x} \u2013 \\foo"
    )
    assert (
        decode(r"an escaped \$ is not math: \$5 and --")
        == "an escaped $ is not math: $5 and \u2013"
    )
    assert decode("a stray $ sign and it's -- fine") == "a stray $ sign and it's \u2013 fine"
    assert decode("~100x faster, 'single' quotes, -a-b-") == "~100x faster, 'single' quotes, -a-b-"


def test_latex_returns_plain_text_itself():
    plain = "A plain abstract of a state-of-the-art model's results. " * 20
    assert decode(plain) is plain


# -- arxiv-atom: fields ----------------------------------------------------------------------


def test_atom_reads_every_field_of_an_entry():
    xml = FEED.read_text(encoding="utf-8")
    papers = papers_of(ArxivAtom(), FEED)
    assert list(papers) == [
        "arxiv:0704.0001",
        "arxiv:cond-mat/0603029",
        "arxiv:2401.04088",
        "arxiv:2312.11805",
    ]
    p = papers["arxiv:0704.0001"]
    assert p.arxiv_id == "0704.0001"
    assert p.title == (
        "Calculation of prompt diphoton production cross sections at Tevatron and LHC energies"
    )
    summary = element_text(xml, "summary", "0704.0001v2")
    assert "\n" in summary and p.abstract == collapse(summary)
    assert p.abstract.startswith("A fully differential") and p.abstract.endswith("accuracy.")
    assert p.authors == ("C. Balázs", "E. L. Berger", "P. M. Nadolsky", "C. -P. Yuan")
    assert p.author_count == 4
    assert p.published == date(2007, 4, 2)
    # the primary category first, though hep-ex comes first in the entry
    assert xml.index('term="hep-ex"') < xml.index('term="hep-ph"')
    assert p.keywords == ("hep-ph", "hep-ex")
    assert p.doi == "10.1103/physrevd.76.013009"
    assert p.links == {
        "abs": "http://arxiv.org/abs/0704.0001v2",
        "pdf": "http://arxiv.org/pdf/0704.0001v2",
        "doi": "http://dx.doi.org/10.1103/PhysRevD.76.013009",
    }
    assert p.extra == {
        "arxiv_version": "v2",
        "updated": "2007-07-24T20:10:27Z",
        "comment": "37 pages, 15 figures; published version",  # was wrapped over two lines
        "journal_ref": "Phys.Rev.D76:013009,2007",
        "affiliations": {"C. Balázs": ["Argonne National Laboratory"]},
    }
    assert p.organisation is None and p.upvotes is None and p.topics == ()


def test_atom_an_old_style_id_and_per_element_namespaces():
    xml = FEED.read_text(encoding="utf-8")
    p = papers_of(ArxivAtom(), FEED)["arxiv:cond-mat/0603029"]
    assert p.arxiv_id == "cond-mat/0603029"
    assert p.extra["arxiv_version"] == "v3"
    # 21:30 at -05:00 is the next day in UTC, the day the snapshot's version dates give
    assert "<published>2006-03-01T21:30:00-05:00</published>" in xml
    assert p.published == date(2006, 3, 2)
    assert p.extra["updated"] == "2006-09-12T10:02:11-04:00"
    assert p.title == "Spin Hall effect in a two-dimensional electron gas: the Schrödinger picture"
    assert p.abstract == (
        "We study the spin Hall conductivity $\\sigma_{xy}^z$ of a two-dimensional "
        "electron gas with Rashba coupling. The Ångström-scale disorder of "
        "étude-type samples is treated non-perturbatively."
    )
    assert p.authors == ("Zoë Ångström", "J. Müller")
    assert p.extra["affiliations"] == {"Zoë Ångström": ["Uppsala University", "Nordita"]}
    assert p.keywords == ("cond-mat.mes-hall", "cond-mat.str-el", "quant-ph")
    assert p.extra["comment"] == "6 pages, 3 figures"
    assert "journal_ref" not in p.extra and p.doi is None and "doi" not in p.links


def test_atom_an_entry_without_the_optional_fields():
    p = papers_of(ArxivAtom(), FEED)["arxiv:2401.04088"]
    assert p.title == "Mixture of Experts for Tiny Models"
    assert p.abstract == "We route tokens to experts."
    assert p.authors == ("Solo Author",) and p.author_count == 1
    assert p.keywords == ()
    assert p.doi is None
    assert p.links == {"abs": "http://arxiv.org/abs/2401.04088v1"}
    assert p.extra == {"arxiv_version": "v1", "updated": "2024-01-08T18:47:34Z"}


def test_atom_duplicate_categories_latex_and_math():
    p = papers_of(ArxivAtom(), FEED)["arxiv:2312.11805"]
    assert p.keywords == ("cs.CL", "cs.AI")  # cs.CL is there twice, and primary
    assert p.title == "Gemini-style evaluation: \u201cwhat\u201d to measure \u2013 and how"
    assert (
        p.abstract
        == "Benchmarks for multimodal models measure 10% of what matters, at $O(n^2)$ cost."
    )
    assert p.published == date(2023, 12, 19)
    assert p.authors == ("Ada Lovelace", "Alan Turing", "Grace Hopper")


# -- arxiv-atom: errors ----------------------------------------------------------------------


def feed(*entries: str, head: str = "") -> str:
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>\n{head}'
        '<feed xmlns="http://www.w3.org/2005/Atom">\n'
        "  <title>arXiv Query: x</title>\n" + "".join(entries) + "</feed>\n"
    )


def entry(arxiv_id: str | None, title: str | None) -> str:
    parts = ["  <entry>\n"]
    if arxiv_id is not None:
        parts.append(f"    <id>http://arxiv.org/abs/{arxiv_id}</id>\n")
    if title is not None:
        parts.append(f"    <title>{title}</title>\n")
    parts.append("    <author><name>A. Author</name></author>\n  </entry>\n")
    return "".join(parts)


def test_atom_entries_without_id_or_title_are_errors_at_their_line(tmp_path):
    text = feed(
        entry("2401.00001v1", "First"),
        entry(None, "No id"),
        entry("2401.00003v1", None),
        entry("2401.00004v1", "   "),
        entry("2401.00005v1", "Last"),
    )
    path = tmp_path / "q.atom"
    path.write_text(text, encoding="utf-8")
    got = items(ArxivAtom(), path)
    assert [type(x).__name__ for x in got] == [
        "Paper",
        "PaperclubError",
        "PaperclubError",
        "PaperclubError",
        "Paper",
    ]
    entry_lines = [n for n, line in enumerate(text.splitlines(), 1) if line.strip() == "<entry>"]
    assert [e.line for e in got[1:4]] == entry_lines[1:4]
    assert "no <id>" in got[1].message
    assert "no <title>" in got[2].message and "no <title>" in got[3].message
    assert all(e.path == str(path) for e in got[1:4])
    assert f"q.atom:{entry_lines[1]}: " in str(got[1])
    assert [p.title for p in (got[0], got[4])] == ["First", "Last"]


def test_atom_an_id_that_is_not_an_arxiv_id(tmp_path):
    text = feed("  <entry>\n    <id>urn:uuid:60a76c80</id>\n    <title>T</title>\n  </entry>\n")
    path = tmp_path / "q.atom"
    path.write_text(text, encoding="utf-8")
    [error] = items(ArxivAtom(), path)
    assert isinstance(error, PaperclubError) and "urn:uuid:60a76c80" in error.message
    assert error.line == line_of(text, "<entry>")


def test_atom_an_api_error_entry():
    text = (FIXTURES / "api-error.atom").read_text(encoding="utf-8")
    [error] = items(ArxivAtom(), FIXTURES / "api-error.atom")
    assert isinstance(error, PaperclubError)
    assert "arXiv API" in error.message and "incorrect id format for 1234.12345" in error.message
    assert error.line == line_of(text, "<entry>")


def test_atom_an_empty_result_yields_nothing():
    assert "<opensearch:totalResults" in (FIXTURES / "empty.atom").read_text(encoding="utf-8")
    assert items(ArxivAtom(), FIXTURES / "empty.atom") == []


def test_atom_malformed_xml_raises_with_its_line_after_the_good_entries(tmp_path):
    text = feed(entry("2401.00001v1", "Good"), entry("2401.00002v1", "Bad</titel>"))
    path = tmp_path / "q.atom"
    path.write_text(text, encoding="utf-8")
    got = []
    with pytest.raises(PaperclubError) as raised:
        for item in ArxivAtom().read(SourceFile(path), None):
            got.append(item)
    assert [p.title for p in got] == ["Good"]
    assert raised.value.line == line_of(text, "Bad</titel>")
    assert (
        "not well-formed XML" in raised.value.message and "mismatched tag" in raised.value.message
    )


def test_atom_a_truncated_feed(tmp_path):
    text = feed(entry("2401.00001v1", "Good"), entry("2401.00002v1", "Cut"))
    text = text[: text.index("Cut")]
    path = tmp_path / "q.atom"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(PaperclubError) as raised:
        list(ArxivAtom().read(SourceFile(path), None))
    assert raised.value.line == len(text.splitlines())
    assert "not well-formed XML" in raised.value.message


BILLION_LAUGHS = """<!DOCTYPE feed [
  <!ENTITY lol "lol">
  <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
  <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
  <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
  <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
  <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
  <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
  <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
  <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
  <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
"""


@pytest.mark.parametrize(
    "doctype",
    [
        BILLION_LAUGHS,
        '<!DOCTYPE feed [<!ENTITY secret SYSTEM "file:///etc/passwd">]>\n',
        '<!DOCTYPE feed SYSTEM "http://example.org/feed.dtd">\n',
    ],
)
def test_atom_refuses_a_doctype(tmp_path, doctype):
    body = entry(
        "2401.00001v1",
        "&lol9;" if "lol9" in doctype else "&secret;" if "secret" in doctype else "T",
    )
    text = feed(body, head=doctype)
    path = tmp_path / "bomb.atom"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(Refused) as raised:
        list(ArxivAtom().read(SourceFile(path), None))
    assert "DOCTYPE" in raised.value.message
    assert raised.value.line == line_of(text, "<!DOCTYPE")


def test_atom_not_a_feed(tmp_path):
    path = tmp_path / "rss.xml"
    path.write_text(
        '<?xml version="1.0"?>\n<rss version="2.0"><channel/></rss>\n', encoding="utf-8"
    )
    with pytest.raises(PaperclubError, match="not an Atom feed"):
        list(ArxivAtom().read(SourceFile(path), None))


def test_atom_streams_entry_by_entry(tmp_path):
    """A large feed yields its first paper long before the file is read to the end, and gives
    each entry the line it starts on."""
    n = 3000
    entries = [entry(f"2401.{i:05d}v1", f"Paper {i} " + "padding " * 150) for i in range(n)]
    entries.append(entry(None, "The last entry has no id"))
    text = feed(*entries)
    path = tmp_path / "big.atom"
    path.write_text(text, encoding="utf-8")
    size = path.stat().st_size
    assert size > 3 * (1 << 20)  # more than the 1 MB buffer of SourceFile, three times over
    read = []
    stream = ArxivAtom().read(SourceFile(path, lambda done, total: read.append(done)), None)
    first = next(stream)
    assert isinstance(first, Paper) and first.title.startswith("Paper 0 ")
    assert read[-1] < size / 2
    rest = list(stream)
    assert len(rest) == n
    assert isinstance(rest[-1], PaperclubError)
    assert (
        rest[-1].line == [k for k, line in enumerate(text.splitlines(), 1) if "<entry>" in line][-1]
    )


# -- arxiv-jsonl: fields ---------------------------------------------------------------------


def test_jsonl_reads_every_field_of_a_record():
    record = snapshot_record("0704.0001")
    p = papers_of(ArxivJSONL(), SNAPSHOT)["arxiv:0704.0001"]
    assert p.arxiv_id == "0704.0001"
    assert "\n  " in record["title"]
    assert p.title == (
        "Calculation of prompt diphoton production cross sections at Tevatron and LHC energies"
    )
    assert p.abstract == collapse(record["abstract"])
    assert p.abstract.startswith("A fully differential") and p.abstract.endswith("accuracy.")
    # from authors_parsed ("Balázs", "C."), not the LaTeX of the authors string
    assert "Bal\\'azs" in record["authors"]
    assert p.authors == ("C. Balázs", "E. L. Berger", "P. M. Nadolsky", "C. -P. Yuan")
    assert p.author_count == 4
    assert record["versions"][0]["created"] == "Mon, 2 Apr 2007 19:18:42 GMT"
    assert p.published == date(2007, 4, 2)
    assert p.keywords == ("hep-ph",)
    assert p.doi == "10.1103/physrevd.76.013009"
    assert p.links == {
        "abs": "https://arxiv.org/abs/0704.0001",
        "pdf": "https://arxiv.org/pdf/0704.0001",
        "doi": "https://doi.org/10.1103/physrevd.76.013009",
    }
    assert p.extra == {
        "comment": "37 pages, 15 figures; published version",
        "journal_ref": "Phys.Rev.D76:013009,2007",
        "report_no": "ANL-HEP-PR-07-12",
        "submitter": "Pavel Nadolsky",
        "update_date": "2008-11-13",
        "versions": 2,
        "arxiv_version": "v2",
    }  # license is null


def test_jsonl_an_old_style_id_without_authors_parsed():
    record = snapshot_record("cond-mat/0603029")
    assert record["authors_parsed"] is None
    p = papers_of(ArxivJSONL(), SNAPSHOT)["arxiv:cond-mat/0603029"]
    assert p.arxiv_id == "cond-mat/0603029"
    # "Zo{\"e} \AA ngstr\"om (Uppsala) and J. M\"uller": decoded, the affiliation dropped
    assert p.authors == ("Zoë Ångström", "J. Müller") and p.author_count == 2
    assert p.title == "Spin Hall effect in a two-dimensional electron gas: the Schrödinger picture"
    assert p.abstract == (
        "We study the spin Hall conductivity $\\sigma_{xy}^z$ of a two-dimensional "
        "electron gas with Rashba coupling."
    )
    assert p.published == date(2006, 3, 2)  # v1, not the later versions
    assert p.keywords == ("cond-mat.mes-hall", "cond-mat.str-el", "quant-ph")
    assert p.extra["versions"] == 3 and p.extra["arxiv_version"] == "v3"


def test_jsonl_nulls_leave_the_optional_fields_empty():
    record = snapshot_record("math/0309136")
    assert [k for k, v in record.items() if v is None] == [
        "submitter",
        "comments",
        "journal-ref",
        "doi",
        "report-no",
        "license",
        "abstract",
        "update_date",
    ]
    p = papers_of(ArxivJSONL(), SNAPSHOT)["arxiv:math/0309136"]
    assert p.title == (
        "Finite extinction time for the solutions to the Ricci flow on certain three-manifolds"
    )
    assert p.abstract == ""
    assert p.authors == ("Grigori Perelman",)
    assert p.doi is None
    assert p.links == {
        "abs": "https://arxiv.org/abs/math/0309136",
        "pdf": "https://arxiv.org/pdf/math/0309136",
    }
    assert p.extra == {"versions": 1, "arxiv_version": "v1"}
    assert p.published == date(2003, 7, 17)


def test_jsonl_a_record_without_versions_is_dated_by_its_id(tmp_path):
    """Some mirrors of the snapshot drop `versions`: the id still names the month."""
    path = tmp_path / "mirror.jsonl"
    rows = [
        {
            "id": "2509.05645",
            "title": "A",
            "abstract": "x",
            "categories": "cs.RO",
            "versions": [],
            "update_date": "2025-12-01",
        },
        {"id": "hep-th/9901001", "title": "B", "abstract": "y", "categories": "hep-th"},
    ]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    found = papers_of(ArxivJSONL(), path)
    assert found["arxiv:2509.05645"].published == date(2025, 9, 1)
    assert found["arxiv:hep-th/9901001"].published == date(1999, 1, 1)
    assert found["arxiv:2509.05645"].published_label == "2025-09"  # not a day it never named


def test_jsonl_latex_in_title_abstract_and_names():
    record = snapshot_record("1905.01234")
    p = papers_of(ArxivJSONL(), SNAPSHOT)["arxiv:1905.01234"]
    assert record["title"].startswith('Schr{\\"o}dinger operators')
    assert p.title == "Schrödinger operators on $\\mathbb{Z}^d$ & the Erdős problem \u2014 a survey"
    assert p.abstract == (
        "We revisit \u201cspectral gaps\u201d of $H = -\\Delta + V$ on $\\mathbb{Z}^d$ for décoré "
        "potentials, pages 1\u201310 of Garçon's notes, 50% shorter. A second paragraph by "
        "Straße & co."
    )
    assert p.authors == ("François Garçon", "P. Erdős", "J. Smith Jr")
    assert p.extra["comment"] == "Straße edition"
    assert p.extra["license"] == "http://creativecommons.org/licenses/by/4.0/"
    assert p.doi == "10.48550/arxiv.1905.01234"  # from a doi.org URL
    assert p.keywords == ("math.SP", "math-ph", "math.MP")


def test_jsonl_versions_out_of_order_and_a_null_name_part():
    record = snapshot_record("2312.11805")
    assert [v["version"] for v in record["versions"]] == ["v2", "v1", "v4", "v3"]
    p = papers_of(ArxivJSONL(), SNAPSHOT)["arxiv:2312.11805"]
    assert p.published == date(2023, 12, 19)  # v1's date
    assert p.extra["arxiv_version"] == "v4" and p.extra["versions"] == 4
    assert ["Turing", "Alan", None] in record["authors_parsed"]
    assert p.authors == ("Ada Lovelace", "Alan Turing", "Grace Hopper")
    assert p.title == "Gemini-style evaluation: \u201cwhat\u201d to measure \u2013 and how"


def test_jsonl_errors_name_their_lines_and_the_rest_is_read():
    text = SNAPSHOT.read_text(encoding="utf-8")
    got = items(ArxivJSONL(), SNAPSHOT)
    errors = [e for e in got if isinstance(e, PaperclubError)]
    assert [e.line for e in errors] == [
        line_of(text, '"id":"2101.00001"'),
        line_of(text, '"id":"2101.00002"'),
        line_of(text, '["2101.00003"'),
    ]
    assert "not valid JSON" in errors[0].message
    assert "no title" in errors[1].message
    assert "a list" in errors[2].message
    assert all(e.path == str(SNAPSHOT) for e in errors)
    blank = [n for n, line in enumerate(text.splitlines(), 1) if not line.strip()]
    assert blank and not {e.line for e in errors} & set(blank)  # blank lines are skipped
    assert len([p for p in got if isinstance(p, Paper)]) == 6


def test_jsonl_a_record_without_an_id_or_of_odd_types(tmp_path):
    lines = [
        '{"title": "No id"}',
        '{"id": "not an id", "title": "T"}',
        '{"id": "2101.00004", "title": "T", "versions": "v1"}',
        '{"id": "2101.00005", "title": "T", "versions": [{"version": "v1", "created": "yesterday"}]}',
        '{"id": "2101.00006", "title": "Fine", "authors_parsed": [["Solo"]]}',
    ]
    path = tmp_path / "s.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    got = items(ArxivJSONL(), path)
    assert [getattr(x, "line", None) for x in got[:4]] == [1, 2, 3, 4]
    assert "no id" in got[0].message
    assert "'not an id' is not an arXiv id" in got[1].message
    assert "2101.00004" in got[2].message
    assert "yesterday" in got[3].message
    assert isinstance(got[4], Paper) and got[4].authors == ("Solo",)


def test_jsonl_json_and_orjson_read_alike(monkeypatch):
    import orjson  # a dependency: its absence must fail, not skip

    with_json = list(read_records(SourceFile(SNAPSHOT), json.loads))
    with_orjson = list(read_records(SourceFile(SNAPSHOT), orjson.loads))
    assert [p for p in with_json if isinstance(p, Paper)] == [
        p for p in with_orjson if isinstance(p, Paper)
    ]
    assert [e.line for e in with_json if isinstance(e, PaperclubError)] == [
        e.line for e in with_orjson if isinstance(e, PaperclubError)
    ]


def test_jsonl_the_stdlib_parser_when_orjson_is_missing(monkeypatch):
    import builtins

    from paperclub.default_plugins import arxiv_jsonl

    real_import = builtins.__import__

    def no_orjson(name, *args, **kwargs):
        if name == "orjson":
            raise ImportError(name)
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_orjson)
    assert arxiv_jsonl.json_loads() is json.loads
    assert len(papers_of(ArxivJSONL(), SNAPSHOT)) == 6


def test_jsonl_a_byte_order_mark_and_crlf(tmp_path):
    line = SNAPSHOT.read_text(encoding="utf-8").splitlines()[0]
    path = tmp_path / "s.jsonl"
    path.write_bytes(b"\xef\xbb\xbf" + line.encode() + b"\r\n\r\n" + line.encode() + b"\r\n")
    got = items(ArxivJSONL(), path)
    assert [p.id for p in got] == ["arxiv:0704.0001", "arxiv:0704.0001"]


def test_jsonl_bytes_that_are_not_utf8(tmp_path):
    path = tmp_path / "s.jsonl"
    path.write_bytes(b'{"id": "2101.00001", "title": "Caf\xe9"}\n')
    [error] = items(ArxivJSONL(), path)
    assert isinstance(error, PaperclubError) and error.line == 1


def test_jsonl_streams_line_by_line(tmp_path):
    line = SNAPSHOT.read_text(encoding="utf-8").splitlines()[0]
    path = tmp_path / "big.jsonl"
    path.write_text((line + "\n") * 4000, encoding="utf-8")
    size = path.stat().st_size
    assert size > 3 * (1 << 20)
    read = []
    stream = ArxivJSONL().read(SourceFile(path, lambda done, total: read.append(done)), None)
    assert isinstance(next(stream), Paper)
    assert read[-1] < size / 2
    assert sum(1 for _ in stream) == 3999


# -- detection -------------------------------------------------------------------------------


def head_of(path: Path) -> str:
    return path.read_bytes()[: sources.HEAD_SIZE].decode("utf-8", errors="replace").lstrip("\ufeff")


def test_detect_tells_the_formats_apart(tmp_path):
    atom, jsonl = ArxivAtom(), ArxivJSONL()
    for path in (FEED, FIXTURES / "api-error.atom", FIXTURES / "empty.atom"):
        assert atom.detect(path, head_of(path)) and not jsonl.detect(path, head_of(path))
    assert jsonl.detect(SNAPSHOT, head_of(SNAPSHOT)) and not atom.detect(
        SNAPSHOT, head_of(SNAPSHOT)
    )
    # paperclub's own JSON, a list of papers, is neither
    assert not jsonl.detect(SAMPLE, head_of(SAMPLE)) and not atom.detect(SAMPLE, head_of(SAMPLE))
    one = tmp_path / "one.json"
    one.write_text(json.dumps(json.loads(SAMPLE.read_text(encoding="utf-8"))[0]), encoding="utf-8")
    assert not jsonl.detect(
        one, head_of(one)
    )  # a paper object: no abstract/versions/authors_parsed
    # a Hugging Face page saved as text
    page = tmp_path / "page.txt"
    page.write_text(
        "Daily Papers\nby AK\n\nA title\nAn abstract.\n• 3 authors\n·\nMar 3, 2024 5\n",
        encoding="utf-8",
    )
    assert not jsonl.detect(page, head_of(page)) and not atom.detect(page, head_of(page))
    # an Atom feed that is not from arXiv
    blog = tmp_path / "blog.atom"
    blog.write_text(
        '<?xml version="1.0"?>\n<feed xmlns="http://www.w3.org/2005/Atom">'
        "<title>A blog</title><entry><id>tag:blog,2024:1</id></entry></feed>\n",
        encoding="utf-8",
    )
    assert not atom.detect(blog, head_of(blog))


def test_detect_a_first_record_longer_than_the_head(tmp_path):
    record = snapshot_record("0704.0001")
    record["authors_parsed"] = [["Author", f"A{i}.", ""] for i in range(2000)]
    path = tmp_path / "s.jsonl"
    path.write_text(json.dumps(record) + "\n", encoding="utf-8")
    head = head_of(path)
    assert len(head) == sources.HEAD_SIZE and "\n" not in head
    assert ArxivJSONL().detect(path, head)


def test_every_registered_source_sends_the_fixtures_to_the_arxiv_sources():
    registry = Hooks(get_plugin_manager()).sources
    assert {"arxiv-atom", "arxiv-jsonl"} <= set(registry)
    for path, name in (
        (FEED, "arxiv-atom"),
        (FIXTURES / "empty.atom", "arxiv-atom"),
        (SNAPSHOT, "arxiv-jsonl"),
    ):
        claimed = [s.name for s in registry.values() if s.detect(path, head_of(path))]
        assert claimed == [name], path
        assert sources.resolve(str(path), registry)[1].name == name
    assert sources.resolve("paperclub:sample", registry)[1].name == "paperclub-json"
    assert not [
        s.name
        for s in registry.values()
        if s.name.startswith("arxiv") and s.detect(SAMPLE, head_of(SAMPLE))
    ]


# -- the command line ------------------------------------------------------------------------


def copy(workspace: Path, path: Path, name: str | None = None) -> str:
    target = workspace / (name or path.name)
    target.write_bytes(path.read_bytes())
    return target.name


def listed(run) -> dict[str, dict]:
    result = run("papers", "--json", "--limit", "0")
    assert result.exit_code == 0, result
    return {p["id"]: p for p in json.loads(result.stdout)}


def papers_table(workspace: Path) -> list[tuple]:
    db = sqlite3.connect(workspace / "catalog.sqlite")
    try:
        return db.execute("SELECT * FROM papers ORDER BY id").fetchall()
    finally:
        db.close()


def test_cli_a_bad_record_stops_the_import(run, workspace):
    name = copy(workspace, SNAPSHOT)
    bad = line_of(SNAPSHOT.read_text(encoding="utf-8"), '"id":"2101.00001"')
    result = run("import", name)
    assert result.exit_code == 1, result
    assert f"{name}:{bad}: not valid JSON" in result.stderr
    assert "Traceback" not in result.stderr
    assert sorted(p.name for p in workspace.iterdir()) == [name]  # no catalog left behind


def test_cli_skip_invalid_imports_the_rest_and_lists_the_skipped(run, workspace):
    name = copy(workspace, SNAPSHOT)
    text = SNAPSHOT.read_text(encoding="utf-8")
    result = run("import", name, "--skip-invalid")
    assert result.exit_code == 0, result
    assert f"arxiv-jsonl:{name}: 6 papers, 6 new" in result.stdout
    assert "skipped 3 invalid records" in result.stderr
    for marker in ('"id":"2101.00001"', '"id":"2101.00002"', '["2101.00003"'):
        assert f"{name}:{line_of(text, marker)}: " in result.stderr
    assert len(listed(run)) == 6


def test_cli_an_api_error_and_a_bomb(run, workspace):
    result = run("import", copy(workspace, FIXTURES / "api-error.atom"))
    assert result.exit_code == 1, result
    line = line_of((FIXTURES / "api-error.atom").read_text(encoding="utf-8"), "<entry>")
    assert f"api-error.atom:{line}: the arXiv API answered with an error" in result.stderr
    (workspace / "bomb.atom").write_text(
        feed(entry("2401.00001v1", "&lol9;"), head=BILLION_LAUGHS), encoding="utf-8"
    )
    result = run("import", "bomb.atom", "--format", "arxiv-atom", "--skip-invalid")
    assert result.exit_code == 1, result
    assert "bomb.atom:2: refusing a DOCTYPE" in result.stderr
    assert "Traceback" not in result.stderr


def test_cli_an_empty_result(run, workspace):
    result = run("import", copy(workspace, FIXTURES / "empty.atom"))
    assert result.exit_code == 0, result
    assert "arxiv-atom:empty.atom: 0 papers" in result.stdout


def test_cli_the_same_papers_from_atom_and_jsonl_are_one_row_each(run, workspace):
    atom, jsonl = copy(workspace, FEED), copy(workspace, SNAPSHOT)
    assert run("import", atom).exit_code == 0
    result = run("import", jsonl, "--skip-invalid", "--json")
    assert result.exit_code == 0, result
    [summary] = json.loads(result.stdout)
    assert (summary["papers"], summary["added"], summary["updated"]) == (6, 3, 3)

    papers = listed(run)
    assert len(papers) == 4 + 6 - 3  # 0704.0001, cond-mat/0603029 and 2312.11805 are in both
    both = [f"arxiv-atom:{atom}", f"arxiv-jsonl:{jsonl}"]
    p = papers["arxiv:0704.0001"]
    assert p["sources"] == both
    assert p["title"] == (
        "Calculation of prompt diphoton production cross sections at Tevatron and LHC energies"
    )
    assert p["authors"] == ["C. Balázs", "E. L. Berger", "P. M. Nadolsky", "C. -P. Yuan"]
    assert p["author_count"] == 4
    assert p["published"] == "2007-04-02"
    assert p["keywords"] == ["hep-ph", "hep-ex"]  # the feed's cross-list kept
    assert p["doi"] == "10.1103/physrevd.76.013009"
    # the feed came first: its links win; the snapshot adds what the feed lacks
    assert p["links"] == {
        "abs": "http://arxiv.org/abs/0704.0001v2",
        "pdf": "http://arxiv.org/pdf/0704.0001v2",
        "doi": "http://dx.doi.org/10.1103/PhysRevD.76.013009",
    }
    assert p["extra"] == {
        "affiliations": {"C. Balázs": ["Argonne National Laboratory"]},  # feed only
        "arxiv_version": "v2",
        "comment": "37 pages, 15 figures; published version",
        "journal_ref": "Phys.Rev.D76:013009,2007",
        "report_no": "ANL-HEP-PR-07-12",  # snapshot only
        "submitter": "Pavel Nadolsky",  # snapshot only
        "update_date": "2008-11-13",  # snapshot only
        "updated": "2007-07-24T20:10:27Z",  # feed only
        "versions": 2,  # snapshot only
    }
    old = papers["arxiv:cond-mat/0603029"]
    assert old["sources"] == both
    assert old["published"] == "2006-03-02"  # the feed's -05:00 evening is the snapshot's UTC day
    assert old["arxiv_id"] == "cond-mat/0603029"
    assert papers["arxiv:2312.11805"]["sources"] == both
    assert papers["arxiv:2401.04088"]["sources"] == [f"arxiv-atom:{atom}"]
    assert papers["arxiv:math/0309136"]["sources"] == [f"arxiv-jsonl:{jsonl}"]
    # search finds decoded text
    result = run("papers", "--json", "Schrödinger")
    assert result.exit_code == 0, result
    assert {q["id"] for q in json.loads(result.stdout)} == {
        "arxiv:cond-mat/0603029",
        "arxiv:1905.01234",
    }


def test_cli_importing_again_changes_nothing(run, workspace):
    atom, jsonl = copy(workspace, FEED), copy(workspace, SNAPSHOT)
    assert run("import", atom).exit_code == 0
    assert run("import", jsonl, "--skip-invalid").exit_code == 0
    before = papers_table(workspace)

    again = run("import", atom, jsonl, "--skip-invalid")
    assert again.exit_code == 0, again
    assert again.stdout.count("unchanged since the last import") == 2
    assert papers_table(workspace) == before

    # the same records in files that changed otherwise are read again, and merge to the same rows
    (workspace / atom).write_text(FEED.read_text(encoding="utf-8") + "\n\n", encoding="utf-8")
    (workspace / jsonl).write_text(SNAPSHOT.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    result = run("import", jsonl, atom, "--skip-invalid", "--json")
    assert result.exit_code == 0, result
    assert [(r["papers"], r["added"], r["updated"]) for r in json.loads(result.stdout)] == [
        (6, 0, 0),
        (4, 0, 0),
    ]
    assert papers_table(workspace) == before


def test_cli_detects_both_formats(run, workspace):
    result = run(
        "import",
        copy(workspace, FEED, "results.xml"),
        copy(workspace, SNAPSHOT, "dump.json"),
        "--skip-invalid",
    )
    assert result.exit_code == 0, result
    assert "arxiv-atom:results.xml: 4 papers" in result.stdout
    assert "arxiv-jsonl:dump.json: 6 papers" in result.stdout


def test_cli_the_formats_are_listed_by_name(run, workspace):
    result = run("import", copy(workspace, FEED), "--format", "nope")
    assert result.exit_code == 1
    assert re.search(r"arxiv-atom.*arxiv-jsonl", result.stderr)
