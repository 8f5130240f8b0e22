"""The docs stay true: every hook has a section, and every plugin example in docs/plugins.md
loads and plans."""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from conftest import ROOT, TODAY
from paperclub import hookspecs

PLUGINS_MD = (ROOT / "docs" / "plugins.md").read_text()
EXAMPLES = re.findall(r"```python\n(.*?)```", PLUGINS_MD, re.DOTALL)
HOOKS = sorted(n for n in vars(hookspecs) if n.startswith("paperclub_"))


@pytest.mark.parametrize("hook", HOOKS)
def test_every_hook_has_a_section(hook):
    assert f"\n### {hook}\n" in PLUGINS_MD


def test_every_hook_has_an_example():
    for hook in HOOKS:
        assert any(f"def {hook}(" in example for example in EXAMPLES), hook


@pytest.mark.parametrize("example", EXAMPLES, ids=[f"example{i}" for i in range(len(EXAMPLES))])
def test_plugin_examples_load_and_plan(example, run, schedule, workspace):
    (workspace / "plugins").mkdir()
    (workspace / "plugins" / "example.py").write_text(example)
    result = run("plan", str(schedule), "--today", TODAY)
    assert result.exit_code == 0, result


def _section(markdown: str, heading: str) -> str:
    return re.search(
        rf"\n## {re.escape(heading)}.*?\n(.*?)(?=\n## |\Z)", markdown, re.DOTALL
    ).group(1)


def _paperclub_commands(block: str) -> list[list[str]]:
    """The `paperclub ...` lines of a shell block, as argument lists (comments dropped)."""
    return [
        shlex.split(line, comments=True)[1:]
        for line in block.splitlines()
        if line.startswith("paperclub ")
    ]


def test_the_tutorial_runs_as_written(run, schedule, workspace):
    tutorial = _section(PLUGINS_MD, "Tutorial")
    setup, after = re.findall(r"```sh\n(.*?)```", tutorial, re.DOTALL)
    code = re.search(r"```python\n(.*?)```", tutorial, re.DOTALL).group(1)
    expected = re.search(r"```text\n(.*?)```", tutorial, re.DOTALL).group(1)
    # the setup: a workspace with the sample config (the schedule fixture), planned once
    assert "cp ../schedules/ml-systems.yaml schedules/" in setup
    for args in _paperclub_commands(setup):
        assert run(*args).exit_code == 0
    # the plugin, written where its first line says
    path = re.match(r"# (plugins/\w+\.py):", code).group(1)
    (workspace / "plugins").mkdir()
    (workspace / path).write_text(code)
    assert len([line for line in code.splitlines() if line.strip()]) <= 10
    output = ""
    for args in _paperclub_commands(after):
        result = run(*args)
        assert result.exit_code == 0, result
        output += result.stdout
    assert output == expected
    listed = run("plugins").stdout.splitlines()
    assert listed[-1] == f"{path}: paperclub_exclude_paper" and f"`{listed[-1]}`" in tutorial


def test_the_switches_example_runs(schedule, workspace):
    """The shell lines of "Switching plugins off, and watching them", run by a shell in a
    workspace with the example plugins, print what the doc says they print."""
    for example in (ROOT / "plugins").glob("*.py"):
        (workspace / "plugins").mkdir(exist_ok=True)
        (workspace / "plugins" / example.name).write_text(example.read_text())
    section = re.search(
        r"\n### Switching plugins off.*?\n(.*?)(?=\n## )", PLUGINS_MD, re.DOTALL
    ).group(1)
    script = re.search(r"```sh\n(.*?)```", section, re.DOTALL).group(1)
    env = {k: v for k, v in os.environ.items() if not k.startswith("PAPERCLUB_")}
    env["PAPERCLUB_DISABLE_PLUGIN_AUTOLOAD"] = "1"
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env['PATH']}"  # this paperclub
    done = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", script],
        cwd=workspace,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert "plugins/no_surveys.py: disabled (PAPERCLUB_DISABLE_PLUGINS)" in done.stdout
    assert "plugins/no_surveys.py: disabled (PAPERCLUB_DISABLE_PLUGINS)" in section
    trace = (workspace / "trace.txt").read_text().splitlines()
    shown = re.search(r"```text\n(.*?)```", section, re.DOTALL).group(1).splitlines()
    assert shown and all(line in trace for line in shown)
    assert (
        done.stdout.count("Planned 12 sessions") == 2
    )  # the traced plan, and the one without plugins/


