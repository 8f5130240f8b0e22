"""Re-planning mid-term: each kind of change to the inputs or to the plan file, re-planned and
re-exported, and what the calendar shows for it (UID, SEQUENCE, STATUS, LAST-MODIFIED)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import yaml
from icalendar import Calendar

from conftest import TODAY

MID = "2027-01-10"  # after the fourth session (2027-01-07): s01-s04 are held
PLAN = "schedules/ml-systems.plan.yaml"
ICS = "schedules/ml-systems.ics"


def plan(run, schedule, today=TODAY):
    result = run("plan", str(schedule), "--today", today)
    assert result.exit_code == 0, result
    return result


def sessions(workspace) -> dict[str, dict]:
    return {s["id"]: s for s in yaml.safe_load((workspace / PLAN).read_text())["sessions"]}


def events(workspace) -> dict[str, dict]:
    """The feed's events by UID: SEQUENCE, STATUS, LAST-MODIFIED, DTSTART and the raw bytes."""
    raw = (workspace / ICS).read_bytes()
    blocks = {
        re.search(rb"\r\nUID:([^\r]+)", b).group(1).decode(): b
        for b in raw.split(b"BEGIN:VEVENT")[1:]
    }
    out = {}
    for event in Calendar.from_ical(raw).walk("VEVENT"):
        uid = str(event["UID"])
        out[uid] = {
            "sequence": int(event["SEQUENCE"]),
            "status": str(event["STATUS"]),
            "modified": event.decoded("LAST-MODIFIED").date().isoformat(),
            "start": event.decoded("DTSTART"),
            "raw": blocks[uid],
        }
    return out


def edit_config(schedule, change) -> None:
    config = yaml.safe_load(Path(schedule).read_text())
    change(config)
    Path(schedule).write_text(yaml.safe_dump(config, sort_keys=False))


def edit_plan(workspace, change) -> None:
    path = workspace / PLAN
    data = yaml.safe_load(path.read_text())
    change({s["id"]: s for s in data["sessions"]})
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True))


def changed(before: dict, after: dict) -> set[str]:
    return {uid for uid in before if before[uid]["raw"] != after[uid]["raw"]}


def held(ids: dict) -> list[str]:
    return [sid for sid, s in ids.items() if s["start"][:10] < MID]


def assert_updated(before: dict, after: dict, uids, status="CONFIRMED", day=MID) -> None:
    for uid in uids:
        assert after[uid]["sequence"] == before[uid]["sequence"] + 1, uid
        assert after[uid]["modified"] == day, uid
        assert after[uid]["status"] == status, uid


def test_nothing_changed_mid_term_gives_identical_files(run, schedule, workspace):
    """All but the web page, which marks the next session: that one moved on."""
    plan(run, schedule)
    folder = workspace / "schedules"
    files = {p.name: p.read_bytes() for p in folder.iterdir()}
    result = plan(run, schedule, MID)
    assert "Changed since" not in result.stdout
    now = {p.name: p.read_bytes() for p in folder.iterdir()}
    assert now.pop("ml-systems.html") != files.pop("ml-systems.html")
    assert now == files and len(now) == 4


NEW_PAPER = (
    "title,upvotes,published,arxiv_id,abstract\n"
    "Speculative Decoding for Everyone: Serving LLMs Twice as Fast,900,2025-11-24,2511.99999,"
    "We make speculative decoding serving fast.\n"
)


def test_a_new_paper_changes_few_sessions_and_the_calendar_updates_them(run, schedule, workspace):
    plan(run, schedule)
    before, ids = events(workspace), sessions(workspace)
    (workspace / "schedules" / "new.csv").write_text(NEW_PAPER)
    edit_config(schedule, lambda c: c["catalog"].update(sources=["paperclub:sample", "new.csv"]))
    plan(run, schedule, MID)
    after, now = events(workspace), sessions(workspace)
    assert set(after) == set(before)  # the same UIDs: nothing added, nothing dropped
    planned = {p["id"] for s in now.values() for p in s["papers"]}
    assert "arxiv:2511.99999" in planned  # the new paper is worth a change
    moved = changed(before, after)
    assert 1 <= len(moved) <= 3  # not a reshuffle of the 8 sessions left
    assert_updated(before, after, moved)
    for sid in held(ids):
        assert ids[sid]["uid"] not in moved
    for uid in set(after) - moved:  # untouched: byte for byte, DTSTAMP and all
        assert after[uid]["raw"] == before[uid]["raw"]


