"""paperclub's public API: what a plugin imports, and all it may rely on.

A plugin imports from `paperclub.api` only. The objects here keep their names, fields and
meaning from one paperclub release to the next (fields may be added); every other module of
paperclub (`paperclub.models`, `paperclub.catalog`, `paperclub.planner`, ...) is internal and
changes without notice, even where an object here is defined.

- The objects hooks receive: `Paper`, `Group` (with its `Member`s, `Person` and `Meetings`),
  `Candidate` and `Slot` (for `paperclub_plan_sessions`), `Plan`, `Session`, `Assignment`
  (with its `Relevance` and `Votes`), `Signals`.
- What plugins register: `Source` (reading `SourceFile`s), `Emitter`, `Policy` (a
  balance policy, with its `Tracker` for the greedy planner, which sees a `Place`), and
  `Address` (a scheme such as `arxiv:` that fetches through a `Fetcher`; `base_url` reads the
  service's address from the environment).
- Announcing (`paperclub_announce`): a `Message` to send to a chat `Channel`; raise `NotSent`
  or `FateUnknown` when it fails.
- Reading the catalog: `Catalog` (get, search, the group's candidates), which hooks get as
  their `catalog` argument and commands from `open_catalog` or `catalog_option`. It cannot
  write. Hooks get the day the command runs for as their `today` argument; commands from
  `today_option`.
- Reading a group, a plan, an output: `load_group`, `load_plan`, `render`; a plugin's own
  settings (the config's `settings.<plugin>`, declared by `paperclub_declare_settings`):
  `settings`.
- `hookimpl`, to mark a hook implementation with pluggy's options; `paper_id`, the id a
  source gives a paper; `PaperclubError`, for a problem with the user's input.

The reference of this module is built from these docstrings: `make api-docs` writes it to
`build/api/` (see docs/plugins.md).
"""

from __future__ import annotations

import difflib
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from paperclub import hookspecs, ids
from paperclub.addresses import Address
from paperclub.errors import FateUnknown, NotSent, PaperclubError
from paperclub.fetch import Fetcher, base_url
from paperclub.models import (
    Assignment,
    Candidate,
    Channel,
    Group,
    Meetings,
    Member,
    Message,
    Paper,
    Person,
    Plan,
    Relevance,
    Session,
    Slot,
    Votes,
)
from paperclub.policies import Place, Policy, Tracker
from paperclub.registry import Emitter, Source
from paperclub.sourcefile import SourceFile

if TYPE_CHECKING:
    from paperclub import catalog as _catalog
    from paperclub.plugins import Hooks

__all__ = [
    "Address",
    "Assignment",
    "Candidate",
    "Catalog",
    "Channel",
    "Emitter",
    "FateUnknown",
    "Fetcher",
    "Group",
    "Meetings",
    "Member",
    "Message",
    "NotSent",
    "Paper",
    "PaperclubError",
    "Person",
    "Place",
    "Plan",
    "Policy",
    "Relevance",
    "Session",
    "Signals",
    "Slot",
    "Source",
    "SourceFile",
    "Tracker",
    "Votes",
    "base_url",
    "catalog_option",
    "hookimpl",
    "load_group",
    "load_plan",
    "open_catalog",
    "paper_id",
    "render",
    "settings",
    "today_option",
]

hookimpl = hookspecs.hookimpl
"""Marks a function as a hook implementation, with pluggy's options: `@hookimpl`,
`@hookimpl(tryfirst=True)`, `@hookimpl(trylast=True)`, `@hookimpl(wrapper=True)`. A function
named after a hook needs no mark; one with options does."""

F = TypeVar("F", bound=Callable[..., Any])


class Signals(Protocol):
    """What planning measured over the whole pool of candidates before scoring any of them:
    the `signals` argument of `paperclub_exclude_paper` and `paperclub_score_paper`."""

    def relevance(self, paper: Paper) -> float | None:
        """How well `paper` fits the group's profile (topics, interests, liked, read and
        library papers), from 0 to 1; None when the group has no profile."""
        ...

    def popularity(self, paper: Paper) -> float | None:
        """The paper's percentile among the candidates a source rates, from 0 to 1; None when
        no source rates it."""
        ...

    def votes(self, paper: Paper) -> Votes:
        """What the members said of `paper`: votes for and against, and suggestions."""
        ...


