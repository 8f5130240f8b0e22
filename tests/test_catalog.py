"""The catalog (catalog.py): importing files all or nothing, merging, and querying."""

from __future__ import annotations

import json
import re
import sqlite3
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest

from hfpage import SAMPLE, entry_blocks, header_lines, join_blocks, load_sample, render_page
from paperclub.catalog import Catalog, merge
from paperclub.default_plugins.hf_page import HFPageText
from paperclub.default_plugins.paperclub_json import PaperclubJSON
from paperclub.errors import PaperclubError
from paperclub.models import Paper

AS_OF = date(2025, 11, 25)
SAMPLE_LABEL = "paperclub:sample"


@pytest.fixture
def catalog(tmp_path):
    with Catalog(tmp_path / "catalog.sqlite") as cat:
        yield cat


def import_sample(cat: Catalog):
    return cat.import_file(SAMPLE, PaperclubJSON(), SAMPLE_LABEL, None)


def snapshot(path: Path) -> tuple[list[tuple], list[tuple]]:
    """Every row of both tables, read by a connection of its own."""
    db = sqlite3.connect(path)
    try:
        papers = db.execute("SELECT * FROM papers ORDER BY id").fetchall()
        imports = db.execute("SELECT * FROM imports ORDER BY source").fetchall()
    finally:
        db.close()
    return papers, imports


def write_json(path: Path, records: list[dict]) -> Path:
    path.write_text(json.dumps(records, indent=2), encoding="utf-8")
    return path


# -- importing -----------------------------------------------------------------------------


def test_importing_the_sample(catalog):
    sample = load_sample()
    result = import_sample(catalog)
    assert (result.source, result.papers, result.added, result.updated) == (
        SAMPLE_LABEL,
        len(sample),
        len(sample),
        0,
    )
    assert not result.skipped_unchanged_file
    assert len(catalog) == len(sample) == 87
    papers = list(catalog.papers())
    assert sorted(p.id for p in papers) == sorted(r["id"] for r in sample)
    by_id = {r["id"]: r for r in sample}
    for paper in papers:
        record = by_id[paper.id]
        assert paper.title == record["title"]
        assert (paper.published.isoformat() if paper.published else None) == record["published"]
        assert paper.author_count == record["author_count"]
        assert paper.organisation == record["organisation"]
        assert paper.upvotes == record["upvotes"]
        assert paper.links == record["links"]
        assert list(paper.topics) == record["topics"]
        assert paper.sources == (SAMPLE_LABEL,)
        assert catalog.get(paper.id) == paper


def test_importing_the_same_file_again_adds_nothing(catalog):
    import_sample(catalog)
    before = snapshot(catalog.path)
    again = import_sample(catalog)
    assert again.skipped_unchanged_file
    assert (again.papers, again.added, again.updated) == (87, 0, 0)
    assert len(catalog) == 87
    assert snapshot(catalog.path) == before


def test_the_catalog_persists_across_opens(tmp_path):
    path = tmp_path / "catalog.sqlite"
    with Catalog(path) as cat:
        import_sample(cat)
    with Catalog(path) as cat:
        assert len(cat) == 87
        assert import_sample(cat).skipped_unchanged_file


def test_a_changed_file_is_read_again_and_merged(catalog, tmp_path):
    sample = load_sample()
    path = write_json(tmp_path / "papers.json", sample)
    first = catalog.import_file(path, PaperclubJSON(), "mine", None)
    assert (first.added, first.updated) == (len(sample), 0)

    changed = [dict(r) for r in sample]
    changed[5]["upvotes"] = sample[5]["upvotes"] + 10
    new = {
        "id": "a-new-paper",
        "title": "A New Paper",
        "published": "2025-11-20",
        "author_count": 2,
        "organisation": None,
        "upvotes": 1,
        "links": {},
        "topics": [],
    }
    write_json(path, changed + [new])
    second = catalog.import_file(path, PaperclubJSON(), "mine", None)

    assert not second.skipped_unchanged_file
    assert (second.papers, second.added, second.updated) == (len(sample) + 1, 1, 1)
    assert len(catalog) == len(sample) + 1
    assert catalog.get(sample[5]["id"]).upvotes == sample[5]["upvotes"] + 10
    assert catalog.get("a-new-paper").title == "A New Paper"
    assert catalog.get(sample[5]["id"]).sources == ("mine",)
    # and it is remembered as the file's new state
    assert catalog.import_file(path, PaperclubJSON(), "mine", None).skipped_unchanged_file


