"""Fetch 10,000 arXiv entries in pages from a local arXiv API, beside the same entries imported
from a saved file in the same run; then a refresh of the same address that changes nothing.

    python bench/fetch.py [--entries 10000] [--runs 3] [--paced-runs 1]   # 3 min (3 s a page)

The entries: the 20 real ones of the two recorded pages of `search_query=testing`
(tests/fixtures/arxiv/api/, see tests/fixtures/SOURCES.md), renumbered as the tests do (each its
own id 2501.NNNNN and title), 10,000 papers. The server: a threading HTTP server on 127.0.0.1
(a free port) that answers as the arXiv API does (search_query or id_list, start,
max_results: pages of an Atom feed with opensearch:totalResults), sends an ETag with each page
and answers a request that sends it back (If-None-Match) with 304 and no body; it records
each request's arrival, status and its own time to answer it. `paperclub import
arxiv:QUERY` runs in a process of its own in a temporary workspace, PAPERCLUB_ARXIV_URL
pointing at the server, the pages PAGE_SIZE entries each, at arXiv's published pace.

The pace: address_arxiv reads no interval from the environment (INTERVAL, 3 s, is a constant),
so the real-pace runs wait for it, and the waits are counted, not measured: (requests - 1) x
INTERVAL, the least time the pace allows between the first request and the last. The import's
work is its wall time minus those waits (work done during a wait is hidden by it, as it is for
a user: the address reads each page's papers there, and the import takes them). To see all of
the work, the same import and refresh run again in a child that sets INTERVAL to 0 before the
command runs (python -c, no other change), in another workspace: with no pause to read in, the
address reads nothing as the pages come and the import reads the combined feed, as it reads a
file. These and the file's import run `--runs` times each, in fresh workspaces, and the median
counts. Each run prints its wall time, its CPU time and its peak memory (the child's own, by wait4).

The baseline: the same 10,000 entries saved as one Atom feed, `paperclub import --format
arxiv-atom FILE` in a fresh workspace, in the same run.
Targets: the paged import <= 1.2x the file's import plus the pace's waits; the refresh (a
second `paperclub import` of the address: every page revalidated, 304, the catalog unchanged)
<= 1 s of work beyond the revalidation requests: its wall time minus the pace's waits minus
the server's time answering them (the client's side of each request, requests-cache reading
its cached page, is counted as work).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT / "src"))

from paperclub.default_plugins import address_arxiv  # noqa: E402

API = ROOT / "tests" / "fixtures" / "arxiv" / "api"
PAGES = [(API / f"testing-start{n}.atom").read_bytes() for n in (0, 10)]
ENTRY = re.compile(rb"<entry>.*?</entry>", re.DOTALL)
ID = re.compile(rb"<id>http://arxiv.org/abs/([^<]*?)(v\d+)?</id>")
ADDRESS = "arxiv:cat:cs.SE AND all:testing"
MB = 1 << 20
# the child of the no-wait runs: arXiv's pace off, nothing else changed
NO_WAIT = (
    "import sys\n"
    "from paperclub.default_plugins import address_arxiv\n"
    "address_arxiv.INTERVAL = 0.0\n"
    "from paperclub.cli import main\n"
    "main(sys.argv[1:])\n"
)


def renumbered(n: int) -> bytes:
    """Real entry n % 20, as paper number n: its own arXiv id (2501.NNNNN) and title."""
    entry = [e for page in PAGES for e in ENTRY.findall(page)][n % 20]
    entry = re.sub(rb"\d{4}\.\d{4,5}(v\d+)?", f"2501.{n + 1:05d}v1".encode(), entry)
    return entry.replace(b"<title>", f"<title>No. {n + 1}: ".encode(), 1)


def feed(items: list[bytes], total: int, start: int = 0) -> bytes:
    """A page as the API answers: the recorded page's header, with these entries."""
    head = PAGES[0][: PAGES[0].index(b"<entry>")]
    head = re.sub(
        rb"<opensearch:totalResults>\d+", f"<opensearch:totalResults>{total}".encode(), head
    )
    head = re.sub(rb"<opensearch:startIndex>\d+", f"<opensearch:startIndex>{start}".encode(), head)
    head = re.sub(
        rb"<opensearch:itemsPerPage>\d+", f"<opensearch:itemsPerPage>{len(items)}".encode(), head
    )
    return head + b"\n  ".join(items) + b"\n</feed>\n"


@dataclass
class Request:
    arrived: float  # time.monotonic()
    query: dict[str, str]
    status: int = 0
    seconds: float = 0.0  # the server's time to answer it


