"""paperclub.testing, the pytest plugin a plugin's tests use: its `paperclub_workspace` fixture
plans, shows and explains in process, with the plugin under test loaded, and docs/plugins.md's
example of it passes under pytest with the plugin installed."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from types import SimpleNamespace

import pytest

from conftest import ROOT
from paperclub.cli import cli
from paperclub.testing import TODAY

SURVEY = "a-survey-of-quantization-methods-for-efficient-neural-network-inference"


def no_surveys():
    """The repository's example plugin, as a module object."""
    namespace: dict = {}
    exec(
        compile((ROOT / "plugins" / "no_surveys.py").read_text(), "no_surveys.py", "exec"),
        namespace,
    )
    return SimpleNamespace(paperclub_exclude_paper=namespace["paperclub_exclude_paper"])


def test_a_workspace_with_the_sample_plans_as_of_a_fixed_day(paperclub_workspace):
    result = paperclub_workspace.plan()
    assert result.exit_code == 0, result
    assert "Planned 10 sessions with 20 papers from 87 candidates." in result.stdout
    assert len(result.papers) == 20 and all(a.score_parts for a in result.papers)
    assert result.plan.sessions[0].start.date().isoformat() == "2026-11-12"  # from TODAY
    assert paperclub_workspace.today == TODAY
    shown = paperclub_workspace.show()
    assert shown.exit_code == 0 and shown.stdout.startswith("Reading Group (America/New_York)")
    assert [a.paper_id for a in shown.papers] == [a.paper_id for a in result.papers]


def test_a_plugin_given_as_an_object_takes_part(paperclub_workspace):
    before = paperclub_workspace.plan()
    assert any("survey" in a.title.lower() for a in before.papers)  # the sample has them
    paperclub_workspace.load(no_surveys(), "no_surveys")
    after = paperclub_workspace.plan()
    assert after.exit_code == 0, after
    assert not [a for a in after.papers if "survey" in a.title.lower()]
    listed = paperclub_workspace.run("plugins").stdout.splitlines()
    assert "no_surveys: paperclub_exclude_paper" in listed
    why = paperclub_workspace.why(SURVEY)
    assert why.exit_code == 0 and f"{SURVEY} is excluded: a survey" in why.stdout


def test_the_tests_papers_and_config(paperclub_workspace):
    paperclub_workspace.use_papers(
        [
            {"title": "Speculative decoding, again", "arxiv": "2601.00001", "date": "2026-01-05"},
            {"title": "A compiler for reading groups", "arxiv": "2601.00002"},
            {
                "title": "Quantization of everything",
                "arxiv": "2601.00003",
                "code": "https://example.org/q",
            },
        ]
    )
    paperclub_workspace.configure(
        meetings={"count": 1, "papers_per_session": 2}, selection={"exclude_read": False}
    )
    result = paperclub_workspace.plan()
    assert result.exit_code == 0, result
    assert "from 3 candidates" in result.stdout
    assert len(result.plan.sessions) == 1 and len(result.papers) == 2
    config = (paperclub_workspace.path / paperclub_workspace.config).read_text()
    assert "timezone: America/New_York" in config  # the rest of the section is kept
    assert "papers.yaml" in config
    paperclub_workspace.configure(balance=None)
    assert "balance:" not in (paperclub_workspace.path / paperclub_workspace.config).read_text()


def test_a_plugins_error_is_an_exit_code_not_an_exception(paperclub_workspace):
    def paperclub_score_paper(paper):
        raise RuntimeError("boom")

    paperclub_workspace.load(SimpleNamespace(paperclub_score_paper=paperclub_score_paper), "boom")
    result = paperclub_workspace.plan()
    assert result.exit_code == 3 and result.plan is None
    assert "raised in paperclub_score_paper: RuntimeError: boom" in result.stderr


def test_a_misnamed_hook_is_named_as_for_an_installed_plugin(paperclub_workspace):
    def paperclub_score_papers(paper):
        return 1.0

    paperclub_workspace.load(SimpleNamespace(paperclub_score_papers=paperclub_score_papers), "typo")
    result = paperclub_workspace.plan()
    assert result.exit_code == 3
    assert "plugin typo" in result.stderr and "did you mean paperclub_score_paper?" in result.stderr


def test_a_command_a_plugin_adds_runs_and_stays_in_its_run(paperclub_workspace):
    import click

    def paperclub_register_commands(cli):
        @cli.command()
        def hello():
            """Say hello."""
            click.echo("hello")

    paperclub_workspace.load(
        SimpleNamespace(paperclub_register_commands=paperclub_register_commands), "hello"
    )
    result = paperclub_workspace.run("hello")
    assert result.exit_code == 0 and result.stdout == "hello\n"
    assert "hello" not in cli.commands  # paperclub's own command line is left as it was


def test_an_entry_point_that_is_not_installed_fails_the_test_clearly(paperclub_workspace):
    with pytest.raises(
        pytest.fail.Exception,
        match="no installed paperclub plugin is named 'not_installed'.*pip install -e",
    ):
        paperclub_workspace.load("not_installed")


def test_installed_plugins_stay_out_and_the_catalog_is_the_workspaces(paperclub_workspace):
    assert os.environ["PAPERCLUB_DISABLE_PLUGIN_AUTOLOAD"] == "1"
    assert "PAPERCLUB_CATALOG" not in os.environ
    assert paperclub_workspace.path == paperclub_workspace.path.cwd()
    paperclub_workspace.plan()
    assert (paperclub_workspace.path / "catalog.sqlite").exists()


DIST_INFO = {
    "METADATA": "Metadata-Version: 2.1\nName: paperclub-no-surveys\nVersion: 1.0\n",
    "entry_points.txt": "[paperclub]\nno_surveys = paperclub_no_surveys\n",
}


def test_the_docs_example_passes_under_pytest(tmp_path):
    """docs/plugins.md's "Testing a plugin" example, run by pytest in a new process where the
    example plugin no_surveys is installed (its module and its .dist-info on the path, as pip
    lays them out): the fixture comes from paperclub's pytest11 entry point, no conftest."""
    section = re.search(
        r"\n## Testing a plugin\n(.*?)(?=\n## )",
        (ROOT / "docs" / "plugins.md").read_text(),
        re.DOTALL,
    ).group(1)
    example = re.search(r"```python\n(.*?)```", section, re.DOTALL).group(1)
    site = tmp_path / "site"
    info = site / "paperclub_no_surveys-1.0.dist-info"
    info.mkdir(parents=True)
    for name, text in DIST_INFO.items():
        (info / name).write_text(text)
    (site / "paperclub_no_surveys.py").write_text((ROOT / "plugins" / "no_surveys.py").read_text())
    project = tmp_path / "project"
    (project / "tests").mkdir(parents=True)
    path = re.match(r"# (tests/\w+\.py)", example).group(1)
    (project / path).write_text(example)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PAPERCLUB_", "PYTEST_"))}
    env["PYTHONPATH"] = str(site)
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", path],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "1 passed" in done.stdout