def test_a_new_skip_date_cancels_that_session_and_keeps_the_others(run, schedule, workspace):
    plan(run, schedule)
    before, ids = events(workspace), sessions(workspace)
    skipped = next(s for s in ids.values() if s["start"].startswith("2027-01-21"))
    edit_config(schedule, lambda c: c["meetings"]["skip"].append("2027-01-21"))
    result = plan(run, schedule, MID)
    after, now = events(workspace), sessions(workspace)
    assert f"({skipped['id']}): cancelled" in result.stdout
    assert now[skipped["id"]]["status"] == "cancelled"
    assert_updated(before, after, [skipped["uid"]], status="CANCELLED")
    for sid, s in ids.items():  # every other session keeps its id, date and UID
        assert now[sid]["uid"] == s["uid"] and now[sid]["start"] == s["start"]
    new = set(now) - set(ids)  # count: 12 sessions held, so one more at the end
    assert len(new) == 1
    (added,) = new
    assert added == f"s{len(ids) + 1:02d}" and now[added]["start"] > max(
        s["start"] for s in ids.values()
    )
    assert now[added]["uid"] in after and now[added]["uid"] not in before
    assert set(before) < set(after)  # the cancelled event stays in the feed


def test_a_shorter_term_cancels_its_last_sessions(run, schedule, workspace):
    plan(run, schedule)
    before, ids = events(workspace), sessions(workspace)
    edit_config(schedule, lambda c: c["meetings"].update(count=10))
    plan(run, schedule, MID)
    after, now = events(workspace), sessions(workspace)
    last = sorted(ids, key=lambda sid: ids[sid]["start"])[-2:]
    assert [now[sid]["status"] for sid in last] == ["cancelled", "cancelled"]
    assert_updated(before, after, [ids[sid]["uid"] for sid in last], status="CANCELLED")
    assert set(after) == set(before)


def test_a_meeting_moved_to_another_day_keeps_its_id_and_uid(run, schedule, workspace):
    plan(run, schedule)
    before, ids = events(workspace), sessions(workspace)
    edit_config(
        schedule,
        lambda c: c["meetings"].update(weekday="friday", skip=["2026-12-25", "2027-01-01"]),
    )
    plan(run, schedule, MID)
    after, now = events(workspace), sessions(workspace)
    future = [sid for sid in ids if sid not in held(ids)]
    for sid in future:
        uid = ids[sid]["uid"]
        assert now[sid]["uid"] == uid
        assert (after[uid]["start"] - before[uid]["start"]).days == 1  # Thursday to Friday
        assert_updated(before, after, [uid])
    assert set(now) == set(ids)
    for sid in held(ids):
        assert after[ids[sid]["uid"]]["raw"] == before[ids[sid]["uid"]]["raw"]


def test_the_time_of_day_changes_every_future_session_but_not_the_held(run, schedule, workspace):
    plan(run, schedule)
    before, ids = events(workspace), sessions(workspace)
    edit_config(schedule, lambda c: c["meetings"].update(time="17:30"))
    plan(run, schedule, MID)
    after = events(workspace)
    for sid, s in ids.items():
        if sid in held(ids):
            assert after[s["uid"]]["raw"] == before[s["uid"]]["raw"]
        else:
            assert_updated(before, after, [s["uid"]])
            assert after[s["uid"]]["start"].strftime("%H:%M") == "17:30"


RESHUFFLE = {"upvotes": 0.0, "recency": 0.0}  # every score 0: the plan may change anywhere


def test_a_locked_session_stays_exactly_as_it_is(run, schedule, workspace):
    plan(run, schedule)
    ids = sessions(workspace)
    edit_plan(workspace, lambda s: s["s07"].update(locked=True))
    plan(run, schedule, MID)
    before = events(workspace)
    edit_config(schedule, lambda c: c["selection"]["weights"].update(RESHUFFLE))
    edit_config(schedule, lambda c: c["topics"].update(reasoning=["reason"]))
    plan(run, schedule, MID)
    after, now = events(workspace), sessions(workspace)
    uid = ids["s07"]["uid"]
    assert after[uid]["raw"] == before[uid]["raw"]
    assert now["s07"]["papers"] == ids["s07"]["papers"] and now["s07"]["locked"] is True
    locked_papers = {p["id"] for p in ids["s07"]["papers"]}
    elsewhere = {p["id"] for sid, s in now.items() if sid != "s07" for p in s["papers"]}
    assert not locked_papers & elsewhere


