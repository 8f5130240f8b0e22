"""Which source reads a file: the one named by --format, else the first that recognises the
content. `paperclub:NAME` names a data set bundled with paperclub, such as `paperclub:sample`."""

from __future__ import annotations

from pathlib import Path

from paperclub.errors import PaperclubError
from paperclub.registry import Registry, Source

DATA = Path(__file__).resolve().parent / "data"
BUNDLED_PREFIX = "paperclub:"
HEAD_SIZE = 8192


def resolve(arg: str, sources: Registry, fmt: str | None = None,
            base: Path | None = None) -> tuple[Path, Source, str]:
    """The file, its source and the label its papers record, for an `import` argument.
    A relative path is taken from `base` (a config's folder) when given."""
    if arg.startswith(BUNDLED_PREFIX):
        name = arg[len(BUNDLED_PREFIX):]
        path = DATA / f"{name}.json"
        if not path.is_file():
            known = sorted(p.stem for p in DATA.glob("*.json"))
            raise PaperclubError(f"no bundled data set {arg!r} (known: "
                                 f"{', '.join(BUNDLED_PREFIX + k for k in known)})")
        return path, sources["paperclub-json"], arg
    path = Path(arg)
    if base is not None and not path.is_absolute():
        path = base / path
    if not path.is_file():
        raise PaperclubError("no such file", path=arg)
    if fmt is not None:
        if fmt not in sources:
            raise PaperclubError(f"unknown format {fmt!r} (known: {', '.join(sorted(sources))})")
        source = sources[fmt]
    else:
        with path.open("rb") as f:
            head = f.read(HEAD_SIZE).decode("utf-8", errors="replace")
        found = [s for s in sources.values() if s.detect(path, head)]
        if not found:
            raise PaperclubError(f"cannot tell the format; name it with --format "
                                 f"({', '.join(sorted(sources))})", path=arg)
        source = found[0]
    return path, source, f"{source.name}:{path.name}"