class Catalog:
    """The catalog, for reading only: papers by id, full-text search, and a group's
    candidates. Hooks get one as their `catalog` argument; a command or a script opens one
    with `open_catalog` (or `catalog_option`). Its database is opened read-only (SQLite
    `mode=ro`), so nothing done through it can change the catalog."""

    def __init__(self, path: str | Path):
        """The catalog at `path`, opened on first use; `open_catalog` opens it at once."""
        self._path = Path(path)
        self._catalog: _catalog.Catalog | None = None
        self._hooks: Hooks | None = None  # whose sources name the group's papers
        self._candidates: dict[tuple[Path, tuple[str, ...]], list[Paper]] = {}  # by group

    @classmethod
    def _of(cls, path: Path, hooks: Hooks) -> Catalog:
        """The view a command's run passes to hooks: `hooks` are the run's plugins."""
        view = cls(path)
        view._hooks = hooks
        return view

    @property
    def path(self) -> Path:
        """The catalog's file."""
        return self._path

    def _db(self) -> _catalog.Catalog:
        if self._catalog is None:
            from paperclub.catalog import Catalog as Internal

            self._catalog = Internal.read_only(self._path)
        return self._catalog

    def get(self, paper_id: str) -> Paper | None:
        """The paper with id `paper_id` (or an id it had before a better one was known, such
        as its title's slug before its arXiv id), or None when the catalog has no such
        paper."""
        return self._db().get(paper_id)

    def search(self, text: str, limit: int = 20) -> list[Paper]:
        """At most `limit` papers matching `text`, best first: every word must occur in the
        title, abstract or keywords (a trailing `*` matches a prefix, `"quoted words"` a
        phrase), ranked by the catalog's full-text index (BM25, a title match counting
        most). Text with no word in it is a PaperclubError."""
        if limit < 1:
            return []
        return list(self._db().papers(text, limit=limit))

    def candidates(self, group: Group) -> list[Paper]:
        """The papers the planner starts from for `group`, by id: those of its
        `catalog.sources` (every paper of the catalog when it names none), as last imported.
        Before any plugin's exclusion or score, so a hook may call it; read once per view."""
        from paperclub import workflow

        key = (group.path.resolve(), group.sources)
        if key not in self._candidates:
            labels = workflow.source_labels(group, self._hooks or _hooks())
            self._candidates[key] = list(self._db().papers(sources=labels))
        return list(self._candidates[key])

    def __len__(self) -> int:
        """How many papers the catalog holds."""
        return len(self._db())

    def close(self) -> None:
        """Close the database; a later use opens it again."""
        if self._catalog is not None:
            self._catalog.close()
            self._catalog = None

    def __enter__(self) -> Catalog:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"<paperclub.api.Catalog {self._path}>"


def open_catalog(path: str | Path = "catalog.sqlite") -> Catalog:
    """The catalog at `path`, read-only, as a context manager: `with open_catalog(path) as
    catalog:`. A missing file, or a file that is not a catalog, is a PaperclubError."""
    view = Catalog(path)
    view._db()
    return view


def load_group(path: str | Path) -> Group:
    """The group config at `path` (`schedules/<group>.yaml`), checked as `paperclub plan`
    checks it: a mistake is a PaperclubError naming the file and the line."""
    from paperclub import config

    hooks = _hooks()
    return config.load_group(
        Path(path), emitters=hooks.emitters, policies=hooks.policies, settings=hooks.settings
    )


S = TypeVar("S")


def settings(group: Group, declared: type[S]) -> S:
    """The plugin's own settings for `group`: the instance of `declared`, the dataclass its
    `paperclub_declare_settings()` returns, read from the config's `settings.<plugin>` (the
    plugin's name: `seed_similarity` for plugins/seed_similarity.py or an entry point of that
    name) and checked when the config was, the fields the config does not give at their
    defaults. For a group loaded without the plugin (a unit test's), the defaults.

        @dataclass
        class Settings:
            liked: list[str] = field(default_factory=list)
            max_age_years: int = 5

        def paperclub_declare_settings():
            return Settings

        def paperclub_score_paper(paper, group):
            mine = settings(group, Settings)
            ...
    """
    from paperclub import settings as plugin_settings

    return plugin_settings.of(group.settings, declared)


