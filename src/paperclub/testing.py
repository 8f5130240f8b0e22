"""paperclub's pytest plugin, for testing a plugin as pytest's `pytester` is for testing pytest
plugins: the `paperclub_workspace` fixture is a workspace in a temporary folder, with a group,
a catalog and the plugin under test, and runs `plan`, `show` and `why` in this process.

Installed with paperclub (the `pytest11` entry point), so a plugin's tests just name the
fixture. Nothing here reads the clock or the network: the group plans as of `TODAY`, from the
sample catalog bundled with paperclub or from papers the test gives.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any

import pytest

from paperclub.files import atomic_write

if TYPE_CHECKING:
    from paperclub.models import Assignment, Plan

TODAY = date(2026, 11, 1)  # the day every plan of the fixture is made on (`--today`)
CONFIG = Path("schedules/reading-group.yaml")  # the group config, from `paperclub init`
PAPERS = Path("schedules/papers.yaml")  # where `use_papers()` writes the test's papers


@pytest.fixture
def paperclub_workspace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Workspace:
    """A workspace as `paperclub init` makes it, in a temporary folder made the current one:
    the group config `schedules/reading-group.yaml` planning from the bundled sample catalog
    (87 papers). Installed plugins are not loaded, so only the plugin the test loads, and
    paperclub's own, take part."""
    from paperclub import plugins, workspace

    monkeypatch.setenv(plugins.AUTOLOAD_ENV, "1")
    for name in ("PAPERCLUB_CATALOG", plugins.DISABLE_ENV):
        monkeypatch.delenv(name, raising=False)
    folder = tmp_path / "workspace"
    workspace.init(folder, TODAY)
    monkeypatch.chdir(folder)
    return Workspace(folder)


class Result:
    """What a command did: its exit code, what it printed, and for `plan` and `show` the plan
    it wrote or read (None when the command failed)."""

    def __init__(self, exit_code: int, stdout: str, stderr: str, plan: Plan | None = None):
        self.exit_code = exit_code
        self.stdout = stdout
        self.stderr = stderr
        self.plan = plan

    @property
    def papers(self) -> list[Assignment]:
        """Every paper of the plan, session by session: `paper_id`, `title`, `score_parts`,
        `presenter`, ..."""
        if self.plan is None:
            return []
        return [a for s in self.plan.sessions if not s.cancelled for a in s.papers]

    def __repr__(self) -> str:  # what pytest shows for `assert result.exit_code == 0, result`
        return f"<exit {self.exit_code}\nstdout:\n{self.stdout}\nstderr:\n{self.stderr}>"


class Workspace:
    """A temporary workspace (the `paperclub_workspace` fixture). `path` is its folder, the
    current one; `config` the group config's path in it. A workspace plugin is a file written
    to `path / "plugins"`, as in any workspace."""

    def __init__(self, path: Path):
        self.path = path
        self.config = CONFIG
        self.today = TODAY
        self._plugins: dict[str, object] = {}

    # -- setting it up -------------------------------------------------------------------------

    def load(self, plugin: str | ModuleType | object, name: str | None = None) -> None:
        """Load a plugin as an installed one: an entry-point name of the `paperclub` group
        (the name the plugin's pyproject.toml gives it, which also tests that it is
        installed), or a module or object with hook functions, named `name` (default: the
        module's name)."""
        if isinstance(plugin, str):
            name, plugin = plugin, _entry_point(plugin)
        elif name is None:
            name = getattr(plugin, "__name__", None) or type(plugin).__name__
        self._plugins[name] = plugin

    def use_papers(self, papers: Sequence[Mapping[str, Any]]) -> None:
        """Plan from these papers instead of the sample catalog: each a mapping as a line of a
        YAML papers file takes (a `title`, and `arxiv`, `doi` or `id`, `abstract`, `authors`,
        `date`, `upvotes`, `url`, `code`, `keywords`, `topics`: docs/usage.md)."""
        import yaml

        atomic_write(
            self.path / PAPERS,
            yaml.safe_dump([dict(p) for p in papers], sort_keys=False, allow_unicode=True).encode(),
        )
        self.configure(catalog={"sources": [PAPERS.name]})  # relative to the config's folder

    def configure(self, **sections: Any) -> None:
        """Change the group config: `configure(meetings={"count": 3})`. A mapping is merged
        into the section, key by key; any other value replaces it (None removes it)."""
        import yaml

        path = self.path / self.config
        config = yaml.safe_load(path.read_text(encoding="utf-8"))
        _merge(config, sections)
        atomic_write(path, yaml.safe_dump(config, sort_keys=False, allow_unicode=True).encode())

    # -- running commands ----------------------------------------------------------------------

    def run(self, *args: str) -> Result:
        """`paperclub ARGS...` in this process, with the plugins loaded. A plugin's error is
        an exit code and a message, as on the command line; an exception the command line
        would have shown as a traceback is raised."""
        import copy

        from click.testing import CliRunner

        from paperclub.cli import App, cli
        from paperclub.errors import PluginError

        app = App(self.path, plugins=dict(self._plugins))
        group = cli
        hooks = app.load()
        if hooks is not None:  # as `paperclub` starts: plugins may add commands
            group = copy.copy(cli)  # a copy, so the commands added stay in this run
            group.commands = dict(cli.commands)
            try:
                hooks.register_commands(group)
            except PluginError as e:
                app.load_error = e
        result = CliRunner().invoke(group, list(args), obj=app)
        if result.exception is not None and not isinstance(result.exception, SystemExit):
            raise result.exception
        return Result(result.exit_code, result.stdout, result.stderr)

    def plan(self, *args: str) -> Result:
        """`paperclub plan` of the group as of `today`, and the plan it wrote."""
        return self._with_plan(
            self.run("plan", str(self.config), "--today", self.today.isoformat(), *args)
        )

    def show(self, *args: str) -> Result:
        """`paperclub show` of the group's plan (`show("--why")`, `show("--json")`)."""
        return self._with_plan(self.run("show", str(self.config), *args))

    def why(self, paper_id: str) -> Result:
        """`paperclub why` PAPER as of `today`: where the paper is in the plan, and why."""
        return self.run("why", str(self.config), paper_id, "--today", self.today.isoformat())

    def _with_plan(self, result: Result) -> Result:
        from paperclub import planfile

        path = planfile.plan_path(self.path / self.config)
        if result.exit_code == 0 and path.exists():
            result.plan = planfile.load(path)
        return result


def _entry_point(name: str) -> object:
    """The installed plugin registered as `name` in the `paperclub` entry-point group."""
    from importlib.metadata import entry_points

    from paperclub.plugins import ENTRY_POINT_GROUP

    found = list(entry_points(group=ENTRY_POINT_GROUP, name=name))
    if not found:
        known = sorted({ep.name for ep in entry_points(group=ENTRY_POINT_GROUP)})
        pytest.fail(
            f"no installed paperclub plugin is named {name!r} (installed: "
            f"{', '.join(known) or 'none'}): is its package installed, with "
            f"`pip install -e .`, and does its pyproject.toml have {name} under "
            "[project.entry-points.paperclub]?",
            pytrace=False,
        )
    return found[0].load()


def _merge(into: dict[str, Any], changes: Mapping[str, Any]) -> None:
    for key, value in changes.items():
        if value is None:
            into.pop(key, None)
        elif isinstance(value, Mapping) and isinstance(into.get(key), dict):
            _merge(into[key], value)
        else:
            into[key] = value


__all__ = ["TODAY", "Result", "Workspace", "paperclub_workspace"]
