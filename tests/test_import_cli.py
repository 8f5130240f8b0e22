"""`paperclub import` and `paperclub papers` on the command line."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from hfpage import entry_blocks, header_lines, join_blocks, load_sample, render_page

AS_OF = date(2025, 11, 25)
FIXTURES = Path(__file__).parent / "fixtures"
CATALOG_FILES = ("catalog.sqlite", "catalog.sqlite-wal", "catalog.sqlite-shm")


def rows(path: Path) -> tuple[list[tuple], list[tuple]]:
    db = sqlite3.connect(path)
    try:
        return (
            db.execute("SELECT * FROM papers ORDER BY id").fetchall(),
            db.execute("SELECT * FROM imports ORDER BY source").fetchall(),
        )
    finally:
        db.close()


def papers_json(run, *args: str) -> list[dict]:
    result = run("papers", "--json", *args)
    assert result.exit_code == 0, result
    return json.loads(result.stdout)


def dated_papers(n: int) -> list[dict]:
    return [p for p in load_sample() if p["published"]][:n]


def write_broken_page(path: Path, bad_index: int = 2, bad_date: str = "Feb 30, 2024") -> int:
    """A page whose paper `bad_index` has a bad date; returns that date's line number."""
    blocks = [[line] for line in header_lines(AS_OF)]
    for n, record in enumerate(dated_papers(5)):
        entry = entry_blocks(record, AS_OF)
        if n == bad_index:
            entry[-1][-1] = bad_date
        blocks += entry
    text = join_blocks(blocks)
    path.write_text(text, encoding="utf-8")
    return text.splitlines().index(bad_date) + 1


def no_traceback(result) -> None:
    assert "Traceback" not in result.stdout and "Traceback" not in result.stderr


# -- import and list -----------------------------------------------------------------------


def test_import_the_sample_then_list_it(run, workspace):
    sample = load_sample()
    result = run("import", "paperclub:sample")
    assert result.exit_code == 0, result
    assert "paperclub:sample" in result.stdout
    assert str(len(sample)) in result.stdout

    listed = papers_json(run)
    assert isinstance(listed, list) and len(listed) == len(sample) == 87
    assert sorted(p["id"] for p in listed) == sorted(r["id"] for r in sample)
    by_id = {r["id"]: r for r in sample}
    for paper in listed:
        assert {"id", "title", "published", "upvotes", "topics", "links", "sources"} <= set(paper)
        record = by_id[paper["id"]]
        assert paper["title"] == record["title"]
        assert paper["published"] == record["published"]
        if paper["published"] is not None:
            date.fromisoformat(paper["published"])
        assert paper["upvotes"] == record["upvotes"]
        assert paper["topics"] == record["topics"]
        assert paper["links"] == record["links"]
        assert "paperclub:sample" in paper["sources"]


def test_import_reports_an_unchanged_file(run):
    assert run("import", "paperclub:sample").exit_code == 0
    again = run("import", "paperclub:sample", "--json")
    assert again.exit_code == 0, again
    [result] = json.loads(again.stdout)
    assert result["skipped_unchanged_file"] is True
    assert result["added"] == 0 and result["papers"] == 87
    assert len(papers_json(run)) == 87


def test_import_a_page_then_query(run, workspace):
    sample = load_sample()
    (workspace / "page.txt").write_text(render_page(sample, AS_OF), encoding="utf-8")
    result = run("import", "page.txt", "--as-of", AS_OF.isoformat(), "--json")
    assert result.exit_code == 0, result
    [summary] = json.loads(result.stdout)
    assert summary["source"] == "hf-page:page.txt"
    assert summary["added"] == len(sample)
    word = "speculative"
    expected = sorted(r["id"] for r in sample if word in r["title"].lower())
    assert expected
    listed = papers_json(run, word.upper())
    assert sorted(p["id"] for p in listed) == expected


def listing(run, workspace) -> tuple[dict[str, str], list[dict], str]:
    """`paperclub papers` of a hand-kept BibTeX file and a CSV of titles: its rows by the id
    they end with, the papers as --json lists them, and the whole output."""
    for name in ("bibtex/handwritten.bib", "tables/minimal.csv"):
        shutil.copy(FIXTURES / name, workspace)
    assert run("import", "handwritten.bib", "minimal.csv").exit_code == 0
    result = run("papers", "--limit", "0")
    assert result.exit_code == 0, result
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["Published", "Upvotes", "Title", "Id"]
    return (
        {line.split()[-1]: line for line in lines[2:]},
        papers_json(run, "--limit", "0"),
        result.stdout,
    )


