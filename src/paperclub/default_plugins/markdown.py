"""Emitter: the term as a Markdown table, for a README or a wiki page."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING

from paperclub.hookspecs import hookimpl
from paperclub.models import notes_link
from paperclub.text import links_of, one_line, paper_url, web_url
from paperclub.turns import label, role_names

# what Markdown reads as a character reference (CommonMark: `&amp;`, `&#38;`, `&#x26;`); a
# lone & (`Systems & Theory`) is shown as it is, and so is best left as it is in the file
if TYPE_CHECKING:
    from paperclub.models import Plan
    from paperclub.registry import Emitter

_REFERENCE = re.compile(r"&(?=#[0-9]{1,7};|#[xX][0-9a-fA-F]{1,6};|[A-Za-z][A-Za-z0-9]*;)")


def cell(text: str) -> str:
    """Text safe inside a table cell: on one line, without control characters, with pipes,
    backslashes, brackets, HTML (which many renderers would run) and character references
    escaped."""
    text = one_line(text).replace("\\", "\\\\").replace("|", "\\|")
    text = text.replace("[", "\\[").replace("]", "\\]")  # no link of its own
    text = _REFERENCE.sub("&amp;", text)
    return text.replace("<", "&lt;").replace(">", "&gt;")


def link(title: str, links: dict) -> str:
    url = paper_url(links)
    text = cell(title)
    return f"[{text}](<{url}>)" if url else text


class MarkdownEmitter:
    name = "markdown"
    extension = ".md"
    media_type = "text/markdown"

    def render(self, plan: Plan) -> bytes:
        from zoneinfo import ZoneInfo

        zone = ZoneInfo(plan.timezone)
        out = [f"# {cell(plan.group)}", ""]
        if plan.location:
            out += [f"Where: {cell(plan.location)}", ""]
        roles = role_names(plan)  # a column each, and one for notes links: only when there are
        notes = plan.notes_url is not None
        extra = [label(r) for r in roles] + (["Notes"] if notes else [])
        head = "".join(f" {cell(x)} |" for x in extra)
        rule = "".join(f"{'-' * (len(cell(x)) + 2)}|" for x in extra)
        blank = " |" * len(extra)
        out += [
            f"| # | Date | Time | Paper | Topics | Presenter |{head} Code |",
            f"|---|------|------|-------|--------|-----------|{rule}------|",
        ]
        for n, s in enumerate(plan.sessions, 1):
            start, end = s.start.astimezone(zone), s.end.astimezone(zone)
            day = start.strftime("%a %Y-%m-%d")
            hours = f"{start:%H:%M}–{end:%H:%M}"
            if s.cancelled:
                out.append(f"| {n} | ~~{day}~~ | {hours} | *cancelled* | | |{blank} |")
                continue
            # the session's roles and its notes link, on its first row
            url = web_url(notes_link(plan, s))
            own = "".join(f" {cell(', '.join(s.roles.get(r, [])))} |" for r in roles) + (
                f" [notes](<{url}>) |" if url else " |" if notes else ""
            )
            for i, a in enumerate(s.papers or [None]):
                first = i == 0
                lead = f"| {n} | {day} | {hours} |" if first else "| | | |"
                mine = own if first else blank
                if a is None:
                    out.append(f"{lead} *to be announced* | | |{mine} |")
                    continue
                code_urls = [u for u in map(web_url, links_of(a.links, "code")) if u]
                code = " ".join(
                    f"[code{f' {n}' if n > 1 else ''}](<{u}>)" for n, u in enumerate(code_urls, 1)
                )
                said = f" *({cell(a.votes.label())})*" if a.votes else ""  # suggested by Ada
                out.append(
                    f"{lead} {link(a.title, a.links)}{said} | {cell(', '.join(a.topics))} | "
                    f"{cell(a.presenter or '')} |{mine} {code} |"
                )
        out += ["", f"Times are {plan.timezone}. Made with paperclub.", ""]
        return "\n".join(out).encode("utf-8")


@hookimpl(trylast=True)
def paperclub_register_emitters(register: Callable[[Emitter], None]) -> None:
    register(MarkdownEmitter())