def test_a_locked_paper_and_a_locked_presenter_stay(run, schedule, workspace):
    plan(run, schedule)
    ids = sessions(workspace)
    paper = ids["s08"]["papers"][1]
    other = ids["s09"]["papers"][0]
    member = next(
        m["name"]
        for m in yaml.safe_load(Path(schedule).read_text())["members"]
        if m["name"] != other["presenter"] and m["name"] != "Ada Lovelace"
    )

    def lock(s):
        s["s08"]["papers"][1]["locked"] = True
        s["s09"]["papers"][0]["presenter"] = {"name": member, "locked": True}

    edit_plan(workspace, lock)
    plan(run, schedule, MID)  # the presenter edit is a hand edit: s09 is kept as edited
    edit_plan(workspace, lambda s: s["s09"].update(locked=False))
    edit_config(schedule, lambda c: c["selection"]["weights"].update(RESHUFFLE))
    plan(run, schedule, MID)
    now = sessions(workspace)
    kept = next(p for p in now["s08"]["papers"] if p["id"] == paper["id"])
    assert kept["locked"] is True and kept["presenter"] == paper["presenter"]
    placed = [p for s in now.values() for p in s["papers"] if p["id"] == other["id"]]
    assert placed, "the locked presenter's paper was dropped"
    assert placed[0]["presenter"] == {"name": member, "locked": True}
    text = (workspace / PLAN).read_text()
    assert "locked: true" in text


def test_hand_swapped_papers_are_kept_checked_and_announced(run, schedule, workspace):
    plan(run, schedule)
    before, ids = events(workspace), sessions(workspace)

    def swap(s):
        s["s06"]["papers"][0], s["s08"]["papers"][0] = s["s08"]["papers"][0], s["s06"]["papers"][0]

    edit_plan(workspace, swap)
    result = plan(run, schedule, MID)
    after, now = events(workspace), sessions(workspace)
    assert now["s06"]["papers"][0]["id"] == ids["s08"]["papers"][0]["id"]
    assert now["s08"]["papers"][0]["id"] == ids["s06"]["papers"][0]["id"]
    assert now["s06"]["locked"] is True and now["s08"]["locked"] is True
    assert "s06 (2027-01-21) was edited by hand" in result.stderr
    swapped = {ids["s06"]["uid"], ids["s08"]["uid"]}
    assert changed(before, after) >= swapped
    assert_updated(before, after, swapped)
    again = plan(run, schedule, MID)  # the edit is known now: no new warning, same files
    assert "edited by hand" not in again.stderr
    assert events(workspace) == after


def test_a_hand_edit_that_breaks_a_rule_is_reported(run, schedule, workspace):
    """A rule the planner keeps, broken by hand, is kept as edited, with a warning (a paper
    the catalog does not have, one planned twice, a presenter who is not a member: errors,
    below)."""
    plan(run, schedule)
    ids = sessions(workspace)
    day = "2027-01-14"
    sid = next(k for k, s in ids.items() if s["start"].startswith(day))
    planned = {p["id"] for s in ids.values() for p in s["papers"]}
    papers = json.loads(run("papers", "--json", "--limit", "0").stdout)
    extra = min(p["id"] for p in papers if p["id"] not in planned)
    edit_plan(workspace, lambda s: s[sid]["papers"].append(dict(s[sid]["papers"][0], id=extra)))
    result = plan(run, schedule, MID)
    assert f"{sid} ({day}) was edited by hand" in result.stderr
    assert f"{day} has 3 papers, more than 2" in result.stderr
    assert [p["id"] for p in sessions(workspace)[sid]["papers"]][2:] == [extra]


def files_in(workspace) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in (workspace / "schedules").iterdir()}