def test_papers_shows_every_id(run, workspace):
    rows, listed, _ = listing(run, workspace)
    # those known by a title slug too: the id is what a pin, `like` or `why` takes
    assert sorted(rows) == sorted(p["id"] for p in listed) and len(rows) == 6
    assert rows["attention-is-all-you-need"].startswith(" " * 10)  # no date, no upvotes
    assert "Attention is all you need" in rows["attention-is-all-you-need"]


def test_papers_shows_a_year_only_date_as_the_year(run, workspace):
    rows, listed, out = listing(run, workspace)
    # `year = {2017}` alone is the year, not 2017-01-01; `month = dec` the month
    assert rows["arxiv:1706.05125"].startswith("2017  ")
    assert "2017-01-01" not in out
    by_title = {p["title"]: p for p in listed}
    brown = by_title["Language Models are Few-Shot Learners"]
    assert brown["published"] == "2020-12-01" and rows[brown["id"]].startswith("2020-12  ")
    # a full date as it is
    assert run("import", "paperclub:sample").exit_code == 0
    sample = next(p for p in load_sample() if p["published"] and p["upvotes"])
    line = next(
        x for x in run("papers", "--limit", "0").stdout.splitlines() if x.endswith(sample["id"])
    )
    assert line.split()[:2] == [sample["published"], str(sample["upvotes"])]


# -- where the catalog is ------------------------------------------------------------------


def test_the_default_catalog_is_in_the_current_folder(run, workspace):
    assert run("import", "paperclub:sample").exit_code == 0
    assert (workspace / "catalog.sqlite").is_file()
    assert len(rows(workspace / "catalog.sqlite")[0]) == 87


def test_catalog_option(run, workspace, tmp_path):
    elsewhere = tmp_path / "elsewhere" / "cat.sqlite"
    elsewhere.parent.mkdir()
    assert run("import", "paperclub:sample", "--catalog", str(elsewhere)).exit_code == 0
    assert len(rows(elsewhere)[0]) == 87
    assert not (workspace / "catalog.sqlite").exists()
    assert len(papers_json(run, "--catalog", str(elsewhere))) == 87
    # there is no catalog in the current folder to list
    missing = run("papers", "--json")
    assert missing.exit_code == 1
    assert "catalog.sqlite" in missing.stderr


def test_catalog_environment_variable(run, workspace, tmp_path, monkeypatch):
    from_env = tmp_path / "env.sqlite"
    monkeypatch.setenv("PAPERCLUB_CATALOG", str(from_env))
    assert run("import", "paperclub:sample").exit_code == 0
    assert len(rows(from_env)[0]) == 87
    assert not (workspace / "catalog.sqlite").exists()
    assert len(papers_json(run)) == 87
    # the option wins over the variable
    option = tmp_path / "option.sqlite"
    assert run("import", "paperclub:sample", "--catalog", str(option)).exit_code == 0
    assert option.is_file()
    assert len(papers_json(run, "--catalog", str(option))) == 87


# -- a broken file -------------------------------------------------------------------------


def test_a_broken_page_into_an_existing_catalog(run, workspace):
    assert run("import", "paperclub:sample").exit_code == 0
    before = rows(workspace / "catalog.sqlite")
    line = write_broken_page(workspace / "broken.txt")

    result = run("import", "broken.txt", "--as-of", AS_OF.isoformat())

    assert result.exit_code == 1, result
    assert f"broken.txt:{line}: " in result.stderr
    assert "Feb 30, 2024" in result.stderr
    no_traceback(result)
    assert rows(workspace / "catalog.sqlite") == before


def test_a_broken_page_into_no_catalog_leaves_no_file(run, workspace):
    line = write_broken_page(workspace / "broken.txt", bad_date="Foo 99")
    result = run("import", "broken.txt", "--as-of", AS_OF.isoformat())
    assert result.exit_code == 1, result
    assert f"broken.txt:{line}: " in result.stderr
    no_traceback(result)
    assert sorted(p.name for p in workspace.iterdir()) == ["broken.txt"]


