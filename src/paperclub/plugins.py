"""How plugins are found and loaded, and the typed facade the core calls hooks through.

Load order: hookspecs, the default plugins, the `paperclub` entry-point group, then the
workspace's `plugins/*.py` (sorted, each registered under its path; a `_name.py` there is a
helper those plugins import, not a plugin), then `check_pending()`.
PAPERCLUB_DISABLE_PLUGINS skips plugins by name; PAPERCLUB_TRACE_PLUGINS=1 prints every hook
call, its plugin and its result on stderr.
"""

from __future__ import annotations

import contextlib
import copy
import functools
import hashlib
import importlib
import importlib.util
import inspect
import math
import os
import sys
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from types import FrameType, TracebackType
from typing import TYPE_CHECKING, Any

import pluggy

from paperclub import hardrules, hookspecs
from paperclub.errors import PaperclubError, PluginError
from paperclub.messages import clip, what
from paperclub.registry import Registry

if TYPE_CHECKING:
    import click

    from paperclub.models import (
        Assignment,
        Candidate,
        Channel,
        Group,
        Member,
        Message,
        Paper,
        Plan,
        Session,
        Slot,
    )
    from paperclub.settings import Declared
    from paperclub.signals import Signals


def _default_plugins() -> tuple[str, ...]:
    """Every module of paperclub.default_plugins, in name order: adding a built-in plugin is
    adding a file there."""
    import pkgutil

    from paperclub import default_plugins

    return tuple(
        f"{default_plugins.__name__}.{m.name}"
        for m in sorted(pkgutil.iter_modules(default_plugins.__path__), key=lambda m: m.name)
    )


DEFAULT_PLUGINS = _default_plugins()

ENTRY_POINT_GROUP = "paperclub"
# Set to 1 to ignore installed plugins (the test suite does, so installed plugins never
# change a test run), as PYTEST_DISABLE_PLUGIN_AUTOLOAD does for pytest.
AUTOLOAD_ENV = "PAPERCLUB_DISABLE_PLUGIN_AUTOLOAD"
# Comma-separated plugin names to skip: `scoring` or `paperclub.default_plugins.scoring`, an
# entry-point name, `plugins/no_surveys.py` or `no_surveys`. A skipped plugin is not imported.
DISABLE_ENV = "PAPERCLUB_DISABLE_PLUGINS"
# Set to 1 to print each hook call, the plugin that answered and its result on stderr.
TRACE_ENV = "PAPERCLUB_TRACE_PLUGINS"
TRACE_LABEL_WIDTH = 48  # the most characters of a paper id (or member, session) in a trace line
TRACE_RESULT_WIDTH = 100  # ... and of a result
PLUGIN_COMMAND = "paperclub_plugin"  # on a command a plugin added: the plugin's name


class PluginManager(pluggy.PluginManager):
    """Also takes plain functions named `paperclub_*` as hook implementations, as pytest does
    for `pytest_*`: a plugin file needs no import, and a misspelled hook name is caught."""

    def __init__(self, project_name: str):
        super().__init__(project_name)
        self.versions: dict[
            str, str
        ] = {}  # an installed plugin's name -> its distribution's version
        # plugins there but not loaded (disabled, or --no-local-plugins), by short name: the
        # config's settings for them are kept aside, not errors (see paperclub.settings)
        self.unloaded: set[str] = set()

    def parse_hookimpl_opts(self, plugin: object, name: str) -> pluggy.HookimplOpts | None:
        opts = super().parse_hookimpl_opts(plugin, name)
        if (
            opts is None
            and name.startswith("paperclub_")
            and inspect.isroutine(getattr(plugin, name, None))
        ):
            opts = pluggy.HookimplOpts(
                wrapper=False,
                hookwrapper=False,
                optionalhook=False,
                tryfirst=False,
                trylast=False,
                specname=None,
            )
        return opts


def get_plugin_manager(
    workspace: Path | None = None,
    *,
    local_plugins: bool = True,
    plugins: Mapping[str, object] | None = None,
) -> pluggy.PluginManager:
    """A fresh plugin manager with every plugin loaded; `workspace` is where `plugins/` is,
    and `local_plugins=False` (`paperclub --no-local-plugins`) skips it. `plugins` (name ->
    module) are loaded as installed plugins are, after them: paperclub.testing gives the
    plugin under test so."""
    pm = PluginManager("paperclub")
    pm.add_hookspecs(hookspecs)
    disabled = _Disabled(os.environ.get(DISABLE_ENV, ""))
    for name in DEFAULT_PLUGINS:
        if disabled.skip(pm, name, name, short_name(name)):
            continue
        pm.register(importlib.import_module(name), name=name)
    if not os.environ.get(AUTOLOAD_ENV):
        _load_entry_points(pm, disabled)
    for name, plugin in sorted((plugins or {}).items()):
        if not disabled.skip(pm, name, name):
            _register_given(pm, name, plugin)
    if workspace is not None:
        files = sorted((workspace / "plugins").glob("*.py"))
        helpers = [p for p in files if p.name.startswith(HELPER_PREFIX)]
        with _helpers(helpers, workspace) if local_plugins else contextlib.nullcontext():
            for path in files:
                label = _relative(path, workspace)
                if path in helpers:
                    continue
                if not local_plugins:
                    disabled.known(label, path.stem)
                    _unloaded(pm, label)
                elif not disabled.skip(pm, label, label, path.stem):
                    _load_local_plugin(pm, path, label, helpers)
    try:
        pm.check_pending()
    except pluggy.PluginValidationError as e:  # a backstop: _check_hooks catches these first
        raise PluginError(f"{_plugin_label(pm, e.plugin)}: {e}") from None
    for name in disabled.unknown():
        print(
            f"warning: {DISABLE_ENV} names {name!r}, which is not a plugin here; see "
            "`paperclub plugins` for the names",
            file=sys.stderr,
        )
    if os.environ.get(TRACE_ENV, "") not in ("", "0"):
        _trace(pm)
    return pm


