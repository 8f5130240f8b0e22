"""HTTP GET for the sources that fetch themselves (addresses such as `arxiv:...`): one place
for the HTTP cache, the timeouts, the User-Agent, the pause between two requests to a host,
the retries, and the faults, each a PaperclubError of one line naming the user's address.

The cache is requests-cache's, in files of the workspace's cache (`.paperclub-cache/http/`),
and every answer is revalidated (ETag, Last-Modified): an unchanged one costs a 304 and no
body. Measured against hishel (on httpx) and a small cache of our own on urllib, 200
revalidated GETs of 200 KB from a local server: our own 1-2 ms each (no dependency, but ours
to keep), hishel 0.6 ms but it served the answers from the cache without asking the server
(heuristic freshness: options to learn) and its API changed twice in 2025 (0.x, 1.0, 2.0),
requests-cache 7 ms each and 180 ms to import, revalidating every time with `expire_after=0`
as asked, a stable API since 1.0 (2023). Against the network's round trips and arXiv's 3 s
between requests its cost is nothing, so the well-kept library it is: the optional extra
`fetch` (pip install 'paperclub[fetch]'), imported only when an address is fetched."""

from __future__ import annotations

import os
import re
import sys
import time
import urllib.parse
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any

from paperclub import __version__
from paperclub.errors import PaperclubError

# who asks: the tool and its version (paperclub has no web address of its own to name yet)
USER_AGENT = f"paperclub/{__version__} (reading-group planner)"
CONNECT_TIMEOUT = 10.0  # seconds to connect
READ_TIMEOUT = 60.0  # seconds without a byte of the answer
RETRIES = 4  # more tries after a 429 or a 5xx (a refused connection, a timeout: none)
BACKOFF = 2.0  # seconds before the first retry, doubled for each next one
MAX_WAIT = 120.0  # seconds of waiting for retries, in all, for one request: then it fails
RETRY_STATUS = {429, 500, 502, 503, 504}
EXTRA = "pip install 'paperclub[fetch]'"
# headers and query parameters that carry a credential: requests-cache leaves them out of the
# cache's files (which otherwise keep each request's headers) and out of the cache key.
# requests-cache's own list (Authorization, X-API-Key, access_token, ...) and Zotero's key.
SECRETS = ("Zotero-API-Key",)


@dataclass(frozen=True)
class Fetched:
    """What `Fetcher.fetch` gives: the body, and whether it came from the cache."""

    body: bytes
    cached: bool


class HTTPStatusError(PaperclubError):
    """The server answered with an error status; `status` and `body` for a caller that reads
    the service's own explanation in it (the arXiv API's error feed)."""

    def __init__(self, message: str, status: int, body: bytes) -> None:
        super().__init__(message)
        self.status = status
        self.body = body


def base_url(service: str, default: str) -> str:
    """PAPERCLUB_<SERVICE>_URL from the environment (e.g. PAPERCLUB_ARXIV_URL), else default:
    a mirror, or the tests' local server."""
    value = os.environ.get(f"PAPERCLUB_{service.upper()}_URL", "").strip()
    return value.rstrip("/") if value else default


def shown_url(url: str) -> str:
    """`url` without what may be a credential (a user:password@, the query), for messages."""
    parts = urllib.parse.urlsplit(url)
    host = parts.hostname or ""
    if parts.port:
        host += f":{parts.port}"
    return urllib.parse.urlunsplit((parts.scheme, host, parts.path, "", ""))


