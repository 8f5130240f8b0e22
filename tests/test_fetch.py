"""Addresses that fetch (issue 17): `https://` files, the Fetcher's cache, retries and
faults, `--offline`, `catalog.refresh`. Every request goes to a local server on 127.0.0.1
(tests/httpserver.py), never beyond: an unresolvable host (`nothing.invalid`) is the
resolver's answer simulated (socket.getaddrinfo raising as it does)."""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time

import pytest

from conftest import ROOT, TODAY
from httpserver import Response
from paperclub import fetch
from paperclub.errors import PaperclubError
from paperclub.fetch import USER_AGENT, Fetcher

FIXTURES = ROOT / "tests" / "fixtures"
BIB = (FIXTURES / "bibtex" / "zotero.bib").read_bytes()
SAMPLE = ROOT / "src" / "paperclub" / "data" / "sample.json"


@pytest.fixture(autouse=True)
def quick(monkeypatch):
    """Retries without the real backoff's waits; Retry-After, when sent, still counts."""
    monkeypatch.setattr(fetch, "BACKOFF", 0.0)


def catalog_bytes(workspace):
    path = workspace / "catalog.sqlite"
    return path.read_bytes() if path.exists() else None


def fails(run, workspace, address, *options):
    """Import `address` into a catalog holding the sample: the one-line error, after checking
    that it is exit 1, no traceback, and the catalog as it was."""
    assert run("import", "paperclub:sample").exit_code == 0
    before = catalog_bytes(workspace)
    result = run("import", *options, address)
    assert result.exit_code == 1, result
    assert "Traceback" not in result.stderr, result.stderr
    assert catalog_bytes(workspace) == before
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(f"Error: {address}: "), lines[0]
    return lines[0]


# -- https:// addresses ---------------------------------------------------------------------


def test_an_https_address_imports_its_file_with_the_format_detected(http_server, run, workspace):
    url = http_server.add("/refs/zotero.bib", Response(body=BIB))
    result = run("import", url)
    assert result.exit_code == 0, result
    assert f"{url}: " in result.stdout and " new" in result.stdout
    papers = json.loads(run("papers", "--json").stdout)
    assert papers and all(p["sources"] == [url] for p in papers)
    (request,) = http_server.requests
    assert request.headers["user-agent"] == USER_AGENT
    assert USER_AGENT.startswith("paperclub/0.") and USER_AGENT.endswith("(reading-group planner)")
    # the content is kept in the workspace's cache, beside the catalog
    (cached,) = (workspace / ".paperclub-cache" / "addresses").iterdir()
    assert cached.read_bytes() == BIB and cached.suffix == ".bib"


def test_an_https_address_of_json_and_the_format_option(http_server, run, workspace):
    url = http_server.add("/papers", Response(body=SAMPLE.read_bytes()))  # no extension
    assert run("import", url).exit_code == 0
    assert len(json.loads(run("papers", "--json", "--limit", "0").stdout)) == 87
    bib = http_server.add("/export", Response(body=BIB))
    result = run("import", "--format", "bibtex", bib)
    assert result.exit_code == 0, result
    assert run("import", "--format", "nope", bib).exit_code == 1


def test_a_second_fetch_is_revalidated_with_a_304_and_no_body(http_server, run, workspace):
    url = http_server.add("/zotero.bib", Response(body=BIB, etag='"v1"'))
    assert run("import", url).exit_code == 0
    result = run("import", url)
    assert result.exit_code == 0, result
    assert "unchanged since the last import" in result.stdout
    first, second = http_server.requests
    assert "if-none-match" not in first.headers and first.status == 200
    assert second.headers["if-none-match"] == '"v1"' and second.status == 304


def test_last_modified_is_revalidated_too(http_server, tmp_path):
    stamp = "Wed, 21 Oct 2015 07:28:00 GMT"
    url = http_server.add("/a.bib", Response(body=BIB, last_modified=stamp))
    fetcher = Fetcher(tmp_path / "http")
    assert fetcher.get(url) == BIB
    assert Fetcher(tmp_path / "http").get(url) == BIB  # another run, the same cache
    assert [r.status for r in http_server.requests] == [200, 304]
    assert http_server.requests[1].headers["if-modified-since"] == stamp


def test_a_changed_file_is_fetched_again_and_imported(http_server, run, workspace):
    changed = BIB.replace(b"title = {", b"title = {Revised: ", 1)
    url = http_server.add(
        "/zotero.bib", Response(body=BIB, etag='"v1"'), Response(body=changed, etag='"v2"')
    )
    assert run("import", url).exit_code == 0
    result = run("import", url)
    assert "1 updated" in result.stdout or " updated" in result.stdout, result
    assert [r.status for r in http_server.requests] == [200, 200]


