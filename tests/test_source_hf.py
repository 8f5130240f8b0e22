"""The Hugging Face API JSON and saved-page HTML sources (default_plugins/hf_json.py, hf_html.py).

Expectations are worked out here from the fixtures' JSON (tests/fixtures/hf/), by the rules the
sources follow, so a fixture edit changes what is expected rather than breaking the tests.
"""

from __future__ import annotations

import html
import json
import re
import shutil
import sqlite3
from datetime import date
from pathlib import Path

import pytest

from hfpage import load_sample, render_page
from paperclub.default_plugins.hf_html import HFHTML
from paperclub.default_plugins.hf_json import HFJSON
from paperclub.default_plugins.hf_page import HFPageText
from paperclub.default_plugins.paperclub_json import PaperclubJSON
from paperclub.errors import PaperclubError
from paperclub.models import Paper
from paperclub.plugins import Hooks, get_plugin_manager
from paperclub.sources import HEAD_SIZE, SourceFile, resolve
from paperclub.text import slugify

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "hf"
DAILY_JSON = FIXTURES / "daily_papers.json"
PAPER_JSON = FIXTURES / "paper.json"
DAILY_HTML = FIXTURES / "daily_papers.html"
AS_OF = date(2025, 11, 25)


def load(path: Path):
    return json.loads(path.read_text(encoding="utf-8"))


def page_items(path: Path = DAILY_HTML) -> list[dict]:
    """The items embedded in a saved page, found with a regex (not the source's HTML parser)."""
    text = path.read_text(encoding="utf-8")
    match = re.search(r'data-target="DailyPapers"\s+data-props="([^"]*)"', text)
    assert match, "the page fixture has no DailyPapers data-props"
    return json.loads(html.unescape(match.group(1)))["dailyPapers"]


def read_all(source, path: Path) -> list[Paper | PaperclubError]:
    return list(source.read(SourceFile(path), None))


def papers_of(source, path: Path) -> list[Paper]:
    items = read_all(source, path)
    errors = [i for i in items if isinstance(i, PaperclubError)]
    assert not errors, errors
    return items


def collapse(text: str) -> str:
    return " ".join(text.split())


def expected(item: dict) -> dict:
    """What a paper read from an API item holds, by the mapping rules, as Paper.to_json()."""
    paper = item.get("paper", item)
    title = collapse(paper.get("title") or item.get("title"))
    hf_id = paper.get("id")
    if hf_id is not None:
        assert re.fullmatch(r"\d{4}\.\d{4,5}", hf_id), "fixture ids are bare arXiv ids"
    authors = [a["name"] for a in paper.get("authors") or []]
    org = item.get("organization") or paper.get("organization")
    links = {}
    if hf_id:
        links["abs"] = f"https://arxiv.org/abs/{hf_id}"
        links["pdf"] = f"https://arxiv.org/pdf/{hf_id}"
    if paper.get("githubRepo"):
        links["code"] = paper["githubRepo"]
    if paper.get("projectPage"):
        links["project"] = paper["projectPage"]
    extra = {}
    if item.get("numComments") is not None:
        extra["num_comments"] = item["numComments"]
    if paper.get("ai_summary"):
        extra["hf_summary"] = paper["ai_summary"]
    if paper.get("githubStars") is not None and paper.get("githubRepo"):
        extra["github_stars"] = paper["githubStars"]
    return {
        "id": f"arxiv:{hf_id}" if hf_id else slugify(title),
        "title": title,
        "abstract": collapse(paper.get("summary") or item.get("summary") or ""),
        "authors": authors,
        "author_count": len(authors) or None,
        "organisation": (org.get("fullname") or org.get("name")) if org else None,
        "published": paper["publishedAt"][:10] if paper.get("publishedAt") else None,
        "upvotes": paper.get("upvotes"),  # None: not rated, not 0
        "links": dict(sorted(links.items())),
        "keywords": list(paper.get("ai_keywords") or []),
        "topics": [],
        "sources": [],
        "arxiv_id": hf_id,
        "doi": None,
        "extra": dict(sorted(extra.items())),
    }


def write_json_lines(path: Path, items: list) -> list[int]:
    """A JSON list with each item on lines of its own; returns each item's first line."""
    lines, starts = ["["], []
    for n, item in enumerate(items):
        starts.append(len(lines) + 1)
        block = json.dumps(item, indent=2, ensure_ascii=False).splitlines()
        if n < len(items) - 1:
            block[-1] += ","
        lines += ["  " + line for line in block]
    lines.append("]")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return starts


