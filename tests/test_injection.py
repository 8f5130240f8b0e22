"""Hostile text in titles, presenters, topics and links passes through every emitter safely:
ICS escaping and folding, HTML escaping, Markdown table escaping, CSV quoting; and from a
catalog file with a 10 MB abstract through import and plan to the outputs."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar

from conftest import TODAY
from paperclub.models import Assignment, Person, Plan, Session
from paperclub.plugins import Hooks, get_plugin_manager

HOSTILE = [
    "Line one\r\nATTENDEE:mailto:evil@example.org\r\nEND:VEVENT",
    "<script>alert(1)</script>",
    "{{ 7*7 }} {% if true %}jinja{% endif %} ${x}",
    "a | b || c \\| d",
    "bell\x07 escape\x1b[31mred\x1b[0m vt\x0b ff\x0c del\x7f c1\x85\x9b",
    "nul\x00byte",
    "\u202eevil override\u202c and \u2067isolate\u2069 عربى עברית",
    "🚀 paper 👩‍🔬 with emoji",
    "semi;colon, comma\\backslash: colon",
    "[link](javascript:alert(1)) <img src=x onerror=alert(1)> **bold** `code`",
    '=HYPERLINK("http://evil") +1 -1 @SUM(A1)',
]
VISIBLE = {  # a fragment of each that must come out, readable, in every output
    0: "ATTENDEE:mailto:evil@example.org",
    1: "<script>alert(1)</script>",
    2: "{{ 7*7 }}",
    3: "a | b",
    4: "escape",
    5: "byte",
    6: "عربى עברית",
    7: "🚀 paper 👩‍🔬",
    8: "semi;colon, comma",
    9: "onerror=alert(1)",
    10: "HYPERLINK(",
}
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


@pytest.fixture(scope="module")
def hooks():
    return Hooks(get_plugin_manager())


def hostile_plan() -> Plan:
    zone = ZoneInfo("Europe/Berlin")
    plan = Plan(
        group="Evil | <b>Group</b>\r\nX-INJECT:1",
        slug="evil",
        timezone="Europe/Berlin",
        organizer=Person("Org; <i>", "org@example.org"),
        location="Room <1> | \x00",
        url="https://example.org/?a=1&b=<2>",
    )
    start = datetime(2027, 1, 7, 16, tzinfo=zone)
    for n, title in enumerate(HOSTILE):
        s = start + timedelta(weeks=n)
        modified = datetime(2026, 11, 1, tzinfo=ZoneInfo("UTC"))
        plan.sessions.append(
            Session(
                id=f"s{n + 1:02d}",
                uid=f"uid-{n}@example.org",
                start=s,
                end=s + timedelta(hours=1),
                created=modified,
                modified=modified,
                papers=[
                    Assignment(
                        paper_id=f"p{n}",
                        title=title,
                        topics=[title[:12], "plain"],
                        presenter=f"Presenter {n} {title[:10]}",
                        links={
                            "abs": 'https://arxiv.org/abs/2401.00001?x=<y>&z="q"',
                            "code": "javascript:alert(1)",
                        },
                    )
                ],
            )
        )
    return plan


@pytest.fixture(scope="module")
def outputs(hooks):
    plan = hostile_plan()
    return {
        name: hooks.emitters[name].render(plan)
        for name in ("ics", "markdown", "html", "json", "csv")
    }


def test_ics_escapes_folds_and_drops_control_characters(outputs):
    raw = outputs["ics"]
    assert b"\n" not in raw.replace(b"\r\n", b"")
    lines = raw.split(b"\r\n")
    assert all(len(line) <= 75 for line in lines)
    text = raw.decode("utf-8")
    assert not CONTROL.search(text.replace("\r\n", ""))
    cal = Calendar.from_ical(raw)
    events = cal.walk("VEVENT")
    assert len(events) == len(HOSTILE)
    for event in events:
        assert "ATTENDEE" not in event and "X-INJECT" not in event
        assert event.errors == []
    names = [str(e["SUMMARY"]) for e in events]
    for n, fragment in VISIBLE.items():
        assert fragment in names[n], (n, names[n])
    # no line of the file starts a property the plan did not ask for
    starts = {line.split(b":")[0].split(b";")[0] for line in lines if line and line[:1] != b" "}
    assert not {b"ATTENDEE", b"X-INJECT"} & starts


def test_ics_is_read_by_independent_parsers(outputs):
    import vobject
    from ical.calendar_stream import IcsCalendarStream

    text = outputs["ics"].decode("utf-8")
    assert len(vobject.readOne(text, validate=True).vevent_list) == len(HOSTILE)
    assert len(IcsCalendarStream.calendar_from_ics(text).events) == len(HOSTILE)


def test_markdown_rows_keep_their_columns(outputs):
    text = outputs["markdown"].decode("utf-8")
    assert not CONTROL.search(text.replace("\n", ""))
    rows = [line for line in text.splitlines() if line.startswith("| ")]
    header = rows[0]
    columns = len(re.findall(r"(?<!\\)\|", header))
    for row in rows:
        assert len(re.findall(r"(?<!\\)\|", row)) == columns, row
    assert len(rows) == 1 + len(HOSTILE)  # the header, then a row per paper
    assert "<script>" not in text and "&lt;script&gt;alert(1)&lt;/script&gt;" in text
    assert "<img" not in text and "<javascript" not in text
    assert not re.search(r"(?<!\\)\]\(javascript", text)  # only escaped brackets before it
    assert "?x=%3Cy%3E&z=%22q%22" in text  # the link is one token


def test_html_escapes_everything(outputs):
    text = outputs["html"].decode("utf-8")
    assert "<script" not in text.lower()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text
    assert "<img" not in text and 'href="javascript' not in text
    assert "&lt;img src=x onerror=alert(1)&gt;" in text
    assert "{{ 7*7 }} {% if true %}jinja{% endif %}" in text  # shown, never evaluated
    assert ">jinja<" not in text and "49" not in re.findall(r">([^<]*)<", text)
    assert not CONTROL.search(text.replace("\n", ""))
    assert "عربى עברית" in text and "🚀 paper 👩‍🔬" in text


def test_json_keeps_every_title_exactly(outputs):
    data = json.loads(outputs["json"])
    titles = [p["title"] for s in data["sessions"] for p in s["papers"]]
    assert titles == HOSTILE


def test_csv_keeps_one_row_per_paper_and_neutralises_formulas(outputs):
    rows = list(csv.DictReader(io.StringIO(outputs["csv"].decode("utf-8"), newline="")))
    assert len(rows) == len(HOSTILE)
    assert rows[10]["title"].startswith("'=")
    for n, fragment in VISIBLE.items():
        assert fragment in rows[n]["title"]


RELEVANT = "Speculative decoding for inference: quantization of the kv cache."
BIG_ABSTRACT = RELEVANT + " A very long abstract." * (10 * 1024 * 1024 // 22)


def test_hostile_papers_from_a_file_through_import_plan_and_every_output(run, schedule, workspace):
    rows = [["title", "arxiv_id", "upvotes", "abstract"]]
    for n, title in enumerate(HOSTILE):
        # in the group's field (speculative decoding), so they are planned
        rows.append(
            [
                title.replace("\x00", ""),
                f"2401.{n + 1:05d}",
                500 + n,
                BIG_ABSTRACT if n == 0 else f"abstract {n} <script> {RELEVANT}",
            ]
        )
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    (workspace / "schedules" / "evil.csv").write_text(buffer.getvalue(), encoding="utf-8")
    text = Path(schedule).read_text()
    text = text.replace("[paperclub:sample]", "[paperclub:sample, evil.csv]")
    text = text.replace(
        "outputs: [ics, markdown, html]", "outputs: [ics, markdown, html, json, csv]"
    )
    text = text.replace("popularity: 3.0", "popularity: 100.0")  # the upvoted ones, all of them
    Path(schedule).write_text(text)
    result = run("plan", str(schedule), "--today", TODAY)
    assert result.exit_code == 0, result
    folder = workspace / "schedules"
    data = json.loads((folder / "ml-systems.json").read_text())
    planned = [p["title"] for s in data["sessions"] for p in s["papers"]]
    assert all(any(VISIBLE[n] in t for t in planned) for n in VISIBLE)  # upvoted: all planned
    ics = (folder / "ml-systems.ics").read_bytes()
    cal = Calendar.from_ical(ics)
    assert all("ATTENDEE" not in e for e in cal.walk("VEVENT"))
    assert all(len(line) <= 75 for line in ics.split(b"\r\n"))
    html = (folder / "ml-systems.html").read_text()
    assert "<script" not in html.lower()
    outputs = [p for p in folder.iterdir() if p.name.startswith("ml-systems.")]
    assert len(outputs) == 7 and all(p.stat().st_size < 1_000_000 for p in outputs)


def test_the_plan_file_keeps_hostile_text_exactly(tmp_path):
    from paperclub import planfile

    path = tmp_path / "evil.plan.yaml"
    path.write_bytes(planfile.dump(hostile_plan()))
    loaded = planfile.load(path)
    assert [a.title for s in loaded.sessions for a in s.papers] == HOSTILE
    assert loaded.group == hostile_plan().group
    assert planfile.dump(loaded) == path.read_bytes()
