"""`paperclub announce`: what is due to whom, as rendered Messages, and sending them once.

What is due comes from the plan, the config's `announce:` rules and the send log alone:

- term: the whole plan, once per term, to the group (`term: at plan`, or a time before the
  first session);
- agenda: each session's papers, presenters and place, with its invitation (METHOD:REQUEST),
  to the group, a time before the session (`agenda: 3 days before`);
- presenter: "your turn", to each presenter of a session (`presenter: 7 days before`);
- role: "your turn as chair", to each holder of a role of a session (`role: 7 days before`);
- update: a session whose SEQUENCE rose after its invitation went out: the invitation again,
  with the new SEQUENCE, to those invited; at once;
- cancel: a cancelled session whose invitation went out: METHOD:CANCEL, to those invited;
  at once.

"The group" is every member with an email address, one message each, or the config's list
address (`announce.to`) once; and every chat channel of `announce.channels`. Nothing is sent
for a session that has begun: a message whose time passed unsent is missed (`--status`).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from paperclub import invitations
from paperclub.errors import FateUnknown, NotSent, PaperclubError, PluginError
from paperclub.messages import clip
from paperclub.models import Announce, Channel, Group, Message, Person, Plan, Session
from paperclub.sendlog import FAILED, SENDING, SENT, UNKNOWN, Row, SendLog
from paperclub.text import day_label, one_line, plural, printable, web_url

if TYPE_CHECKING:
    from paperclub.plugins import Hooks

GROUP_KINDS = ("term", "agenda", "update", "cancel")  # to the group and to every channel
NAMES = {
    "term": "term announcement",
    "presenter": "presenter's note",
    "role": "role holder's note",
    "cancel": "cancellation",
}
KIND_ORDER = {"term": 0, "cancel": 1, "update": 2, "agenda": 3, "presenter": 4, "role": 5}
LOG_EXTENSION = ".announce.sqlite"
ABSTRACT_LINE = 240  # characters of an abstract's first sentence an agenda shows, at most


@dataclass(frozen=True)
class Outgoing:
    """A message to one recipient (or to the group's list, or to a chat channel), as the
    send log records it."""

    message: Message
    recipient: str  # the log's: an email address, or '#' and a chat channel's name
    label: str  # who, as shown: `Ada Lovelace <ada@example.org>`, `slack #reading`
    sequence: int | None  # the session's SEQUENCE (None: the term announcement)
    date: str  # the session's day (the first session's for the term): `2027-01-14`
    channel: Channel | None = None  # None: by email

    def describe(self) -> str:
        """`agenda of 2027-01-14 to Ada Lovelace <ada@example.org>`."""
        what = NAMES.get(self.message.kind, self.message.kind)
        return f"{what} of {self.date} to {self.label}"


@dataclass(frozen=True)
class Missed:
    """A message whose time passed before it went out: the session began first."""

    kind: str
    session: str
    date: str
    label: str
    due: datetime

    def to_json(self) -> dict[str, str]:
        return {
            "kind": self.kind,
            "session": self.session,
            "date": self.date,
            "to": self.label,
            "due": self.due.isoformat(),
        }


@dataclass
class Plans:
    """What a run is to send, and what it noticed on the way (members it cannot reach)."""

    outgoing: list[Outgoing] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def log_path(config_path: Path) -> Path:
    from paperclub import workflow

    return workflow.output_path(config_path, LOG_EXTENSION)


def settings(group: Group) -> Announce:
    if group.announce is None:
        raise PaperclubError(
            "no announce: section in the group config: add one (see docs/announce.md) to say "
            "who sends, through which SMTP server or chat channels, and when",
            path=group.path,
        )
    if group.announce.smtp is None and not group.announce.channels:
        raise PaperclubError(
            "announce: nowhere to send: give announce.smtp (email) or announce.channels (chat)",
            path=group.path,
            line=group.announce.line,
        )
    return group.announce


def parse_now(text: str, timezone: str) -> datetime:
    """`--now`: an ISO date and time (`2027-01-11T08:00`, `2027-01-11 08:00+01:00`); without
    an offset, in the group's time zone."""
    from zoneinfo import ZoneInfo

    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise PaperclubError(
            f"--now: {text!r} is not a date and time such as 2027-01-11T08:00"
        ) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=ZoneInfo(timezone))


# -- what is due ---------------------------------------------------------------------------


