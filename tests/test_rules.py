"""Hard rules that cannot all hold stop `plan` with exit 1 and a diagnosis naming each
conflict; sessions already held are kept and their papers are not chosen again."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
import yaml

from conftest import TODAY


def edit_config(schedule, **selection):
    config = yaml.safe_load(Path(schedule).read_text())
    config["selection"].update(selection)
    Path(schedule).write_text(yaml.safe_dump(config))
    return config


def sample_ids(run, n):
    """The ids of the best-known papers of the sample, by upvotes then id."""
    assert run("import", "paperclub:sample").exit_code == 0
    papers = json.loads(run("papers", "--json", "--limit", "0").stdout)
    papers.sort(key=lambda p: (-p["upvotes"], p["id"]))
    return [p["id"] for p in papers[:n]], {p["id"]: p for p in papers}


def plan_fails(run, schedule):
    result = run("plan", str(schedule), "--today", TODAY)
    assert result.exit_code == 1, result
    assert "Traceback" not in result.stderr
    return result.stderr


def test_too_many_papers_pinned_to_a_date(run, schedule):
    ids, _ = sample_ids(run, 3)
    edit_config(schedule, pin={date(2026, 12, 10): ids})
    assert "2026-12-10 has 3 papers, more than 2" in plan_fails(run, schedule)


def test_a_cycle_of_before_pairs(run, schedule):
    (a, b, c), _ = sample_ids(run, 3)
    edit_config(schedule, before=[[a, b], [b, c], [c, a]])
    err = plan_fails(run, schedule)
    cycle = [a, b, c]
    start = cycle.index(min(cycle))  # reported from its smallest id, once
    cycle = cycle[start:] + cycle[:start]
    assert " before ".join(cycle + cycle[:1]) in err
    assert err.count(" before ") == 3


def test_a_two_paper_cycle(run, schedule):
    (a, b), _ = sample_ids(run, 2)
    edit_config(schedule, before=[[a, b], [b, a]])
    first, second = sorted([a, b])
    assert f"{first} before {second} before {first}" in plan_fails(run, schedule)


def test_pins_against_before(run, schedule):
    (a, b), _ = sample_ids(run, 2)
    edit_config(schedule, pin={date(2026, 12, 3): [b], date(2027, 1, 7): [a]}, before=[[a, b]])
    err = plan_fails(run, schedule)
    assert f"{a} must come before {b}, but {a} is on 2027-01-07 and {b} on 2026-12-03" in err
    # b pinned to the very first session leaves no room for a
    assert f"{b} is pinned to 2026-12-03, session 1, but 1 paper must come before it" in err


def test_one_paper_on_two_dates_and_every_conflict_listed(run, schedule, workspace):
    (a, b), _ = sample_ids(run, 2)
    # in the catalog, not from the group's catalog.sources (a pin of a paper the catalog does
    # not have stops plan before the rules: see test_config.py)
    (workspace / "other.csv").write_text("title\nA Paper of Another Group\n")
    assert run("import", "other.csv").exit_code == 0
    edit_config(
        schedule,
        pin={
            date(2026, 12, 3): [a],
            date(2026, 12, 10): [a],
            date(2026, 12, 12): [b],
            date(2026, 12, 17): ["a-paper-of-another-group"],
        },
    )
    err = plan_fails(run, schedule)
    assert f"{a} is planned twice: 2026-12-03, 2026-12-10" in err
    assert (
        f"{b} pinned to 2026-12-12, but there is no meeting then: it is a Saturday; "
        "the group meets on Thursdays"
    ) in err
    assert (
        "a-paper-of-another-group on 2026-12-17 cannot be planned: not among the candidates" in err
    )
    assert err.count("\n  - ") == 3


def test_two_pinned_papers_of_one_topic_under_spread(run, schedule):
    _, papers = sample_ids(run, 1)
    inference = sorted(pid for pid, p in papers.items() if p["topics"][:1] == ["inference"])[:2]
    edit_config(schedule, pin={date(2026, 12, 10): inference})
    assert "2026-12-10 has 2 papers on inference, but balance.policy spread" in plan_fails(
        run, schedule
    )


def test_public_holidays_are_skipped_and_named(run, schedule):
    config = yaml.safe_load(Path(schedule).read_text())
    config["meetings"]["holidays"] = "DE"
    config["meetings"]["skip"] = []
    config["meetings"]["weekday"] = "friday"
    config["meetings"]["start"] = date(2026, 12, 4)
    config["selection"]["pin"] = {}
    Path(schedule).write_text(yaml.safe_dump(config))
    assert run("plan", str(schedule), "--today", TODAY).exit_code == 0
    shown = json.loads(run("show", str(schedule), "--json").stdout)
    days = [s["start"][:10] for s in shown["sessions"]]
    assert "2026-12-25" not in days and "2027-01-01" not in days  # Christmas, New Year
    assert "2026-12-18" in days and "2027-01-08" in days
    assert len(days) == config["meetings"]["count"]
    ids, _ = sample_ids(run, 1)
    edit_config(schedule, pin={date(2026, 12, 25): ids})
    assert "it is skipped: Christmas Day (DE)" in plan_fails(run, schedule)


def test_an_unknown_holiday_calendar_is_a_config_error(run, schedule):
    text = (
        Path(schedule)
        .read_text()
        .replace("  papers_per_session: 2", "  holidays: XX\n  papers_per_session: 2")
    )
    Path(schedule).write_text(text)
    err = plan_fails(run, schedule)
    assert "meetings.holidays" in err and "no holiday calendar for 'XX'" in err


def test_sessions_already_held_are_kept_and_not_read_again(run, schedule, workspace):
    assert run("plan", str(schedule), "--today", TODAY).exit_code == 0
    first = json.loads(run("show", str(schedule), "--json").stdout)["sessions"]
    # a month later, with a paper that outscores everything: in the field, and popular
    data = [
        {
            "title": "Speculative Decoding Everyone Upvoted",
            "upvotes": 10**6,
            "abstract": "Speculative decoding for serving inference, with a kv cache.",
            "topics": ["inference"],
        }
    ]
    (workspace / "hot.json").write_text(json.dumps(data))
    config = yaml.safe_load(Path(schedule).read_text())
    config["catalog"]["sources"] = ["paperclub:sample", "../hot.json"]
    config["selection"]["weights"]["change"] = 0  # free to change what is not held
    Path(schedule).write_text(yaml.safe_dump(config))
    result = run("plan", str(schedule), "--today", "2026-12-11")
    assert result.exit_code == 0, result
    later = json.loads(run("show", str(schedule), "--json").stdout)["sessions"]
    held = [s for s in first if s["start"][:10] < "2026-12-11"]
    assert len(held) == 2 and later[:2] == held  # exactly as they were
    read = {p["id"] for s in held for p in s["papers"]}
    future = [p["id"] for s in later[2:] for p in s["papers"]]
    assert not read & set(future)
    assert "speculative-decoding-everyone-upvoted" in future
    assert future.count("speculative-decoding-everyone-upvoted") == 1


@pytest.mark.parametrize("policy", ["spread"])
def test_a_satisfiable_config_still_plans(run, schedule, policy):
    (a, b), _ = sample_ids(run, 2)
    edit_config(schedule, before=[[a, b]])
    assert run("plan", str(schedule), "--today", TODAY).exit_code == 0


def test_papers_of_earlier_terms_are_not_read_again(run, schedule, workspace):
    assert run("plan", str(schedule), "--today", TODAY).exit_code == 0
    plan_file = workspace / "schedules" / "ml-systems.plan.yaml"
    earlier = workspace / "schedules" / "ml-systems-2025.plan.yaml"
    plan_file.rename(earlier)
    read = {p["id"] for s in yaml.safe_load(earlier.read_text())["sessions"] for p in s["papers"]}
    config = yaml.safe_load(Path(schedule).read_text())
    config["selection"]["history"] = ["ml-systems-2025.plan.yaml"]
    config["selection"]["pin"] = {}
    Path(schedule).write_text(yaml.safe_dump(config))
    assert run("plan", str(schedule), "--today", TODAY).exit_code == 0
    now = {
        p["id"]
        for s in json.loads(run("show", str(schedule), "--json").stdout)["sessions"]
        for p in s["papers"]
    }
    assert len(now) == len(read) and not now & read
    some = sorted(read)[1]
    out = run("why", str(schedule), some, "--today", TODAY).stdout
    assert out.splitlines()[0] == f"{some} is excluded: already read in an earlier session"
    assert out.splitlines()[1].startswith("  relevance ")  # what it would have had
    pinned = sorted(read)[0]
    config["selection"]["pin"] = {date(2026, 12, 3): pinned}
    Path(schedule).write_text(yaml.safe_dump(config))
    assert f"{pinned} on 2026-12-03 cannot be planned: excluded: already read" in plan_fails(
        run, schedule
    )
