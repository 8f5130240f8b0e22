"""Votes and suggestions: `paperclub vote`, `suggest` and `import-votes`, stored in the
workspace's catalog, counted as the `votes` part of the score, and shown by `why`, `show`,
the Markdown and the web page."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from conftest import TODAY
from paperclub.catalog import Catalog
from paperclub.votes import tally

FIXTURES = Path(__file__).parent / "fixtures"
FORM = FIXTURES / "votes" / "form.csv"


@pytest.fixture
def catalog(run, workspace):
    """A catalog of real arXiv records (the relevance fixture)."""
    shutil.copy(FIXTURES / "relevance" / "arxiv.jsonl", workspace / "arxiv.jsonl")
    assert run("import", "arxiv.jsonl").exit_code == 0
    return workspace / "catalog.sqlite"


def votes_of(path: Path) -> dict:
    with Catalog(path) as cat:
        return {paper: v.to_json() for paper, v in tally(cat).items()}


def test_a_vote_is_recorded_under_the_papers_id_however_it_is_named(run, catalog):
    for name, how in (
        ("Ada", "arxiv:0704.0006"),
        ("Alan", "https://arxiv.org/abs/0704.0006v3"),
        ("Grace", "0704.0006"),
        ("Edsger", "bosonic characters of atomic COOPER pairs across resonance"),
    ):
        result = run("vote", how, "--by", name)
        assert result.exit_code == 0, result
    assert result.stdout.startswith("Edsger votes for arxiv:0704.0006 (Bosonic characters")
    assert result.stdout.rstrip().endswith(": 4 votes.")
    assert votes_of(catalog) == {
        "arxiv:0704.0006": {
            "for": ["Ada", "Alan", "Edsger", "Grace"],
            "against": [],
            "suggested": [],
        }
    }


def test_a_members_second_word_replaces_the_first(run, catalog):
    assert run("vote", "arxiv:0704.0006", "--by", "Ada").exit_code == 0
    assert run("vote", "arxiv:0704.0006", "--by", "Ada").exit_code == 0  # not twice
    assert votes_of(catalog)["arxiv:0704.0006"]["for"] == ["Ada"]
    result = run("vote", "arxiv:0704.0006", "--by", "Ada", "--against")
    assert "Ada votes against" in result.stdout and "1 against" in result.stdout
    assert votes_of(catalog)["arxiv:0704.0006"] == {"for": [], "against": ["Ada"], "suggested": []}


def test_a_suggestion_is_a_vote_with_a_note(run, catalog):
    result = run("suggest", "arxiv:2505.03549", "--by", "Alan", "--note", "short, and a classic")
    assert result.exit_code == 0 and "suggested by Alan; 1 vote" in result.stdout
    assert run("vote", "arxiv:2505.03549", "--by", "Alan", "--against").exit_code == 0
    # the suggestion stays a fact; the vote is the member's latest word
    assert votes_of(catalog)["arxiv:2505.03549"] == {
        "for": [],
        "against": ["Alan"],
        "suggested": [{"by": "Alan", "note": "short, and a classic"}],
    }


def test_a_paper_not_in_the_catalog_is_an_error_with_the_closest_titles(run, catalog):
    result = run("vote", "Bosonic characters of atomic Cooper pairs", "--by", "Ada")
    assert result.exit_code == 1 and "Traceback" not in result.stderr
    assert result.stderr.startswith(
        "Error: 'Bosonic characters of atomic Cooper pairs' is not in the catalog; the closest: "
        "'Bosonic characters of atomic Cooper pairs across resonance' (arxiv:0704.0006)"
    )
    typo = run("suggest", "arxiv:0704.0060", "--by", "Ada")
    assert typo.exit_code == 1 and "(arxiv:0704.0" in typo.stderr
    assert votes_of(catalog) == {}  # nothing recorded


def test_voting_needs_a_catalog(run, workspace):
    result = run("vote", "arxiv:0704.0006", "--by", "Ada")
    assert result.exit_code == 1 and "no catalog here yet" in result.stderr
    assert not (workspace / "catalog.sqlite").exists()


def test_votes_from_two_processes_at_once_are_all_counted(catalog, workspace):
    """Two processes each record 40 votes as fast as they can, into one catalog file."""
    with Catalog(catalog) as cat:
        ids = [p.id for p in cat.papers()][:40]
    script = textwrap.dedent("""
        import sys
        from pathlib import Path
        from paperclub.catalog import Catalog
        from paperclub import votes
        member, ids = sys.argv[1], sys.argv[2:]
        with Catalog(Path("catalog.sqlite")) as cat:
            for paper_id in ids:
                votes.cast(cat, cat.get(paper_id), member, votes.FOR)
    """)
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", script, who, *ids], cwd=workspace, stderr=subprocess.PIPE
        )
        for who in ("Ada", "Alan")
    ]
    for proc in procs:
        assert proc.wait(timeout=120) == 0, proc.stderr.read()
    counted = votes_of(catalog)
    assert sorted(counted) == sorted(ids)
    assert all(sorted(v["for"]) == ["Ada", "Alan"] for v in counted.values())


def test_import_votes_reads_a_form_export(run, catalog):
    result = run("import-votes", str(FORM))
    assert result.exit_code == 0, result
    assert result.stdout.strip() == f"{FORM}: 6 votes for 4 papers recorded."
    expected = {
        "arxiv:0704.0006": {
            "for": ["Ada Lovelace", "Barbara Liskov"],
            "against": [],
            "suggested": [],
        },
        "arxiv:2505.03549": {
            "for": [],
            "against": ["Ada Lovelace"],
            "suggested": [{"by": "Alan Turing", "note": "A classic, and short."}],
        },
        "arxiv:2505.02939": {"for": ["Grace Hopper"], "against": [], "suggested": []},
        "arxiv:2505.07766": {"for": ["Edsger Dijkstra"], "against": [], "suggested": []},
    }
    # Alan's row is a suggestion (it has a note), for; Ada's later row on the paper is against
    expected["arxiv:2505.03549"]["for"] = ["Alan Turing"]
    assert votes_of(catalog) == expected
    assert run("import-votes", str(FORM)).exit_code == 0  # again: the same votes
    assert votes_of(catalog) == expected


def test_a_bad_row_names_file_line_and_the_closest_and_records_nothing(run, catalog):
    bad = FIXTURES / "votes" / "form-bad-row.csv"
    result = run("import-votes", str(bad))
    assert result.exit_code == 1 and "Traceback" not in result.stderr
    line = (
        bad.read_text()
        .splitlines()
        .index(next(x for x in bad.read_text().splitlines() if "Survey" in x))
        + 1
    )
    assert result.stderr.startswith(f"Error: {bad}:{line}: ")
    assert (
        "the closest: 'Comparing classical and quantum conditional disclosure of secrets' "
        "(arxiv:2505.02939)"
    ) in result.stderr
    assert "nothing was recorded" in result.stderr
    assert votes_of(catalog) == {}


@pytest.mark.parametrize(
    "text, problem",
    [
        ("When,What\n2026-11-02,arxiv:0704.0006\n", "needs a column for who votes"),
        ("Name,Paper,Vote\nAda,arxiv:0704.0006,maybe\n", "'maybe' is neither for nor against"),
        ("Name,Paper\nAda,\n", "does not say which paper"),
    ],
)
def test_a_malformed_form_is_an_error_naming_its_line(run, catalog, workspace, text, problem):
    (workspace / "form.csv").write_text(text)
    result = run("import-votes", "form.csv")
    assert result.exit_code == 1 and problem in result.stderr
    assert result.stderr.startswith("Error: form.csv:")
    assert votes_of(catalog) == {}


def test_the_votes_files_of_the_former_example_plugin_import(run, catalog, workspace):
    """plugins/member_votes.py read votes.yaml or votes.csv beside the config; votes are
    built in now, and those files import as they are."""
    (workspace / "votes.yaml").write_text(
        "Grace Hopper: [arxiv:0704.0006, arxiv:2505.03549]\nAlan Turing: [arxiv:0704.0006]\n"
    )
    (workspace / "votes.csv").write_text("member,paper\nAda Lovelace,arxiv:2505.03549\n")
    for name in ("votes.yaml", "votes.csv"):
        assert run("import-votes", name).exit_code == 0
    assert {p: v["for"] for p, v in votes_of(catalog).items()} == {
        "arxiv:0704.0006": ["Alan Turing", "Grace Hopper"],
        "arxiv:2505.03549": ["Ada Lovelace", "Grace Hopper"],
    }
    (workspace / "votes.yaml").write_text("Grace Hopper: {paper: arxiv:0704.0006}\n")
    result = run("import-votes", "votes.yaml")
    assert (
        result.exit_code == 1 and "votes.yaml:1: 'Grace Hopper': expected a list" in result.stderr
    )


def test_votes_count_in_the_score_and_show_everywhere(run, schedule, workspace):
    """A paper the sample term leaves out is planned once three members want it, and every
    output says so."""
    assert run("plan", str(schedule), "--today", TODAY).exit_code == 0
    plan = json.loads(run("show", str(schedule), "--json").stdout)
    planned = {p["id"] for s in plan["sessions"] for p in s["papers"]}
    wanted = next(
        r
        for r in json.loads(
            run("recommend", str(schedule), "--json", "--limit", "20", "--today", TODAY).stdout
        )[5:]
        if r["id"] not in planned
    )["id"]
    assert run("suggest", wanted, "--by", "Ada Lovelace", "--note", "we need this").exit_code == 0
    for who in ("Alan Turing", "Grace Hopper"):
        assert run("vote", wanted, "--by", who).exit_code == 0
    (workspace / "schedules" / "ml-systems.plan.yaml").unlink()  # plan afresh
    assert run("plan", str(schedule), "--today", TODAY).exit_code == 0
    plan = json.loads(run("show", str(schedule), "--json").stdout)
    [paper] = [p for s in plan["sessions"] for p in s["papers"] if p["id"] == wanted]
    assert paper["score_parts"]["votes"] == 3 * 2.0  # three votes at the default weight
    assert paper["votes"]["suggested"] == [{"by": "Ada Lovelace", "note": "we need this"}]
    label = "suggested by Ada Lovelace; 3 votes"
    assert label in run("show", str(schedule)).stdout
    folder = workspace / "schedules"
    assert f"*({label})*" in (folder / "ml-systems.md").read_text()
    assert "Suggested by Ada Lovelace; 3 votes" in (folder / "ml-systems.html").read_text()
    why = run("why", str(schedule), wanted, "--today", TODAY).stdout
    assert (
        "votes: suggested by Ada Lovelace ('we need this'); "
        "3 for (Ada Lovelace, Alan Turing, Grace Hopper)"
    ) in why
    assert "votes: suggested by Ada Lovelace" in run("show", str(schedule), "--why").stdout