def test_a_different_as_of_reads_the_file_again(catalog, tmp_path):
    papers = [p for p in load_sample() if p["published"]][:3]
    path = tmp_path / "page.txt"
    path.write_text(render_page(papers, AS_OF), encoding="utf-8")
    catalog.import_file(path, HFPageText(), "hf-page:page.txt", AS_OF)
    again = catalog.import_file(path, HFPageText(), "hf-page:page.txt", date(2020, 1, 1))
    assert not again.skipped_unchanged_file
    assert again.papers == len(papers)


def test_the_same_papers_from_another_source_merge_into_one_row(catalog, tmp_path):
    sample = load_sample()
    import_sample(catalog)
    path = tmp_path / "page.txt"
    path.write_text(render_page(sample, AS_OF), encoding="utf-8")
    result = catalog.import_file(path, HFPageText(), "hf-page:page.txt", AS_OF)
    assert (result.papers, result.added) == (len(sample), 0)
    # every paper gains an abstract and a second source
    assert result.updated == len(sample)
    assert len(catalog) == len(sample)
    for paper, record in zip(
        sorted(catalog.papers(), key=lambda p: p.id), sorted(sample, key=lambda r: r["id"])
    ):
        assert paper.sources == (SAMPLE_LABEL, "hf-page:page.txt")
        assert paper.abstract  # filled from the page
        assert list(paper.topics) == record["topics"]  # kept from the sample
        assert paper.links == record["links"]
        assert paper.upvotes == record["upvotes"]


# -- merge ---------------------------------------------------------------------------------


def paper(**fields) -> Paper:
    return Paper(**{"id": "p", "title": "A Paper", **fields})


def test_merge_takes_the_most_upvotes():
    assert merge(paper(upvotes=7), paper(upvotes=3)).upvotes == 7
    assert merge(paper(upvotes=3), paper(upvotes=7)).upvotes == 7


def test_merge_keeps_the_first_link_of_a_kind():
    old = paper(links={"code": "https://github.com/old/repo"})
    new = paper(
        links={
            "code": "https://github.com/new/repo",
            "data": "https://huggingface.co/datasets/new/set",
        }
    )
    assert merge(old, new).links == {
        "code": "https://github.com/old/repo",
        "data": "https://huggingface.co/datasets/new/set",
    }
    assert merge(new, old).links == {
        "code": "https://github.com/new/repo",
        "data": "https://huggingface.co/datasets/new/set",
    }


def test_merge_unions_sources_topics_and_keywords_in_order():
    old = paper(sources=("a", "b"), topics=("t1", "t2"), keywords=("k1",))
    new = paper(sources=("b", "c"), topics=("t3", "t1"), keywords=("k2", "k1"))
    merged = merge(old, new)
    assert merged.sources == ("a", "b", "c")
    assert merged.topics == ("t1", "t2", "t3")
    assert merged.keywords == ("k1", "k2")


def test_merge_fills_empty_fields_from_either_record():
    full = paper(
        abstract="An abstract.",
        authors=("Ada", "Alan"),
        author_count=2,
        organisation="Apple",
        published=date(2024, 3, 3),
    )
    empty = paper()
    for merged in (merge(full, empty), merge(empty, full)):
        assert merged.abstract == "An abstract."
        assert merged.authors == ("Ada", "Alan")
        assert merged.author_count == 2
        assert merged.organisation == "Apple"
        assert merged.published == date(2024, 3, 3)
        assert merged.id == "p" and merged.title == "A Paper"


def test_merge_of_a_record_with_itself_changes_nothing():
    record = paper(
        abstract="x",
        upvotes=4,
        links={"code": "https://github.com/a/b"},
        topics=("t",),
        sources=("s",),
        published=date(2024, 1, 2),
        author_count=3,
    )
    assert merge(record, record) == record


# -- all or nothing ------------------------------------------------------------------------


