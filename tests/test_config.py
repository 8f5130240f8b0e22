"""Loading a group config: the sample file, the defaults, and every kind of error.

Expected lines are found by searching the YAML text the test wrote, never typed in.
"""

from __future__ import annotations

from datetime import date, time, timedelta
from pathlib import Path

import pytest
import yaml

from conftest import SCHEDULE
from paperclub.config import load_group
from paperclub.errors import PaperclubError
from paperclub.models import Member, Person

DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")

# A small valid config; each error test changes one thing in it.
BASE = """\
group:
  name: Test Group
  timezone: Europe/Berlin
  organizer: {name: Ada, email: ada@example.org}
meetings:
  start: 2027-01-07
  weekday: thursday
  time: "16:00"
  duration: 90m
  count: 4
  skip:
    - 2027-01-14
    - 2027-01-21
members:
  - name: Ada
    interests: [inference]
  - name: Alan
    email: alan@example.org
selection:
  weights: {upvotes: 1.0}
  pin:
    2027-01-07: paper-a
  before:
    - [paper-a, paper-b]
balance:
  policy: spread
outputs: [ics, markdown]
"""


def edit(text: str, old: str, new: str) -> str:
    """Replace the one occurrence of `old` (fails if it is missing or ambiguous)."""
    assert text.count(old) == 1, f"{old!r} occurs {text.count(old)} times"
    return text.replace(old, new)


def line_of(text: str, needle: str, occurrence: int | None = None) -> int:
    """The 1-based line containing `needle`: the only one, or the `occurrence`-th."""
    hits = [n for n, line in enumerate(text.splitlines(), 1) if needle in line]
    if occurrence is None:
        assert len(hits) == 1, f"{needle!r} is on lines {hits}; make the needle unique"
        return hits[0]
    assert len(hits) >= occurrence, f"{needle!r} is on lines {hits}"
    return hits[occurrence - 1]


def write(folder: Path, text: str, name: str = "group.yaml") -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def load_error(path: Path, **kwargs) -> PaperclubError:
    with pytest.raises(PaperclubError) as info:
        load_group(path, **kwargs)
    return info.value


# --- the sample config ---------------------------------------------------------------------


def test_sample_schedule_loads_with_the_values_of_the_file():
    raw = yaml.safe_load(SCHEDULE.read_text(encoding="utf-8"))
    g = load_group(SCHEDULE)
    rg, rm, rs = raw["group"], raw["meetings"], raw["selection"]

    assert g.path == SCHEDULE
    assert g.name == rg["name"]
    assert g.slug == rg["slug"]
    assert g.timezone == rg["timezone"]
    assert g.organizer == Person(rg["organizer"]["name"], rg["organizer"]["email"])
    assert g.location == rg["location"]

    m = g.meetings
    assert m.start == rm["start"]
    assert m.weekday == DAYS.index(rm["weekday"])
    assert m.time == time.fromisoformat(rm["time"])
    assert rm["duration"].endswith("m")
    assert m.duration == timedelta(minutes=int(rm["duration"][:-1]))
    assert m.count == rm["count"]
    assert m.until is None
    assert m.every_weeks == int(rm["every"].split()[0])
    assert m.skip == tuple(rm["skip"])
    assert m.papers_per_session == rm["papers_per_session"]

    assert g.sources == tuple(raw["catalog"]["sources"])
    expected_members = tuple(
        Member(
            name=r["name"],
            email=r.get("email"),
            interests=tuple(r.get("interests", ())),
            unavailable=tuple(r.get("unavailable", ())),
            max_sessions=r.get("max_sessions"),
        )
        for r in raw["members"]
    )
    assert g.members == expected_members
    # the file exercises both optional member fields, so the comparison above covers them
    assert any(mem.unavailable for mem in g.members)
    assert any(mem.max_sessions is not None for mem in g.members)

    assert g.topics == {k: tuple(v) for k, v in raw["topics"].items()}
    assert g.weights == {k: float(v) for k, v in rs["weights"].items()}
    assert g.pins == {
        day: (ids,) if isinstance(ids, str) else tuple(ids) for day, ids in rs["pin"].items()
    }
    assert all(isinstance(day, date) for day in g.pins)
    assert g.before == tuple(tuple(pair) for pair in rs["before"])
    assert g.exclude_read is rs["exclude_read"]
    assert g.balance_policy == raw["balance"]["policy"]
    assert g.outputs == tuple(raw["outputs"])


def test_base_config_of_these_tests_is_valid(workspace):
    g = load_group(write(workspace, BASE))
    assert g.name == "Test Group"
    assert g.meetings.skip == (date(2027, 1, 14), date(2027, 1, 21))
    assert [mem.name for mem in g.members] == ["Ada", "Alan"]


# --- defaults ------------------------------------------------------------------------------

MINIMAL = """\
group:
  name: Deep Learning Theory Club
  timezone: Europe/Berlin
  organizer: {name: Ada, email: ada@example.org}
meetings:
  start: 2027-01-05
  time: "10:15"
  count: 3
"""