class _Disabled:
    """The names in PAPERCLUB_DISABLE_PLUGINS, and which of them matched a plugin."""

    def __init__(self, value: str):
        self.names = {n.strip() for n in value.split(",") if n.strip()}
        self.matched: set[str] = set()

    def known(self, *aliases: str) -> bool:
        hit = self.names.intersection(aliases)
        self.matched |= hit
        return bool(hit)

    def skip(self, pm: pluggy.PluginManager, name: str, *aliases: str) -> bool:
        """Whether the plugin `name` (also called `aliases`) is disabled; if so it is blocked,
        so `paperclub plugins` lists it as disabled."""
        if self.known(*aliases):
            pm.set_blocked(name)
            _unloaded(pm, name)
            return True
        return False

    def unknown(self) -> list[str]:
        return sorted(self.names - self.matched)


def _unloaded(pm: pluggy.PluginManager, name: str) -> None:
    if isinstance(pm, PluginManager):
        pm.unloaded.add(short_name(name))


def _load_entry_points(pm: pluggy.PluginManager, disabled: _Disabled) -> None:
    from importlib.metadata import entry_points

    found = sorted(entry_points(group=ENTRY_POINT_GROUP), key=lambda ep: ep.name)
    seen: dict[str, str] = {}
    for ep in found:
        if seen.setdefault(ep.name, ep.value) != ep.value:
            raise PluginError(
                f"plugin {ep.name} is registered twice: as {seen[ep.name]} and as "
                f"{ep.value} (the [project.entry-points.paperclub] of two "
                "distributions); uninstall one"
            )
    for ep in found:
        if ep.name not in seen:
            continue
        del seen[ep.name]  # the same entry point again: one distribution found twice on sys.path
        if disabled.skip(pm, ep.name, ep.name):
            continue
        label = f"plugin {ep.name} ({ep.value})"
        if pm.has_plugin(ep.name):
            raise PluginError(f"{label}: the name {ep.name} is taken by a built-in plugin")
        try:
            plugin = ep.load()
        except Exception as e:
            raise PluginError(f"{label} failed to load: {_describe(e)}") from None
        _check_hooks(pm, plugin, label, getattr(plugin, "__file__", None))
        try:
            pm.register(plugin, name=ep.name)
        except (pluggy.PluginValidationError, ValueError) as e:  # ValueError: registered twice
            raise PluginError(f"{label}: {e}") from None
        dist = getattr(ep, "dist", None)
        if dist is not None and isinstance(pm, PluginManager):
            pm.versions[ep.name] = dist.version


def _register_given(pm: pluggy.PluginManager, name: str, plugin: object) -> None:
    label = f"plugin {name}"
    if pm.has_plugin(name):
        raise PluginError(f"{label}: the name {name} is taken by another plugin")
    _check_hooks(pm, plugin, label, getattr(plugin, "__file__", None))
    try:
        pm.register(plugin, name=name)
    except (pluggy.PluginValidationError, ValueError) as e:  # ValueError: registered twice
        raise PluginError(f"{label}: {e}") from None


