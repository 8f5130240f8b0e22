"""`paperclub publish`: the plan's sessions as events of a CalDAV calendar (RFC 4791).

One calendar object resource per session, named `<UID>.ics`, holding the session's VEVENT
exactly as the calendar feed has it (same UID, SEQUENCE, STATUS and stamps), with the feed's
VTIMEZONE, PRODID and VERSION, and without METHOD, which CalDAV forbids in a resource.

The work is split in three:

- `resources(plan)`: what the calendar should hold, rendered from the plan alone;
- `changes(wanted, remote, prune)`: a pure comparison with what the server holds;
- `CalDAV` (I/O): lists the calendar, then applies the changes with conditional requests
  (`If-Match` on the ETag seen when listing, `If-None-Match: *` when creating), so an event
  that changed on the server in between is reported rather than overwritten.

Cancelled sessions stay on the server as `STATUS:CANCELLED` events; they are never deleted.
Events whose UID is not in the plan are deleted only with `prune`, and only those paperclub
wrote (their PRODID names paperclub): an event someone else put in the calendar is left alone.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from types import ModuleType
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, unquote, urljoin, urlsplit, urlunsplit

from paperclub.errors import PaperclubError
from paperclub.models import Plan, Session
from paperclub.netrcfile import login

if TYPE_CHECKING:
    from icalendar.cal import Component

    from paperclub.plugins import Hooks

USER_ENV = "PAPERCLUB_CALDAV_USER"
PASSWORD_ENV = "PAPERCLUB_CALDAV_PASSWORD"
NEEDS_CALDAV = "publishing needs the caldav library: pip install 'paperclub[caldav]'"
TIMEOUT = 30  # seconds for each request
ICS = "ics"  # the emitter whose events are published

# calendar properties of the feed that belong in a calendar object resource; the rest
# (METHOD, NAME, X-WR-CALNAME, REFRESH-INTERVAL, ...) describe a feed, not an event
KEEP_CALENDAR_PROPERTIES = ("PRODID", "VERSION", "CALSCALE")


# -- what the calendar should hold -----------------------------------------------------------


@dataclass(frozen=True)
class Resource:
    """One session as the calendar object resource that holds it."""

    session: Session
    data: bytes  # a VCALENDAR with the session's VEVENT (and the VTIMEZONE it uses)

    @property
    def uid(self) -> str:
        return self.session.uid

    @property
    def name(self) -> str:
        return quote(self.session.uid, safe="") + ".ics"


def resources(plan: Plan, hooks: Hooks) -> list[Resource]:
    """The plan rendered by the calendar feed's emitter, split into one resource per session.
    The emitter is the one registered as `ics` (the built-in, or a plugin's in its place)."""
    from paperclub import workflow

    if ICS not in hooks.emitters:
        raise PaperclubError(
            f"publishing sends the calendar feed, and no plugin registers an "
            f"output named {ICS!r}: is the ics plugin switched off "
            f"(PAPERCLUB_DISABLE_PLUGINS)? The outputs: "
            f"{', '.join(sorted(hooks.emitters)) or 'none'}"
        )
    return split(workflow.render(hooks, ICS, plan), plan.sessions)


def split(feed: bytes, sessions: Iterable[Session]) -> list[Resource]:
    """One VCALENDAR per session out of a whole feed: the session's VEVENT, the VTIMEZONEs
    it refers to, PRODID, VERSION and CALSCALE; no METHOD."""
    from icalendar import Calendar

    calendar = Calendar.from_ical(feed)
    events: dict[str, list] = {}
    for event in calendar.walk("VEVENT"):
        events.setdefault(str(event.get("UID")), []).append(event)
    zones = [c for c in calendar.subcomponents if c.name == "VTIMEZONE"]
    out = []
    for session in sessions:
        if session.uid not in events:
            raise PaperclubError(
                f"the calendar feed has no event for session {session.id} "
                f"(UID {session.uid}); a plugin may have dropped it"
            )
        resource = Calendar()
        for name in KEEP_CALENDAR_PROPERTIES:
            if name in calendar:
                resource.add(name, calendar[name])
        used = _tzids(events[session.uid])
        for zone in zones:
            if str(zone.get("TZID")) in used:
                resource.add_component(zone)
        for event in events[session.uid]:
            resource.add_component(event)
        out.append(Resource(session, resource.to_ical()))
    return out


def _tzids(events: list) -> set[str]:
    found = set()
    for event in events:
        for component in event.walk():
            for value in component.values():
                for item in value if isinstance(value, list) else [value]:
                    tzid = getattr(item, "params", {}).get("TZID")
                    if tzid:
                        found.add(str(tzid))
    return found


# -- what the server holds, and what to change -------------------------------------------------


@dataclass(frozen=True)
class Remote:
    """A calendar object resource on the server, as the calendar listing gave it."""

    href: str  # absolute URL
    etag: str | None
    data: bytes

    @cached_property
    def _facts(self) -> tuple[str | None, int | None, str]:
        return _parsed(self.data)

    @property
    def uid(self) -> str | None:
        return self._facts[0]

    @property
    def sequence(self) -> int | None:
        return self._facts[1]

    @property
    def by_paperclub(self) -> bool:
        return "paperclub" in self._facts[2].lower()


def _parsed(data: bytes) -> tuple[str | None, int | None, str]:
    """UID, SEQUENCE and PRODID of a resource (None, None, "" if it cannot be read)."""
    from icalendar import Calendar

    try:
        calendar = Calendar.from_ical(data)
    except Exception:  # noqa: BLE001 - anything a server holds that icalendar cannot read
        return None, None, ""
    prodid = str(calendar.get("PRODID", ""))
    for component in calendar.walk():
        if component.name in ("VEVENT", "VTODO", "VJOURNAL") and "UID" in component:
            sequence = component.get("SEQUENCE")
            return str(component["UID"]), int(sequence) if sequence is not None else None, prodid
    return None, None, prodid


def normalised(data: bytes, uid: str) -> tuple | None:
    """The events with this UID as sorted content lines, their alarms likewise: equal for two
    resources a calendar client would show alike, whatever a server did to folding, line
    endings, the order of properties, or the calendar's own properties. None if unreadable."""
    from icalendar import Calendar

    try:
        calendar = Calendar.from_ical(data)
        shapes = [_shape(e) for e in calendar.walk("VEVENT") if str(e.get("UID")) == uid]
        return tuple(sorted(shapes)) or None
    except Exception:  # noqa: BLE001
        return None


def _shape(component: Component) -> tuple:
    lines = sorted(
        str(component.content_line(name, value))
        for name, value in component.property_items(recursive=False)
        if name not in ("BEGIN", "END")
    )
    return (component.name, tuple(lines), tuple(sorted(_shape(c) for c in component.subcomponents)))


CREATE, UPDATE, UNCHANGED, DELETE, KEEP = "create", "update", "unchanged", "delete", "keep"


@dataclass(frozen=True)
class Change:
    action: str  # create | update | unchanged | delete | keep (not in the plan, left alone)
    uid: str
    href: str
    etag: str | None = None  # for If-Match; None when creating
    data: bytes | None = None  # what to PUT (create, update)
    session: Session | None = None
    remote_sequence: int | None = None


@dataclass
class Changes:
    items: list[Change] = field(default_factory=list)

    def of(self, action: str) -> list[Change]:
        return [c for c in self.items if c.action == action]

    @property
    def pending(self) -> list[Change]:
        """What changes the server, in order: creates and updates, then deletes."""
        return [c for c in self.items if c.action in (CREATE, UPDATE)] + self.of(DELETE)


def changes(
    wanted: list[Resource], remote: list[Remote], calendar_url: str, *, prune: bool = False
) -> Changes:
    """Compare what the plan wants with what the server holds. Pure: no I/O."""
    on_server: dict[str, Remote] = {}
    for r in remote:
        if r.uid is not None:
            # two resources with one UID break RFC 4791; keep the one named as paperclub names it
            if r.uid not in on_server or r.href.endswith("/" + quote(r.uid, safe="") + ".ics"):
                on_server[r.uid] = r
    base = calendar_url if calendar_url.endswith("/") else calendar_url + "/"
    out = Changes()
    planned = set()
    for resource in wanted:
        planned.add(resource.uid)
        there = on_server.get(resource.uid)
        if there is None:
            out.items.append(
                Change(
                    CREATE,
                    resource.uid,
                    urljoin(base, resource.name),
                    data=resource.data,
                    session=resource.session,
                )
            )
        elif normalised(there.data, resource.uid) == normalised(resource.data, resource.uid):
            out.items.append(
                Change(
                    UNCHANGED,
                    resource.uid,
                    there.href,
                    there.etag,
                    session=resource.session,
                    remote_sequence=there.sequence,
                )
            )
        else:
            # an event that is there under another name is updated where it is: a second
            # resource with the same UID would be refused (RFC 4791 no-uid-conflict)
            out.items.append(
                Change(
                    UPDATE,
                    resource.uid,
                    there.href,
                    there.etag,
                    data=resource.data,
                    session=resource.session,
                    remote_sequence=there.sequence,
                )
            )
    for uid, there in sorted(on_server.items()):
        if uid in planned:
            continue
        if prune and there.by_paperclub:
            out.items.append(Change(DELETE, uid, there.href, there.etag))
        elif there.by_paperclub:
            out.items.append(Change(KEEP, uid, there.href, there.etag))
    return out


# -- credentials ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Credentials:
    user: str | None
    password: str | None = field(default=None, repr=False)  # never shown


def public_url(url: str) -> str:
    """The URL without user name and password, for messages."""
    parts = urlsplit(url)
    if parts.username is None and parts.password is None:
        return url
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    netloc = host + (f":{parts.port}" if parts.port else "")
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))


