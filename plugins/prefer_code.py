"""Papers with a code link score higher: the group likes to run what it reads.

A score part `prefer_code`, worth `selection.weights.prefer_code` (default 0.5: about what
two upvotes more, or a year's recency, are worth) for every paper with a `code` link.
"""

DEFAULT_WEIGHT = 0.5


def paperclub_score_paper(paper, group, history):
    if paper.has_code:
        return {"prefer_code": group.weight("prefer_code", DEFAULT_WEIGHT)}
    return None