def _load_local_plugin(
    pm: pluggy.PluginManager, path: Path, label: str, helpers: Sequence[Path] = ()
) -> None:
    # A module name unique to the file, so two workspaces' plugins/x.py never clash.
    digest = hashlib.sha1(str(path.resolve()).encode()).hexdigest()[:12]
    module_name = f"paperclub_local_{digest}_{path.stem}"
    spec = importlib.util.spec_from_file_location(module_name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    try:
        spec.loader.exec_module(module)
    except SyntaxError as e:
        del sys.modules[module_name]
        if e.filename and Path(e.filename) in helpers:  # in a helper it imports
            raise PluginError(
                f"syntax error: {e.msg}",
                path=_relative(Path(e.filename), path.parent.parent),
                line=e.lineno,
            ) from None
        raise PluginError(f"syntax error: {e.msg}", path=label, line=e.lineno) from None
    except Exception as e:
        del sys.modules[module_name]
        where = next(((h, n) for h in helpers if (n := _line_in(e.__traceback__, h))), None)
        also = f" (in {_relative(where[0], path.parent.parent)}, line {where[1]})" if where else ""
        raise PluginError(
            f"failed to import: {_describe(e)}{also}",
            path=label,
            line=_line_in(e.__traceback__, path),
        ) from None
    _check_hooks(pm, module, label, label)
    try:
        pm.register(module, name=label)
    except (pluggy.PluginValidationError, ValueError) as e:  # ValueError: registered twice
        raise PluginError(str(e), path=label) from None


HELPER_PREFIX = "_"  # plugins/_name.py is a helper module, not a plugin


@contextlib.contextmanager
def _helpers(files: Sequence[Path], workspace: Path) -> Iterator[None]:
    """While the workspace's plugins load, `import _name` (or `from _name import x`) finds
    plugins/_name.py. A finder that knows only those files, not the folder on sys.path, so
    nothing else in it becomes importable; afterwards it is gone and so are the helpers in
    sys.modules, so another workspace's _name.py is its own. A helper whose name is a module
    found elsewhere (the standard library's `_csv`, an installed one) is an error: it would
    shadow that module, or be shadowed by it, silently (pytest refuses two conftest modules
    of one name for the same reason)."""
    found = {}
    for path in files:
        name = path.stem
        if not name.isidentifier():
            continue  # not importable under any name
        taken = _module_elsewhere(name)
        if taken:
            raise PluginError(
                f"this helper's name {name} is already {taken}: a plugin's "
                f"`import {name}` would be ambiguous; rename the file",
                path=_relative(path, workspace),
            )
        found[name] = path
    if not found:
        yield
        return
    finder = _HelperFinder(found)
    sys.meta_path.insert(0, finder)
    try:
        yield
    finally:
        sys.meta_path.remove(finder)
        for name, path in found.items():
            module = sys.modules.get(name)
            if getattr(getattr(module, "__spec__", None), "origin", None) == str(path):
                del sys.modules[name]


class _HelperFinder:
    """A meta path finder for the workspace's helper modules, and nothing else."""

    def __init__(self, files: Mapping[str, Path]):
        self.files = files

    def find_spec(self, name: str, path: object = None, target: object = None) -> Any:
        file = self.files.get(name) if path is None else None  # top-level names only
        return None if file is None else importlib.util.spec_from_file_location(name, file)


def _module_elsewhere(name: str) -> str | None:
    """What `import name` finds without the workspace's helpers, in words; None if nothing."""
    if name in sys.stdlib_module_names:
        return "the name of a module of Python's standard library"
    if name in sys.modules:
        return "the name of a module that is loaded"
    try:
        spec = importlib.util.find_spec(name)
    except (ImportError, ValueError):
        return None
    return None if spec is None else f"the name of the module {spec.origin or name}"


def _check_hooks(pm: pluggy.PluginManager, plugin: object, label: str, path: str | None) -> None:
    """Every hook implementation of `plugin` names a hook and takes only arguments the hook
    passes; else an error naming the file, the line and the hook (with a close hook name
    for a misspelling), before pluggy's own, vaguer, validation."""
    import difflib

    specs = {n for n in vars(hookspecs) if n.startswith("paperclub_")}
    for attr in sorted(dir(plugin)):
        opts = pm.parse_hookimpl_opts(plugin, attr)
        if opts is None:
            continue
        function = getattr(plugin, attr)
        hook = opts.get("specname") or attr
        code = getattr(inspect.unwrap(function), "__code__", None)
        line = code.co_firstlineno if code is not None else None

        def fail(message: str, line: int | None = line) -> PluginError:  # this line, bound now
            if path is None or path == label:
                return PluginError(message, path=path or label, line=line)
            return PluginError(f"{label}: {message}", path=path, line=line)

        if hook not in specs and opts.get("optionalhook"):
            continue  # pluggy's way to implement a hook that may not exist
        if hook not in specs:
            close = difflib.get_close_matches(hook, sorted(specs), n=1)
            hint = (
                f"; did you mean {close[0]}?"
                if close
                else f": the hooks are {', '.join(sorted(specs))}"
            )
            raise fail(f"{hook} is not a paperclub hook{hint}")
        passed = getattr(pm.hook, hook).spec.argnames
        try:
            params = inspect.signature(function).parameters.values()
        except (TypeError, ValueError):
            continue
        wanted = [
            p.name
            for p in params
            if p.default is inspect.Parameter.empty
            and p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)
        ]
        extra = [a for a in wanted if a not in passed]
        if extra:
            raise fail(
                f"{hook} takes {', '.join(extra)}, which the hook does not pass: "
                f"it passes {', '.join(passed)}"
            )


def _trace(pm: pluggy.PluginManager) -> None:
    """Wrap every hook implementation so each call prints one line on stderr: the hook, the
    paper, member or session it is about, the plugin and the result (or what it raised)."""
    for name in sorted(n for n in vars(hookspecs) if n.startswith("paperclub_")):
        for impl in getattr(pm.hook, name).get_hookimpls():
            if impl.wrapper or impl.hookwrapper:
                continue
            impl.function = _traced(name, impl.plugin_name, impl.argnames, impl.function)


def _traced(
    hook: str, plugin: str, argnames: tuple[str, ...], function: Callable[..., Any]
) -> Callable[..., Any]:
    @functools.wraps(function)  # so errors still find the plugin's own line
    def traced(*args: Any, **kwargs: Any) -> Any:
        values = dict(zip(argnames, args), **kwargs)
        about = ", ".join(
            f"{k}={clip(label, TRACE_LABEL_WIDTH)}"
            for k, v in values.items()
            if (label := _trace_label(v)) is not None
        )
        head = f"trace: {hook}({about}) {plugin}"
        try:
            result = function(*args, **kwargs)
        except BaseException as e:
            print(f"{head} raised {clip(_describe(e), TRACE_RESULT_WIDTH)}", file=sys.stderr)
            raise
        print(f"{head} -> {clip(repr(result), TRACE_RESULT_WIDTH)}", file=sys.stderr)
        return result

    return traced