def load_plan(schedule: str | Path, *, catalog: Catalog | None = None) -> Plan:
    """The plan of a group: `schedule` is its config (`schedules/<group>.yaml`) or its plan
    file (`schedules/<group>.plan.yaml`). No plan yet is a PaperclubError saying what to run.
    The plan file keeps no abstracts: with `catalog`, each `Assignment.abstract` is read from
    it (papers it does not have keep an empty one)."""
    from paperclub import planfile

    plan = planfile.load_existing(Path(schedule))
    if catalog is not None:
        for session in plan.sessions:
            for a in session.papers:
                paper = catalog.get(a.paper_id)
                a.abstract = paper.abstract if paper is not None else a.abstract
    return plan


def render(plan: Plan, group: Group, output_name: str) -> str | bytes:
    """`plan` as the output `output_name` writes it (`"ics"`, `"markdown"`, `"html"`, `"json"`,
    `"csv"`, or a plugin's): text (`str`) for a text media type (`text/...`, JSON, XML),
    else `bytes`. `group` is the plan's group: a plan of another group is a PaperclubError,
    as is an output no plugin registers. The next session is marked from `plan.as_of` (set
    it with `dataclasses.replace(plan, as_of=today)`)."""
    from paperclub import workflow

    if plan.slug != group.slug:
        raise PaperclubError(
            f"the plan is of group {plan.slug!r}, not of {group.slug!r}", path=group.path
        )
    hooks = _hooks()
    if output_name not in hooks.emitters:
        known = sorted(hooks.emitters)
        close = difflib.get_close_matches(output_name, known, n=1)
        hint = f"did you mean {close[0]!r}?" if close else f"known: {', '.join(known)}"
        raise PaperclubError(f"no output {output_name!r} ({hint})")
    data = workflow.render(hooks, output_name, plan)
    media_type = str(getattr(hooks.emitters[output_name], "media_type", ""))
    return data.decode("utf-8") if _is_text(media_type) else data


def paper_id(title: str, *, arxiv_id: str | None = None, doi: str | None = None) -> str:
    """The id paperclub gives a paper: `arxiv:<id>` without version (from an id, an
    `arXiv:` reference or an arxiv.org URL), else `doi:<doi>` (lower-case), else a slug of
    its title. A source sets `Paper.id` with it, and `arxiv_id`/`doi` as found."""
    return ids.paper_id(ids.arxiv_id(arxiv_id), ids.doi(doi), title)


def catalog_option(command: F) -> F:
    """Gives a plugin's click command the `--catalog FILE` option of the built-in commands
    (also `PAPERCLUB_CATALOG`; `catalog.sqlite` by default), passed to it as `catalog`: a
    read-only `Catalog`, opened when the command runs and closed after it. Put it below
    `@cli.command()`."""
    import click

    def opened(ctx: click.Context, param: click.Parameter, value: Path) -> Catalog:
        return ctx.with_resource(open_catalog(value))

    return click.option(
        "--catalog",
        type=click.Path(dir_okay=False, path_type=Path),
        envvar="PAPERCLUB_CATALOG",
        default="catalog.sqlite",
        show_default=True,
        callback=opened,
        help="The catalog file; also PAPERCLUB_CATALOG.",
    )(command)


def today_option(command: F) -> F:
    """Gives a plugin's click command the `--today DATE` option of the built-in commands,
    passed to it as `today`: the date given, else the date the command runs. Put it below
    `@cli.command()`."""
    import click

    def parsed(ctx: click.Context, param: click.Parameter, value: str | None) -> date:
        if value is None:
            return date.today()
        try:
            return date.fromisoformat(value)
        except ValueError:
            raise click.BadParameter(f"{value!r} is not a date such as 2026-12-03") from None

    return click.option(
        "--today",
        metavar="DATE",
        callback=parsed,
        help="Run as if today were DATE (default: today).",
    )(command)


def _is_text(media_type: str) -> bool:
    kind = media_type.split(";")[0].strip().lower()
    return kind.startswith("text/") or kind.endswith(("/json", "+json", "/xml", "+xml"))


def _hooks() -> Hooks:
    """The plugins of the paperclub command running (a plugin's command), else those a
    command run in the current folder would load."""
    import click

    from paperclub.cli import App
    from paperclub.plugins import Hooks, get_plugin_manager

    ctx = click.get_current_context(silent=True)
    app = ctx.find_object(App) if ctx is not None else None
    hooks = app.hooks if app is not None else None
    return hooks if isinstance(hooks, Hooks) else Hooks(get_plugin_manager(Path.cwd()))
