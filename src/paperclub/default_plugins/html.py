"""Emitter: the term as one static web page for the group's site.

The page is a single HTML file with its CSS inline: no scripts, fonts or images from
elsewhere, and no JavaScript at all (its Content-Security-Policy forbids any), so it can be
dropped on any web server or opened from disk. It lists every session (cancelled ones struck
through), highlights the next one (the first confirmed session on or after `plan.as_of`),
colours topics, charts them over the term, and links the calendar feed.

The page is made from the plan alone: no clock and no locale (day and month names are
spelled out here), so the same plan gives the same bytes. Jinja2 is imported only when a
page is rendered.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import tzinfo
from functools import cache
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from paperclub.hookspecs import hookimpl
from paperclub.models import notes_link
from paperclub.text import day_label, links_of, one_line, paper_url, printable, web_url
from paperclub.turns import label

if TYPE_CHECKING:
    import jinja2

    from paperclub.models import Plan, Session
    from paperclub.registry import Emitter

# (strong, tint): a topic's colour in the chart and its chip's border, and the chip's
# background. Topics take them in the plan's order (colour_order); Okabe-Ito first (safe for
# colour blindness).
PALETTE = (
    ("#0072b2", "#d9eaf4"),
    ("#d55e00", "#f9e4d6"),
    ("#009e73", "#d6efe8"),
    ("#cc79a7", "#f6e8f0"),
    ("#e69f00", "#fbefd6"),
    ("#56b4e9", "#e2f1fb"),
    ("#8c564b", "#ece4e2"),
    ("#7f3c8d", "#ebe0ee"),
    ("#a89200", "#f1edd6"),
    ("#e73f74", "#fbdde6"),
    ("#4b4b8f", "#e2e2ee"),
    ("#5f6b6d", "#e6e8e8"),
)

_URL_IN_TEXT = re.compile(r"https?://[^\s<>\"']+[^\s<>\"'.,;:!?)\]]")


def text_parts(text: str) -> list[tuple[str, str | None]]:
    """Text split into (text, href) pieces, web addresses linked: for the location."""
    parts: list[tuple[str, str | None]] = []
    pos = 0
    for m in _URL_IN_TEXT.finditer(text):
        if m.start() > pos:
            parts.append((text[pos : m.start()], None))
        parts.append((m.group(), web_url(m.group())))
        pos = m.end()
    if pos < len(text):
        parts.append((text[pos:], None))
    return parts


def feed_links(plan: Plan) -> tuple[str, str | None]:
    """The calendar's subscribe link and its webcal:// twin (only for a web address)."""
    url = web_url(plan.feed_url)  # a plan file edited by hand may hold anything here
    if url:
        return url, "webcal://" + url.split("://", 1)[1]
    return quote(f"{plan.slug}.ics", safe=""), None


def next_session(plan: Plan, zone: tzinfo) -> Session | None:
    """The first confirmed session on or after `plan.as_of` (in the group's time zone), or
    None: none when the plan was not made for a day."""
    if plan.as_of is None:
        return None
    ahead = [
        s
        for s in plan.sessions
        if not s.cancelled and s.start.astimezone(zone).date() >= plan.as_of
    ]
    return min(ahead, key=lambda s: (s.start, s.id), default=None)


def colour_order(plan: Plan) -> list[str]:
    """The order topics take the palette's colours in: the plan's (`Plan.topics`: the order
    they first came to the group's plans, so a topic keeps its colour from one plan to the
    next, whichever topics are planned), then any the plan does not list (a hand edit since
    the last plan, a plugin's plan) in sorted order. Numbered in sorted order, a topic took
    another colour when a new topic sorted before it."""
    known = list(dict.fromkeys(plan.topics))
    named = sorted({t for s in plan.sessions for a in s.papers for t in a.topics})
    return known + [t for t in named if t not in known]


def attendance_label(answers: dict[str, str]) -> str:
    from paperclub.attendance import label

    return label(answers)


@dataclass
class Topic:
    name: str
    index: int  # its place in the plan's topic order (colour_order): the colour class t<index>
    counts: list[int] = field(default_factory=list)  # papers per session, cancelled ones 0

    @property
    def css(self) -> str:
        return f"t{self.index}"

    @property
    def total(self) -> int:
        return sum(self.counts)


