"""`paperclub diff OLD NEW` and the changes `plan` prints: per session and per member."""

from __future__ import annotations

import json
import shutil
from datetime import date
from pathlib import Path

import yaml

from conftest import TODAY


def test_plan_prints_what_changed_and_diff_agrees(run, schedule, workspace):
    assert run("plan", str(schedule), "--today", TODAY).exit_code == 0
    plan_file = workspace / "schedules" / "ml-systems.plan.yaml"
    old = workspace / "old.plan.yaml"
    shutil.copy(plan_file, old)
    before = yaml.safe_load(plan_file.read_text())["sessions"]
    # pin a later session's paper to the first date: two sessions change
    config = yaml.safe_load(Path(schedule).read_text())
    moved = before[5]["papers"][0]
    config["selection"]["pin"] = {date(2026, 12, 3): moved["id"]}
    Path(schedule).write_text(yaml.safe_dump(config))
    result = run("plan", str(schedule), "--today", TODAY)
    assert result.exit_code == 0, result
    assert "Changed since the last plan:" in result.stdout
    assert f"2026-12-03 (s01): + {moved['title']}" in result.stdout
    after = yaml.safe_load(plan_file.read_text())["sessions"]
    new_presenter = next(
        p["presenter"] for s in after for p in s["papers"] if p["id"] == moved["id"]
    )
    if new_presenter == moved["presenter"]:
        assert (
            f"{new_presenter} presents {moved['title']} on 2026-12-03, "
            f"was {before[5]['start'][:10]}"
        ) in result.stdout
    else:
        assert f"{moved['presenter']} no longer presents {moved['title']}" in result.stdout
    out = run("diff", str(old), str(plan_file)).stdout
    assert set(out.strip().splitlines()) == {
        line.strip()
        for line in result.stdout.split("Changed since the last plan:")[1].splitlines()
        if line.startswith("  ") and not line.startswith("  schedules/")
    }
    data = json.loads(run("diff", str(old), str(plan_file), "--json").stdout)
    changed = {s["id"] for s in data["sessions"]}
    unchanged = {s["id"] for s, t in zip(before, after) if s["papers"] == t["papers"]}
    assert "s01" in changed and not changed & unchanged
    assert all(m["changes"] for m in data["members"])


def test_no_changes(run, schedule, workspace):
    assert run("plan", str(schedule), "--today", TODAY).exit_code == 0
    again = run("plan", str(schedule), "--today", TODAY)
    assert "Changed since" not in again.stdout
    plan_file = "schedules/ml-systems.plan.yaml"
    assert run("diff", plan_file, plan_file).stdout.strip() == "No changes."
    assert json.loads(run("diff", plan_file, str(schedule), "--json").stdout) == {
        "sessions": [],
        "members": [],
    }


def test_a_shorter_term_cancels_sessions(run, schedule, workspace):
    assert run("plan", str(schedule), "--today", TODAY).exit_code == 0
    shutil.copy(workspace / "schedules" / "ml-systems.plan.yaml", workspace / "old.plan.yaml")
    config = yaml.safe_load(Path(schedule).read_text())
    config["meetings"]["count"] -= 2
    Path(schedule).write_text(yaml.safe_dump(config))
    assert run("plan", str(schedule), "--today", TODAY).exit_code == 0
    data = json.loads(run("diff", "old.plan.yaml", str(schedule), "--json").stdout)
    cancelled = [s["id"] for s in data["sessions"] if "cancelled" in s["changes"]]
    assert cancelled == ["s11", "s12"]


def test_diff_of_a_missing_plan(run):
    result = run("diff", "a.plan.yaml", "b.plan.yaml")
    assert result.exit_code == 1 and "no such plan file" in result.stderr
