"""The .ics feeds (the group's, and each member's from `paperclub export`), read by icalendar,
three independent parsers and the khal client; and the VTIMEZONE they carry."""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import yaml
from icalendar import Calendar

from conftest import ROOT, TODAY
from paperclub import planfile
from paperclub.default_plugins.ics import IcsEmitter, vtimezone
from paperclub.feeds import member_uid
from paperclub.models import Assignment, Person, Plan, Session


@pytest.fixture
def feed(run, schedule, workspace):
    assert run("plan", str(schedule), "--today", TODAY).exit_code == 0
    path = workspace / "schedules" / "ml-systems.ics"
    shown = json.loads(run("show", str(schedule), "--json").stdout)
    return path, shown


@pytest.fixture
def feeds(run, feed, workspace):
    """The plan given a group page, a 30-minute reminder and paper links (edited into the plan
    file, as `paperclub plan` would write them), then exported: the group's feed and every
    presenter's. {None: group feed, name: member feed}, and the plan file's data."""
    path, _ = feed
    plan_file = path.with_name("ml-systems.plan.yaml")
    data = yaml.safe_load(plan_file.read_text())
    data["url"] = "https://example.org/ml-systems"
    data["alarm"] = "30m"
    for n, session in enumerate(data["sessions"]):
        for k, paper in enumerate(session["papers"]):
            if (n + k) % 3:  # some papers keep no links
                paper["links"] = {
                    "abs": f"https://arxiv.org/abs/2501.{n:03d}{k}",
                    "code": f"https://github.com/example/p{n}-{k}",
                }
    plan_file.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True))
    out = workspace / "out"
    assert run("export", str(plan_file), "-o", str(out / "group.ics")).exit_code == 0
    assert run("export", str(plan_file), "--all-members", "-o", str(out)).exit_code == 0
    names = sorted({p["presenter"] for s in data["sessions"] for p in s["papers"]})
    files = {None: out / "group.ics"}
    files.update({name: out / f"ml-systems-{name.lower().replace(' ', '-')}.ics" for name in names})
    assert sorted(out.iterdir()) == sorted(files.values())
    return files, data


def _sessions_of(data, member):
    return [
        s
        for s in data["sessions"]
        if member is None or any(p["presenter"] == member for p in s["papers"])
    ]


def test_one_event_per_session_with_the_plan_s_facts(feed):
    path, shown = feed
    cal = Calendar.from_ical(path.read_bytes())
    events = {str(e["UID"]): e for e in cal.walk("VEVENT")}
    assert len(events) == len(shown["sessions"])
    plan = {
        s["uid"]: s
        for s in yaml.safe_load(path.with_name("ml-systems.plan.yaml").read_text())["sessions"]
    }
    assert set(events) == set(plan)
    for uid, event in events.items():
        session = plan[uid]
        assert event.decoded("DTSTART") == datetime.fromisoformat(session["start"])
        assert event.decoded("DTEND") == datetime.fromisoformat(session["end"])
        assert event["DTSTART"].params["TZID"] == shown["group"]["timezone"]
        assert int(event["SEQUENCE"]) == session["sequence"]
        assert str(event["STATUS"]) == "CONFIRMED"
        for paper in session["papers"]:
            assert paper["title"] in str(event["DESCRIPTION"])
            assert paper["presenter"] in str(event["DESCRIPTION"])
        stamp = event.decoded("DTSTAMP")
        assert stamp == datetime.fromisoformat(session["modified"].replace("Z", "+00:00"))


def test_feed_follows_the_calendar_rules(feed):
    path, _ = feed
    raw = path.read_bytes()
    assert b"\n" not in raw.replace(b"\r\n", b"")  # CRLF only
    for line in raw.split(b"\r\n"):
        assert len(line) <= 75
        line.decode("utf-8")  # a fold never splits a character
    cal = Calendar.from_ical(raw)
    assert cal.to_ical() == raw  # icalendar re-serialises it byte for byte
    assert str(cal["METHOD"]) == "PUBLISH"
    assert str(cal["X-WR-CALNAME"]) == str(cal["NAME"])
    assert cal.get_missing_tzids() == set()
    for event in cal.walk("VEVENT"):
        assert "ORGANIZER" in event and "ATTENDEE" not in event
        assert event.errors == []