def test_a_broken_page_after_a_good_one_keeps_the_good_one(run, workspace):
    """Each file is all or nothing: the good file before the broken one stays imported."""
    assert run("import", "paperclub:sample").exit_code == 0
    good = dated_papers(3)
    (workspace / "good.txt").write_text(render_page(good, AS_OF), encoding="utf-8")
    line = write_broken_page(workspace / "broken.txt")
    result = run("import", "good.txt", "broken.txt", "--as-of", AS_OF.isoformat())
    assert result.exit_code == 1, result
    assert f"broken.txt:{line}: " in result.stderr
    listed = {p["id"]: p for p in papers_json(run)}
    for record in good:
        assert listed[record["id"]]["sources"] == ["paperclub:sample", "hf-page:good.txt"]


def test_a_first_import_keeps_the_good_file_when_a_later_one_breaks(run, workspace):
    """With no catalog before, a good file's papers stay even if a later file fails."""
    good = dated_papers(3)
    (workspace / "good.txt").write_text(render_page(good, AS_OF), encoding="utf-8")
    write_broken_page(workspace / "broken.txt")
    result = run("import", "good.txt", "broken.txt", "--as-of", AS_OF.isoformat())
    assert result.exit_code == 1, result
    assert sorted(p["id"] for p in papers_json(run)) == sorted(r["id"] for r in good)


def test_a_yearless_page_without_as_of(run, workspace):
    papers = [p for p in load_sample() if (p["published"] or "").startswith("2025")][:3]
    text = render_page(papers, AS_OF)
    (workspace / "page.txt").write_text(text, encoding="utf-8")
    result = run("import", "page.txt")
    assert result.exit_code == 1, result
    assert "--as-of" in result.stderr
    first_date = next(n for n, line in enumerate(text.splitlines(), 1) if line == "·") + 1
    assert f"page.txt:{first_date}: " in result.stderr
    assert not (workspace / "catalog.sqlite").exists()


# -- bad arguments -------------------------------------------------------------------------


def test_an_unknown_format(run, workspace):
    (workspace / "page.txt").write_text(render_page(dated_papers(2), AS_OF), encoding="utf-8")
    result = run("import", "page.txt", "--format", "no-such-format")
    assert result.exit_code == 1, result
    assert "no-such-format" in result.stderr
    assert "hf-page" in result.stderr  # names the formats there are
    no_traceback(result)
    assert not (workspace / "catalog.sqlite").exists()


def test_a_named_format(run, workspace):
    path = workspace / "papers.dat"  # nothing in the name says what it is
    path.write_text(json.dumps(load_sample()[:4]), encoding="utf-8")
    result = run("import", "papers.dat", "--format", "paperclub-json")
    assert result.exit_code == 0, result
    assert len(papers_json(run)) == 4


def test_a_missing_file(run, workspace):
    result = run("import", "nowhere.txt")
    assert result.exit_code == 1, result
    assert "nowhere.txt" in result.stderr
    assert "no such file" in result.stderr
    no_traceback(result)
    assert not (workspace / "catalog.sqlite").exists()


def refused(run, workspace, *args: str):
    """Import `args` into a catalog holding the sample: the result, after checking that it is
    an error (exit 1, no traceback) that changed nothing."""
    assert run("import", "paperclub:sample").exit_code == 0
    before = rows(workspace / "catalog.sqlite")
    result = run("import", *args)
    assert result.exit_code == 1, result
    no_traceback(result)
    assert rows(workspace / "catalog.sqlite") == before
    return result


def test_a_folder_names_the_files_in_it(run, workspace):
    (workspace / "refs").mkdir()
    shutil.copy(FIXTURES / "bibtex" / "zotero.bib", workspace / "refs" / "zotero.bib")
    result = refused(run, workspace, "refs")
    assert "refs: a folder, not a file" in result.stderr
    assert "no such file" not in result.stderr
    assert "paperclub import refs/zotero.bib" in result.stderr  # what to give instead
    # which works
    assert run("import", "refs/zotero.bib").exit_code == 0


@pytest.mark.parametrize("address", ["arxiv.org/abs/2401.01234", "www.example.org/x.bib"])
def test_an_address_without_a_scheme(run, workspace, address):
    result = refused(run, workspace, address)
    assert f"{address}: no such file; it looks like a web address without https://" in result.stderr
    assert "save the page" in result.stderr
    assert "network" not in result.stderr