class ArxivAPI:
    """The arXiv API's query endpoint over `entries`, on 127.0.0.1, with ETags."""

    def __init__(self, entries: list[bytes]) -> None:
        self.entries = entries
        self.ids = [m.group(1).decode() for m in map(ID.search, entries) if m]
        self.requests: list[Request] = []
        self.pages: dict[tuple, tuple[bytes, str]] = {}  # query -> (body, etag), made once
        self.lock = threading.Lock()
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), self.handler())
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/api/query"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self) -> ArxivAPI:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(5)

    def page(self, query: dict[str, str]) -> tuple[int, bytes, str]:
        """(status, body, etag) of the answer to `query`."""
        key = tuple(sorted(query.items()))
        with self.lock:
            if key not in self.pages:
                try:
                    start = int(query.get("start", "0"))
                    size = int(query.get("max_results", "10"))
                except ValueError:
                    return 400, b"start and max_results are numbers", ""
                if "id_list" in query:  # those ids, in the order asked
                    where = {i: n for n, i in enumerate(self.ids)}
                    wanted = [i.split("v")[0] for i in query["id_list"].split(",") if i]
                    found = [self.entries[where[i]] for i in wanted if i in where]
                else:  # any search_query: every entry matches
                    found = self.entries
                body = feed(found[start : start + size], len(found), start)
                self.pages[key] = (body, '"' + hashlib.sha1(body).hexdigest() + '"')
            body, etag = self.pages[key]
        return 200, body, etag

    def handler(self) -> type[BaseHTTPRequestHandler]:
        api = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:  # noqa: N802 (http.server's name)
                began = time.monotonic()
                parts = urllib.parse.urlsplit(self.path)
                request = Request(began, dict(urllib.parse.parse_qsl(parts.query)))
                status, body, etag = (
                    api.page(request.query) if parts.path == "/api/query" else (404, b"", "")
                )
                if status == 200 and self.headers.get("If-None-Match") == etag:
                    status, body = 304, b""
                self.send_response(status)
                self.send_header("Content-Type", "application/atom+xml; charset=utf-8")
                if etag:
                    self.send_header("ETag", etag)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
                self.wfile.flush()
                request.status = status
                request.seconds = time.monotonic() - began
                with api.lock:
                    api.requests.append(request)

            def log_message(self, format: str, *args: object) -> None:
                pass

        return Handler


@dataclass
class Run:
    wall: float  # seconds
    cpu: float  # the child's user + system seconds
    peak: float  # the child's peak memory (resident), MB
    result: dict
    requests: list[Request]
    interval: float  # the pace the child kept between two requests

    @property
    def waits(self) -> float:
        """The least time arXiv's pace allows between the first request and the last."""
        return max(0, len(self.requests) - 1) * self.interval

    @property
    def work(self) -> float:
        return self.wall - self.waits

    @property
    def served(self) -> float:
        return sum(r.seconds for r in self.requests)


def paperclub(
    args: list[str], workspace: Path, api: ArxivAPI | None = None, pace: bool = True
) -> Run:
    """`paperclub import --json ARGS` in a process of its own, in `workspace`."""
    env = {**os.environ, "PAPERCLUB_DISABLE_PLUGIN_AUTOLOAD": "1"}
    if api is not None:
        env["PAPERCLUB_ARXIV_URL"] = api.url
        first = len(api.requests)
    catalog = ["--catalog", str(workspace / "catalog.sqlite")]
    head = [sys.executable, "-m", "paperclub"] if pace else [sys.executable, "-c", NO_WAIT]
    cmd = [*head, "import", "--json", *catalog, *args]
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=out, stderr=err, env=env, cwd=workspace)
        # wait4: this child's own rusage (its CPU time and its peak memory)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - started
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        if proc.returncode != 0:
            sys.exit(f"failed ({proc.returncode}): {' '.join(cmd)}\n{err.read().decode()}")
        result = json.loads(out.read())[0]
    requests = api.requests[first:] if api is not None else []
    interval = address_arxiv.INTERVAL if pace else 0.0
    cpu = usage.ru_utime + usage.ru_stime
    return Run(wall, cpu, usage.ru_maxrss / 1024, result, requests, interval)


