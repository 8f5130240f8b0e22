"""The `zotero:` address (default_plugins/address_zotero.py) against a local server on
127.0.0.1 that answers as the Zotero web API v3 does, from real answers (pyzotero's recorded
items, tests/fixtures/zotero/, see SOURCES.md), paged with `start` and `limit` and the
Total-Results and Link headers the API sends."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from httpserver import Response, fetched_papers
from paperclub.default_plugins import address_zotero
from paperclub.errors import PaperclubError
from paperclub.models import Paper

ITEMS = json.loads(
    (Path(__file__).resolve().parent / "fixtures" / "zotero" / "items.json").read_bytes()
)
KEY = "P9NiFoyLeZu2bZNvvuQPDWsd"  # the form of a Zotero API key, made up for the tests
LIBRARY = "/groups/2175430"


def zotero(request):
    """The API's answer: the items from `start`, `limit` of them, 403 without the key."""
    if request.headers.get("zotero-api-key") != KEY:
        return Response(403, b"Forbidden", {"Content-Type": "text/plain"})
    start, limit = int(request.query.get("start", 0)), int(request.query.get("limit", 25))
    headers = {"Content-Type": "application/json", "Total-Results": str(len(ITEMS))}
    if start + limit < len(ITEMS):
        headers["Link"] = f'<{request.path}?limit={limit}&start={start + limit}>; rel="next"'
    return Response(body=json.dumps(ITEMS[start : start + limit]).encode(), headers=headers)


@pytest.fixture
def server(http_server, monkeypatch, tmp_path):
    monkeypatch.setattr(address_zotero, "INTERVAL", 0.0)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))  # no ~/.netrc but the test's own
    monkeypatch.setenv(address_zotero.KEY_ENV, KEY)
    http_server.add(f"{LIBRARY}/items/top", zotero)
    http_server.add(f"{LIBRARY}/collections/9KH9TNSJ/items/top", zotero)
    monkeypatch.setenv("PAPERCLUB_ZOTERO_URL", http_server.url)
    return http_server


def papers(rest: str, tmp_path: Path) -> list[Paper]:
    return fetched_papers(address_zotero.fetch, rest, tmp_path)


def test_a_library_is_its_papers_page_by_page(server, tmp_path, monkeypatch):
    monkeypatch.setattr(address_zotero, "PAGE_SIZE", 4)
    found = papers("groups/2175430", tmp_path)
    expected = [i["data"]["title"] for i in ITEMS if i["data"]["itemType"] != "attachment"]
    assert [p.title for p in found] == expected  # the attachment is no paper
    assert [(r.path, r.query) for r in server.requests] == [
        (f"{LIBRARY}/items/top", {"format": "json", "limit": "4", "start": "0"}),
        (f"{LIBRARY}/items/top", {"format": "json", "limit": "4", "start": "4"}),
    ]
    assert all(r.headers["zotero-api-version"] == "3" for r in server.requests)


def test_an_item_is_read_as_zotero_holds_it(server, tmp_path):
    by_key = {p.extra["zotero_key"]: p for p in papers("groups/2175430", tmp_path)}
    article = by_key["PQKBRC33"]  # a journal article with a DOI and a whole date
    assert article.id == "doi:10.2307/2321200"
    assert article.authors == ("R. Creighton Buck",)
    assert article.published is not None and article.published.isoformat() == "1980-05-01"
    assert "date_precision" not in article.extra
    assert article.links == {
        "url": "http://www.jstor.org/stable/2321200",
        "doi": "https://doi.org/10.2307/2321200",
    }
    assert (article.extra["venue"], article.extra["volume"], article.extra["pages"]) == (
        "The American Mathematical Monthly",
        "87",
        "335-345",
    )
    book = by_key["Z8N84QAJ"]  # parsedDate 1992-00-00; a contributor is no author
    assert (book.published.isoformat(), book.extra["date_precision"]) == ("1992-01-01", "year")
    assert book.authors == ("Arthur Conan Doyle",)
    assert book.keywords == (
        "Detective and mystery stories, English",
        "Fiction",
        "Holmes, Sherlock (Fictitious character)",
    )
    assert by_key["X42A7DEE"].authors == ("Institute of Physics (Great Britain)",)
    page = by_key["NM66T6EF"]  # a web page without creators or a date
    assert (page.authors, page.published) == ((), None)


def test_a_collection_is_its_items(server, tmp_path):
    papers("groups/2175430/collections/9KH9TNSJ", tmp_path)
    assert server.requests[0].path == f"{LIBRARY}/collections/9KH9TNSJ/items/top"


