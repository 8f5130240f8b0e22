"""A first assignment: the best-scoring papers, session by session, never two papers of one
topic in a session, no topic of the previous session when another paper can take the slot,
pins on their dates, and `before` pairs in order.

A paper's first topic is the one balanced. Deterministic: ties go to the smaller paper id.
"""

from __future__ import annotations

from paperclub.hookspecs import hookimpl


def _topic(candidate) -> str | None:
    return candidate.topics[0] if candidate.topics else None


def assign(candidates, sessions, papers_per_session: int, pins=None, before=()) -> list[list[str]]:
    """`pins` maps a session index to paper ids that must go there; `before` holds pairs
    (a, b): b goes only into a session after a's, and only once a is placed."""
    ranked = sorted(candidates, key=lambda c: (-c.score, c.id))
    by_id = {c.id: c for c in candidates}
    pins = pins or {}
    pinned = {pid for ids in pins.values() for pid in ids}
    after: dict[str, list[str]] = {}
    for a, b in before:
        if a in by_id:
            after.setdefault(b, []).append(a)
    earlier: set[str] = set()  # placed in sessions before the current one
    used: set[str] = set()
    plan: list[list[str]] = []
    previous: set[str | None] = set()
    for index, _ in enumerate(sessions):
        chosen = [pid for pid in pins.get(index, []) if pid in by_id][:papers_per_session]
        used.update(chosen)
        topics = {_topic(by_id[pid]) for pid in chosen}
        for avoid_previous in (True, False):
            for c in ranked:
                if len(chosen) >= papers_per_session:
                    break
                if c.id in used or c.id in pinned:
                    continue
                if any(a not in earlier for a in after.get(c.id, ())):
                    continue
                topic = _topic(c)
                if topic is not None and (topic in topics or (avoid_previous and topic in previous)):
                    continue
                chosen.append(c.id)
                used.add(c.id)
                topics.add(topic)
        plan.append(chosen)
        earlier.update(chosen)
        previous = topics - {None}
    return plan


@hookimpl(trylast=True)
def paperclub_plan_sessions(candidates, sessions, group):
    index = {slot.start.date(): i for i, slot in enumerate(sessions)}
    pins: dict[int, list[str]] = {}
    for day, paper_ids in sorted(group.pins.items()):
        if day in index:
            pins.setdefault(index[day], []).extend(paper_ids)
    return assign(candidates, sessions, group.meetings.papers_per_session, pins, group.before)
