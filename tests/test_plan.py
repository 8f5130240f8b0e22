"""`paperclub plan` and `paperclub show` on the sample term: the shape of the plan, its hard
rules, and byte-identical output when planned again."""

from __future__ import annotations

import json
from collections import Counter
from datetime import date, datetime
from pathlib import Path

import pytest
import yaml

from conftest import TODAY

OUTPUTS = ("ml-systems.plan.yaml", "ml-systems.ics", "ml-systems.md")


def plan_json(run, schedule):
    result = run("plan", str(schedule), "--today", TODAY)
    assert result.exit_code == 0, result
    shown = run("show", str(schedule), "--json")
    assert shown.exit_code == 0, shown
    return json.loads(shown.stdout)


def test_plan_writes_plan_and_outputs(run, schedule, workspace):
    result = run("plan", str(schedule), "--today", TODAY)
    assert result.exit_code == 0, result
    for name in OUTPUTS:
        assert (workspace / "schedules" / name).stat().st_size > 0
    assert (workspace / "catalog.sqlite").exists()  # the config's source was imported


def test_show_json_shape(run, schedule):
    config = yaml.safe_load(Path(schedule).read_text())
    data = plan_json(run, schedule)
    assert data["group"]["name"] == config["group"]["name"]
    sessions = data["sessions"]
    assert len(sessions) == config["meetings"]["count"] >= 10
    for s in sessions:
        assert set(s) >= {"id", "start", "end", "status", "sequence", "papers"}
        start, end = datetime.fromisoformat(s["start"]), datetime.fromisoformat(s["end"])
        assert start.utcoffset() is not None and end > start
        assert start.strftime("%H:%M") == config["meetings"]["time"]
        assert s["status"] == "confirmed" and s["sequence"] == 0
        for p in s["papers"]:
            assert set(p) >= {"id", "title", "topics", "presenter", "score"}
    skipped = {d.isoformat() for d in config["meetings"]["skip"]}
    assert not skipped & {s["start"][:10] for s in sessions}


def test_plan_keeps_the_hard_rules(run, schedule):
    config = yaml.safe_load(Path(schedule).read_text())
    per_session = config["meetings"]["papers_per_session"]
    sessions = plan_json(run, schedule)["sessions"]
    ids = [p["id"] for s in sessions for p in s["papers"]]
    assert len(ids) == len(set(ids)) == per_session * len(sessions)
    primary = [[p["topics"][0] for p in s["papers"]] for s in sessions]
    for topics in primary:  # never two papers of one topic in a session
        assert len(topics) == len(set(topics))
    # a topic in two sessions in a row is allowed, at a price the plan's objective counts
    repeats = sum(len(set(a) & set(b)) for a, b in zip(primary, primary[1:]))
    solver = yaml.safe_load((Path(schedule).parent / "ml-systems.plan.yaml").read_text())["solver"]
    assert solver["terms"]["consecutive"] == -3.0 * repeats
    assert repeats < len(sessions) - 1  # the balance keeps some sessions apart
    for day, paper in config["selection"]["pin"].items():
        placed = [s for s in sessions if s["start"][:10] == day.isoformat()]
        assert paper in [p["id"] for p in placed[0]["papers"]]


def test_plan_prefers_higher_scores(run, schedule, workspace):
    from paperclub import config, planner
    from paperclub.catalog import Catalog
    from paperclub.plugins import Hooks, get_plugin_manager
    from paperclub.signals import measure

    sessions = plan_json(run, schedule)["sessions"]
    chosen = {p["id"]: p["score"] for s in sessions for p in s["papers"]}
    hooks = Hooks(get_plugin_manager(workspace))
    group = config.load_group(Path(schedule), emitters=hooks.emitters)
    with Catalog(workspace / "catalog.sqlite") as cat:
        papers = list(cat.papers())
        signals = measure(group, cat, papers, frozenset(), hooks.sources)
        pool, _ = planner.candidates(group, papers, hooks, frozenset(), signals)
    scores = {c.id: c.score for c in pool}
    assert len(scores) == 87
    for pid, score in chosen.items():  # the plan shows the plugins' scores
        assert abs(scores[pid] - score) < 1e-3
    best = max(scores, key=lambda pid: (scores[pid], pid))
    assert best in chosen
    unchosen = [v for pid, v in scores.items() if pid not in chosen]
    assert sum(chosen.values()) / len(chosen) > sum(unchosen) / len(unchosen)


