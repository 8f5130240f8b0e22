"""Score: relevance to the group's profile first, then popularity (fair across sources),
recency (halving every year before the term starts; never measured against today) and the
members' votes. The figures behind them are measured over the whole pool (`signals`); the
weights are `selection.weights` (defaults in `paperclub.signals.DEFAULT_WEIGHTS`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from paperclub.hookspecs import hookimpl
from paperclub.signals import DEFAULT_WEIGHTS, UNKNOWN

if TYPE_CHECKING:
    from paperclub.models import Group, Paper
    from paperclub.signals import Signals

RECENCY_HALF_LIFE_DAYS = 365


@hookimpl(trylast=True)
def paperclub_score_paper(
    paper: Paper, group: Group, history: frozenset[str], signals: Signals
) -> dict[str, float]:
    def weight(name: str) -> float:
        return group.weight(name, DEFAULT_WEIGHTS[name])

    popularity = signals.popularity(paper)
    parts = {"popularity": weight("popularity") * (UNKNOWN if popularity is None else popularity)}
    if paper.published is not None:
        age = max((group.meetings.start - paper.published).days, 0)
        parts["recency"] = weight("recency") * 2 ** (-age / RECENCY_HALF_LIFE_DAYS)
    relevance = signals.relevance(paper)
    if relevance is not None:  # the group has a profile
        parts["relevance"] = weight("relevance") * relevance
    net = signals.votes(paper).net
    if net:
        parts["votes"] = weight("votes") * net
    return parts
