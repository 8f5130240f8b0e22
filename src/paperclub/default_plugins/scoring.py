"""Score: upvotes (on a log scale, so a viral paper does not drown the rest) and recency
(halving every year before the term starts; never measured against today)."""

from __future__ import annotations

import math

from paperclub.hookspecs import hookimpl

RECENCY_HALF_LIFE_DAYS = 365


@hookimpl(trylast=True)
def paperclub_score_paper(paper, group, history):
    parts = {"upvotes": group.weight("upvotes", 1.0) * math.log1p(max(paper.upvotes, 0))}
    if paper.published is not None:
        age = max((group.meetings.start - paper.published).days, 0)
        parts["recency"] = group.weight("recency", 0.5) * 2 ** (-age / RECENCY_HALF_LIFE_DAYS)
    return parts
