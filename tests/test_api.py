"""paperclub.api, the plugins' public API: the read-only catalog (get, search, candidates),
the `catalog` and `today` hook arguments, the abstract on assignments, loading a group and a
plan, rendering an output, the options for plugin commands, and the reference pdoc builds.

The catalog is real arXiv records with abstracts (tests/fixtures/relevance/arxiv.jsonl, see
tests/fixtures/SOURCES.md) next to the bundled sample.
"""

from __future__ import annotations

import inspect
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import yaml

from conftest import ROOT, TODAY
from paperclub import api

FIXTURES = Path(__file__).parent / "fixtures" / "relevance"
RECORDS = [json.loads(line) for line in (FIXTURES / "arxiv.jsonl").open()]


def write_plugin(workspace: Path, name: str, source: str) -> None:
    (workspace / "plugins").mkdir(exist_ok=True)
    (workspace / "plugins" / name).write_text(textwrap.dedent(source))


def arxiv_group(workspace: Path, **extra) -> Path:
    """A group over the real arXiv records (abstracts and all): 2 sessions of 2 papers, two
    members."""
    (workspace / "papers").mkdir(exist_ok=True)
    shutil.copy(FIXTURES / "arxiv.jsonl", workspace / "papers" / "arxiv.jsonl")
    config = {
        "group": {
            "name": "Journal club",
            "timezone": "Europe/Berlin",
            "organizer": {"name": "Ada", "email": "ada@example.org"},
        },
        "meetings": {
            "start": "2027-01-07",
            "weekday": "thursday",
            "time": "16:00",
            "count": 2,
            "papers_per_session": 2,
        },
        "catalog": {"sources": ["../papers/arxiv.jsonl"]},
        "members": [{"name": "Ada", "interests": ["robot"]}, {"name": "Alan"}],
        "outputs": ["markdown"],
        **extra,
    }
    (workspace / "schedules").mkdir(exist_ok=True)
    path = workspace / "schedules" / "club.yaml"
    path.write_text(yaml.safe_dump(config, sort_keys=False))
    return Path("schedules/club.yaml")


def _cli(workspace: Path, *args: str) -> subprocess.CompletedProcess:
    """paperclub in a process of its own: a plugin's command is added to the command line
    at start-up, which an in-process run would leave behind for the other tests."""
    env = {**os.environ, "PAPERCLUB_DISABLE_PLUGIN_AUTOLOAD": "1"}
    env.pop("PAPERCLUB_CATALOG", None)
    return subprocess.run(
        [sys.executable, "-m", "paperclub", *args],
        cwd=workspace,
        env=env,
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=120,
    )


# -- the reference ---------------------------------------------------------------------------


def test_every_public_name_has_a_docstring_and_is_in_the_reference(tmp_path):
    """What `make api-docs` runs (pdoc, into a folder), and every name of `__all__` has its
    docstring there; so do the methods of the API's own classes."""
    import pdoc
    import pdoc.doc

    pdoc.pdoc("paperclub.api", output_directory=tmp_path)
    page = (tmp_path / "paperclub" / "api.html").read_text()
    module = pdoc.doc.Module(api)
    assert api.__all__ == sorted(api.__all__, key=lambda n: (n[0].islower(), n))
    for name in api.__all__:
        member = module.get(name)
        assert member is not None and member.docstring.strip(), f"{name} has no docstring"
        assert f'id="{name}"' in page, f"{name} is not in the reference"
    for cls in (api.Catalog, api.Signals):
        for name, value in vars(cls).items():
            if not name.startswith("_") and callable(getattr(value, "fget", value)):
                assert inspect.getdoc(value), f"{cls.__name__}.{name} has no docstring"
                assert f'id="{cls.__name__}.{name}"' in page


def test_the_module_says_the_rest_is_internal_and_how_to_build_the_reference():
    doc = api.__doc__ or ""
    assert "imports from `paperclub.api` only" in doc and "internal" in doc
    assert "make api-docs" in doc
    plugins_md = (ROOT / "docs" / "plugins.md").read_text()
    assert "make api-docs" in plugins_md and "build/api/paperclub/api.html" in plugins_md
    makefile = (ROOT / "Makefile").read_text()
    assert "pdoc paperclub.api --output-directory build/api" in makefile


