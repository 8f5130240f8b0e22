"""A paper keeps every link its source gives: the real Daily Papers page has a paper with two
code links (a library and its experiments), and both reach the catalog, the plan and every
output; a catalog that kept only the first gets the second when the page is imported again."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import shutil
import sqlite3
from pathlib import Path

import icalendar
import yaml

from paperclub.catalog import Catalog

PAGE = Path(__file__).parent / "fixtures" / "hf" / "hf-daily-papers-2025-11-25.txt"
FLOWS = "flows-building-blocks-of-reasoning-and-collaborating-ai"
LIBRARY = "https://github.com/epfl-dlab/aiflows"
EXPERIMENTS = "https://github.com/epfl-dlab/cc_flows"


def import_page(run, workspace) -> None:
    shutil.copy(PAGE, workspace / PAGE.name)
    result = run("import", PAGE.name)
    assert result.exit_code == 0, result


def flows_links(run) -> dict:
    listed = json.loads(run("papers", "--json", "--limit", "0").stdout)
    return next(p["links"] for p in listed if p["id"] == FLOWS)


def test_both_code_links_reach_the_catalog(run, workspace):
    import_page(run, workspace)
    assert flows_links(run) == {"code": LIBRARY, "code-2": EXPERIMENTS}
    # the paper still counts as having code, by its first link
    listed = run("papers", "--has-code", "--limit", "0").stdout
    assert FLOWS in listed


def test_both_code_links_reach_the_plan_and_every_output(run, workspace):
    shutil.copy(PAGE, workspace / PAGE.name)
    config = {
        "group": {
            "name": "Flows Group",
            "slug": "flows",
            "timezone": "Europe/Zurich",
            "organizer": {"name": "Ada", "email": "ada@example.org"},
        },
        "meetings": {"start": "2026-12-03", "time": "16:00", "count": 2},
        "catalog": {"sources": [PAGE.name]},
        "members": [{"name": "Ada"}],
        "selection": {"pin": {"2026-12-03": FLOWS}},
        "outputs": ["ics", "markdown", "html", "json", "csv"],
    }
    (workspace / "flows.yaml").write_text(yaml.safe_dump(config, sort_keys=False))
    result = run("plan", "flows.yaml", "--today", "2026-11-01")
    assert result.exit_code == 0, result

    shown = json.loads(run("show", "flows.yaml", "--json").stdout)
    paper = shown["sessions"][0]["papers"][0]
    assert paper["id"] == FLOWS
    assert paper["links"] == {"code": LIBRARY, "code-2": EXPERIMENTS}
    saved = json.loads((workspace / "flows.json").read_text())
    assert saved["sessions"][0]["papers"][0]["links"] == paper["links"]

    calendar = icalendar.Calendar.from_ical((workspace / "flows.ics").read_bytes())
    description = str(next(iter(calendar.walk("VEVENT")))["description"])
    lines = [line.strip() for line in description.splitlines()]
    assert lines[2:4] == [f"Code: {LIBRARY}", f"Code: {EXPERIMENTS}"]

    markdown = (workspace / "flows.md").read_text()
    assert f"[code](<{LIBRARY}>) [code 2](<{EXPERIMENTS}>)" in markdown

    page = (workspace / "flows.html").read_text()
    assert f'<a class="code" href="{LIBRARY}">Code</a>' in page
    assert f'<a class="code" href="{EXPERIMENTS}">Code 2</a>' in page

    rows = list(csv.DictReader(io.StringIO((workspace / "flows.csv").read_text())))
    assert rows[0]["paper_id"] == FLOWS and rows[0]["code"] == f"{LIBRARY} {EXPERIMENTS}"


def test_a_catalog_that_kept_the_first_link_gets_the_second(run, workspace):
    """A catalog an earlier paperclub filled from the page: the paper with its first code
    link only, and the import recorded under the file's digest alone. Importing the page
    again reads it again (its reader is newer), and the second link joins the first."""
    import_page(run, workspace)
    path = workspace / "catalog.sqlite"
    label = f"hf-page:{PAGE.name}"
    db = sqlite3.connect(path)
    with db:  # the rows as the earlier paperclub wrote them (checked against its catalog)
        db.execute(
            "UPDATE papers SET links = ? WHERE id = ?",
            (json.dumps({"code": LIBRARY}, separators=(",", ":")), FLOWS),
        )
        db.execute(
            "UPDATE imports SET digest = ? WHERE source = ?",
            (hashlib.sha256(PAGE.read_bytes()).hexdigest(), label),
        )
    others = db.execute("SELECT * FROM papers WHERE id != ? ORDER BY id", (FLOWS,)).fetchall()
    db.close()
    assert flows_links(run) == {"code": LIBRARY}

    result = run("import", PAGE.name, "--json")
    assert result.exit_code == 0, result
    [report] = json.loads(result.stdout)
    assert not report["skipped_unchanged_file"]
    assert (report["added"], report["updated"]) == (0, 1)  # that paper, and nothing else
    assert flows_links(run) == {"code": LIBRARY, "code-2": EXPERIMENTS}
    db = sqlite3.connect(path)
    rest = db.execute("SELECT * FROM papers WHERE id != ? ORDER BY id", (FLOWS,)).fetchall()
    assert rest == others
    db.close()
    with Catalog(path) as cat:
        assert {p.id for p in cat.papers("cc_flows")} == {FLOWS}  # the index is right
    # and once read again, the file is unchanged
    again = json.loads(run("import", PAGE.name, "--json").stdout)
    assert again[0]["skipped_unchanged_file"]


def test_merging_keeps_a_second_link_and_each_address_once():
    from paperclub.catalog import merge
    from paperclub.models import Paper

    first = Paper(id="x", title="X", links={"code": LIBRARY, "abs": "https://arxiv.org/abs/1"})
    second = Paper(
        id="x",
        title="X",
        links={"code": LIBRARY, "code-2": EXPERIMENTS, "abs": "http://arxiv.org/abs/1v2"},
    )
    assert merge(first, second).links == {
        "code": LIBRARY,
        "abs": "https://arxiv.org/abs/1",
        "code-2": EXPERIMENTS,
    }
    # a second source's first link under a name the first took is not a second link of it
    assert merge(second, first).links == second.links
