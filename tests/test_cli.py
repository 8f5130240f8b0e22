"""The command line itself: help, version, and a start-up that imports nothing heavy."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

from conftest import TODAY
from paperclub import __version__

HEAVY = {
    "icalendar",
    "yaml",
    "pluggy",
    "sqlite3",
    "zoneinfo",
    "importlib.metadata",
    "jinja2",
    "caldav",
}


def imported_by(args, cwd):
    probe = (
        f"import sys; sys.argv = ['paperclub', *{args!r}]\n"
        "from paperclub.cli import main\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "print(__import__('json').dumps(sorted(sys.modules)), file=sys.stderr)"
    )
    env = {**os.environ}
    env.pop("PAPERCLUB_DISABLE_PLUGIN_AUTOLOAD", None)  # the real start-up path, entry points too
    done = subprocess.run(
        [sys.executable, "-c", probe], cwd=cwd, capture_output=True, text=True, env=env
    )
    return set(json.loads(done.stderr.strip().splitlines()[-1])), done.stdout


def test_help_imports_nothing_heavy(workspace):
    modules, out = imported_by(["--help"], workspace)
    assert "plan" in out and "import" in out
    assert not modules & HEAVY


def test_help_of_a_command_imports_nothing_heavy(workspace):
    modules, out = imported_by(["plan", "--help"], workspace)
    assert "--today" in out
    assert not modules & HEAVY
    modules, out = imported_by(["export", "--help"], workspace)
    assert "--all-members" in out
    assert not modules & HEAVY


def test_a_command_does_import_what_it_needs(workspace):
    """The probe above can see an import: `plugins` loads pluggy."""
    modules, _ = imported_by(["plugins"], workspace)
    assert "pluggy" in modules


def test_version_and_short_help(run):
    assert run("--version").stdout.strip().endswith(__version__)
    assert run("-h").exit_code == 0 and "Usage" in run("-h").stdout


def test_counts_of_one_are_singular(run, schedule):
    """`Planned 1 sessions with 1 papers` read wrong: one is singular."""
    config = Path(schedule).read_text()
    config = config.replace("  count: 12 ", "  count: 1 ").replace(
        "papers_per_session: 2", "papers_per_session: 1"
    )
    Path(schedule).write_text(config)
    done = run("plan", str(schedule), "--today", TODAY)
    assert done.exit_code == 0, done
    assert re.search(r"^Planned 1 session with 1 paper from \d+ candidates\.$", done.stdout, re.M)
    found = run("papers", "Mirror Speculative Decoding")
    assert found.exit_code == 0 and found.stderr.splitlines()[-1] == "1 paper"


def test_the_command_group_invoked_without_main_makes_its_app(workspace):
    """`cli` called directly (a wrapper's test, `CliRunner().invoke(cli, ...)`), without the App
    main() passes: the commands run for the working directory, not an AttributeError."""
    from click.testing import CliRunner

    from paperclub.cli import cli

    result = CliRunner().invoke(cli, ["plugins", "--json"])
    assert result.exception is None and result.exit_code == 0, result.output
    assert any(
        row["name"] == "paperclub.default_plugins.scoring" for row in json.loads(result.output)
    )
