"""Paper identity: `arxiv:<id>` without its version, else `doi:<doi>`, else a slug of the
title. The same paper from two sources gets the same id, so the catalog merges them."""

from __future__ import annotations

import re
from datetime import date
from functools import lru_cache

from paperclub.text import slugify

# New-style ids (0704.0001, 2401.01234) and old-style ones (cond-mat/0603029, math.GT/0309136),
# bare or inside abs/pdf URLs, "arXiv:" prefixes and versions (v2) around them.
_NEW = r"(?P<new>\d{4}\.\d{4,5})"
_OLD = r"(?P<archive>[a-z]+(?:-[a-z]+)*)(?:\.[A-Z]{2})?/(?P<number>\d{7})"
# arXiv's own DOIs (10.48550/arXiv.2401.01234) name the id too.
ARXIV = re.compile(rf"(?:^|arxiv[:/. ]|/abs/|/pdf/)\s*(?:{_NEW}|{_OLD})(?:v\d+)?\b", re.IGNORECASE)
DOI = re.compile(r"\b(10\.\d{4,9}/\S+)")


def arxiv_id(text: str | None) -> str | None:
    """The arXiv id in `text` (an id, an `arXiv:` reference or an arxiv.org URL), without
    its version; None when there is none."""
    if not text:
        return None
    match = ARXIV.search(text.strip())
    if not match:
        return None
    if match.group("new"):
        return match.group("new")
    # An old-style id is archive/number; a subject class (math.GT/...) is not part of it.
    return f"{match.group('archive').lower()}/{match.group('number')}"


def arxiv_month(arxiv: str) -> date | None:
    """The first day of the month an arXiv id names (2509.05645, math/0309136: the month of
    its first version); None for an id that names none."""
    digits = arxiv.rpartition("/")[2][:4]
    if not digits.isdigit() or not 1 <= int(digits[2:]) <= 12:
        return None
    year = int(digits[:2])  # arXiv began in 1991: 91-99 are the 1990s
    return date(year + (1900 if year >= 91 else 2000), int(digits[2:]), 1)


def doi(text: str | None) -> str | None:
    """The DOI in `text` (bare, `doi:` or a doi.org URL), lower-cased (DOIs ignore case)."""
    if not text:
        return None
    match = DOI.search(text.strip())
    if not match:
        return None
    return match.group(1).rstrip(".,;)]}").lower()


# arXiv's archives, those of today and the old ones that old-style ids still name
ARCHIVES = frozenset(
    """astro-ph cond-mat cs econ eess gr-qc hep-ex hep-lat hep-ph hep-th math
math-ph nlin nucl-ex nucl-th physics q-bio q-fin quant-ph stat acc-phys adap-org alg-geom
ao-sci atom-ph bayes-an chao-dyn chem-ph cmp-lg comp-gas dg-ga funct-an mtrl-th patt-sol
plasm-ph q-alg solv-int supr-con""".split()
)


@lru_cache(maxsize=4096)
def is_arxiv_category(text: str) -> bool:
    """Whether `text` is an arXiv category (cs.CL, hep-th, cond-mat.str-el)."""
    archive, _, subject = text.partition(".")
    return archive in ARCHIVES and (not subject or _SUBJECT.fullmatch(subject) is not None)


_SUBJECT = re.compile(r"[A-Za-z-]+")


def paper_id(arxiv: str | None, doi_: str | None, title: str) -> str:
    if arxiv:
        return f"arxiv:{arxiv}"
    if doi_:
        return f"doi:{doi_}"
    return slugify(title)


def title_key(title: str) -> str:
    """A title with case, accents, punctuation and spacing removed: how titles are compared."""
    return slugify(title)
