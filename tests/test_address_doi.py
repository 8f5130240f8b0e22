"""The `doi:` address (default_plugins/address_doi.py) against a local server on 127.0.0.1
that answers as Crossref's REST API does, from real answers (tests/fixtures/crossref/, see
SOURCES.md)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from httpserver import Response, fetched_papers
from paperclub.default_plugins import address_doi
from paperclub.errors import PaperclubError
from paperclub.models import Paper

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "crossref"
JOURNAL = "10.1002/jor.1100150407"  # an abstract in JATS, a month's precision
PROCEEDINGS = "10.1109/icdcsw.2003.1203662"  # issued: [[null]]
FAMILY_ONLY = "10.3892/ijo_00000353"  # one author with a family name only


def record(doi: str) -> dict:
    return json.loads((FIXTURES / f"{doi.replace('/', '_')}.json").read_bytes())["message"]


def crossref(request):
    doi = request.path.removeprefix("/works/")
    path = FIXTURES / f"{doi.replace('/', '_')}.json"
    if path.is_file():
        return Response(body=path.read_bytes(), headers={"Content-Type": "application/json"})
    return Response(404, b"Resource not found.", {"Content-Type": "text/plain"})  # Crossref's


@pytest.fixture
def server(http_server, monkeypatch):
    monkeypatch.setattr(address_doi, "INTERVAL", 0.0)
    monkeypatch.delenv(address_doi.MAILTO_ENV, raising=False)
    for doi in (JOURNAL, PROCEEDINGS, FAMILY_ONLY, "10.1371/notarealdoi"):
        http_server.add(f"/works/{doi}", crossref)
    monkeypatch.setenv("PAPERCLUB_CROSSREF_URL", http_server.url)
    return http_server


def papers(rest: str, tmp_path: Path) -> list[Paper]:
    return fetched_papers(address_doi.fetch, rest, tmp_path)


def test_a_doi_is_its_crossref_record(server, tmp_path):
    (paper,) = papers(JOURNAL, tmp_path)
    work = record(JOURNAL)
    assert paper.id == f"doi:{JOURNAL}"
    assert paper.title == " ".join(work["title"][0].split())
    assert paper.authors == tuple(f"{a['given']} {a['family']}" for a in work["author"])
    assert paper.published is not None and paper.published.isoformat() == "1997-07-01"
    assert paper.extra["date_precision"] == "month"  # issued: [[1997, 7]]
    assert paper.abstract.startswith("Twenty‐two beagles were divided")  # no "Abstract", no tags
    assert "jats" not in paper.abstract and "(p < 0.001)" in paper.abstract  # &lt; decoded
    assert paper.links == {"doi": f"https://doi.org/{JOURNAL}"}
    assert paper.extra["venue"] == work["container-title"][0]
    assert paper.extra["pages"] == work["page"]
    assert [r.path for r in server.requests] == [f"/works/{JOURNAL}"]


def test_several_dois_are_one_content_in_their_order(server, tmp_path):
    found = papers(f"{PROCEEDINGS} https://doi.org/{FAMILY_ONLY} {JOURNAL}", tmp_path)
    assert [p.doi for p in found] == [PROCEEDINGS, FAMILY_ONLY, JOURNAL]
    assert found[0].published is None  # Crossref's date-parts [[null]]
    assert found[1].authors == ("Stravopodis",)
    assert len(server.requests) == 3


def test_the_user_agent_names_paperclub_and_the_contact_when_set(server, tmp_path, monkeypatch):
    papers(JOURNAL, tmp_path)
    monkeypatch.setenv(address_doi.MAILTO_ENV, "organiser@example.org")
    papers(JOURNAL, tmp_path)
    agents = [r.headers["user-agent"] for r in server.requests]
    assert agents[0].startswith("paperclub/") and "mailto" not in agents[0]
    assert agents[1].startswith("paperclub/") and agents[1].endswith(
        "; mailto:organiser@example.org)"
    )


def test_a_doi_crossref_does_not_have_is_one_line_naming_the_address(server, tmp_path):
    with pytest.raises(PaperclubError) as e:
        papers(f"{JOURNAL} 10.1371/notarealdoi", tmp_path)
    assert str(e.value).startswith(f"doi:{JOURNAL} 10.1371/notarealdoi: ")
    assert "404" in str(e.value) and "\n" not in str(e.value)


def test_not_a_doi_is_an_error_and_nothing_is_sent(server, tmp_path):
    with pytest.raises(PaperclubError) as e:
        papers("arXiv:2410.17243", tmp_path)
    assert str(e.value) == (
        "doi:arXiv:2410.17243: arXiv:2410.17243 is not a DOI such as 10.1145/3600006.3613165"
    )
    assert server.requests == []


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"<html><head><title>Maintenance</title></head></html>", "is an HTML page"),
        (b'{"status":"ok","message-type":"work","message":{"DOI"', "is not JSON"),
        (b'{"status":"error","message":[{"type":"x"}]}', "is an object without a work"),
    ],
)
def test_an_answer_that_is_not_a_work_is_one_line_naming_the_address(
    http_server, tmp_path, monkeypatch, body, message
):
    http_server.add(f"/works/{JOURNAL}", Response(body=body))
    monkeypatch.setenv("PAPERCLUB_CROSSREF_URL", http_server.url)
    with pytest.raises(PaperclubError) as e:
        papers(JOURNAL, tmp_path)
    assert str(e.value).startswith(f"doi:{JOURNAL}: Crossref's answer for {JOURNAL} {message}")
    assert "\n" not in str(e.value)


def test_a_preprint_relation_to_arxiv_gives_the_arxiv_id():
    work = {
        **record(PROCEEDINGS),
        "relation": {
            "has-preprint": [
                {"id-type": "doi", "id": "10.48550/arXiv.2309.06180", "asserted-by": "subject"}
            ]
        },
    }
    item = address_doi.paper(work, PROCEEDINGS, f"doi:{PROCEEDINGS}")
    assert item["arxiv_id"] == "2309.06180"  # so the paper merges with its arXiv record


def test_paperclub_import_of_a_doi_records_the_address(server, run):
    result = run("import", f"doi:{JOURNAL}")
    assert result.exit_code == 0, result
    (row,) = json.loads(run("papers", "--json", "--limit", "0").stdout)
    assert (row["id"], row["sources"], row["published"]) == (
        f"doi:{JOURNAL}",
        [f"doi:{JOURNAL}"],
        "1997-07-01",
    )
    assert row["extra"]["date_precision"] == "month"
