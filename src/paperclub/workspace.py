"""`paperclub init`: a new workspace from the files in templates/workspace/ (the layout is
the data: a group config to edit, plugins/ with a note on what goes there)."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from string import Template

from paperclub.errors import PaperclubError
from paperclub.files import atomic_write

TEMPLATE = Path(__file__).resolve().parent / "templates" / "workspace"
THURSDAY = 3


def files() -> list[Path]:
    """The workspace's files, relative to its folder: the group config first."""
    return sorted(
        (p.relative_to(TEMPLATE) for p in TEMPLATE.rglob("*") if p.is_file()),
        key=lambda p: (p.suffix != ".yaml", p),
    )


def first_session(today: date) -> date:
    """The first Thursday a week or more after `today`: the template's weekday, with a week
    to tell the members."""
    return today + timedelta(days=7 + (THURSDAY - today.weekday()) % 7)


def init(folder: Path, today: date, force: bool = False) -> list[Path]:
    """Write the workspace into `folder` (made if missing); the paths written. Files that
    exist already are an error, and nothing is written, unless `force`."""
    if folder.exists() and not folder.is_dir():
        raise PaperclubError(
            "not a folder: paperclub init makes a workspace in a folder", path=folder
        )
    targets = [folder / name for name in files()]
    there = [t for t in targets if t.exists() or t.is_symlink()]
    if there and not force:
        also = f" (and {', '.join(map(str, there[1:]))})" if there[1:] else ""
        raise PaperclubError(
            f"exists already{also}: paperclub init overwrites nothing without --force",
            path=there[0],
        )
    for target in targets:  # checked first, so a failure writes nothing
        if target.is_dir():
            raise PaperclubError("a folder is where paperclub init writes this file", path=target)
        if target.parent.exists() and not target.parent.is_dir():
            raise PaperclubError(
                "not a folder: paperclub init writes files in it", path=target.parent
            )
    for name, target in zip(files(), targets):
        text = (TEMPLATE / name).read_text(encoding="utf-8")
        if name.suffix == ".yaml":
            text = Template(text).substitute(start=first_session(today).isoformat())
        try:
            atomic_write(target, text.encode("utf-8"))
        except OSError as e:  # a folder we may not write in, a full disk
            raise PaperclubError(f"cannot write it: {e.strerror}", path=target) from None
    return targets
