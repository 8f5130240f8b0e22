"""Load and validate a group config (`schedules/<group>.yaml`) into a `Group`.

Every error names the file, the line and the key, and says what was expected.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Collection, Mapping
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from paperclub import policies as balance_policies
from paperclub import yamlfile, zones
from paperclub.errors import PaperclubError
from paperclub.meetings import MAX_SESSIONS
from paperclub.messages import kind, quoted, shown
from paperclub.models import (
    NOTES_FIELDS,
    Announce,
    Channel,
    Group,
    Meetings,
    Member,
    Person,
    Smtp,
)
from paperclub.policies import BUILT_IN as BUILT_IN_POLICIES
from paperclub.policies import Policy
from paperclub.signals import DEFAULT_WEIGHTS
from paperclub.solver import WEIGHT_NAMES as SOLVER_WEIGHTS
from paperclub.text import slugify
from paperclub.yamlfile import LineDict, LineList

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
PRESENTER_MODES = ("per_paper", "per_session")
BUILT_IN_OUTPUTS = ("ics", "markdown", "html", "json", "csv")  # the default_plugins emitters
# Bounds that keep a typo (count: 10000000, every: 99999 weeks) from planning for hours or
# past the year 9999: far beyond any reading group's term.
MAX_EVERY_WEEKS = 52
MAX_MINUTES = 7 * 24 * 60  # a meeting's duration, an alarm before it
MAX_TIME_LIMIT = 3600  # seconds: the optimizer's time limit (a typo of 36000 would plan all night)
TIME_LIMIT_EXPECTED = f"a number of seconds, 0 to {MAX_TIME_LIMIT}"
T = TypeVar("T")
if TYPE_CHECKING:
    from paperclub.settings import Declared
# Weights renamed: (old name, new name, what a value of the old scale is in the new one).
# `upvotes` (default 1) weighed log(1 + upvotes); `popularity` weighs the percentile among
# rated papers, so an old weight counts as that many times the default popularity weight.
RENAMED_WEIGHTS = (("upvotes", "popularity", DEFAULT_WEIGHTS["popularity"]),)
# The weights the core reads: the built-in score parts and the optimizer's penalties.
BUILT_IN_WEIGHTS = tuple(dict.fromkeys((*DEFAULT_WEIGHTS, *SOLVER_WEIGHTS)))
# Old weights now read elsewhere, for a did-you-mean: a typo of one points to where it went.
MOVED_WEIGHTS = {"time_limit": "selection.time_limit", "upvotes": "selection.weights.popularity"}


class _Section:
    """One mapping of the config, with its dotted path, for precise error messages."""

    def __init__(self, file: Path, data: Any, where: str, line: int, known: Collection[str]):
        self.file, self.where = file, where
        self.at = line  # the line of the key that holds this section
        if data is None:
            data = LineDict()
            data.line = line
        if not isinstance(data, dict):
            prefix = f"{where}: " if where else ""
            self.fail(f"{prefix}expected a mapping of keys, found {kind(data)}", line)
        self.data: LineDict = data if isinstance(data, LineDict) else LineDict(data)
        for key in self.data:
            if key not in known:
                hint = difflib.get_close_matches(str(key), known, n=1)
                also = f" (did you mean {hint[0]!r}?)" if hint else f" (known: {', '.join(known)})"
                self.fail(f"{self.path(key)}: unknown key{also}", self.line(key))

    def fail(self, message: str, line: int | None) -> None:
        raise PaperclubError(message, path=self.file, line=line)

    def path(self, key: Any) -> str:
        return f"{self.where}.{quoted(str(key))}" if self.where else quoted(str(key))

    def line(self, key: Any = None) -> int:
        """The line of `key`, or of this section's own key when `key` is absent."""
        return self.data.lines.get(key, self.at) if key is not None else self.at

    def has(self, key: str) -> bool:
        return self.data.get(key) is not None

    def section(self, key: str, known: Collection[str]) -> _Section:
        return _Section(self.file, self.data.get(key), self.path(key), self.line(key), known)

    def get(self, key: str, convert: Callable[[Any], T], expected: str, default: Any = ...) -> T:
        if not self.has(key):
            if default is ...:
                self.fail(f"{self.path(key)}: required ({expected})", self.line())
            return default
        value = self.data[key]
        try:
            return convert(value)
        except (TypeError, ValueError) as e:
            detail = f": {e}" if str(e) and not isinstance(e, TypeError) else ""
            self.fail(
                f"{self.path(key)}: expected {expected}, found {shown(value)}{detail}",
                self.line(key),
            )
            raise  # unreachable

    def items(self, key: str, convert: Callable[[Any], T], expected: str) -> tuple[T, ...]:
        value = self.data.get(key)
        if value is None:
            return ()
        if not isinstance(value, list):
            value = LineList([value])
            value.lines = [self.line(key)]
        out = []
        for i, item in enumerate(value):
            try:
                out.append(convert(item))
            except (TypeError, ValueError) as e:
                detail = f": {e}" if str(e) and not isinstance(e, TypeError) else ""
                line = value.lines[i] if isinstance(value, LineList) else self.line(key)
                self.fail(
                    f"{self.path(key)}[{i}]: expected {expected}, found {shown(item)}{detail}", line
                )
        return tuple(out)


