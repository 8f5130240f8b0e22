"""Small text helpers shared by the sources and emitters."""

from __future__ import annotations

import re
import unicodedata


def slugify(title: str) -> str:
    """A paper id from its title: lower-case ASCII words joined by hyphens.

    Titles that differ only in case, accents or punctuation get the same slug, which is how
    the catalog recognises the same paper arriving without an arXiv id or DOI.
    """
    if not title.isascii():
        title = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    return _NOT_WORD.sub("-", title.lower()).strip("-") or "untitled"


_NOT_WORD = re.compile(r"[^a-z0-9]+")
