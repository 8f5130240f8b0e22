"""`paperclub publish` against a real CalDAV server: Radicale, started on 127.0.0.1 for these
tests, with a plain htpasswd file so a user and password log in. The events are read back with
the caldav library, independently of paperclub's own listing."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import caldav
import pytest
import yaml
from icalendar import Calendar

from conftest import TODAY
from paperclub import planfile
from paperclub import publish as publishing
from paperclub.errors import PaperclubError
from paperclub.plugins import Hooks, get_plugin_manager

USER, PASSWORD = "ada", "s3cret-Pa55"
OTHER, OTHER_PASSWORD = "bob", "bobs-Pa55"
WRONG = "wr0ng-Pa55word"


def builtin_hooks() -> Hooks:
    """The built-in plugins, as `paperclub publish` calls them."""
    return Hooks(get_plugin_manager())


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Radicale:
    def __init__(self, root: Path):
        self.root = root
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        users = root / "users"
        users.write_text(f"{USER}:{PASSWORD}\n{OTHER}:{OTHER_PASSWORD}\n")
        self.log = root / "radicale.log"
        with open(self.log, "wb") as log:
            self.process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "radicale",
                    "--config",
                    "",
                    "--storage-filesystem-folder",
                    str(root / "collections"),
                    "--server-hosts",
                    f"127.0.0.1:{self.port}",
                    "--auth-type",
                    "htpasswd",
                    "--auth-htpasswd-filename",
                    str(users),
                    "--auth-htpasswd-encryption",
                    "plain",
                    "--auth-delay",
                    "0",
                    "--rights-type",
                    "owner_only",
                    "--logging-level",
                    "warning",
                ],
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
            )
        self.wait()

    def wait(self) -> None:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                pytest.fail(
                    f"radicale exited with {self.process.returncode}:\n{self.log.read_text()}"
                )
            try:
                urllib.request.urlopen(self.url + "/", timeout=1).close()
                return
            except urllib.error.HTTPError:
                return  # it answers (401 without credentials)
            except OSError:
                time.sleep(0.1)
        self.stop()
        pytest.fail(f"radicale did not answer within 30 s:\n{self.log.read_text()}")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def client(self, user: str = USER, password: str = PASSWORD) -> caldav.DAVClient:
        return caldav.DAVClient(url=self.url + "/", username=user, password=password)


@pytest.fixture(scope="module")
def radicale(tmp_path_factory):
    server = Radicale(tmp_path_factory.mktemp("radicale"))
    yield server
    server.stop()


@pytest.fixture(autouse=True)
def no_credentials(monkeypatch, tmp_path):
    """Neither the user's environment nor their ~/.netrc reaches these tests."""
    monkeypatch.delenv(publishing.USER_ENV, raising=False)
    monkeypatch.delenv(publishing.PASSWORD_ENV, raising=False)
    monkeypatch.setenv("NETRC", str(tmp_path / "no-netrc"))
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")


@pytest.fixture
def logged_in(monkeypatch):
    monkeypatch.setenv(publishing.USER_ENV, USER)
    monkeypatch.setenv(publishing.PASSWORD_ENV, PASSWORD)


_calendars = iter(range(10**6))


@pytest.fixture
def calendar(radicale):
    """A new, empty calendar of ada's on the server, for one test."""
    cal_id = f"club-{next(_calendars)}"
    made = radicale.client().principal().make_calendar(name="ML Systems", cal_id=cal_id)
    url = str(made.url)
    return url if url.endswith("/") else url + "/"


@pytest.fixture
def planned(run, schedule):
    result = run("plan", str(schedule), "--today", TODAY)
    assert result.exit_code == 0, result
    return schedule


def plan_sessions(schedule) -> dict:
    return {s.uid: s for s in planfile.load(planfile.plan_path(Path(schedule))).sessions}


def server_events(radicale, url) -> dict:
    """UID -> (resource URL, raw data, the parsed VCALENDAR), read with the caldav library."""
    events = {}
    for event in radicale.client().calendar(url=url).events():
        data = event.data if isinstance(event.data, str) else event.data.decode()
        parsed = Calendar.from_ical(data)
        vevents = parsed.walk("VEVENT")
        assert len(vevents) == 1, data
        uid = str(vevents[0]["UID"])
        assert uid not in events, f"two resources hold {uid}"
        events[uid] = (str(event.url), data, parsed)
    return events


