"""The `html` output: the group's web page, checked in a real browser (headless Chromium,
which `make test` brings: scripts/ensure-browser; without it these tests fail, they do not skip)."""

from __future__ import annotations

import os
import re
import shutil
import struct
import subprocess
from datetime import date, datetime, timedelta
from html.parser import HTMLParser
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import yaml

from conftest import ALL_OUTPUTS, TODAY, plan_every_output
from paperclub import planfile
from paperclub.default_plugins.html import PALETTE, HtmlEmitter
from paperclub.models import Assignment, Person, Plan, Session
from test_cli import imported_by

MID_TERM = "2027-01-15"  # the sample term runs from 2026-12-03 to 2027-03-04
OUTPUTS = ALL_OUTPUTS
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--no-first-run",
]
BERLIN = ZoneInfo("Europe/Berlin")


# -- a browser, and a DOM to look at ---------------------------------------------------------


def chromium_path() -> str:
    """$PAPERCLUB_CHROMIUM, else chromium on PATH: what scripts/ensure-browser looks for."""
    found = (
        os.environ.get("PAPERCLUB_CHROMIUM")
        or shutil.which("chromium")
        or shutil.which("chromium-browser")
    )
    if not found:
        pytest.fail(
            "Chromium is not installed (apt-get install chromium, or point "
            "PAPERCLUB_CHROMIUM at a Chromium or Chrome): the web page is checked in a "
            "real browser"
        )
    return found