def test_defaults(workspace):
    g = load_group(write(workspace, MINIMAL))
    assert g.slug == "deep-learning-theory-club"
    assert g.meetings.weekday == date(2027, 1, 5).weekday()
    assert g.meetings.time == time(10, 15)
    assert g.meetings.duration == timedelta(hours=1)
    assert g.meetings.every_weeks == 1
    assert g.meetings.papers_per_session == 1
    assert g.meetings.skip == ()
    assert g.outputs == ("ics", "markdown")
    assert g.members == ()
    assert g.pins == {}
    assert g.before == ()
    assert g.exclude_read is True
    assert g.balance_policy == "spread"
    assert g.location is None


def test_slug_default_drops_accents_and_punctuation(workspace):
    text = edit(MINIMAL, "Deep Learning Theory Club", '"Café Über: Systems & Theory!"')
    assert load_group(write(workspace, text)).slug == "cafe-uber-systems-theory"


@pytest.mark.parametrize(
    ("written", "hours", "minutes"),
    [
        ("16:00", 16, 0),
        ("9:30", 9, 30),
        ("23:59", 23, 59),
    ],
)
def test_unquoted_time_is_read_as_a_clock_time(workspace, written, hours, minutes):
    text = edit(MINIMAL, 'time: "10:15"', f"time: {written}")
    # YAML 1.1 reads it as a number of minutes, which is what the loader must undo
    assert yaml.safe_load(text)["meetings"]["time"] == hours * 60 + minutes
    assert load_group(write(workspace, text)).meetings.time == time(hours, minutes)


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("thu", 3),
        ("Tuesday", 1),
        ("SUNDAY", 6),
    ],
)
def test_weekday_names_and_abbreviations(workspace, written, expected):
    text = edit(MINIMAL, "  count: 3\n", f"  count: 3\n  weekday: {written}\n")
    assert load_group(write(workspace, text)).meetings.weekday == expected


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("90m", timedelta(minutes=90)),
        ("1h30m", timedelta(minutes=90)),
        ("2h", timedelta(hours=2)),
        ("45 min", timedelta(minutes=45)),
    ],
)
def test_durations(workspace, written, expected):
    text = edit(MINIMAL, "  count: 3\n", f"  count: 3\n  duration: {written}\n")
    assert load_group(write(workspace, text)).meetings.duration == expected


def test_every_two_weeks_and_until(workspace):
    text = edit(MINIMAL, "  count: 3\n", "  until: 2027-03-30\n  every: 2 weeks\n")
    m = load_group(write(workspace, text)).meetings
    assert (m.every_weeks, m.count, m.until) == (2, None, date(2027, 3, 30))


# --- errors --------------------------------------------------------------------------------