def test_readme_quickstart_is_two_make_targets():
    readme = (ROOT / "README.md").read_text()
    block = re.search(r"## Quickstart.*?```sh\n(.*?)```", readme, re.DOTALL).group(1)
    commands = [line.split("#")[0].strip() for line in block.splitlines() if line.strip()]
    assert commands == ["make demo", "make test"]
    makefile = (ROOT / "Makefile").read_text()
    assert re.search(r"^demo:", makefile, re.M) and re.search(r"^test:", makefile, re.M)
    assert "make test" in (ROOT / ".ci" / "run").read_text()


def test_config_doc_example_loads(tmp_path):
    from paperclub.config import load_group

    config_md = (ROOT / "docs" / "config.md").read_text()
    example = re.search(r"```yaml\n(.*?)```", config_md, re.DOTALL).group(1)
    path = tmp_path / "group.yaml"
    path.write_text(example)
    group = load_group(path)
    assert group.name == "ML Systems Reading Group" and group.meetings.count == 12


def test_usage_csv_example_imports(run, workspace):
    usage = (ROOT / "docs" / "usage.md").read_text()
    example = re.search(r"```csv\n(.*?)```", usage, re.DOTALL).group(1)
    (workspace / "papers.csv").write_text(example)
    result = run("import", "papers.csv")
    assert result.exit_code == 0, result
    rows = example.strip().splitlines()[1:]
    listed = json.loads(run("papers", "--json").stdout)
    assert len(listed) == len(rows)
    assert any(p["id"] == "arxiv:1706.03762" and p["links"].get("code") for p in listed)


def test_config_doc_balance_example_plans(run, schedule):
    config_md = (ROOT / "docs" / "config.md").read_text()
    example = re.search(
        r"```yaml\n(balance:\n  policy: proportional.*?)```", config_md, re.DOTALL
    ).group(1)
    extra = yaml.safe_load(example)
    config = yaml.safe_load(Path(schedule).read_text())
    config["balance"] = extra["balance"]
    config["selection"]["weights"] = extra["selection"]["weights"]
    config["selection"]["time_limit"] = extra["selection"]["time_limit"]
    Path(schedule).write_text(yaml.safe_dump(config))
    result = run("plan", str(schedule), "--today", TODAY, "--explain")
    assert result.exit_code == 0, result
    assert "proportional" in result.stdout and "optimal" in result.stdout


def test_readme_shows_the_plan_make_demo_prints(run, schedule, workspace):
    """`make demo` plans the sample in the repository root, with its example plugins; the
    README shows the table it prints."""
    import shutil

    (workspace / "plugins").mkdir()
    for example in (ROOT / "plugins").glob("*.py"):
        shutil.copy(example, workspace / "plugins" / example.name)
    assert run("plan", str(schedule), "--today", "2026-12-03").exit_code == 0
    shown = run("show", str(schedule)).stdout
    readme = (ROOT / "README.md").read_text()
    assert re.search(r"## Quickstart.*?```text\n(.*?)```", readme, re.DOTALL).group(1) == shown


def _with_today(args: list[str]) -> list[str]:
    """A command as shown, and `--today` where it takes one: no test depends on the date."""
    from paperclub.cli import cli

    command = cli.commands.get(args[0])
    takes = command is not None and any(p.name == "today" for p in command.params)
    return [*args, "--today", TODAY] if takes and "--today" not in args else args