def vevent(parsed):
    return parsed.walk("VEVENT")[0]


def publish(run, schedule, url, *args):
    result = run("publish", str(schedule), "--url", url, *args)
    assert "Traceback" not in result.stdout + result.stderr
    return result


def test_publish_puts_one_event_per_session(run, planned, radicale, calendar, logged_in):
    result = publish(run, planned, calendar)
    assert result.exit_code == 0, result
    sessions = plan_sessions(planned)
    assert f"{len(sessions)} created, 0 updated, 0 unchanged, 0 deleted" in result.stdout

    events = server_events(radicale, calendar)
    assert set(events) == set(sessions)
    for uid, (href, data, parsed) in events.items():
        assert href.endswith(f"/{uid}.ics")
        assert "METHOD" not in data
        assert "paperclub" in str(parsed["PRODID"])
        assert [c.name for c in parsed.subcomponents] == ["VTIMEZONE", "VEVENT"]
        event = vevent(parsed)
        assert int(event["SEQUENCE"]) == sessions[uid].sequence
        assert str(event["STATUS"]) == "CONFIRMED"
        assert event.decoded("DTSTART") == sessions[uid].start


def test_publishing_again_changes_nothing(run, planned, radicale, calendar, logged_in):
    assert publish(run, planned, calendar).exit_code == 0
    before = {uid: data for uid, (_, data, _) in server_events(radicale, calendar).items()}
    result = publish(run, planned, calendar)
    assert result.exit_code == 0, result
    n = len(plan_sessions(planned))
    assert f"0 created, 0 updated, {n} unchanged, 0 deleted" in result.stdout
    after = {uid: data for uid, (_, data, _) in server_events(radicale, calendar).items()}
    assert after == before


def test_a_replanned_term_updates_the_events(
    run, planned, radicale, calendar, logged_in, workspace
):
    assert publish(run, planned, calendar).exit_code == 0
    first = plan_sessions(planned)
    config = workspace / planned
    text = config.read_text()
    assert "skip: [2026-12-24, 2026-12-31]" in text
    config.write_text(
        text.replace("skip: [2026-12-24, 2026-12-31]", "skip: [2026-12-24, 2026-12-31, 2027-01-14]")
    )
    assert run("plan", str(planned), "--today", TODAY).exit_code == 0
    second = plan_sessions(planned)
    cancelled = [uid for uid, s in second.items() if s.status == "cancelled"]
    assert len(cancelled) == 1 and cancelled[0] in first
    changed = [uid for uid in first if second[uid].sequence != first[uid].sequence]
    new = set(second) - set(first)

    result = publish(run, planned, calendar)
    assert result.exit_code == 0, result
    assert (
        f"{len(new)} created, {len(changed)} updated, "
        f"{len(second) - len(new) - len(changed)} unchanged, 0 deleted"
    ) in result.stdout
    assert "cancelled" in result.stdout

    events = server_events(radicale, calendar)
    assert set(events) == set(second)  # same UIDs: nothing duplicated, the cancelled one kept
    event = vevent(events[cancelled[0]][2])
    assert str(event["STATUS"]) == "CANCELLED"
    assert int(event["SEQUENCE"]) == second[cancelled[0]].sequence > first[cancelled[0]].sequence
    for uid, s in second.items():
        assert int(vevent(events[uid][2])["SEQUENCE"]) == s.sequence


def test_dry_run_changes_nothing(run, planned, radicale, calendar, logged_in, workspace):
    n = len(plan_sessions(planned))
    result = publish(run, planned, calendar, "--dry-run")
    assert result.exit_code == 0, result
    assert result.stdout.count("would create") == n
    assert f"{n} created, 0 updated, 0 unchanged, 0 deleted" in result.stdout
    assert "nothing changed" in result.stdout.lower()
    assert server_events(radicale, calendar) == {}

    assert publish(run, planned, calendar).exit_code == 0
    before = server_events(radicale, calendar)
    config = workspace / planned
    config.write_text(
        config.read_text().replace(
            "skip: [2026-12-24, 2026-12-31]", "skip: [2026-12-24, 2026-12-31, 2027-01-14]"
        )
    )
    assert run("plan", str(planned), "--today", TODAY).exit_code == 0
    result = publish(run, planned, calendar, "--dry-run", "--prune")
    assert result.exit_code == 0, result
    assert "would update" in result.stdout and "unchanged" in result.stdout
    assert {u: e[1] for u, e in server_events(radicale, calendar).items()} == {
        u: e[1] for u, e in before.items()
    }