# -- the read-only catalog -------------------------------------------------------------------


@pytest.fixture
def catalog_file(run, workspace) -> Path:
    shutil.copy(FIXTURES / "arxiv.jsonl", workspace / "arxiv.jsonl")
    assert run("import", "arxiv.jsonl").exit_code == 0
    return workspace / "catalog.sqlite"


def test_the_catalog_view_cannot_write(catalog_file):
    before = catalog_file.read_bytes()
    with api.open_catalog(catalog_file) as catalog:
        assert len(catalog) == len(RECORDS)
        assert not hasattr(catalog, "import_file") and not hasattr(catalog, "db")
        # even its connection, reached past the API, refuses: SQLite opened it mode=ro
        with pytest.raises(sqlite3.OperationalError, match="readonly"):
            catalog._db().db.execute("DELETE FROM papers")
    assert catalog_file.read_bytes() == before


def test_open_catalog_of_a_missing_or_foreign_file_is_an_error_and_creates_nothing(workspace):
    with pytest.raises(api.PaperclubError, match="no catalog here yet") as e:
        api.open_catalog(workspace / "catalog.sqlite")
    assert e.value.path == str(workspace / "catalog.sqlite")
    assert list(workspace.iterdir()) == []
    (workspace / "other.sqlite").write_bytes(b"")  # an empty file: SQLite's, schema 0
    with pytest.raises(api.PaperclubError, match="schema 0 is not one this paperclub reads"):
        api.open_catalog(workspace / "other.sqlite")


def test_get_follows_ids_and_search_uses_the_full_text_index(catalog_file):
    record = RECORDS[0]
    with api.open_catalog(catalog_file) as catalog:
        paper = catalog.get(f"arxiv:{record['id']}")
        assert paper is not None and paper.title == " ".join(record["title"].split())
        assert paper.abstract  # the whole paper, abstract and all
        assert catalog.get("arxiv:0000.00000") is None
        # papers with the word in title, abstract or keywords, by the full-text index
        hits = catalog.search("robot", limit=5)
        assert 0 < len(hits) <= 5
        assert all("robot" in (p.title + p.abstract + " ".join(p.keywords)).lower() for p in hits)
        # a prefix, and every word must occur
        assert {p.id for p in catalog.search("robo*", limit=100)} >= {p.id for p in hits}
        assert catalog.search("robot quasar galaxy spin") == []
        assert catalog.search("robot", limit=0) == []
        with pytest.raises(api.PaperclubError, match="nothing to search for"):
            catalog.search("  ??  ")


def test_candidates_are_the_papers_the_planner_is_given(run, workspace, catalog_file):
    """The group's sources only, though the catalog holds more (the bundled sample too)."""
    assert run("import", "paperclub:sample").exit_code == 0
    config = arxiv_group(workspace)
    result = run("plan", str(config), "--today", TODAY)
    assert result.exit_code == 0, result
    assert f"from {len(RECORDS)} candidates" in result.stdout
    group = api.load_group(config)
    with api.open_catalog(catalog_file) as catalog:
        found = catalog.candidates(group)
        assert sorted(p.id for p in found) == sorted(f"arxiv:{r['id']}" for r in RECORDS)
        assert [p.id for p in found] == sorted(p.id for p in found)
        assert len(catalog) == len(RECORDS) + 87
        # a group that names no source takes the whole catalog
        everything = api.load_group(arxiv_group(workspace, catalog={}))
        assert len(catalog.candidates(everything)) == len(RECORDS) + 87


# -- the hook arguments ----------------------------------------------------------------------

SEEN = """
import json
from pathlib import Path

from paperclub.api import hookimpl

SEEN = Path("seen.jsonl")


def _note(hook, catalog, today, **more):
    with SEEN.open("a") as f:
        f.write(json.dumps({"hook": hook, "today": str(today), "catalog": type(catalog).__name__,
                            "papers": len(catalog), **more}) + "\\n")


def paperclub_exclude_paper(paper, group, catalog, today):
    _note("exclude", catalog, today, candidates=len(catalog.candidates(group)))


def paperclub_score_paper(paper, catalog, today):
    _note("score", catalog, today, same=catalog.get(paper.id).abstract == paper.abstract)


@hookimpl(tryfirst=True)
def paperclub_plan_sessions(candidates, sessions, catalog, today):
    _note("plan_sessions", catalog, today)


def paperclub_modify_plan(plan, catalog, today):
    _note("modify", catalog, today,
          abstracts=all(a.abstract for s in plan.sessions for a in s.papers))


def paperclub_presenter_affinity(member, paper, catalog, today):
    _note("affinity", catalog, today,
          abstract=paper.abstract == catalog.get(paper.paper_id).abstract != "")


def paperclub_check_plan(plan, catalog, today):
    _note("check", catalog, today)
"""