# -- politeness -----------------------------------------------------------------------------


def test_retry_after_is_honoured_then_the_answer_used(http_server, tmp_path):
    url = http_server.add(
        "/a.bib",
        Response(429, b"slow down", {"Retry-After": "1"}),
        Response(503, b"busy", {"Retry-After": "1"}),
        Response(body=BIB),
    )
    assert Fetcher(tmp_path).get(url) == BIB
    assert [r.status for r in http_server.requests] == [429, 503, 200]
    assert all(gap >= 1.0 for gap in http_server.gaps())


def test_the_interval_between_two_requests_to_a_host(http_server, tmp_path):
    a = http_server.add("/a", Response(body=b"a"))
    b = http_server.add("/b", Response(body=b"b"))
    fetcher = Fetcher(tmp_path)
    assert fetcher.get(a, interval=0.5) + fetcher.get(b, interval=0.5) == b"ab"
    (gap,) = http_server.gaps()
    assert gap >= 0.5


# -- faults: one line naming the address, exit 1, the catalog as it was -----------------------


def test_the_interval_counts_from_when_the_server_began_to_answer(http_server, tmp_path):
    """A slow download (headers at once, the body 0.8 s later) happens during the pause: the
    next request goes 1 s after the first was answered, not 1 s after its body ended, and
    reaches the server 1 s or more after the first did."""
    a = http_server.add("/a", Response(body=b"a", body_delay=0.8))
    b = http_server.add("/b", Response(body=b"b"))
    fetcher = Fetcher(tmp_path)
    started = time.monotonic()
    assert fetcher.get(a, interval=1.0) + fetcher.get(b, interval=1.0) == b"ab"
    took = time.monotonic() - started
    (gap,) = http_server.gaps()
    assert gap >= 1.0
    assert took < 1.6, took  # 1.8 s and more when the pause began after the body


def test_no_network_connection_refused(http_server, run, workspace):
    url = http_server.add("/a.bib", Response(body=BIB))
    http_server.stop()  # nothing listens on the port any more
    line = fails(run, workspace, url)
    assert "cannot reach" in line and "refused" in line.lower()


def test_a_host_name_that_does_not_resolve(run, workspace, monkeypatch):
    # the resolver's answer, simulated: a real lookup of even an .invalid name may be sent on
    # to the network's DNS server, and no test sends anything beyond 127.0.0.1
    def no_such_name(host, *args, **kwargs):
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(socket, "getaddrinfo", no_such_name)
    line = fails(run, workspace, "https://nothing.invalid/refs.bib")
    assert "cannot reach https://nothing.invalid/refs.bib: " in line
    assert "(" not in line and "resolver" not in line  # the reason in words, not a repr


def test_a_timeout(http_server, run, workspace, monkeypatch):
    monkeypatch.setattr(fetch, "READ_TIMEOUT", 0.5)
    url = http_server.add("/slow.bib", Response(body=BIB, delay=2.0))
    line = fails(run, workspace, url)
    assert "no answer from" in line and "within 0.5 seconds" in line


def test_429_forever_gives_up_within_the_cap(http_server, run, workspace):
    url = http_server.add("/a.bib", Response(429, b"", {"Retry-After": "0"}))
    line = fails(run, workspace, url)
    assert "answered 429" in line and f"tried {fetch.RETRIES + 1} times" in line
    assert len(http_server.requests) == fetch.RETRIES + 1


def test_retry_after_beyond_the_cap_is_not_waited_for(http_server, tmp_path):
    url = http_server.add("/a.bib", Response(503, b"", {"Retry-After": "3600"}))
    started = time.monotonic()
    with pytest.raises(PaperclubError, match="answered 503"):
        Fetcher(tmp_path).get(url, what="the list")
    assert time.monotonic() - started < 5 and len(http_server.requests) == 1


def test_a_404(http_server, run, workspace):
    line = fails(run, workspace, http_server.url + "/missing.bib")
    assert "answered 404" in line