def credentials(
    url: str, user: str | None = None, environ: Mapping[str, str] | None = None
) -> Credentials:
    """Who to log in as: `--user`, else PAPERCLUB_CALDAV_USER, else the URL's user, else the
    netrc file's login for the URL's host; the password from PAPERCLUB_CALDAV_PASSWORD, else
    the URL, else the netrc file ($NETRC or ~/.netrc), for that user."""
    environ = os.environ if environ is None else environ
    parts = urlsplit(url)
    url_user = unquote(parts.username) if parts.username else None
    url_password = unquote(parts.password) if parts.password is not None else None
    user = user or environ.get(USER_ENV) or url_user
    password = environ.get(PASSWORD_ENV) or None
    if password is None and url_password is not None and user == url_user:
        password = url_password
    found = login(
        parts.hostname or "",
        user,
        password,
        environ,
        env=(USER_ENV, PASSWORD_ENV),
        or_else=" or give --user",
    )
    return Credentials(*found) if found is not None else Credentials(None)


# -- the server ----------------------------------------------------------------------------------

LISTING = """<?xml version="1.0" encoding="utf-8"?>
<C:calendar-query xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav">
  <D:prop><D:getetag/><C:calendar-data/></D:prop>
  <C:filter><C:comp-filter name="VCALENDAR"><C:comp-filter name="VEVENT"/></C:comp-filter></C:filter>
</C:calendar-query>
"""