def _trace_label(value: object) -> str | None:
    """A paper, an assignment, a session or a member in a word; None for anything else."""
    for attr in ("paper_id", "id"):
        label = getattr(value, attr, None)
        if isinstance(label, str):
            return label
    name = getattr(value, "name", None)
    if isinstance(name, str) and hasattr(value, "interests"):
        return name
    return None


def _relative(path: Path, base: Path) -> str:
    try:
        return str(path.resolve().relative_to(base.resolve()))
    except ValueError:
        return str(path)


def _finite(value: object) -> bool:
    """A number a score or an affinity can be: not NaN, not infinite, not a bool."""
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def short_name(plugin: str) -> str:
    """`plugins/prefer_code.py` and `paperclub.default_plugins.scoring` -> the last word."""
    if plugin.endswith(".py"):
        return Path(plugin).stem
    return plugin.rsplit(".", 1)[-1]


def _describe(e: BaseException) -> str:
    return f"{type(e).__name__}: {e}"


def _line_in(tb: TracebackType | None, path: Path) -> int | None:
    """The last line of `path` in a traceback: where a plugin file went wrong."""
    line = None
    target = str(path.resolve())
    while tb is not None:
        if str(Path(tb.tb_frame.f_code.co_filename).resolve()) == target:
            line = tb.tb_lineno
        tb = tb.tb_next
    return line


def _plugin_label(pm: pluggy.PluginManager, plugin: object) -> str:
    return pm.get_name(plugin) or repr(plugin)


def plugin_info(pm: pluggy.PluginManager) -> list[dict[str, Any]]:
    """Each plugin with the hooks it implements, for `paperclub plugins`."""
    rows = []
    for name, plugin in pm.list_name_plugin():
        if plugin is hookspecs:
            continue
        if plugin is None:  # blocked: named in PAPERCLUB_DISABLE_PLUGINS
            rows.append({"name": name, "hooks": [], "disabled": True})
            continue
        hooks = sorted(caller.name for caller in pm.get_hookcallers(plugin) or [])
        row: dict[str, Any] = {"name": name, "hooks": hooks}
        versions = pm.versions if isinstance(pm, PluginManager) else {}
        if name in versions:  # an installed (entry-point) plugin
            row["version"] = versions[name]
        rows.append(row)
    return rows


@dataclass
class _Prepared:
    """A hook's implementations as Hooks calls them (see Hooks._prepared)."""

    source: list[pluggy.HookImpl]  # pluggy's implementations these were made from
    impls: list[pluggy.HookImpl]  # the same, each that is not a wrapper as a stand-in
    wrappers: list[str]  # the plugins with a wrapper, outermost first
    firstresult: bool
    takes: frozenset[str]  # the hook's argument names
    # without wrappers: (plugin, function, argument names) of each implementation, in the
    # order pluggy calls them (last registered first), for Hooks._direct
    direct: tuple[tuple[str, Callable[..., Any], tuple[str, ...]], ...] | None