def no_traceback(result) -> None:
    assert "Traceback" not in result.stdout and "Traceback" not in result.stderr


def papers_json(run, *args: str) -> list[dict]:
    result = run("papers", "--json", "--limit", "0", *args)
    assert result.exit_code == 0, result
    return json.loads(result.stdout)


# -- the fixtures hold the cases the tests rely on -----------------------------------------


def test_the_fixtures_cover_the_cases():
    daily = load(DAILY_JSON)
    papers = [item.get("paper", {}) for item in daily]
    assert any(item.get("organization") for item in daily)
    assert any("organization" in item and item["organization"] is None for item in daily)
    assert any(p.get("githubRepo") for p in papers)
    assert any("\n" in (p.get("title") or "") for p in papers)
    assert any(re.search(r"[^\x00-\uffff]", p.get("title") or "") for p in papers)  # emoji
    assert any(p.get("upvotes", 0) is None and p.get("summary", "") is None for p in papers)
    optional = {
        "authors",
        "summary",
        "publishedAt",
        "upvotes",
        "githubRepo",
        "projectPage",
        "ai_keywords",
        "ai_summary",
    }
    assert any(set(item) == {"paper"} and not optional & set(item["paper"]) for item in daily)
    assert any("id" not in p for p in papers)
    assert isinstance(load(PAPER_JSON), dict) and "paper" not in load(PAPER_JSON)
    raw = DAILY_HTML.read_text(encoding="utf-8")
    assert raw.startswith("<!DOCTYPE html>")
    for entity in ("&quot;", "&amp;", "&#39;"):
        assert entity in raw
    shared = {i["paper"]["id"] for i in page_items()} & {p.get("id") for p in papers}
    assert len(shared) >= 2


# -- hf-json ---------------------------------------------------------------------------------


def test_daily_papers_list_maps_every_field():
    daily = load(DAILY_JSON)
    papers = papers_of(HFJSON(), DAILY_JSON)
    assert [p.to_json() for p in papers] == [expected(item) for item in daily]


def test_daily_papers_spot_checks():
    """A few values spelled out, in case the rules above and the source share a mistake."""
    by_id = {p.id: p for p in papers_of(HFJSON(), DAILY_JSON)}
    deepseek = by_id["arxiv:2401.02954"]
    assert deepseek.organisation == "DeepSeek"  # fullname over name
    assert deepseek.authors[:4] == ("DeepSeek-AI", "Xiao Bi", "Deli Chen", "Guanting Chen")
    assert deepseek.author_count == 5
    assert deepseek.published == date(2024, 1, 5)  # the paper's date, not the submission's
    assert deepseek.upvotes == 37
    assert deepseek.links["code"] == "https://github.com/deepseek-ai/DeepSeek-LLM"
    assert deepseek.links["pdf"] == "https://arxiv.org/pdf/2401.02954"
    assert deepseek.extra == {
        "num_comments": 4,
        "hf_summary": deepseek.extra["hf_summary"],
        "github_stars": 6421,
    }  # a popularity signal of its own
    assert "\n" not in deepseek.abstract and "truly remarkable" in deepseek.abstract
    assert by_id["arxiv:2403.09611"].organisation == "apple"  # no fullname: the name
    assert by_id["arxiv:2403.09611"].extra == {"num_comments": 0}
    bitnet = by_id["arxiv:2402.17764"]
    assert bitnet.title == (
        "The Era of 1-bit LLMs 🚀: All Large Language Models are in "
        "1.58 Bits — Don't Quantize Later"
    )
    assert bitnet.organisation is None and bitnet.keywords == ()
    assert "Zoë Müller-Øster" in bitnet.authors


def test_missing_and_null_optional_fields():
    daily = load(DAILY_JSON)
    papers = papers_of(HFJSON(), DAILY_JSON)
    sparse = [
        p
        for item, p in zip(daily, papers)
        if not (item["paper"].get("summary") or item["paper"].get("authors"))
    ]
    assert len(sparse) >= 3
    for paper in sparse:
        assert paper.abstract == "" and paper.authors == () and paper.author_count is None
        assert paper.organisation is None and paper.published is None and paper.upvotes is None
        assert paper.keywords == () and paper.extra == {}
        assert set(paper.links) <= {"abs", "pdf"}
    [untitled_id] = [p for p in papers if p.arxiv_id is None]
    assert untitled_id.id == "ca-marche-a-paper-known-only-by-its-title"
    assert untitled_id.links == {}