# (id, old, new, needle whose line the error must name, texts the message must contain)
ERRORS = [
    (
        "unknown-top",
        "meetings:\n",
        "meetigns:\n",
        "meetigns:",
        ["meetigns", "did you mean 'meetings'"],
    ),
    (
        "unknown-top-far",
        "balance:\n",
        "colour: blue\nbalance:\n",
        "colour:",
        ["colour", "unknown key", "meetings"],
    ),
    (
        "unknown-nested",
        "  weekday: thursday",
        "  wekday: thursday",
        "wekday:",
        ["meetings.wekday", "did you mean 'weekday'"],
    ),
    (
        "unknown-deep",
        "{name: Ada, email: ada@example.org}",
        "{name: Ada, email: ada@example.org, phone: 123}",
        "phone:",
        ["group.organizer.phone"],
    ),
    (
        "unknown-member-key",
        "    email: alan@example.org",
        "    emial: alan@example.org",
        "emial:",
        ["members[1].emial", "did you mean 'email'"],
    ),
    (
        "bad-weekday",
        "weekday: thursday",
        "weekday: thursdai",
        "weekday:",
        ["meetings.weekday", "thursdai"],
    ),
    ("ambiguous-weekday", "weekday: thursday", "weekday: t", "weekday:", ["meetings.weekday"]),
    ("bad-time", 'time: "16:00"', 'time: "25:00"', "time:", ["meetings.time", "25:00"]),
    ("bad-time-words", 'time: "16:00"', "time: 4pm", "time:", ["meetings.time", "4pm"]),
    ("bad-duration", "duration: 90m", "duration: 1.5h", "duration:", ["meetings.duration", "1.5h"]),
    ("zero-duration", "duration: 90m", "duration: 0m", "duration:", ["meetings.duration"]),
    (
        "bad-every",
        "  count: 4\n",
        "  count: 4\n  every: fortnightly\n",
        "every:",
        ["meetings.every"],
    ),
    ("zero-count", "count: 4", "count: 0", "count:", ["meetings.count"]),
    (
        "until-before-start",
        "count: 4",
        "until: 2027-01-06",
        "until:",
        ["meetings.until", "2027-01-06", "2027-01-07"],
    ),
    (
        "bad-timezone",
        "Europe/Berlin",
        "Europe/Nowhere",
        "timezone:",
        ["group.timezone", "Europe/Nowhere"],
    ),
    (
        "bad-organizer-email",
        "ada@example.org",
        "ada-at-example",
        "organizer:",
        ["group.organizer.email", "ada-at-example"],
    ),
    ("bad-member-email", "alan@example.org", "alan@example", "alan@example", ["members[1].email"]),
    (
        "bad-skip-date",
        "    - 2027-01-21",
        "    - someday",
        "- someday",
        ["meetings.skip[1]", "someday"],
    ),
    (
        "member-without-name",
        "  - name: Alan\n    email:",
        "  - email:",
        "- email:",
        ["members[1].name", "required"],
    ),
    ("duplicate-member", "  - name: Alan", "  - name: Ada", None, ["members[1].name", "Ada"]),
    (
        "bad-member-date",
        "    interests: [inference]",
        "    interests: [inference]\n    unavailable: [soon]",
        "unavailable:",
        ["members[0].unavailable[0]", "soon"],
    ),
    (
        "bad-max-sessions",
        "    interests: [inference]",
        "    interests: [inference]\n    max_sessions: -1",
        "max_sessions:",
        ["members[0].max_sessions"],
    ),
    (
        "bad-pin-date",
        "    2027-01-07: paper-a",
        "    next week: paper-a",
        "next week:",
        ["selection.pin", "next week"],
    ),
    (
        "before-not-a-pair",
        "    - [paper-a, paper-b]",
        "    - [paper-a, paper-b, paper-c]",
        "paper-c",
        ["selection.before[0]"],
    ),
    (
        "before-not-a-list",
        "    - [paper-a, paper-b]",
        "    - paper-a",
        "- paper-a",
        ["selection.before[0]"],
    ),
    (
        "bad-weight",
        "weights: {upvotes: 1.0}",
        "weights: {upvotes: lots}",
        "weights:",
        ["selection.weights.upvotes", "lots"],
    ),
    (
        "bad-exclude-read",
        "  before:\n",
        "  exclude_read: maybe\n  before:\n",
        "exclude_read:",
        ["selection.exclude_read"],
    ),
    (
        "unknown-policy",
        "policy: spread",
        "policy: thematic",
        "policy:",
        ["balance.policy", "themed"],
    ),
    (
        "unknown-output",
        "outputs: [ics, markdown]",
        "outputs: [ics, pdf]",
        "outputs:",
        ["outputs[1]", "pdf"],
    ),
    (
        "members-not-a-list",
        "members:\n  - name: Ada\n    interests: [inference]\n"
        "  - name: Alan\n    email: alan@example.org\n",
        "members: Ada\n",
        "members:",
        ["members"],
    ),
    (
        "topics-not-a-mapping",
        "balance:\n",
        "topics: [inference]\nbalance:\n",
        "topics:",
        ["topics"],
    ),
    (
        "section-not-a-mapping",
        "balance:\n  policy: spread\n",
        "balance: spread\n",
        "balance:",
        ["balance", "mapping"],
    ),
]


@pytest.mark.parametrize(
    ("old", "new", "needle", "parts"),
    [case[1:] for case in ERRORS],
    ids=[case[0] for case in ERRORS],
)
def test_error_names_file_line_and_key(workspace, old, new, needle, parts):
    text = edit(BASE, old, new)
    path = write(workspace, text)
    err = load_error(path, emitters={"ics", "markdown"})
    expected_line = line_of(text, needle) if needle else line_of(text, "- name: Ada", 2)
    assert err.path == str(path)
    assert err.line == expected_line, err
    for part in parts:
        assert part in err.message, err
    assert str(err).startswith(f"{path}:{expected_line}: ")


def test_missing_required_key_names_it(workspace):
    text = edit(BASE, "  timezone: Europe/Berlin\n", "")
    err = load_error(write(workspace, text))
    assert "group.timezone" in err.message
    assert "required" in err.message


def test_both_count_and_until_is_an_error(workspace):
    text = edit(BASE, "  count: 4\n", "  count: 4\n  until: 2027-03-01\n")
    err = load_error(write(workspace, text))
    assert err.path == str(workspace / "group.yaml")
    assert "meetings" in err.message
    assert "count" in err.message and "until" in err.message


def test_both_count_and_until_points_at_one_of_them(workspace):
    text = edit(BASE, "  count: 4\n", "  count: 4\n  until: 2027-03-01\n")
    err = load_error(write(workspace, text))
    assert err.line in (line_of(text, "count:"), line_of(text, "until:"))


def test_neither_count_nor_until_is_an_error(workspace):
    text = edit(BASE, "  count: 4\n", "")
    err = load_error(write(workspace, text))
    assert err.path == str(workspace / "group.yaml")
    assert "meetings" in err.message
    assert "count" in err.message and "until" in err.message


def test_neither_count_nor_until_points_at_meetings(workspace):
    text = edit(BASE, "  count: 4\n", "")
    err = load_error(write(workspace, text))
    assert err.line == line_of(text, "meetings:")


def test_unknown_output_in_block_list_names_the_output(workspace):
    text = edit(BASE, "outputs: [ics, markdown]", "outputs:\n  - ics\n  - pdf")
    err = load_error(write(workspace, text), emitters={"ics", "markdown"})
    assert "outputs[1]" in err.message and "pdf" in err.message
    assert "ics, markdown" in err.message  # the available formats