STRAY = """BEGIN:VCALENDAR
VERSION:2.0
PRODID:{prodid}
BEGIN:VEVENT
UID:{uid}
DTSTAMP:20261101T000000Z
DTSTART:20270401T140000Z
DTEND:20270401T150000Z
SUMMARY:{summary}
END:VEVENT
END:VCALENDAR
"""


def test_prune_deletes_only_paperclubs_own_strays(run, planned, radicale, calendar, logged_in):
    cal = radicale.client().calendar(url=calendar)
    cal.save_event(
        STRAY.format(
            prodid="-//paperclub//paperclub 0.0.1//EN",
            uid="stray-session",
            summary="a session of an older plan",
        )
    )
    cal.save_event(
        STRAY.format(
            prodid="-//Someone//Their calendar app//EN", uid="dentist", summary="not paperclub's"
        )
    )
    n = len(plan_sessions(planned))

    result = publish(run, planned, calendar)
    assert result.exit_code == 0, result
    assert f"{n} created, 0 updated, 0 unchanged, 0 deleted" in result.stdout
    assert "stray-session" in result.stdout and "--prune" in result.stdout
    assert "dentist" not in result.stdout
    assert {"stray-session", "dentist"} <= set(server_events(radicale, calendar))

    result = publish(run, planned, calendar, "--prune", "--dry-run")
    assert "would delete" in result.stdout and "1 deleted" in result.stdout
    assert "stray-session" in server_events(radicale, calendar)

    result = publish(run, planned, calendar, "--prune")
    assert result.exit_code == 0, result
    assert f"0 created, 0 updated, {n} unchanged, 1 deleted" in result.stdout
    events = server_events(radicale, calendar)
    assert "stray-session" not in events and "dentist" in events
    assert len(events) == n + 1


def test_a_wrong_password_is_one_line_without_the_password(
    run, planned, radicale, calendar, monkeypatch
):
    monkeypatch.setenv(publishing.USER_ENV, USER)
    monkeypatch.setenv(publishing.PASSWORD_ENV, WRONG)
    result = publish(run, planned, calendar)
    assert result.exit_code == 1
    output = result.stdout + result.stderr
    assert f"the server refused the credentials for {USER} at {calendar}" in output
    assert WRONG not in output

    # the same with the credentials in the URL: neither the password nor the user info shows
    monkeypatch.delenv(publishing.USER_ENV)
    monkeypatch.delenv(publishing.PASSWORD_ENV)
    url = calendar.replace("http://", f"http://{USER}:{WRONG}@")
    result = publish(run, planned, url)
    assert result.exit_code == 1
    output = result.stdout + result.stderr
    assert "refused the credentials" in output and calendar in output
    assert WRONG not in output and f"{USER}:" not in output


def test_another_users_calendar_is_refused(run, planned, radicale, calendar, monkeypatch):
    monkeypatch.setenv(publishing.USER_ENV, OTHER)
    monkeypatch.setenv(publishing.PASSWORD_ENV, OTHER_PASSWORD)
    result = publish(run, planned, calendar)
    assert result.exit_code == 1
    assert f"refused the credentials for {OTHER}" in result.stderr
    assert OTHER_PASSWORD not in result.stdout + result.stderr


def test_no_credentials_says_how_to_give_them(run, planned, radicale, calendar):
    result = publish(run, planned, calendar)
    assert result.exit_code == 1
    assert publishing.USER_ENV in result.stderr and "netrc" in result.stderr


def test_a_server_that_is_down(run, planned, logged_in):
    url = f"http://127.0.0.1:{free_port()}/ada/club/"  # nothing listens there
    result = publish(run, planned, url)
    assert result.exit_code == 1
    assert f"cannot reach {url}" in result.stderr and "refused" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_no_such_calendar(run, planned, radicale, logged_in):
    url = f"{radicale.url}/{USER}/no-such-calendar/"
    result = publish(run, planned, url)
    assert result.exit_code == 1
    assert f"no such calendar: {url}" in result.stderr