def broken_page(path: Path, bad_index: int = 2, count: int = 5) -> tuple[Path, list[dict]]:
    """A page of `count` dated papers whose paper number `bad_index` (0-based) has a date
    that is not one."""
    papers = [p for p in load_sample() if p["published"]][:count]
    blocks = [[line] for line in header_lines(AS_OF)]
    for n, record in enumerate(papers):
        entry = entry_blocks(record, AS_OF)
        if n == bad_index:
            entry[-1][-1] = "Feb 30, 2024"
        blocks += entry
    path.write_text(join_blocks(blocks), encoding="utf-8")
    return path, papers


def test_a_failed_import_leaves_the_catalog_as_it_was(catalog, tmp_path):
    import_sample(catalog)
    other = write_json(tmp_path / "other.json", [{"id": "other", "title": "Other", "upvotes": 1}])
    catalog.import_file(other, PaperclubJSON(), "other", None)
    before = snapshot(catalog.path)
    assert len(before[0]) == 88 and len(before[1]) == 2

    path, papers = broken_page(tmp_path / "broken.txt")
    with pytest.raises(PaperclubError) as info:
        catalog.import_file(path, HFPageText(), "hf-page:broken.txt", AS_OF)
    assert info.value.line is not None

    assert snapshot(catalog.path) == before
    assert len(catalog) == 88
    # the catalog still works, on the same connection
    assert catalog.get(papers[0]["id"]).sources == (SAMPLE_LABEL,)


def test_a_failed_import_adds_none_of_the_papers_before_the_bad_one(catalog, tmp_path):
    path, papers = broken_page(tmp_path / "broken.txt", bad_index=2)
    with pytest.raises(PaperclubError):
        catalog.import_file(path, HFPageText(), "hf-page:broken.txt", AS_OF)
    assert len(catalog) == 0
    for record in papers[:2]:
        assert catalog.get(record["id"]) is None
    assert snapshot(catalog.path) == ([], [])
    # a later import of the fixed file is not mistaken for an unchanged one
    fixed, _ = broken_page(tmp_path / "broken.txt", bad_index=-1)
    result = catalog.import_file(fixed, HFPageText(), "hf-page:broken.txt", AS_OF)
    assert not result.skipped_unchanged_file
    assert result.added == len(papers) == len(catalog)


def test_a_failed_import_keeps_existing_rows_unmerged(catalog, tmp_path):
    """The papers before the bad record are in the catalog already: they are not updated."""
    import_sample(catalog)
    before = snapshot(catalog.path)
    path, papers = broken_page(tmp_path / "broken.txt", bad_index=3)
    with pytest.raises(PaperclubError):
        catalog.import_file(path, HFPageText(), "hf-page:broken.txt", AS_OF)
    assert snapshot(catalog.path) == before
    for record in papers[:3]:
        got = catalog.get(record["id"])
        assert got.sources == (SAMPLE_LABEL,) and got.abstract == ""


class Interrupted:
    """A source that reads two papers, then the user presses Ctrl-C."""

    name = "interrupted"

    def detect(self, path, head):
        return False

    def read(self, file, as_of):
        yield Paper(id="one", title="One")
        yield Paper(id="two", title="Two")
        raise KeyboardInterrupt


def test_an_interrupted_import_leaves_the_catalog_as_it_was(catalog, tmp_path):
    import_sample(catalog)
    before = snapshot(catalog.path)
    path = tmp_path / "anything.txt"
    path.write_text("x", encoding="utf-8")
    with pytest.raises(KeyboardInterrupt):
        catalog.import_file(path, Interrupted(), "interrupted:anything.txt", None)
    assert snapshot(catalog.path) == before
    assert catalog.get("one") is None


# -- querying ------------------------------------------------------------------------------


QUERY_PAPERS = [
    {"id": "fast-attention", "title": "Fast Attention", "abstract": "We make it quick."},
    {"id": "slow", "title": "A Slow Method", "abstract": "Attention is all we FAST for."},
    {"id": "attention-only", "title": "Attention Only", "abstract": "Nothing else."},
    {"id": "percent", "title": "100% Accurate Parsing", "abstract": "Exactly."},
    {"id": "thousand", "title": "1000 Accurate Parsers", "abstract": "A lot of them."},
    {"id": "snake", "title": "Names in snake_case", "abstract": "Underscores."},
    {"id": "snakes", "title": "Names in snakeXcase", "abstract": "No underscores."},
    {"id": "backslash", "title": "Paths like C:\\temp", "abstract": "Windows."},
]


