"""Plugin loading: built-ins listed with their hooks, a workspace plugin changes the plan, and
a broken plugin is named (file, line, hook) with its own exit code while --help still works."""

from __future__ import annotations

import importlib
import inspect
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from paperclub import hookspecs
from paperclub.plugins import DEFAULT_PLUGINS, Hooks, get_plugin_manager

from conftest import TODAY

PLUGIN_EXIT = 3


def write_plugin(workspace, name, source):
    folder = workspace / "plugins"
    folder.mkdir(exist_ok=True)
    (folder / name).write_text(textwrap.dedent(source))


def test_plugins_json_lists_every_builtin_with_its_hooks(run):
    result = run("plugins", "--json")
    assert result.exit_code == 0, result
    listed = {row["name"]: row["hooks"] for row in json.loads(result.stdout)}
    for name in DEFAULT_PLUGINS:
        module = importlib.import_module(name)
        hooks = sorted(n for n, f in vars(module).items()
                       if n.startswith("paperclub_") and inspect.isfunction(f))
        assert hooks, f"{name} implements no hook"
        assert listed[name] == hooks


def test_every_hook_has_a_builtin_or_is_for_plugins_only():
    specs = {n for n in vars(hookspecs) if n.startswith("paperclub_")}
    implemented = {n for name in DEFAULT_PLUGINS for n in vars(importlib.import_module(name))
                   if n.startswith("paperclub_")}
    assert implemented <= specs
    # the two hooks that exist only for plugins of groups (see DESIGN: no built-in)
    assert specs - implemented == {"paperclub_customize_event", "paperclub_register_commands"}


def _plan_ids(run, schedule):
    assert run("plan", str(schedule), "--today", TODAY).exit_code == 0
    shown = json.loads(run("show", str(schedule), "--json").stdout)
    return [[p["id"] for p in s["papers"]] for s in shown["sessions"]]


def test_a_workspace_score_plugin_changes_the_plan(run, schedule, workspace):
    before = _plan_ids(run, schedule)
    surveys_before = sum("survey" in pid for ids in before for pid in ids)
    # favour papers about "survey", none of which the default scores choose
    write_plugin(workspace, "surveys_first.py", """
        def paperclub_score_paper(paper, group, history):
            return 10.0 if "survey" in paper.title.lower() else 0.0
    """)
    listed = {r["name"]: r["hooks"] for r in json.loads(run("plugins", "--json").stdout)}
    assert listed["plugins/surveys_first.py"] == ["paperclub_score_paper"]
    after = _plan_ids(run, schedule)
    assert after != before
    shown = json.loads(run("show", str(schedule), "--json").stdout)
    surveys = [p for s in shown["sessions"] for p in s["papers"] if "survey" in p["title"].lower()]
    assert len(surveys) > surveys_before
    plan_file = (workspace / "schedules" / "ml-systems.plan.yaml").read_text()
    assert "surveys_first: 10.0" in plan_file  # the plugin's share is kept, named after it


def _cli(workspace, *args):
    env = {**os.environ, "PAPERCLUB_DISABLE_PLUGIN_AUTOLOAD": "1"}
    return subprocess.run([sys.executable, "-m", "paperclub", *args], cwd=workspace, env=env,
                          capture_output=True, text=True, stdin=subprocess.DEVNULL)


@pytest.mark.parametrize("source, expected", [
    ("def paperclub_score_paper(paper, group, history):\n    return 1 +\n",
     "plugins/broken.py:2: syntax error"),
    ("import no_such_module_here\n",
     "plugins/broken.py:1: failed to import: ModuleNotFoundError"),
    ("def paperclub_scor_paper(paper, group, history):\n    return 1\n",
     "paperclub_scor_paper"),
])
def test_a_broken_plugin_is_named_and_help_still_works(workspace, schedule, source, expected):
    write_plugin(workspace, "broken.py", source)
    help_ = _cli(workspace, "--help")
    assert help_.returncode == 0 and "plan" in help_.stdout
    result = _cli(workspace, "plan", str(schedule))
    assert result.returncode == PLUGIN_EXIT
    assert expected in result.stderr
    assert "plugins/broken.py" in result.stderr
    assert "Traceback" not in result.stderr


