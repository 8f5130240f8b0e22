"""`arxiv:` addresses (issue 17) against a local server that answers as the arXiv API does,
with its real answers (tests/fixtures/arxiv/api/, recorded by the arxiv package's tests:
see tests/fixtures/SOURCES.md), pointed at by PAPERCLUB_ARXIV_URL."""

from __future__ import annotations

import hashlib
import io
import json
import re
import sys

import pytest

from conftest import ROOT
from httpserver import Request, Response
from paperclub import fetch
from paperclub.addresses import Resolver
from paperclub.default_plugins import address_arxiv, arxiv_atom
from paperclub.default_plugins.address_arxiv import query
from paperclub.errors import PaperclubError
from paperclub.fetch import Fetcher
from paperclub.models import Paper
from paperclub.sourcefile import SourceFile

API = ROOT / "tests" / "fixtures" / "arxiv" / "api"
ONE = (API / "id_list-0808.05394,1707.08567.atom").read_bytes()  # 1 entry: 1707.08567
NONE = (API / "id_list-0000.0000.atom").read_bytes()
ERROR = (API / "id_list-abc.400.atom").read_bytes()
PAGES = [(API / f"testing-start{n}.atom").read_bytes() for n in (0, 10)]
ENTRY = re.compile(rb"<entry>.*?</entry>", re.DOTALL)


@pytest.fixture
def arxiv(http_server, monkeypatch):
    """The local arXiv API; requests to it without arXiv's 3 s (one test keeps them)."""
    monkeypatch.setenv("PAPERCLUB_ARXIV_URL", http_server.url + "/api/query")
    monkeypatch.setattr(address_arxiv, "INTERVAL", 0.0)
    monkeypatch.setattr(fetch, "BACKOFF", 0.0)
    return http_server


def entries() -> list[bytes]:
    """The 20 real entries of the two recorded pages of `search_query=testing`."""
    return [e for page in PAGES for e in ENTRY.findall(page)]


def renumbered(n: int, published: str | None = None) -> bytes:
    """Real entry n % 20, as paper number n: its own arXiv id (2501.0NNNN) and title, so a
    thousand of them are a thousand papers; `published` sets its date."""
    entry = entries()[n % 20]
    entry = re.sub(rb"\d{4}\.\d{4,5}(v\d+)?", f"2501.{n + 1:05d}v1".encode(), entry)
    entry = entry.replace(b"<title>", f"<title>No. {n + 1}: ".encode(), 1)
    if published:
        entry = re.sub(
            rb"<published>[^<]*</published>", f"<published>{published}</published>".encode(), entry
        )
    return entry


def feed(items: list[bytes], total: int, start: int = 0) -> bytes:
    """A page as the API answers: the recorded page's header, with these entries."""
    head = PAGES[0][: PAGES[0].index(b"<entry>")]
    head = re.sub(
        rb"<opensearch:totalResults>\d+", f"<opensearch:totalResults>{total}".encode(), head
    )
    head = re.sub(rb"<opensearch:startIndex>\d+", f"<opensearch:startIndex>{start}".encode(), head)
    return head + b"\n  ".join(items) + b"\n</feed>\n"


def paged(all_entries: list[bytes]):
    """The API's paging over `all_entries`: start and max_results."""

    def answer(request: Request) -> Response:
        start, size = int(request.query["start"]), int(request.query["max_results"])
        items = all_entries[start : start + size]
        return Response(body=feed(items, len(all_entries), start))

    return answer


def papers(run):
    return json.loads(run("papers", "--json", "--limit", "0").stdout)