def test_unknown_output_in_block_list_points_at_the_item(workspace):
    text = edit(BASE, "outputs: [ics, markdown]", "outputs:\n  - ics\n  - pdf")
    err = load_error(write(workspace, text), emitters={"ics", "markdown"})
    assert err.line == line_of(text, "- pdf")


def test_output_allowed_when_a_plugin_provides_it(workspace):
    text = edit(BASE, "outputs: [ics, markdown]", "outputs: [ics, pdf]")
    g = load_group(write(workspace, text), emitters={"ics", "markdown", "pdf"})
    assert g.outputs == ("ics", "pdf")


def test_duplicate_key_names_both_lines(workspace):
    text = edit(BASE, "  count: 4\n", '  count: 4\n  time: "17:00"\n')
    path = write(workspace, text)
    err = load_error(path)
    first, second = line_of(text, "time:", 1), line_of(text, "time:", 2)
    assert err.path == str(path)
    assert err.line == second
    assert "time" in err.message
    assert str(first) in err.message


def test_duplicate_key_in_a_flow_mapping(workspace):
    text = edit(
        BASE,
        "{name: Ada, email: ada@example.org}",
        "{name: Ada, email: ada@example.org, name: Bea}",
    )
    err = load_error(write(workspace, text))
    assert err.line == line_of(text, "organizer:")
    assert "name" in err.message


def test_invalid_yaml_names_the_line_of_the_problem(workspace):
    text = edit(BASE, "count: 4", "count: 4: 5")
    path = write(workspace, text)
    err = load_error(path)
    assert err.path == str(path)
    assert err.line == line_of(text, "count:")
    assert "YAML" in err.message


def test_file_that_is_a_list(workspace):
    path = write(workspace, "- group\n- meetings\n")
    err = load_error(path)
    assert err.path == str(path)
    assert err.line == 1
    assert "mapping" in err.message and "list" in err.message


def test_file_that_is_a_list_has_no_dangling_colon(workspace):
    err = load_error(write(workspace, "- group\n- meetings\n"))
    assert not err.message.startswith(":")


def test_missing_file(workspace):
    path = workspace / "nowhere.yaml"
    err = load_error(path)
    assert err.path == str(path)
    assert err.line is None
    assert "no such file" in err.message


# Dates YAML itself reads as dates (the timestamp pattern) but that are not on the calendar.
@pytest.mark.parametrize(
    ("old", "new", "needle", "key"),
    [
        ("    - 2027-01-21", "    - 2027-02-30", "2027-02-30", "meetings.skip[1]"),
        ("    2027-01-07: paper-a", "    2027-13-07: paper-a", "2027-13-07", "selection.pin"),
    ],
    ids=["skip", "pin"],
)
def test_impossible_calendar_date_is_a_paperclub_error(workspace, old, new, needle, key):
    text = edit(BASE, old, new)
    path = write(workspace, text)
    err = load_error(path)
    assert err.path == str(path)
    assert err.line == line_of(text, needle)
    assert key in err.message


@pytest.mark.parametrize("end", ["count: 4", "until: 2027-03-01"])
def test_date_with_a_time_is_not_taken_for_a_date(workspace, end):
    text = edit(edit(BASE, "count: 4", end), "start: 2027-01-07", "start: 2027-01-07 10:00:00")
    try:
        g = load_group(write(workspace, text))
    except PaperclubError as err:
        assert "meetings.start" in err.message
        assert err.line == line_of(text, "start:")
    else:
        assert type(g.meetings.start) is date


def test_bare_hour_number_is_not_minutes_after_midnight(workspace):
    text = edit(BASE, 'time: "16:00"', "time: 16")
    try:
        g = load_group(write(workspace, text))
    except PaperclubError as err:
        assert "meetings.time" in err.message
    else:
        assert g.meetings.time == time(16, 0)


# --- through the command line --------------------------------------------------------------


@pytest.mark.parametrize(
    ("old", "new", "needle", "key"),
    [
        ("weekday: thursday", "weekday: thursdai", "weekday:", "meetings.weekday"),
        ("meetings:\n", "meetigns:\n", "meetigns:", "meetigns"),
        ("    - 2027-01-21", "    - someday", "- someday", "meetings.skip[1]"),
    ],
    ids=["weekday", "top-level-key", "skip-item"],
)
def test_cli_reports_config_error_without_traceback(workspace, run, old, new, needle, key):
    text = edit(BASE, old, new)
    write(workspace, text, "bad.yaml")
    result = run("plan", "bad.yaml")
    assert result.exit_code == 1, result
    assert f"bad.yaml:{line_of(text, needle)}:" in result.stderr
    assert key in result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    assert not (workspace / "bad.plan.yaml").exists()


def test_cli_reports_impossible_date_without_traceback(workspace, run):
    text = edit(BASE, "    - 2027-01-21", "    - 2027-02-30")
    write(workspace, text, "bad.yaml")
    result = run("plan", "bad.yaml")
    assert result.exit_code == 1
    assert f"bad.yaml:{line_of(text, '2027-02-30')}:" in result.stderr