def _run_lines(block: str, run, monkeypatch, skip: str = "") -> str:
    """Run a shell block's lines as a user would: `cd DIR`, then `paperclub ...` lines; lines
    starting with `skip` are left out. Each must succeed; their output, in order."""
    output = ""
    for line in block.splitlines():
        if not line.strip() or (skip and line.startswith(skip)):
            continue
        if line.startswith("cd "):
            monkeypatch.chdir(shlex.split(line, comments=True)[1])
            continue
        assert line.startswith("paperclub "), f"a line the test cannot run: {line}"
        result = run(*_with_today(shlex.split(line, comments=True)[1:]))
        assert result.exit_code == 0, (line, result)
        output += result.stdout
    return output


def test_readme_using_it_runs_in_a_fresh_clone(run, workspace, monkeypatch, tmp_path):
    """Every `paperclub` line of the README's "Using it", in a copy of what a clone holds:
    the files the lines name, the repository root's plugins; `publish` against a real
    Radicale set up as docs/publish.md does."""
    from test_publish import PASSWORD, USER, Radicale

    block, init_block = re.findall(
        r"```sh\n(.*?)```", _section((ROOT / "README.md").read_text(), "Using it"), re.DOTALL
    )
    for args in _paperclub_commands(block):
        for arg in args:
            if (ROOT / arg).is_file():
                (workspace / arg).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy(ROOT / arg, workspace / arg)
    shutil.copytree(ROOT / "plugins", workspace / "plugins")
    (tmp_path / "radicale").mkdir()
    server = Radicale(tmp_path / "radicale")
    try:
        server.client().principal().make_calendar(name="ML Systems", cal_id="ml-systems")
        for name, value in {
            "PAPERCLUB_CALDAV_USER": USER,
            "PAPERCLUB_CALDAV_PASSWORD": PASSWORD,
            "NETRC": str(tmp_path / "no-netrc"),
            "NO_PROXY": "127.0.0.1",
        }.items():
            monkeypatch.setenv(name, value)
        # the README's calendar is at docs/publish.md's address; this server's port is free
        assert "http://127.0.0.1:5232/ada/ml-systems/" in block
        block = block.replace("http://127.0.0.1:5232", server.url)
        output = _run_lines(block, run, monkeypatch, skip="pip install -e . ")
    finally:
        server.stop()
    assert "catalog.sqlite: 93 papers" in output and "Planned 12 sessions" in output
    assert f"Published to {server.url}/ada/ml-systems/: 12 created" in output
    # and the other block: a group of one's own, from paperclub init
    output = _run_lines(init_block, run, monkeypatch)
    assert "Planned 10 sessions with 20 papers" in output


def test_usage_init_example_prints_what_it_shows(run, monkeypatch):
    section = _section((ROOT / "docs" / "usage.md").read_text(), "`paperclub init [DIR]`")
    block = re.search(r"```sh\n(.*?)```", section, re.DOTALL).group(1)
    shown = re.search(r"\n\n```\n(.*?)```", section, re.DOTALL).group(1)  # the untagged block
    output = _run_lines(block, run, monkeypatch)
    assert output.startswith(shown) and "Planned 10 sessions" in output


def _subsection(heading: str) -> str:
    return re.search(
        rf"\n### {re.escape(heading)}\n(.*?)(?=\n## |\n### |\Z)", PLUGINS_MD, re.DOTALL
    ).group(1)


def test_the_catalog_and_today_example_does_what_it_says(run, schedule, workspace):
    """The plugin of "The catalog and today": a `like_liked` score part from the liked papers
    it reads in the catalog, and, a few days before the first session, a warning for each of
    its papers (the sample catalog has no abstracts)."""
    code = re.search(r"```python\n(.*?)```", _subsection("The catalog and today"), re.DOTALL).group(
        1
    )
    assert "imports from `paperclub.api` only" not in code  # it needs no import of paperclub
    path = re.match(r"# (plugins/\w+\.py):", code).group(1)
    (workspace / "plugins").mkdir()
    (workspace / path).write_text(code)
    config = yaml.safe_load(Path(schedule).read_text())
    liked = "mirror-speculative-decoding-breaking-the-serial-barrier-in-llm-inference"
    config["selection"]["like"] = [liked]
    Path(schedule).write_text(yaml.safe_dump(config, sort_keys=False))
    result = run("plan", str(schedule), "--today", "2026-11-30")
    assert result.exit_code == 0, result
    plan = json.loads(run("show", str(schedule), "--json").stdout)
    parts = {p["id"]: p["score_parts"] for s in plan["sessions"] for p in s["papers"]}
    assert any("like_liked" in p for p in parts.values()) and "like_liked" not in parts[liked]
    first = plan["sessions"][0]
    assert first["start"].startswith("2026-12-03")
    for paper in first["papers"]:
        assert f"2026-12-03: {paper['title']} has no abstract to read ahead" in result.stderr
    assert result.stderr.count("has no abstract to read ahead") == len(first["papers"])
    # a month before, no session is in the coming week
    assert "read ahead" not in run("plan", str(schedule), "--today", TODAY).stderr