def test_the_item_summary_stands_in_for_a_missing_paper_summary(tmp_path):
    item = {
        "paper": {"id": "2401.04088", "title": "Mixtral of Experts", "summary": None},
        "summary": "We introduce Mixtral 8x7B,\na Sparse Mixture of Experts model.",
    }
    path = tmp_path / "daily.json"
    path.write_text(json.dumps([item]), encoding="utf-8")
    [paper] = papers_of(HFJSON(), path)
    assert paper.abstract == "We introduce Mixtral 8x7B, a Sparse Mixture of Experts model."


def test_a_single_paper_object():
    item = load(PAPER_JSON)
    [paper] = papers_of(HFJSON(), PAPER_JSON)
    assert paper.to_json() == expected(item)
    assert paper.organisation == "DeepSeek"
    assert paper.title == (
        "DeepSeekMath: Pushing the Limits of Mathematical Reasoning in Open Language Models"
    )


def test_a_list_of_paper_objects(tmp_path):
    first = load(PAPER_JSON)
    second = {
        "id": "2401.04088",
        "title": "Mixtral of Experts",
        "summary": None,
        "authors": [{"name": "Albert Q. Jiang"}, {"name": "Alexandre Sablayrolles"}],
        "publishedAt": "2024-01-08T18:47:34.000Z",
        "upvotes": 160,
    }
    path = tmp_path / "papers.json"
    path.write_text(json.dumps([first, second]), encoding="utf-8")
    assert HFJSON().detect(path, path.read_text(encoding="utf-8"))
    papers = papers_of(HFJSON(), path)
    assert [p.to_json() for p in papers] == [expected(first), expected(second)]


def test_bad_items_are_yielded_with_their_lines(tmp_path):
    good = load(DAILY_JSON)[:2]
    items = [
        good[0],
        42,
        {"paper": {"id": "2401.00001", "upvotes": 3}},
        good[1],
        {"paper": {"id": "2401.00002", "title": "Upvoted", "upvotes": "many"}},
        {"paper": {"id": "2401.00003", "title": "Dated", "publishedAt": "last week"}},
    ]
    path = tmp_path / "broken.json"
    starts = write_json_lines(path, items)
    out = read_all(HFJSON(), path)
    assert [type(x).__name__ for x in out] == [
        "Paper",
        "PaperclubError",
        "PaperclubError",
        "Paper",
        "PaperclubError",
        "PaperclubError",
    ]
    for n in (1, 2, 4, 5):
        assert out[n].path == str(path)
        assert out[n].line == starts[n]
        assert f"#{n + 1}" in out[n].message
    assert "not a JSON object" in out[1].message
    assert "no title" in out[2].message
    assert "upvotes" in out[4].message and "last week" in out[5].message
    assert [p.id for p in (out[0], out[3])] == [expected(i)["id"] for i in good]


def test_a_json_syntax_error_names_its_line(tmp_path):
    path = tmp_path / "daily.json"
    lines = DAILY_JSON.read_text(encoding="utf-8").splitlines()
    bad = next(n for n, line in enumerate(lines) if '"upvotes": 128' in line)
    lines[bad] = lines[bad].rstrip(",")  # a missing comma: the error is on the next line
    path.write_text("\n".join(lines), encoding="utf-8")
    with pytest.raises(PaperclubError) as raised:
        read_all(HFJSON(), path)
    assert raised.value.line == bad + 2
    assert "not valid JSON" in raised.value.message


@pytest.mark.parametrize("text", ['"just a string"', "3", "null"])
def test_json_that_holds_no_papers_is_an_error(tmp_path, text):
    path = tmp_path / "x.json"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(PaperclubError, match="expected a JSON list"):
        read_all(HFJSON(), path)


def test_a_byte_order_mark_and_crlf_lines(tmp_path):
    items = load(DAILY_JSON)
    path = tmp_path / "daily.json"
    path.write_bytes(
        b"\xef\xbb\xbf" + json.dumps([items[0], 7], indent=2).replace("\n", "\r\n").encode()
    )
    out = read_all(HFJSON(), path)
    assert out[0].to_json() == expected(items[0])
    text = json.dumps([items[0], 7], indent=2)
    assert out[1].line == text.splitlines().index("  7") + 1


# -- hf-html ---------------------------------------------------------------------------------


def test_page_maps_every_field():
    items = page_items()
    papers = papers_of(HFHTML(), DAILY_HTML)
    assert [p.to_json() for p in papers] == [expected(item) for item in items]