def test_balance_targets(workspace):
    text = edit(
        BASE, "  policy: spread", "  policy: proportional\n  targets: {inference: 0.5, code: 0.25}"
    )
    g = load_group(write(workspace, text))
    assert g.balance_policy == "proportional"
    assert g.balance_targets == {"inference": 0.5, "code": 0.25}


@pytest.mark.parametrize(
    ("targets", "message"),
    [
        ("{inference: 0.8, code: 0.4}", "add up to 1.20, more than 1"),
        ("{inference: 1.5}", "balance.targets.inference: expected a share between 0 and 1"),
    ],
)
def test_bad_balance_targets(workspace, targets, message):
    text = edit(BASE, "  policy: spread", f"  policy: proportional\n  targets: {targets}")
    err = load_error(write(workspace, text))
    assert message in err.message and err.line == line_of(text, "targets:")


def test_proportional_needs_targets(workspace):
    text = edit(BASE, "  policy: spread", "  policy: proportional")
    err = load_error(write(workspace, text))
    assert "needs balance.targets" in err.message and err.line == line_of(text, "policy:")


# --- the group's profile and the weights of the score ----------------------------------------


def test_an_old_weight_name_still_works_and_the_warning_names_the_new_one(workspace):
    from paperclub.signals import DEFAULT_WEIGHTS

    text = edit(BASE, "weights: {upvotes: 1.0}", "weights: {upvotes: 2.0, recency: 1.0}")
    g = load_group(write(workspace, text))
    assert g.weights == {"popularity": 2.0 * DEFAULT_WEIGHTS["popularity"], "recency": 1.0}
    [warning] = g.warnings
    assert warning.startswith(
        f"{workspace / 'group.yaml'}:{line_of(text, 'upvotes: 2.0')}: "
        "selection.weights.upvotes is now selection.weights.popularity"
    )
    both = edit(BASE, "weights: {upvotes: 1.0}", "weights: {upvotes: 1.0, popularity: 5}")
    g = load_group(write(workspace, both))
    assert g.weights == {"popularity": 5.0} and "is ignored" in g.warnings[0]
    assert not load_group(
        write(workspace, edit(BASE, "{upvotes: 1.0}", "{popularity: 1.0}"))
    ).warnings


def test_the_old_weight_warns_through_plan_and_plans(run, schedule):
    text = Path(schedule).read_text().replace("popularity: 3.0", "upvotes: 1.0")
    Path(schedule).write_text(text)
    result = run("plan", str(schedule), "--today", "2026-11-01")
    assert result.exit_code == 0, result
    assert (
        f"warning: {schedule}:{line_of(text, 'upvotes: 1.0')}: selection.weights.upvotes is "
        "now selection.weights.popularity"
    ) in result.stderr


def test_likes_dislikes_min_relevance_and_libraries(workspace):
    (workspace / "ada.bib").write_text("")
    text = edit(
        BASE,
        "  weights: {upvotes: 1.0}\n",
        "  like: [arxiv:2410.17243, paper-b]\n  dislike:\n    - paper-c\n  min_relevance: 0.25\n",
    )
    text = edit(text, "  - name: Alan\n", "  - name: Alan\n    library: ada.bib\n")
    g = load_group(write(workspace, text))
    assert g.like == ("arxiv:2410.17243", "paper-b") and g.dislike == ("paper-c",)
    assert g.min_relevance == 0.25
    assert g.lines["selection.like[1]"] == line_of(text, "like: [")
    assert g.lines["selection.dislike[0]"] == line_of(text, "- paper-c")
    assert g.members[1].library == workspace / "ada.bib"


@pytest.mark.parametrize(
    "old, new, message",
    [
        (
            "  weights: {upvotes: 1.0}\n",
            "  min_relevance: 2\n",
            "selection.min_relevance: expected a relevance between 0 and 1",
        ),
        (
            "  weights: {upvotes: 1.0}\n",
            "  like: [a]\n  dislike: [a]\n",
            "selection.dislike: a is in selection.like too",
        ),
        (
            "  - name: Alan\n",
            "  - name: Alan\n    library: ada.bbi\n",
            "members[1].library: no such file",
        ),
    ],
)
def test_bad_profile_keys_name_file_line_and_key(workspace, old, new, message):
    (workspace / "ada.bib").write_text("")
    text = edit(BASE, old, new)
    error = load_error(write(workspace, text))
    assert message in error.message and error.line == line_of(text, new.split("\n")[-2].strip())


# --- time zones: a place, not an abbreviation or a fixed offset -------------------------------


@pytest.mark.parametrize(
    "zone, meant",
    [
        ("EST", "America/New_York"),
        ("PST", "America/Los_Angeles"),
        ("CET", "Europe/Paris"),
        ("MST", "America/Denver"),
        ("EET", "Europe/Athens"),
        ("EST5EDT", "America/New_York"),
        ("UTC+2", "Europe/Athens"),
        ("GMT-5", "America/New_York"),
        ("Etc/GMT+5", "America/New_York"),  # POSIX signs: five hours behind UTC
        ("GMT", "Europe/London"),
        ("Japan", "Asia/Tokyo"),
    ],
)
def test_a_zone_that_is_not_a_place_is_refused_with_the_place_meant(workspace, zone, meant):
    text = edit(BASE, "timezone: Europe/Berlin", f"timezone: {zone}")
    err = load_error(write(workspace, text))
    assert err.line == line_of(text, "timezone:")
    assert "group.timezone: expected an IANA time zone of a place" in err.message
    assert f"found {zone!r}" in err.message
    assert "did you mean" in err.message and repr(meant) in err.message