@pytest.fixture
def query_catalog(catalog, tmp_path):
    catalog.import_file(write_json(tmp_path / "q.json", QUERY_PAPERS), PaperclubJSON(), "q", None)
    return catalog


def found(cat: Catalog, query: str | None = None, sources=None) -> list[str]:
    return [p.id for p in cat.papers(query, sources=sources)]


def expected(predicate) -> list[str]:
    return sorted(r["id"] for r in QUERY_PAPERS if predicate(r))


def words(text: str) -> list[str]:
    """Words as the full-text index sees them: letters and digits; the rest separates."""
    return re.findall(r"[^\W_]+", text.casefold())


def has_every_word(query: str):
    def predicate(record):
        text = set(words(record["title"] + "\n" + record["abstract"]))
        return all(word in text for word in words(query))

    return predicate


@pytest.mark.parametrize(
    "query",
    [
        "attention",
        "ATTENTION",
        "fast attention",
        "Attention FAST",
        "quick",
        "accurate",
        "method slow",
        "nothing",
        "absent",
        "100%",
        "snake_case",
        "snake%case",
        "C:\\temp",
        "att%n",
        "a_c",
        "parsing",
        "parsers",
    ],
)
def test_a_query_matches_every_word_in_title_or_abstract(query_catalog, query):
    assert sorted(found(query_catalog, query)) == expected(has_every_word(query))


def test_query_spot_checks(query_catalog):
    # one word in the title, the other in the abstract, of a different case
    assert found(query_catalog, "slow fast") == ["slow"]
    # a hit in the title ranks above a hit in the abstract
    assert found(query_catalog, "FAST attention") == ["fast-attention", "slow"]
    assert found(query_catalog, "fast") == ["fast-attention", "slow"]
    # punctuation is not query syntax
    assert found(query_catalog, "100%") == ["percent"]
    assert found(query_catalog, "snake_case") == ["snake"]
    # a quoted phrase keeps its order; a trailing * is a prefix
    assert found(query_catalog, '"fast attention"') == ["fast-attention"]
    assert sorted(found(query_catalog, "pars*")) == ["percent", "thousand"]


@pytest.mark.parametrize("query", ["%", "_", "\\", '""', "*"])
def test_a_query_of_punctuation_only_is_an_error(query_catalog, query):
    with pytest.raises(PaperclubError, match="nothing to search for"):
        found(query_catalog, query)


def test_no_query_lists_every_paper_in_id_order(query_catalog):
    assert found(query_catalog) == sorted(r["id"] for r in QUERY_PAPERS)
    assert found(query_catalog, "") == found(query_catalog, "   ") == found(query_catalog)


def test_a_query_ignores_the_case_of_accented_letters(catalog, tmp_path):
    records = [{"id": "uber", "title": "Über Attention", "abstract": ""}]
    catalog.import_file(write_json(tmp_path / "u.json", records), PaperclubJSON(), "u", None)
    assert found(catalog, "über") == ["uber"]


def test_papers_by_source_label(catalog, tmp_path):
    sample = load_sample()
    import_sample(catalog)
    mine = [
        {"id": sample[0]["id"], "title": sample[0]["title"]},
        {"id": "only-mine", "title": "Only Mine"},
    ]
    catalog.import_file(write_json(tmp_path / "mine.json", mine), PaperclubJSON(), "mine", None)

    assert found(catalog, sources=["mine"]) == sorted([sample[0]["id"], "only-mine"])
    assert found(catalog, sources=[SAMPLE_LABEL]) == sorted(r["id"] for r in sample)
    assert found(catalog, sources=[SAMPLE_LABEL, "mine"]) == sorted(
        [r["id"] for r in sample] + ["only-mine"]
    )
    assert found(catalog, sources=["nobody"]) == []
    assert found(catalog, sources=[]) == []
    # with a query too
    assert found(catalog, "only", sources=["mine"]) == ["only-mine"]
    assert found(catalog, "only", sources=[SAMPLE_LABEL]) == expected_sample_with(sample, "only")


def expected_sample_with(sample: list[dict], word: str) -> list[str]:
    return sorted(r["id"] for r in sample if word.lower() in r["title"].lower())


# -- the file ------------------------------------------------------------------------------


