"""Topics: the group's keyword taxonomy matched in title, abstract and source keywords, then
the topics the source already gave the paper, then its primary arXiv category."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from functools import lru_cache

from paperclub.hookspecs import hookimpl


@lru_cache(maxsize=4096)
def _pattern(keyword: str) -> re.Pattern[str]:
    # A keyword matches at the start of a word: "program" finds "programming", not "deprogram".
    return re.compile(r"\b" + re.escape(keyword.lower()))


def match_topics(taxonomy: Mapping[str, Sequence[str]], title: str, text: str = "") -> list[str]:
    """Topics whose keywords occur, strongest first: hits in the title count most, then hits
    anywhere, then the taxonomy's own order."""
    title, text = title.lower(), text.lower()
    ranked = []
    for order, (topic, keywords) in enumerate(taxonomy.items()):
        in_title = sum(1 for kw in keywords if _pattern(kw).search(title))
        anywhere = sum(1 for kw in keywords if _pattern(kw).search(text))
        if in_title or anywhere:
            ranked.append((-in_title, -anywhere, order, topic))
    return [topic for *_, topic in sorted(ranked)]


# An arXiv category (cs.LG, math.OC, hep-th, cond-mat.dis-nn): a source's own topic.
CATEGORY = re.compile(r"^[a-z-]+(\.[A-Za-z-]+)?$")


@hookimpl(trylast=True)
def paperclub_paper_topics(paper, group):
    text = " ".join([paper.abstract, *paper.keywords])
    primary = [k for k in paper.keywords[:1] if CATEGORY.match(k)]
    return match_topics(group.topics, paper.title, text) + list(paper.topics) + primary