def test_independent_parsers_read_it(feed):
    import ics
    import recurring_ical_events
    import vobject
    from ical.calendar_stream import IcsCalendarStream

    path, shown = feed
    text = path.read_text(encoding="utf-8")
    n = len(shown["sessions"])
    assert len(vobject.readOne(text, validate=True).vevent_list) == n
    assert len(ics.Calendar(text).events) == n
    stream = IcsCalendarStream.calendar_from_ics(text)
    assert len(stream.events) == n
    found = recurring_ical_events.of(Calendar.from_ical(text)).between(
        date(2026, 1, 1), date(2028, 1, 1)
    )
    assert len(found) == n


def test_independent_parsers_read_every_exported_feed_with_url_and_alarm(feeds):
    """vobject, ics and ical (no icalendar code in any) agree on each feed: the events, their
    start instants (a member's turns: their days), URL and reminder (the group's events only:
    a member who subscribes to both gets one reminder per session)."""
    import ics
    import vobject
    from ical.calendar_stream import IcsCalendarStream

    files, data = feeds
    for member, path in files.items():
        text = path.read_text(encoding="utf-8")
        sessions = _sessions_of(data, member)
        starts = sorted(datetime.fromisoformat(s["start"]) for s in sessions)
        if member is not None:
            starts = [start.date() for start in starts]
        alarms = [("DISPLAY", -timedelta(minutes=30))] if member is None else []
        assert sessions, member

        v = vobject.readOne(text, validate=True)
        assert sorted(e.dtstart.value for e in v.vevent_list) == starts
        for e in v.vevent_list:
            assert e.url.value == data["url"]
            assert [
                (a.action.value, a.trigger.value) for a in e.contents.get("valarm", [])
            ] == alarms
            assert all(a.description.value for a in e.contents.get("valarm", []))

        parsed = ics.Calendar(text)
        assert (
            sorted(e.begin.datetime if member is None else e.begin.date() for e in parsed.events)
            == starts
        )
        assert all(e.all_day == (member is not None) for e in parsed.events)
        assert {e.url for e in parsed.events} == {data["url"]}
        assert all([a.trigger for a in e.alarms] == [t for _, t in alarms] for e in parsed.events)

        stream = IcsCalendarStream.calendar_from_ics(text)
        assert sorted(e.dtstart for e in stream.events) == starts
        for e in stream.events:
            assert e.url == data["url"]
            assert [(a.action, a.trigger) for a in e.alarm] == alarms


def test_member_feeds_hold_exactly_the_member_s_sessions_under_uids_of_their_own(feeds):
    files, data = feeds
    group = Calendar.from_ical(files[None].read_bytes())
    assert {str(e["UID"]) for e in group.walk("VEVENT")} == {s["uid"] for s in data["sessions"]}
    seen = {str(e["UID"]) for e in group.walk("VEVENT")}
    for member, path in files.items():
        if member is None:
            continue
        cal = Calendar.from_ical(path.read_bytes())
        assert str(cal["X-WR-CALNAME"]) == str(cal["NAME"]) == f"{data['group']} — {member}"
        events = {str(e["UID"]): e for e in cal.walk("VEVENT")}
        mine = _sessions_of(data, member)
        assert set(events) == {member_uid(s["uid"], member) for s in mine}
        assert not set(events) & seen  # no UID of the group's or another member's feed
        seen |= set(events)
        for s in mine:
            event = events[member_uid(s["uid"], member)]
            assert event.decoded("DTSTART") == datetime.fromisoformat(s["start"]).date()
            assert int(event["SEQUENCE"]) == s["sequence"]
            titles = [p["title"] for p in s["papers"] if p["presenter"] == member]
            assert str(event["SUMMARY"]) == "Your turn: present " + "; ".join(titles)
            assert "CONTACT" not in event and "CATEGORIES" not in event