def test_page_and_api_map_items_the_same(tmp_path):
    path = tmp_path / "same.json"
    path.write_text(json.dumps(page_items()), encoding="utf-8")
    assert papers_of(HFHTML(), DAILY_HTML) == papers_of(HFJSON(), path)


def test_page_entities_are_decoded():
    by_id = {p.id: p for p in papers_of(HFHTML(), DAILY_HTML)}
    kan = by_id["arxiv:2404.19756"]
    assert kan.title == "KAN: Kolmogorov–Arnold Networks <\"Learnable Activations\" & 'Splines'>"
    assert kan.organisation == "Massachusetts Institute of Technology"
    assert kan.extra["hf_summary"].startswith("KANs place learnable splines on edges & beat MLPs'")
    assert "🚀" in by_id["arxiv:2402.17764"].title


def page(props_line: str, *, before: str = "", target: str = "DailyPapers") -> str:
    return (
        "<!DOCTYPE html>\n<html>\n<head><title>Daily Papers - Hugging Face</title>\n"
        "<script>var x = \"<div data-props='{}'>\";</script>\n</head>\n<body>\n"
        + before
        + f'<div class="SVELTE_HYDRATER contents"\n     data-target="{target}"\n'
        f"     {props_line}></div>\n</body>\n</html>\n"
    )


def props_attr(props: object) -> str:
    return 'data-props="' + html.escape(json.dumps(props), quote=True) + '"'


def test_page_errors_name_the_data_props_line(tmp_path):
    good = page_items()[0]
    items = [good, "not an item", {"paper": {"id": "2401.00009"}}]
    text = page(props_attr({"dailyPapers": items}))
    path = tmp_path / "page.html"
    path.write_text(text, encoding="utf-8")
    line = next(n for n, s in enumerate(text.splitlines(), 1) if 'data-props="' in s)
    out = read_all(HFHTML(), path)
    assert out[0].to_json() == expected(good)
    assert [(e.line, e.path) for e in out[1:]] == [(line, str(path))] * 2
    assert "#2" in out[1].message and "#3" in out[2].message and "no title" in out[2].message


def test_page_with_bad_json_in_its_data(tmp_path):
    text = page('data-props="{&quot;dailyPapers&quot;:[{&quot;paper&quot;:}]}"')
    path = tmp_path / "page.html"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(PaperclubError, match="not valid JSON") as raised:
        read_all(HFHTML(), path)
    assert (
        raised.value.line
        == text.splitlines().index(
            '     data-props="{&quot;dailyPapers&quot;:[{&quot;paper&quot;:}]}"></div>'
        )
        + 1
    )


def test_page_without_a_daily_papers_target_uses_any_daily_papers_props(tmp_path):
    items = page_items()[:2]
    text = page(
        props_attr({"dailyPapers": items}),
        target="PapersList",
        before=f"<div {props_attr({'user': None})}></div>\n",
    )
    path = tmp_path / "page.html"
    path.write_text(text, encoding="utf-8")
    assert [p.to_json() for p in papers_of(HFHTML(), path)] == [expected(i) for i in items]


def test_page_without_daily_papers_data(tmp_path):
    path = tmp_path / "page.html"
    path.write_text(page(props_attr({"user": None, "dailyPapers": None})), encoding="utf-8")
    with pytest.raises(PaperclubError, match="dailyPapers"):
        read_all(HFHTML(), path)


# -- detect ----------------------------------------------------------------------------------


def head_of(path: Path) -> str:
    with path.open("rb") as f:
        return f.read(HEAD_SIZE).decode("utf-8", errors="replace").lstrip("\ufeff")


@pytest.fixture
def other_files(tmp_path, run):
    """Files of other formats: paperclub's JSON (bundled and as `papers --json` prints it) and
    an hf-page text page."""
    sample = tmp_path / "sample.json"
    sample.write_text(json.dumps(load_sample()), encoding="utf-8")
    assert run("import", str(PAPER_JSON), str(DAILY_JSON)).exit_code == 0
    listed = tmp_path / "listed.json"
    listed.write_text(run("papers", "--json").stdout, encoding="utf-8")
    assert '"summary"' not in listed.read_text(encoding="utf-8")
    text = tmp_path / "page.txt"
    text.write_text(render_page(load_sample()[:5], AS_OF), encoding="utf-8")
    # paperclub's JSON whose extra facts happen to be named like the API's fields
    odd = tmp_path / "odd.json"
    record = {**load_sample()[0], "extra": {"paper": "2401.02954", "publishedAt": "2024-01-05"}}
    odd.write_text(json.dumps([record], indent=2), encoding="utf-8")
    return {"sample": sample, "listed": listed, "page": text, "odd": odd}


