"""Exclusions: papers the group has already read (`exclude_read`), and papers less relevant
to it than `selection.min_relevance` (unless a member suggested them)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from paperclub.hookspecs import hookimpl

if TYPE_CHECKING:
    from paperclub.models import Group, Paper
    from paperclub.signals import Signals


@hookimpl(trylast=True)
def paperclub_exclude_paper(
    paper: Paper, group: Group, history: frozenset[str], signals: Signals
) -> str | None:
    if group.exclude_read and paper.id in history:
        return "already read in an earlier session"
    if group.min_relevance > 0:
        relevance = signals.relevance(paper)
        if (
            relevance is not None
            and relevance < group.min_relevance
            and not signals.votes(paper).suggested
        ):
            return (
                f"relevance {relevance:.2f} is below selection.min_relevance "
                f"{group.min_relevance:g}"
            )
    return None
