"""The data paperclub passes between its steps: papers, the group's settings, and the plan."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Paper:
    """One paper of the catalog. `id` is `arxiv:<id>` (no version), else `doi:<doi>`, else a
    slug of the title."""

    id: str
    title: str
    abstract: str = ""
    authors: tuple[str, ...] = ()
    author_count: int | None = None
    organisation: str | None = None
    published: date | None = None
    upvotes: int = 0
    links: dict[str, str] = field(default_factory=dict)  # kind (abs, pdf, code) -> URL
    keywords: tuple[str, ...] = ()  # the source's own keywords or categories
    topics: tuple[str, ...] = ()  # topics the source already gave it
    sources: tuple[str, ...] = ()  # where it came from, e.g. "hf-page:papers.txt"
    arxiv_id: str | None = None  # without version: 2401.01234, cond-mat/0603029
    doi: str | None = None  # lower-case, without https://doi.org/
    extra: dict[str, Any] = field(default_factory=dict)  # source facts without a field here

    @property
    def has_code(self) -> bool:
        return "code" in self.links

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": self.title,
            "abstract": self.abstract,
            "authors": list(self.authors),
            "author_count": self.author_count,
            "organisation": self.organisation,
            "published": self.published.isoformat() if self.published else None,
            "upvotes": self.upvotes,
            "links": dict(sorted(self.links.items())),
            "keywords": list(self.keywords),
            "topics": list(self.topics),
            "sources": list(self.sources),
            "arxiv_id": self.arxiv_id,
            "doi": self.doi,
            "extra": dict(sorted(self.extra.items())),
        }


@dataclass(frozen=True)
class Person:
    name: str
    email: str | None = None


@dataclass(frozen=True)
class Member(Person):
    interests: tuple[str, ...] = ()
    unavailable: tuple[date, ...] = ()
    max_sessions: int | None = None
    pin: tuple[str, ...] = ()  # paper ids this member presents (members[].pin)


@dataclass(frozen=True)
class Meetings:
    """When the group meets: a weekly (or every-n-weeks) rule, cut by count or until."""

    start: date
    weekday: int  # Monday is 0, as date.weekday()
    time: time
    duration: timedelta
    every_weeks: int = 1
    count: int | None = None
    until: date | None = None
    skip: tuple[date, ...] = ()
    holidays: str | None = None  # a country (DE) or subdivision (DE-BY) whose holidays are skipped
    papers_per_session: int = 1


@dataclass(frozen=True)
class Group:
    """A group's config file, validated (see config.py)."""

    path: Path
    name: str
    slug: str
    timezone: str
    organizer: Person
    meetings: Meetings
    location: str | None = None
    url: str | None = None  # the group's web page
    sources: tuple[str, ...] = ()
    members: tuple[Member, ...] = ()
    topics: dict[str, tuple[str, ...]] = field(default_factory=dict)  # name -> keywords
    weights: dict[str, float] = field(default_factory=dict)
    pins: dict[date, tuple[str, ...]] = field(default_factory=dict)  # date -> paper ids
    before: tuple[tuple[str, str], ...] = ()
    exclude_read: bool = True
    history: tuple[Path, ...] = ()  # plan files of earlier terms: their papers count as read
    balance_policy: str = "spread"  # spread | proportional | themed
    balance_targets: dict[str, float] = field(default_factory=dict)  # proportional: topic -> share
    balance_cluster: bool = False  # give papers without a topic one by clustering
    outputs: tuple[str, ...] = ("ics", "markdown")
    presenters: str = "per_paper"  # per_paper | per_session: who presents (see presenters.py)
    feed_url: str | None = None  # calendar.url: where the .ics is published (subscribe links)
    alarm: timedelta | None = None  # calendar.alarm: a reminder this long before each session
    caldav_url: str | None = None  # calendar.caldav: where `paperclub publish` sends the plan

    def weight(self, name: str, default: float = 1.0) -> float:
        return self.weights.get(name, default)


@dataclass(frozen=True)
class Candidate:
    """A paper the planner may choose, with the topics and score the plugins gave it."""

    paper: Paper
    topics: tuple[str, ...]
    score: float
    score_parts: dict[str, float]  # plugin part name -> its share of the score

    @property
    def id(self) -> str:
        return self.paper.id


@dataclass(frozen=True)
class Slot:
    """A dated session the planner fills, before papers are chosen."""

    id: str
    start: datetime  # aware, in the group's time zone
    end: datetime


@dataclass
class Assignment:
    """A paper in a session. Mutable: `paperclub_modify_plan` plugins edit plans in place."""

    paper_id: str
    title: str
    topics: list[str] = field(default_factory=list)
    presenter: str | None = None
    score: float = 0.0
    score_parts: dict[str, float] = field(default_factory=dict)
    links: dict[str, str] = field(default_factory=dict)
    reasons: list[str] = field(default_factory=list)  # rules that placed it (pins, before)
    locked: bool = False  # the plan file's `locked: true`: stays in its session, presenter too
    presenter_locked: bool = False  # `presenter: {name: ..., locked: true}`: keeps its presenter


@dataclass
class Session:
    id: str  # stable across re-plans, never derived from the date or the papers
    uid: str  # the calendar UID, fixed when the session is first planned
    start: datetime
    end: datetime
    status: str = "confirmed"  # confirmed | cancelled
    sequence: int = 0  # raised whenever time, status or content changes (RFC 5545 SEQUENCE)
    locked: bool = False
    created: datetime | None = None  # UTC
    modified: datetime | None = None  # UTC; the calendar's DTSTAMP and LAST-MODIFIED
    papers: list[Assignment] = field(default_factory=list)
    digest: str | None = None  # as read from the plan file: tells a hand edit (planfile.digest)

    @property
    def cancelled(self) -> bool:
        return self.status == "cancelled"

    def content_key(self) -> tuple:
        """What a calendar subscriber sees change: time, status, papers and presenters."""
        return (
            self.start,
            self.end,
            self.status,
            tuple((a.paper_id, a.title, a.presenter) for a in self.papers),
        )


@dataclass
class Plan:
    """A group's term: what `paperclub plan` writes and every emitter renders."""

    group: str
    slug: str
    timezone: str
    organizer: Person
    location: str | None = None
    sessions: list[Session] = field(default_factory=list)
    # the day it is planned or shown for (`--today`), so emitters can mark the next session;
    # not stored in the plan file, which stays the same from one day to the next
    as_of: date | None = None
    url: str | None = None  # the group's web page
    feed_url: str | None = None  # where the .ics is published
    alarm: timedelta | None = None  # a reminder this long before each session
    # how the papers were chosen: solver, status, objective and its terms, bound, gap
    solver: dict[str, Any] = field(default_factory=dict)
