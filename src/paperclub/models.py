"""The data paperclub passes between its steps: papers, the group's settings, and the plan."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from paperclub.ids import is_arxiv_category

# of an ISO date, by extra["date_precision"] (None, or anything else: the whole date)
DATE_LENGTH: dict[str | None, int] = {"year": 4, "month": 7}


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
    upvotes: int | None = None  # None: no source rated it, which is not the same as 0
    # kind (abs, pdf, code) -> URL; a second link of a kind is `code-2` (see text.add_link)
    links: dict[str, str] = field(default_factory=dict)
    keywords: tuple[str, ...] = ()  # the source's own keywords or categories
    topics: tuple[str, ...] = ()  # topics the source already gave it
    sources: tuple[str, ...] = ()  # where it came from, e.g. "hf-page:papers.txt"
    arxiv_id: str | None = None  # without version: 2401.01234, cond-mat/0603029
    doi: str | None = None  # lower-case, without https://doi.org/
    extra: dict[str, Any] = field(default_factory=dict)  # source facts without a field here

    @property
    def has_code(self) -> bool:
        return "code" in self.links

    @property
    def published_label(self) -> str:
        """The date as precise as its source gave it: `2019` for a BibTeX `year = 2019` (stored
        as 1 January, extra["date_precision"] says so), `2019-06`, `2019-06-12`; '' for none."""
        if self.published is None:
            return ""
        return self.published.isoformat()[: DATE_LENGTH.get(self.extra.get("date_precision"), 10)]

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
class PaperRef:
    """A paper an explanation names: its id, title, and why the profile holds it (liked, read,
    disliked, in Ada's library)."""

    id: str
    title: str
    why: str

    def to_json(self) -> dict[str, str]:
        return {"id": self.id, "title": self.title, "as": self.why}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> PaperRef:
        return cls(str(data["id"]), str(data.get("title") or ""), str(data.get("as") or ""))


@dataclass(frozen=True)
class Relevance:
    """A paper's relevance to the group (0 to 1) and what it rests on."""

    value: float
    matches: tuple[str, ...] = ()  # the profile's words the paper holds
    like: PaperRef | None = None  # the profile's paper it is most like
    unlike: PaperRef | None = None  # the disliked paper it is like, which took relevance away

    def reasons(self) -> list[str]:
        """`matches kv cache, decoding`, `most like arxiv:2410.01234 (liked): Title`."""
        out = []
        if self.matches:
            out.append("matches " + ", ".join(self.matches))
        if self.like is not None:
            out.append(f"most like {self.like.id} ({self.like.why}): {self.like.title}")
        if self.unlike is not None:
            out.append(f"like {self.unlike.id} ({self.unlike.why}): {self.unlike.title}")
        return out

    def to_json(self) -> dict[str, Any]:
        return {
            "value": self.value,
            "matches": list(self.matches),
            **({"like": self.like.to_json()} if self.like else {}),
            **({"unlike": self.unlike.to_json()} if self.unlike else {}),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Relevance:
        return cls(
            float(data.get("value") or 0),
            tuple(str(w) for w in data.get("matches") or ()),
            PaperRef.from_json(data["like"]) if data.get("like") else None,
            PaperRef.from_json(data["unlike"]) if data.get("unlike") else None,
        )


@dataclass(frozen=True)
class Votes:
    """What the members said of a paper (`paperclub vote`, `suggest`, `import-votes`): who
    votes for it, who against, and who suggested it, with their note."""

    yes: tuple[str, ...] = ()
    no: tuple[str, ...] = ()
    suggested: tuple[tuple[str, str | None], ...] = ()  # (member, note)

    @property
    def net(self) -> int:
        return len(self.yes) - len(self.no)

    def __bool__(self) -> bool:
        return bool(self.yes or self.no or self.suggested)

    def label(self) -> str:
        """`suggested by Ada; 3 votes, 1 against`: what the outputs show."""
        parts = []
        if self.suggested:
            parts.append("suggested by " + ", ".join(name for name, _ in self.suggested))
        counts = []
        if self.yes:
            counts.append(f"{len(self.yes)} vote{'s' if len(self.yes) != 1 else ''}")
        if self.no:
            counts.append(f"{len(self.no)} against")
        if counts:
            parts.append(", ".join(counts))
        return "; ".join(parts)

    def to_json(self) -> dict[str, Any]:
        return {
            "for": list(self.yes),
            "against": list(self.no),
            "suggested": [
                {"by": name, **({"note": note} if note else {})} for name, note in self.suggested
            ],
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Votes:
        return cls(
            tuple(str(n) for n in data.get("for") or ()),
            tuple(str(n) for n in data.get("against") or ()),
            tuple(
                (str(s["by"]), str(s["note"]) if s.get("note") else None)
                for s in data.get("suggested") or ()
            ),
        )


@dataclass(frozen=True)
class Person:
    """Someone the group's config names: the organizer, or (as a `Member`) a member."""

    name: str
    email: str | None = None


@dataclass(frozen=True)
class Member(Person):
    """A member of the group (`members:` in its config): who may present, and what they like."""

    interests: tuple[str, ...] = ()
    unavailable: tuple[date, ...] = ()
    max_sessions: int | None = None
    pin: tuple[str, ...] = ()  # paper ids this member presents (members[].pin)
    library: Path | None = None  # a file of the member's own papers (a Zotero export, ...)
    # members[].roles: the roles (and "presenter") the member takes; None: every one
    roles: tuple[str, ...] | None = None
    # members[].max: role -> at most this many over the term (max_sessions counts all roles)
    max_roles: dict[str, int] = field(default_factory=dict, hash=False)
    prefer: tuple[str, ...] = ()  # members[].prefer: ISO dates or paper ids, as written
    avoid: tuple[str, ...] = ()  # members[].avoid: the same, to be kept away from

    def takes(self, role: str) -> bool:
        """Whether the member takes `role` ("presenter" or one of the group's roles)."""
        return self.roles is None or role in self.roles


@dataclass(frozen=True)
class Channel:
    """A chat channel of `announce.channels`: its type (slack, mattermost, discord, zulip,
    matrix, or a plugin's own) and its settings as the config gives them."""

    type: str
    name: str  # announce.channels[].name; by default the type
    options: dict[str, Any] = field(default_factory=dict)  # every other key (url, room, ...)
    line: int | None = None  # where the config gives it, for errors


@dataclass(frozen=True)
class Message:
    """One announcement, rendered and ready to send: to people by email (`recipients`), or to
    a chat channel. `key` is what the send log records: stable, so a message goes out once."""

    key: str  # e.g. "agenda/s05/2/ada@example.org": kind, session, version, recipient
    kind: str  # term | agenda | presenter | role | update | cancel
    subject: str
    text: str  # the plain text body
    html: str  # the same as an HTML body
    session: str | None = None  # the session's id (None: the term announcement)
    recipients: tuple[Person, ...] = ()  # empty for a chat message
    calendar: bytes | None = None  # an iTIP text/calendar part (METHOD:REQUEST, CANCEL)
    message_id: str = ""  # "<...@...>", stable for the same key
    in_reply_to: tuple[str, ...] = ()  # the Message-IDs of the session's earlier messages
    url: str | None = None  # the page to link (the group's page, the session's anchor)


@dataclass(frozen=True)
class Smtp:
    """Where announcements are handed over: `announce.smtp` of the config."""

    host: str
    port: int
    security: str = "starttls"  # starttls | ssl | none


@dataclass(frozen=True)
class Announce:
    """The config's `announce:` section: who sends, to where, and when each kind is due."""

    sender: Person  # announce.from; by default the organizer
    to: Person | None = None  # a list address: the group's messages go there once
    smtp: Smtp | None = None  # None: no email, the channels only
    # kind (term, agenda, presenter, role) -> how long before the session's start it is due;
    # None: at plan (as soon as a plan exists). A kind left out is not sent.
    rules: dict[str, timedelta | None] = field(default_factory=dict)
    channels: tuple[Channel, ...] = ()
    line: int | None = None  # the line of `announce:`, for errors


@dataclass(frozen=True)
class Meetings:
    """When the group meets: a weekly (or every-n-weeks) rule, cut by count or until."""

    start: date
    weekday: int  # Monday is 0, as date.weekday()
    time: dt.time  # dt.time: the field's own name would hide datetime.time here
    duration: timedelta
    every_weeks: int = 1
    count: int | None = None
    until: date | None = None
    skip: tuple[date, ...] = ()
    holidays: str | None = None  # a country (DE) or subdivision (DE-BY) whose holidays are skipped
    papers_per_session: int = 1  # at most (`papers_per_session: {min, max}`: the max)
    min_papers_per_session: int | None = None  # at least, when not all (the min); None: all


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
    ignore_tags: tuple[str, ...] = ()  # catalog.ignore_tags: more tags that are not topics
    # catalog.refresh: fetch an address among the sources again when its copy is this old
    refresh: timedelta | None = None
    members: tuple[Member, ...] = ()
    topics: dict[str, tuple[str, ...]] = field(default_factory=dict)  # name -> keywords
    weights: dict[str, float] = field(default_factory=dict)
    time_limit: float | None = None  # selection.time_limit: the optimizer's, in seconds
    pins: dict[date, tuple[str, ...]] = field(default_factory=dict)  # date -> paper ids
    before: tuple[tuple[str, str], ...] = ()
    exclude_read: bool = True
    like: tuple[str, ...] = ()  # selection.like: paper ids the group wants more of
    dislike: tuple[str, ...] = ()  # selection.dislike: paper ids it wants less of
    min_relevance: float = 0.0  # papers less relevant than this are not candidates
    history: tuple[Path, ...] = ()  # plan files of earlier terms: their papers count as read
    balance_policy: str = "spread"  # spread | proportional | themed
    balance_targets: dict[str, float] = field(default_factory=dict)  # proportional: topic -> share
    balance_cluster: bool = False  # give papers without a topic one by clustering
    # the Policy of balance_policy, found by config among the registered ones (None: the
    # built-in of that name); read it with policies.of(group)
    balance: Any = field(default=None, compare=False, repr=False)
    outputs: tuple[str, ...] = ("ics", "markdown")
    presenters: str = "per_paper"  # per_paper | per_session: who presents (see presenters.py)
    # roles: role -> how many people hold it in each session, in the config's order ("presenter"
    # is not one: it follows `presenters`)
    roles: dict[str, int] = field(default_factory=dict)
    notes_url: str | None = None  # calendar.notes_url: a template, see notes_link
    feed_url: str | None = None  # calendar.url: where the .ics is published (subscribe links)
    alarm: timedelta | None = None  # calendar.alarm: a reminder this long before each session
    caldav_url: str | None = None  # calendar.caldav: where `paperclub publish` sends the plan
    announce: Announce | None = None  # announce: how `paperclub announce` tells the members
    # settings.<plugin>: each plugin's own settings, an instance of the dataclass it declares
    # (see paperclub.settings); read with paperclub.api.settings
    settings: dict[str, Any] = field(default_factory=dict)
    # where keys and items stood in the file ("selection.like[2]" -> its line), for errors
    # found after loading (a paper id the catalog does not have)
    lines: dict[str, int] = field(default_factory=dict, compare=False, repr=False)
    warnings: tuple[str, ...] = ()  # old keys still read, each naming its new one

    def weight(self, name: str, default: float = 1.0) -> float:
        return self.weights.get(name, default)


def balanced_topic(topics: Sequence[str]) -> str | None:
    """The topic the balance works on: a paper's first topic that is not an arXiv category.
    Categories are shown, but a reading group's papers are often all of one (every robotics
    paper is cs.RO): balancing them would push the group's own field out of its plan."""
    return next((t for t in topics if not is_arxiv_category(t)), None)


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

    @property
    def balanced(self) -> str | None:
        return balanced_topic(self.topics)


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
    relevance: Relevance | None = None  # how it fits the group's profile, and why
    votes: Votes = field(default_factory=lambda: Votes())
    # the presenter's affinity for it, by part (interests, library, a plugin's name), as the
    # presenter assignment counted it: what explains who presents it
    affinity: dict[str, float] = field(default_factory=dict)
    # member -> how well the paper fits their library (0 to 1), for choosing presenters; worked
    # out when planning, not kept in the plan file
    fit: dict[str, float] = field(default_factory=dict)
    # the paper's abstract, from the catalog, for plugins to read; not kept in the plan file
    # (it would make a file people edit by hand many times longer)
    abstract: str = ""

    @property
    def balanced(self) -> str | None:
        return balanced_topic(self.topics)


@dataclass
class Session:
    """A dated session of the plan, with its papers. Mutable: `paperclub_modify_plan`
    plugins edit plans in place."""

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
    # everyone who presented in it in a plan written so far, current presenters or not: a
    # member's feed keeps the event (cancelled) after their turn is taken from them
    turns: list[str] = field(default_factory=list)
    # role -> who holds it, in order (the group's `roles:`; presenters are on the papers)
    roles: dict[str, list[str]] = field(default_factory=dict)
    # role -> those of roles[role] who hold it by a lock or a claim (`{name: ..., locked: true}`)
    locked_roles: dict[str, list[str]] = field(default_factory=dict)

    @property
    def cancelled(self) -> bool:
        return self.status == "cancelled"

    @property
    def presenters(self) -> list[str]:
        """Who presents in it now, in the order of the papers."""
        return list(dict.fromkeys(a.presenter for a in self.papers if a.presenter))

    def content_key(self) -> tuple:
        """What a calendar subscriber sees change: time, status, papers, presenters, roles."""
        return (
            self.start,
            self.end,
            self.status,
            tuple((a.paper_id, a.title, a.presenter) for a in self.papers),
            tuple((role, tuple(names)) for role, names in self.roles.items()),
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
    # the `--today` of the last plan that changed the plan file: the sessions before it were
    # held then, and planning them again takes `paperclub plan --force` (None: an old file)
    planned_as_of: date | None = None
    # where each session and paper stood in the plan file ("s05.papers[1]" -> its line), for
    # errors about hand edits; empty for a plan not read from a file
    lines: dict[str, int] = field(default_factory=dict, compare=False, repr=False)
    member: str | None = None  # a member's own plan (feeds.member_plan): whose turns these are
    # every topic of the group's plans so far, in the order they first came: the web page
    # colours them in this order, so a topic keeps its colour from one plan to the next
    topics: list[str] = field(default_factory=list)
    # who answered the session's invitation how (`paperclub rsvp`): session id -> member name
    # -> ACCEPTED | DECLINED | TENTATIVE; read from the workspace's announce log, not stored in
    # the plan file
    attendance: dict[str, dict[str, str]] = field(default_factory=dict)
    notes_url: str | None = None  # the group's calendar.notes_url template (see notes_link)

    def moves(self, session: Session) -> list[tuple[Assignment, Session | None]]:
        """Where a cancelled session's papers are now: each with the first session not
        cancelled that holds it, or None when the plan no longer holds it."""
        live = [s for s in self.sessions if not s.cancelled and s is not session]
        return [
            (a, next((s for s in live if any(b.paper_id == a.paper_id for b in s.papers)), None))
            for a in session.papers
        ]


NOTES_FIELDS = ("group", "date", "session")  # what a calendar.notes_url template may hold


def notes_link(plan: Plan, session: Session) -> str | None:
    """The address of a session's notes: the plan's `notes_url` template with `{group}` (the
    group's slug), `{date}` (the session's date where the group meets, ISO) and `{session}`
    (its id) filled in; None when the group has no template."""
    if not plan.notes_url:
        return None
    day = session.start.astimezone(ZoneInfo(plan.timezone)).date().isoformat()
    values = {"group": plan.slug, "date": day, "session": session.id}
    # replaced one by one, not str.format: other braces in an address are left as written
    link = plan.notes_url
    for name in NOTES_FIELDS:
        link = link.replace("{" + name + "}", values[name])
    return link
