"""`paperclub init`: a workspace a new organiser starts from, which plans at once."""

from __future__ import annotations

import fnmatch
import re
from datetime import date, timedelta
from pathlib import Path

from conftest import ROOT, TODAY
from paperclub import planfile
from paperclub.config import load_group
from paperclub.workspace import TEMPLATE, first_session

CONFIG = Path("schedules/reading-group.yaml")


def test_init_then_plan_works_at_once(run, workspace, monkeypatch):
    result = run("init", "club", "--today", TODAY)
    assert result.exit_code == 0, result
    assert result.stdout.splitlines() == [
        "club/schedules/reading-group.yaml (written)",
        "club/plugins/README.md (written)",
        "Next: edit schedules/reading-group.yaml, then cd club && "
        "paperclub plan schedules/reading-group.yaml",
    ]
    monkeypatch.chdir(workspace / "club")
    result = run("plan", str(CONFIG), "--today", TODAY)
    assert result.exit_code == 0, result
    assert "Planned 10 sessions with 20 papers from 87 candidates." in result.stdout
    the_plan = planfile.load_existing(CONFIG)
    assert len(the_plan.sessions) == 10
    assert all(len(s.papers) == 2 and all(a.presenter for a in s.papers) for s in the_plan.sessions)
    for output in ("reading-group.ics", "reading-group.md", "reading-group.html"):
        assert (workspace / "club" / "schedules" / output).stat().st_size > 0
    shown = run("show", str(CONFIG)).stdout
    assert shown.startswith("Reading Group (America/New_York)") and "(to be announced)" not in shown


def test_the_config_asks_a_new_organiser_what_to_fill_in(run, workspace):
    assert run("init", "--today", TODAY).exit_code == 0
    text = CONFIG.read_text()
    group = load_group(CONFIG)
    assert group.timezone == "America/New_York" and "IANA" in text
    assert group.meetings.start == date(2026, 11, 12)  # a Thursday, 11 days after TODAY
    assert group.meetings.count and group.meetings.papers_per_session == 2
    assert group.sources == ("paperclub:sample",)
    assert len(group.members) >= 3 and all(m.interests for m in group.members)
    assert group.topics
    # each section comes after a comment that asks a question about it
    for section in ("group", "meetings", "catalog", "members", "topics", "selection", "balance"):
        before = text[: text.index(f"\n{section}:")].splitlines()
        comment = []
        while before and before[-1].startswith("# "):
            comment.insert(0, before.pop())
        assert "?" in " ".join(comment), section


def test_the_first_session_is_a_thursday_a_week_or_more_ahead():
    monday = date(2026, 11, 2)
    for n in range(7):
        today = monday + timedelta(days=n)
        start = first_session(today)
        assert start.weekday() == 3 and 7 <= (start - today).days <= 13, today


def test_the_same_day_gives_the_same_files(run, workspace):
    assert run("init", "a", "--today", TODAY).exit_code == 0
    assert run("init", "b", "--today", TODAY).exit_code == 0
    for name in ("schedules/reading-group.yaml", "plugins/README.md"):
        assert (workspace / "a" / name).read_bytes() == (workspace / "b" / name).read_bytes()


def test_init_overwrites_nothing_without_force(run, workspace):
    assert run("init", "--today", TODAY).exit_code == 0
    CONFIG.write_text("# ours\n")
    (workspace / "notes.txt").write_text("keep me\n")
    result = run("init", "--today", TODAY)
    assert result.exit_code == 1
    assert result.stderr.strip() == (
        "Error: schedules/reading-group.yaml: exists already (and "
        "plugins/README.md): paperclub init overwrites nothing "
        "without --force"
    )
    assert CONFIG.read_text() == "# ours\n"
    # one file of the two there is enough to stop it, and the other is not written either
    (workspace / "plugins" / "README.md").unlink()
    result = run("init", "--today", TODAY)
    assert (
        result.exit_code == 1 and "schedules/reading-group.yaml: exists already:" in result.stderr
    )
    assert not (workspace / "plugins" / "README.md").exists()
    result = run("init", "--force", "--today", TODAY)
    assert result.exit_code == 0, result
    assert load_group(CONFIG).name == "Reading Group"
    assert (workspace / "plugins" / "README.md").exists()
    assert (workspace / "notes.txt").read_text() == "keep me\n"


def test_init_into_a_file_or_over_a_folder_is_an_error(run, workspace):
    Path("club").write_text("not a folder\n")
    result = run("init", "club")
    assert result.exit_code == 1
    assert result.stderr.strip() == (
        "Error: club: not a folder: paperclub init makes a workspace in a folder"
    )
    Path("schedules").write_text("not a folder\n")
    result = run("init", "--force")
    assert result.exit_code == 1 and "Error: schedules: not a folder" in result.stderr
    assert not Path("plugins").exists()
    Path("schedules").unlink()
    Path(CONFIG).mkdir(parents=True)
    result = run("init", "--force")
    assert result.exit_code == 1 and "a folder is where paperclub init writes" in result.stderr


def test_the_plugins_readme_example_loads(run, workspace):
    assert run("init", "--today", TODAY).exit_code == 0
    readme = (workspace / "plugins" / "README.md").read_text()
    name = re.search(r"saved as `(plugins/\w+\.py)`", readme).group(1)
    Path(name).write_text(re.search(r"```python\n(.*?)```", readme, re.DOTALL).group(1))
    assert run("plan", str(CONFIG), "--today", TODAY).exit_code == 0
    assert f"{name}: paperclub_exclude_paper" in run("plugins").stdout.splitlines()
    why = run(
        "why",
        str(CONFIG),
        "a-survey-of-quantization-methods-for-efficient-neural-network-inference",
        "--today",
        TODAY,
    )
    assert f"a survey ({name})" in why.stdout


def test_the_templates_are_package_data():
    """An installed (not editable) paperclub has the files init copies."""
    pyproject = (ROOT / "pyproject.toml").read_text()
    patterns = re.findall(r'"([^"]+)"', re.search(r"\npaperclub = \[(.*?)\]", pyproject).group(1))
    package = ROOT / "src" / "paperclub"
    files = [p.relative_to(package).as_posix() for p in TEMPLATE.rglob("*") if p.is_file()]
    assert len(files) == 2
    for name in files:
        assert any(fnmatch.fnmatch(name, pattern) for pattern in patterns), name
