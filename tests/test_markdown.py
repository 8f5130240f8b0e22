"""The `markdown` output: the agenda as a Markdown table, text shown as it is."""

from __future__ import annotations

import html
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from paperclub.default_plugins.markdown import MarkdownEmitter
from paperclub.models import Assignment, Person, Plan, Session


def agenda(group: str, title: str = "A paper", location: str | None = None) -> list[str]:
    start = datetime(2026, 12, 3, 16, tzinfo=ZoneInfo("Europe/Berlin"))
    stamp = datetime(2026, 1, 1, tzinfo=timezone.utc)
    plan = Plan(
        group=group,
        slug="g",
        timezone="Europe/Berlin",
        location=location,
        organizer=Person("O", "o@example.org"),
        sessions=[
            Session(
                id="s01",
                uid="uid-1",
                start=start,
                end=start + timedelta(hours=1),
                modified=stamp,
                papers=[Assignment("p", title, ["R&D"], "Ada")],
            )
        ],
    )
    return MarkdownEmitter().render(plan).decode("utf-8").splitlines()


def test_an_ampersand_is_written_as_it_is_not_as_amp():
    """A heading of `Systems &amp; Theory` reads wrong in the file and in a wiki that shows
    Markdown as it is; a lone & is text to every Markdown renderer, so it stays."""
    lines = agenda("Systems & Theory Reading Group", "Q&A: Reading & Writing", "Room 1 & 2")
    assert lines[0] == "# Systems & Theory Reading Group"
    assert "Where: Room 1 & 2" in lines
    (row,) = [line for line in lines if line.startswith("| 1 ")]
    assert "| Q&A: Reading & Writing | R&D | Ada |" in row
    assert not any("&amp;" in line for line in lines)


def test_what_markdown_reads_as_a_character_reference_stays_text():
    """`&copy;` in a name is text, not ©: written `&amp;copy;`, which renderers show as
    `&copy;` (CommonMark decodes a reference with its semicolon, as html.unescape does)."""
    name = "AT&amp;T &copy; &#169; &#xA9; <b>"
    heading = agenda(name)[0]
    assert heading == "# AT&amp;amp;T &amp;copy; &amp;#169; &amp;#xA9; &lt;b&gt;"
    assert html.unescape(heading[2:]) == name
