"""`paperclub plugin new NAME`: a plugin package to start from, made of the files in
templates/plugin/ (pyproject.toml with the entry point, the plugin, a README, a test)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from string import Template

from paperclub import __version__
from paperclub.errors import PaperclubError
from paperclub.files import atomic_write

TEMPLATE = Path(__file__).resolve().parent / "templates" / "plugin"
SUFFIX = ".tmpl"  # so no tool takes a template for Python or for a project file
# a distribution name (PEP 508): letters and digits, with . _ - between them
VALID_NAME = re.compile(r"[A-Z0-9]([A-Z0-9._-]*[A-Z0-9])?", re.IGNORECASE)


@dataclass(frozen=True)
class Names:
    """What NAME becomes: for `demo-plugin`, the distribution `paperclub-demo-plugin`, the
    module `paperclub_demo_plugin` and the entry point `demo_plugin`, which `paperclub plugins`
    lists and PAPERCLUB_DISABLE_PLUGINS takes."""

    name: str
    distribution: str
    module: str
    entry_point: str


def names(name: str) -> Names:
    if not VALID_NAME.fullmatch(name):
        fixed = re.sub(r"[^A-Za-z0-9._-]+", "-", name).strip("._-")
        hint = f" ({fixed}, say)" if fixed and VALID_NAME.fullmatch(fixed) else ""
        raise PaperclubError(
            f"{name!r} is not a package name: letters and digits, with "
            f"- _ . only between them{hint}"
        )
    words = re.sub(r"[-_.]+", "-", name).lower()  # the name as pip compares it (PEP 503)
    short = re.sub(r"^paperclub(-|$)", "", words)  # paperclub-rss is not paperclub-paperclub-rss
    if not short:
        raise PaperclubError("name the plugin for what it does: paperclub is paperclub's own name")
    entry_point = short.replace("-", "_")
    taken = _builtin_names().get(entry_point)
    if taken:
        raise PaperclubError(
            f"{entry_point} is the name of a built-in plugin ({taken}): "
            f"PAPERCLUB_DISABLE_PLUGINS={entry_point} would switch both off; "
            "choose another name"
        )
    return Names(name, f"paperclub-{short}", f"paperclub_{entry_point}", entry_point)


def _builtin_names() -> dict[str, str]:
    from paperclub.plugins import DEFAULT_PLUGINS

    return {full.rsplit(".", 1)[-1]: full for full in DEFAULT_PLUGINS}


def files(n: Names) -> dict[Path, Path]:
    """Each file of the package, relative to its folder -> its template."""
    out = {}
    for template in sorted(p for p in TEMPLATE.rglob(f"*{SUFFIX}") if p.is_file()):
        parts = template.relative_to(TEMPLATE).with_suffix("").parts
        parts = tuple(
            n.module if part == "MODULE" else part.replace("ENTRY", n.entry_point) for part in parts
        )
        out[Path(*parts)] = template
    return out


def new_plugin(name: str, folder: Path, force: bool = False) -> tuple[Names, list[Path]]:
    """Write the package for plugin `name` into `folder` (made if missing); its names and the
    paths written. A file that exists already is an error, and nothing is written, unless
    `force`."""
    n = names(name)
    if folder.exists() and not folder.is_dir():
        raise PaperclubError(
            "not a folder: paperclub plugin new writes a package into a folder", path=folder
        )
    targets = {folder / rel: template for rel, template in files(n).items()}
    there = [t for t in targets if t.exists() or t.is_symlink()]
    if there and not force:
        also = f" (and {', '.join(map(str, there[1:]))})" if there[1:] else ""
        raise PaperclubError(
            f"exists already{also}: paperclub plugin new overwrites nothing without --force",
            path=there[0],
        )
    for target in targets:  # checked first, so a failure writes nothing
        if target.is_dir():
            raise PaperclubError(
                "a folder is where paperclub plugin new writes this file", path=target
            )
        for parent in target.parents:
            if parent.exists() and not parent.is_dir():
                raise PaperclubError(
                    "not a folder: paperclub plugin new writes files in it", path=parent
                )
    values = {
        "name": n.name,
        "distribution": n.distribution,
        "module": n.module,
        "entry_point": n.entry_point,
        "paperclub_version": __version__,
    }
    for target, template in targets.items():
        text = Template(template.read_text(encoding="utf-8")).substitute(values)
        try:
            atomic_write(target, text.encode("utf-8"))
        except OSError as e:  # a folder we may not write in, a full disk
            raise PaperclubError(f"cannot write it: {e.strerror}", path=target) from None
    return n, list(targets)
