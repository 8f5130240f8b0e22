"""A local HTTP server for the tests of the sources that fetch: on 127.0.0.1, port 0 (a free
one), started and stopped by the `http_server` fixture, serving the responses a test gives it
(recorded from the real services: see tests/fixtures/SOURCES.md), and recording every
request: its time, method, path, query, headers and body, so a test can check the pause
between requests, the User-Agent, the revalidation headers, what a webhook was sent (GET, POST
and PUT are answered alike).

    def test_x(http_server):
        http_server.add("/api/query", Response(body=feed, etag='"v1"'))
        ... PAPERCLUB_ARXIV_URL=http_server.url + "/api/query" ...
        assert [r.path for r in http_server.requests] == ["/api/query"]

A path's responses are served in order, the last one again for every later request. A
response with an `etag` or `last_modified` answers a request that sends it back
(If-None-Match, If-Modified-Since) with 304 and no body, as real servers do.
"""

from __future__ import annotations

import threading
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest


@dataclass
class Response:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    etag: str | None = None
    last_modified: str | None = None  # an HTTP date: "Wed, 21 Oct 2015 07:28:00 GMT"
    delay: float = 0.0  # seconds before answering (a timeout)
    truncate: int | None = None  # send only this many bytes of the body, then close
    body_delay: float = 0.0  # seconds between the headers and the body (a slow download)


@dataclass
class Request:
    time: float  # time.monotonic() when it arrived
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    status: int = 0  # what the server answered
    method: str = "GET"
    body: bytes = b""  # what a POST or PUT sent


class Server:
    def __init__(self) -> None:
        self.routes: dict[str, list[Response] | Callable[[Request], Response]] = {}
        self.requests: list[Request] = []
        self._served: dict[str, int] = {}
        self._lock = threading.Lock()
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.stopped = False

    def add(self, path: str, *responses: Response | Callable[[Request], Response]) -> str:
        """Serve `responses` at `path`, in order (or a function of the request); its URL."""
        if len(responses) == 1 and callable(responses[0]):
            self.routes[path] = responses[0]
        else:
            self.routes[path] = [r for r in responses if isinstance(r, Response)]
        self._served[path] = 0
        return self.url + path

    def answer(self, request: Request) -> Response:
        with self._lock:
            self.requests.append(request)
            route = self.routes.get(request.path)
            if route is None:
                return Response(404, b"not found", {"Content-Type": "text/plain"})
            if callable(route):
                return route(request)
            n = self._served[request.path]
            self._served[request.path] = n + 1
            return route[min(n, len(route) - 1)]

    def stop(self) -> None:
        """Nothing listens on the port any more (no network): connections are refused."""
        if not self.stopped:
            self.stopped = True
            self.httpd.shutdown()
            self.httpd.server_close()

    def gaps(self, path: str | None = None) -> list[float]:
        """Seconds between one request (to `path`) and the next."""
        times = [r.time for r in self.requests if path is None or r.path == path]
        return [b - a for a, b in zip(times, times[1:])]


def _handler(server: Server) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:  # noqa: N802 (http.server's name)
            self._serve("GET")

        def do_POST(self) -> None:  # noqa: N802
            self._serve("POST")

        def do_PUT(self) -> None:  # noqa: N802
            self._serve("PUT")

        def _serve(self, method: str) -> None:
            parts = urllib.parse.urlsplit(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            request = Request(
                time.monotonic(),
                parts.path,
                dict(urllib.parse.parse_qsl(parts.query, keep_blank_values=True)),
                {k.lower(): v for k, v in self.headers.items()},
                method=method,
                body=self.rfile.read(length) if length else b"",
            )
            response = server.answer(request)
            if response.delay:
                time.sleep(response.delay)
            status, body = response.status, response.body
            sent_tag = request.headers.get("if-none-match")
            sent_date = request.headers.get("if-modified-since")
            if status == 200 and (
                (response.etag is not None and sent_tag == response.etag)
                or (response.last_modified is not None and sent_date == response.last_modified)
            ):
                status, body = 304, b""
            request.status = status
            try:
                self.send_response(status)
                for name, value in response.headers.items():
                    self.send_header(name, value)
                if response.etag is not None:
                    self.send_header("ETag", response.etag)
                if response.last_modified is not None:
                    self.send_header("Last-Modified", response.last_modified)
                self.send_header("Content-Length", str(len(body)))
                if response.truncate is not None:
                    self.send_header("Connection", "close")
                self.end_headers()
                if response.body_delay:
                    self.wfile.flush()
                    time.sleep(response.body_delay)
                self.wfile.write(body if response.truncate is None else body[: response.truncate])
                self.wfile.flush()
                if response.truncate is not None:
                    self.close_connection = True
            except (BrokenPipeError, ConnectionResetError):  # the client gave up (a timeout)
                self.close_connection = True

        def log_message(self, format: str, *args: object) -> None:
            pass  # quiet: the tests read server.requests

    return Handler


@pytest.fixture
def http_server():
    server = Server()
    server.thread.start()
    try:
        yield server
    finally:
        server.stop()
        server.thread.join(5)


def fetched_papers(fetch: Callable[..., tuple[bytes, str]], rest: str, cache: Path) -> list[Any]:
    """The papers an address plugin's `fetch(rest, Fetcher)` hands on as paperclub-json, read
    back by that source (an error record fails the test)."""
    from paperclub.default_plugins.paperclub_json import PaperclubJSON
    from paperclub.errors import PaperclubError
    from paperclub.fetch import Fetcher
    from paperclub.sourcefile import SourceFile

    content, source = fetch(rest, Fetcher(cache / "cache"))
    assert source == "paperclub-json"
    path = cache / "content.json"
    path.write_bytes(content)
    read = list(PaperclubJSON().read(SourceFile(path), None))
    assert not [p for p in read if isinstance(p, PaperclubError)], read
    return read
