"""The .ics feed, read by icalendar, three independent parsers and the khal client."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from datetime import date, datetime
from pathlib import Path

import pytest
import yaml
from icalendar import Calendar

from conftest import TODAY


@pytest.fixture
def feed(run, schedule, workspace):
    assert run("plan", str(schedule), "--today", TODAY).exit_code == 0
    path = workspace / "schedules" / "ml-systems.ics"
    shown = json.loads(run("show", str(schedule), "--json").stdout)
    return path, shown


def test_one_event_per_session_with_the_plan_s_facts(feed):
    path, shown = feed
    cal = Calendar.from_ical(path.read_bytes())
    events = {str(e["UID"]): e for e in cal.walk("VEVENT")}
    assert len(events) == len(shown["sessions"])
    plan = {s["uid"]: s for s in
            yaml.safe_load(path.with_name("ml-systems.plan.yaml").read_text())["sessions"]}
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
    found = recurring_ical_events.of(Calendar.from_ical(text)).between(date(2026, 1, 1), date(2028, 1, 1))
    assert len(found) == n


def _khal():
    path = shutil.which("khal") or os.path.join(os.path.dirname(sys.executable), "khal")
    if not os.path.exists(path):
        pytest.fail("khal is not installed: pip install -e '.[test]'")
    return path


def test_khal_imports_it_without_warnings(feed, tmp_path):
    path, shown = feed
    (tmp_path / "cal").mkdir()
    config = tmp_path / "khal.conf"
    config.write_text(
        f"[calendars]\n[[club]]\npath = {tmp_path}/cal\n"
        "[locale]\nlocal_timezone = Europe/Berlin\ndefault_timezone = Europe/Berlin\n"
        "timeformat = %H:%M\ndateformat = %Y-%m-%d\nlongdateformat = %Y-%m-%d\n"
        "datetimeformat = %Y-%m-%d %H:%M\nlongdatetimeformat = %Y-%m-%d %H:%M\n"
        f"[sqlite]\npath = {tmp_path}/khal.db\n")
    khal = _khal()
    imported = subprocess.run([khal, "-c", str(config), "import", "--batch", "-a", "club", str(path)],
                              capture_output=True, text=True, stdin=subprocess.DEVNULL)
    assert imported.returncode == 0, imported.stderr
    said = (imported.stdout + imported.stderr).lower()
    assert "warning" not in said and "error" not in said and "critical" not in said
    assert len(list((tmp_path / "cal").glob("*.ics"))) == len(shown["sessions"])
    first = shown["sessions"][0]
    day = first["start"][:10]
    listed = subprocess.run([khal, "-c", str(config), "list", "--format", "{start-time} {title}",
                             day, "1d"], capture_output=True, text=True, stdin=subprocess.DEVNULL)
    assert listed.returncode == 0, listed.stderr
    assert first["start"][11:16] in listed.stdout
    assert first["papers"][0]["title"][:30] in listed.stdout


def test_emitters_are_pure(feed):
    """The same plan renders to the same bytes, whatever the clock says."""
    from paperclub import planfile
    from paperclub.plugins import Hooks, get_plugin_manager

    path, _ = feed
    plan = planfile.load(path.with_name("ml-systems.plan.yaml"))
    hooks = Hooks(get_plugin_manager(Path.cwd()))
    assert hooks.emitters["ics"].render(plan) == path.read_bytes()
    assert hooks.emitters["markdown"].render(plan) == path.with_name("ml-systems.md").read_bytes()
