"""The `hf:` address (default_plugins/address_hf.py) against a local server on 127.0.0.1 that
answers as the Hub's API does, from real responses (tests/fixtures/hf/api/, see SOURCES.md).
The clock is injected: no test depends on today's date."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from conftest import ROOT
from httpserver import Response
from paperclub.default_plugins import address_hf
from paperclub.default_plugins.hf_json import HFJSON
from paperclub.errors import PaperclubError
from paperclub.fetch import Fetcher
from paperclub.sources import SourceFile

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "hf"
DAYS = {  # the days the server has papers for; every other day is an empty list
    "2024-10-23": FIXTURES / "api" / "daily_papers-2024-10-23.json",
    "2024-10-25": FIXTURES / "api" / "daily_papers-2024-10-25.json",
}
PAPER = FIXTURES / "paper.json"  # an api/papers/ID answer (2402.03300)
FRIDAY = date(2024, 10, 25)  # in ISO week 2024-W43, Monday 2024-10-21


JSON = {"Content-Type": "application/json; charset=utf-8"}
ATOM = {"Content-Type": "application/atom+xml; charset=utf-8"}


def daily(request):
    """The Hub's answer to api/daily_papers: a day's list, paged with `p` and `limit` as the
    API pages it."""
    day = request.query["date"]
    items = json.loads(DAYS[day].read_bytes()) if day in DAYS else []
    limit, page = int(request.query.get("limit", 50)), int(request.query.get("p", 0))
    return Response(
        body=json.dumps(items[page * limit : (page + 1) * limit]).encode(), headers=JSON
    )


@pytest.fixture
def server(http_server, monkeypatch):
    http_server.add("/api/daily_papers", daily)
    http_server.add("/api/papers/2402.03300", Response(body=PAPER.read_bytes(), headers=JSON))
    monkeypatch.setenv("PAPERCLUB_HF_URL", http_server.url)
    return http_server


def fetch(rest: str, tmp_path: Path, today: date = FRIDAY) -> tuple[bytes, str]:
    return address_hf.fetch(rest, Fetcher(tmp_path / "cache"), today=lambda: today)


def ids_in(content: bytes, tmp_path: Path) -> list[str]:
    """The ids of the papers the hf-json source reads from `content`."""
    path = tmp_path / "content.json"
    path.write_bytes(content)
    papers = list(HFJSON().read(SourceFile(path), None))
    assert not [p for p in papers if isinstance(p, PaperclubError)], papers
    return [p.id for p in papers]


def fixture_ids(*days: str) -> list[str]:
    return [f"arxiv:{i['paper']['id']}" for d in days for i in json.loads(DAYS[d].read_bytes())]


def test_a_day_is_that_days_daily_papers_read_by_hf_json(server, tmp_path):
    content, source = fetch("2024-10-25", tmp_path)
    assert source == "hf-json"
    assert ids_in(content, tmp_path) == fixture_ids("2024-10-25")
    assert [r.query for r in server.requests] == [{"date": "2024-10-25", "limit": "100", "p": "0"}]
    assert server.requests[0].headers["user-agent"].startswith("paperclub/")


def test_a_day_of_more_papers_than_a_page_is_fetched_page_by_page(server, tmp_path, monkeypatch):
    monkeypatch.setattr(address_hf, "PAGE_SIZE", 2)
    monkeypatch.setattr(address_hf, "INTERVAL", 0.0)
    content, _ = fetch("2024-10-25", tmp_path)
    assert ids_in(content, tmp_path) == fixture_ids("2024-10-25")  # 3 papers: pages of 2, 1
    assert [r.query["p"] for r in server.requests] == ["0", "1"]


def test_today_is_the_day_of_the_injected_clock(server, tmp_path):
    content, _ = fetch("today", tmp_path, today=date(2024, 10, 23))
    assert ids_in(content, tmp_path) == fixture_ids("2024-10-23")
    assert [r.query["date"] for r in server.requests] == ["2024-10-23"]


def test_a_week_is_its_days_combined_up_to_today(server, tmp_path, monkeypatch):
    monkeypatch.setattr(address_hf, "INTERVAL", 0.0)
    content, _ = fetch("2024-W43", tmp_path)  # today a Friday: no request for the weekend
    assert ids_in(content, tmp_path) == fixture_ids("2024-10-23", "2024-10-25")
    assert [r.query["date"] for r in server.requests] == [
        "2024-10-21",
        "2024-10-22",
        "2024-10-23",
        "2024-10-24",
        "2024-10-25",
    ]


def test_a_past_week_is_all_seven_days(server, tmp_path, monkeypatch):
    monkeypatch.setattr(address_hf, "INTERVAL", 0.0)
    fetch("2024-w43", tmp_path, today=date(2025, 1, 1))
    assert len(server.requests) == 7


def test_a_paper_is_the_papers_api_answer(server, tmp_path):
    content, source = fetch("paper/2402.03300v2", tmp_path)  # a version is dropped
    assert source == "hf-json"
    assert ids_in(content, tmp_path) == ["arxiv:2402.03300"]
    assert [r.path for r in server.requests] == ["/api/papers/2402.03300"]


def test_the_same_content_twice_is_the_same_bytes(server, tmp_path):
    assert fetch("2024-10-25", tmp_path) == fetch("2024-10-25", tmp_path)


@pytest.mark.parametrize(
    ("rest", "message"),
    [
        ("2024-13-01", "hf:2024-13-01: 2024-13-01 is not a date such as 2025-11-25"),
        ("2024-W60", "hf:2024-W60: 2024-W60 is not an ISO week such as 2025-W48"),
        ("yesterday", "hf:yesterday: not a Hugging Face address; the forms are hf:2025-11-25"),
        ("paper/attention", "hf:paper/attention: attention is not an arXiv id such as"),
    ],
)
def test_an_address_of_no_form_is_one_line_naming_it_and_nothing_is_sent(
    server, tmp_path, rest, message
):
    with pytest.raises(PaperclubError) as e:
        fetch(rest, tmp_path)
    assert str(e.value).startswith(message)
    assert "\n" not in str(e.value)
    assert server.requests == []


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            b"<!DOCTYPE html><html><body>Sign in</body></html>",
            "the answer is an HTML page, not JSON",
        ),
        (b'[{"paper": {"id": "2410.17243", "tit', "the answer is not JSON (cut off, or it starts"),
        (b'{"error": "Invalid date"}', "the answer for 2024-10-25 is an error: Invalid date"),
    ],
)
def test_an_answer_that_is_not_daily_papers_is_one_line_naming_the_address(
    http_server, tmp_path, monkeypatch, body, message
):
    http_server.add("/api/daily_papers", Response(body=body))
    monkeypatch.setenv("PAPERCLUB_HF_URL", http_server.url)
    with pytest.raises(PaperclubError) as e:
        fetch("2024-10-25", tmp_path)
    assert str(e.value).startswith(f"hf:2024-10-25: {message}")
    assert "\n" not in str(e.value)


def test_a_paper_the_hub_does_not_have_is_the_servers_answer_naming_the_address(server, tmp_path):
    with pytest.raises(PaperclubError) as e:
        fetch("paper/2401.00001", tmp_path)
    assert str(e.value).startswith("hf:paper/2401.00001: ")
    assert "404" in str(e.value)


def test_one_row_per_paper_across_arxiv_hf_and_a_bib_of_the_same_papers(
    server, run, workspace, monkeypatch
):
    """The three papers of 2024-10-25 from three sources: the Hub's day, the arXiv API's
    answer for their ids and a .bib: three rows, each naming all three sources."""
    arxiv_answer = ROOT / "tests" / "fixtures" / "arxiv" / "api"
    arxiv_answer /= "id_list-2410.17243,2410.18533,2410.16251.atom"
    server.add("/api/query", Response(body=arxiv_answer.read_bytes(), headers=ATOM))
    monkeypatch.setenv("PAPERCLUB_ARXIV_URL", server.url + "/api/query")
    bib = workspace / "same-papers.bib"
    bib.write_bytes((FIXTURES / "api" / "same-papers.bib").read_bytes())
    ids = "arxiv:2410.17243,2410.18533,2410.16251"
    result = run("import", "hf:2024-10-25", ids, "same-papers.bib")
    assert result.exit_code == 0, result
    asked = [r for r in server.requests if r.path == "/api/query"]
    assert [r.query["id_list"] for r in asked] == ["2410.17243,2410.18533,2410.16251"]
    result = run("papers", "--json", "--limit", "0")
    assert result.exit_code == 0, result
    rows = json.loads(result.stdout)
    assert sorted(r["id"] for r in rows) == sorted(fixture_ids("2024-10-25"))  # 3, not 9
    for row in rows:
        assert "hf:2024-10-25" in row["sources"] and ids in row["sources"]
        assert any("same-papers.bib" in s for s in row["sources"])
        assert row["upvotes"] is not None  # Hugging Face's fields, merged with the others'


def test_a_fault_leaves_the_catalog_as_it_was_with_its_one_line(
    http_server, run, workspace, monkeypatch
):
    bib = workspace / "same-papers.bib"
    bib.write_bytes((FIXTURES / "api" / "same-papers.bib").read_bytes())
    assert run("import", "same-papers.bib").exit_code == 0
    before = run("papers", "--json", "--limit", "0").stdout
    http_server.add("/api/daily_papers", daily, Response(body=b"<!DOCTYPE html><p>Busy</p>"))
    monkeypatch.setenv("PAPERCLUB_HF_URL", http_server.url)
    monkeypatch.setattr(address_hf, "INTERVAL", 0.0)
    result = run("import", "hf:2024-W43")  # Monday is served, Tuesday is a web page
    assert result.exit_code == 1
    assert result.stderr.strip().splitlines() == [
        "Error: hf:2024-W43: the answer is an HTML page, not JSON"
    ], result
    assert "Traceback" not in result.stderr
    assert run("papers", "--json", "--limit", "0").stdout == before