def test_credentials_from_a_netrc_file(run, planned, radicale, calendar, monkeypatch, tmp_path):
    netrc = tmp_path / "netrc"
    netrc.write_text(f"machine 127.0.0.1\n  login {USER}\n  password {PASSWORD}\n")
    netrc.chmod(0o600)
    monkeypatch.setenv("NETRC", str(netrc))
    result = publish(run, planned, calendar)
    assert result.exit_code == 0, result
    assert len(server_events(radicale, calendar)) == len(plan_sessions(planned))

    # --user names someone else: the netrc entry is ada's, so there is no password for bob
    result = publish(run, planned, calendar, "--user", OTHER)
    assert result.exit_code == 1
    assert f"no password for {OTHER}" in result.stderr and PASSWORD not in result.stderr


def test_a_broken_netrc_file_does_not_show_its_secrets(run, planned, monkeypatch, tmp_path):
    netrc = tmp_path / "netrc"
    netrc.write_text("machine 127.0.0.1 login ada password\nsuper-secret-token oops\n")
    monkeypatch.setenv("NETRC", str(netrc))
    result = publish(run, planned, "http://127.0.0.1:1/ada/club/")
    assert result.exit_code == 1
    assert "netrc" in result.stderr and "super-secret-token" not in result.stderr


def test_the_address_comes_from_the_config(run, planned, radicale, calendar, logged_in, workspace):
    result = run("publish", str(planned))
    assert result.exit_code == 1 and "calendar.caldav" in result.stderr

    config = workspace / planned
    config.write_text(config.read_text() + f"\ncalendar:\n  caldav: {calendar}\n  alarm: 30m\n")
    assert run("plan", str(planned), "--today", TODAY).exit_code == 0
    result = run("publish", str(planned))
    assert result.exit_code == 0, result
    assert f"Published to {calendar}" in result.stdout
    events = server_events(radicale, calendar)
    assert len(events) == len(plan_sessions(planned))
    assert all(vevent(parsed).walk("VALARM") for _, _, parsed in events.values())
    # the plan file names the same plan; events with alarms compare as unchanged
    result = run("publish", str(planfile.plan_path(planned)), "--url", calendar)
    assert result.exit_code == 0, result
    assert "0 created, 0 updated" in result.stdout


def test_publish_needs_a_plan(run, schedule, logged_in):
    result = run("publish", str(schedule), "--url", "http://127.0.0.1:1/x/")
    assert result.exit_code == 1 and "paperclub plan" in result.stderr


def test_publish_respects_a_disabled_ics_plugin(
    run, planned, radicale, calendar, logged_in, monkeypatch
):
    monkeypatch.setenv("PAPERCLUB_DISABLE_PLUGINS", "ics")
    result = publish(run, planned, calendar)
    assert result.exit_code == 1, result
    assert result.stderr.strip() == (
        "Error: publishing sends the calendar feed, and no plugin registers an output named "
        "'ics': is the ics plugin switched off (PAPERCLUB_DISABLE_PLUGINS)? The outputs: csv, "
        "html, json, markdown"
    )
    assert server_events(radicale, calendar) == {}


def test_publish_sends_the_ics_emitter_of_a_plugin(
    run, planned, radicale, calendar, logged_in, monkeypatch, workspace
):
    """The calendar feed is whatever `ics` the registry holds: here a plugin's, in place of the
    built-in one."""
    monkeypatch.setenv("PAPERCLUB_DISABLE_PLUGINS", "ics")
    (workspace / "plugins").mkdir()
    (workspace / "plugins" / "my_ics.py").write_text(
        "from paperclub.default_plugins.ics import IcsEmitter\n\n"
        "class Mine(IcsEmitter):\n"
        "    def render(self, plan):\n"
        "        return super().render(plan).replace(b'BEGIN:VEVENT\\r\\n',\n"
        "                                            b'BEGIN:VEVENT\\r\\nX-CLUB:mine\\r\\n')\n\n"
        "def paperclub_register_emitters(register, hooks):\n"
        "    register(Mine(hooks))\n"
    )
    result = publish(run, planned, calendar)
    assert result.exit_code == 0, result
    events = server_events(radicale, calendar)
    assert set(events) == set(plan_sessions(planned))
    assert all(str(vevent(parsed)["X-CLUB"]) == "mine" for _, _, parsed in events.values())