def test_a_fixed_offset_says_it_has_no_daylight_saving_time(workspace):
    err = load_error(write(workspace, edit(BASE, "Europe/Berlin", "UTC-05:00")))
    assert "a fixed offset (UTC-5) has no daylight saving time" in err.message


@pytest.mark.parametrize(
    "zone, meant",
    [
        ("America/NewYork", "America/New_York"),
        ("america/new_york", "America/New_York"),
        ("Europe/Berln", "Europe/Berlin"),
        ("Berlin", "Europe/Berlin"),
    ],
)
def test_a_misspelt_zone_gets_the_closest_place(workspace, zone, meant):
    text = edit(BASE, "timezone: Europe/Berlin", f"timezone: {zone}")
    err = load_error(write(workspace, text))
    assert err.line == line_of(text, "timezone:")
    assert f"no such zone (did you mean {meant!r}" in err.message


@pytest.mark.parametrize(
    "zone", ["UTC", "Etc/UTC", "America/New_York", "US/Eastern", "America/Argentina/Buenos_Aires"]
)
def test_places_and_utc_are_time_zones(workspace, zone):
    # UTC is kept: a group may really meet by it (online, across zones), all year
    assert load_group(write(workspace, edit(BASE, "Europe/Berlin", zone))).timezone == zone


# --- weights: every key is one something reads ------------------------------------------------


def set_weights(schedule, text: str) -> str:
    config = Path(schedule).read_text()
    old = "weights: {relevance: 20.0, popularity: 3.0, recency: 0.5, votes: 2.0}"
    assert config.count(old) == 1
    config = config.replace(old, f"weights: {text}")
    Path(schedule).write_text(config)
    return config


@pytest.mark.parametrize(
    "weights, says",
    [
        (
            "{consecutve: 50}",
            "selection.weights.consecutve: unknown weight (did you mean 'consecutive'?)",
        ),
        (
            "{time_limt: 1}",
            "selection.weights.time_limt: unknown weight (did you mean selection.time_limit?)",
        ),
        (
            "{upvote: 1}",
            "selection.weights.upvote: unknown weight (did you mean selection.weights.popularity?)",
        ),
        (
            "{colour: 1}",
            "selection.weights.colour: unknown weight (known: change, consecutive, "
            "nearby, popularity, proportional, recency, relevance, themed, unfilled, votes)",
        ),
    ],
)
def test_an_unknown_weight_stops_plan_with_its_line(run, schedule, workspace, weights, says):
    text = set_weights(schedule, weights)
    result = run("plan", str(schedule), "--today", "2026-11-01")
    assert result.exit_code == 1, result
    assert f"{schedule}:{line_of(text, 'weights:')}: {says}" in result.stderr
    assert "Traceback" not in result.stderr
    assert sorted(p.name for p in (workspace / "schedules").iterdir()) == ["ml-systems.yaml"]


# as plugins/prefer_code.py: a part named after the plugin, with a weight of that name
PREFER_CODE = """
def paperclub_score_paper(paper, group, history):
    return {"prefer_code": group.weight("prefer_code", 0.5)} if paper.has_code else None
"""
# a part named otherwise: known as the plugin gives it to papers
STARS = """
def paperclub_score_paper(paper, group, history):
    return {"stars": group.weight("stars", 0.0)} if paper.has_code else None
"""


def test_a_weight_for_a_plugin_is_known_and_one_for_no_plugin_is_not(run, schedule, workspace):
    (workspace / "plugins").mkdir()
    (workspace / "plugins" / "prefer_code.py").write_text(PREFER_CODE)
    (workspace / "plugins" / "github.py").write_text(STARS)
    # a part named after its plugin is known even when no paper earns it
    (workspace / "plugins" / "rare.py").write_text(
        "def paperclub_score_paper(paper, group, history):\n    return None\n"
    )
    set_weights(schedule, "{prefer_code: 2, stars: 1, rare: 5}")
    result = run("plan", str(schedule), "--today", "2026-11-01")
    assert result.exit_code == 0, result
    parts = yaml.safe_load((workspace / "schedules" / "ml-systems.plan.yaml").read_text())
    coded = [p for s in parts["sessions"] for p in s["papers"] if "code" in p["links"]]
    assert coded and all(p["score_parts"]["prefer_code"] == 2 for p in coded)
    (workspace / "plugins" / "github.py").unlink()
    result = run("plan", str(schedule), "--today", "2026-11-01")
    assert result.exit_code == 1, result
    assert "selection.weights.stars: unknown weight" in result.stderr
    assert "prefer_code" in result.stderr  # among the known ones


