"""What the register hooks register: sources (importers) and emitters (outputs), each checked
when it is registered and kept behind a stand-in that checks what its methods return."""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from paperclub.errors import PaperclubError, PluginError
from paperclub.messages import clip, what
from paperclub.models import Paper, Plan

if TYPE_CHECKING:
    from paperclub.sourcefile import SourceFile


class Source(Protocol):
    """An importer, registered by `paperclub_register_sources`: a format `paperclub import`
    reads."""

    name: str  # what `paperclub import --format` takes
    description: str
    # Optional: `version = 2` when a new release reads more of a file than the last did; the
    # catalog then reads again the files it imported with the earlier version.
    # version: int

    def detect(self, path: Path, head: str) -> bool:
        """True when the file (whose first few KB are `head`) is in this format."""
        ...

    def read(self, file: SourceFile, as_of: date | None) -> Iterator[Paper | PaperclubError]:
        """Yield every paper of `file`, and for a bad record a PaperclubError naming the file and
        the line (or entry), then go on: the host decides whether to stop (the default) or skip
        it (`--skip-invalid`). Raise only when nothing more can be read."""
        ...


class Emitter(Protocol):
    """An output format, registered by `paperclub_register_emitters`: what `outputs` lists."""

    name: str
    extension: str  # with the dot: ".ics"
    media_type: str

    def render(self, plan: Plan) -> bytes:
        """`plan` as this format's file: pure and deterministic (the same plan, the same
        bytes)."""
        ...


# An extension ends a file name next to the group config: a dot and a plain word, nothing
# that could reach another folder.
EXTENSION = re.compile(r"\.[A-Za-z0-9][A-Za-z0-9_.-]*")
MEDIA_TYPE = re.compile(r"[\w.+-]+/[\w.+-]+(\s*;.*)?")
# an address's scheme, lower case (as addresses.split reads it)
SCHEME = re.compile(r"[a-z][a-z0-9+.-]+")

# kind -> (its text attributes with an example each, its methods with their arguments)
KINDS: dict[str, tuple[dict[str, str], dict[str, tuple[str, ...]]]] = {
    "source": (
        {"name": "'titles'", "description": "'one title a line'"},
        {"detect": ("path", "head"), "read": ("file", "as_of")},
    ),
    "emitter": (
        {"name": "'titles'", "extension": "'.txt'", "media_type": "'text/plain'"},
        {"render": ("plan",)},
    ),
    "policy": ({"name": "'balanced'", "description": "'one topic per session'"}, {}),
    "address": (
        {"scheme": "'arxiv'", "description": "'arxiv:ID or arxiv:QUERY'"},
        {"fetch": ("rest", "fetcher")},
    ),
}
# what names an item of a kind (a name by default): an address is named by its scheme
KEYS = {"address": "scheme"}


class Registry(dict):
    """Named things from several plugins; a name registered twice names both plugins.

    `blame(error, plugin)` names the plugin (and line) an exception came from, `defined(plugin,
    function)` the plugin and the line a function starts on: both come from the host, which
    knows the plugins' files."""

    def __init__(
        self,
        kind: str,
        hook: str = "",
        blame: Callable[[BaseException, str], str] = lambda e, plugin: plugin,
        defined: Callable[[str, Any], str] = lambda plugin, function: plugin,
    ):
        super().__init__()
        self.kind = kind
        self.hook = hook
        self.owners: dict[str, str] = {}
        self.blame = blame
        self.defined = defined
        self.article = ("an " if kind[:1] in "aeiou" else "a ") + kind

    def add(self, item: Any, plugin: str, where: Callable[[], str] | None = None) -> None:
        """Register `item` for `plugin`; `where()` names the plugin and the line that called
        register(), for an error (it looks through the stack, so only then)."""

        def fail(problem: str) -> PluginError:
            return PluginError(
                f"{where() if where else plugin}: {self.hook or 'register()'} registered {problem}"
            )

        key = KEYS.get(self.kind, "name")
        name = getattr(item, key, None)
        if not isinstance(name, str) or not name.strip():
            raise fail(f"{self.article} without a {key}: {clip(repr(item))}")
        if isinstance(item, type):
            raise fail(
                f"the class {item.__name__}, not {self.article}: register({item.__name__}())"
            )
        attributes, methods = KINDS.get(self.kind, ({}, {}))
        this = f"{self.kind} {name!r}"
        if self.kind == "policy":
            from paperclub.policies import Policy

            if not isinstance(item, Policy):
                raise fail(
                    f"{this} that is {what(item)}, not a Policy: subclass "
                    "paperclub.api.Policy and register an instance"
                )
        for attr, example in attributes.items():
            value = getattr(item, attr, None)
            if not isinstance(value, str):
                raise fail(f"{this} whose {attr} is {what(value)}: give it a str such as {example}")
        if self.kind == "address" and (not SCHEME.fullmatch(name) or name in ("https", "http")):
            raise fail(
                f"{this} whose scheme is not a word of two or more letters (and not http or "
                "https, which are built in): such as 'arxiv'"
            )
        if self.kind == "emitter":
            if not EXTENSION.fullmatch(item.extension):
                raise fail(
                    f"{this} whose extension is {item.extension!r}: a dot and a word, "
                    "such as '.txt'"
                )
            if not MEDIA_TYPE.fullmatch(item.media_type):
                raise fail(
                    f"{this} whose media_type is {item.media_type!r}: a type/subtype, "
                    "such as 'text/plain'"
                )
        for method, args in methods.items():
            function = getattr(item, method, None)
            call = f"{method}({', '.join(args)})"
            if not callable(function):
                raise fail(f"{this} without a method {call}")
            try:
                inspect.signature(function).bind(*args)
            except TypeError as e:
                raise fail(f"{this} whose {method}() cannot be called as {call}: {e}") from None
            except ValueError:  # no signature to read (a builtin): it will tell when called
                pass
        if name in self:
            raise PluginError(
                f"{self.kind} {name!r} is registered twice: by {self.owners[name]} and by {plugin}"
            )
        self[name] = _STAND_INS.get(self.kind, _Checked)(item, self, plugin)
        self.owners[name] = plugin