def test_publish_without_the_caldav_library(run, planned, logged_in, monkeypatch):
    monkeypatch.setitem(sys.modules, "caldav", None)  # import caldav now raises ImportError
    result = publish(run, planned, "http://127.0.0.1:1/ada/club/")
    assert result.exit_code == 1
    assert result.stderr.strip() == (
        "Error: publishing needs the caldav library: pip install 'paperclub[caldav]'"
    )


def test_an_event_changed_on_the_server_meanwhile_is_a_conflict(
    run, planned, radicale, calendar, logged_in
):
    assert publish(run, planned, calendar).exit_code == 0
    server = publishing.CalDAV(calendar, publishing.Credentials(USER, PASSWORD))
    remote = server.list()
    the_plan = planfile.load(planfile.plan_path(planned))
    wanted = publishing.resources(the_plan, builtin_hooks())
    found = publishing.changes(wanted, remote, server.url)
    assert len(found.of(publishing.UNCHANGED)) == len(wanted)
    stale = found.of(publishing.UNCHANGED)[0]
    # someone edits the event after paperclub listed the calendar
    edited = wanted[0].data.replace(b"SEQUENCE:", b"X-EDITED:yes\r\nSEQUENCE:")
    server.apply(
        publishing.Change(publishing.UPDATE, stale.uid, stale.href, stale.etag, data=edited)
    )
    with pytest.raises(PaperclubError, match="conflict .*HTTP 412.*changed on the server"):
        server.apply(
            publishing.Change(
                publishing.UPDATE, stale.uid, stale.href, stale.etag, data=wanted[0].data
            )
        )
    # and creating what is there already
    with pytest.raises(PaperclubError, match="conflict"):
        server.apply(
            publishing.Change(publishing.CREATE, stale.uid, stale.href, data=wanted[0].data)
        )


def test_help_imports_neither_caldav_nor_icalendar(workspace):
    probe = (
        "import sys; sys.argv = ['paperclub', 'publish', '--help']\n"
        "from paperclub.cli import main\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "print(__import__('json').dumps(sorted(sys.modules)), file=sys.stderr)"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=workspace,
        capture_output=True,
        text=True,
        env={**os.environ},
    )
    modules = set(json.loads(done.stderr.strip().splitlines()[-1]))
    assert "--prune" in done.stdout and "--dry-run" in done.stdout
    assert not modules & {"caldav", "icalendar", "niquests", "requests"}


# -- the parts without a server -------------------------------------------------------------------


def test_split_gives_one_calendar_per_session_without_method(run, planned):
    the_plan = planfile.load(planfile.plan_path(planned))
    wanted = publishing.resources(the_plan, builtin_hooks())
    assert [r.uid for r in wanted] == [s.uid for s in the_plan.sessions]
    for r in wanted:
        parsed = Calendar.from_ical(r.data)
        assert "METHOD" not in parsed and "X-WR-CALNAME" not in parsed
        assert str(parsed["VERSION"]) == "2.0" and "paperclub" in str(parsed["PRODID"])
        assert [c.name for c in parsed.subcomponents] == ["VTIMEZONE", "VEVENT"]
        assert str(parsed.walk("VEVENT")[0]["UID"]) == r.uid
        assert r.name == f"{r.uid}.ics"


def test_unchanged_ignores_folding_order_and_calendar_properties(run, planned):
    the_plan = planfile.load(planfile.plan_path(planned))
    r = publishing.resources(the_plan, builtin_hooks())[0]
    lines = r.data.decode().replace("\r\n ", "").split("\r\n")
    body = [line for line in lines if line]
    reordered = [body[0], "PRODID:-//Server//rewritten//EN"] + [
        line for line in body[1:] if not line.startswith("PRODID")
    ]
    event_start = reordered.index("BEGIN:VEVENT")
    event_end = reordered.index("END:VEVENT")
    reordered[event_start + 1 : event_end] = reversed(reordered[event_start + 1 : event_end])
    other = ("\n".join(reordered) + "\n").encode()
    assert publishing.normalised(other, r.uid) == publishing.normalised(r.data, r.uid)
    assert b"SEQUENCE:0" in other
    changed = other.replace(b"SEQUENCE:0", b"SEQUENCE:7")
    assert publishing.normalised(changed, r.uid) != publishing.normalised(r.data, r.uid)