RESOURCETYPE = """<?xml version="1.0" encoding="utf-8"?>
<D:propfind xmlns:D="DAV:"><D:prop><D:resourcetype/></D:prop></D:propfind>
"""

DAV = "{DAV:}"
CALDAV = "{urn:ietf:params:xml:ns:caldav}"


def require_caldav() -> ModuleType:
    try:
        import caldav
    except ImportError:
        raise PaperclubError(NEEDS_CALDAV) from None
    return caldav


class CalDAV:
    """A CalDAV calendar reached with the caldav library's DAVClient. Every failure becomes
    a one-line PaperclubError that shows neither the password nor the URL's user info."""

    def __init__(self, url: str, creds: Credentials, timeout: int = TIMEOUT):
        caldav = require_caldav()
        self.url = public_url(url)
        if not self.url.endswith("/"):
            self.url += "/"
        self.user = creds.user
        import inspect

        options = {
            "url": self.url,
            "username": creds.user,
            "password": creds.password,
            "timeout": timeout,
        }
        # caldav 2+ would look the host up in DNS (RFC 6764) for a bare domain: not wanted
        if "enable_rfc6764" in inspect.signature(caldav.DAVClient).parameters:
            options["enable_rfc6764"] = False
        try:
            self.client = caldav.DAVClient(**options)
        except Exception as e:  # noqa: BLE001 - a bad URL, or a network error during set-up
            raise self._failure(e, self.url) from None

    # one request, with every library and network error turned into a PaperclubError
    def request(
        self, method: str, url: str, body: str | bytes = "", headers: dict[str, str] | None = None
    ) -> Any:  # caldav's DAVResponse
        try:
            response = self.client.request(url, method, body, headers or {})
        except Exception as e:  # noqa: BLE001
            raise self._failure(e, url) from None
        if response.status in (401, 403):
            raise self._refused(url, response.status)
        return response

    def _refused(self, url: str, status: int | None) -> PaperclubError:
        where = public_url(url)
        if self.user is None:
            return PaperclubError(
                f"the server asks for credentials at {where} (HTTP {status}): "
                f"set {USER_ENV} and {PASSWORD_ENV}, or add the host to "
                "~/.netrc"
            )
        return PaperclubError(
            f"the server refused the credentials for {self.user} at {where}"
            + (f" (HTTP {status})" if status else "")
        )

    def _failure(self, error: Exception, url: str) -> PaperclubError:
        if isinstance(error, PaperclubError):
            return error
        status = getattr(error, "status", None)
        names = {c.__name__ for e in _chain(error) for c in type(e).__mro__}
        if "AuthorizationError" in names or status in (401, 403):
            return self._refused(url, status)
        if isinstance(status, int):
            return self._status(status, url, "request")
        network = _network_problem(error)
        if network is not None:
            return PaperclubError(f"cannot reach {public_url(url)}: {network}")
        if "DAVError" in names:
            return PaperclubError(
                f"the CalDAV server at {public_url(url)} answered with an "
                f"error ({type(error).__name__})"
            )
        return PaperclubError(f"cannot talk to {public_url(url)}: {type(error).__name__}")

    def _status(self, status: int, url: str, what: str) -> PaperclubError:
        """The error for an answer other than 401/403 (`request` turns those away first)."""
        where = public_url(url)
        if status == 404:
            return PaperclubError(f"no such calendar: {self.url} (HTTP 404)")
        if status in (409, 412):
            return PaperclubError(
                f"conflict at {where} (HTTP {status}): the event changed on the server while "
                "publishing, or the server refused it (precondition failed); run "
                "`paperclub publish` again"
            )
        if status == 507:
            return PaperclubError(f"the server has no room left for {where} (HTTP 507)")
        return PaperclubError(f"the server failed to {what} {where} (HTTP {status})")

    def check_calendar(self) -> None:
        response = self.request(
            "PROPFIND",
            self.url,
            RESOURCETYPE,
            {"Depth": "0", "Content-Type": "application/xml; charset=utf-8"},
        )
        if response.status == 404:
            raise PaperclubError(
                f"no such calendar: {self.url} (HTTP 404); create it in your calendar first"
            )
        if response.status not in (200, 207):
            raise self._status(response.status, self.url, "read")
        tree = _tree(response)
        if tree is not None and tree.find(f".//{DAV}resourcetype") is not None:
            if tree.find(f".//{DAV}resourcetype/{CALDAV}calendar") is None:
                raise PaperclubError(f"{self.url} is not a calendar (a CalDAV collection)")

    def list(self) -> list[Remote]:
        """Every event resource of the calendar, with its ETag and data."""
        response = self.request(
            "REPORT",
            self.url,
            LISTING,
            {"Depth": "1", "Content-Type": "application/xml; charset=utf-8"},
        )
        if response.status not in (200, 207):
            raise self._status(response.status, self.url, "list the events of")
        tree = _tree(response)
        if tree is None:
            return []
        out = []
        for item in tree.iter(f"{DAV}response"):
            href = (item.findtext(f"{DAV}href") or "").strip()
            data = None
            etag = None
            for propstat in item.iter(f"{DAV}propstat"):
                if " 200 " not in (propstat.findtext(f"{DAV}status") or " 200 "):
                    continue
                data = propstat.findtext(f"{DAV}prop/{CALDAV}calendar-data") or data
                etag = propstat.findtext(f"{DAV}prop/{DAV}getetag") or etag
            if not href or data is None:
                continue
            out.append(
                Remote(
                    urljoin(self.url, href), etag.strip() if etag else None, data.encode("utf-8")
                )
            )
        return out

    def apply(self, change: Change) -> None:
        if change.action in (CREATE, UPDATE):
            headers = {"Content-Type": "text/calendar; charset=utf-8"}
            if change.action == CREATE:
                headers["If-None-Match"] = "*"
            elif change.etag:
                headers["If-Match"] = change.etag
            if change.data is None:  # changes() gives every create and update its data
                raise ValueError(f"{change.action} of {change.uid} has nothing to store")
            response = self.request("PUT", change.href, change.data.decode("utf-8"), headers)
            if response.status not in (200, 201, 204):
                raise self._status(response.status, change.href, "store")
        elif change.action == DELETE:
            response = self.request(
                "DELETE", change.href, "", {"If-Match": change.etag} if change.etag else {}
            )
            if response.status == 404:
                return  # gone already
            if response.status not in (200, 202, 204):
                raise self._status(response.status, change.href, "delete")