def test_time_limit_is_a_key_of_its_own_and_the_old_spelling_warns(workspace):
    text = edit(BASE, "weights: {upvotes: 1.0}", "weights: {popularity: 1.0}\n  time_limit: 5")
    g = load_group(write(workspace, text))
    assert g.time_limit == 5 and "time_limit" not in g.weights and not g.warnings
    old = edit(BASE, "weights: {upvotes: 1.0}", "weights: {popularity: 1.0, time_limit: 5}")
    g = load_group(write(workspace, old))
    assert g.time_limit == 5 and "time_limit" not in g.weights
    assert g.warnings == (
        f"{workspace / 'group.yaml'}:{line_of(old, 'time_limit')}: "
        "selection.weights.time_limit is now selection.time_limit (seconds; "
        "update the config to silence this)",
    )
    both = edit(text, "{popularity: 1.0}", "{popularity: 1.0, time_limit: 9}")
    g = load_group(write(workspace, both))
    assert g.time_limit == 5 and "is ignored: selection.time_limit replaces it" in g.warnings[0]
    err = load_error(write(workspace, edit(text, "time_limit: 5", "time_limit: -1")))
    assert "selection.time_limit: expected a number of seconds, 0 to 3600" in err.message
    assert err.line == line_of(text, "time_limit")


def test_the_time_limit_reaches_the_optimizer(run, schedule, workspace):
    """With no time at all the optimizer falls back to the greedy plan, and says so."""
    text = Path(schedule).read_text().replace("  exclude_read: true", "  time_limit: 0")
    Path(schedule).write_text(text)
    assert run("plan", str(schedule), "--today", "2026-11-01").exit_code == 0
    plan = yaml.safe_load((workspace / "schedules" / "ml-systems.plan.yaml").read_text())
    assert plan["solver"]["solver"] == "greedy"


# --- paper ids of the config: each one a paper of the catalog ---------------------------------


def test_ids_that_match_no_paper_stop_plan_with_their_lines(run, schedule, workspace):
    config = Path(schedule).read_text()
    pinned = "mirror-speculative-decoding-breaking-the-serial-barrier-in-llm-inference"
    text = config.replace(f"2026-12-03: {pinned}}}", "2026-12-03: mirror-speculative-decodng}")
    text = text.replace(f"- [{pinned},", "- [arxiv:2510.1316,")
    text = text.replace(
        "interests: [code, hardware]}",
        "interests: [code, hardware], pin: [batch-speculative-decoding]}",
    )
    assert text.count("mirror-speculative-decodng") == 1 and "arxiv:2510.1316" in text
    Path(schedule).write_text(text)
    result = run("plan", str(schedule), "--today", "2026-11-01")
    assert result.exit_code == 1, result
    err = result.stderr
    assert (
        f"{schedule}:{line_of(text, 'batch-speculative-decoding]')}: members[2].pin[0]: "
        "'batch-speculative-decoding' is not in the catalog; the closest: 'Batch Speculative "
        "Decoding Done Right' (batch-speculative-decoding-done-right)"
    ) in err
    assert (
        f"{schedule}:{line_of(text, 'mirror-speculative-decodng')}: "
        "selection.pin.2026-12-03[0]: 'mirror-speculative-decodng' is not in the catalog; "
        f"the closest: 'Mirror Speculative Decoding: Breaking the Serial Barrier in LLM "
        f"Inference' ({pinned})"
    ) in err
    assert (
        f"{schedule}:{line_of(text, 'arxiv:2510.1316')}: selection.before[0][0]: "
        "'arxiv:2510.1316' is not in the catalog"
    ) in err
    assert sorted(p.name for p in (workspace / "schedules").iterdir()) == ["ml-systems.yaml"]


def test_the_errors_docs_config_shows_are_the_errors_paperclub_prints(run, schedule, workspace):
    doc = (Path(__file__).resolve().parent.parent / "docs" / "config.md").read_text()
    shown = [
        line.removeprefix("Error: ")
        for line in doc.splitlines()
        if line.startswith("Error: schedules/ml-systems.yaml:")
        and ("group.timezone" in line or "selection.weights" in line)
    ]
    assert len(shown) == 4
    sample = Path(schedule).read_text()
    printed = []
    for zone in ("EST", "America/NewYork"):
        Path(schedule).write_text(sample.replace("timezone: Europe/Berlin", f"timezone: {zone}"))
        with pytest.raises(PaperclubError) as info:
            load_group(Path(schedule))
        printed.append(str(info.value))
    for weights in ("{consecutve: 50}", "{time_limt: 1}"):
        Path(schedule).write_text(sample)
        set_weights(schedule, weights)
        result = run("plan", str(schedule), "--today", "2026-11-01")
        printed.append(result.stderr.strip().removeprefix("Error: "))
    assert printed == shown


# --- roles, members' roles and preferences, notes links ---------------------------------------

ROLES = edit(
    BASE,
    "  - name: Ada\n    interests: [inference]\n",
    "  - name: Ada\n    interests: [inference]\n    roles: [chair, presenter]\n"
    "    max: {chair: 2}\n    prefer: [2027-01-28, arxiv:2410.17243]\n    avoid:\n"
    "      - 2027-02-04\n",
).replace("outputs: [ics, markdown]\n", "outputs: [ics, markdown]\nroles: {chair: 1, scribe: 2}\n")