def select(plan: Plan, now: datetime, session_id: str | None, next_one: bool) -> list[Session]:
    """The sessions a run is about: one by id, the next to come, or (neither) all."""
    import difflib

    if session_id is not None:
        found = [s for s in plan.sessions if s.id == session_id]
        if not found:
            ids = [s.id for s in plan.sessions]
            close = difflib.get_close_matches(session_id, ids, n=1)
            hint = f"did you mean {close[0]}? " if close else ""
            raise PaperclubError(
                f"--session: the plan has no session {session_id!r} ({hint}its sessions: "
                f"{', '.join(ids[:3])}{' ...' if len(ids) > 3 else ''} to {ids[-1] if ids else '-'})"
            )
        return found
    ordered = sorted(plan.sessions, key=lambda s: (s.start, s.id))
    if next_one:
        coming = [s for s in ordered if s.start > now and not s.cancelled]
        if not coming:
            raise PaperclubError("--next: no session of the plan is still to come")
        return coming[:1]
    return ordered


def _due(rule: timedelta | None, start: datetime, now: datetime) -> bool:
    return rule is None or now >= start - rule


def audience(group: Group, warn: Callable[[str], None]) -> list[Person]:
    """Who the group's messages go to by email: the list address, or each member who has a
    usable address (the others are named once in a warning)."""
    from paperclub import mail

    announce = group.announce
    if announce is None or announce.smtp is None:
        return []
    if announce.to is not None:
        return [Person(announce.to.name or group.name, announce.to.email)]
    people = []
    for member in group.members:
        if mail.mailable(member):
            people.append(Person(member.name, member.email))
        else:
            warn(_unreachable(member))
    return people


def _unreachable(person: Person) -> str:
    if not person.email:
        return f"{one_line(person.name)} has no email address: no announcements by email for them"
    return (
        f"{one_line(person.name)}'s email address {one_line(person.email)!r} is not one mail "
        "can use: no announcements by email for them"
    )


def label(person: Person) -> str:
    name = one_line(person.name)
    return f"{name} <{person.email}>" if name else str(person.email)


