"""Emitters: the plan as data for other tools, `json` (what `paperclub show --json` prints)
and `csv` (one row per paper, for a spreadsheet)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

from paperclub.hookspecs import hookimpl
from paperclub.models import notes_link
from paperclub.text import links_of
from paperclub.turns import role_names

if TYPE_CHECKING:
    from paperclub.models import Plan
    from paperclub.registry import Emitter

CSV_COLUMNS = (
    "session",
    "date",
    "start",
    "end",
    "status",
    "paper_id",
    "title",
    "presenter",
    "topics",
    "abs",
    "code",
)

# A cell starting with one of these is a formula to Excel, LibreOffice and Google Sheets
# (OWASP "CSV injection"); tab and carriage return too, as some importers strip them first.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: str) -> str:
    """A cell a spreadsheet shows as text: a leading `'` before a formula character."""
    return "'" + value if value.startswith(FORMULA_START) else value


class JsonEmitter:
    name = "json"
    extension = ".json"
    media_type = "application/json"

    def render(self, plan: Plan) -> bytes:
        import json

        from paperclub import planfile

        text = json.dumps(planfile.to_json(plan), indent=2, sort_keys=True, ensure_ascii=False)
        return (text + "\n").encode("utf-8")


class CsvEmitter:
    name = "csv"
    extension = ".csv"
    media_type = "text/csv"

    def rows(self, plan: Plan) -> Iterator[list[str]]:
        from zoneinfo import ZoneInfo

        zone = ZoneInfo(plan.timezone)
        roles = role_names(plan)
        for s in plan.sessions:
            start, end = s.start.astimezone(zone), s.end.astimezone(zone)
            lead = [s.id, start.date().isoformat(), f"{start:%H:%M}", f"{end:%H:%M}", s.status]
            # after the columns of a group without roles: a column per role, and the notes
            tail = [] if s.cancelled else ["; ".join(s.roles.get(r, [])) for r in roles]
            tail = (tail or [""] * len(roles)) + (
                [("" if s.cancelled else notes_link(plan, s)) or ""] if plan.notes_url else []
            )
            if not s.papers:  # a session without papers (cancelled, or to be announced)
                yield lead + [""] * (len(CSV_COLUMNS) - len(lead)) + tail
            for a in s.papers:
                yield lead + [
                    a.paper_id,
                    a.title,
                    a.presenter or "",
                    "; ".join(a.topics),
                    a.links.get("abs", ""),
                    " ".join(links_of(a.links, "code")),
                    *tail,
                ]

    def render(self, plan: Plan) -> bytes:
        import csv
        import io

        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\r\n")  # RFC 4180
        writer.writerow([*CSV_COLUMNS, *role_names(plan), *(["notes"] if plan.notes_url else [])])
        for row in self.rows(plan):
            writer.writerow([neutralise(str(cell)) for cell in row])
        return out.getvalue().encode("utf-8")


@hookimpl(trylast=True)
def paperclub_register_emitters(register: Callable[[Emitter], None]) -> None:
    register(JsonEmitter())
    register(CsvEmitter())