def test_description_lists_each_paper_with_its_links_presenter_and_topics(feeds):
    files, data = feeds
    cal = Calendar.from_ical(files[None].read_bytes())
    events = {str(e["UID"]): e for e in cal.walk("VEVENT")}
    for s in data["sessions"]:
        text = str(events[s["uid"]]["DESCRIPTION"])
        for paper in s["papers"]:
            assert paper["title"] in text
            assert paper["presenter"] in text
            for url in paper["links"].values():
                assert url in text
            if paper["topics"]:
                assert ", ".join(paper["topics"]) in text


def _plan(sessions: list[Session], **kw) -> Plan:
    return Plan(
        group="G",
        slug="g",
        timezone=kw.pop("timezone", "Europe/Berlin"),
        organizer=Person("O", "o@example.org"),
        sessions=sessions,
        **kw,
    )


def _session(n: int, start: datetime, papers: list[Assignment], **kw) -> Session:
    stamp = datetime(2026, 1, 1, tzinfo=timezone.utc)
    return Session(
        id=f"s{n}",
        uid=f"uid-{n}",
        start=start,
        end=start + timedelta(hours=1),
        modified=stamp,
        papers=papers,
        **kw,
    )


def test_event_url_is_the_group_page_else_the_first_abstract():
    start = datetime(2026, 12, 3, 16, tzinfo=ZoneInfo("Europe/Berlin"))
    sessions = [
        _session(
            1,
            start,
            [
                Assignment("a", "A", links={"code": "https://c/a"}),
                Assignment("b", "B", links={"abs": "https://arxiv.org/abs/b"}),
            ],
        ),
        _session(2, start + timedelta(days=7), [Assignment("c", "C")]),
    ]
    cal = Calendar.from_ical(IcsEmitter().render(_plan(sessions)))
    urls = {str(e["UID"]): e.get("URL") for e in cal.walk("VEVENT")}
    assert str(urls["uid-1"]) == "https://arxiv.org/abs/b" and urls["uid-2"] is None
    cal = Calendar.from_ical(IcsEmitter().render(_plan(sessions, url="https://example.org/g")))
    assert {str(e["URL"]) for e in cal.walk("VEVENT")} == {"https://example.org/g"}


def test_alarm_only_when_the_plan_has_one_and_not_on_cancelled_sessions():
    start = datetime(2026, 12, 3, 16, tzinfo=ZoneInfo("Europe/Berlin"))
    sessions = [
        _session(1, start, [Assignment("a", "A")]),
        _session(2, start + timedelta(days=7), [], status="cancelled"),
    ]
    assert b"VALARM" not in IcsEmitter().render(_plan(sessions))
    raw = IcsEmitter().render(_plan(sessions, alarm=timedelta(hours=1)))
    events = {str(e["UID"]): e for e in Calendar.from_ical(raw).walk("VEVENT")}
    (alarm,) = events["uid-1"].walk("VALARM")
    assert b"TRIGGER:-PT1H\r\n" in raw and str(alarm["ACTION"]) == "DISPLAY"
    assert str(alarm["DESCRIPTION"]) == "G: A"
    assert events["uid-2"].walk("VALARM") == []


# -- VTIMEZONE ---------------------------------------------------------------------------------


def _zone_plan(name: str, first: int, last: int) -> Plan:
    """Sessions every Sunday of the years first..last at 00:30, 12:30 and 23:30 local time:
    the days most zones change their clocks. Times that do not exist on those days move to
    where zoneinfo puts them; times that occur twice are left out."""
    zone = ZoneInfo(name)
    sessions = []
    day = date(first, 1, 1) + timedelta(days=(6 - date(first, 1, 1).weekday()))
    while day.year <= last:
        for hour in (0, 12, 23):
            local = datetime(day.year, day.month, day.day, hour, 30, tzinfo=zone)
            if local.utcoffset() != local.replace(fold=1).utcoffset():
                continue  # ambiguous (or non-existent) wall-clock time
            sessions.append(
                _session(
                    len(sessions),
                    local.astimezone(timezone.utc).astimezone(zone),
                    [Assignment("p", "P")],
                )
            )
        day += timedelta(days=7)
    return _plan(sessions, timezone=name)