def due(
    plan: Plan,
    group: Group,
    rows: Sequence[Row],
    now: datetime,
    *,
    session_id: str | None = None,
    next_one: bool = False,
    resend_unknown: bool = False,
) -> Plans:
    """The messages a run sends: with `session_id` or `next_one`, that session's agenda and
    presenter notes (or its update, or cancellation) whatever the rules say, and its role
    holders' notes if the config has a `role:` rule; else every message the rules make due by
    `now`. Never one the log has as sent (or maybe sent)."""
    from paperclub import mail

    announce = settings(group)
    out = Plans()
    warned: set[str] = set()

    def warn(text: str) -> None:
        if text not in warned:
            warned.add(text)
            out.warnings.append(text)

    done_states = {SENT, SENDING} | (set() if resend_unknown else {UNKNOWN})
    done = {r.key for r in rows if r.state in done_states}
    sent_to: set[tuple[str, str | None, str]] = {
        (r.kind, r.session, r.recipient) for r in rows if r.state in done_states
    }
    invited: dict[tuple[str | None, str], int] = {}
    thread: dict[tuple[str | None, str], list[Row]] = {}
    for r in sorted(rows, key=lambda r: (r.sequence or 0, r.at, r.key)):
        if r.kind in ("agenda", "update") and r.state in done_states:
            where = (r.session, r.recipient)
            invited[where] = max(invited.get(where, -1), r.sequence or 0)
            thread.setdefault(where, []).append(r)

    people = audience(group, warn)
    group_targets: list[tuple[str, str, Person | None, Channel | None]] = [
        (str(p.email), label(p), p, None) for p in people
    ] + [("#" + c.name, f"{c.type} #{c.name}", None, c) for c in announce.channels]
    render = Renderer(plan, group)
    explicit = session_id is not None or next_one
    chosen = select(plan, now, session_id, next_one)
    members = {m.name: m for m in group.members}
    domain = str(announce.sender.email).rsplit("@", 1)[-1]
    calendars: dict[tuple[bool, str, int], bytes] = {}

    def add(
        kind: str,
        session: Session | None,
        recipient: str,
        who: str,
        person: Person | None,
        channel: Channel | None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        sequence = session.sequence if session else None
        part = session.id if session else render.term_date
        key = "/".join(
            str(x) for x in (kind, part, *(() if sequence is None else (sequence,)), recipient)
        )
        if key in done:
            return
        earlier = tuple(
            r.message_id
            for r in thread.get((session.id if session else None, recipient), [])
            if kind in ("update", "cancel")
        )
        calendar = None
        if session is not None and person is not None and kind in ("agenda", "update", "cancel"):
            # the same invitation for every member: made once per session and version
            made = (kind == "cancel", session.id, session.sequence)
            if made not in calendars:
                make = invitations.cancel if kind == "cancel" else invitations.request
                calendars[made] = make(plan, session, render.attendees(people, group))
            calendar = calendars[made]
        message = render.message(
            kind,
            session,
            key=key,
            recipients=(person,) if person is not None else (),
            calendar=calendar,
            message_id=message_id(key, group.slug, domain),
            in_reply_to=earlier,
            **(extra or {}),
        )
        out.outgoing.append(
            Outgoing(
                message,
                recipient,
                who,
                sequence,
                render.date(session) if session else render.term_date,
                channel,
            )
        )

    def to_each(kind: str, session: Session, names: Iterable[str]) -> None:
        """A note of its own to each of `names` who mail can reach, by email only; once per
        session (a re-plan that keeps them sends them no second note)."""
        for name in names:
            member = members.get(name, Person(name))
            if not mail.mailable(member):
                warn(_unreachable(member))
                continue
            person = Person(member.name, member.email)
            if (kind, session.id, str(person.email)) in sent_to:
                continue
            add(kind, session, str(person.email), label(person), person, None)

    live = [s for s in plan.sessions if s.start > now]
    if not explicit and "term" in announce.rules and live:
        first = min(plan.sessions, key=lambda s: (s.start, s.id))
        if _due(announce.rules["term"], first.start, now):
            for recipient, who, person, channel in group_targets:
                add("term", None, recipient, who, person, channel)

    for session in chosen:
        if session.start <= now:
            if explicit:
                warn(
                    f"session {session.id} began on {render.date(session)}: nothing is sent for it"
                )
            continue
        if session.cancelled:
            for recipient, who, person, channel in group_targets:
                if (session.id, recipient) in invited:
                    add("cancel", session, recipient, who, person, channel)
            continue
        agenda_due = explicit or (
            "agenda" in announce.rules and _due(announce.rules["agenda"], session.start, now)
        )
        for recipient, who, person, channel in group_targets:
            was = invited.get((session.id, recipient))
            if was is not None:
                if was < session.sequence:
                    add("update", session, recipient, who, person, channel)
            elif agenda_due:
                add("agenda", session, recipient, who, person, channel)
        presenter_due = explicit or (
            "presenter" in announce.rules and _due(announce.rules["presenter"], session.start, now)
        )
        if presenter_due and announce.smtp is not None:
            to_each("presenter", session, session.presenters)
        # unlike the presenter's note, never without its rule, not even for --session or
        # --next: a group whose plan had roles before the rule existed gets no new mail
        role_due = "role" in announce.rules and (
            explicit or _due(announce.rules["role"], session.start, now)
        )
        if role_due and announce.smtp is not None:
            to_each("role", session, role_holders(session))
    out.outgoing.sort(
        key=lambda o: (
            o.message.kind != "term",
            _start(plan, o.message.session),
            KIND_ORDER[o.message.kind],
        )
    )
    return out


def role_holders(session: Session) -> list[str]:
    """Who holds a role in the session (a chair, a scribe), in the order of `roles:`; nobody
    holds two roles of one session."""
    return list(dict.fromkeys(name for names in session.roles.values() for name in names))


def _start(plan: Plan, session_id: str | None) -> datetime:
    found = next((s for s in plan.sessions if s.id == session_id), None)
    return found.start if found else datetime.min.replace(tzinfo=plan.sessions[0].start.tzinfo)


def missed(plan: Plan, group: Group, rows: Sequence[Row], now: datetime) -> list[Missed]:
    """The agendas, presenter notes and role notes whose session began before they went out,
    counting only those due since the log's first message (a log started mid-term misses
    nothing before it)."""
    from paperclub import mail

    announce = group.announce
    if announce is None or not rows:
        return []
    began = min(r.at for r in rows)
    people = audience(group, lambda _: None)
    targets = [(str(p.email), label(p)) for p in people] + [
        ("#" + c.name, f"{c.type} #{c.name}") for c in announce.channels
    ]
    gone = {(r.kind, r.session, r.recipient) for r in rows if r.state in (SENT, UNKNOWN)}
    members = {m.name: m for m in group.members}
    render = Renderer(plan, group)
    out = []
    for s in sorted(plan.sessions, key=lambda s: (s.start, s.id)):
        if s.start > now or s.cancelled:
            continue
        for kind in ("agenda", "presenter", "role"):
            if kind not in announce.rules:
                continue
            rule = announce.rules[kind]
            at = s.start - rule if rule is not None else began
            if at < began:
                continue
            if kind == "agenda":
                who = targets
            else:
                names = s.presenters if kind == "presenter" else role_holders(s)
                who = [
                    (str(m.email), label(m))
                    for name in names
                    if mail.mailable(m := members.get(name, Person(name)))
                ]
            for recipient, shown in who:
                if (kind, s.id, recipient) not in gone and not (
                    kind == "agenda" and ("update", s.id, recipient) in gone
                ):
                    out.append(Missed(kind, s.id, render.date(s), shown, at))
    return out


def message_id(key: str, slug: str, domain: str) -> str:
    """The same Message-ID for the same message, whichever run sends it."""
    digest = hashlib.sha256(f"{slug}/{key}".encode()).hexdigest()[:32]
    return f"<{digest}.{slug}@{domain}>"


def first_sentence(abstract: str) -> str:
    """A line from an abstract: its first sentence, clipped."""
    text = one_line(abstract)
    if not text:
        return ""
    sentence = re.split(r"(?<=[.!?])\s+(?=[A-Z])", text, maxsplit=1)[0]
    return clip(sentence, ABSTRACT_LINE)


# -- the messages ----------------------------------------------------------------------------


class Renderer:
    """Subjects and bodies, from the templates the web page uses (the session's markup)."""

    def __init__(self, plan: Plan, group: Group):
        from zoneinfo import ZoneInfo

        from paperclub.default_plugins import html

        self.plan, self.group = plan, group
        self.zone = ZoneInfo(plan.timezone)
        context = html.context(replace(plan, as_of=None))
        ordered = sorted(plan.sessions, key=lambda s: (s.start, s.id))
        self.sessions: dict[str, dict[str, Any]] = {}
        for session, shown in zip(ordered, context["sessions"]):
            for paper, a in zip(shown["papers"], session.papers):
                paper["abstract"] = first_sentence(a.abstract)
            self.sessions[session.id] = shown
        self.location = context["location"]
        first = ordered[0] if ordered else None
        self.term_date = self.date(first) if first else "-"
        self._attendees: list[Person] | None = None
        # (kind, session, holder, invited) -> (subject, text, html, url): every member's
        # agenda of a session is the same text, rendered once; a presenter's or role holder's
        # note is their own
        self._bodies: dict[tuple[str, str | None, str | None, bool], tuple[str, str, str, Any]] = {}

    def date(self, session: Session) -> str:
        return session.start.astimezone(self.zone).date().isoformat()

    def when(self, session: Session) -> str:
        start, end = session.start.astimezone(self.zone), session.end.astimezone(self.zone)
        return f"{day_label(start)}, {start:%H:%M}–{end:%H:%M} ({self.plan.timezone})"

    def attendees(self, people: Sequence[Person], group: Group) -> list[Person]:
        """Who the invitation names: every member mail can reach (with a list address too:
        each member answers for themself)."""
        from paperclub import mail

        if self._attendees is None:
            self._attendees = [Person(m.name, m.email) for m in group.members if mail.mailable(m)]
        return self._attendees

    def subject(self, kind: str, session: Session | None, holder: str | None = None) -> str:
        name = one_line(self.plan.group)
        if session is None:
            live = [s for s in self.plan.sessions if not s.cancelled]
            first = min((s.start for s in live), default=None)
            since = f" from {day_label(first.astimezone(self.zone))}" if first else ""
            return clip(f"{name}: the term's plan, {plural(len(live), 'session')}{since}", 200)
        start = session.start.astimezone(self.zone)
        at = f"{day_label(start)} {start:%H:%M}"
        titles = "; ".join(one_line(a.title) for a in session.papers) or "papers to be announced"
        if kind == "presenter":
            mine = "; ".join(one_line(a.title) for a in session.papers if a.presenter == holder)
            return clip(f"Your turn: {mine} ({name}, {at})", 200)
        if kind == "role":
            return clip(f"Your turn as {one_line(_role(session, holder))}: {name}, {at}", 200)
        if kind == "cancel":
            return clip(f"Cancelled: {name}, {at}", 200)
        prefix = "Changed: " if kind == "update" else ""
        return clip(f"{prefix}{name}, {at}: {titles}", 200)

    def message(
        self,
        kind: str,
        session: Session | None,
        *,
        key: str,
        recipients: tuple[Person, ...],
        calendar: bytes | None,
        message_id: str,
        in_reply_to: tuple[str, ...],
    ) -> Message:
        holder = recipients[0].name if kind in ("presenter", "role") and recipients else None
        made = (kind, session.id if session else None, holder, calendar is not None)
        if made not in self._bodies:
            self._bodies[made] = self._bodies_of(kind, session, holder, calendar is not None)
        subject, text, html, url = self._bodies[made]
        return Message(
            key=key,
            kind=kind,
            subject=subject,
            text=text,
            html=html,
            session=session.id if session else None,
            recipients=recipients,
            calendar=calendar,
            message_id=message_id,
            in_reply_to=in_reply_to,
            url=url,
        )

    def _bodies_of(
        self, kind: str, session: Session | None, holder: str | None, invited: bool
    ) -> tuple[str, str, str, str | None]:
        from paperclub.default_plugins.html import environment

        plan = self.plan
        subject = self.subject(kind, session, holder)
        intro, outro = self._lines(kind, session, holder, invited)
        page = web_url(plan.url)
        url = f"{page}#session-{session.id}" if page and session else page
        shown = (
            [self.sessions[session.id]]
            if session is not None
            else [self.sessions[s.id] for s in sorted(plan.sessions, key=lambda s: (s.start, s.id))]
        )
        context = {
            "subject": subject,
            "intro": intro,
            "outro": outro,
            "sessions": shown,
            "location": self.location,
            "url": url,
            "url_label": "The session on the group's page" if session else "The group's page",
            "group": plan.group,
            "organizer": plan.organizer.name,
        }
        env = environment()
        html = env.get_template("announce/email.html.j2").render(context)
        text_context = {
            **context,
            "location": "".join(t for t, _ in self.location) if self.location else None,
        }
        text = env.get_template("announce/email.txt.j2").render(text_context)
        return subject, printable(text), html, url

    def _lines(
        self, kind: str, session: Session | None, holder: str | None, invited: bool
    ) -> tuple[list[str], list[str]]:
        group = one_line(self.plan.group)
        tz = f"Times are {self.plan.timezone}."
        if session is None:
            return [
                f"The plan of {group} for the term: every session, its papers and who "
                f"presents them. {tz}"
            ], []
        when = self.when(session)
        answer = (
            [
                "The invitation is attached: accept or decline it in your calendar, so the "
                "organizer knows who comes."
            ]
            if invited
            else []
        )
        if kind == "agenda":
            return [f"The session of {group} on {when}:"], answer
        if kind == "update":
            return [f"The session of {group} on {when} has changed; this is how it is now:"], (
                ["The attached invitation updates the one in your calendar."] if invited else []
            )
        if kind == "cancel":
            return [f"The session of {group} on {when} is cancelled."], (
                ["The attached cancellation takes it out of your calendar."] if invited else []
            )
        dear = f"Dear {one_line(holder or '')},"
        cannot = (
            "If you cannot make it, tell the organizer soon, so the session can be planned again."
        )
        if kind == "role":
            role = one_line(_role(session, holder))
            return [
                dear,
                f"it is your turn: you are {role} at the session of {group} on {when}.",
            ], [cannot]
        mine = [one_line(a.title) for a in session.papers if a.presenter == holder]
        titles = " and ".join(f"“{t}”" for t in mine)
        return [
            dear,
            f"it is your turn: you present {titles} at the session of {group} on {when}.",
        ], [cannot]


def _role(session: Session, holder: str | None) -> str:
    """The role `holder` holds in the session: `chair`."""
    return next((role for role, names in session.roles.items() if holder in names), "")


# -- sending ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    outgoing: Outgoing
    state: str  # sent | failed | unknown
    error: str | None = None


def list_id(group: Group) -> str | None:
    """`List-Id: ML Systems <ml-systems.lists.example.org>` (RFC 2919) for the list address."""
    announce = group.announce
    if announce is None or announce.to is None or not announce.to.email:
        return None
    domain = announce.to.email.rsplit("@", 1)[1]
    from email.headerregistry import Address

    name = str(Address(display_name=one_line(group.name), addr_spec="x@x")).rsplit(" <", 1)[0]
    return f"{name} <{group.slug}.{domain}>"


def render_mail(item: Outgoing, group: Group, now: datetime) -> bytes:
    from paperclub import mail

    announce = settings(group)
    is_list = (
        announce.to is not None
        and item.message.kind in GROUP_KINDS
        and item.recipient == announce.to.email
    )
    composed = mail.compose(item.message, announce.sender, now, list_id(group) if is_list else None)
    return composed.as_bytes()


def write_dry_run(items: Iterable[Outgoing], group: Group, now: datetime, out: Path) -> list[Path]:
    """Each message as a file in `out`: an .eml per email, a .txt per chat message."""
    from paperclub.files import atomic_write

    out.mkdir(parents=True, exist_ok=True)
    written = []
    for item in items:
        name = re.sub(r"[^A-Za-z0-9@._-]+", "_", item.message.key.replace("/", "-")).strip("_")
        if item.channel is None:
            path, data = out / f"{name}.eml", render_mail(item, group, now)
        else:
            path, data = out / f"{name}.txt", item.message.text.encode("utf-8")
        atomic_write(path, data, durable=False)  # a preview, made again at will
        written.append(path)
    return written


def send(
    items: Sequence[Outgoing],
    group: Group,
    log: SendLog,
    now: datetime,
    hooks: Hooks,
    *,
    resend_unknown: bool = False,
    on_outcome: Callable[[Outcome], None] = lambda _: None,
) -> list[Outcome]:
    """Send each message once: claimed in the log first, recorded after the final answer.
    A failure is recorded and the rest are still tried."""
    from paperclub import mail

    announce = settings(group)
    outcomes = []
    mailer: mail.Mailer | None = None
    try:
        for item in items:
            m = item.message
            claimed = log.claim(
                key=m.key,
                kind=m.kind,
                session=m.session,
                sequence=item.sequence,
                recipient=item.recipient,
                label=item.label,
                subject=m.subject,
                message_id=m.message_id,
                now=now,
                resend_unknown=resend_unknown,
            )
            if not claimed:
                continue
            try:
                if item.channel is not None:
                    _chat(hooks, m, item.channel, group)
                else:
                    if announce.smtp is None:  # not reached: due() makes no email without it
                        raise NotSent("no announce.smtp in the config")
                    if mailer is None:
                        mailer = mail.Mailer(announce.smtp, mail.credentials(announce.smtp.host))
                    data = render_mail(item, group, now)
                    mailer.send(data, str(announce.sender.email), mail.envelope(m))
            except PluginError as e:
                # a plugin's bug: whether it posted first is not known; the run stops (exit 3)
                log.record(m.key, UNKNOWN, now, f"a plugin failed while sending it: {e}")
                raise
            except FateUnknown as e:
                outcome = Outcome(item, UNKNOWN, e.message)
            except PaperclubError as e:  # NotSent, and a channel no plugin sends to
                outcome = Outcome(item, FAILED, str(e) if e.path else e.message)
            except BaseException:
                # Ctrl-C, a crash: the message may be half handed over; the next run finds it
                # `sending` and reports it unknown
                raise
            else:
                outcome = Outcome(item, SENT)
            log.record(m.key, outcome.state, now, outcome.error)
            outcomes.append(outcome)
            on_outcome(outcome)
    finally:
        if mailer is not None:
            mailer.close()
    return outcomes


def _chat(hooks: Hooks, message: Message, channel: Channel, group: Group) -> None:
    if not hooks.announce(message, channel):
        raise PaperclubError(
            f"announce.channels: no plugin sends to channels of type {channel.type!r} "
            "(built in: slack, mattermost, discord, zulip, matrix; see `paperclub plugins`)",
            path=group.path,
            line=channel.line,
        )


def status(rows: Sequence[Row]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for r in rows:
        counts[r.state] = counts.get(r.state, 0) + 1
    return counts


def fill_abstracts(plan: Plan, catalog: Path) -> None:
    """Each paper's abstract from the catalog, where it has one (the plan file keeps none)."""
    if not catalog.exists():
        return
    from paperclub.catalog import Catalog

    with Catalog(catalog) as cat:
        for session in plan.sessions:
            for a in session.papers:
                found = cat.get(a.paper_id)
                if found is not None:
                    a.abstract = found.abstract
