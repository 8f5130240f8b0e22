"""The `json` and `csv` outputs: the plan as data for other tools and for spreadsheets."""

from __future__ import annotations

import csv
import io
import json
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import yaml

from conftest import ALL_OUTPUTS, TODAY, plan_every_output
from paperclub import planfile
from paperclub.default_plugins.data import CSV_COLUMNS, CsvEmitter, JsonEmitter
from paperclub.models import Assignment, Person, Plan, Session
from paperclub.text import links_of

OUTPUTS = ALL_OUTPUTS
BERLIN = ZoneInfo("Europe/Berlin")
HEADER = [
    "session",
    "date",
    "start",
    "end",
    "status",
    "paper_id",
    "title",
    "presenter",
    "topics",
    "abs",
    "code",
]


@pytest.fixture
def planned(run, schedule, workspace):
    folder = plan_every_output(run, schedule, TODAY)
    return {
        "json": folder / "ml-systems.json",
        "csv": folder / "ml-systems.csv",
        "plan": folder / "ml-systems.plan.yaml",
        "schedule": schedule,
    }


def read_csv(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8"), newline="")))


def session(n: int, day: date, papers: list[Assignment], status: str = "confirmed") -> Session:
    start = datetime(day.year, day.month, day.day, 9, 5, tzinfo=BERLIN)
    return Session(
        id=f"s{n:02d}",
        uid=f"uid-{n}",
        start=start,
        end=start + timedelta(minutes=50),
        status=status,
        papers=papers,
    )


def sheet_plan() -> Plan:
    """Cells a spreadsheet would run as formulas, and cells the CSV must quote."""
    return Plan(
        group="Sheets",
        slug="sheets",
        timezone="Europe/Berlin",
        organizer=Person("O"),
        sessions=[
            session(
                1,
                date(2027, 1, 4),
                [
                    Assignment(
                        "p1",
                        '=HYPERLINK("https://evil.example","click")',
                        ["+topic"],
                        presenter="@SUM(A1:A9)",
                        links={"abs": "https://arxiv.org/abs/1", "code": "-2+3"},
                    ),
                    Assignment(
                        "p2",
                        'Commas, "quotes"\nand a line break',
                        ["a", "b"],
                        presenter="a=b",
                        links={},
                    ),
                ],
            ),
            session(2, date(2027, 1, 11), [], status="cancelled"),
            session(3, date(2027, 1, 18), [Assignment("p3", "Kept", [])], status="cancelled"),
        ],
    )


# -- json ------------------------------------------------------------------------------------


def test_json_is_what_show_json_prints(planned, run):
    shown = run("show", str(planned["schedule"]), "--json")
    assert shown.exit_code == 0, shown
    data = planned["json"].read_bytes()
    assert json.loads(data.decode("utf-8")) == json.loads(shown.stdout)
    assert len(json.loads(data)["sessions"]) == 12
    # sorted keys, two spaces, UTF-8 (not \u escapes), one trailing newline
    loaded = json.loads(data)
    assert (
        data.decode("utf-8")
        == json.dumps(loaded, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    )
    assert data.endswith(b"}\n") and not data.endswith(b"\n\n")


def test_json_keeps_unicode_as_utf8():
    plan = sheet_plan()
    plan.sessions[0].papers[0].title = "Straße – naïve"
    data = JsonEmitter().render(plan)
    assert "Straße – naïve".encode() in data and b"\\u" not in data
    assert json.loads(data) == planfile.to_json(plan)


# -- csv -------------------------------------------------------------------------------------


def test_csv_has_one_row_per_paper(planned):
    plan = planfile.load(planned["plan"])
    data = planned["csv"].read_bytes()
    rows = read_csv(data)
    assert rows[0] == HEADER == list(CSV_COLUMNS)
    papers = [(s, a) for s in plan.sessions for a in s.papers]
    assert len(rows) - 1 == len(papers) == 24
    for row, (s, a) in zip(rows[1:], papers):
        record = dict(zip(HEADER, row))
        start, end = s.start.astimezone(BERLIN), s.end.astimezone(BERLIN)
        assert record["session"] == s.id and record["status"] == "confirmed"
        assert record["date"] == start.date().isoformat()
        assert (record["start"], record["end"]) == (f"{start:%H:%M}", f"{end:%H:%M}")
        assert record["paper_id"] == a.paper_id and record["title"] == a.title
        assert record["presenter"] == a.presenter
        assert record["topics"] == "; ".join(a.topics)
        assert record["abs"] == a.links.get("abs", "")
        assert record["code"] == " ".join(links_of(a.links, "code"))  # every code link
    assert any(dict(zip(HEADER, r))["code"] for r in rows[1:])
    assert any("; " in dict(zip(HEADER, r))["topics"] for r in rows[1:])
    # RFC 4180: every record ends with CRLF, and there is no bare LF
    assert data.endswith(b"\r\n") and data.count(b"\r\n") == len(rows)
    assert data.count(b"\n") == data.count(b"\r\n")


def test_csv_neutralises_formulas_and_quotes_what_it_must():
    data = CsvEmitter().render(sheet_plan())
    rows = [dict(zip(HEADER, r)) for r in read_csv(data)[1:]]
    assert len(rows) == 4  # two papers, a cancelled session without papers, one with a paper
    first, second, empty, kept = rows
    assert first["title"] == "'" + '=HYPERLINK("https://evil.example","click")'
    assert first["presenter"] == "'@SUM(A1:A9)"
    assert first["topics"] == "'+topic"
    assert first["code"] == "'-2+3"
    assert first["abs"] == "https://arxiv.org/abs/1"
    assert first["start"] == "09:05" and first["end"] == "09:55" and first["date"] == "2027-01-04"
    # text that is no formula is left alone, line break and quotes included
    assert second["title"] == 'Commas, "quotes"\nand a line break'
    assert second["presenter"] == "a=b" and second["topics"] == "a; b"
    assert b'"Commas, ""quotes""\nand a line break"' in data
    # a cancelled session with no papers is one row, its paper cells empty
    assert empty["session"] == "s02" and empty["status"] == "cancelled"
    assert [empty[k] for k in HEADER[5:]] == [""] * 6
    assert kept["status"] == "cancelled" and kept["title"] == "Kept"
    # no cell anywhere starts a formula
    for row in read_csv(data)[1:]:
        assert not [c for c in row if c[:1] in ("=", "+", "-", "@")]


# -- both ------------------------------------------------------------------------------------


def test_outputs_are_byte_identical_across_two_plans(planned, run):
    first = {k: planned[k].read_bytes() for k in ("json", "csv")}
    for path in (planned["plan"], planned["json"], planned["csv"]):
        path.unlink()
    result = run("plan", str(planned["schedule"]), "--today", TODAY)
    assert result.exit_code == 0, result
    assert {k: planned[k].read_bytes() for k in ("json", "csv")} == first
    # and a plan over its own previous plan leaves them unchanged
    assert run("plan", str(planned["schedule"]), "--today", TODAY).exit_code == 0
    assert {k: planned[k].read_bytes() for k in ("json", "csv")} == first


def test_emitters_are_registered_with_their_types(run):
    listed = json.loads(run("plugins", "--json").stdout)
    data = next(p for p in listed if p["name"] == "paperclub.default_plugins.data")
    assert data["hooks"] == ["paperclub_register_emitters"]
    from paperclub.plugins import Hooks, get_plugin_manager

    emitters = Hooks(get_plugin_manager()).emitters
    assert {
        n: (e.extension, e.media_type) for n, e in emitters.items() if n in ("html", "json", "csv")
    } == {
        "html": (".html", "text/html"),
        "json": (".json", "application/json"),
        "csv": (".csv", "text/csv"),
    }


# -- docs/outputs.md -------------------------------------------------------------------------


def test_the_outputs_doc_example_runs(run, schedule, workspace):
    import contextlib
    import re
    import shlex

    from conftest import ROOT

    doc = (ROOT / "docs" / "outputs.md").read_text()
    config_line = re.search(r"```yaml\n(outputs: .*?)\n```", doc).group(1)
    assert yaml.safe_load(config_line)["outputs"] == OUTPUTS
    example = doc.split("## Example", 1)[1]
    command = re.search(r"```sh\n(.*?)\n```", example).group(1)
    program = re.search(r"```python\n(.*?)```", example, re.DOTALL).group(1)

    config = yaml.safe_load(Path(schedule).read_text())
    config.update(yaml.safe_load(config_line))
    Path(schedule).write_text(yaml.safe_dump(config, sort_keys=False))
    args = shlex.split(command)
    assert args[:2] == ["paperclub", "plan"]
    result = run(*args[1:])
    assert result.exit_code == 0, result
    for name in OUTPUTS:
        suffix = {"markdown": "md"}.get(name, name)
        assert (workspace / "schedules" / f"ml-systems.{suffix}").exists()
    page = (workspace / "schedules" / "ml-systems.html").read_text()
    (highlighted,) = re.findall(
        r'class="session next"[^>]*>\s*<h3><span class="n">\d+</span>'
        r'<time datetime="([^"]+)"',
        page,
    )
    assert highlighted.startswith("2027-01-21T")

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(program, "docs/outputs.md", "exec"), {})
    lines = out.getvalue().splitlines()
    assert len(lines) == 13 and lines[-1] == "24 papers; 5 presenters"
    assert lines[0].startswith("2026-12-03 confirmed Mirror Speculative Decoding")