def _text(value: Any) -> str:
    if (
        not isinstance(value, (str, int, float))
        or isinstance(value, bool)
        or str(value).strip() == ""
    ):
        raise TypeError
    return str(value).strip()


def _date(value: Any) -> date:
    # The loader leaves dates as text (see yamlfile), so 2027-02-30 is our error to report.
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value.strip()):
        return date.fromisoformat(value.strip())
    raise TypeError


def _positive(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise TypeError
    return value


def _per_session(value: Any) -> tuple[int, int]:
    """`papers_per_session`: a number (exactly that many), or {min, max} (between them, the
    objective decides): (min, max)."""
    if isinstance(value, dict):
        if set(value) != {"min", "max"}:
            raise ValueError("give both min and max, nothing else")
        least, most = _positive(value["min"]), _positive(value["max"])
        if least > most:
            raise ValueError(f"min {least} is more than max {most}")
        return least, most
    return _positive(value), _positive(value)


def _sessions(value: Any) -> int:
    count = _positive(value)
    if count > MAX_SESSIONS:
        raise TypeError
    return count


def _non_negative(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise TypeError
    return value


def _number(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError
    return float(value)


def _share(value: Any) -> float:
    share = _number(value)
    if not 0 <= share <= 1:
        raise TypeError
    return share


def _bool(value: Any) -> bool:
    if not isinstance(value, bool):
        raise TypeError
    return value


def _weekday(value: Any) -> int:
    name = _text(value).lower()
    matches = [i for i, day in enumerate(WEEKDAYS) if len(name) >= 3 and day.startswith(name)]
    if len(matches) != 1:
        raise TypeError
    return matches[0]


def _time(value: Any) -> time:
    if isinstance(value, int) and not isinstance(value, bool) and 60 <= value < 24 * 60:
        # YAML 1.1 reads an unquoted 16:00 as the sexagesimal number 960 (never below 60).
        return time(value // 60, value % 60)
    match = re.fullmatch(r"(\d{1,2}):(\d{2})", _text(value))
    if not match:
        raise TypeError
    return time(int(match[1]), int(match[2]))


def _duration(value: Any) -> timedelta:
    text = _text(value).replace(" ", "").lower()
    match = re.fullmatch(r"(?:(\d+)h)?(?:(\d+)m(?:in)?)?", text)
    if not match or not any(match.groups()):
        raise TypeError
    if any(len(part or "") > 6 for part in match.groups()):
        raise TypeError
    minutes = int(match[1] or 0) * 60 + int(match[2] or 0)
    if minutes == 0 or minutes > MAX_MINUTES:
        raise TypeError
    return timedelta(minutes=minutes)


_AGE_UNITS = {"minute": 60, "hour": 3600, "day": 86400, "week": 7 * 86400}


def _age(value: Any) -> timedelta:
    """`1 day`, `12 hours`, `2 weeks`, `30 minutes`: catalog.refresh."""
    match = re.fullmatch(r"(\d{1,4})\s*(minute|hour|day|week)s?", _text(value).strip().lower())
    if not match or int(match[1]) == 0:
        raise TypeError
    return timedelta(seconds=int(match[1]) * _AGE_UNITS[match[2]])


def _every(value: Any) -> int:
    match = re.fullmatch(r"(\d+)\s*weeks?", _text(value).lower()) or re.fullmatch(
        r"(week)", _text(value).lower()
    )
    if not match:
        raise TypeError
    weeks = 1 if match[1] == "week" else int(match[1]) if len(match[1]) <= 3 else 0
    if not 1 <= weeks <= MAX_EVERY_WEEKS:
        raise TypeError
    return weeks


def _timezone(value: Any) -> str:
    return zones.check(_text(value))  # a ValueError says why not, and the zone meant


def _email(value: Any) -> str:
    text = _text(value)
    if not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", text):
        raise TypeError
    return text


def _url(value: Any) -> str:
    text = _text(value)
    if not re.fullmatch(r"https?://[^\s<>\"]+", text):
        raise TypeError
    return text


def _slug(value: Any) -> str:
    text = _text(value)
    if not re.fullmatch(r"[a-z0-9]+(?:-[a-z0-9]+)*", text):
        raise TypeError
    return text


def load_group(
    path: Path,
    emitters: Collection[str] = BUILT_IN_OUTPUTS,
    policies: Mapping[str, Policy] = BUILT_IN_POLICIES,
    settings: Declared | None = None,
) -> Group:
    """Read and check a group config; `emitters` are the output names plugins provide,
    `policies` the balance policies (paperclub_register_policies), `settings` the
    settings classes plugins declare (`Hooks.settings`)."""
    from paperclub import settings as plugin_settings

    data = yamlfile.load(path)
    if isinstance(data, LineDict) and "plugins" in data:  # a config never names code to load
        raise PaperclubError(
            "plugins: a config cannot name plugins to load (put a plugin in "
            "the workspace's plugins/ folder, or install it); a plugin's own "
            "settings go under settings.<plugin>",
            path=path,
            line=data.lines.get("plugins"),
        )
    root = _Section(
        path,
        data,
        "",
        1,
        (
            "group",
            "meetings",
            "catalog",
            "members",
            "topics",
            "selection",
            "balance",
            "outputs",
            "presenters",
            "calendar",
            "settings",
            "announce",
            "roles",
        ),
    )

    g = root.section("group", ("name", "slug", "timezone", "organizer", "location", "url"))
    name = g.get("name", _text, "the group's name")
    organizer_section = g.section("organizer", ("name", "email"))
    organizer = Person(
        organizer_section.get("name", _text, "a name"),
        organizer_section.get("email", _email, "an email address"),
    )

    m = root.section(
        "meetings",
        (
            "start",
            "weekday",
            "time",
            "duration",
            "count",
            "until",
            "every",
            "skip",
            "holidays",
            "papers_per_session",
        ),
    )
    start = m.get("start", _date, "a date such as 2026-12-03")
    if m.has("count") == m.has("until"):
        m.fail(
            "meetings: give either count (how many sessions) or until (a last date)",
            m.line("until") if m.has("until") else m.line(),
        )
    least, most = m.get(
        "papers_per_session",
        _per_session,
        "a whole number, at least 1, or {min: 1, max: 2}",
        (1, 1),
    )
    meetings = Meetings(
        start=start,
        weekday=m.get("weekday", _weekday, "a weekday such as thursday", start.weekday()),
        time=m.get("time", _time, 'a time such as "16:00"'),
        duration=m.get(
            "duration", _duration, "a duration such as 90m or 1h30m", timedelta(hours=1)
        ),
        every_weeks=m.get("every", _every, "an interval such as 1 week or 2 weeks", 1),
        count=m.get("count", _sessions, f"a whole number of sessions, 1 to {MAX_SESSIONS}", None),
        until=m.get("until", _date, "a date such as 2027-03-25", None),
        skip=m.items("skip", _date, "a date such as 2026-12-24"),
        holidays=m.get(
            "holidays", _holidays, "a country code such as DE, or DE-BY for a region", None
        ),
        papers_per_session=most,
        min_papers_per_session=least if least < most else None,
    )
    if meetings.until is not None and meetings.until < start:
        m.fail(
            f"meetings.until: {meetings.until} is before meetings.start {start}", m.line("until")
        )
    if (
        meetings.until is not None
        and (meetings.until - start).days // (7 * meetings.every_weeks) >= MAX_SESSIONS
    ):
        m.fail(
            f"meetings.until: {meetings.until} is more than {MAX_SESSIONS} sessions after "
            f"meetings.start {start}",
            m.line("until"),
        )

    catalog = root.section("catalog", ("sources", "ignore_tags", "refresh"))

    # where keys and items stood, for errors found after loading (a paper id, a weight)
    lines: dict[str, int] = {}
    roles = _roles(root)
    known_roles = ("presenter", *roles)  # what members[].roles and members[].max may name
    members: list[Member] = []
    raw_members = root.data.get("members") or LineList()
    if not isinstance(raw_members, list):
        root.fail("members: expected a list of members", root.line("members"))
    for i, raw in enumerate(raw_members):
        line = raw_members.lines[i] if isinstance(raw_members, LineList) else root.line("members")
        ms = _Section(
            path,
            raw,
            f"members[{i}]",
            line,
            (
                "name",
                "email",
                "interests",
                "unavailable",
                "max_sessions",
                "pin",
                "library",
                "roles",
                "max",
                "prefer",
                "avoid",
            ),
        )
        member = Member(
            name=ms.get("name", _text, "the member's name"),
            email=ms.get("email", _email, "an email address", None),
            interests=ms.items("interests", _text, "a topic or keyword"),
            unavailable=ms.items("unavailable", _date, "a date such as 2027-01-07"),
            max_sessions=ms.get("max_sessions", _non_negative, "a whole number", None),
            pin=ms.items("pin", _text, "a paper id or a list of them"),
            library=_library(ms, path),
            roles=_member_roles(ms, known_roles) if ms.has("roles") else None,
            max_roles=_member_max(ms, known_roles),
            prefer=ms.items("prefer", _choice, CHOICE_EXPECTED),
            avoid=ms.items("avoid", _choice, CHOICE_EXPECTED),
        )
        if member.pin and not member.takes("presenter"):
            ms.fail(
                f"members[{i}].pin: {member.name} does not present (members[{i}].roles has no "
                "presenter)",
                ms.line("pin"),
            )
        for choice in member.avoid:
            if choice in member.prefer:
                ms.fail(
                    f"members[{i}].avoid: {choice} is in members[{i}].prefer too", ms.line("avoid")
                )
        if any(other.name == member.name for other in members):
            ms.fail(f"members[{i}].name: {shown(member.name)} is listed twice", ms.line("name"))
        for paper_id in member.pin:
            owner = next((other.name for other in members if paper_id in other.pin), None)
            if owner is not None:
                ms.fail(
                    f"members[{i}].pin: {paper_id} is pinned to {owner} already", ms.line("pin")
                )
        for key in ("pin", "prefer", "avoid"):
            lines.update(_item_lines(ms, key, f"members[{i}].{key}"))
        members.append(member)

    t = root.data.get("topics") or LineDict()
    if not isinstance(t, dict):
        root.fail("topics: expected a mapping of topic: [keywords]", root.line("topics"))
    topics_section = _Section(path, t, "topics", root.line("topics"), list(t))
    topics = {str(k): topics_section.items(k, _text, "a keyword") for k in t}

    s = root.section(
        "selection",
        (
            "weights",
            "pin",
            "before",
            "exclude_read",
            "history",
            "like",
            "dislike",
            "min_relevance",
            "time_limit",
        ),
    )
    weights_raw = s.data.get("weights") or LineDict()
    ws = _Section(
        path,
        weights_raw,
        "selection.weights",
        s.line("weights"),
        list(weights_raw) if isinstance(weights_raw, dict) else (),
    )
    weights = {str(k): ws.get(k, _number, "a number") for k in ws.data}
    # which weights are known depends on the plugins and the papers: see check_weights
    lines.update({f"selection.weights.{k}": ws.line(k) for k in ws.data})
    warnings = []
    for old, new, scale in RENAMED_WEIGHTS:
        if old in weights:
            value = weights.pop(old)
            where = f"{path}:{ws.line(old)}: selection.weights.{old}"
            if new in weights:
                warnings.append(f"{where} is ignored: selection.weights.{new} replaces it")
                continue
            weights[new] = value * scale
            warnings.append(
                f"{where} is now selection.weights.{new}; {old}: {value:g} is read "
                f"as {new}: {value * scale:g} (update the config to silence this)"
            )
    time_limit = s.get("time_limit", _seconds, TIME_LIMIT_EXPECTED, None)
    if "time_limit" in weights:  # the optimizer's time limit was a weight once
        weights.pop("time_limit")
        where = f"{path}:{ws.line('time_limit')}: selection.weights.time_limit"
        if time_limit is not None:
            warnings.append(f"{where} is ignored: selection.time_limit replaces it")
        else:
            time_limit = ws.get("time_limit", _seconds, TIME_LIMIT_EXPECTED)
            warnings.append(
                f"{where} is now selection.time_limit (seconds; update the config to silence this)"
            )
    for key in ("like", "dislike"):
        lines.update(_item_lines(s, key, f"selection.{key}"))
    like = s.items("like", _text, "a paper id or a list of them")
    dislike = s.items("dislike", _text, "a paper id or a list of them")
    for paper_id in set(like) & set(dislike):
        s.fail(f"selection.dislike: {paper_id} is in selection.like too", s.line("dislike"))
    pins_raw = s.data.get("pin") or LineDict()
    ps = _Section(
        path,
        pins_raw,
        "selection.pin",
        s.line("pin"),
        list(pins_raw) if isinstance(pins_raw, dict) else (),
    )
    pins = {}
    for key in ps.data:
        try:
            day = _date(key)
        except (TypeError, ValueError):
            ps.fail(f"selection.pin: {shown(key)} is not a date such as 2026-12-03", ps.line(key))
        pins[day] = ps.items(key, _text, "a paper id or a list of them")
        lines.update(_item_lines(ps, key, f"selection.pin.{day}"))
    before = s.items("before", _pair, "a pair [earlier paper id, later paper id]")
    for i, line in enumerate(_item_lines(s, "before", "selection.before").values()):
        pair = s.data["before"][i]  # a list of pairs: a single pair is refused above
        for j in range(2):
            lines[f"selection.before[{i}][{j}]"] = (
                pair.lines[j] if isinstance(pair, LineList) else line
            )

    b = root.section("balance", ("policy", "targets", "cluster"))
    policy = b.get("policy", str, "spread", "spread")
    if policy not in policies:
        hint = difflib.get_close_matches(policy, list(policies), n=1)
        also = f"did you mean {hint[0]!r}? " if hint else ""
        b.fail(
            f"balance.policy: {shown(policy)} is not available ({also}choose from: "
            f"{', '.join(policies)})",
            b.line("policy"),
        )
    targets_raw = b.data.get("targets") or LineDict()
    ts = _Section(
        path,
        targets_raw,
        "balance.targets",
        b.line("targets"),
        list(targets_raw) if isinstance(targets_raw, dict) else (),
    )
    targets = {str(k): ts.get(k, _share, "a share between 0 and 1, such as 0.25") for k in ts.data}
    if sum(targets.values()) > 1 + 1e-9:
        b.fail(
            f"balance.targets: the shares add up to {sum(targets.values()):.2f}, more than 1",
            b.line("targets"),
        )
    if policies[policy].needs_targets and not targets:
        b.fail(
            f"balance.policy {policy} needs balance.targets: {{topic: share, ...}}",
            b.line("policy"),
        )

    def _output(value: Any) -> str:
        if _text(value) not in emitters:
            raise TypeError
        return _text(value)

    outputs = root.items("outputs", _output, f"an output format ({', '.join(sorted(emitters))})")
    presenters = root.get("presenters", _text, "per_paper or per_session", "per_paper")
    cal = root.section("calendar", ("url", "alarm", "caldav", "notes_url"))
    if presenters not in PRESENTER_MODES:
        root.fail(
            f"presenters: {shown(presenters)} is not available (choose from: "
            f"{', '.join(PRESENTER_MODES)})",
            root.line("presenters"),
        )

    # `settings:` holds plugins' own settings, by plugin name; never which code to load
    settings_raw = root.data.get("settings") or LineDict()
    st = _Section(
        path,
        settings_raw,
        "settings",
        root.line("settings"),
        list(settings_raw) if isinstance(settings_raw, dict) else (),
    )
    plugins_settings, settings_warnings = plugin_settings.read(st, settings)
    warnings.extend(settings_warnings)

    slug_of_group = g.get("slug", _slug, "lower-case words joined by hyphens", slugify(name))
    return Group(
        path=path,
        name=name,
        slug=slug_of_group,
        timezone=g.get(
            "timezone", _timezone, "an IANA time zone of a place, such as Europe/Berlin"
        ),
        organizer=organizer,
        location=g.get("location", _text, "a place or a meeting link", None),
        url=g.get("url", _url, "a web address such as https://example.org/group", None),
        meetings=meetings,
        sources=catalog.items("sources", _text, "paperclub:sample or a file path"),
        ignore_tags=catalog.items("ignore_tags", _text, "a tag, such as lab-meeting"),
        refresh=catalog.get("refresh", _age, "an age such as 1 day, 12 hours or 1 week", None),
        members=tuple(members),
        topics=topics,
        weights=weights,
        time_limit=time_limit,
        pins=pins,
        before=before,
        exclude_read=s.get("exclude_read", _bool, "true or false", True),
        like=like,
        dislike=dislike,
        min_relevance=s.get(
            "min_relevance", _share, "a relevance between 0 and 1, such as 0.2", 0.0
        ),
        history=tuple(path.parent / p for p in s.items("history", _text, "a plan file path")),
        balance_policy=policy,
        balance=policies[policy],
        balance_targets=targets,
        balance_cluster=b.get("cluster", _bool, "true or false", False),
        outputs=outputs if root.has("outputs") else ("ics", "markdown"),
        presenters=presenters,
        feed_url=cal.get("url", _url, "the web address the .ics is published at", None),
        alarm=cal.get("alarm", _duration, "a duration such as 30m or 1h", None),
        caldav_url=cal.get("caldav", _url, "a CalDAV calendar's address", None),
        roles=roles,
        notes_url=cal.get("notes_url", _notes_url, NOTES_EXPECTED, None),
        announce=_announce(root, organizer, slug_of_group) if root.has("announce") else None,
        settings=plugins_settings,
        lines=lines,
        warnings=tuple(warnings),
    )


def check_weights(group: Group, more: Collection[str] = ()) -> None:
    """Every key of `selection.weights` names a weight that something reads: a built-in one
    (`BUILT_IN_WEIGHTS`) or one of `more` (the score parts the plugins gave this plan's
    papers, and the loaded plugins' names: see `planner.weight_names`). Else an error naming
    the key's line, with the closest name. A check apart from `load_group`, as plugins' parts
    are known only once they have scored the papers."""
    known = sorted(set(BUILT_IN_WEIGHTS) | set(balance_policies.of(group).weights) | set(more))
    for key in group.weights:
        if key in known:
            continue
        close = difflib.get_close_matches(key, [*known, *MOVED_WEIGHTS], n=1)
        if close and close[0] in MOVED_WEIGHTS:
            hint = f" (did you mean {MOVED_WEIGHTS[close[0]]}?)"
        else:
            hint = f" (did you mean {close[0]!r}?)" if close else f" (known: {', '.join(known)})"
        raise PaperclubError(
            f"selection.weights.{quoted(key)}: unknown weight{hint}",
            path=group.path,
            line=group.lines.get(f"selection.weights.{key}"),
        )


ROLE_EXPECTED = "a role's name, such as chair (lower-case letters, digits, _ or -)"
CHOICE_EXPECTED = "a date such as 2027-01-14 or a paper id"
NOTES_EXPECTED = 'an address with {group}, {date} or {session}, such as "https://docs.example.org/{group}/{date}"'


def _role_name(value: Any) -> str:
    if not re.fullmatch(r"[a-z][a-z0-9_-]*", _text(value)):
        raise TypeError
    return _text(value)


def _roles(root: _Section) -> dict[str, int]:
    """`roles: {chair: 1, scribe: 1}`: role -> people in each session, in the file's order.
    `presenter` is not one: who presents follows `presenters` and the papers."""
    raw = root.data.get("roles") or LineDict()
    if not isinstance(raw, dict):
        root.fail(
            f"roles: expected a mapping of role: people per session, such as {{chair: 1}}, "
            f"found {kind(raw)}",
            root.line("roles"),
        )
    rs = _Section(root.file, raw, "roles", root.line("roles"), list(raw))
    roles = {}
    for key in rs.data:
        try:
            name = _role_name(key)
        except (TypeError, ValueError):
            rs.fail(f"roles: {shown(key)} is not {ROLE_EXPECTED}", rs.line(key))
        if name == "presenter":
            rs.fail(
                "roles.presenter: presenters are not a role of `roles:` (they follow "
                "`presenters:` and the papers); give the others, such as chair: 1",
                rs.line(key),
            )
        roles[name] = rs.get(key, _positive, "a whole number of people, at least 1")
    return roles


def _unknown_role(ms: _Section, where: str, name: str, known: Collection[str], line: int) -> None:
    hint = difflib.get_close_matches(name, known, n=1)
    also = f"did you mean {hint[0]!r}? " if hint else ""
    ms.fail(
        f"{where}: {shown(name)} is not a role of the group ({also}the roles: {', '.join(known)})",
        line,
    )


def _member_roles(ms: _Section, known: Collection[str]) -> tuple[str, ...]:
    """`members[].roles: [chair, presenter]`: each a role of the group, or presenter."""
    names = ms.items("roles", _text, "a role such as chair, or presenter")
    lines = list(_item_lines(ms, "roles", "").values())
    for i, name in enumerate(names):
        if name not in known:
            _unknown_role(ms, f"{ms.path('roles')}[{i}]", name, known, lines[i])
    return tuple(dict.fromkeys(names))


def _member_max(ms: _Section, known: Collection[str]) -> dict[str, int]:
    """`members[].max: {chair: 2}`: at most this many of a role over the term."""
    raw = ms.data.get("max") or LineDict()
    if not isinstance(raw, dict):
        ms.fail(
            f"{ms.path('max')}: expected a mapping of role: most sessions, such as {{chair: 2}}, "
            f"found {kind(raw)}",
            ms.line("max"),
        )
    mx = _Section(ms.file, raw, ms.path("max"), ms.line("max"), list(raw))
    out = {}
    for key in mx.data:
        if str(key) not in known:
            _unknown_role(ms, mx.path(key), str(key), known, mx.line(key))
        out[str(key)] = mx.get(key, _non_negative, "a whole number")
    return out


def _choice(value: Any) -> str:
    """A preference: a date (checked to be one) or a paper id, kept as written."""
    text = _text(value)
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        return _date(text).isoformat()  # 2027-02-30 is an error, not a paper id
    return text


def _notes_url(value: Any) -> str:
    """`calendar.notes_url`: an address whose {fields} are among NOTES_FIELDS."""
    text = _url(value)
    for name in re.findall(r"\{([^{}]*)\}", text):
        if name not in NOTES_FIELDS:
            fields = ", ".join("{" + f + "}" for f in NOTES_FIELDS)
            raise ValueError(f"{{{name}}} is not one of {fields}")
    return text


def _holidays(value: Any) -> str:
    code = _text(value).upper()
    from paperclub.meetings import holiday_calendar

    holiday_calendar(code, 2026)  # raises ValueError naming what is wrong
    return code


def _library(ms: _Section, config: Path) -> Path | None:
    """`members[].library`: a file of papers beside the config (or a path from there); a
    missing one is named with the files most like it."""
    name = ms.get("library", _text, "a file of papers, such as ada.bib", None)
    if name is None:
        return None
    path = config.parent / name
    if not path.is_file():
        folder = path.parent
        files = sorted(p.name for p in folder.iterdir() if p.is_file()) if folder.is_dir() else []
        close = difflib.get_close_matches(path.name, files, n=3, cutoff=0.5)
        hint = f" (did you mean {' or '.join(repr(c) for c in close)}?)" if close else ""
        ms.fail(f"{ms.path('library')}: no such file: {path}{hint}", ms.line("library"))
    return path


def _item_lines(section: _Section, key: str, where: str) -> dict[str, int]:
    """The line of each item of a list (or of a single value) at `key`: `where[i]` -> line,
    for errors found after loading, such as a paper id the catalog does not have."""
    value = section.data.get(key)
    if isinstance(value, LineList):
        return {f"{where}[{i}]": line for i, line in enumerate(value.lines)}
    return {f"{where}[0]": section.line(key)} if section.has(key) else {}


def _seconds(value: Any) -> float:
    seconds = _number(value)
    if not 0 <= seconds <= MAX_TIME_LIMIT:
        raise TypeError
    return seconds


def _pair(value: Any) -> tuple[str, str]:
    if not isinstance(value, list) or len(value) != 2:
        raise TypeError
    return _text(value[0]), _text(value[1])


# the kinds due by a rule of their own; `role`: each role holder's note (`roles:`)
ANNOUNCE_RULES = ("term", "agenda", "presenter", "role")
SECURITY_PORTS = {"starttls": 587, "ssl": 465, "none": 25}
_RULE_UNITS = {"minute": 60, "hour": 3600, "day": 86400, "week": 7 * 86400}
RULE_EXPECTED = "`at plan`, or a time before the session such as `3 days before`"


def _rule(value: Any) -> timedelta | None:
    """`at plan` (None: due as soon as a plan exists) or `3 days before`, `12 hours before`."""
    text = " ".join(_text(value).lower().split())
    if text == "at plan":
        return None
    match = re.fullmatch(r"(\d{1,3}) (minute|hour|day|week)s? before", text)
    if not match:
        raise TypeError
    return timedelta(seconds=int(match[1]) * _RULE_UNITS[match[2]])


def _address(value: Any) -> Person:
    """`Name <addr>` or `addr`: a Person whose name may be empty. Parsed as a mail client
    reads a To: header, so what is accepted here is one address and nothing else."""
    from email.policy import default

    text = _text(value)
    if "\n" in text or "\r" in text:
        raise TypeError
    header = default.header_factory("to", text)
    if header.defects or len(header.addresses) != 1:
        raise TypeError
    address = header.addresses[0]
    return Person(address.display_name.strip(), _email(address.addr_spec))


def _announce(root: _Section, organizer: Person, slug: str) -> Announce:
    """The `announce:` section: sender, list address, SMTP server, rules, chat channels."""
    a = root.section("announce", ("from", "to", "smtp", "channels", *ANNOUNCE_RULES))
    expected_address = "an email address, or a name and address such as Ada <ada@example.org>"
    sender = a.get("from", _address, expected_address, None)
    if sender is None:
        sender = organizer
    elif not sender.name:
        sender = Person(organizer.name if sender.email == organizer.email else "", sender.email)
    to = a.get("to", _address, expected_address, None)
    smtp = None
    if a.has("smtp"):
        sm = a.section("smtp", ("host", "port", "security"))
        security = sm.get("security", _text, "starttls, ssl or none", "starttls").lower()
        if security not in SECURITY_PORTS:
            sm.fail(
                f"announce.smtp.security: {shown(security)} is not available (choose from: "
                f"{', '.join(SECURITY_PORTS)})",
                sm.line("security"),
            )
        smtp = Smtp(
            host=sm.get("host", _host, "the SMTP server's host name, such as smtp.example.org"),
            port=sm.get("port", _port, "a port number, 1 to 65535", SECURITY_PORTS[security]),
            security=security,
        )
    rules = {kind: a.get(kind, _rule, RULE_EXPECTED) for kind in ANNOUNCE_RULES if a.has(kind)}
    return Announce(
        sender=sender,
        to=to,
        smtp=smtp,
        rules=rules,
        channels=_channels(a),
        line=root.line("announce"),
    )


def _channels(a: _Section) -> tuple[Channel, ...]:
    raw = a.data.get("channels")
    if raw is None:
        return ()
    if not isinstance(raw, list):
        a.fail("announce.channels: expected a list of channels", a.line("channels"))
    channels: list[Channel] = []
    for i, entry in enumerate(raw):
        line = raw.lines[i] if isinstance(raw, LineList) else a.line("channels")
        where = f"announce.channels[{i}]"
        if not isinstance(entry, dict):
            a.fail(f"{where}: expected a mapping with a type, found {kind(entry)}", line)
        cs = _Section(a.file, entry, where, line, list(entry))
        if not cs.has("type"):
            cs.fail(
                f"{where}.type: required (slack, mattermost, discord, zulip, matrix, ...)", line
            )
        kind_ = cs.get("type", _text, "a channel type such as slack").lower()
        name = cs.get("name", _text, "a name for the channel", kind_)
        if any(c.name == name for c in channels):
            cs.fail(
                f"{where}.name: another channel is named {shown(name)}; give each a name of "
                "its own (the send log tells them apart by it)",
                cs.line("name") if cs.has("name") else line,
            )
        options = {str(k): v for k, v in entry.items() if k not in ("type", "name")}
        channels.append(Channel(type=kind_, name=name, options=options, line=line))
    return tuple(channels)


def _host(value: Any) -> str:
    text = _text(value)
    if not re.fullmatch(r"[A-Za-z0-9.:\[\]_-]+", text):
        raise TypeError
    return text


def _port(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 65535:
        raise TypeError
    return value