def test_public_url_drops_user_and_password():
    assert (
        publishing.public_url("https://ada:pw@dav.example.org:8443/ada/club/")
        == "https://dav.example.org:8443/ada/club/"
    )
    assert publishing.public_url("https://dav.example.org/c/") == "https://dav.example.org/c/"


def test_credentials_precedence(tmp_path):
    netrc = tmp_path / "netrc"
    netrc.write_text("machine dav.example.org login ada password from-netrc\n")
    base = {"NETRC": str(netrc)}
    url = "https://dav.example.org/ada/club/"
    env = {**base, publishing.USER_ENV: "ada", publishing.PASSWORD_ENV: "from-env"}
    assert publishing.credentials(url, environ=env) == publishing.Credentials("ada", "from-env")
    assert publishing.credentials(url, environ=base) == publishing.Credentials("ada", "from-netrc")
    assert publishing.credentials(url, "ada", environ=base).password == "from-netrc"
    with pytest.raises(PaperclubError, match="no password for bob"):
        publishing.credentials(url, "bob", environ=base)
    assert publishing.credentials(
        "https://other.example.org/", environ=base
    ) == publishing.Credentials(None, None)
    assert publishing.credentials(
        "https://eve:pw@other.example.org/", environ=base
    ) == publishing.Credentials("eve", "pw")
    assert "from-env" not in repr(publishing.credentials(url, environ=env))


def test_hostile_titles_reach_the_server_as_text(run, radicale, calendar, logged_in, workspace):
    """Titles with CR/LF, markup, control characters, right-to-left text and emoji (the plan
    of tests/test_injection.py) are published as one property each, and read back."""
    from test_injection import HOSTILE, VISIBLE, hostile_plan

    (workspace / "schedules").mkdir(exist_ok=True)
    path = workspace / "schedules" / "evil.plan.yaml"
    path.write_bytes(planfile.dump(hostile_plan()))
    result = publish(run, "schedules/evil.plan.yaml", calendar)
    assert result.exit_code == 0, result
    events = server_events(radicale, calendar)
    assert len(events) == len(HOSTILE)
    by_start = sorted(events.values(), key=lambda e: vevent(e[2]).decoded("DTSTART"))
    for n, (_, data, parsed) in enumerate(by_start):
        event = vevent(parsed)
        assert "ATTENDEE" not in event and "X-INJECT" not in event
        assert VISIBLE[n] in str(event["SUMMARY"])
        assert "\x00" not in data and "\x1b" not in data
    again = publish(run, "schedules/evil.plan.yaml", calendar)
    assert f"0 created, 0 updated, {len(HOSTILE)} unchanged" in again.stdout


def test_roles_and_the_notes_link_reach_the_server(run, schedule, radicale, calendar, logged_in):
    """Publishing sends what the feed makes: each event's DESCRIPTION names the session's
    roles and its notes link; its URL stays the group's page."""
    config = yaml.safe_load(Path(schedule).read_text())
    config["roles"] = {"chair": 1}
    config["group"]["url"] = "https://club.example.org/"
    config["calendar"] = {"notes_url": "https://docs.example.org/{group}/{date}"}
    Path(schedule).write_text(yaml.safe_dump(config, sort_keys=False))
    assert run("plan", str(schedule), "--today", TODAY).exit_code == 0
    assert publish(run, schedule, calendar).exit_code == 0
    sessions = plan_sessions(schedule)
    events = server_events(radicale, calendar)
    assert set(events) == set(sessions)
    for uid, (_, _, parsed) in events.items():
        session, event = sessions[uid], vevent(parsed)
        text = str(event["DESCRIPTION"]).splitlines()
        day = session.start.date().isoformat()
        assert text[-1] == f"Notes: https://docs.example.org/ml-systems/{day}"
        (chair,) = session.roles["chair"]
        assert text[-2] == f"Chair: {chair}"
        assert str(event["URL"]) == "https://club.example.org/"
