"""Topics: the group's keyword taxonomy matched in title, abstract and source keywords, then
the topics the source already gave the paper, then its primary arXiv category."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from functools import lru_cache

from paperclub.hookspecs import hookimpl
from paperclub.ids import is_arxiv_category


@lru_cache(maxsize=4096)
def _pattern(keyword: str) -> re.Pattern[str]:
    # A keyword matches at the start of a word: "program" finds "programming", not "deprogram".
    return re.compile(r"\b" + re.escape(keyword.lower()))


def match_topics(taxonomy: Mapping[str, Sequence[str]], title: str, text: str = "") -> list[str]:
    """Topics whose keywords occur, strongest first: hits in the title count most, then hits
    anywhere, then the taxonomy's own order."""
    title, text = title.lower(), text.lower()
    ranked = []
    for order, topic, keywords in _compiled(tuple((t, tuple(k)) for t, k in taxonomy.items())):
        in_title = anywhere = 0
        for kw, pattern in keywords:
            # `kw in text` first: a plain substring search is many times quicker than the
            # regex, and most keywords are in no given paper
            if kw in title and pattern.search(title):
                in_title += 1
            if kw in text and pattern.search(text):
                anywhere += 1
        if in_title or anywhere:
            ranked.append((-in_title, -anywhere, order, topic))
    return [topic for *_, topic in sorted(ranked)]


@lru_cache(maxsize=64)
def _compiled(taxonomy: tuple[tuple[str, tuple[str, ...]], ...]) -> tuple:
    """The taxonomy with each keyword lower-cased and compiled, once per taxonomy."""
    return tuple((order, topic, tuple((kw.lower(), _pattern(kw)) for kw in keywords))
                 for order, (topic, keywords) in enumerate(taxonomy))


@hookimpl(trylast=True)
def paperclub_paper_topics(paper, group):
    text = " ".join([paper.abstract, *paper.keywords])
    primary = [k for k in paper.keywords[:1] if is_arxiv_category(k)]
    return match_topics(group.topics, paper.title, text) + list(paper.topics) + primary