def median(runs: list[Run]) -> Run:
    """The run of the median wall time."""
    return sorted(runs, key=lambda r: r.wall)[len(runs) // 2]


def verdict(ok: bool) -> str:
    return "met" if ok else "NOT met"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--entries", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=3, help="of the file and no-wait imports")
    parser.add_argument(
        "--paced-runs", type=int, default=1, help="of the import at arXiv's pace (a minute each)"
    )
    args = parser.parse_args()
    n = args.entries
    entries = [renumbered(i) for i in range(n)]
    pages = -(-n // address_arxiv.PAGE_SIZE)
    print(
        f"{n:,} arXiv entries (20 real ones, renumbered), pages of {address_arxiv.PAGE_SIZE} "
        f"({pages} pages), arXiv's pace: INTERVAL {address_arxiv.INTERVAL:g} s between requests"
    )
    with tempfile.TemporaryDirectory() as tmp, ArxivAPI(entries) as api:
        root = Path(tmp)
        saved = root / f"arxiv-{n}.atom"
        saved.write_bytes(feed(entries, n))

        def workspace(name: str) -> Path:
            (root / name).mkdir()
            return root / name

        paperclub(["--format", "arxiv-atom", str(saved)], workspace("warm"))  # the disk's cache
        # the quick runs, `runs` times each in fresh workspaces: the median of each
        bases, quicks, quick_agains = [], [], []
        for i in range(args.runs):
            bases.append(paperclub(["--format", "arxiv-atom", str(saved)], workspace(f"file{i}")))
            there = workspace(f"no-wait{i}")
            quicks.append(paperclub([ADDRESS], there, api, pace=False))
            quick_agains.append(paperclub([ADDRESS], there, api, pace=False))
        base, quick, quick_again = (median(r) for r in (bases, quicks, quick_agains))
        # arXiv's pace: a minute each; the median of --paced-runs, then a refresh of the first
        paceds = [paperclub([ADDRESS], workspace(f"paced{i}"), api) for i in range(args.paced_runs)]
        paced = median(paceds)
        again = paperclub([ADDRESS], root / "paced0", api)

        print(
            f"(file and no-wait: the median of {args.runs} runs, paced: of {args.paced_runs}, "
            "each in a fresh workspace)"
        )
        print(
            f"saved file   {saved.stat().st_size / MB:5.1f} MB  import {base.wall:6.2f} s  "
            f"cpu {base.cpu:5.2f} s  peak {base.peak:4.0f} MB  ({base.result['papers']:,} papers, "
            f"{base.result['added']:,} new)"
        )
        for label, run in (("paged", paced), ("paged, no wait", quick)):
            statuses = sorted({r.status for r in run.requests})
            gaps = [b.arrived - a.arrived for a, b in zip(run.requests, run.requests[1:])]
            print(
                f"{label:<15} pages {len(run.requests)}  requests {len(run.requests)} "
                f"(status {', '.join(map(str, statuses))}, server {run.served:.2f} s, "
                f"shortest gap {min(gaps, default=0):.2f} s)  "
                f"({run.result['papers']:,} papers, {run.result['added']:,} new)"
            )
            print(
                f"{'':<15} total {run.wall:6.2f} s  waits {run.waits:6.2f} s "
                f"({len(run.requests) - 1} x {run.interval:g} s)  work {run.work:6.2f} s  "
                f"cpu {run.cpu:5.2f} s  peak {run.peak:4.0f} MB  "
                f"ratio to the file {run.work / base.wall:5.2f}x"
            )
        if len(paceds) > 1:
            print(
                f"paged, each of {len(paceds)} runs: work "
                + ", ".join(f"{r.work:.2f} s ({r.work / base.wall:.2f}x)" for r in paceds)
            )
        print(
            f"target: paged import <= 1.2x the file's + the waits: {paced.wall:.2f} s <= "
            f"{1.2 * base.wall + paced.waits:.2f} s -> {verdict(paced.work <= 1.2 * base.wall)}"
        )
        print(
            f"        with no waits to hide work in: {quick.wall:.2f} s <= {1.2 * base.wall:.2f} s"
            f" -> {verdict(quick.wall <= 1.2 * base.wall)}"
        )

        for label, run in (("refresh", again), ("refresh, no wait", quick_again)):
            statuses = [r.status for r in run.requests]
            unchanged = run.result["skipped_unchanged_file"] or (
                run.result["added"] == 0 and run.result["updated"] == 0
            )
            beyond = run.wall - run.waits - run.served
            ok = beyond <= 1.0 and unchanged
            print(
                f"{label:<16} requests {len(statuses)} ({statuses.count(304)} answered 304, "
                f"no body; server {run.served:.3f} s)  total {run.wall:6.2f} s  "
                f"waits {run.waits:6.2f} s  beyond the requests {beyond:5.2f} s  "
                f"cpu {run.cpu:5.2f} s  catalog "
                f"{'unchanged' if unchanged else 'CHANGED'}"
                f"{' (file unchanged: skipped)' if run.result['skipped_unchanged_file'] else ''}"
                f" -> target <= 1 s {verdict(ok)}"
            )


if __name__ == "__main__":
    main()