def line_in(path: Path, needle: str, occurrence: int = 1) -> int:
    hits = [n for n, line in enumerate(path.read_text().splitlines(), 1) if needle in line]
    assert len(hits) >= occurrence, (needle, hits)
    return hits[occurrence - 1]


def test_an_unknown_paper_a_paper_twice_and_a_stranger_are_errors(run, schedule, workspace):
    plan(run, schedule)
    ids = sessions(workspace)
    read = ids["s01"]["papers"][0]["id"]  # s01 is held by MID
    right = ids["s09"]["papers"][0]["id"]
    typo = right[:-3]
    stranger = ids["s08"]["papers"][1]

    def edit(s):
        s["s06"]["papers"][0]["id"] = read
        s["s07"]["papers"][0]["id"] = typo
        s["s08"]["papers"][1]["presenter"] = "Ada Lovelce"

    edit_plan(workspace, edit)
    edited = files_in(workspace)
    result = run("plan", str(schedule), "--today", MID)
    assert result.exit_code == 1, result
    assert "Traceback" not in result.stderr
    path = workspace / PLAN
    day = {sid: s["start"][:10] for sid, s in ids.items()}
    assert (
        f"{PLAN}:{line_in(path, f'- id: {read}', 2)}: {read} is planned twice: "
        f"{day['s01']}, {day['s06']}"
    ) in result.stderr
    assert (
        f"{PLAN}:{line_in(path, f'- id: {typo}')}: s07 ({day['s07']}): {typo!r} is not in "
        f"the catalog; the closest: {ids['s09']['papers'][0]['title']!r} ({right})" in result.stderr
    )
    assert (
        f"{PLAN}:{line_in(path, 'presenter: Ada Lovelce')}: s08 ({day['s08']}): 'Ada "
        f"Lovelce' presents {stranger['id']} but is not a member (did you mean 'Ada "
        "Lovelace'?)"
    ) in result.stderr
    assert files_in(workspace) == edited  # nothing written


def test_an_edit_of_a_held_session_takes_force(run, schedule, workspace):
    plan(run, schedule)
    ids = sessions(workspace)
    paper = ids["s02"]["papers"][0]
    other = next(
        m["name"]
        for m in yaml.safe_load(Path(schedule).read_text())["members"]
        if m["name"] not in {p["presenter"] for p in ids["s02"]["papers"]}
    )
    edit_plan(workspace, lambda s: s["s02"]["papers"][0].update(presenter=other))
    edited = files_in(workspace)
    result = run("plan", str(schedule), "--today", MID)
    assert result.exit_code == 1, result
    assert (
        f"{PLAN}:{line_in(workspace / PLAN, '- id: s02')}: s02 ({ids['s02']['start'][:10]}) "
        f"was held (it is before {MID}) and was edited by hand: `paperclub plan --force` "
        "takes the edit"
    ) in result.stderr
    assert files_in(workspace) == edited
    forced = run("plan", str(schedule), "--today", MID, "--force")
    assert forced.exit_code == 0, forced
    now = sessions(workspace)["s02"]
    assert now["papers"][0]["id"] == paper["id"] and now["papers"][0]["presenter"] == other
    assert now["sequence"] == ids["s02"]["sequence"] + 1  # subscribers see the change


def test_planning_as_of_a_day_before_the_last_plan_takes_force(run, schedule, workspace):
    plan(run, schedule)
    assert yaml.safe_load((workspace / PLAN).read_text())["planned_as_of"] == TODAY
    ids = sessions(workspace)
    edit_config(schedule, lambda c: c["meetings"]["skip"].append(ids["s08"]["start"][:10]))
    plan(run, schedule, MID)  # a change: the plan file is of MID now
    assert yaml.safe_load((workspace / PLAN).read_text())["planned_as_of"] == MID
    before = files_in(workspace)
    result = run("plan", str(schedule), "--today", TODAY)
    assert result.exit_code == 1, result
    held_then = ", ".join(f"{sid} ({ids[sid]['start'][:10]})" for sid in held(ids))
    assert (
        f"{PLAN}:{line_in(workspace / PLAN, 'planned_as_of:')}: the plan was last changed "
        f"as of {MID}, when {held_then} had been held: planning as of {TODAY} would plan "
        "them again; `paperclub plan --force` does that"
    ) in result.stderr
    assert files_in(workspace) == before
    assert run("plan", str(schedule), "--today", TODAY, "--force").exit_code == 0