def test_roles_members_roles_max_and_preferences(workspace):
    text = ROLES + 'calendar:\n  notes_url: "https://docs.example.org/{group}/{date}"\n'
    g = load_group(write(workspace, text))
    assert g.roles == {"chair": 1, "scribe": 2}  # the file's order
    ada, alan = g.members
    assert ada.roles == ("chair", "presenter") and alan.roles is None
    assert ada.takes("chair") and not ada.takes("scribe") and alan.takes("scribe")
    assert ada.max_roles == {"chair": 2} and alan.max_roles == {}
    assert ada.prefer == ("2027-01-28", "arxiv:2410.17243") and ada.avoid == ("2027-02-04",)
    assert g.lines["members[0].avoid[0]"] == line_of(text, "- 2027-02-04")
    assert g.notes_url == "https://docs.example.org/{group}/{date}"


def test_a_group_without_roles_has_none_and_its_members_take_everything(workspace):
    g = load_group(write(workspace, BASE))
    assert g.roles == {} and g.notes_url is None
    assert all(m.roles is None and m.max_roles == {} for m in g.members)
    assert all(m.prefer == () and m.avoid == () for m in g.members)


@pytest.mark.parametrize(
    "old, new, message",
    [
        (
            "roles: {chair: 1, scribe: 2}",
            "roles: {chair: 1, presenter: 1}",
            "roles.presenter: presenters are not a role of `roles:`",
        ),
        ("roles: {chair: 1, scribe: 2}", "roles: {chair: 0}", "roles.chair: expected a whole"),
        ("roles: {chair: 1, scribe: 2}", "roles: {Chair Person: 1}", "roles: 'Chair Person' is"),
        ("roles: {chair: 1, scribe: 2}", "roles: [chair, scribe]", "roles: expected a mapping"),
        (
            "roles: [chair, presenter]",
            "roles: [chiar, presenter]",
            "members[0].roles[0]: 'chiar' is not a role of the group (did you mean 'chair'? "
            "the roles: presenter, chair, scribe)",
        ),
        (
            "max: {chair: 2}",
            "max: {secretary: 2}",
            "members[0].max.secretary: 'secretary' is not a role of the group (the roles: "
            "presenter, chair, scribe)",
        ),
        ("max: {chair: 2}", "max: {chair: -1}", "members[0].max.chair: expected a whole number"),
        ("max: {chair: 2}", "max: 2", "members[0].max: expected a mapping of role"),
        (
            "prefer: [2027-01-28, arxiv:2410.17243]",
            "prefer: [2027-02-30]",
            "members[0].prefer[0]: expected a date such as 2027-01-14 or a paper id, found "
            "'2027-02-30'",
        ),
        (
            "prefer: [2027-01-28, arxiv:2410.17243]",
            "prefer: [2027-02-04]",
            "members[0].avoid: 2027-02-04 is in members[0].prefer too",
        ),
        (
            "roles: [chair, presenter]",
            "roles: [chair]\n    pin: [paper-z]",
            "members[0].pin: Ada does not present (members[0].roles has no presenter)",
        ),
    ],
)
def test_bad_roles_and_preferences_name_file_line_and_problem(workspace, old, new, message):
    text = edit(ROLES, old, new)
    path = write(workspace, text)
    error = load_error(path)
    assert message in error.message and str(error.path) == str(path)
    # the line of the key at fault: the edited line, or (for the second of two) the one after
    needle = {"prefer: [2027-02-04]": "avoid:"}.get(new, new.split("\n")[-1].strip())
    assert error.line == line_of(text, needle)


def test_members_roles_name_only_presenter_when_the_group_has_no_roles(workspace):
    text = edit(BASE, "  - name: Alan\n", "  - name: Alan\n    roles: [presenter, chair]\n")
    error = load_error(write(workspace, text))
    assert "members[1].roles[1]: 'chair' is not a role of the group" in error.message
    assert "(the roles: presenter)" in error.message
    assert error.line == line_of(text, "roles: [presenter, chair]")


@pytest.mark.parametrize(
    "url, message",
    [
        (
            "https://docs.example.org/{group}/{day}",
            "{day} is not one of {group}, {date}, {session}",
        ),
        ("docs/{date}", "calendar.notes_url: expected an address"),
    ],
)
def test_a_bad_notes_url_names_its_line_and_the_fields_a_template_may_hold(workspace, url, message):
    text = BASE + f'calendar:\n  notes_url: "{url}"\n'
    error = load_error(write(workspace, text))
    assert message in error.message and error.line == line_of(text, "notes_url")


def test_the_cli_reports_a_bad_role_without_traceback(workspace, run):
    text = edit(ROLES, "roles: [chair, presenter]", "roles: [chiar]")
    path = write(workspace, text)
    result = run("plan", str(path))
    assert result.exit_code == 1 and "Traceback" not in result.stdout + result.stderr
    assert f"{path}:{line_of(text, 'roles: [chiar]')}" in result.stderr
    assert "'chiar' is not a role of the group" in result.stderr
    assert not (workspace / "group.plan.yaml").exists()
