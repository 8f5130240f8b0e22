"""Write text in the format of the Hugging Face Daily Papers page saved as text (select all,
copy, paste), from records shaped like the bundled sample (`src/paperclub/data/sample.json`).

The format, as on the real page (see tests/fixtures/hf/hf-daily-papers-2025-11-25.txt):
a few header lines, then per paper, separated by blank lines, a title line, an abstract line
and, when the paper has a publication date, a meta block of three lines:

      • 6 authors            (or an organisation: "apple Apple")
    ·
    Aug 7 12                 (yearless in the page's year, else "Mar 3, 2024"; then upvotes)
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import paperclub
from paperclub.text import link_kind

SAMPLE = Path(paperclub.__file__).resolve().parent / "data" / "sample.json"
# the real page the bundled sample comes from (tests/fixtures/SOURCES.md)
SEED_PAGE = Path(__file__).resolve().parent / "fixtures" / "hf" / "hf-daily-papers-2025-11-25.txt"

BULLET = "\u2022"  # •
MIDDOT = "\u00b7"  # ·

LINK_SENTENCES = {
    "code": "Code is at {}.",
    "data": "The data set is at {}.",
    "model": "Our models are at {}.",
    "project": "See the project page, {}.",
}


def load_sample() -> list[dict]:
    return json.loads(SAMPLE.read_text(encoding="utf-8"))


def header_lines(as_of: date) -> list[str]:
    return [
        "new",
        "Get trending papers in your email inbox!",
        "Subscribe",
        "Daily Papers",
        "byAK and the research community",
        short_date(as_of),
    ]


def short_date(day: date) -> str:
    return f"{day:%b} {day.day}"


def date_text(published: date, as_of: date, upvotes: int = 0) -> str:
    """'Aug 7' in as_of's year, else 'Mar 3, 2024'; then ' N' when there are upvotes."""
    text = short_date(published)
    if published.year != as_of.year:
        text += f", {published.year}"
    if upvotes > 0:
        text += f" {upvotes}"
    return text


def byline(paper: dict) -> str:
    if paper.get("organisation"):
        org = paper["organisation"]
        handle = "".join(org.lower().split())  # the avatar's alt text: one word
        return f"{handle} {org}"
    return f"  {BULLET} {paper['author_count']} authors"  # the page says "1 authors" too


def abstract(paper: dict) -> str:
    sentences = ["We study the question the title asks, with experiments on three benchmarks."]
    for name, url in (paper.get("links") or {}).items():  # in order: code before code-2
        sentences.append(LINK_SENTENCES[link_kind(name)].format(url))
    return " ".join(sentences)


def entry_blocks(paper: dict, as_of: date) -> list[list[str]]:
    """One paper as blocks of consecutive lines: [title], [abstract], [byline, ·, date]."""
    blocks = [[paper["title"]], [abstract(paper)]]
    if paper.get("published"):
        published = date.fromisoformat(paper["published"])
        blocks.append([byline(paper), MIDDOT, date_text(published, as_of, paper.get("upvotes", 0))])
    return blocks


def join_blocks(blocks: list[list[str]]) -> str:
    """Blocks separated by blank lines, as the page's text is."""
    return "\n\n".join("\n".join(block) for block in blocks) + "\n"


def page_blocks(papers: list[dict], as_of: date) -> list[list[str]]:
    blocks = [[line] for line in header_lines(as_of)]
    for paper in papers:
        blocks += entry_blocks(paper, as_of)
    return blocks


def render_page(papers: list[dict], as_of: date) -> str:
    """The text of a Daily Papers page saved on `as_of` that lists `papers`."""
    return join_blocks(page_blocks(papers, as_of))


def write_page(path: Path, papers: list[dict], as_of: date) -> Path:
    path.write_text(render_page(papers, as_of), encoding="utf-8")
    return path


def line_number(text: str, line: str) -> int:
    """The 1-based number of the one line of `text` that is exactly `line` (stripped)."""
    found = [n for n, item in enumerate(text.splitlines(), 1) if item.strip() == line.strip()]
    assert len(found) == 1, f"{line!r} occurs {len(found)} times"
    return found[0]