def context(plan: Plan) -> dict[str, Any]:
    """What the template shows, worked out here so the template only lays it out."""
    from zoneinfo import ZoneInfo

    zone = ZoneInfo(plan.timezone)
    ordered = sorted(plan.sessions, key=lambda s: (s.start, s.id))
    coming = next_session(plan, zone)
    names = sorted({t for s in ordered if not s.cancelled for a in s.papers for t in a.topics})
    order = colour_order(plan)
    topics = {name: Topic(name, order.index(name)) for name in names}
    sessions = []
    for n, s in enumerate(ordered, 1):
        start, end = s.start.astimezone(zone), s.end.astimezone(zone)
        cancelled = s.cancelled
        for topic in topics.values():
            topic.counts.append(
                0 if cancelled else sum(t == topic.name for a in s.papers for t in a.topics)
            )
        sessions.append(
            {
                "n": n,
                "anchor": f"session-{s.id}",
                "datetime": start.isoformat(),
                "day": day_label(start),
                "hours": f"{start:%H:%M}–{end:%H:%M}",
                "cancelled": cancelled,
                "next": s is coming,
                # who answered the invitation how (`paperclub rsvp`): "3 yes, 1 no, 1 maybe"
                "attendance": attendance_label(plan.attendance.get(s.id, {})),
                # who holds the session's roles ("Chair: Ada Lovelace"), and its notes link
                "roles": []
                if cancelled
                else [
                    {"label": label(role), "names": ", ".join(names)}
                    for role, names in s.roles.items()
                    if names
                ],
                "notes": None if cancelled else web_url(notes_link(plan, s)),
                "papers": []
                if cancelled
                else [
                    {
                        "title": a.title,
                        "href": paper_url(a.links),
                        "code": [u for u in map(web_url, links_of(a.links, "code")) if u],
                        "topics": [topics[t] for t in dict.fromkeys(a.topics)],
                        "presenter": a.presenter,
                        "votes": a.votes.label(),  # "suggested by Ada; 3 votes"
                    }
                    for a in s.papers
                ],
                # a cancelled session's papers are named, not listed as if it were on: one that
                # moved is on the page already, in its new session, which this links to
                "moved": [
                    {
                        "title": a.title,
                        "to": {
                            "anchor": f"session-{to.id}",
                            "day": day_label(to.start.astimezone(zone)),
                        }
                        if to
                        else None,
                    }
                    for a, to in plan.moves(s)
                ]
                if cancelled
                else [],
            }
        )
    feed, webcal = feed_links(plan)
    return {
        "plan": plan,
        "group_url": web_url(plan.url),
        "location": text_parts(plan.location) if plan.location else None,
        "sessions": sessions,
        "coming": next((x for x in sessions if x["next"]), None),
        "held": sum(1 for x in sessions if not x["cancelled"]),
        "cancelled": sum(1 for x in sessions if x["cancelled"]),
        "topics": list(topics.values()),
        "palette": [
            (i, PALETTE[i % len(PALETTE)]) for i in sorted(t.index for t in topics.values())
        ],
        "feed": feed,
        "webcal": webcal,
        "answered": any(x["attendance"] for x in sessions),  # its style only when it is shown
    }


@cache
def environment() -> jinja2.Environment:
    """The templates' environment: the page's, and the announcement emails' (announce.py),
    which show a session with the page's own markup (templates/session.html.j2). HTML is
    escaped; a plain text template (`*.txt.j2`) is not."""
    import jinja2
    from markupsafe import Markup

    def finalize(value: Any) -> Any:
        # a macro's output (Markup) is markup already: made printable, it would be escaped again
        if isinstance(value, str) and not isinstance(value, Markup):
            return printable(value)
        return value

    env = jinja2.Environment(
        loader=jinja2.PackageLoader("paperclub", "templates"),
        autoescape=lambda name: not (name or "").endswith(".txt.j2"),
        finalize=finalize,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["line"] = one_line  # plain text: one line, printable
    return env


def _template() -> jinja2.Template:
    return environment().get_template("page.html.j2")


class HtmlEmitter:
    name = "html"
    extension = ".html"
    media_type = "text/html"

    def render(self, plan: Plan) -> bytes:
        return _template().render(context(plan)).encode("utf-8")


@hookimpl(trylast=True)
def paperclub_register_emitters(register: Callable[[Emitter], None]) -> None:
    register(HtmlEmitter())