class _Checked:
    """A registered object as the core uses it: its attributes are the object's, and its
    methods run with the plugin named when they raise or answer wrong."""

    def __init__(self, item: Any, registry: Registry, plugin: str):
        self._item = item
        self._registry = registry
        self._plugin = plugin

    def __getattr__(self, attr: str) -> Any:
        if attr in ("_item", "_registry", "_plugin"):  # not set yet (a copy being made)
            raise AttributeError(attr)
        return getattr(self._item, attr)

    def __repr__(self) -> str:
        return f"<{self._registry.kind} {self._item.name!r} of {self._plugin}: {self._item!r}>"

    def _call(self, method: str, *args: Any) -> Any:
        try:
            return getattr(self._item, method)(*args)
        except PaperclubError:
            raise
        except Exception as e:
            raise self._raised(method, e) from None

    def _raised(self, method: str, e: Exception) -> PluginError:
        return PluginError(
            f"{self._registry.blame(e, self._plugin)} raised in {method}() of "
            f"{self._registry.kind} {self._item.name!r}: {type(e).__name__}: {e}"
        )

    def _bad(self, method: str, problem: str) -> PluginError:
        where = self._registry.defined(self._plugin, getattr(self._item, method))
        return PluginError(
            f"{where}: {method}() of {self._registry.kind} {self._item.name!r} {problem}"
        )


class _Source(_Checked):
    def detect(self, path: Path, head: str) -> bool:
        found = self._call("detect", path, head)
        if not isinstance(found, bool):
            raise self._bad("detect", f"returned {what(found)}, not True or False")
        return found

    def read(self, file: SourceFile, as_of: date | None) -> Iterator[Paper | PaperclubError]:
        records = self._call("read", file, as_of)
        if isinstance(records, (str, bytes)) or not hasattr(records, "__iter__"):
            raise self._bad("read", f"returned {what(records)}, not the papers: yield them")
        return self._records(iter(records))

    def _records(self, records: Iterator[Any]) -> Iterator[Paper | PaperclubError]:
        try:
            while True:
                try:
                    item = next(records)
                except StopIteration:
                    return
                except PaperclubError:
                    raise
                except Exception as e:
                    raise self._raised("read", e) from None
                if not isinstance(item, (Paper, PaperclubError)):
                    raise self._bad(
                        "read",
                        f"yielded {what(item)}, not a Paper (or, for a "
                        "bad record, a PaperclubError naming its line)",
                    )
                yield item
        finally:
            close = getattr(records, "close", None)
            if close is not None:
                close()


class _Emitter(_Checked):
    def render(self, plan: Plan) -> bytes:
        data = self._call("render", plan)
        if not isinstance(data, bytes):
            hint = ": encode the text, text.encode()" if isinstance(data, str) else ""
            raise self._bad("render", f"returned {what(data)}, not bytes{hint}")
        return data


class _Address(_Checked):
    def __repr__(self) -> str:
        return f"<address {self._item.scheme!r} of {self._plugin}: {self._item!r}>"

    def _raised(self, method: str, e: Exception) -> PluginError:
        return PluginError(
            f"{self._registry.blame(e, self._plugin)} raised in {method}() of address "
            f"{self._item.scheme!r}: {type(e).__name__}: {e}"
        )

    def _bad(self, method: str, problem: str) -> PluginError:
        where = self._registry.defined(self._plugin, getattr(self._item, method))
        return PluginError(f"{where}: {method}() of address {self._item.scheme!r} {problem}")

    def fetch(self, rest: str, fetcher: Any) -> tuple:
        answer = self._call("fetch", rest, fetcher)
        if (
            not isinstance(answer, tuple)
            or len(answer) not in (2, 3)
            or not isinstance(answer[0], bytes)
            or not isinstance(answer[1], str)
        ):
            raise self._bad(
                "fetch",
                f"returned {what(answer)}, not (content, format): the bytes and the name of "
                "the source that reads them, such as (b'...', 'arxiv-atom')",
            )
        if len(answer) == 3:  # the records it read of the content: as a source's read() gives
            records = answer[2]
            bad = (
                [r for r in records if not isinstance(r, (Paper, PaperclubError))]
                if isinstance(records, list)
                else [records]
            )
            if bad:
                raise self._bad(
                    "fetch",
                    f"returned as its third item {what(bad[0])}, not the list of the "
                    "content's records (each a Paper, or a PaperclubError naming its line)",
                )
        return answer


_STAND_INS: dict[str, type[_Checked]] = {
    "source": _Source,
    "emitter": _Emitter,
    "address": _Address,
}