def chromium(tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    profile = tmp_path / "chromium-profile"
    done = subprocess.run(
        [chromium_path(), *CHROMIUM_FLAGS, f"--user-data-dir={profile}", *args],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return done


def dump_dom(page: Path, tmp_path: Path) -> str:
    """The DOM Chromium built from the page, serialized."""
    dom = chromium(tmp_path, "--dump-dom", page.resolve().as_uri()).stdout
    assert "<html" in dom, dom[:500]
    return dom


VOID = {
    "area",
    "base",
    "br",
    "col",
    "embed",
    "hr",
    "img",
    "input",
    "link",
    "meta",
    "source",
    "track",
    "wbr",
}


class Node:
    def __init__(self, tag: str, attrs: dict[str, str | None], parent: Node | None = None):
        self.tag, self.attrs, self.parent = tag, attrs, parent
        self.children: list[Node | str] = []

    @property
    def classes(self) -> set[str]:
        return set((self.attrs.get("class") or "").split())

    def text(self) -> str:
        return "".join(c if isinstance(c, str) else c.text() for c in self.children)

    def iter(self):
        for c in self.children:
            if isinstance(c, Node):
                yield c
                yield from c.iter()

    def find_all(self, tag: str | None = None, cls: str | None = None) -> list[Node]:
        return [
            n
            for n in self.iter()
            if (tag is None or n.tag == tag) and (cls is None or cls in n.classes)
        ]

    def by_id(self, ident: str) -> Node:
        found = [n for n in self.iter() if n.attrs.get("id") == ident]
        assert len(found) == 1, (ident, len(found))
        return found[0]


class TreeBuilder(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.root = self.current = Node("#document", {})

    def handle_starttag(self, tag, attrs):
        node = Node(tag, dict(attrs), self.current)
        self.current.children.append(node)
        if tag not in VOID:
            self.current = node

    def handle_startendtag(self, tag, attrs):
        self.current.children.append(Node(tag, dict(attrs), self.current))

    def handle_endtag(self, tag):
        node = self.current
        while node is not None and node.tag != tag:
            node = node.parent
        if node is not None and node.parent is not None:
            self.current = node.parent

    def handle_data(self, data):
        self.current.children.append(data)


def parse(html: str) -> Node:
    builder = TreeBuilder()
    builder.feed(html)
    builder.close()
    return builder.root


def squash(text: str) -> str:
    return " ".join(text.split())


# -- plans to render -------------------------------------------------------------------------


@pytest.fixture
def site(run, schedule, workspace):
    """The sample term planned mid-term, with every output on."""
    folder = plan_every_output(run, schedule, MID_TERM)
    return {
        "html": folder / "ml-systems.html",
        "plan": folder / "ml-systems.plan.yaml",
        "schedule": schedule,
    }


def session(n: int, day: date, papers: list[Assignment], status: str = "confirmed") -> Session:
    start = datetime(day.year, day.month, day.day, 18, 30, tzinfo=BERLIN)
    stamp = datetime(2026, 1, 1, tzinfo=ZoneInfo("UTC"))
    return Session(
        id=f"s{n:02d}",
        uid=f"uid-{n}",
        start=start,
        end=start + timedelta(hours=1),
        status=status,
        created=stamp,
        modified=stamp,
        papers=papers,
    )


def tricky_plan() -> Plan:
    """Hostile text everywhere a plan holds text, and cancelled sessions."""
    return Plan(
        group="</title><script>alert('group')</script> Club",
        slug="tricky",
        timezone="Europe/Berlin",
        organizer=Person("Eve <eve@example.org>", "eve@example.org"),
        location='Room "7" <b>bold</b> & https://meet.example.org/x?a=1&b=2',
        as_of=date(2027, 1, 5),
        url="javascript://example.org/%0Aalert(6)",  # a config checks this; a plugin may not
        sessions=[
            session(1, date(2027, 1, 4), [Assignment("p0", "Held before as_of", ["a"])]),
            session(
                2,
                date(2027, 1, 6),
                [Assignment("p1", "Dropped paper", ["b"], "Bob")],
                status="cancelled",
            ),
            session(3, date(2027, 1, 7), [], status="cancelled"),
            session(
                4,
                date(2027, 1, 8),
                [
                    Assignment(
                        "p2",
                        "<script>alert(1)</script>",
                        ['"><svg onload=alert(4)>', "b"],
                        presenter="<img src=x onerror=alert(3)>",
                        links={
                            "abs": "javascript:alert(2)",
                            "code": "https://example.org/c?a=1&b=2",
                        },
                    )
                ],
            ),
            session(5, date(2027, 1, 15), []),
        ],
    )


def render_to(plan: Plan, path: Path) -> Path:
    path.write_bytes(HtmlEmitter().render(plan))
    return path


# -- the sample term, in a browser -----------------------------------------------------------


def test_every_session_and_paper_is_on_the_page(site, tmp_path):
    plan = planfile.load(site["plan"])
    dom = parse(dump_dom(site["html"], tmp_path))
    items = dom.find_all("li", "session")
    assert [n.attrs["id"] for n in items] == [f"session-{s.id}" for s in plan.sessions]
    assert len(items) == 12
    for s in plan.sessions:
        item = dom.by_id(f"session-{s.id}")
        start, end = s.start.astimezone(BERLIN), s.end.astimezone(BERLIN)
        (when,) = item.find_all("time")
        assert when.attrs["datetime"] == start.isoformat()
        text = squash(item.text())
        assert f"{start:%H:%M}–{end:%H:%M}" in text
        assert str(start.day) in when.text() and str(start.year) in when.text()
        assert len(item.find_all("li", "paper")) == len(s.papers) == 2
        for a in s.papers:
            assert squash(a.title) in text
            assert f"Presenter: {a.presenter}" in text
            for topic in a.topics:
                assert topic in text
            if "code" in a.links:
                assert a.links["code"] in [x.attrs.get("href") for x in item.find_all("a", "code")]
    header = squash(dom.find_all("header")[0].text())
    assert "ML Systems Reading Group" in header and "Room 4.12" in header
    assert "Times are Europe/Berlin" in header


def test_the_next_session_is_highlighted(site, tmp_path):
    plan = planfile.load(site["plan"])
    expected = next(
        s
        for s in plan.sessions
        if s.status != "cancelled"
        and s.start.astimezone(BERLIN).date() >= date.fromisoformat(MID_TERM)
    )
    assert expected.start.date() == date(2027, 1, 21)  # the Thursday after MID_TERM
    dom = parse(dump_dom(site["html"], tmp_path))
    (highlighted,) = dom.find_all("li", "next")
    assert highlighted.attrs["id"] == f"session-{expected.id}"
    assert "Next session" in highlighted.text()
    (up_next,) = dom.find_all("p", "up-next")
    assert up_next.find_all("a")[0].attrs["href"] == f"#session-{expected.id}"
    assert "Thu 21 Jan 2027" in up_next.text()
    # the other sessions are not marked
    assert sum("Next session" in n.text() for n in dom.find_all("li", "session")) == 1


def test_no_script_and_nothing_fetched_from_elsewhere(site, tmp_path):
    raw = site["html"].read_text()
    dom_text = dump_dom(site["html"], tmp_path)
    dom = parse(dom_text)
    assert "<script" not in raw.lower() and "<script" not in dom_text.lower()
    assert not dom.find_all("script") and not dom.find_all("link") and not dom.find_all("iframe")
    assert not [n for n in dom.iter() if "src" in n.attrs or "srcset" in n.attrs]
    assert not [(n.tag, k) for n in dom.iter() for k in n.attrs if k.startswith("on")]
    style = "".join(n.text() for n in dom.find_all("style"))
    assert "url(" not in style and "@import" not in style and "@font-face" not in style
    metas = {
        m.attrs.get("name") or m.attrs.get("http-equiv"): m.attrs.get("content")
        for m in dom.find_all("meta")
    }
    assert "width=device-width" in metas["viewport"]
    assert "default-src 'none'" in metas["Content-Security-Policy"]
    assert "script-src" not in metas["Content-Security-Policy"]  # so default-src forbids it
    assert "@media" in style  # responsive, and inline


def test_a_phone_sized_screenshot(site, tmp_path):
    shot = tmp_path / "phone.png"
    chromium(
        tmp_path,
        "--hide-scrollbars",
        f"--screenshot={shot}",
        "--window-size=412,915",
        site["html"].resolve().as_uri(),
    )
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    assert (width, height) == (412, 915)
    # a blank page of this size is about 3 KB; text, cards and colours are many times that
    assert len(data) > 20_000, len(data)


def _colours(dom: Node) -> dict[str, str]:
    """Each topic's colour class, the same on every chip of the page."""
    colour: dict[str, str] = {}
    for chip in dom.find_all(None, "topic"):
        (css,) = [c for c in chip.classes if c[0] == "t" and c[1:].isdigit()]
        assert colour.setdefault(chip.text(), css) == css  # the same colour everywhere
    return colour


def test_topics_have_one_colour_each_and_a_chart(site):
    plan = planfile.load(site["plan"])
    dom = parse(site["html"].read_text())
    names = sorted({t for s in plan.sessions for a in s.papers for t in a.topics})
    colour = _colours(dom)
    assert sorted(colour) == names
    assert plan.topics == names  # a first plan lists its topics in sorted order
    assert [colour[n] for n in names] == [f"t{i}" for i in range(len(names))]
    style = dom.find_all("style")[0].text()
    for i in range(len(names)):
        assert f".t{i}{{--c:{PALETTE[i][0]}" in style
    (chart,) = dom.find_all("table", "chart")
    rows = chart.find_all("tbody")[0].find_all("tr")
    assert [squash(r.find_all("th")[0].text()) for r in rows] == names
    for row, name in zip(rows, names):
        cells = row.find_all("td")
        total = int(cells[-1].text())
        per_session = [int(c.text() or 0) for c in cells[:-1]]
        expected = [sum(name in a.topics for a in s.papers) for s in plan.sessions]
        assert per_session == expected and total == sum(expected)
        assert all(("on" in c.classes) == bool(n) for c, n in zip(cells, expected))


def test_subscribe_links(site, tmp_path):
    dom = parse(site["html"].read_text())
    (subscribe,) = dom.find_all("a", "subscribe")
    assert subscribe.attrs["href"] == "ml-systems.ics"  # the file written beside the page
    assert (site["html"].parent / subscribe.attrs["href"]).exists()
    assert not dom.find_all("a", "webcal")
    plan = planfile.load(site["plan"])
    plan.feed_url = "https://example.org/feeds/ml-systems.ics"
    dom = parse(render_to(plan, tmp_path / "feed.html").read_text())
    assert dom.find_all("a", "subscribe")[0].attrs["href"] == plan.feed_url
    assert (
        dom.find_all("a", "webcal")[0].attrs["href"] == "webcal://example.org/feeds/ml-systems.ics"
    )
    plan.feed_url = "javascript:alert(1)"  # a plan file edited by hand: never a link
    dom = parse(render_to(plan, tmp_path / "bad.html").read_text())
    assert dom.find_all("a", "subscribe")[0].attrs["href"] == "ml-systems.ics"


def test_same_plan_same_bytes(site, run):
    first = site["html"].read_bytes()
    plan = planfile.load(site["plan"])
    plan.as_of = date.fromisoformat(MID_TERM)
    assert HtmlEmitter().render(plan) == HtmlEmitter().render(plan) == first
    for path in site["plan"].parent.glob("ml-systems.*"):
        if path.suffix != ".yaml" or path.name.endswith(".plan.yaml"):
            path.unlink()
    assert run("plan", str(site["schedule"]), "--today", MID_TERM).exit_code == 0
    assert site["html"].read_bytes() == first


# -- next session rules, hostile text and cancelled sessions ---------------------------------


def test_before_the_term_the_first_session_is_next_and_without_a_day_none_is(run, schedule):
    config = yaml.safe_load(Path(schedule).read_text())
    config["outputs"] = ["html"]
    Path(schedule).write_text(yaml.safe_dump(config))
    assert run("plan", str(schedule), "--today", TODAY).exit_code == 0
    dom = parse(Path("schedules/ml-systems.html").read_text())
    (highlighted,) = dom.find_all("li", "next")
    assert highlighted is dom.find_all("li", "session")[0]
    plan = planfile.load(Path("schedules/ml-systems.plan.yaml"))
    assert plan.as_of is None  # not stored: a page made from the file marks no session
    dom = parse(HtmlEmitter().render(plan).decode())
    assert not dom.find_all("li", "next") and not dom.find_all(None, "up-next")
    assert "Next session" not in dom.text()


def test_hostile_text_stays_text_in_the_browser(tmp_path):
    page = render_to(tricky_plan(), tmp_path / "tricky.html")
    dom_text = dump_dom(page, tmp_path)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in dom_text
    assert "<script" not in dom_text.lower() and "<script" not in page.read_text().lower()
    dom = parse(dom_text)
    assert not dom.find_all("script") and not dom.find_all("img") and not dom.find_all("svg")
    assert not [(n.tag, k) for n in dom.iter() for k in n.attrs if k.startswith("on")]
    hrefs = [n.attrs["href"] for n in dom.find_all("a")]
    assert not [h for h in hrefs if "javascript" in h.lower()]
    assert "https://example.org/c?a=1&b=2" in hrefs  # a real link, & and all
    assert "https://meet.example.org/x?a=1&b=2" in hrefs  # the location's address, linked
    paper = dom.by_id("session-s04").find_all("li", "paper")[0]
    assert paper.find_all("p", "title")[0].text() == "<script>alert(1)</script>"
    assert "Presenter: <img src=x onerror=alert(3)>" in paper.text()
    assert '"><svg onload=alert(4)>' in [t.text() for t in paper.find_all("li", "topic")]
    assert dom.find_all("title")[0].text() == "</title><script>alert('group')</script> Club"
    assert 'Room "7" <b>bold</b> & ' in dom.find_all("p", "where")[0].text()
    assert not dom.find_all("b")


def test_cancelled_sessions_are_struck_through_and_never_next(tmp_path):
    dom = parse(dump_dom(render_to(tricky_plan(), tmp_path / "tricky.html"), tmp_path))
    cancelled = dom.find_all("li", "cancelled")
    assert [n.attrs["id"] for n in cancelled] == ["session-s02", "session-s03"]
    for item in cancelled:
        struck = squash(" ".join(s.text() for s in item.find_all("s")))
        day = item.find_all("time")[0]
        assert day.parent.tag == "s" and day.text() in struck and "18:30–19:30" in struck
        assert "Cancelled" in item.text() and "Cancelled" not in struck
    assert "Dropped paper" in squash(" ".join(s.text() for s in cancelled[0].find_all("s")))
    assert not cancelled[0].find_all("li", "paper") and "Bob" not in cancelled[0].text()
    assert "3 sessions (2 cancelled)" in dom.find_all("p", "tz")[0].text()
    # as_of is 5 January: the 6th and 7th are cancelled, so the 8th is next
    (highlighted,) = dom.find_all("li", "next")
    assert highlighted.attrs["id"] == "session-s04"
    # a confirmed session without papers says so; the chart leaves out cancelled sessions
    assert "Papers to be announced." in dom.by_id("session-s05").text()
    row = [r for r in dom.find_all("tr") if r.find_all("th") and r.find_all("th")[0].text() == "b"]
    assert [int(c.text() or 0) for c in row[0].find_all("td")] == [0, 0, 0, 1, 0, 1]


def test_page_is_deterministic(tmp_path):
    """The same plan, the same bytes; day and month names are paperclub's own, not strftime's
    (this machine has only the C locale, so that part is read in html.py, not tested)."""
    plan = tricky_plan()
    assert HtmlEmitter().render(plan) == HtmlEmitter().render(tricky_plan())
    assert "Fri 8 Jan 2027" in HtmlEmitter().render(plan).decode()


def test_jinja2_is_imported_only_to_render(workspace):
    for args in (["--help"], ["plugins"]):
        modules, _ = imported_by(args, workspace)
        assert "jinja2" not in modules, args
    modules, _ = imported_by(["plugins"], workspace)
    assert "paperclub.default_plugins.html" in modules  # the probe sees the plugin loaded


def test_a_cancelled_session_s_papers_are_not_a_second_live_copy(tmp_path):
    """A re-plan skipped a date and moved its paper to the next session: the page shows the
    paper once as a paper of the term, in its new session, and the cancelled session names
    it, struck through, with a link to where it went (no presenter, topics or code link)."""
    moved = dict(links={"abs": "https://arxiv.org/abs/2501.00001", "code": "https://example.org/c"})
    plan = Plan(
        group="G",
        slug="g",
        timezone="Europe/Berlin",
        organizer=Person("O", "o@example.org"),
        as_of=date(2027, 1, 1),
        sessions=[
            session(
                1,
                date(2027, 1, 7),
                [
                    Assignment("p1", "Moved paper", ["x"], "Ada", **moved),
                    Assignment("p2", "Dropped paper", ["y"], "Bob"),
                ],
                status="cancelled",
            ),
            session(2, date(2027, 1, 14), [Assignment("p1", "Moved paper", ["x"], "Cy", **moved)]),
        ],
    )
    dom = parse(dump_dom(render_to(plan, tmp_path / "moved.html"), tmp_path))
    papers = dom.find_all("li", "paper")
    assert [squash(p.find_all("p", "title")[0].text()) for p in papers] == ["Moved paper"]
    assert papers[0].parent.parent is dom.by_id("session-s02")
    item = dom.by_id("session-s01")
    assert "Cancelled" in item.text() and "Ada" not in item.text() and "Bob" not in item.text()
    assert not item.find_all(None, "topic") and not item.find_all("a", "code")
    (moved_list,) = item.find_all("ul", "moved")
    entries = moved_list.find_all("li")
    assert [squash(e.find_all("s")[0].text()) for e in entries] == ["Moved paper", "Dropped paper"]
    assert [a.attrs["href"] for a in entries[0].find_all("a")] == ["#session-s02"]
    assert "Thu 14 Jan 2027" in entries[0].text() and not entries[1].find_all("a")
    # the chart counts the paper once, in its new session; a topic only a cancelled session
    # had is not charted
    rows = {
        squash(r.find_all("th")[0].text()): [int(c.text() or 0) for c in r.find_all("td")]
        for r in dom.find_all("table", "chart")[0].find_all("tbody")[0].find_all("tr")
    }
    assert rows == {"x": [0, 1, 1]}


def _colour(dom: Node, topic: str) -> tuple[str, str]:
    """The (strong, tint) colours the page's CSS gives a topic's chips."""
    style = dom.find_all("style")[0].text()
    css = _colours(dom)[topic]
    return re.search(r"\." + css + r"\{--c:(#[0-9a-f]{6});--tint:(#[0-9a-f]{6})\}", style).groups()


@pytest.mark.parametrize(
    "old_plan_file", [False, True], ids=["plan-file", "plan-file-without-topics"]
)
def test_a_topic_keeps_its_colour_when_the_next_plan_has_other_topics(
    run, schedule, workspace, old_plan_file
):
    """The same topic went from green to orange between two plans: topics took the palette in
    sorted order, and a new topic sorted before it. The plan file keeps the order topics came
    in (`topics`), so a new one takes a colour of its own and the others keep theirs; a plan
    file from before that list starts it from the colours its page had."""
    config = yaml.safe_load(Path(schedule).read_text())
    config["outputs"] = ["html"]
    Path(schedule).write_text(yaml.safe_dump(config, sort_keys=False))
    assert run("plan", str(schedule), "--today", TODAY).exit_code == 0
    page, plan_file = Path("schedules/ml-systems.html"), Path("schedules/ml-systems.plan.yaml")
    before = parse(page.read_text())
    if old_plan_file:
        data = yaml.safe_load(plan_file.read_text())
        del data["topics"]
        plan_file.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True))
    # a topic that sorts before every other, on papers about decoding
    config["topics"] = {"a-decoding": ["decoding"], **config["topics"]}
    Path(schedule).write_text(yaml.safe_dump(config, sort_keys=False))
    assert run("plan", str(schedule), "--today", TODAY).exit_code == 0
    after = parse(page.read_text())
    old, new = _colours(before), _colours(after)
    assert "a-decoding" in new and "a-decoding" not in old
    shared = set(old) & set(new)
    assert {"inference", "code"} <= shared
    for topic in shared:
        assert _colour(after, topic) == _colour(before, topic), topic
    assert _colour(after, "a-decoding") not in [_colour(after, t) for t in shared]
    assert planfile.load(plan_file).topics[-1] == "a-decoding"


def test_the_plan_s_topic_order_gives_the_colours_whichever_topics_a_page_shows():
    def page(topics: list[str], order: list[str]) -> Node:
        papers = [Assignment(f"p{n}", f"Paper {n}", [t]) for n, t in enumerate(topics)]
        plan = Plan(
            group="G",
            slug="g",
            timezone="Europe/Berlin",
            topics=order,
            organizer=Person("O", "o@example.org"),
            sessions=[session(1, date(2027, 1, 7), papers)],
        )
        return parse(HtmlEmitter().render(plan).decode())

    order = ["inference", "training", "agents", "code"]
    first, second = (
        page(["inference", "training"], order),
        page(["agents", "code", "inference"], order),
    )
    assert _colours(first)["inference"] == _colours(second)["inference"] == "t0"
    assert _colour(first, "inference") == _colour(second, "inference") == PALETTE[0]
    assert _colours(second)["agents"] == "t2"
    # a topic the plan does not list yet (a hand edit) comes after the listed ones
    assert _colours(page(["zeta", "inference"], ["inference"])) == {"inference": "t0", "zeta": "t1"}