def _vtimezone(raw: bytes) -> list[tuple]:
    """Each observance of the feed's one VTIMEZONE: (kind, RRULE, from, to, RDATE lines)."""
    (tz,) = Calendar.from_ical(raw).walk("VTIMEZONE")
    out = []
    for c in tz.subcomponents:
        rdates = c.get("RDATE", [])
        out.append(
            (
                c.name,
                c["RRULE"].to_ical().decode() if "RRULE" in c else None,
                str(c["TZOFFSETFROM"].to_ical()),
                str(c["TZOFFSETTO"].to_ical()),
                len(rdates) if isinstance(rdates, list) else 1,
            )
        )
    return out


ZONES = [
    # zone, years, the observances: (kind, RRULE, from, to, RDATE lines)
    (
        "Europe/Berlin",
        (2026, 2027),
        [
            ("DAYLIGHT", "FREQ=YEARLY;BYDAY=-1SU;BYMONTH=3", "+0100", "+0200", 0),
            ("STANDARD", "FREQ=YEARLY;BYDAY=-1SU;BYMONTH=10", "+0200", "+0100", 0),
        ],
    ),
    (
        "America/New_York",
        (2026, 2027),
        [
            ("DAYLIGHT", "FREQ=YEARLY;BYDAY=2SU;BYMONTH=3", "-0500", "-0400", 0),
            ("STANDARD", "FREQ=YEARLY;BYDAY=1SU;BYMONTH=11", "-0400", "-0500", 0),
        ],
    ),
    (
        "Australia/Sydney",
        (2026, 2027),
        [  # southern hemisphere: summer time over new year
            ("STANDARD", "FREQ=YEARLY;BYDAY=1SU;BYMONTH=4", "+1100", "+1000", 0),
            ("DAYLIGHT", "FREQ=YEARLY;BYDAY=1SU;BYMONTH=10", "+1000", "+1100", 0),
        ],
    ),
    ("Asia/Kolkata", (2026, 2027), [("STANDARD", None, "+0530", "+0530", 0)]),
    ("America/Sao_Paulo", (2026, 2027), [("STANDARD", None, "-0300", "-0300", 0)]),
    # Brazil dropped daylight saving in 2019: no yearly rule spans 2017-2019, so every change
    # is listed (RDATE), one per line
    (
        "America/Sao_Paulo",
        (2018, 2019),
        [
            ("DAYLIGHT", None, "-0200", "-0200", 0),
            ("STANDARD", None, "-0200", "-0300", 2),
            ("DAYLIGHT", None, "-0300", "-0200", 1),
        ],
    ),
]


@pytest.mark.parametrize("name,years,expected", ZONES, ids=[f"{z}-{y[0]}" for z, y, _ in ZONES])
def test_vtimezone_is_in_rrule_form_and_resolves_every_start(name, years, expected):
    """The VTIMEZONE alone gives each DTSTART its UTC instant: the TZID is renamed to one no
    library knows, so icalendar and vobject must read the rules in the file (both through
    dateutil's tzical), and ical (an implementation of its own) too where it can."""
    import vobject
    from ical.calendar_stream import IcsCalendarStream

    plan = _zone_plan(name, *years)
    raw = IcsEmitter().render(plan)
    assert _vtimezone(raw) == expected
    assert Calendar.from_ical(raw).to_ical() == raw
    expected_utc = {s.uid: s.start.astimezone(timezone.utc) for s in plan.sessions}

    # a TZID of its own per case: the libraries cache a zone by its TZID
    text = raw.decode().replace(name, f"Paperclub/{name}-{years[0]}")
    cal = Calendar.from_ical(text)
    got = {str(e["UID"]): e.decoded("DTSTART").astimezone(timezone.utc) for e in cal.walk("VEVENT")}
    assert got == expected_utc
    v = vobject.readOne(text, validate=True)
    got = {e.uid.value: e.dtstart.value.astimezone(timezone.utc) for e in v.vevent_list}
    assert got == expected_utc
    # ical takes an observance's onsets from RRULE and RDATE only, not from DTSTART alone, so
    # it reads a zone without a rule only by its TZID
    stream = IcsCalendarStream.calendar_from_ics(text if expected[0][1] else raw.decode())
    got = {e.uid: e.dtstart.astimezone(timezone.utc) for e in stream.events}
    assert got == expected_utc