def _tree(response: Any) -> Any:  # an lxml or ElementTree element, or None
    tree = getattr(response, "tree", None)
    if tree is not None:
        return tree
    raw = getattr(response, "_raw", None) or getattr(response, "raw", None)
    if not raw:
        return None
    import xml.etree.ElementTree as ET

    try:
        return ET.fromstring(raw if isinstance(raw, bytes) else raw.encode("utf-8"))
    except ET.ParseError:
        raise PaperclubError("the server's answer is not a CalDAV answer (not XML)") from None


def _chain(error: BaseException) -> list[BaseException]:
    seen: list[BaseException] = []
    link: BaseException | None = error
    while link is not None and link not in seen:
        seen.append(link)
        link = link.__cause__ or link.__context__
    return seen


def _network_problem(error: Exception) -> str | None:
    """What kept us from the server (refused, unknown host, timeout, TLS), or None when the
    error is not about the network."""
    import socket

    chain = _chain(error)
    names = " ".join(c.__name__ for e in chain for c in type(e).__mro__)
    text = " ".join(str(e) for e in chain).lower()  # only to classify, never shown
    if any(isinstance(e, ConnectionRefusedError) for e in chain) or "refused" in text:
        return "connection refused (is the server running?)"
    if (
        any(isinstance(e, socket.gaierror) for e in chain)
        or "NameResolution" in names
        or "name or service not known" in text
        or "nodename nor servname" in text
    ):
        return "unknown host"
    if "Timeout" in names or any(isinstance(e, TimeoutError) for e in chain):
        return "timed out"
    if "SSL" in names or "TLS" in names:
        return "TLS error (certificate or protocol)"
    if any(isinstance(e, OSError) for e in chain) or "ConnectionError" in names:
        return "network error"
    return None