def test_before_pairs_are_kept(run, schedule):
    """Ask for the first papers of two consecutive sessions in the opposite order."""
    first = plan_json(run, schedule)["sessions"]
    config = yaml.safe_load(Path(schedule).read_text())
    paired = {i for pair in config["selection"]["before"] for i in pair}
    free = [n for n, s in enumerate(first) if not paired & {p["id"] for p in s["papers"]}]
    n = next(n for n in free if n + 1 in free)  # two sessions the sample's pair is not in
    a, b = first[n]["papers"][0]["id"], first[n + 1]["papers"][0]["id"]  # a before b today
    config["selection"]["before"] = [[b, a]]
    Path(schedule).write_text(yaml.safe_dump(config))
    sessions = plan_json(run, schedule)["sessions"]
    when = {p["id"]: s["start"] for s in sessions for p in s["papers"]}
    assert a in when and b in when and when[b] < when[a]


def test_planning_twice_gives_identical_bytes(run, schedule, workspace):
    run("plan", str(schedule), "--today", TODAY)
    first = {n: (workspace / "schedules" / n).read_bytes() for n in OUTPUTS}
    again = run("plan", str(schedule), "--today", "2026-11-20")  # another day, same inputs
    assert again.exit_code == 0, again
    assert "unchanged" in again.stdout
    assert {n: (workspace / "schedules" / n).read_bytes() for n in OUTPUTS} == first


def test_a_fresh_plan_on_the_same_day_is_identical(run, schedule, workspace, tmp_path, monkeypatch):
    run("plan", str(schedule), "--today", TODAY)
    first = {n: (workspace / "schedules" / n).read_bytes() for n in OUTPUTS}
    other = tmp_path / "other"
    (other / "schedules").mkdir(parents=True)
    (other / "schedules" / "ml-systems.yaml").write_bytes(Path(schedule).read_bytes())
    monkeypatch.chdir(other)
    assert run("plan", str(schedule), "--today", TODAY).exit_code == 0
    assert {n: (other / "schedules" / n).read_bytes() for n in OUTPUTS} == first


def test_changed_session_gets_new_sequence_and_stamp(run, schedule, workspace):
    run("plan", str(schedule), "--today", TODAY)
    before = {s["id"]: s for s in plan_json(run, schedule)["sessions"]}
    plan_file = workspace / "schedules" / "ml-systems.plan.yaml"
    stamp_before = yaml.safe_load(plan_file.read_text())["sessions"]
    # pin another paper to the first date: that session changes, the others need not
    config = yaml.safe_load(Path(schedule).read_text())
    first_day = min(config["selection"]["pin"])
    later = before["s05"]["papers"][0]["id"]
    config["selection"]["pin"] = {first_day: later}
    Path(schedule).write_text(yaml.safe_dump(config))
    assert run("plan", str(schedule), "--today", "2026-11-20").exit_code == 0
    after = {
        s["id"]: s for s in json.loads(run("show", str(schedule), "--json").stdout)["sessions"]
    }
    assert after["s01"]["sequence"] == before["s01"]["sequence"] + 1
    stamps = {s["id"]: s["modified"] for s in yaml.safe_load(plan_file.read_text())["sessions"]}
    old = {s["id"]: s["modified"] for s in stamp_before}
    assert stamps["s01"] > old["s01"]
    for sid, s in after.items():
        if [(p["id"], p["presenter"]) for p in s["papers"]] == [
            (p["id"], p["presenter"]) for p in before[sid]["papers"]
        ]:
            assert s["sequence"] == before[sid]["sequence"] and stamps[sid] == old[sid]
        assert s["start"] == before[sid]["start"]


def test_failed_plan_leaves_outputs_as_they_were(run, schedule, workspace):
    run("plan", str(schedule), "--today", TODAY)
    files = {p: p.read_bytes() for p in (workspace / "schedules").iterdir()}
    config = yaml.safe_load(Path(schedule).read_text())
    config["selection"]["pin"] = {date(2026, 12, 3): "no-such-paper"}
    Path(schedule).write_text(yaml.safe_dump(config))
    result = run("plan", str(schedule), "--today", TODAY)
    assert result.exit_code == 1
    assert "no-such-paper" in result.stderr
    files.pop(workspace / "schedules" / "ml-systems.yaml")
    assert {p: p.read_bytes() for p in files} == files