@pytest.mark.parametrize(
    "name",
    [
        "Europe/Berlin",
        "America/New_York",
        "Australia/Sydney",
        "Asia/Kolkata",
        "Australia/Lord_Howe",
    ],
)
def test_vtimezone_rules_match_the_tzif_rule_ical_reads(name):
    """ical derives a zone's RRULEs from the POSIX rule at the end of its TZif file; paperclub
    scans the transitions: the rules agree (Lord Howe moves its clocks by half an hour)."""
    from ical.timezone import Timezone

    ours = vtimezone(name, date(2026, 12, 3), date(2027, 3, 4))
    assert all("RDATE" not in c for c in ours.subcomponents)
    theirs = Timezone.from_tzif(name)
    assert sorted(
        (
            c.name,
            c.get("RRULE").to_ical().decode() if "RRULE" in c else None,
            c.decoded("TZOFFSETFROM"),
            c.decoded("TZOFFSETTO"),
            str(c["TZNAME"]),
        )
        for c in ours.subcomponents
    ) == sorted(
        (
            kind,
            o.rrule.as_rrule_str() if o.rrule else None,
            o.tz_offset_from.offset,
            o.tz_offset_to.offset,
            o.tz_name[0].strip("<>"),
        )  # ical keeps POSIX's <+11> quotes
        for kind, observances in (("STANDARD", theirs.standard), ("DAYLIGHT", theirs.daylight))
        for o in observances
    )


def _khal():
    path = shutil.which("khal") or os.path.join(os.path.dirname(sys.executable), "khal")
    if not os.path.exists(path):
        pytest.fail("khal is not installed: pip install -e '.[test]'")
    return path


def _khal_import(path, tmp_path, name):
    """Import one .ics into a fresh khal calendar; khal's config, calendar folder and database
    live in tmp_path/name."""
    root = tmp_path / name
    (root / "cal").mkdir(parents=True)
    config = root / "khal.conf"
    config.write_text(
        f"[calendars]\n[[club]]\npath = {root}/cal\n"
        "[locale]\nlocal_timezone = Europe/Berlin\ndefault_timezone = Europe/Berlin\n"
        "timeformat = %H:%M\ndateformat = %Y-%m-%d\nlongdateformat = %Y-%m-%d\n"
        "datetimeformat = %Y-%m-%d %H:%M\nlongdatetimeformat = %Y-%m-%d %H:%M\n"
        f"[sqlite]\npath = {root}/khal.db\n"
    )
    khal = _khal()
    imported = subprocess.run(
        [khal, "-c", str(config), "import", "--batch", "-a", "club", str(path)],
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
    )
    assert imported.returncode == 0, imported.stderr
    said = (imported.stdout + imported.stderr).lower()
    assert "warning" not in said and "error" not in said and "critical" not in said, said

    def listed(day: str, span: str = "1d") -> str:
        done = subprocess.run(
            [
                khal,
                "-c",
                str(config),
                "list",
                "--format",
                "{start-date} {start-time} {title}",
                day,
                span,
            ],
            capture_output=True,
            text=True,
            stdin=subprocess.DEVNULL,
        )
        assert done.returncode == 0, done.stderr
        return done.stdout

    return root / "cal", listed