OLD_PLAN = Path(__file__).resolve().parent / "fixtures" / "old-plan"


def _without(data, keys):
    """`data` with `keys` left out at every depth."""
    if isinstance(data, dict):
        return {k: _without(v, keys) for k, v in data.items() if k not in keys}
    if isinstance(data, list):
        return [_without(v, keys) for v in data]
    return data


def test_a_plan_file_without_its_date_gets_one_and_keeps_its_sessions(run, workspace):
    """A plan file written before `planned_as_of`: re-planned as it was, then dated."""
    (workspace / "schedules").mkdir()
    for name in ("ml-systems.yaml", "ml-systems.plan.yaml"):
        (workspace / "schedules" / name).write_bytes((OLD_PLAN / name).read_bytes())
    old = sessions(workspace)
    assert "planned_as_of" not in (workspace / PLAN).read_text()
    plan(run, "schedules/ml-systems.yaml", MID)
    data = yaml.safe_load((workspace / PLAN).read_text())
    assert data["planned_as_of"] == MID
    # the held sessions, as they were (keys of later formats added: who presented, and the
    # presenters' affinity parts)
    added = ("turns", "affinity")
    now = {s["id"]: s for s in data["sessions"]}
    for sid in held(old):
        assert _without(now[sid], added) == _without(old[sid], added)
    result = run("plan", "schedules/ml-systems.yaml", "--today", TODAY)
    assert result.exit_code == 1 and "`paperclub plan --force` does that" in result.stderr


def test_a_hand_edited_presenter_on_an_unavailable_day_is_reported(run, schedule, workspace):
    plan(run, schedule)
    edit_config(schedule, lambda c: c["members"][0].update(unavailable=["2027-01-14"]))
    plan(run, schedule, MID)
    ids = sessions(workspace)
    sid = next(k for k, s in ids.items() if s["start"].startswith("2027-01-14"))
    assert all(p["presenter"] != "Ada Lovelace" for p in ids[sid]["papers"])
    edit_plan(workspace, lambda s: s[sid]["papers"][0].update(presenter="Ada Lovelace"))
    result = plan(run, schedule, MID)
    assert (
        f"Ada Lovelace presents {ids[sid]['papers'][0]['id']} in {sid} (2027-01-14) but "
        "is unavailable that day" in result.stderr
    )
    assert sessions(workspace)[sid]["papers"][0]["presenter"] == "Ada Lovelace"


def test_a_locked_paper_on_a_date_that_is_gone_is_an_error(run, schedule, workspace):
    plan(run, schedule)
    files = {p.name: p.read_bytes() for p in (workspace / "schedules").iterdir()}
    ids = sessions(workspace)
    edit_plan(workspace, lambda s: s["s07"]["papers"][0].update(locked=True))
    locked_plan = (workspace / PLAN).read_bytes()
    day = ids["s07"]["start"][:10]
    edit_config(schedule, lambda c: c["meetings"]["skip"].append(day))
    result = run("plan", str(schedule), "--today", MID)
    assert result.exit_code == 1
    assert (
        f"is locked in s07 ({day}) in the plan file, but the meeting rules no longer give"
        in result.stderr
    )
    assert (workspace / PLAN).read_bytes() == locked_plan
    assert (workspace / ICS).read_bytes() == files["ml-systems.ics"]


def test_a_session_without_its_start_or_end_is_named_not_a_traceback(run, schedule, workspace):
    """A hand edit that empties a session's `start:` (or `end:`): the plan file is refused,
    naming the key, before anything is planned or written."""
    plan(run, schedule)
    sid = min(sessions(workspace))
    planned = (workspace / PLAN).read_text()
    for key in ("start", "end"):
        edit_plan(workspace, lambda s, key=key: s[sid].update({key: None}))
        before = files_in(workspace)
        for command in (["show"], ["plan", "--today", MID]):
            result = run(*command, str(schedule))
            assert result.exit_code == 1, result
            assert "ml-systems.plan.yaml" in result.stderr
            assert f"{key}: expected a date and time, found None" in result.stderr
        assert files_in(workspace) == before
        (workspace / PLAN).write_text(planned)