def test_a_file_that_is_not_a_catalog(tmp_path):
    path = tmp_path / "catalog.sqlite"
    path.write_text("this is not a database, just text\n" * 100, encoding="utf-8")
    with pytest.raises(PaperclubError) as info:
        Catalog(path)
    assert str(path) in str(info.value)


def test_a_catalog_from_a_newer_paperclub(tmp_path):
    path = tmp_path / "catalog.sqlite"
    db = sqlite3.connect(path)
    db.execute("PRAGMA user_version=99")
    db.close()
    with pytest.raises(PaperclubError) as info:
        Catalog(path)
    assert "99" in str(info.value)


def test_rows_round_trip_every_field(catalog, tmp_path):
    record = Paper(
        id="arxiv:2401.00001",
        title="Ünïcode “Title”",
        abstract="An abstract.",
        authors=("Ada Lovelace", "Alan Turing"),
        author_count=2,
        organisation="Org",
        published=date(2024, 2, 29),
        upvotes=12,
        links={"code": "https://github.com/a/b", "data": "https://zenodo.org/r/1"},
        keywords=("cs.LG",),
        topics=("training", "systems"),
    )
    path = write_json(tmp_path / "one.json", [record.to_json()])
    catalog.import_file(path, PaperclubJSON(), "one", None)
    assert catalog.get(record.id) == replace(record, sources=("one",))


# -- the full-text index follows the rows ---------------------------------------------------


def fts_ids(cat: Catalog, query: str) -> set[str]:
    return {p.id for p in cat.papers(query)}


@pytest.fixture(params=["whole", "record by record"])
def chunking(request, monkeypatch):
    """Import in the usual batches, or one record per batch and per index chunk, so that rows
    are indexed before later records of the same file change them."""
    if request.param != "whole":
        import paperclub.catalog

        monkeypatch.setattr(paperclub.catalog, "BATCH", 1)


def check_index(cat: Catalog) -> None:
    """FTS5's own check that the index holds exactly the rows' text (raises if not)."""
    cat.db.execute("INSERT INTO papers_fts(papers_fts, rank) VALUES ('integrity-check', 1)")


def test_the_index_follows_merged_text(catalog, tmp_path, chunking):
    """A paper first known by title only gains an abstract from a later source: the words of
    the abstract become searchable, in the same import or a later one, and nothing is
    indexed twice."""
    first = [
        {"title": "Quiet Paper", "abstract": ""},
        {"title": "Other Paper", "abstract": "zebra"},
    ]
    catalog.import_file(write_json(tmp_path / "a.json", first), PaperclubJSON(), "a", None)
    assert fts_ids(catalog, "zebra") == {"other-paper"}
    assert fts_ids(catalog, "walrus") == set()
    # the same paper twice in one file: added, then filled in by the second record
    second = [
        {"title": "Quiet paper", "abstract": "walrus"},
        {"title": "New Paper", "abstract": ""},
        {"title": "New paper", "abstract": "okapi"},
    ]
    catalog.import_file(write_json(tmp_path / "b.json", second), PaperclubJSON(), "b", None)
    assert fts_ids(catalog, "walrus") == {"quiet-paper"}
    assert fts_ids(catalog, "okapi") == {"new-paper"}
    assert fts_ids(catalog, "paper") == {"quiet-paper", "other-paper", "new-paper"}
    assert len(catalog) == 3
    check_index(catalog)


def test_an_arxiv_id_upgrades_a_title_id_and_keeps_an_alias(catalog, tmp_path):
    catalog.import_file(
        write_json(tmp_path / "a.json", [{"title": "Attention Is All You Need"}]),
        PaperclubJSON(),
        "a",
        None,
    )
    later = [{"title": "Attention is all you need", "arxiv_id": "1706.03762v7"}]
    catalog.import_file(write_json(tmp_path / "b.json", later), PaperclubJSON(), "b", None)
    assert len(catalog) == 1
    paper = catalog.get("attention-is-all-you-need")
    assert paper is not None and paper.id == "arxiv:1706.03762"
    assert catalog.get("arxiv:1706.03762") == paper
    assert paper.sources == ("a", "b")


def test_same_title_different_arxiv_ids_stay_two_papers(catalog, tmp_path):
    records = [
        {"title": "Scaling Laws", "arxiv_id": "2001.08361"},
        {"title": "Scaling laws", "arxiv_id": "2203.15556"},
    ]
    catalog.import_file(write_json(tmp_path / "a.json", records), PaperclubJSON(), "a", None)
    assert {p.id for p in catalog.papers()} == {"arxiv:2001.08361", "arxiv:2203.15556"}