def test_khal_imports_it_without_warnings(feed, tmp_path):
    path, shown = feed
    folder, listed = _khal_import(path, tmp_path, "group")
    assert len(list(folder.glob("*.ics"))) == len(shown["sessions"])
    first = shown["sessions"][0]
    out = listed(first["start"][:10])
    assert first["start"][11:16] in out
    assert first["papers"][0]["title"][:30] in out


def test_khal_imports_every_exported_feed_without_warnings(feeds, tmp_path):
    files, data = feeds
    for n, (member, path) in enumerate(files.items()):
        folder, listed = _khal_import(path, tmp_path, f"feed{n}")
        sessions = _sessions_of(data, member)
        assert len(list(folder.glob("*.ics"))) == len(sessions), member
        first = date.fromisoformat(sessions[0]["start"][:10])
        days = (date.fromisoformat(sessions[-1]["start"][:10]) - first).days + 1
        out = listed(first.isoformat(), f"{days}d")  # every session of the feed, one a line
        lines = [line for line in out.splitlines() if line[:4].isdigit()]
        assert len(lines) == len(sessions), (member, out)
        for line, s in zip(lines, sessions):
            if member is None:
                assert line.startswith(f"{s['start'][:10]} {s['start'][11:16]} ")
                assert s["papers"][0]["title"][:30] in line
            else:  # an all-day turn: no start time
                assert line.startswith(f"{s['start'][:10]}  Your turn: present ")


def test_emitters_are_pure(feed):
    """The same plan renders to the same bytes, whatever the clock says."""
    from paperclub.plugins import Hooks, get_plugin_manager

    path, _ = feed
    plan = planfile.load(path.with_name("ml-systems.plan.yaml"))
    hooks = Hooks(get_plugin_manager(Path.cwd()))
    assert hooks.emitters["ics"].render(plan) == path.read_bytes()
    assert hooks.emitters["markdown"].render(plan) == path.with_name("ml-systems.md").read_bytes()


def test_vtimezone_names_the_summer_observance_daylight_whatever_zoneinfo_s_sign():
    """tzdata gives Ireland a negative daylight saving in winter; clients expect IST (summer,
    +0100) as DAYLIGHT and GMT as STANDARD, and get it."""
    tz = vtimezone("Europe/Dublin", date(2026, 12, 3), date(2027, 3, 4))
    assert sorted(
        (c.name, str(c["TZNAME"]), c.decoded("TZOFFSETTO")) for c in tz.subcomponents
    ) == [("DAYLIGHT", "IST", timedelta(hours=1)), ("STANDARD", "GMT", timedelta(0))]


def test_config_url_and_alarm_reach_the_feed(run, schedule, workspace):
    config = yaml.safe_load(Path(schedule).read_text())
    config["group"]["url"] = "https://example.org/ml-systems"
    config["calendar"] = {"alarm": "45m"}
    Path(schedule).write_text(yaml.safe_dump(config, allow_unicode=True))
    assert run("plan", str(schedule), "--today", TODAY).exit_code == 0
    cal = Calendar.from_ical((workspace / "schedules" / "ml-systems.ics").read_bytes())
    for event in cal.walk("VEVENT"):
        assert str(event["URL"]) == "https://example.org/ml-systems"
        (alarm,) = event.walk("VALARM")
        assert alarm.decoded("TRIGGER") == -timedelta(minutes=45)


def test_the_vtimezone_calendar_md_shows_is_the_one_written(feed):
    path, _ = feed
    doc = (ROOT / "docs" / "calendar.md").read_text()
    block = re.search(r"```\n(BEGIN:VTIMEZONE\n.*?END:VTIMEZONE\n)```", doc, re.DOTALL).group(1)
    assert block.replace("\n", "\r\n").encode() in path.read_bytes()


# -- cancelled sessions, and a member subscribed to both feeds --------------------------------


