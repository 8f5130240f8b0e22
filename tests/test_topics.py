"""Topics come from the group's taxonomy and a source's subject keywords; a tag that manages a
collection (Zotero's `to-read`, `important`, ZotFile's `_tablet`) is not a subject."""

from __future__ import annotations

import re
import shutil
from html.parser import HTMLParser
from pathlib import Path

import icalendar
import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from paperclub.default_plugins.topics import _at_word_start, is_workflow_tag, match_topics

FIXTURES = Path(__file__).parent / "fixtures"
ZOTERO = FIXTURES / "bibtex" / "zotero-tags.bib"  # a Zotero export whose tags mix both kinds


def config(sources: list[str], topics: dict, **catalog) -> dict:
    return {
        "group": {
            "name": "Reading Group",
            "timezone": "America/New_York",
            "organizer": {"name": "Ada", "email": "ada@example.org"},
        },
        "meetings": {"start": "2026-12-03", "time": "16:00", "count": 4},
        "catalog": {"sources": sources, **catalog},
        "members": [{"name": "Ada"}, {"name": "Alan"}],
        "topics": topics,
        "outputs": ["ics", "html"],
    }


def plan(run, workspace, data: dict) -> tuple[dict[str, list[str]], list[str]]:
    """Plan `data`; each paper's topics (by title) as the calendar's CATEGORIES give them, and
    the topics of the web page's chart."""
    (workspace / "group.yaml").write_text(yaml.safe_dump(data, sort_keys=False))
    result = run("plan", "group.yaml", "--today", "2026-11-01")
    assert result.exit_code == 0, result
    calendar = icalendar.Calendar.from_ical((workspace / "group.ics").read_bytes())
    plans = yaml.safe_load((workspace / "group.plan.yaml").read_text())
    titles = [p["title"] for s in plans["sessions"] for p in s["papers"]]
    categories = {}
    for event, title in zip(calendar.walk("VEVENT"), titles):  # one paper a session
        found = event.get("categories")
        categories[title] = [str(c) for c in found.cats] if found is not None else []
    return categories, chart_topics((workspace / "group.html").read_text())


def chart_topics(page: str) -> list[str]:
    """The topics the "Topics over the term" chart has a row for."""

    class Chart(HTMLParser):
        def __init__(self):
            super().__init__()
            self.in_label, self.names = False, []

        def handle_starttag(self, tag, attrs):
            if tag == "th":
                self.in_label = ("scope", "row") in attrs  # a row's label: its topic

        def handle_endtag(self, tag):
            if tag == "th":
                self.in_label = False

        def handle_data(self, data):
            if self.in_label and data.strip():
                self.names.append(data.strip())

    parser = Chart()
    parser.feed(page)
    return parser.names


def test_collection_tags_given_as_topics_are_not_topics(run, workspace):
    """A reading list whose topics are a Zotero library's tags, as a spreadsheet of it holds
    them: the subjects stay topics, the collection's own tags do not."""
    (workspace / "list.csv").write_text(
        "title,arxiv,topics\n"
        "Fast Inference from Transformers via Speculative Decoding,2211.17192,"
        "important; to-read; speculative decoding\n"
        "SQuAD: 100000+ Questions for Machine Comprehension of Text,1606.05250,"
        "Favorite; Read; question answering\n"
        "Efficient Memory Management for Large Language Model Serving with PagedAttention,,"
        "_todo; #later; kv cache; ⭐\n"
        "Accelerating Large Language Model Decoding with Speculative Sampling,2302.01318,"
        "To Read; unread\n",
        encoding="utf-8",
    )
    categories, chart = plan(run, workspace, config(["list.csv"], {}))
    assert categories == {
        "Fast Inference from Transformers via Speculative Decoding": ["speculative decoding"],
        "SQuAD: 100000+ Questions for Machine Comprehension of Text": ["question answering"],
        "Efficient Memory Management for Large Language Model Serving with PagedAttention": [
            "kv cache"
        ],
        "Accelerating Large Language Model Decoding with Speculative Sampling": [],
    }
    assert sorted(chart) == ["kv cache", "question answering", "speculative decoding"]