class Hooks:
    """The core's one way to call hooks: typed, keyword-only, and with errors that name the
    plugin at fault. (`pm.hook.*` is `Any` to a type checker; this is not.)

    Every hook is called through pluggy, so wrappers (`@hookimpl(wrapper=True)`, or the
    old-style `hookwrapper=True`) wrap it as they do any pluggy hook; each implementation that
    is not a wrapper runs inside `_attributed`, so what it raises, or an answer that breaks the
    hook's contract, names its plugin, and `register(...)` knows who registered."""

    def __init__(self, pm: pluggy.PluginManager):
        self.pm = pm
        self._plugin: str | None = None  # the implementation running now, for register()
        self._checks: dict[str, Callable[[str, Any], Any]] = {}  # hook -> its answers' check
        self._impls: dict[str, _Prepared] = {}
        # the `catalog` and `today` arguments, passed to every hook that takes them: None
        # outside `bound()`, which a command's run sets
        self.context: dict[str, Any] = {"catalog": None, "today": None}

    @contextmanager
    def bound(self, **context: Any) -> Iterator[None]:
        """Within it, the hooks that take `catalog` or `today` get these values."""
        outer = dict(self.context)
        self.context.update(context)
        try:
            yield
        finally:
            self.context = outer

    # -- registration ------------------------------------------------------------------------

    @cached_property
    def sources(self) -> Registry:
        return self._registry("source", "paperclub_register_sources")

    @cached_property
    def addresses(self) -> Registry:
        """The address schemes (`arxiv:`, ...): built only when an argument might be one."""
        return self._registry("address", "paperclub_register_addresses")

    @cached_property
    def emitters(self) -> Registry:
        return self._registry("emitter", "paperclub_register_emitters", hooks=self)

    @cached_property
    def policies(self) -> Registry:
        return self._registry("policy", "paperclub_register_policies")

    def _registry(self, kind: str, hook: str, **kwargs: Any) -> Registry:
        """What the `hook` implementations register, each checked as it is (see Registry)."""
        registry = Registry(kind, hook, blame=self._blame, defined=self._defined)

        def register(item: Any) -> None:
            plugin = self._registrant(hook)
            registry.add(item, plugin, lambda: self._calling(plugin))

        self._run(hook, register=register, **kwargs)
        return registry

    @cached_property
    def settings(self) -> Declared:
        """The settings class each plugin declares (`paperclub_declare_settings`), by the
        plugin's short name, which names its section of the config's `settings:`."""
        from paperclub.settings import Declared

        classes: dict[str, type] = {}
        hook = "paperclub_declare_settings"

        def check(plugin: str, answer: Any) -> Any:
            _settings_class(plugin, answer)
            if any(c is answer for c in classes.values()):
                return answer  # a wrapper's result: the answers it got, declared already
            name = short_name(plugin)
            if name in classes and classes[name] is not answer:
                raise _Bad(
                    f"declared settings.{name}, which another plugin named {name} "
                    "declares too: rename one of the two"
                )
            classes[name] = answer
            return answer

        self._run(hook, check)
        return Declared(classes, frozenset(getattr(self.pm, "unloaded", ())))

    def register_commands(self, cli: click.Group) -> None:
        """Each command a plugin adds is checked: a name that is taken (a built-in command, or
        another plugin's) is that plugin's error, never a silent replacement."""
        import click

        hook = "paperclub_register_commands"
        for name in [n for n, c in cli.commands.items() if hasattr(c, PLUGIN_COMMAND)]:
            del cli.commands[name]  # added by the plugins of an earlier load in this process
        owners: dict[str, str | None] = dict.fromkeys(cli.commands)  # None: built in
        add = cli.add_command

        def add_command(command: click.Command, name: str | None = None) -> None:
            plugin = self._registrant(hook)
            if not isinstance(command, click.Command):
                raise PluginError(
                    f"{self._calling(plugin)}: {hook} added {what(command)}, not a click command"
                )
            name = name or command.name
            if name is None:
                raise PluginError(
                    f"{self._calling(plugin)}: {hook} added a click command "
                    "without a name: give it one"
                )
            if name in owners:
                taken = (
                    "a built-in command" if owners[name] is None else f"a command of {owners[name]}"
                )
                raise PluginError(
                    f"{self._calling(plugin)}: {hook} added a command {name!r}, "
                    f"which is {taken}: name yours differently"
                )
            owners[name] = plugin
            setattr(command, PLUGIN_COMMAND, plugin)
            add(command, name)

        # what @cli.command() and cli.group() call (an attribute of this one object, not a
        # method of the class: hence setattr)
        setattr(cli, "add_command", add_command)  # noqa: B010
        try:
            self._run(hook, cli=cli)
        finally:
            delattr(cli, "add_command")

    # -- planning ------------------------------------------------------------------------------

    def paper_topics(self, paper: Paper, group: Group) -> tuple[str, ...]:
        results = self._run("paperclub_paper_topics", paper=paper, group=group)
        merged: dict[str, None] = {}
        # pluggy returns results last-registered first; defaults come last, as trylast
        for topics in results:
            for topic in topics or ():
                merged.setdefault(topic)
        return tuple(merged)

    def exclude_paper(
        self, paper: Paper, group: Group, history: frozenset[str], signals: Signals
    ) -> str | None:
        return self._run(
            "paperclub_exclude_paper", paper=paper, group=group, history=history, signals=signals
        )

    def score_paper(
        self, paper: Paper, group: Group, history: frozenset[str], signals: Signals
    ) -> dict[str, float]:
        # each answer becomes named parts as it is given (a bare number named after its
        # plugin), so a wrapper sees, and returns, a list of {part: number}
        answers = self._run(
            "paperclub_score_paper", paper=paper, group=group, history=history, signals=signals
        )
        parts: dict[str, float] = {}
        for answer in answers:
            for name, value in (answer or {}).items():
                parts[name] = parts.get(name, 0.0) + float(value)
        return parts

    def plan_sessions(
        self,
        candidates: Sequence[Candidate],
        sessions: Sequence[Slot],
        group: Group,
        previous: Mapping[str, Sequence[str]] | None = None,
    ) -> list[list[str]]:
        def check(plugin: str, answer: Any) -> Any:  # the first answer wins; it keeps the rules
            _check_choice(answer, sessions, candidates, group.meetings.papers_per_session)
            return answer

        name = "paperclub_plan_sessions"
        answer = self._run(
            name,
            check,
            candidates=candidates,
            sessions=sessions,
            group=group,
            previous=dict(previous or {}),
        )
        if answer is None and self._wrappers(name):
            raise PluginError(
                f"{self._wrapper_label(name)}: {name} returned None, not the "
                "papers of each session: a wrapper returns the answer it gets "
                "from yield, or its own"
            )
        if answer is None:
            raise PluginError(f"no plugin implements {name}")
        return answer

    def modify_plan(
        self, plan: Plan, group: Group, held: Sequence[Session] = (), previous: Plan | None = None
    ) -> None:
        self._run(
            "paperclub_modify_plan",
            plan=plan,
            group=group,
            held=tuple(held),
            hooks=self,
            previous=previous,
        )

    def presenter_affinity(self, member: Member, paper: Assignment, group: Group) -> float:
        return self._affinity(member, paper, group)[0]

    def presenter_affinity_answers(
        self, member: Member, paper: Assignment, group: Group
    ) -> list[tuple[str, float]]:
        """The answers `presenter_affinity` sums, each with the plugin that gave it (what a
        wrapper changed is one more answer, under the wrapper's name): for explanations."""
        return self._affinity(member, paper, group)[1]

    def _affinity(
        self, member: Member, paper: Assignment, group: Group
    ) -> tuple[float, list[tuple[str, float]]]:
        given: list[tuple[str, float]] = []  # (plugin, answer), in the order pluggy gave them

        def valid(plugin: str, value: Any) -> Any:
            if not _finite(value):
                raise _Bad(
                    f"returned {clip(repr(value), 60)} for {member.name} and "
                    f"{paper.paper_id}, not a number"
                )
            return value

        def check(plugin: str, value: Any) -> Any:
            given.append((plugin, float(valid(plugin, value))))
            return value

        values = self._run(
            "paperclub_presenter_affinity", check, member=member, paper=paper, group=group
        )
        answers = [float(v) for v in values or () if v is not None]
        if self._wrappers("paperclub_presenter_affinity"):
            # _run checked what the wrapper returned too: those are not implementations' answers
            del given[len(given) - len(answers) :]
        total = sum(answers, 0.0)
        if [v for _, v in given] != answers:  # a wrapper changed them: the change is its part
            wrappers = self._wrapper_impls("paperclub_presenter_affinity")
            given.append(
                (
                    " or ".join(i.plugin_name for i in wrappers) or "a plugin",
                    total - sum(v for _, v in given),
                )
            )
        return total, given

    def check_plan(self, plan: Plan, group: Group) -> list[str]:
        return [
            p
            for problems in self._run("paperclub_check_plan", plan=plan, group=group)
            for p in problems or ()
        ]

    def customize_event(self, event: Any, session: Session, plan: Plan) -> None:
        self._run("paperclub_customize_event", event=event, session=session, plan=plan)

    def announce(self, message: Message, channel: Channel) -> bool:
        """Send `message` to a chat channel by the plugin for its type: False when no plugin
        sends to channels of that type."""
        return bool(self._run("paperclub_announce", message=message, channel=channel))

    # -- machinery -----------------------------------------------------------------------------

    def _run(self, name: str, check: Callable[[str, Any], Any] | None = None, **kwargs: Any) -> Any:
        """`pm.hook.<name>(**kwargs)`, wrappers and all, with each implementation that is not
        a wrapper run by `_attributed`: `check(plugin, answer)` (by default the hook's entry
        in CHECKS) sees each non-None answer, before a wrapper does, and the result a wrapper
        changed; it raises _Bad, which becomes an error naming the plugin and the line, or
        returns the answer to use."""
        caller = getattr(self.pm.hook, name)
        prepared = self._prepared(name, caller)
        firstresult = prepared.firstresult
        if self.context and not prepared.takes.isdisjoint(self.context):
            kwargs = {**{k: v for k, v in self.context.items() if k in prepared.takes}, **kwargs}
        check = check or CHECKS.get(name)
        if prepared.direct is not None and kwargs.keys() >= prepared.takes:
            return self._direct(name, prepared, check, kwargs)
        outer = self._plugin, self._checks.get(name)
        self._plugin = None  # a wrapper's own register() is not the calling plugin's
        if check is not None:
            self._checks[name] = check
        try:  # what HookCaller.__call__ does, with our stand-ins for the implementations
            result = caller._hookexec(name, prepared.impls, kwargs, firstresult)
        except PaperclubError:
            raise
        except Exception as e:  # raised in a wrapper (or in pluggy, on a malformed one)
            raise PluginError(
                f"{self._blame(e, self._wrapper_label(name))} raised in {name}: {_describe(e)}"
            ) from None
        finally:
            self._plugin = outer[0]
            if outer[1] is None:
                self._checks.pop(name, None)
            else:
                self._checks[name] = outer[1]
        wrappers = prepared.wrappers
        if not wrappers or check is None or name in RETURN_NOTHING:
            return result
        try:  # what a wrapper returned is checked as an answer is, and named after it
            if firstresult:
                return result if result is None else check(wrappers[0], result)
            if not isinstance(result, list):
                raise _Bad(f"returned {what(result)}, not the list of answers it got from yield")
            return [a if a is None else check(wrappers[0], a) for a in result]
        except _Bad as e:
            raise PluginError(f"{self._wrapper_label(name)}: {name} {e}") from None

    def _direct(
        self,
        name: str,
        prepared: _Prepared,
        check: Callable[[str, Any], Any] | None,
        kwargs: dict[str, Any],
    ) -> Any:
        """What pluggy's _multicall does when no wrapper is there, without its generator
        machinery (the score and topic hooks run once per paper: 300,000 calls a plan of
        100,000 papers, 2 s through pluggy): each implementation, last registered first, by
        `_answer`; the first answer that is not None, or all of them."""
        answers = []
        for plugin, function, argnames in prepared.direct or ():
            answer = self._answer(name, plugin, function, check, [kwargs[a] for a in argnames])
            if answer is not None:
                if prepared.firstresult:
                    return answer
                answers.append(answer)
        return None if prepared.firstresult else answers

    def _prepared(self, name: str, caller: Any) -> _Prepared:
        """What calling hook `name` needs, made once per set of implementations (score and
        affinity hooks run once per paper): each implementation that is not a wrapper as a
        stand-in running the plugin's function with the plugin named, the wrappers' plugins,
        and the hook's options."""
        impls = caller._hookimpls  # pluggy's own list, changed in place by register()
        made = self._impls.get(name)
        # HookImpl has no __eq__: list equality is identity of each, compared in C
        if made is None or made.source != impls:
            spec = caller.spec
            stand_ins = [
                i if i.wrapper or i.hookwrapper else self._attributed(name, i) for i in impls
            ]
            wrappers = [i.plugin_name for i in reversed(impls) if i.wrapper or i.hookwrapper]
            made = self._impls[name] = _Prepared(
                source=list(impls),
                impls=stand_ins,
                wrappers=wrappers,
                firstresult=bool(spec is not None and spec.opts.get("firstresult")),
                takes=frozenset(spec.argnames) if spec is not None else frozenset(),
                direct=None
                if wrappers or spec is None
                else tuple((i.plugin_name, i.function, tuple(i.argnames)) for i in reversed(impls)),
            )
        return made

    def _attributed(self, name: str, impl: pluggy.HookImpl) -> pluggy.HookImpl:
        function = impl.function
        plugin = impl.plugin_name

        def call(*args: Any, **kwargs: Any) -> Any:
            return self._answer(name, plugin, function, self._checks, args, kwargs)

        stand_in = copy.copy(impl)  # same plugin, options and argument names
        stand_in.function = call  # type: ignore[misc]
        return stand_in

    def _answer(
        self,
        name: str,
        plugin: str,
        function: Callable[..., Any],
        check: Callable[[str, Any], Any] | dict[str, Callable[[str, Any], Any]] | None,
        args: Sequence[Any],
        kwargs: Mapping[str, Any] | None = None,
    ) -> Any:
        """One implementation's answer to hook `name`, checked: what it raises, or an answer
        `check` finds breaks the hook's contract, is an error naming `plugin` (and the line).
        `check` may be the checks by hook (a stand-in reads its check once called)."""
        outer, self._plugin = self._plugin, plugin
        try:
            answer = function(*args, **(kwargs or {}))
        except PaperclubError:
            raise
        except Exception as e:
            raise PluginError(
                f"{self._blame(e, plugin)} raised in {name}: {_describe(e)}"
            ) from None
        finally:
            self._plugin = outer
        if isinstance(check, dict):
            check = check.get(name)
        if answer is None or check is None:
            return answer
        try:
            return check(plugin, answer)
        except _Bad as e:
            raise PluginError(f"{self._defined(plugin, function)}: {name} {e}") from None

    def _registrant(self, name: str) -> str:
        """Who is calling `register()` of hook `name`: the implementation running, else (a
        wrapper registering on its own) the hook's wrappers."""
        return self._plugin or " or ".join(self._wrappers(name)) or "a plugin"

    def _wrappers(self, name: str) -> list[str]:
        """The plugins with a wrapper on hook `name`, outermost (the last to change an answer)
        first."""
        return [i.plugin_name for i in self._wrapper_impls(name)]

    def _wrapper_impls(self, name: str) -> list[pluggy.HookImpl]:
        return [
            i
            for i in reversed(getattr(self.pm.hook, name).get_hookimpls())
            if i.wrapper or i.hookwrapper
        ]

    def _wrapper_label(self, name: str) -> str:
        """Whom to name for an answer no implementation gave: the wrappers, with the line
        each starts on."""
        return (
            " or ".join(self._defined(i.plugin_name, i.function) for i in self._wrapper_impls(name))
            or "a plugin"
        )

    @cached_property
    def _plugin_files(self) -> dict[str, str]:
        """Each plugin module's file (resolved) -> the plugin's name."""
        files = {}
        for plugin_name, plugin in self.pm.list_name_plugin():
            file = getattr(plugin, "__file__", None)
            if file:
                files[_resolved(file)] = plugin_name
        return files

    def _blame(self, e: BaseException, default: str = "a plugin") -> str:
        """The plugin whose code raised, with the line: the innermost traceback frame in a
        plugin module (`default` when no frame is in one)."""
        blamed = default
        tb = e.__traceback__
        while tb is not None:
            name = self._plugin_files.get(_resolved(tb.tb_frame.f_code.co_filename))
            if name:
                blamed = f"{name} (line {tb.tb_lineno})"
            tb = tb.tb_next
        return blamed

    def _defined(self, plugin: str, function: Any) -> str:
        """`plugin` and the line `function` starts on (and its file, when that is not the
        plugin's module): where an answer that breaks a hook's contract came from."""
        code = getattr(inspect.unwrap(function), "__code__", None)
        if code is None:
            return plugin
        if self._plugin_files.get(_resolved(code.co_filename)) == plugin:
            return f"{plugin} (line {code.co_firstlineno})"
        return f"{plugin} ({code.co_filename}, line {code.co_firstlineno})"

    def _calling(self, plugin: str) -> str:
        """The plugin, and the line, whose code is calling us now (register(), a command
        added): the innermost frame in a plugin module; `plugin` when none is."""
        frame: FrameType | None = sys._getframe(1)
        while frame is not None:
            name = self._plugin_files.get(_resolved(frame.f_code.co_filename))
            if name:
                return f"{name} (line {frame.f_lineno})"
            frame = frame.f_back
        return plugin