def test_pin_on_a_date_without_a_meeting(run, schedule):
    config = yaml.safe_load(Path(schedule).read_text())
    config["selection"]["pin"] = {
        date(2026, 12, 24): next(iter(config["selection"]["pin"].values()))
    }
    Path(schedule).write_text(yaml.safe_dump(config))
    result = run("plan", str(schedule), "--today", TODAY)
    assert result.exit_code == 1
    assert "pinned to 2026-12-24, but there is no meeting then: it is skipped" in result.stderr


def test_show_table_lists_every_session(run, schedule):
    data = plan_json(run, schedule)
    table = run("show", str(schedule)).stdout
    for s in data["sessions"]:
        assert s["start"][:10] in table
        for p in s["papers"]:
            assert p["presenter"] and p["presenter"] in table


THREE_PAPERS = [  # title, abstract, upvotes: all three on the sample config's `inference`,
    # so spacing them out would avoid the consecutive penalty: filling from the first wins
    ("Speculative decoding for faster serving", "We draft tokens and verify them.", 30),
    ("A smaller KV cache", "We compress the cache of long prompts.", 20),
    ("Quantization without retraining", "We round weights to four bits.", 10),
]


def test_fewer_papers_than_sessions_fill_the_first_and_the_rest_are_announced_later(
    run, schedule, workspace
):
    import csv

    from icalendar import Calendar

    with (workspace / "schedules" / "three.csv").open("w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["title", "abstract", "upvotes"])
        writer.writerows(THREE_PAPERS)
    config = yaml.safe_load(Path(schedule).read_text())
    config["catalog"]["sources"] = ["three.csv"]
    config["meetings"]["count"] = 6
    config["meetings"]["papers_per_session"] = 1
    config["selection"]["pin"] = {}
    config["selection"]["before"] = []
    config["outputs"] = ["ics", "markdown", "html", "json", "csv"]
    Path(schedule).write_text(yaml.safe_dump(config))
    result = run("plan", str(schedule), "--today", TODAY)
    assert result.exit_code == 0, result

    folder = workspace / "schedules"
    sessions = yaml.safe_load((folder / "ml-systems.plan.yaml").read_text())["sessions"]
    assert len(sessions) == 6
    assert [len(s["papers"]) for s in sessions] == [1, 1, 1, 0, 0, 0]
    assert {s["papers"][0]["title"] for s in sessions[:3]} == {t for t, _, _ in THREE_PAPERS}
    assert all(s["papers"][0]["topics"][0] == "inference" for s in sessions[:3])
    assert all(s["status"] == "confirmed" for s in sessions)
    days = [s["start"][:10] for s in sessions]
    empty = days[3:]

    table = run("show", str(schedule))
    assert table.exit_code == 0, table
    lines = table.stdout.splitlines()
    for day in days:  # every date, one line each
        (line,) = [x for x in lines if day in x]
        assert ("(to be announced)" in line) == (day in empty), line
    assert table.stdout.count("(to be announced)") == 3

    markdown = (folder / "ml-systems.md").read_text()
    for day in days:
        (row,) = [x for x in markdown.splitlines() if day in x]
        assert ("*to be announced*" in row) == (day in empty), row

    html = (folder / "ml-systems.html").read_text()
    items = html.split('<li class="session')[1:]
    assert len(items) == 6
    for day, item in zip(days, items):
        assert f'datetime="{day}T' in item
        assert ("Papers to be announced." in item) == (day in empty), item

    events = Calendar.from_ical((folder / "ml-systems.ics").read_bytes()).walk("VEVENT")
    summaries = {str(e["DTSTART"].dt.date()): str(e["SUMMARY"]) for e in events}
    assert sorted(summaries) == days
    assert [d for d in days if "papers to be announced" in summaries[d]] == empty

    rows = list(csv.DictReader((folder / "ml-systems.csv").open(newline="")))
    assert [r["date"] for r in rows] == days  # one row a session, the empty ones too
    assert [
        len(s["papers"]) for s in json.loads((folder / "ml-systems.json").read_text())["sessions"]
    ] == [1, 1, 1, 0, 0, 0]


def test_show_without_a_plan(run, schedule):
    result = run("show", str(schedule))
    assert result.exit_code == 1
    assert "paperclub plan" in result.stderr


def test_presenters_rotate_within_limits(run, schedule):
    config = yaml.safe_load(Path(schedule).read_text())
    members = {m["name"]: m for m in config["members"]}
    sessions = plan_json(run, schedule)["sessions"]
    load = Counter()
    for s in sessions:
        day = date.fromisoformat(s["start"][:10])
        names = [p["presenter"] for p in s["papers"]]
        assert len(names) == len(set(names)) and None not in names
        for name in names:
            assert day not in members[name].get("unavailable", [])
            load[name] += 1
    for name, n in load.items():
        assert n <= members[name].get("max_sessions", n)
    limited = {n for n, m in members.items() if "max_sessions" in m}
    free = [load[n] for n in members if n not in limited]
    assert max(free) - min(free) <= 1


def test_a_primary_arxiv_category_is_a_topic():
    from paperclub.default_plugins.topics import paperclub_paper_topics
    from paperclub.models import Paper

    class G:
        topics = {"inference": ("decoding",)}

    paper = Paper(
        id="arxiv:1", title="On decoding", keywords=("cs.CL", "cs.LG", "speculative decoding")
    )
    assert paperclub_paper_topics(paper, G) == ["inference", "cs.CL"]
    plain = Paper(id="x", title="Something", keywords=("speculative decoding",))
    assert paperclub_paper_topics(plain, G) == ["inference"]


def test_a_plan_cut_short_says_which_limit_stopped_it_and_old_plan_files_still_read(tmp_path):
    """A plan the work limit stopped records `stopped_by` beside its status and gap; a plan
    proven optimal has no such key, as plan files of earlier versions, which read unchanged."""
    import random

    from paperclub import planfile, planner, solver

    rng = random.Random(7)
    items = [(f"p{i:03d}", f"t{rng.randrange(8)}", round(rng.random() * 5, 3)) for i in range(300)]
    report = planner._solver_report(solver.solve(items, 20, 3, work_limit=1))
    assert report["stopped_by"] == "work limit" and report["status"] == "feasible"
    assert report["gap"] > 0
    assert "stopped_by" not in planner._solver_report(solver.solve(items, 20, 3))

    old_path = Path(__file__).resolve().parent / "fixtures" / "old-plan" / "ml-systems.plan.yaml"
    old = planfile.load(old_path)
    assert old.solver["status"] == "optimal" and "stopped_by" not in old.solver
    assert planfile.dump(old) == planfile.dump(planfile.load(old_path))
    old.solver = {**old.solver, "status": "feasible", "stopped_by": "work limit"}
    path = tmp_path / "cut.plan.yaml"
    path.write_bytes(planfile.dump(old))
    assert planfile.load(path).solver["stopped_by"] == "work limit"
    # and the explanation says so
    from paperclub.explain import _solver_line

    assert _solver_line(report).endswith(f"gap {report['gap']:.2%}, stopped by its work limit")
    assert "stopped by" not in _solver_line(planfile.load(old_path).solver)


@pytest.mark.parametrize("policy", ["proportional", "themed"])
def test_a_fresh_plan_of_every_policy_is_identical(
    run, schedule, workspace, tmp_path, monkeypatch, policy
):
    """Two fresh plans of the same inputs, in two folders: the same bytes, for the balance
    policies whose optimum comes from the relaxation's plan too."""
    path = Path(schedule)
    targets = "\n  targets: {inference: 0.4, code: 0.3}" if policy == "proportional" else ""
    path.write_text(path.read_text().replace("policy: spread", f"policy: {policy}{targets}"))
    done = run("plan", str(schedule), "--today", TODAY)
    assert done.exit_code == 0, done.stderr
    first = {n: (workspace / "schedules" / n).read_bytes() for n in OUTPUTS}
    assert b"status: optimal" in first["ml-systems.plan.yaml"]
    other = tmp_path / "other"
    (other / "schedules").mkdir(parents=True)
    (other / "schedules" / "ml-systems.yaml").write_bytes(path.read_bytes())
    monkeypatch.chdir(other)
    assert run("plan", str(schedule), "--today", TODAY).exit_code == 0
    assert {n: (other / "schedules" / n).read_bytes() for n in OUTPUTS} == first