def test_a_cancelled_session_says_so_and_where_its_papers_went():
    """Not its papers and presenters as if it were still on: `Cancelled:` first, where each
    paper is now, and no presenters, topics or reminder."""
    start = datetime(2026, 12, 3, 16, tzinfo=ZoneInfo("Europe/Berlin"))
    sessions = [
        _session(
            1,
            start,
            [Assignment("a", "A", ["t"], "Ada"), Assignment("b", "B", ["u"], "Bob")],
            status="cancelled",
            sequence=1,
        ),
        _session(2, start + timedelta(days=7), [Assignment("a", "A", ["t"], "Cy")]),
    ]
    cal = Calendar.from_ical(IcsEmitter().render(_plan(sessions, alarm=timedelta(minutes=30))))
    events = {str(e["UID"]): e for e in cal.walk("VEVENT")}
    event = events["uid-1"]
    assert str(event["STATUS"]) == "CANCELLED" and int(event["SEQUENCE"]) == 1
    assert str(event["SUMMARY"]) == "Cancelled: G"
    assert str(event["DESCRIPTION"]) == (
        "This session is cancelled. Its papers:\n"
        "1. A\n   Moved to Thu 10 Dec 2026, 16:00–17:00 (Europe/Berlin)\n"
        "2. B\n   No longer planned"
    )
    assert "CONTACT" not in event and "CATEGORIES" not in event and not event.walk("VALARM")
    assert str(events["uid-2"]["SUMMARY"]) == "G: A" and events["uid-2"].walk("VALARM")


def _bodies(path: Path) -> dict[str, tuple[int, list[str]]]:
    """Each event of a feed: its SEQUENCE, and its lines but the sequence and the stamps."""
    out = {}
    for event in Calendar.from_ical(path.read_bytes()).walk("VEVENT"):
        lines = event.to_ical().decode().replace("\r\n ", "").split("\r\n")
        out[str(event["UID"])] = (
            int(event["SEQUENCE"]),
            [
                line
                for line in lines
                if not line.startswith(("SEQUENCE:", "DTSTAMP:", "LAST-MODIFIED:"))
            ],
        )
    return out


def test_a_replan_raises_the_sequence_of_every_event_it_changes(run, schedule, workspace):
    """A date is skipped: its session is cancelled, its papers move. Then the date they moved
    to is skipped too: they move again, and so the first cancelled session's description
    (where its papers went) changes; its SEQUENCE rises with it, as every changed event's."""
    feed = workspace / "schedules" / "ml-systems.ics"
    plan_file = workspace / "schedules" / "ml-systems.plan.yaml"

    def replan(skip: date | None = None):
        if skip is not None:
            config = yaml.safe_load(Path(schedule).read_text())
            config["meetings"]["skip"] = [*config["meetings"]["skip"], skip]
            Path(schedule).write_text(yaml.safe_dump(config, sort_keys=False, allow_unicode=True))
        assert run("plan", str(schedule), "--today", TODAY).exit_code == 0
        return planfile.load(plan_file), _bodies(feed)

    plan, first = replan()
    gone = plan.sessions[1]
    plan, second = replan(gone.start.date())
    cancelled = next(s for s in plan.sessions if s.id == gone.id)
    assert cancelled.cancelled and cancelled.sequence == gone.sequence + 1
    event = second[gone.uid][1]
    assert any(line.startswith("SUMMARY:Cancelled: ") for line in event)
    assert not any(line.startswith("CONTACT") for line in event)
    (_, to), *_ = plan.moves(cancelled)
    assert to is not None  # the planner kept the paper: it moved
    plan, third = replan(to.start.date())
    again = next(s for s in plan.sessions if s.id == gone.id)
    assert again.sequence == cancelled.sequence + 1
    for old, new in ((first, second), (second, third)):
        assert set(old) <= set(new)  # never deleted
        for uid, (sequence, body) in old.items():
            if new[uid][1] != body:
                assert new[uid][0] > sequence, (uid, body, new[uid][1])


def _documented_khal() -> tuple[list[str], list[str], str]:
    """The khal commands of docs/calendar.md's member feeds section and the listing shown."""
    text = (ROOT / "docs" / "calendar.md").read_text().split("## Member feeds")[1]
    block, listing = re.search(
        r"```sh\n(khal import.*?)```\n\n```\n(.*?)```", text, re.DOTALL
    ).groups()
    lines = [shlex.split(line) for line in block.splitlines()]
    return (
        [line for line in lines if line[1] == "import"],
        next(line for line in lines if line[1] == "list"),
        listing,
    )


