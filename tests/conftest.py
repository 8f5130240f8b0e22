"""Shared fixtures. Every test runs in a fresh workspace folder, with installed plugins and
the user's PAPERCLUB_CATALOG ignored, so nothing outside the test changes its result."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from httpserver import http_server  # noqa: F401 (the local HTTP server, for every test file)
from paperclub.cli import App, cli
from smtpserver import smtp_server  # noqa: F401 (the local SMTP server, for every test file)

ROOT = Path(__file__).resolve().parent.parent
SCHEDULE = ROOT / "schedules" / "ml-systems.yaml"
TODAY = "2026-11-01"  # a fixed "today" for every plan a test makes
NOWHERE = "http://127.0.0.1:9"  # the discard port: nothing listens, a request is refused


@pytest.fixture(autouse=True)
def workspace(tmp_path, monkeypatch):
    """An empty workspace folder, made the current folder."""
    monkeypatch.setenv("PAPERCLUB_DISABLE_PLUGIN_AUTOLOAD", "1")
    monkeypatch.delenv("PAPERCLUB_CATALOG", raising=False)
    # no test reaches a real service: each one's base address is a closed local port unless
    # the test points it at its own server; the user's keys and settings are not read
    for service in ("ARXIV", "HF", "CROSSREF", "ZOTERO"):
        monkeypatch.setenv(f"PAPERCLUB_{service}_URL", NOWHERE)
    for name in ("ZOTERO_API_KEY", "PAPERCLUB_OFFLINE", "PAPERCLUB_CROSSREF_MAILTO"):
        monkeypatch.delenv(name, raising=False)
    ws = tmp_path / "ws"
    ws.mkdir()
    monkeypatch.chdir(ws)
    return ws


@pytest.fixture
def schedule(workspace):
    """The repository's sample group config, copied into the workspace."""
    (workspace / "schedules").mkdir()
    path = workspace / "schedules" / "ml-systems.yaml"
    shutil.copy(SCHEDULE, path)
    return Path("schedules/ml-systems.yaml")


class Result:
    def __init__(self, result):
        self.exit_code = result.exit_code
        self.stdout = result.stdout
        self.stderr = result.stderr
        self.exception = result.exception

    def __repr__(self):
        return f"<exit {self.exit_code}\nstdout: {self.stdout}\nstderr: {self.stderr}>"


@pytest.fixture
def run(workspace):
    """Run the paperclub command line in the workspace: run("plan", "x.yaml")."""

    def invoke(*args: str) -> Result:
        result = CliRunner().invoke(cli, list(args), obj=App(Path.cwd()))
        # an exception other than SystemExit is a traceback a user would have seen
        if result.exception is not None and not isinstance(result.exception, SystemExit):
            raise result.exception
        return Result(result)

    return invoke


ALL_OUTPUTS = ["ics", "markdown", "html", "json", "csv"]


def plan_every_output(run, schedule, today: str = TODAY) -> Path:
    """Plan the sample config with every built-in output on; the folder they are in."""
    import yaml

    config = yaml.safe_load(Path(schedule).read_text())
    config["outputs"] = ALL_OUTPUTS
    Path(schedule).write_text(yaml.safe_dump(config, sort_keys=False))
    result = run("plan", str(schedule), "--today", today)
    assert result.exit_code == 0, result
    return Path(schedule).resolve().parent