class _Bad(Exception):
    """An answer that breaks its hook's contract, in words ("returned True, not a reason");
    the host adds the plugin, its line and the hook."""


@functools.cache
def _resolved(file: str) -> str:
    return str(Path(file).resolve())


def _score_parts(plugin: str, answer: Any) -> dict[str, float]:
    """A score answer as named parts: a dict as it is, a bare number named after `plugin`."""
    if not isinstance(answer, dict):
        if not _finite(answer):
            raise _Bad(f"returned {what(answer)}, not a number or {{part: number}}")
        return {short_name(plugin): answer}
    for name, value in answer.items():
        if not isinstance(name, str) or not name.strip():
            raise _Bad(
                f"returned a part named {name!r}: name each part with a word, {{'recency': 0.4}}"
            )
        if not _finite(value):
            raise _Bad(f"returned {clip(repr(value), 60)} for {name!r}, not a number")
    return answer


def _check_choice(
    chosen: Any, sessions: Sequence[Slot], candidates: Sequence[Candidate], per_session: int
) -> None:
    """A planner plugin's answer keeps the hard rules, or it is that plugin's bug."""
    if not isinstance(chosen, (list, tuple)):
        raise _Bad(f"returned {what(chosen)}, not a list of paper ids per session")
    if len(chosen) != len(sessions):
        raise _Bad(f"returned {len(chosen)} sessions for {len(sessions)} dates")
    for slot, papers in zip(sessions, chosen):
        if not isinstance(papers, (list, tuple)):
            raise _Bad(f"returned {what(papers)} for {slot.start.date()}, not a list of paper ids")
        for pid in papers:
            if not isinstance(pid, str):
                raise _Bad(f"chose {what(pid)}, not a paper id (a str)")
    # the rules a planner is given; pins, `before` and topics the check plugins audit
    broken = hardrules.breaches(
        [(slot.start.date().isoformat(), papers) for slot, papers in zip(sessions, chosen)],
        hardrules.Rules(most=per_session, candidates={c.id for c in candidates}),
    )
    if broken:
        raise _Bad(f"returned a plan that breaks a rule: {broken[0]}")