def test_khal_shows_a_member_subscribed_to_both_feeds_each_session_once(
    run, schedule, workspace, tmp_path
):
    """docs/calendar.md: a member who subscribes to the group's feed and their own sees each
    session once, with one reminder, and their turns as all-day notes. Both feeds go into one
    real khal (its config and data under tmp_path), as the docs show, and khal lists what
    the docs say, and that listing itself."""
    config = yaml.safe_load(Path(schedule).read_text())
    config["calendar"] = {"alarm": "30m"}
    Path(schedule).write_text(yaml.safe_dump(config, sort_keys=False, allow_unicode=True))
    assert run("plan", str(schedule), "--today", TODAY).exit_code == 0
    assert run("export", str(schedule), "--member", "Ada Lovelace", "-o", "ada.ics").exit_code == 0
    root = tmp_path / "khal"
    calendars = "".join(f"[[{name}]]\npath = {root}/{name}\n" for name in ("ml-systems", "ada"))
    for name in ("ml-systems", "ada"):
        (root / name).mkdir(parents=True)
    conf = root / "khal.conf"
    conf.write_text(
        f"[calendars]\n{calendars}"
        "[locale]\nlocal_timezone = Europe/Berlin\ndefault_timezone = Europe/Berlin\n"
        "timeformat = %H:%M\ndateformat = %Y-%m-%d\nlongdateformat = %Y-%m-%d\n"
        "datetimeformat = %Y-%m-%d %H:%M\nlongdatetimeformat = %Y-%m-%d %H:%M\n"
        f"[sqlite]\npath = {root}/khal.db\n"
    )

    def khal(*args: str) -> str:
        done = subprocess.run(
            [_khal(), "-c", str(conf), *args],
            capture_output=True,
            text=True,
            stdin=subprocess.DEVNULL,
            cwd=workspace,
        )
        assert done.returncode == 0, done.stderr
        said = done.stderr.lower()
        assert "warning" not in said and "error" not in said, said
        return done.stdout

    imports, listing_command, listing = _documented_khal()
    for command in imports:
        khal(*command[1:])
    assert khal(*listing_command[1:]) == listing

    # the whole term, day by day, as data
    plan = planfile.load(workspace / "schedules" / "ml-systems.plan.yaml")
    fields = [
        a
        for f in ("calendar", "title", "all-day", "start-time", "alarms-list", "status")
        for a in ("--json", f)
    ]
    first, last = plan.sessions[0].start.date(), plan.sessions[-1].start.date()
    days = [
        json.loads(line)
        for line in khal(
            "list", "--day-format", "", *fields, first.isoformat(), f"{(last - first).days + 1}d"
        ).splitlines()
        if line
    ]
    shown = {}
    for events in days:
        for e in events:
            shown.setdefault(e["calendar"], []).append(e)
    assert len(shown["ml-systems"]) == len(plan.sessions)
    for e in shown["ml-systems"]:
        assert e["all-day"] == "False" and e["start-time"] == "16:00"
        assert [a["delta"] for a in e["alarms-list"]] == [-1800.0]  # one reminder
    mine = [s for s in plan.sessions if "Ada Lovelace" in s.presenters]
    assert [e["title"] for e in shown["ada"]] == [
        "Your turn: present "
        + "; ".join(a.title for a in s.papers if a.presenter == "Ada Lovelace")
        for s in mine
    ]
    for e in shown["ada"]:
        assert e["all-day"] == "True" and e["alarms-list"] == [] and e["status"] == "CONFIRMED"
    for events in days:  # a session's title once a day, from the group's calendar
        titles = [e["title"] for e in events if e["calendar"] == "ml-systems"]
        assert len(titles) <= 1 and all(
            t not in e["title"] for t in titles for e in events if e["calendar"] == "ada"
        )