def test_a_truncated_body(http_server, run, workspace):
    url = http_server.add("/cut.bib", Response(body=BIB, truncate=len(BIB) // 2))
    line = fails(run, workspace, url)
    assert "cut off" in line
    assert not list((workspace / ".paperclub-cache").glob("addresses/*"))


def test_a_200_with_an_html_error_page(http_server, run, workspace):
    page = b"<!DOCTYPE html>\n<html><head><title>Sign in</title></head><body>Sign in</body></html>"
    url = http_server.add("/refs.bib", Response(body=page, headers={"Content-Type": "text/html"}))
    line = fails(run, workspace, url)
    assert "answered with a web page, not a file" in line


def test_a_file_of_no_known_format(http_server, run, workspace):
    url = http_server.add("/notes", Response(body=b"some notes\nabout papers\n"))
    line = fails(run, workspace, url)
    assert "cannot tell the format" in line


def test_credentials_are_never_printed(http_server, run, workspace):
    secret = "s3cr3t-k3y"
    http_server.add("/a.bib", Response(500, b"", {"Retry-After": "0"}))
    port = http_server.url.rsplit(":", 1)[1]
    address = f"http://reader:{secret}@127.0.0.1:{port}/a.bib?key={secret}"
    result = run("import", "paperclub:sample")
    result = run("import", address)
    assert result.exit_code == 1
    # the address the user gave is theirs to see; what paperclub adds never repeats it
    message = result.stderr.replace(address, "ADDRESS")
    assert secret not in message and "answered 500" in message
    with pytest.raises(PaperclubError) as e:
        Fetcher(workspace).get(address.split("@")[0] + "@127.0.0.1:1/x?key=" + secret)
    assert secret not in str(e.value)


def test_the_faults_in_the_docs_are_the_messages_paperclub_gives(
    http_server, run, workspace, monkeypatch
):
    """docs/sources.md's list of faults, each made to happen against the local server: the
    lines paperclub prints are the lines the docs show, the local server's address read as
    the docs' (https://export.arxiv.org for the arXiv API, https://example.org for a file)
    and every number as N (the tests' timeouts and waits are short)."""
    from paperclub.default_plugins import address_arxiv

    api = http_server.url + "/api/query"
    monkeypatch.setenv("PAPERCLUB_ARXIV_URL", api)
    monkeypatch.setattr(address_arxiv, "INTERVAL", 0.0)
    monkeypatch.setattr(fetch, "READ_TIMEOUT", 0.5)
    one = (FIXTURES / "arxiv" / "api" / "id_list-0808.05394,1707.08567.atom").read_bytes()
    slow_then_cut = [Response(body=one, delay=2.0), Response(body=one[: one.index(b"<author>")])]

    def arxiv_api(request):
        if "search_query" in request.query:  # arxiv:list/cs.LG: too many requests, always
            return Response(429, b"", {"Retry-After": "0"})
        return slow_then_cut.pop(0) if len(slow_then_cut) > 1 else slow_then_cut[0]

    http_server.add("/api/query", arxiv_api)
    http_server.add("/refs.bib", Response(body=BIB, truncate=len(BIB) // 2))
    page = b"<!DOCTYPE html>\n<html><head><title>Sign in</title></head><body>Sign in</body></html>"
    http_server.add("/login/refs.bib", Response(body=page, headers={"Content-Type": "text/html"}))
    lines = [
        fails(run, workspace, "arxiv:2410.17243"),
        fails(run, workspace, "arxiv:list/cs.LG"),
        fails(run, workspace, http_server.url + "/refs.bib"),
        fails(run, workspace, "arxiv:2410.17243"),
        fails(run, workspace, http_server.url + "/login/refs.bib"),
        fails(run, workspace, "arxiv:2410.17243", "--offline"),
    ]
    with monkeypatch.context() as m:  # last: no host name resolves while it is set
        m.setattr(socket, "getaddrinfo", lambda *a, **k: _no_such_name())
        lines.append(fails(run, workspace, "https://nothing.invalid/refs.bib"))

    def usual(line: str) -> str:
        line = line.replace(api, "https://export.arxiv.org/api/query")
        line = line.replace(http_server.url + "/login", "https://example.org")
        line = line.replace(http_server.url, "https://example.org")
        return re.sub(r"\d+(\.\d+)?", "N", line)

    docs = (ROOT / "docs" / "sources.md").read_text()
    block = docs.split("## Faults", 1)[1].split("```text\n", 1)[1].split("```", 1)[0]
    assert sorted(map(usual, lines)) == sorted(map(usual, block.splitlines()))


def _no_such_name() -> None:
    raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")


# -- offline and refresh ----------------------------------------------------------------------


def test_offline_uses_the_cache_only(http_server, run, workspace):
    url = http_server.add("/zotero.bib", Response(body=BIB))
    line = fails(run, workspace, url, "--offline")
    assert "not in the cache" in line and "--offline" in line
    assert http_server.requests == []
    assert run("import", url).exit_code == 0
    http_server.stop()
    result = run("import", "--offline", url)
    assert result.exit_code == 0, result
    assert "unchanged since the last import" in result.stdout


def group_with(workspace, schedule, *sources, refresh=None):
    config = workspace / schedule
    text = config.read_text().replace(
        "sources: [paperclub:sample]", "sources: [" + ", ".join(sources) + "]"
    )
    if refresh:
        text = text.replace("catalog:\n", f"catalog:\n  refresh: {refresh}\n")
    config.write_text(text)


def test_catalog_sources_take_addresses_and_refresh(http_server, run, workspace, schedule):
    url = http_server.add("/sample.json", Response(body=SAMPLE.read_bytes(), etag='"s"'))
    group_with(workspace, schedule, url, refresh="1 day")
    plan = ("plan", str(schedule), "--today", TODAY)
    assert run(*plan).exit_code == 0
    assert len(http_server.requests) == 1
    # within a day: the cached copy, no request
    assert run(*plan).exit_code == 0
    assert len(http_server.requests) == 1
    # older than a day: fetched again (a revalidation)
    (cached,) = (workspace / ".paperclub-cache" / "addresses").iterdir()
    two_days_ago = time.time() - 2 * 86400
    os.utime(cached, (two_days_ago, two_days_ago))
    assert run(*plan).exit_code == 0
    assert [r.status for r in http_server.requests] == [200, 304]
    # stale, and the network down: the plan goes on with a warning saying how old
    os.utime(cached, (two_days_ago, two_days_ago))
    http_server.stop()
    result = run(*plan)
    assert result.exit_code == 0, result
    assert f"warning: {url}: cannot reach" in result.stderr
    assert "using the copy fetched 2 days ago" in result.stderr


def test_without_refresh_a_cached_address_is_not_fetched_again(
    http_server, run, workspace, schedule
):
    url = http_server.add("/sample.json", Response(body=SAMPLE.read_bytes()))
    group_with(workspace, schedule, url)
    plan = ("plan", str(schedule), "--today", TODAY)
    assert run(*plan).exit_code == 0
    assert run(*plan, "--offline").exit_code == 0
    assert run(*plan).exit_code == 0
    assert len(http_server.requests) == 1


def test_plan_offline_names_an_address_never_fetched(http_server, run, workspace, schedule):
    url = http_server.add("/sample.json", Response(body=SAMPLE.read_bytes()))
    group_with(workspace, schedule, url)
    result = run("plan", str(schedule), "--today", TODAY, "--offline")
    assert result.exit_code == 1
    assert result.stderr.startswith(f"Error: {url}: not in the cache")
    assert http_server.requests == [] and not (workspace / "catalog.sqlite").exists()


def test_plan_fails_whole_when_an_address_cannot_be_fetched(http_server, run, workspace, schedule):
    group_with(workspace, schedule, "paperclub:sample", http_server.url + "/gone.json")
    result = run("plan", str(schedule), "--today", TODAY)
    assert result.exit_code == 1
    assert result.stderr.startswith(f"Error: {http_server.url}/gone.json: ")
    assert not (workspace / "catalog.sqlite").exists()  # fetched before the catalog is made
    assert sorted(p.name for p in (workspace / "schedules").iterdir()) == ["ml-systems.yaml"]


@pytest.mark.parametrize("key, value", [("refresh", "'soon'"), ("refresh", "0 days")])
def test_a_bad_refresh_names_the_line(run, workspace, schedule, key, value):
    group_with(workspace, schedule, "paperclub:sample", refresh=value)
    result = run("plan", str(schedule), "--today", TODAY)
    assert result.exit_code == 1
    assert "catalog.refresh: expected an age such as 1 day" in result.stderr
    assert "ml-systems.yaml:" in result.stderr


# -- the extra is imported only when an address is fetched -----------------------------------


def test_help_and_a_plan_without_addresses_import_no_http_library(workspace, schedule):
    shutil.copy(SAMPLE, workspace / "sample.json")
    probe = (
        "import sys\n"
        "from paperclub.cli import main\n"
        "try:\n"
        "    main(sys.argv[1:])\n"
        "except SystemExit:\n"
        "    pass\n"
        "loaded = [m for m in ('requests', 'requests_cache', 'urllib3', 'httpx', 'hishel')"
        " if m in sys.modules]\n"
        "print('LOADED', loaded, file=sys.stderr)\n"
    )
    env = {**os.environ, "PAPERCLUB_DISABLE_PLUGIN_AUTOLOAD": "1"}
    for args in (["--help"], ["plan", str(schedule), "--today", TODAY]):
        result = subprocess.run(
            [sys.executable, "-c", probe, *args],
            cwd=workspace,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert "LOADED []" in result.stderr, (args, result.stderr[-2000:])
