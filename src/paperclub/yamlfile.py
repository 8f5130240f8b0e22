"""YAML that remembers where each key and item stood, so errors can name the line."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

from paperclub.errors import PaperclubError
from paperclub.messages import kind, one_line


class LineDict(dict):
    """A mapping from YAML; `.line` is where it starts, `.lines[key]` where each key is."""

    line: int = 0

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.lines: dict[Any, int] = {}


class LineList(list):
    """A sequence from YAML; `.lines[i]` is where item i is."""

    line: int = 0

    def __init__(self, *args: Any):
        super().__init__(*args)
        self.lines: list[int] = []


class _Loader(yaml.SafeLoader):
    pass


# Dates stay text: the config checker parses them, so `2027-02-30` or `2027-01-07 10:00` is
# reported with its key and line instead of escaping from PyYAML as a bare ValueError.
_Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
# Only what JSON has: text, numbers, true/false, null, lists and mappings. Tags naming other
# types (!!binary, !!set, !!omap, !!pairs; !!python/... is unknown to the SafeLoader already)
# are errors at their line, and `!!timestamp 2027-01-07` is text like an untagged date.
REFUSED_TAGS = ("binary", "set", "omap", "pairs")
# How many values aliases may add (each use of an alias counts its anchor's values again):
# far more than a config or a paper list uses, far less than an alias bomb's billions.
ALIAS_LIMIT = 100_000


def _refuse(loader: _Loader, node: yaml.Node) -> None:
    raise yaml.constructor.ConstructorError(
        None,
        None,
        f"the tag {node.tag.replace('tag:yaml.org,2002:', '!!')} is not allowed here "
        "(only text, numbers, true/false, null, lists and mappings)",
        node.start_mark,
    )


def _checked(construct: Callable[[Any, yaml.Node], Any]) -> Callable[[_Loader, yaml.Node], Any]:
    """A scalar constructor whose ValueError (an int of 5000 digits, `!!int 0x`) names its line,
    and that refuses text no file can hold (a lone surrogate from a "\\ud800" escape)."""

    def constructor(loader: _Loader, node: yaml.Node) -> Any:
        try:
            value = construct(loader, node)
            if isinstance(value, str) and not value.isascii():
                value.encode("utf-8")  # "\ud800" is no character: nothing could store it
            return value
        except UnicodeEncodeError as e:
            raise yaml.constructor.ConstructorError(
                None,
                None,
                f"{e.object[e.start]!r} is not a character (a lone surrogate)",
                node.start_mark,
            ) from None
        except (ValueError, OverflowError) as e:
            value = node.value if isinstance(node.value, str) else ""
            shown = value if len(value) <= 40 else value[:20] + "..." + value[-10:]
            raise yaml.constructor.ConstructorError(
                None,
                None,
                f"cannot read {shown!r} as {node.tag.rsplit(':', 1)[-1]}: {str(e).split(';')[0]}",
                node.start_mark,
            ) from None

    return constructor


def _mapping(loader: _Loader, node: yaml.MappingNode) -> LineDict:
    loader.flatten_mapping(node)
    result = LineDict()
    result.line = node.start_mark.line + 1
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        line = key_node.start_mark.line + 1
        if (
            not isinstance(key, (str, int, float, bool))
            and key is not None
            and not hasattr(key, "isoformat")
        ):
            raise PaperclubError(f"a key must be a plain value, not {kind(key)}", line=line)
        if key in result:
            raise PaperclubError(
                f"{_short(key)} appears twice (first on line {result.lines[key]})", line=line
            )
        result[key] = loader.construct_object(value_node, deep=True)
        result.lines[key] = line
    return result


def _sequence(loader: _Loader, node: yaml.SequenceNode) -> LineList:
    result = LineList()
    result.line = node.start_mark.line + 1
    for item in node.value:
        result.append(loader.construct_object(item, deep=True))
        result.lines.append(item.start_mark.line + 1)
    return result


def _timestamp_text(loader: _Loader, node: yaml.Node) -> str:
    """`!!timestamp 2027-01-07` read as the text `2027-01-07`, like an untagged date."""
    return loader.construct_yaml_str(node)


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:40] + "..." + text[-10:]


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping)
_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _sequence)
_Loader.add_constructor("tag:yaml.org,2002:timestamp", _timestamp_text)
for _name in ("int", "float", "bool", "null", "str"):
    _tag = f"tag:yaml.org,2002:{_name}"
    _Loader.add_constructor(_tag, _checked(yaml.SafeLoader.yaml_constructors[_tag]))
for _name in REFUSED_TAGS:
    _Loader.add_constructor(f"tag:yaml.org,2002:{_name}", _refuse)


def _check_aliases(root: yaml.Node) -> None:
    """Refuse a document whose aliases would repeat more than ALIAS_LIMIT values: nested
    aliases (a billion laughs) cost nothing to load, as each alias is one shared object, but
    everything that walks the data (a check, an error message, JSON) would expand them."""
    sizes: dict[int, int] = {}  # id(node) -> its values, aliases expanded
    started: set[int] = set()  # a recursive alias (`&r [*r]`) counts once; PyYAML refuses it
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:  # post-order, without recursion: the nesting may be deep
        node, done = stack.pop()
        if done:
            sizes[id(node)] = 1 + sum(sizes.get(id(c), 1) for c in _children(node))
        elif id(node) not in started:
            started.add(id(node))
            stack.append((node, True))
            stack += [(c, False) for c in _children(node) if id(c) not in started]
    seen: set[int] = set()
    repeated = 0
    todo = [root]
    while todo:
        node = todo.pop()
        if id(node) in seen:  # an alias: its anchor's values once more
            repeated += sizes.get(id(node), 1)
            if repeated > ALIAS_LIMIT:
                raise PaperclubError(
                    f"aliases repeat more than {ALIAS_LIMIT} values (an alias bomb?); the last "
                    f"one repeats the anchor on line {node.start_mark.line + 1}",
                    line=node.start_mark.line + 1,
                )
            continue
        seen.add(id(node))
        todo += _children(node)


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    if isinstance(node, yaml.MappingNode):
        return [n for pair in node.value for n in pair]
    return []


def load(path: Path) -> Any:
    """Parse a YAML file; any problem becomes a PaperclubError naming the file and line."""
    from paperclub.sourcefile import SourceFile

    try:
        text = SourceFile(path).read_text()  # a bad byte is named by its line
    except FileNotFoundError:
        raise PaperclubError("no such file", path=path) from None
    except OSError as e:
        raise PaperclubError(f"cannot read: {e.strerror or e}", path=path) from None
    return loads(text, path)


def loads(text: str, path: Path) -> Any:
    """Parse YAML text read from `path` (named in errors). Safe: no tags but JSON's types, no
    objects built, aliases bounded (ALIAS_LIMIT), nesting bounded by the recursion limit."""
    loader = None
    try:
        loader = _Loader(text)  # checks the characters first
        node = loader.get_single_node()
        if node is None:
            return None
        if "*" in text:  # no alias without a *: most files need no walk for alias bombs
            _check_aliases(node)
        return loader.construct_document(node)
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        problem = " ".join(str(p) for p in (e.context, e.problem) if p)
        raise PaperclubError(
            f"not valid YAML: {one_line(problem)}",
            path=path,
            line=mark.line + 1 if mark else _line(loader),
        ) from None
    except yaml.reader.ReaderError as e:
        character = f"U+{e.character:04X}" if isinstance(e.character, int) else repr(e.character)
        raise PaperclubError(
            f"not valid YAML: the character {character} is not allowed ({e.reason})",
            path=path,
            line=text.count("\n", 0, e.position) + 1,
        ) from None
    except yaml.YAMLError as e:
        raise PaperclubError(
            f"not valid YAML: {one_line(str(e))}", path=path, line=_line(loader)
        ) from None
    except RecursionError:
        raise PaperclubError(
            "not valid YAML: nested too deeply", path=path, line=_line(loader)
        ) from None
    except PaperclubError as e:
        raise PaperclubError(e.message, path=path, line=e.line or _line(loader)) from None
    finally:
        if loader is not None:
            loader.dispose()


def _line(loader: _Loader | None) -> int:
    """Where the reader is: the line an error without a mark is at (or near)."""
    return loader.line + 1 if loader is not None else 1