def test_collection_tags_of_a_zotero_export_match_no_taxonomy_keyword(run, workspace):
    """Zotero writes tags to BibTeX `keywords`: a subject there matches the taxonomy, `to-read`
    does not make a paper about reading."""
    shutil.copy(ZOTERO, workspace / "zotero.bib")
    topics = {
        "inference": ["speculative", "serving", "kv cache"],
        "comprehension": ["comprehension", "read"],
    }
    categories, chart = plan(run, workspace, config(["zotero.bib"], topics))
    assert categories == {
        # tagged to-read, _tablet, important: about inference only
        "Fast Inference from Transformers via Speculative Decoding": ["inference"],
        "Accelerating Large Language Model Decoding with Speculative Sampling": ["inference"],
        "SQuAD: 100,000+ Questions for Machine Comprehension of Text": ["comprehension"],
        # its `kv cache` keyword is a subject
        "Efficient Memory Management for Large Language Model Serving with PagedAttention": [
            "inference"
        ],
    }
    assert sorted(chart) == ["comprehension", "inference"]
    # the tags stay in the catalog, where they find the papers tagged so
    listed = run("papers", "--topic", "to-read").stdout
    assert "arxiv:2211.17192" in listed and "arxiv:2302.01318" not in listed


def test_ignore_tags_adds_a_groups_own_collection_tags(run, workspace):
    (workspace / "list.yaml").write_text(
        yaml.safe_dump(
            [
                {
                    "title": "Efficient Memory Management for Large Language Model Serving with "
                    "PagedAttention",
                    "topics": ["Lab-Meeting", "kv cache"],
                },
                {
                    "title": "Fast Inference from Transformers via Speculative Decoding",
                    "topics": ["lab meeting 2025", "speculative decoding"],
                },
            ]
        )
    )
    categories, chart = plan(
        run, workspace, config(["list.yaml"], {}, ignore_tags=["lab meeting", "Lab_Meeting_2025"])
    )
    assert sorted(chart) == ["kv cache", "speculative decoding"]
    assert sorted(c for cats in categories.values() for c in cats) == chart


def test_ignore_tags_must_be_tags(run, workspace):
    data = config(["list.yaml"], {}, ignore_tags=["to-do", {"a": 1}])
    (workspace / "group.yaml").write_text(yaml.safe_dump(data, sort_keys=False))
    result = run("plan", "group.yaml", "--today", "2026-11-01")
    assert result.exit_code == 1, result
    line = next(
        n
        for n, text in enumerate((workspace / "group.yaml").read_text().splitlines(), 1)
        if "a: 1" in text
    )
    assert f"group.yaml:{line}: catalog.ignore_tags[1]: expected a tag" in result.stderr


@pytest.mark.parametrize(
    "tag",
    [
        "important",
        "Important",
        "to-read",
        "To Read",
        "to_read",
        "toread",
        "unread",
        "read",
        "favorite",
        "Favourite",
        "_todo",
        "_tablet",
        "#later",
        "@home",
        "★",
        "⭐⭐",
        "!!!",
        "read later",
        "Read-Later",
    ],
)
def test_a_collection_tag(tag):
    assert is_workflow_tag(tag)


@pytest.mark.parametrize(
    "tag",
    [
        "speculative decoding",
        "kv cache",
        "cs.CL",
        "Computer Science - Machine Learning",
        "reading comprehension",
        "transformers",
        "C++",
        "3D",
    ],
)
def test_a_subject(tag):
    assert not is_workflow_tag(tag)


def test_ignored_tags_are_compared_as_the_built_in_ones():
    assert is_workflow_tag("Lab-Meeting", ("lab meeting",))
    assert is_workflow_tag("LAB_MEETING", ("lab-meeting",))
    assert not is_workflow_tag("lab meetings", ("lab meeting",))


@given(
    st.text(alphabet="ab_ -é1²\n.", max_size=30),
    st.text(alphabet="ab_é1²-", min_size=1, max_size=3),
)
def test_a_keyword_is_found_at_a_word_start_exactly_as_the_regex_finds_it(text, keyword):
    """match_topics finds a keyword with str.find and a look at the character before it; that
    is the regex `\\b<keyword>` it stands for, for every text (letters, digits that are not
    word characters to one of them, underscores, accents)."""
    pattern = re.compile(r"\b" + re.escape(keyword))
    assert _at_word_start(keyword, pattern, text) == (pattern.search(text) is not None)


def test_a_topic_keyword_matches_at_the_start_of_a_word_only():
    taxonomy = {"code": ("program",), "serving": ("kv cache",)}
    assert match_topics(taxonomy, "Programming with LLMs") == ["code"]
    assert match_topics(taxonomy, "Deprogramming cults") == []
    assert match_topics(taxonomy, "A study", "we shrink the kv cache and the reprogram") == [
        "serving"
    ]
    assert match_topics(taxonomy, "a_program") == []  # _ is a word character, as for \b