def test_query_forms():
    assert query("2410.17243") == ({"id_list": "2410.17243"}, False)
    assert query("2410.17243, 2401.01234v2 hep-th/9901001")[0] == {
        "id_list": "2410.17243,2401.01234v2,hep-th/9901001"
    }
    by_date = {"sortBy": "submittedDate", "sortOrder": "descending"}
    assert query('"speculative decoding"') == (
        {"search_query": 'all:"speculative decoding"', **by_date},
        False,
    )
    assert query("cat:cs.LG AND ti:serving")[0]["search_query"] == "cat:cs.LG AND ti:serving"
    assert query("speculative decoding")[0]["search_query"] == ("all:speculative AND all:decoding")
    assert query("list/cs.LG") == ({"search_query": "cat:cs.LG", **by_date}, True)
    with pytest.raises(PaperclubError, match="'cs.XYZ1' is not an arXiv category"):
        query("list/cs.XYZ1")
    with pytest.raises(PaperclubError, match="arxiv: says nothing to fetch"):
        query("  ")


def test_an_id_imports_its_paper_labelled_with_the_address(arxiv, run):
    arxiv.add("/api/query", Response(body=ONE))
    result = run("import", "arxiv:1707.08567")
    assert result.exit_code == 0, result
    assert "arxiv:1707.08567: 1 paper, 1 new" in result.stdout
    (paper,) = papers(run)
    assert paper["id"] == "arxiv:1707.08567" and paper["sources"] == ["arxiv:1707.08567"]
    assert paper["title"].startswith("Proceedings of Workshop AEW10")
    (request,) = arxiv.requests
    assert request.path == "/api/query"
    assert request.query == {"id_list": "1707.08567", "start": "0", "max_results": "500"}
    assert request.headers["user-agent"].startswith("paperclub/")


def test_a_query_of_two_pages_is_one_import(arxiv, run, monkeypatch):
    monkeypatch.setattr(address_arxiv, "PAGE_SIZE", 10)
    arxiv.add("/api/query", paged(entries()))
    result = run("import", 'arxiv:"software testing"')
    assert result.exit_code == 0, result
    assert "20 papers, 20 new" in result.stdout
    assert [r.query["start"] for r in arxiv.requests] == ["0", "10"]
    assert {r.query["search_query"] for r in arxiv.requests} == {'all:"software testing"'}


def test_a_refresh_answered_by_304s_checks_no_page_again(arxiv, run, monkeypatch):
    """Pages the server says are unchanged were checked when they came: a refresh parses none
    of them again (the total is read off the first), and imports nothing new."""
    monkeypatch.setattr(address_arxiv, "PAGE_SIZE", 10)

    def tagged(request: Request) -> Response:
        start = int(request.query["start"])
        items = entries()[start : start + 10]
        return Response(body=feed(items, 20, start), etag=f'"page-{start}"')

    arxiv.add("/api/query", tagged)
    parsed = []
    check = address_arxiv._check
    monkeypatch.setattr(address_arxiv, "_check", lambda body, a: parsed.append(a) or check(body, a))
    assert run("import", "arxiv:testing").exit_code == 0
    assert len(parsed) == 2
    parsed.clear()
    again = run("import", "arxiv:testing")
    assert again.exit_code == 0, again
    assert [r.status for r in arxiv.requests[2:]] == [304, 304]
    assert parsed == [] and len(papers(run)) == 20


def test_paging_through_a_thousand_entries_three_seconds_apart(arxiv, run, monkeypatch):
    """1,000 entries (no recording that long exists: the 20 real entries of two recorded pages,
    renumbered) in pages of 500, at arXiv's published pace: the one test here that waits."""
    monkeypatch.setattr(address_arxiv, "INTERVAL", 3.0)
    arxiv.add("/api/query", paged([renumbered(n) for n in range(1000)]))
    result = run("import", "arxiv:cat:cs.SE AND all:testing")
    assert result.exit_code == 0, result
    assert "1000 papers, 1000 new" in result.stdout
    assert [r.query["start"] for r in arxiv.requests] == ["0", "500"]
    assert all(r.query["max_results"] == "500" for r in arxiv.requests)
    (gap,) = arxiv.gaps()
    assert gap >= 3.0
    assert len(papers(run)) == 1000


class Terminal(io.StringIO):
    """stderr as a terminal: click draws a progress bar only on one."""

    def isatty(self) -> bool:
        return True