def _text(answer: Any, expected: str, empty: str) -> str:
    """`answer` as the text it must be: a str with something in it."""
    if isinstance(answer, bytes):
        raise _Bad(f"returned {what(answer)}, not text: {expected} (decode the bytes)")
    if not isinstance(answer, str):
        raise _Bad(f"returned {what(answer)}, not {expected}")
    if not answer.strip():
        raise _Bad(f"returned an empty {empty}")
    return answer


def _texts(answer: Any, expected: str, noun: str) -> Any:
    """`answer` as a list of texts (a str alone would be read letter by letter)."""
    if not isinstance(answer, (list, tuple)):
        raise _Bad(f"returned {what(answer)}, not {expected}")
    for item in answer:
        _text(item, f"a {noun} (a str)", noun)
    return answer


def _reason(plugin: str, answer: Any) -> str:
    return _text(
        answer,
        "a reason (a str) or None",
        "reason: say why the paper stays out, or return None to keep it",
    )


def _topics(plugin: str, answer: Any) -> Any:
    return _texts(answer, "a list of topics (str) or None", "topic")


def _problems(plugin: str, answer: Any) -> Any:
    return _texts(answer, "a list of problems (str) or None", "problem")


def _settings_class(plugin: str, answer: Any) -> Any:
    from paperclub.settings import problem

    why = problem(answer)
    if why is not None:
        raise _Bad(f"returned {why}")
    return answer