# -- the whole step ------------------------------------------------------------------------------

VERBS = {
    CREATE: ("created", "would create"),
    UPDATE: ("updated", "would update"),
    UNCHANGED: ("unchanged", "unchanged"),
    DELETE: ("deleted", "would delete"),
    KEEP: ("kept", "would keep"),
}


def describe(change: Change, timezone: str, *, dry_run: bool = False) -> str:
    """One line for a change: what, which session (id, date, time, status)."""
    verb = VERBS[change.action][1 if dry_run else 0]
    if change.session is None:
        why = " (--prune deletes it)" if change.action == KEEP else ""
        return f"  {verb:<12}  {change.uid}  not in the plan{why}"
    from zoneinfo import ZoneInfo

    session = change.session
    start = session.start.astimezone(ZoneInfo(timezone)).strftime("%a %Y-%m-%d %H:%M")
    status = "  cancelled" if session.cancelled else ""
    return f"  {verb:<12}  {session.id}  {start}  sequence {session.sequence}{status}"


def warnings(found: Changes) -> list[str]:
    """Updates that lower an event's SEQUENCE: someone changed it on the server."""
    return [
        f"{c.session.id}: the server's event has SEQUENCE {c.remote_sequence}, the plan's is "
        f"{c.session.sequence}; the plan's version replaces it"
        for c in found.of(UPDATE)
        if c.session is not None
        and c.remote_sequence is not None
        and c.remote_sequence > c.session.sequence
    ]


@dataclass
class Outcome:
    url: str  # without user info
    changes: Changes
    dry_run: bool
    done: int = 0  # how many pending changes were made

    def counts(self) -> dict[str, int]:
        return {
            "created": len(self.changes.of(CREATE)),
            "updated": len(self.changes.of(UPDATE)),
            "unchanged": len(self.changes.of(UNCHANGED)),
            "deleted": len(self.changes.of(DELETE)),
        }


def publish(
    plan: Plan,
    url: str,
    *,
    user: str | None = None,
    prune: bool = False,
    dry_run: bool = False,
    hooks: Hooks,
    on_change: Callable[[Change], None] | None = None,
    environ: Mapping[str, str] | None = None,
) -> Outcome:
    """Make the calendar at URL hold the plan's sessions. `on_change(change)` is called after
    each change made (to print progress)."""
    require_caldav()
    wanted = resources(plan, hooks)
    server = CalDAV(url, credentials(url, user, environ))
    server.check_calendar()
    found = changes(wanted, server.list(), server.url, prune=prune)
    outcome = Outcome(server.url, found, dry_run)
    if dry_run:
        return outcome
    pending = found.pending
    for change in pending:
        try:
            server.apply(change)
        except PaperclubError as e:
            if outcome.done:
                e.message += (
                    f" ({outcome.done} of {len(pending)} changes were made before "
                    "this; publishing again finishes the rest)"
                )
                e.args = (e.message,)
            raise
        outcome.done += 1
        if on_change is not None:
            on_change(change)
    return outcome