def test_a_precise_date_wins_over_a_year(catalog, tmp_path):
    """BibTeX often knows only the year (stored as 1 January): an exact date replaces it,
    whichever arrives first."""
    year_only = [
        {"title": "Attention", "published": "2017-01-01", "extra": {"date_precision": "year"}}
    ]
    exact = [{"title": "Attention", "published": "2017-06-12"}]
    catalog.import_file(write_json(tmp_path / "a.json", year_only), PaperclubJSON(), "a", None)
    catalog.import_file(write_json(tmp_path / "b.json", exact), PaperclubJSON(), "b", None)
    paper = catalog.get("attention")
    assert paper.published == date(2017, 6, 12) and "date_precision" not in paper.extra
    earlier = [{"title": "Attention", "published": "2017-06-01"}]
    catalog.import_file(write_json(tmp_path / "c.json", earlier), PaperclubJSON(), "c", None)
    assert catalog.get("attention").published == date(2017, 6, 1)  # equally precise: earlier


# -- upgrading a catalog of an earlier schema -------------------------------------------------

OLD = Path(__file__).parent / "fixtures" / "catalog" / "v2.sqlite"  # see fixtures/SOURCES.md


def test_a_schema_2_catalog_is_upgraded_in_place(tmp_path):
    path = tmp_path / "catalog.sqlite"
    path.write_bytes(OLD.read_bytes())
    raw = sqlite3.connect(path)
    assert raw.execute("PRAGMA user_version").fetchone()[0] == 2
    before = {
        row[0]: row[1:]
        for row in raw.execute("SELECT id, upvotes, sources, title, abstract, keywords FROM papers")
    }
    aliases = raw.execute("SELECT * FROM aliases ORDER BY alias").fetchall()
    imports = raw.execute("SELECT * FROM imports ORDER BY source").fetchall()
    raw.close()
    with Catalog(path) as cat:
        assert cat.db.execute("PRAGMA user_version").fetchone()[0] == 3
        papers = {p.id: p for p in cat.papers()}
        assert papers.keys() == before.keys() and len(papers) > 100
        rated = ("hf-", "paperclub:sample")
        for paper_id, (upvotes, sources, title, abstract, _) in before.items():
            paper = papers[paper_id]
            assert (paper.title, paper.abstract) == (title, abstract)
            if upvotes == 0 and not any(s.startswith(rated) for s in json.loads(sources)):
                assert paper.upvotes is None, paper_id  # no source rated it: unknown
            else:
                assert paper.upvotes == upvotes, paper_id
        assert sum(p.upvotes is None for p in papers.values()) >= 8
        assert papers["arxiv:2205.14135"].upvotes == 12  # a CSV's own count stays
        # keywords are searchable now: categories only a record's keywords hold
        assert {p.id for p in cat.papers("hep")} == {
            i for i, row in before.items() if "hep-" in row[4]
        }
        check_index(cat)
        assert [tuple(r) for r in cat.db.execute("SELECT * FROM aliases ORDER BY alias")] == aliases
        assert [
            tuple(r) for r in cat.db.execute("SELECT * FROM imports ORDER BY source")
        ] == imports
        from paperclub import votes

        votes.cast(cat, cat.get("arxiv:2205.14135"), "Ada", votes.FOR)
        assert votes.tally(cat)["arxiv:2205.14135"].yes == ("Ada",)
    with Catalog(path) as cat:  # once only
        assert len(cat) == len(before) and votes.tally(cat)


def test_two_processes_opening_an_old_catalog_upgrade_it_once(tmp_path):
    import subprocess
    import sys

    path = tmp_path / "catalog.sqlite"
    path.write_bytes(OLD.read_bytes())
    script = (
        "import sys; from pathlib import Path; from paperclub.catalog import Catalog\n"
        "with Catalog(Path(sys.argv[1])) as c: print(len(c))\n"
    )
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", script, str(path)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    outs = [p.communicate(timeout=120) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outs
    assert {out.strip() for out, _ in outs} == {"104"}
    with Catalog(path) as cat:
        assert cat.db.execute("PRAGMA user_version").fetchone()[0] == 3
        check_index(cat)