def test_paperclub_exclude_paper_and_the_planning_hooks_get_catalog_and_today(run, workspace):
    config = arxiv_group(workspace)
    write_plugin(workspace, "seen.py", SEEN)
    result = run("plan", str(config), "--today", "2026-12-24")
    assert result.exit_code == 0, result
    seen = [json.loads(line) for line in (workspace / "seen.jsonl").read_text().splitlines()]
    assert {s["hook"] for s in seen} == {
        "exclude",
        "score",
        "plan_sessions",
        "modify",
        "affinity",
        "check",
    }
    assert {(s["today"], s["catalog"], s["papers"]) for s in seen} == {
        ("2026-12-24", "Catalog", len(RECORDS))
    }
    assert all(s["candidates"] == len(RECORDS) for s in seen if s["hook"] == "exclude")
    assert all(s["same"] for s in seen if s["hook"] == "score")
    assert all(s["abstracts"] for s in seen if s["hook"] == "modify")
    assert all(s["abstract"] for s in seen if s["hook"] == "affinity")
    # why and recommend run the exclusion and score hooks too, with the same arguments
    (workspace / "seen.jsonl").unlink()
    paper = json.loads(run("show", str(config), "--json").stdout)["sessions"][0]["papers"][0]["id"]
    assert run("why", str(config), paper, "--today", "2026-12-25").exit_code == 0
    assert run("recommend", str(config), "--today", "2026-12-26").exit_code == 0
    seen = [json.loads(line) for line in (workspace / "seen.jsonl").read_text().splitlines()]
    assert {s["today"] for s in seen} == {"2026-12-25", "2026-12-26"}
    assert {s["catalog"] for s in seen} == {"Catalog"}


def test_an_old_plugin_without_the_new_arguments_still_works(run, workspace, schedule):
    write_plugin(
        workspace,
        "old.py",
        """
        def paperclub_exclude_paper(paper, group, history):
            return "no surveys" if "survey" in paper.title.lower() else None
    """,
    )
    assert run("plan", str(schedule), "--today", TODAY).exit_code == 0


def test_the_plan_file_keeps_no_abstract_and_load_plan_reads_it_from_the_catalog(run, workspace):
    config = arxiv_group(workspace)
    assert run("plan", str(config), "--today", TODAY).exit_code == 0
    text = (workspace / "schedules" / "club.plan.yaml").read_text()
    assert "abstract" not in text  # the format people edit is unchanged
    plan = api.load_plan(config)
    papers = [a for s in plan.sessions for a in s.papers]
    assert papers and all(a.abstract == "" for a in papers)
    with api.open_catalog(workspace / "catalog.sqlite") as catalog:
        plan = api.load_plan(Path("schedules/club.plan.yaml"), catalog=catalog)
        for a in (a for s in plan.sessions for a in s.papers):
            assert a.abstract and a.abstract == catalog.get(a.paper_id).abstract
    # a re-plan keeps its held sessions, whose papers now have their abstracts for plugins
    write_plugin(
        workspace,
        "held.py",
        """
        import json
        from pathlib import Path

        def paperclub_modify_plan(held):
            Path("held.json").write_text(json.dumps([a.abstract for s in held for a in s.papers]))
    """,
    )
    assert run("plan", str(config), "--today", "2027-01-10").exit_code == 0
    held = json.loads((workspace / "held.json").read_text())
    assert len(held) == 2 and all(held)


# -- load_group, load_plan, render -----------------------------------------------------------


def test_render_gives_what_plan_wrote(run, schedule, workspace):
    assert run("plan", str(schedule), "--today", TODAY).exit_code == 0
    group = api.load_group(schedule)
    plan = api.load_plan(schedule)
    markdown = api.render(plan, group, "markdown")
    assert isinstance(markdown, str)
    assert markdown.encode() == (workspace / "schedules" / "ml-systems.md").read_bytes()
    calendar = api.render(plan, group, "ics")  # text/calendar: text too
    assert isinstance(calendar, str) and calendar.startswith("BEGIN:VCALENDAR")