def test_the_command_example_runs_as_the_doc_says(schedule, workspace):
    """The command of paperclub_register_commands, run as a user would (the command line
    built at start-up): the sessions from --today on, and the catalog's size."""
    section = _subsection("paperclub_register_commands")
    code = re.search(r"```python\n(.*?)```", section, re.DOTALL).group(1)
    line = re.search(r"`(paperclub ahead [^`]*)`", section).group(1)
    (workspace / "plugins").mkdir()
    (workspace / "plugins" / "ahead.py").write_text(code)
    env = {k: v for k, v in os.environ.items() if not k.startswith("PAPERCLUB_")}
    env["PAPERCLUB_DISABLE_PLUGIN_AUTOLOAD"] = "1"

    def paperclub(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-m", "paperclub", *args],
            cwd=workspace,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )

    assert paperclub("plan", str(schedule), "--today", TODAY).returncode == 0
    done = paperclub(*shlex.split(line)[1:])
    assert done.returncode == 0, done.stderr
    plan = json.loads(paperclub("show", str(schedule), "--json").stdout)
    ahead = [
        f"{s['start'][:10]}  {p['title']}"
        for s in plan["sessions"]
        if s["start"][:10] >= "2027-03-01"
        for p in s["papers"]
    ]
    assert ahead and done.stdout.splitlines() == ahead + ["87 papers in the catalog"]


def test_the_settings_example_reads_its_settings_and_the_catalog(run, schedule, workspace):
    """ "Settings of your own": the plugin, with the doc's settings: section, plans with its
    score part; the doc's error lines are what a misspelt key and plugin name give."""
    section = _section(PLUGINS_MD, "Writing a plugin")
    part = re.search(r"\n### Settings of your own\n(.*?)(?=\n### )", section, re.DOTALL).group(1)
    code = re.search(r"```python\n(.*?)```", part, re.DOTALL).group(1)
    settings = re.search(r"```yaml\n(.*?)```", part, re.DOTALL).group(1)
    errors = re.search(r"```\n(Error.*?)```", part, re.DOTALL).group(1).splitlines()
    path = re.match(r"# (plugins/\w+\.py):", code).group(1)
    (workspace / "plugins").mkdir()
    (workspace / path).write_text(code)
    config = schedule.read_text()
    assert config.count("\n") == 51  # the doc's line numbers: settings: is line 52
    schedule.write_text(config + settings)
    result = run("plan", str(schedule), "--today", TODAY)
    assert result.exit_code == 0, result
    shown = json.loads(run("show", str(schedule), "--json").stdout)
    parts = [
        p["score_parts"].get("seed_similarity") for s in shown["sessions"] for p in s["papers"]
    ]
    assert any(parts)
    for typo, error in [
        (("max_age_years: 3", "max_age_yaers: 3"), errors[0]),
        (("max_age_years: 3", "max_age_years: five"), errors[1]),
        (("  seed_similarity:", "  seed_similarty:"), errors[2]),
    ]:
        schedule.write_text(config + settings.replace(*typo))
        result = run("plan", str(schedule), "--today", TODAY)
        assert result.exit_code == 1 and result.stderr == error + "\n"
    config_md = (ROOT / "docs" / "config.md").read_text()
    assert settings in config_md and errors[0] in config_md and errors[2] in config_md