def test_detect_hf_json():
    assert HFJSON().detect(DAILY_JSON, head_of(DAILY_JSON))
    assert HFJSON().detect(PAPER_JSON, head_of(PAPER_JSON))
    assert not HFJSON().detect(DAILY_HTML, head_of(DAILY_HTML))


def test_detect_a_list_whose_first_paper_has_many_authors(tmp_path):
    item = load(DAILY_JSON)[0]
    item["paper"]["authors"] = [
        {"_id": f"{n:024x}", "name": f"Author {n}", "hidden": False} for n in range(300)
    ]
    path = tmp_path / "daily.json"
    path.write_text(json.dumps([item], indent=2), encoding="utf-8")
    head = head_of(path)
    assert '"publishedAt"' not in head and '"upvotes"' not in head
    assert HFJSON().detect(path, head)


def test_detect_a_paper_with_many_authors(tmp_path):
    item = load(PAPER_JSON)
    item["authors"] = [
        {"_id": f"{n:024x}", "name": f"Author {n}", "hidden": False} for n in range(300)
    ]
    path = tmp_path / "paper.json"
    path.write_text(json.dumps(item, indent=2), encoding="utf-8")
    head = head_of(path)
    assert '"publishedAt"' not in head and '"summary"' not in head
    assert HFJSON().detect(path, head)


def test_detect_hf_html(tmp_path):
    assert HFHTML().detect(DAILY_HTML, head_of(DAILY_HTML))
    renamed = tmp_path / "saved.txt"  # no .html, but it starts as a page does
    shutil.copy(DAILY_HTML, renamed)
    assert HFHTML().detect(renamed, head_of(renamed))
    assert not HFHTML().detect(DAILY_JSON, head_of(DAILY_JSON))
    # the data far down a page, past the head detect() is given
    late = tmp_path / "late.html"
    text = DAILY_HTML.read_text(encoding="utf-8")
    late.write_text(
        text.replace("<head>", "<head>\n<style>" + "a{}\n" * 5000 + "</style>"), encoding="utf-8"
    )
    assert "data-props" not in head_of(late)
    assert HFHTML().detect(late, head_of(late))
    other = tmp_path / "other.html"
    other.write_text(
        page(props_attr({"models": []}), target="ModelList").replace("Daily Papers", "Models"),
        encoding="utf-8",
    )
    assert not HFHTML().detect(other, head_of(other))


def test_detect_leaves_other_formats_alone(other_files):
    for name, path in other_files.items():
        head = head_of(path)
        assert not HFJSON().detect(path, head), name
        assert not HFHTML().detect(path, head), name
    assert PaperclubJSON().detect(other_files["listed"], head_of(other_files["listed"]))
    assert HFPageText().detect(other_files["page"], head_of(other_files["page"]))
    # and the other sources leave these fixtures alone
    assert not HFPageText().detect(DAILY_HTML, head_of(DAILY_HTML))
    assert not PaperclubJSON().detect(DAILY_HTML, head_of(DAILY_HTML))


def test_auto_detection_picks_these_sources(other_files):
    sources = Hooks(get_plugin_manager()).sources
    picked = {
        path.name: resolve(str(path), sources)[1].name
        for path in (DAILY_JSON, PAPER_JSON, DAILY_HTML, *other_files.values())
    }
    assert picked == {
        "daily_papers.json": "hf-json",
        "paper.json": "hf-json",
        "daily_papers.html": "hf-html",
        "sample.json": "paperclub-json",
        "listed.json": "paperclub-json",
        "page.txt": "hf-page",
        "odd.json": "paperclub-json",
    }


# -- on the command line ---------------------------------------------------------------------


def broken_daily(path: Path) -> tuple[list[dict], list[int]]:
    """daily_papers.json with two bad items; returns the good items and the bad items' lines."""
    good = load(DAILY_JSON)
    items = [good[0], {"paper": {"id": "2401.00001"}}, *good[1:3], ["a", "list"], *good[3:]]
    starts = write_json_lines(path, items)
    return good, [starts[1], starts[4]]