def test_render_errors_name_the_output_and_the_group(run, schedule, workspace):
    assert run("plan", str(schedule), "--today", TODAY).exit_code == 0
    group, plan = api.load_group(schedule), api.load_plan(schedule)
    with pytest.raises(
        api.PaperclubError, match=r"no output 'markdwn' \(did you mean 'markdown'\?\)"
    ):
        api.render(plan, group, "markdwn")
    other = api.load_group(arxiv_group(workspace))
    with pytest.raises(
        api.PaperclubError, match="the plan is of group 'ml-systems', not of 'journal-club'"
    ):
        api.render(plan, other, "markdown")


def test_render_uses_the_workspaces_emitters_and_keeps_bytes_for_binary_types(
    run, schedule, workspace
):
    write_plugin(
        workspace,
        "packed.py",
        """
        class Packed:
            name, extension, media_type = "packed", ".bin", "application/octet-stream"

            def render(self, plan):
                return bytes([len(plan.sessions)])

        def paperclub_register_emitters(register):
            register(Packed())
    """,
    )
    assert run("plan", str(schedule), "--today", TODAY).exit_code == 0
    assert api.render(api.load_plan(schedule), api.load_group(schedule), "packed") == b"\x0c"


def test_load_plan_before_any_plan_says_what_to_run(schedule):
    with pytest.raises(api.PaperclubError, match="no plan yet: run `paperclub plan"):
        api.load_plan(schedule)


def test_paper_id_is_the_id_paperclub_gives():
    assert (
        api.paper_id("Attention", arxiv_id="https://arxiv.org/abs/1706.03762v7")
        == "arxiv:1706.03762"
    )
    assert api.paper_id("Attention", doi="https://doi.org/10.1000/XYZ") == "doi:10.1000/xyz"
    assert api.paper_id("Attention Is All You Need!") == "attention-is-all-you-need"


# -- commands --------------------------------------------------------------------------------

STATS = """
import click

from paperclub.api import catalog_option, load_plan, today_option


def paperclub_register_commands(cli):
    @cli.command()
    @click.argument("schedule")
    @catalog_option
    @today_option
    def stats(schedule, catalog, today):
        "How many planned papers are still to come."
        plan = load_plan(schedule, catalog=catalog)
        ahead = [a for s in plan.sessions if s.start.date() >= today for a in s.papers]
        words = sum(len(a.abstract.split()) for a in ahead)
        click.echo(f"{len(ahead)} papers from {today}, {words} words of abstracts, "
                   f"{len(catalog)} in the catalog")
"""


def test_a_plugin_command_gets_the_catalog_and_today_by_its_options(run, workspace):
    config = arxiv_group(workspace)
    assert run("plan", str(config), "--today", TODAY).exit_code == 0
    write_plugin(workspace, "stats.py", STATS)
    help_text = _cli(workspace, "stats", "--help").stdout
    assert "--catalog FILE" in help_text and "--today DATE" in help_text
    done = _cli(workspace, "stats", str(config), "--today", "2027-01-10")
    assert done.returncode == 0, done.stderr
    plan = api.load_plan(config)
    with api.open_catalog(workspace / "catalog.sqlite") as catalog:
        words = sum(
            len(catalog.get(a.paper_id).abstract.split())
            for s in plan.sessions[1:]
            for a in s.papers
        )
    assert (
        done.stdout == f"2 papers from 2027-01-10, {words} words of abstracts, 48 in the catalog\n"
    )
    # a wrong path is the user's error: named, exit 1, no traceback
    done = _cli(
        workspace, "stats", str(config), "--catalog", "nope.sqlite", "--today", "2027-01-10"
    )
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert done.stderr.strip() == (
        "Error: nope.sqlite: no catalog here yet: run `paperclub import FILE` first"
    )
    assert not (workspace / "nope.sqlite").exists()
    done = _cli(workspace, "stats", str(config), "--today", "someday")
    assert done.returncode == 2 and "'someday' is not a date such as 2026-12-03" in done.stderr
