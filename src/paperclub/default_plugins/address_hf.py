"""Address: Hugging Face Daily Papers, fetched from the Hub's API and read by the hf-json
source (hf_json.py), which reads both shapes handed on here.

* `hf:2025-11-25`: that day's Daily Papers (`/api/daily_papers?date=...`, paged with `p` and
  `limit`: a day may hold more papers than the API's default page of 50);
* `hf:today`: the same for the day of the fetch (UTC, the Hub's day);
* `hf:2025-W48`: the days of that ISO week (Monday to Sunday, up to today) combined, each day
  fetched as `hf:DAY` is, so a week and its days share the cache;
* `hf:paper/2410.17243`: one paper (`/api/papers/ID`).

The base address is PAPERCLUB_HF_URL (default https://huggingface.co).

Why not huggingface_hub's paper API (`HfApi.list_daily_papers`, `paper_info`): it sends its own
requests (its session, none of paperclub's cache, revalidation, offline mode or pause between
requests), hands back `PaperInfo` objects rather than the API's JSON (hf-json would need it
back as JSON, losing fields PaperInfo drops, such as `paper.githubStars`), pages nothing (a day
past its `limit` is cut short), and is a large install (httpx2, hf-xet, fsspec, filelock, tqdm: about
25 MB; measured, 190-230 ms to import against about 40 ms for urllib) for two GETs of public
JSON that need no token.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import date, datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any

from paperclub import ids
from paperclub.addresses import Address
from paperclub.errors import PaperclubError
from paperclub.hookspecs import hookimpl
from paperclub.messages import kind, one_line, quoted

if TYPE_CHECKING:
    from paperclub.fetch import Fetcher

SCHEME = "hf"
DEFAULT_URL = "https://huggingface.co"
DESCRIPTION = (
    "Hugging Face Daily Papers: hf:2025-11-25 (a day), hf:today, hf:2025-W48 (an ISO week), "
    "hf:paper/2410.17243 (one paper)"
)
PAGE_SIZE = 100  # papers per request: the most the API gives (its default is 50)
MAX_PAGES = 50  # a day of more than 5,000 papers is a server that ignores `p`, not a day
INTERVAL = 1.0  # seconds between two requests: the Hub publishes no limit; be gentle

_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
_WEEK = re.compile(r"(\d{4})-W(\d{2})", re.IGNORECASE)


def utc_today() -> date:
    return datetime.now(timezone.utc).date()


def fetch(
    rest: str, fetcher: Fetcher, *, today: Callable[[], date] = utc_today
) -> tuple[bytes, str]:
    """The content of `hf:<rest>` for the hf-json source: a JSON list of daily-papers items,
    or one paper object. `today` is the clock (`hf:today`, and where a week stops)."""
    from paperclub.fetch import base_url  # the HTTP side only when an address is fetched

    address = f"{SCHEME}:{rest}"
    base = base_url(SCHEME, DEFAULT_URL)
    if rest.startswith("paper/"):
        paper = _paper_id(rest[len("paper/") :], address)
        data = _json(
            fetcher.get(f"{base}/api/papers/{paper}", interval=INTERVAL, what=address), address
        )
        if not isinstance(data, dict) or not isinstance(data.get("id"), str):
            raise PaperclubError(
                f"the answer is {_what(data)}, not a paper of Hugging Face's API", path=address
            )
        return _dumps(data), "hf-json"
    items: list[Any] = []
    seen: set[str] = set()
    for day in days(rest, today(), address):
        for item in _day(base, day, fetcher, address):
            key = _item_id(item)
            if key is None or key not in seen:  # a paper on two pages of a shifting day
                items.append(item)
            if key is not None:
                seen.add(key)
    return _dumps(items), "hf-json"


def days(rest: str, today: date, address: str) -> list[date]:
    """The days an `hf:` address names: one, or the days of an ISO week up to `today`."""
    if rest.lower() == "today":
        return [today]
    if _DAY.fullmatch(rest):
        try:
            return [date.fromisoformat(rest)]
        except ValueError:
            raise PaperclubError(f"{rest} is not a date such as 2025-11-25", path=address) from None
    week = _WEEK.fullmatch(rest)
    if week:
        try:
            monday = date.fromisocalendar(int(week.group(1)), int(week.group(2)), 1)
        except ValueError:
            raise PaperclubError(
                f"{rest} is not an ISO week such as 2025-W48 (weeks 01 to 52 or 53)",
                path=address,
            ) from None
        week_days = [monday + timedelta(days=n) for n in range(7)]
        return [d for d in week_days if d <= today] or week_days[:1]
    raise PaperclubError(
        f"not a Hugging Face address; the forms are {DESCRIPTION.partition(': ')[2]}",
        path=address,
    )


def _day(base: str, day: date, fetcher: Fetcher, address: str) -> list[Any]:
    """Every daily-papers item of `day`, page by page until a page is not full."""
    items: list[Any] = []
    for page in range(MAX_PAGES):
        params = {"date": day.isoformat(), "limit": str(PAGE_SIZE), "p": str(page)}
        data = _json(
            fetcher.get(f"{base}/api/daily_papers", params=params, interval=INTERVAL, what=address),
            address,
        )
        if not isinstance(data, list) or not all(isinstance(i, dict) for i in data):
            raise PaperclubError(
                f"the answer for {day} is {_what(data)}, not a list of daily papers",
                path=address,
            )
        items.extend(data)
        if len(data) < PAGE_SIZE:
            return items
    raise PaperclubError(
        f"the answer for {day} goes on past {MAX_PAGES} pages of {PAGE_SIZE} papers: a server "
        "that ignores the page number `p`?",
        path=address,
    )


def _paper_id(text: str, address: str) -> str:
    arxiv = ids.arxiv_id(text)
    if not arxiv or not re.fullmatch(r"(arxiv:)?[\w./-]+?(v\d+)?", text, re.IGNORECASE):
        raise PaperclubError(
            f"{quoted(text, 60)} is not an arXiv id such as 2410.17243 (Hugging Face's "
            "papers are arXiv's)",
            path=address,
        )
    return arxiv


def _item_id(item: dict[str, Any]) -> str | None:
    paper = item.get("paper")
    value = paper.get("id") if isinstance(paper, dict) else item.get("id")
    return value if isinstance(value, str) else None


def _json(body: bytes, address: str) -> Any:
    """The answer as JSON; an HTML page (a proxy's, a captive portal's, an error page with
    status 200) or a cut-off body is an error naming the address."""
    try:
        return json.loads(body)
    except (ValueError, RecursionError):
        start = body[:200].decode("utf-8", "replace").lstrip()
        if start[:1] == "<":
            raise PaperclubError("the answer is an HTML page, not JSON", path=address) from None
        raise PaperclubError(
            f"the answer is not JSON (cut off, or it starts {quoted(one_line(start, 60))})",
            path=address,
        ) from None


def _what(data: object) -> str:
    if isinstance(data, dict) and isinstance(data.get("error"), str):
        return f"an error: {one_line(data['error'], 120)}"
    return kind(data, a_mapping="an object")


def _dumps(data: object) -> bytes:
    """The content handed on: JSON as the API gave it (its keys in its order), indented so
    the hf-json source's errors name a useful line of the cached file."""
    return (json.dumps(data, ensure_ascii=False, indent=1) + "\n").encode()


@hookimpl(trylast=True)
def paperclub_register_addresses(register: Callable[[Address], None]) -> None:
    register(Address(SCHEME, DESCRIPTION, fetch))
