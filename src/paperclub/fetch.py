"""HTTP GET for the sources that fetch themselves (addresses such as `arxiv:...`): one place
for the timeout, the User-Agent, the pause between two requests to a host, and the faults,
each a PaperclubError of one line naming the user's address.

First version: a plain GET on the standard library (no cache, no retries yet); the interface
is the one the address plugins code against."""

from __future__ import annotations

import os
import socket
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Mapping
from pathlib import Path

from paperclub import __version__
from paperclub.errors import PaperclubError

USER_AGENT = f"paperclub/{__version__} (+https://github.com/paperclub/paperclub)"
TIMEOUT = 30.0  # seconds without a byte before a request is given up


def base_url(service: str, default: str) -> str:
    """PAPERCLUB_<SERVICE>_URL from the environment (e.g. PAPERCLUB_ARXIV_URL), else default:
    a mirror, or the tests' local server."""
    value = os.environ.get(f"PAPERCLUB_{service.upper()}_URL", "").strip()
    return value.rstrip("/") if value else default


def with_params(url: str, params: Mapping[str, str] | None) -> str:
    """`url` with `params` added to its query string."""
    if not params:
        return url
    return url + ("&" if "?" in url else "?") + urllib.parse.urlencode(list(params.items()))


def shown_url(url: str) -> str:
    """`url` without what may be a credential (a user:password@, the query's values), for
    messages."""
    parts = urllib.parse.urlsplit(url)
    host = parts.hostname or ""
    if parts.port:
        host += f":{parts.port}"
    return urllib.parse.urlunsplit((parts.scheme, host, parts.path, "", ""))


class Fetcher:
    """HTTP GET for the sources that fetch: polite (a User-Agent naming paperclub and its
    version; at least `interval` seconds between two requests to one host; timeouts), offline
    on request."""

    def __init__(self, cache_dir: Path, *, offline: bool = False) -> None:
        self.cache_dir = cache_dir
        self.offline = offline
        self.timeout = TIMEOUT
        self._last: dict[str, float] = {}  # host -> monotonic time of its last request

    def get(
        self,
        url: str,
        *,
        params: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
        interval: float = 0.0,
        what: str | None = None,
    ) -> bytes:
        """The body of a 200 answer to GET `url`; any fault is a PaperclubError of one line
        naming `what` (the user's address; the url without its query by default)."""
        full = with_params(url, params)
        name = what or shown_url(url)
        if self.offline:
            raise PaperclubError(f"{name}: not in the cache, and --offline fetches nothing")
        host = urllib.parse.urlsplit(full).netloc
        wait = self._last.get(host, -1e9) + interval - time.monotonic()
        if wait > 0:
            time.sleep(wait)
        request = urllib.request.Request(
            full, headers={"User-Agent": USER_AGENT, **(headers or {})}
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                return response.read()
        except urllib.error.HTTPError as e:
            raise PaperclubError(f"{name}: the server answered {e.code} {e.reason}") from None
        except urllib.error.URLError as e:
            raise PaperclubError(f"{name}: cannot reach {shown_url(full)}: {e.reason}") from None
        except (TimeoutError, socket.timeout):
            raise PaperclubError(
                f"{name}: no answer within {self.timeout:g} seconds from {shown_url(full)}"
            ) from None
        except OSError as e:
            raise PaperclubError(f"{name}: cannot read {shown_url(full)}: {e}") from None
        finally:
            self._last[host] = time.monotonic()
