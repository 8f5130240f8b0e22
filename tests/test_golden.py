"""Outputs of a group without roles and without notes links, byte for byte as paperclub made
them before either existed: the feeds, a member's feed, the agenda, the web page, an
announcement, `show`, `members` and `diff`, text and JSON.

tests/fixtures/golden holds a plan file (the sample term, its third session cancelled), the
config beside it, an older plan to diff against, and what each command printed then
(expected/). Should an output change on purpose, write expected/ again with the commands
below, run in that folder, and say why in the commit.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

GOLDEN = Path(__file__).resolve().parent / "fixtures" / "golden"

COMMANDS = {
    "ml-systems.ics": ["export", "ml-systems.yaml", "--today", "2026-12-05"],
    "ml-systems.md": ["export", "ml-systems.yaml", "--today", "2026-12-05", "--format", "markdown"],
    "ml-systems.html": ["export", "ml-systems.yaml", "--today", "2026-12-05", "--format", "html"],
    "ml-systems.csv": ["export", "ml-systems.yaml", "--today", "2026-12-05", "--format", "csv"],
    "ml-systems.json": ["export", "ml-systems.yaml", "--today", "2026-12-05", "--format", "json"],
    "ml-systems-alan-turing.ics": [
        *("export", "ml-systems.yaml", "--today", "2026-12-05"),
        *("--member", "Alan Turing"),
    ],
    "show.txt": ["show", "ml-systems.yaml"],
    "show.json": ["show", "ml-systems.yaml", "--json"],
    "members.txt": ["members", "ml-systems.yaml"],
    "members.json": ["members", "ml-systems.yaml", "--json"],
    "diff.txt": ["diff", "before.plan.yaml", "ml-systems.plan.yaml"],
    "diff.json": ["diff", "before.plan.yaml", "ml-systems.plan.yaml", "--json"],
}


@pytest.fixture
def golden(workspace: Path) -> Path:
    for name in ("ml-systems.yaml", "ml-systems.plan.yaml", "before.plan.yaml"):
        shutil.copy(GOLDEN / name, workspace / name)
    return workspace


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_outputs_without_roles_are_as_before(golden, name):
    from click.testing import CliRunner

    from paperclub.cli import App, cli

    result = CliRunner().invoke(cli, COMMANDS[name], obj=App(golden))
    assert result.exit_code == 0, result.output
    assert result.stdout_bytes == (GOLDEN / "expected" / name).read_bytes()


def test_the_announcement_email_is_as_before(golden, run):
    done = run(
        *("announce", "ml-systems.yaml", "--session", "s04", "--now", "2027-01-01T08:00"),
        *("--dry-run", "--out", "out"),
    )
    assert done.exit_code == 0, done
    made = (golden / "out" / "agenda-s04-0-ada@example.org.eml").read_bytes()
    assert made == (GOLDEN / "expected" / "agenda.eml").read_bytes()
