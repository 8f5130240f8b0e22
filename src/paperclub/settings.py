"""Plugins' own settings: the `settings:` section of a group config.

A plugin declares its settings as a dataclass, which its `paperclub_declare_settings()` hook
returns; `settings.<plugin>` in the config (the plugin's short name: `seed_similarity` for
plugins/seed_similarity.py or an entry point `seed_similarity`) is read into an instance of
it, each key checked against the fields' types as every other key is (file, line,
did-you-mean, what was expected), and a plugin reads it back with `paperclub.api.settings`.
The section names settings, never code: a config cannot make paperclub load anything.
"""

from __future__ import annotations

import dataclasses
import difflib
import types
import typing
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from paperclub.errors import PaperclubError

# A setting's type, and how a config value becomes one: the types a YAML value reads as.
SCALARS: dict[type, str] = {
    bool: "true or false",
    int: "a whole number",
    float: "a number",
    str: "text",
    date: "a date such as 2026-12-03",
}
SUPPORTED = "bool, int, float, str, date, a list or tuple of one of them, a Literal, or X | None"


@dataclass(frozen=True)
class Declared:
    """The settings classes the loaded plugins declare (section name -> dataclass), and the
    names of plugins that are there but not loaded (disabled, or `--no-local-plugins`): their
    sections are kept aside unchecked, so switching a plugin off never breaks the config."""

    classes: Mapping[str, type] = dataclasses.field(default_factory=dict)
    unloaded: Collection[str] = frozenset()


@dataclass(frozen=True)
class Field:
    """How one field is read: a converter of one value, what it expects in words, and
    whether it is a list (and which sequence type the field holds)."""

    convert: Callable[[Any], Any]
    expected: str
    sequence: type | None = None


def problem(cls: Any) -> str | None:
    """What is wrong with `cls` as a plugin's settings class, in words; None if nothing: a
    dataclass (the class, not an instance), each field of a type a config value can be."""
    if not (isinstance(cls, type) and dataclasses.is_dataclass(cls)):
        from paperclub.registry import what

        return (
            f"{what(cls)}, not a dataclass: return the class of the plugin's settings, "
            "decorated with @dataclass"
        )
    try:
        hints = typing.get_type_hints(cls)
    except Exception as e:  # a name in an annotation that is not defined
        return f"{cls.__name__}, whose field types cannot be read: {type(e).__name__}: {e}"
    for f in dataclasses.fields(cls):
        if f.init and _field(hints[f.name]) is None:
            return (
                f"{cls.__name__}, whose field {f.name} is {_type_name(hints[f.name])}: a "
                f"setting is {SUPPORTED}"
            )
    return None


def read(section: Any, declared: Declared | None) -> tuple[dict[str, Any], list[str]]:
    """The `settings:` section (a config._Section of plugin names) read into each declaring
    plugin's dataclass, defaults filled, for every declared class (a plugin with no section
    gets its defaults, or an error for a field without one); and warnings for the sections of
    plugins that are not loaded."""
    from paperclub.config import _Section

    declared = declared or Declared()
    values, warnings = {}, []
    for name in section.data:
        key = str(name)
        if key in declared.classes:
            continue
        if key in declared.unloaded:
            warnings.append(
                f"{section.file}:{section.line(name)}: settings.{key} is not "
                f"checked: the plugin {key} is not loaded"
            )
            continue
        known = sorted(declared.classes)
        close = difflib.get_close_matches(key, [*known, *declared.unloaded], n=1)
        hint = (
            f"did you mean {close[0]!r}?"
            if close
            else f"plugins with settings: {', '.join(known)}"
            if known
            else "no loaded plugin declares settings"
        )
        section.fail(
            f"{section.path(name)}: no plugin {key!r} declares settings ({hint})",
            section.line(name),
        )
    for name, cls in sorted(declared.classes.items()):
        fields = [f for f in dataclasses.fields(cls) if f.init]
        s = _Section(
            section.file,
            section.data.get(name),
            section.path(name),
            section.line(name),
            [f.name for f in fields],
        )
        hints = typing.get_type_hints(cls)
        given = {}
        for f in fields:
            how = _field(hints[f.name])
            assert how is not None  # problem() refused the class otherwise
            required = f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING
            if not s.has(f.name):
                if required:
                    s.fail(f"{s.path(f.name)}: required ({how.expected})", s.line())
                continue
            if how.sequence is not None:
                given[f.name] = how.sequence(s.items(f.name, how.convert, how.expected))
            else:
                given[f.name] = s.get(f.name, how.convert, how.expected)
        values[name] = cls(**given)
    return values, warnings


def _field(tp: Any) -> Field | None:
    """How a field of type `tp` is read; None for a type a config value cannot be."""
    from paperclub import config

    origin, args = typing.get_origin(tp), typing.get_args(tp)
    if origin in (typing.Union, types.UnionType) and type(None) in args:
        rest = [a for a in args if a is not type(None)]
        inner = _field(rest[0]) if len(rest) == 1 else None
        if inner is None:
            return None
        return Field(inner.convert, inner.expected + " or null", inner.sequence)
    if origin in (list, tuple) and args and (origin is list or args[1:] == (Ellipsis,)):
        inner = _field(args[0])
        if inner is None or inner.sequence is not None:
            return None
        return Field(inner.convert, inner.expected, origin)
    if origin is typing.Literal and args and all(isinstance(a, str) for a in args):

        def choice(value: Any) -> str:
            text = config._text(value)
            if text not in args:
                close = difflib.get_close_matches(text, args, n=1)
                raise ValueError(
                    f"did you mean {close[0]!r}?" if close else f"choose from {', '.join(args)}"
                )
            return text

        return Field(choice, f"one of {', '.join(args)}")
    converters: dict[Any, Callable[[Any], Any]] = {
        bool: config._bool,
        int: _int,
        float: config._number,
        str: config._text,
        date: config._date,
    }
    if tp in converters:
        return Field(converters[tp], SCALARS[tp])
    return None


def _int(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError
    return value


def _type_name(tp: Any) -> str:
    return tp.__name__ if isinstance(tp, type) and not typing.get_args(tp) else str(tp)


def of(group_settings: Mapping[str, Any], cls: type) -> Any:
    """The instance of `cls` among a group's settings, else its defaults (a group loaded
    without the plugin that declares `cls`, as a unit test may build one)."""
    for value in group_settings.values():
        if type(value) is cls:
            return value
    why = problem(cls)
    if why is not None:
        raise PaperclubError(f"settings: {why}")
    try:
        return cls()
    except TypeError:
        raise PaperclubError(
            f"settings: no loaded plugin declares {cls.__name__} (return it "
            "from paperclub_declare_settings), and it has fields without "
            "defaults"
        ) from None