def test_the_key_comes_from_netrc_without_the_environment(server, tmp_path, monkeypatch):
    monkeypatch.delenv(address_zotero.KEY_ENV)
    home = tmp_path / "home"
    home.mkdir()
    (home / ".netrc").write_text(f"machine api.zotero.org\n  login paperclub\n  password {KEY}\n")
    (home / ".netrc").chmod(0o600)
    assert len(papers("groups/2175430", tmp_path)) == 5


def test_the_key_is_never_printed(server, tmp_path):
    with pytest.raises(PaperclubError) as e:  # the server's 404, the key sent with it
        papers("users/475425", tmp_path)
    assert server.requests[0].headers["zotero-api-key"] == KEY
    assert KEY not in str(e.value) and str(e.value).startswith("zotero:users/475425: ")
    assert not any(KEY in str(p) for p in (tmp_path / "cache").rglob("*"))


def test_a_wrong_key_is_the_servers_answer_naming_the_address(server, tmp_path, monkeypatch):
    monkeypatch.setenv(address_zotero.KEY_ENV, "not-the-key")
    with pytest.raises(PaperclubError) as e:
        papers("groups/2175430", tmp_path)
    assert str(e.value).startswith("zotero:groups/2175430: ") and "403" in str(e.value)
    assert "not-the-key" not in str(e.value)


def test_a_netrc_that_cannot_be_read_is_named_not_quoted(server, tmp_path, monkeypatch):
    monkeypatch.delenv(address_zotero.KEY_ENV)
    home = tmp_path / "home"
    home.mkdir()
    (home / ".netrc").write_text(f"machine api.zotero.org password\n{KEY} oops {KEY}\n")
    (home / ".netrc").chmod(0o600)
    with pytest.raises(PaperclubError) as e:
        papers("groups/2175430", tmp_path)
    assert "cannot read it for the Zotero API key" in str(e.value)
    assert KEY not in str(e.value) and server.requests == []


@pytest.mark.parametrize(
    "rest", ["groups/", "group/2175430", "groups/2175430/collections/", "users/me"]
)
def test_not_a_library_is_one_line_naming_the_forms(server, tmp_path, rest):
    with pytest.raises(PaperclubError) as e:
        papers(rest, tmp_path)
    assert str(e.value).startswith(
        f"zotero:{rest}: not a Zotero library; the forms are zotero:groups/123456"
    )
    assert server.requests == []


def test_an_html_page_is_one_line_naming_the_address(http_server, tmp_path, monkeypatch):
    http_server.add(f"{LIBRARY}/items/top", Response(body=b"<!doctype html><title>Log in</title>"))
    monkeypatch.setenv("PAPERCLUB_ZOTERO_URL", http_server.url)
    with pytest.raises(PaperclubError) as e:
        papers("groups/2175430", tmp_path)
    assert str(e.value) == ("zotero:groups/2175430: the answer is an HTML page, not Zotero's items")


def test_arxiv_and_doi_from_zotero_7s_fields():
    item = {
        "key": "ABCD1234",
        "data": {
            "key": "ABCD1234",
            "itemType": "preprint",
            "title": "Fast Inference from Transformers via Speculative Decoding",
            "creators": [{"creatorType": "author", "firstName": "Yaniv", "lastName": "Leviathan"}],
            "archiveID": "arXiv:2211.17192",
            "DOI": "10.48550/arXiv.2211.17192",
            "url": "http://arxiv.org/abs/2211.17192",
        },
        "meta": {"parsedDate": "2023-05-18"},
    }
    found = address_zotero.paper(item)
    assert found is not None and found["arxiv_id"] == "2211.17192"
    assert found["links"]["abs"] == "http://arxiv.org/abs/2211.17192"


def test_import_of_a_private_library_shows_the_key_nowhere(server, run, workspace):
    def with_etag(request):  # so the HTTP cache keeps the answer (and the request's headers)
        response = zotero(request)
        response.etag = '"v1"'
        return response

    server.add(f"{LIBRARY}/items/top", with_etag)
    result = run("import", "zotero:groups/2175430")
    assert result.exit_code == 0, result
    assert "5 " in result.stdout or "5 " in result.stderr, result  # five papers, one attachment
    listed = run("papers", "--json", "--limit", "0")
    assert len(json.loads(listed.stdout)) == 5
    assert all(
        s == ["zotero:groups/2175430"] for s in (p["sources"] for p in json.loads(listed.stdout))
    )
    for text in (result.stdout, result.stderr, listed.stdout):
        assert KEY not in text
    cached = [p for p in workspace.rglob("*") if p.is_file()]
    assert len([p for p in cached if "http" in p.parts]) > 1 and not any(
        KEY in str(p) for p in cached
    )
    assert not any(KEY.encode() in p.read_bytes() for p in cached)  # the HTTP cache too