class Fetcher:
    """HTTP GET for the sources that fetch: cached in the workspace (ETag/Last-Modified
    revalidation), polite (User-Agent naming paperclub and its version; at least `interval`
    seconds between two requests to one host; retries with backoff on 429/5xx honouring
    Retry-After; timeouts), offline on request."""

    def __init__(self, cache_dir: Path, *, offline: bool = False) -> None:
        self.cache_dir = cache_dir
        self.offline = offline
        self.timeout = (CONNECT_TIMEOUT, READ_TIMEOUT)
        self.max_wait = MAX_WAIT
        self.backoff = BACKOFF
        self.progress = sys.stderr.isatty()  # a progress bar for addresses of many pages
        self._last: dict[str, float] = {}  # host -> monotonic time of its last request
        self._session: Any = None

    def session(self) -> Any:
        """requests-cache's session, made on first use (the import is the extra's)."""
        if self._session is None:
            try:
                import requests_cache
            except ImportError:
                raise PaperclubError(
                    f"fetching addresses needs the optional extra fetch: {EXTRA}"
                ) from None
            self._session = requests_cache.CachedSession(
                str(self.cache_dir / "responses"),
                backend="filesystem",
                # pickle, not the filesystem backend's default JSON (a body in base64): a
                # page of 1 MB is stored or revalidated in 5 ms instead of 20 (bench/fetch.py)
                serializer="pickle",
                expire_after=0,  # stale at once: every use revalidates (ETag, Last-Modified)
                allowable_codes=(200,),
                stale_if_error=False,
                ignored_parameters=(*requests_cache.policy.DEFAULT_IGNORED_PARAMS, *SECRETS),
            )
            self._session.headers["User-Agent"] = USER_AGENT
        return self._session

    def get(
        self,
        url: str,
        *,
        params: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
        interval: float = 0.0,
        what: str | None = None,
    ) -> bytes:
        """The body of a 200 answer to GET `url` (from the cache when the server says it is
        unchanged); any fault is a PaperclubError of one line naming `what` (the user's
        address; by default the url without its query, which may hold a key)."""
        return self.fetch(url, params=params, headers=headers, interval=interval, what=what).body

    def fetch(
        self,
        url: str,
        *,
        params: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
        interval: float = 0.0,
        what: str | None = None,
    ) -> Fetched:
        """As `get`, and whether the body is the cached one (the server answered 304, or
        --offline): a caller that checked it when it was new need not check it again."""
        name = what or shown_url(url)
        session = self.session()
        import requests

        host = urllib.parse.urlsplit(url).netloc
        waited = 0.0
        tries = 0
        while True:
            tries += 1
            wait = self._last.get(host, -1e9) + interval - time.monotonic()
            if wait > 0 and not self.offline:
                time.sleep(wait)
            started = time.monotonic()
            try:
                response = session.get(
                    url,
                    params=dict(params or {}),
                    headers=dict(headers or {}),
                    timeout=self.timeout,
                    only_if_cached=self.offline,
                )
                body = response.content  # read whole here: a cut-off body raises now
            except requests.exceptions.ConnectTimeout:
                fault = f"no connection to {shown_url(url)} within {self.timeout[0]:g} seconds"
            except requests.exceptions.ReadTimeout:
                fault = f"no answer from {shown_url(url)} within {self.timeout[1]:g} seconds"
            except requests.exceptions.ChunkedEncodingError:
                fault = f"the answer from {shown_url(url)} was cut off"
            except requests.exceptions.ConnectionError as e:
                fault = f"cannot reach {shown_url(url)}: {_reason(e)}"
            except requests.exceptions.RequestException as e:
                raise PaperclubError(f"{name}: {_reason(e)}") from None
            else:
                fault = ""
            finally:
                self._last[host] = time.monotonic()  # a request went out (or was tried)
            if not fault and not getattr(response, "from_cache", False):
                # the pause counts from when the server began to answer (it had the request
                # then: the next one reaches it `interval` later at the least), so the body's
                # transfer (a page of arXiv's is 1 MB) happens during the pause, not before it
                answered = started + response.elapsed.total_seconds()
                self._last[host] = min(self._last[host], answered)
            if not fault:
                status = response.status_code
                if status == 200:
                    return Fetched(body, bool(getattr(response, "from_cache", False)))
                if self.offline and status == 504:
                    raise PaperclubError(f"{name}: not in the cache, and --offline fetches nothing")
                fault = f"{shown_url(url)} answered {status} {response.reason or ''}".rstrip()
                if status not in RETRY_STATUS:
                    raise HTTPStatusError(f"{name}: {fault}", status, body)
                pause = _retry_after(response.headers.get("Retry-After"))
            else:  # no answer: trying again at once would fail again
                raise PaperclubError(f"{name}: {fault}")
            if pause is None:
                pause = self.backoff * 2 ** (tries - 1)
            if tries > RETRIES or waited + pause > self.max_wait:
                more = f" (tried {tries} times in {waited:.0f} s)" if tries > 1 else ""
                raise PaperclubError(f"{name}: {fault}{more}")
            time.sleep(pause)
            waited += pause

    @contextmanager
    def progress_bar(self, label: str) -> Iterator[Progress]:
        """A progress bar on stderr, shown when it is a terminal and the total is more than
        one page: `total(n)` once known, then `advance(k)` as entries come."""
        bar = Progress(label, self.progress)
        try:
            yield bar
        finally:
            bar.close()


class Progress:
    def __init__(self, label: str, shown: bool) -> None:
        self.label = label
        self.shown = shown
        self.bar: Any = None

    def total(self, n: int) -> None:
        if self.shown and self.bar is None and n > 0:
            import click

            self.bar = click.progressbar(
                length=n, label=self.label, file=sys.stderr, show_pos=True, show_eta=False
            )
            self.bar.__enter__()

    def advance(self, n: int) -> None:
        if self.bar is not None:
            self.bar.update(n)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)
            self.bar = None


def _retry_after(value: str | None) -> float | None:
    """Retry-After's seconds (a number, or an HTTP date), or None when not given."""
    if not value:
        return None
    if re.fullmatch(r"\s*\d+\s*", value):
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def _reason(error: Exception) -> str:
    """The innermost reason of a requests error, in words: `Connection refused`, `Name or
    service not known`, without the URL and its query (which may hold a key)."""
    text = str(error)
    for pattern in (r"\[Errno -?\d+\] ([^'\")\]:]+)", r"Failed to resolve '[^']*' \(([^):]*)"):
        match = re.search(pattern, text)
        if match:
            return match.group(1).strip().rstrip(".")
    if "NameResolutionError" in text or "getaddrinfo" in text:
        return "the host name does not resolve"
    if "Connection refused" in text:
        return "connection refused"
    if "://" not in text and "(" not in text and 0 < len(text) <= 100:
        return text  # "Remote end closed connection without response"
    return type(error).__name__