def test_a_result_of_many_pages_shows_a_progress_bar_on_a_terminal(arxiv, tmp_path, monkeypatch):
    monkeypatch.setattr(address_arxiv, "PAGE_SIZE", 250)
    arxiv.add("/api/query", paged([renumbered(n) for n in range(1000)]))
    terminal = Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    # the fetcher the CLI uses: a bar because stderr is a terminal
    resolver = Resolver(dict, tmp_path / "cache")
    assert resolver.fetcher().progress
    address_arxiv.fetch("cat:cs.SE", resolver.fetcher())
    shown = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", terminal.getvalue())  # the cursor's codes
    drawn = [d.strip() for d in re.split(r"[\r\n]", shown) if d.strip()]
    assert drawn[0].startswith("arxiv:cat:cs.SE") and drawn[-1].endswith("1000/1000")
    positions = [int(m.group(1)) for d in drawn for m in [re.search(r"(\d+)/1000$", d)] if m]
    assert positions == sorted(positions) and {250, 500, 750} <= set(positions)


def test_no_progress_bar_when_stderr_is_not_a_terminal(arxiv, tmp_path, monkeypatch):
    monkeypatch.setattr(address_arxiv, "PAGE_SIZE", 250)
    arxiv.add("/api/query", paged([renumbered(n) for n in range(1000)]))
    plain = io.StringIO()
    monkeypatch.setattr(sys, "stderr", plain)
    resolver = Resolver(dict, tmp_path / "cache")
    address_arxiv.fetch("cat:cs.SE", resolver.fetcher())
    assert plain.getvalue() == ""


def test_the_newest_listing_of_a_category(arxiv, run, monkeypatch):
    monkeypatch.setattr(address_arxiv, "PAGE_SIZE", 4)
    days = (
        ["2025-11-25T17:00:00Z"] * 3 + ["2025-11-25T01:00:00Z"] * 3 + ["2025-11-24T09:00:00Z"] * 4
    )
    arxiv.add("/api/query", paged([renumbered(n, d) for n, d in enumerate(days)]))
    result = run("import", "arxiv:list/cs.SE")
    assert result.exit_code == 0, result
    assert "6 papers, 6 new" in result.stdout  # the day before the newest submission
    assert [r.query["start"] for r in arxiv.requests] == ["0", "4"]  # not the third page
    first = arxiv.requests[0].query
    assert first["search_query"] == "cat:cs.SE" and first["sortBy"] == "submittedDate"


def test_no_results_is_no_papers(arxiv, run):
    arxiv.add("/api/query", Response(body=NONE))
    result = run("import", "arxiv:0000.0000")
    assert result.exit_code == 0, result
    assert "arxiv:0000.0000: 0 papers" in result.stdout


def test_a_feed_without_its_number_of_results_is_one_line(arxiv, run):
    body = re.sub(rb"\s*<opensearch:totalResults>\d+</opensearch:totalResults>", b"", ONE)
    assert b"totalResults" not in body
    arxiv.add("/api/query", Response(body=body))
    result = run("import", "arxiv:1707.08567")
    assert result.exit_code == 1
    assert result.stderr.strip() == (
        "Error: arxiv:1707.08567: the arXiv API's feed has no number of results "
        "(opensearch:totalResults)"
    )


def test_an_empty_page_before_the_end_is_asked_again(arxiv, run, monkeypatch):
    monkeypatch.setattr(address_arxiv, "PAGE_SIZE", 10)
    real = paged(entries())
    answers = iter([None, "empty", None])

    def flaky(request: Request) -> Response:
        if next(answers, None) == "empty":
            return Response(body=feed([], 20, 10))
        return real(request)

    arxiv.add("/api/query", flaky)
    result = run("import", "arxiv:all:testing")
    assert result.exit_code == 0, result
    assert [r.query["start"] for r in arxiv.requests] == ["0", "10", "10"]


def failing(run, workspace, address):
    assert run("import", "paperclub:sample").exit_code == 0
    before = (workspace / "catalog.sqlite").read_bytes()
    result = run("import", address)
    assert result.exit_code == 1, result
    assert (workspace / "catalog.sqlite").read_bytes() == before
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith(f"Error: {address}: "), line
    return line