def test_cli_a_bad_record_stops_the_import(run, workspace):
    _, lines = broken_daily(workspace / "broken.json")
    result = run("import", "broken.json")
    assert result.exit_code == 1, result
    assert f"broken.json:{lines[0]}: " in result.stderr
    no_traceback(result)
    assert not (workspace / "catalog.sqlite").exists()


def test_cli_skip_invalid_imports_the_rest(run, workspace):
    good, lines = broken_daily(workspace / "broken.json")
    result = run("import", "--skip-invalid", "broken.json")
    assert result.exit_code == 0, result
    assert "skipped 2 invalid records" in result.stderr
    for line in lines:
        assert f"broken.json:{line}: " in result.stderr
    assert sorted(p["id"] for p in papers_json(run)) == sorted(expected(i)["id"] for i in good)


def test_cli_a_bad_record_in_a_page(run, workspace):
    text = page(props_attr({"dailyPapers": [page_items()[0], {"paper": {"title": ""}}]}))
    (workspace / "page.html").write_text(text, encoding="utf-8")
    line = next(n for n, s in enumerate(text.splitlines(), 1) if 'data-props="' in s)
    result = run("import", "page.html")
    assert result.exit_code == 1, result
    assert f"page.html:{line}: " in result.stderr
    no_traceback(result)
    skipped = run("import", "--skip-invalid", "page.html")
    assert skipped.exit_code == 0, skipped
    assert f"page.html:{line}: " in skipped.stderr
    assert [p["id"] for p in papers_json(run)] == [expected(page_items()[0])["id"]]


def test_cli_the_same_paper_from_json_and_html_is_one_row(run, workspace):
    shutil.copy(DAILY_JSON, workspace)
    shutil.copy(DAILY_HTML, workspace)
    result = run("import", "daily_papers.json", "daily_papers.html", "--json")
    assert result.exit_code == 0, result
    assert [r["source"] for r in json.loads(result.stdout)] == [
        "hf-json:daily_papers.json",
        "hf-html:daily_papers.html",
    ]

    from_json = {expected(i)["id"]: expected(i) for i in load(DAILY_JSON)}
    from_html = {expected(i)["id"]: expected(i) for i in page_items()}
    shared = from_json.keys() & from_html.keys()
    assert len(shared) >= 2
    listed = papers_json(run)
    assert sorted(p["id"] for p in listed) == sorted(from_json.keys() | from_html.keys())
    for paper in listed:
        sources = [
            s
            for s, ids in (
                ("hf-json:daily_papers.json", from_json),
                ("hf-html:daily_papers.html", from_html),
            )
            if paper["id"] in ids
        ]
        assert paper["sources"] == sources
        if paper["id"] in shared:
            a, b = from_json[paper["id"]], from_html[paper["id"]]
            rated = [v for v in (a["upvotes"], b["upvotes"]) if v is not None]
            assert paper["upvotes"] == max(rated, default=None)
            assert paper["title"] == a["title"]


def rows(path: Path) -> list[tuple]:
    db = sqlite3.connect(path)
    try:
        return db.execute("SELECT * FROM papers ORDER BY id").fetchall()
    finally:
        db.close()


def test_cli_reimporting_changes_nothing(run, workspace):
    for fixture in (DAILY_JSON, PAPER_JSON, DAILY_HTML):
        shutil.copy(fixture, workspace)
    names = ("daily_papers.json", "paper.json", "daily_papers.html")
    assert run("import", *names).exit_code == 0
    before = rows(workspace / "catalog.sqlite")

    again = run("import", *names, "--json")
    assert again.exit_code == 0, again
    assert all(r["skipped_unchanged_file"] for r in json.loads(again.stdout))
    # read again for real (--as-of changes what an import is), merged into the same rows
    reread = run("import", *names, "--as-of", "2024-06-01", "--json")
    assert reread.exit_code == 0, reread
    for r in json.loads(reread.stdout):
        assert not r["skipped_unchanged_file"]
        assert (r["added"], r["updated"]) == (0, 0), r
    assert rows(workspace / "catalog.sqlite") == before


def test_item_lines_are_the_lines_the_items_start_on():
    from paperclub.jsonfile import item_lines

    text = '\n\n[ {"a": 1},\n  {"b":\n   2}, {"c": "x\\ny"},\n\n  [1,\n 2], 3\n]\n'
    starts = [text.index(s) for s in ('{"a"', '{"b"', '{"c"', "[1", "3\n")]
    assert item_lines(text) == [text.count("\n", 0, p) + 1 for p in starts] == [3, 4, 5, 7, 8]