def test_an_address_paperclub_does_not_fetch(run, workspace):
    # https:// addresses are fetched (tests/test_fetch.py, against a local server)
    result = refused(run, workspace, "ftp://example.org/refs.bib")
    assert "ftp://example.org/refs.bib: an address paperclub does not fetch" in result.stderr
    assert "paperclub fetches https:// addresses" in result.stderr


def test_a_named_bibtex_format_without_entries_is_an_error(run, workspace):
    (workspace / "notes.txt").write_text(
        "Reading list for the spring:\n- attention\n", encoding="utf-8"
    )
    result = refused(run, workspace, "--format", "bibtex", "notes.txt")
    assert "notes.txt: no BibTeX entries in the file" in result.stderr


def test_a_bib_file_without_entries_into_no_catalog(run, workspace):
    (workspace / "empty.bib").write_text(
        "@comment{jabref-meta: databaseType:bibtex;}\n", encoding="utf-8"
    )
    result = run("import", "empty.bib")
    assert result.exit_code == 1, result
    assert "empty.bib: no BibTeX entries in the file" in result.stderr
    assert sorted(p.name for p in workspace.iterdir()) == ["empty.bib"]


@pytest.mark.parametrize(
    "args", [("paper.pdf",), ("--format", "bibtex", "paper.pdf"), ("paper.dat",)]
)
def test_a_pdf_says_pdfs_are_not_read(run, workspace, args):
    pdf = (
        b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n"
        b"trailer\n<< /Root 1 0 R >>\n%%EOF\n"
    )
    (workspace / "paper.pdf").write_bytes(pdf)
    (workspace / "paper.dat").write_bytes(pdf)  # the content says it, not the name
    result = refused(run, workspace, *args)
    assert f"{args[-1]}: a PDF, which paperclub does not read" in result.stderr
    assert "BibTeX" in result.stderr
    assert "cannot tell the format" not in result.stderr


def test_an_unknown_bundled_data_set(run, workspace):
    result = run("import", "paperclub:nope")
    assert result.exit_code == 1, result
    assert "paperclub:nope" in result.stderr
    assert "paperclub:sample" in result.stderr  # names the ones there are
    no_traceback(result)
    assert not (workspace / "catalog.sqlite").exists()


def test_a_file_of_no_known_format(run, workspace):
    (workspace / "notes.txt").write_text("Just some notes.\n", encoding="utf-8")
    result = run("import", "notes.txt")
    assert result.exit_code == 1, result
    assert "notes.txt" in result.stderr and "--format" in result.stderr
    no_traceback(result)


def test_as_of_sets_the_year_of_yearless_dates(run, workspace):
    saved = date(2025, 11, 25)
    papers = [p for p in load_sample() if (p["published"] or "").startswith("2025")][:3]
    (workspace / "page.txt").write_text(render_page(papers, saved), encoding="utf-8")
    result = run("import", "page.txt", "--as-of", "2023-06-30")
    assert result.exit_code == 0, result
    listed = {p["id"]: p for p in papers_json(run)}
    for record in papers:
        assert listed[record["id"]]["published"] == "2023" + record["published"][4:]


@pytest.mark.parametrize("bad", ["2025-13-01", "yesterday", "25/11/2025", ""])
def test_a_bad_as_of_is_a_usage_error(run, workspace, bad):
    result = run("import", "paperclub:sample", "--as-of", bad)
    assert result.exit_code == 2, result
    assert "--as-of" in result.stderr
    no_traceback(result)
    assert not (workspace / "catalog.sqlite").exists()


# -- the real command ----------------------------------------------------------------------


def test_the_command_reports_a_broken_file_without_a_traceback(workspace):
    line = write_broken_page(workspace / "BROKEN.txt")
    env = {k: v for k, v in os.environ.items() if k != "PAPERCLUB_CATALOG"}
    env["PAPERCLUB_DISABLE_PLUGIN_AUTOLOAD"] = "1"
    proc = subprocess.run(
        [sys.executable, "-m", "paperclub", "import", "BROKEN.txt", "--as-of", "2025-11-25"],
        cwd=workspace,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 1, proc
    assert "Traceback" not in proc.stderr
    assert f"BROKEN.txt:{line}: " in proc.stderr
    assert proc.stdout == ""
    assert sorted(p.name for p in workspace.iterdir()) == ["BROKEN.txt"]