def test_an_api_error_says_what_arxiv_said(arxiv, run, workspace):
    arxiv.add("/api/query", Response(400, ERROR))
    line = failing(run, workspace, "arxiv:2401.99999")
    assert line.endswith("the arXiv API answered with an error: incorrect id format for abc")


def test_a_malformed_feed(arxiv, run, workspace):
    arxiv.add("/api/query", Response(body=ONE[: len(ONE) // 2]))
    line = failing(run, workspace, "arxiv:1707.08567")
    assert "XML that is not an Atom feed" in line
    assert not list((workspace / ".paperclub-cache").glob("addresses/*"))


def test_a_200_with_an_html_error_page(arxiv, run, workspace):
    page = b"<!DOCTYPE html><html><body><h1>Service unavailable</h1></body></html>"
    arxiv.add("/api/query", Response(body=page, headers={"Content-Type": "text/html"}))
    line = failing(run, workspace, "arxiv:1707.08567")
    assert "the arXiv API answered with a DOCTYPE, not a feed" in line


def test_a_page_missing_in_the_middle_fails_the_whole_address(arxiv, run, workspace, monkeypatch):
    monkeypatch.setattr(address_arxiv, "PAGE_SIZE", 10)
    real = paged(entries())
    arxiv.add(
        "/api/query",
        lambda r: real(r) if r.query["start"] == "0" else Response(503, b"", {"Retry-After": "0"}),
    )
    line = failing(run, workspace, "arxiv:all:testing")
    assert "answered 503" in line and "tried 5 times" in line
    assert not any(p["sources"] == ["arxiv:all:testing"] for p in papers(run))


def test_too_many_results_asks_to_narrow_the_query(arxiv, run, workspace):
    arxiv.add("/api/query", Response(body=feed(entries()[:1], 250_000)))
    line = failing(run, workspace, "arxiv:cat:cs.LG")
    assert "250,000 papers match, more than the 30,000" in line
    assert len(arxiv.requests) == 1


# -- the papers read while waiting out arXiv's pace -----------------------------------------


def untitled(n: int) -> bytes:
    """Entry n without its <title>: a record the arxiv-atom source gives as an error."""
    return re.sub(rb"<title>.*?</title>", b"", renumbered(n), flags=re.DOTALL)


def read_both(rest: str, tmp_path) -> tuple[list, list]:
    """The records address_arxiv.fetch read as the pages of `arxiv:rest` came, and those of
    its content as the arxiv-atom source reads it from a file; each as (paper) or (message,
    line)."""
    content, fmt, *read = address_arxiv.fetch(rest, Fetcher(tmp_path / "http"))
    assert fmt == "arxiv-atom" and read, "no records read as the pages came"
    path = tmp_path / "feed.arxiv-atom"
    path.write_bytes(content)

    def plain(records):
        return [r if isinstance(r, Paper) else (r.message, r.line) for r in records]

    return plain(read[0]), plain(arxiv_atom.read_feed(SourceFile(path)))


def test_the_pages_read_as_they_came_give_the_records_of_the_combined_feed(
    arxiv, tmp_path, monkeypatch
):
    monkeypatch.setattr(address_arxiv, "INTERVAL", 0.001)
    monkeypatch.setattr(address_arxiv, "PAGE_SIZE", 10)
    arxiv.add("/api/query", paged([untitled(n) if n == 13 else renumbered(n) for n in range(25)]))
    read, from_file = read_both("all:testing", tmp_path)
    assert read == from_file
    assert len(read) == 25 and sum(isinstance(r, Paper) for r in read) == 24
    (error,) = [r for r in read if not isinstance(r, Paper)]
    assert error[0] == "entry http://arxiv.org/abs/2501.00014v1 has no <title>" and error[1] > 1


def test_a_listing_read_as_it_came_gives_the_records_of_the_combined_feed(
    arxiv, tmp_path, monkeypatch
):
    monkeypatch.setattr(address_arxiv, "INTERVAL", 0.001)
    monkeypatch.setattr(address_arxiv, "PAGE_SIZE", 4)
    days = ["2025-11-25T17:00:00Z"] * 5 + ["2025-11-24T09:00:00Z"] * 3
    arxiv.add("/api/query", paged([renumbered(n, d) for n, d in enumerate(days)]))
    read, from_file = read_both("list/cs.SE", tmp_path)
    assert read == from_file and len(read) == 5


def test_with_no_pace_to_hide_it_in_nothing_is_read_while_fetching(arxiv, tmp_path):
    arxiv.add("/api/query", paged(entries()))
    answer = address_arxiv.fetch("all:testing", Fetcher(tmp_path / "http"))
    assert len(answer) == 2  # INTERVAL 0 (the fixture's): the import reads the file


def test_a_refresh_answered_by_304s_reads_nothing_and_a_changed_page_reads_all(
    arxiv, tmp_path, monkeypatch
):
    monkeypatch.setattr(address_arxiv, "INTERVAL", 0.001)
    monkeypatch.setattr(address_arxiv, "PAGE_SIZE", 10)
    revised = []  # the 11th paper's title, once revised

    def tagged(request: Request) -> Response:
        start = int(request.query["start"])
        items = [renumbered(n) for n in range(start, min(start + 10, 20))]
        if revised:
            items = [i.replace(b"No. 11: ", revised[0]) for i in items]
        body = feed(items, 20, start)
        return Response(body=body, etag=f'"{hashlib.sha1(body).hexdigest()}"')

    arxiv.add("/api/query", tagged)
    fetcher = Fetcher(tmp_path / "http")
    first = address_arxiv.fetch("all:testing", fetcher)
    assert len(first) == 3 and len(first[2]) == 20
    again = address_arxiv.fetch("all:testing", fetcher)
    assert [r.status for r in arxiv.requests[2:]] == [304, 304]
    assert again == first[:2]  # the same feed, and nothing read: the catalog skips it unread
    revised.append(b"No. 11 (revised): ")
    changed = address_arxiv.fetch("all:testing", fetcher)
    assert [r.status for r in arxiv.requests[4:]] == [304, 200]
    papers_read = [r.title for r in changed[2]]  # the cached first page is read too
    assert len(papers_read) == 20 and papers_read[10].startswith("No. 11 (revised): ")


def test_the_import_takes_the_records_read_while_waiting(arxiv, run, workspace, monkeypatch):
    """The file the address gave is not read again; a bad record names that file and its line,
    as reading the file does."""
    monkeypatch.setattr(address_arxiv, "INTERVAL", 0.001)
    monkeypatch.setattr(address_arxiv, "PAGE_SIZE", 10)
    arxiv.add("/api/query", paged([untitled(n) if n == 13 else renumbered(n) for n in range(25)]))
    files_read = []
    read_feed = arxiv_atom.read_feed
    monkeypatch.setattr(
        arxiv_atom, "read_feed", lambda file: files_read.append(file.path) or read_feed(file)
    )
    refused = run("import", "arxiv:all:testing")
    assert refused.exit_code == 1 and files_read == []
    assert "has no <title>" in refused.stderr
    (cached,) = (workspace / ".paperclub-cache" / "addresses").glob("*.arxiv-atom")
    cached = cached.relative_to(workspace)
    file_refused = run("import", str(cached))  # the same file, imported as a file: read
    assert files_read == [cached]
    assert refused.stderr == file_refused.stderr

    taken = run("import", "--skip-invalid", "--json", "arxiv:all:testing")
    assert taken.exit_code == 0, taken
    assert files_read == [cached]
    (result,) = json.loads(taken.stdout)
    assert (result["papers"], result["added"]) == (24, 24)
    as_file = run("import", "--skip-invalid", "--json", str(cached))
    assert files_read == [cached, cached]
    (file_result,) = json.loads(as_file.stdout)
    assert file_result["skipped"] == result["skipped"] and len(result["skipped"]) == 1
    assert file_result["papers"] == 24 and file_result["added"] == 0