def _sent(plugin: str, answer: Any) -> Any:
    """paperclub_announce's answer: True (sent to the channel), or None (not its type)."""
    if answer is not True:
        raise _Bad(f"returned {what(answer)}, not True (sent) or None (not a channel of its type)")
    return answer


def _returns_nothing(instead: str) -> Callable[[str, Any], Any]:
    def check(plugin: str, answer: Any) -> Any:
        raise _Bad(f"returned {what(answer)}; it returns nothing: {instead}")

    return check


# the hooks whose result is not used (so a wrapper's is not checked): -> what they do instead
RETURN_NOTHING = {
    "paperclub_register_sources": "call register(source)",
    "paperclub_register_addresses": "call register(address)",
    "paperclub_register_emitters": "call register(emitter)",
    "paperclub_register_policies": "call register(policy)",
    "paperclub_modify_plan": "change `plan` in place",
    "paperclub_customize_event": "edit `event` in place",
    "paperclub_register_commands": "add commands to `cli`",
}
# What each hook's answer must be: hook -> check(plugin, answer), which returns the answer to
# use or raises _Bad. paperclub_plan_sessions and paperclub_presenter_affinity are checked
# against their arguments, by the Hooks methods that call them.
CHECKS: dict[str, Callable[[str, Any], Any]] = {
    "paperclub_paper_topics": _topics,
    "paperclub_exclude_paper": _reason,
    "paperclub_score_paper": _score_parts,
    "paperclub_check_plan": _problems,
    "paperclub_announce": _sent,
    "paperclub_declare_settings": _settings_class,
    **{name: _returns_nothing(instead) for name, instead in RETURN_NOTHING.items()},
}
