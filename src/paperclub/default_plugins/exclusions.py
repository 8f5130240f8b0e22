"""Exclusions: papers the group has already read in an earlier plan (`exclude_read`)."""

from __future__ import annotations

from paperclub.hookspecs import hookimpl


@hookimpl(trylast=True)
def paperclub_exclude_paper(paper, group, history):
    if group.exclude_read and paper.id in history:
        return "already read in an earlier session"
    return None