def test_an_exception_in_a_hook_names_plugin_line_and_hook(workspace, schedule):
    write_plugin(workspace, "raises.py", """
        def paperclub_paper_topics(paper, group):
            raise RuntimeError("boom")
    """)
    result = _cli(workspace, "plan", str(schedule), "--today", TODAY)
    assert result.returncode == PLUGIN_EXIT
    assert "plugins/raises.py (line 3) raised in paperclub_paper_topics: RuntimeError: boom" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (workspace / "schedules" / "ml-systems.plan.yaml").exists()


def test_a_score_that_is_not_a_number(workspace, run, schedule):
    write_plugin(workspace, "text_score.py", """
        def paperclub_score_paper(paper, group, history):
            return {"mood": "high"}
    """)
    result = run("plan", str(schedule), "--today", TODAY)
    assert result.exit_code == PLUGIN_EXIT
    assert "plugins/text_score.py" in result.stderr and "not a number" in result.stderr


def test_an_emitter_name_registered_twice_names_both_plugins(workspace, run, schedule):
    write_plugin(workspace, "my_ics.py", """
        class Ics:
            name, extension, media_type = "ics", ".ics", "text/calendar"
            def render(self, plan):
                return b""

        def paperclub_register_emitters(register):
            register(Ics())
    """)
    result = run("plan", str(schedule), "--today", TODAY)
    assert result.exit_code == PLUGIN_EXIT
    assert "'ics' is registered twice" in result.stderr
    assert "paperclub.default_plugins.ics" in result.stderr and "plugins/my_ics.py" in result.stderr


def test_a_plugin_adds_a_command(workspace):
    write_plugin(workspace, "hello.py", """
        import click

        def paperclub_register_commands(cli):
            @cli.command()
            def hello():
                "Say hello from a plugin."
                click.echo("hello from the plugin")
    """)
    assert "Say hello from a plugin." in _cli(workspace, "--help").stdout
    result = _cli(workspace, "hello")
    assert result.returncode == 0 and result.stdout.strip() == "hello from the plugin"


def test_installed_plugins_are_ignored_when_autoload_is_off(monkeypatch, workspace):
    from importlib import metadata

    class FakeEntryPoint:
        name, value = "intruder", "intruder:plugin"

        def load(self):
            raise AssertionError("an installed plugin was loaded")

    monkeypatch.setattr(metadata, "entry_points", lambda group=None: [FakeEntryPoint()])
    pm = get_plugin_manager(workspace)  # PAPERCLUB_DISABLE_PLUGIN_AUTOLOAD=1 from conftest
    assert pm.get_plugin("intruder") is None
    monkeypatch.delenv("PAPERCLUB_DISABLE_PLUGIN_AUTOLOAD")
    with pytest.raises(Exception, match="intruder"):
        get_plugin_manager(workspace)


def test_customize_event_edits_the_feed(workspace, run, schedule):
    write_plugin(workspace, "video.py", """
        def paperclub_customize_event(event, session, plan):
            event.add("url", "https://meet.example.org/" + session.id)
    """)
    assert run("plan", str(schedule), "--today", TODAY).exit_code == 0
    feed = (workspace / "schedules" / "ml-systems.ics").read_text()
    assert "URL:https://meet.example.org/s01" in feed
    hooks = Hooks(get_plugin_manager(workspace))
    assert "plugins/video.py" in [name for name, _ in hooks.pm.list_name_plugin()]


def test_a_failing_emitter_is_named_and_nothing_is_written(workspace, run, schedule):
    write_plugin(workspace, "bad_emitter.py", """
        class Broken:
            name, extension, media_type = "broken", ".txt", "text/plain"
            def render(self, plan):
                return 1 / 0

        def paperclub_register_emitters(register):
            register(Broken())
    """)
    config = Path(schedule).read_text().replace("outputs: [ics, markdown]", "outputs: [ics, broken]")
    Path(schedule).write_text(config)
    result = run("plan", str(schedule), "--today", TODAY)
    assert result.exit_code == PLUGIN_EXIT
    assert "plugins/bad_emitter.py: emitter 'broken' failed: ZeroDivisionError" in result.stderr
    assert sorted(p.name for p in (workspace / "schedules").iterdir()) == ["ml-systems.yaml"]
