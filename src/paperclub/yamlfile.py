"""YAML that remembers where each key and item stood, so errors can name the line."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from paperclub.errors import PaperclubError


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


def _mapping(loader: _Loader, node: yaml.MappingNode) -> LineDict:
    loader.flatten_mapping(node)
    result = LineDict()
    result.line = node.start_mark.line + 1
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        line = key_node.start_mark.line + 1
        if not isinstance(key, (str, int, float, bool)) and key is not None and not hasattr(key, "isoformat"):
            raise PaperclubError(f"a key must be a plain value, not {type(key).__name__}", line=line)
        if key in result:
            raise PaperclubError(f"{key!r} appears twice (first on line {result.lines[key]})", line=line)
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


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping)
_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _sequence)


def load(path: Path) -> Any:
    """Parse a YAML file; any problem becomes a PaperclubError naming the file and line."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise PaperclubError("no such file", path=path) from None
    except (OSError, UnicodeDecodeError) as e:
        raise PaperclubError(f"cannot read: {e}", path=path) from None
    return loads(text, path)


def loads(text: str, path: Path) -> Any:
    """Parse YAML text read from `path` (named in errors)."""
    try:
        return yaml.load(text, Loader=_Loader)  # noqa: S506 - a SafeLoader subclass
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        problem = " ".join(str(p) for p in (e.context, e.problem) if p)
        raise PaperclubError(f"not valid YAML: {problem}", path=path,
                             line=mark.line + 1 if mark else None) from None
    except yaml.YAMLError as e:
        raise PaperclubError(f"not valid YAML: {e}", path=path) from None
    except PaperclubError as e:
        raise PaperclubError(e.message, path=path, line=e.line) from None
