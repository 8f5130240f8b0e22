"""The Hugging Face Daily Papers page source (default_plugins/hf_page.py)."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from hfpage import (
    BULLET,
    MIDDOT,
    SEED_PAGE,
    byline,
    date_text,
    header_lines,
    join_blocks,
    line_number,
    load_sample,
    page_blocks,
    render_page,
    short_date,
)
from paperclub.default_plugins.hf_page import HFPageText, find_links
from paperclub.errors import PaperclubError
from paperclub.sources import SourceFile
from paperclub.text import slugify

AS_OF = date(2025, 11, 25)


def read(path: Path, as_of: date | None = None):
    """The papers of a page; the first bad record's error is raised."""
    items = list(HFPageText().read(SourceFile(path), as_of))
    for item in items:
        if isinstance(item, PaperclubError):
            raise item
    return items


def read_text(tmp_path: Path, text: str, as_of: date | None = AS_OF, name: str = "page.txt"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return read(path, as_of)


def expected_fields(record: dict) -> dict:
    """What the page says of a sample record: every field of sample.json but topics."""
    return {k: v for k, v in record.items() if k != "topics"}


def actual_fields(paper) -> dict:
    """The fields sample.json keeps, as the parser read them."""
    facts = paper.to_json()
    return {
        k: facts[k]
        for k in ("id", "title", "published", "author_count", "organisation", "upvotes", "links")
    }


def with_published(papers: list[dict]) -> list[dict]:
    return [p for p in papers if p["published"]]


# -- round trip ----------------------------------------------------------------------------


@pytest.mark.parametrize("as_of", [AS_OF, date(2024, 12, 31)], ids=str)
def test_round_trip_of_every_sample_paper(tmp_path, as_of):
    sample = load_sample()
    text = render_page(sample, as_of)
    # the page exercises both date forms and both kinds of byline
    lines = text.splitlines()
    years = [date.fromisoformat(p["published"]).year for p in with_published(sample)]
    assert as_of.year in years and any(y != as_of.year for y in years)
    assert any(line.startswith(f"  {BULLET} ") for line in lines)
    assert any(byline(p) in lines for p in sample if p["organisation"])

    papers = read_text(tmp_path, text, as_of)

    assert len(papers) == len(sample) == 87
    assert [p.id for p in papers] == [r["id"] for r in sample]
    for paper, record in zip(papers, sample):
        assert actual_fields(paper) == expected_fields(record), record["title"]
        assert paper.id == slugify(record["title"])


def test_a_bad_paper_is_reported_and_the_rest_still_read(tmp_path):
    """Errors come as items, so --skip-invalid can go on past them."""
    sample = load_sample()[:5]
    text = render_page(sample, AS_OF)
    record = next(r for r in sample[2:] if r["published"])
    bad = date_text(date.fromisoformat(record["published"]), AS_OF, record["upvotes"])
    text = text.replace(f"\n{bad}\n", "\nFoo 99\n", 1)
    path = tmp_path / "page.txt"
    path.write_text(text, encoding="utf-8")
    items = list(HFPageText().read(SourceFile(path), AS_OF))
    errors = [i for i in items if isinstance(i, PaperclubError)]
    assert len(errors) == 1 and errors[0].line == line_number(text, "Foo 99")
    assert [i.id for i in items if not isinstance(i, PaperclubError)] == [
        r["id"] for r in sample if r is not record
    ]


def test_windows_line_endings_read_the_same(tmp_path):
    sample = load_sample()[:10]
    text = render_page(sample, AS_OF)
    unix = read_text(tmp_path, text, name="unix.txt")
    windows = read_text(tmp_path, text.replace("\n", "\r\n"), name="windows.txt")
    assert [actual_fields(p) for p in windows] == [actual_fields(p) for p in unix]
    assert len(windows) == len(sample)


# -- the real page -------------------------------------------------------------------------


@pytest.fixture
def seed_page() -> Path:
    return SEED_PAGE


def test_seed_page_agrees_with_the_sample(seed_page):
    sample = load_sample()
    papers = read(seed_page)  # the year comes from the file name
    assert len(papers) == len(sample) == 87
    for paper, record in zip(papers, sample):
        assert actual_fields(paper) == expected_fields(record), record["title"]
        assert paper.abstract  # the real page has every abstract


def test_seed_page_organisations_instead_of_author_counts(seed_page):
    papers = read(seed_page)
    with_org = [p for p in papers if p.organisation]
    assert sorted(p.organisation for p in with_org) == ["Apple", "Gensyn"]
    for paper in with_org:
        assert paper.author_count is None
        assert paper.published is not None
    # everyone else with a meta block shows an author count
    for paper in papers:
        if paper.published is not None and not paper.organisation:
            assert isinstance(paper.author_count, int) and paper.author_count > 0


def test_seed_page_papers_without_a_meta_block(seed_page):
    papers = read(seed_page)
    lines = [
        line.strip() for line in seed_page.read_text(encoding="utf-8").splitlines() if line.strip()
    ]
    # which titles are followed (after their abstract) by a byline and a "·", from the text
    has_meta = {}
    for paper in papers:
        i = lines.index(paper.title)
        has_meta[paper.id] = i + 3 < len(lines) and lines[i + 3] == MIDDOT
    without = [p for p in papers if not has_meta[p.id]]
    assert without, "the page has papers without a meta line"
    assert len(without) < len(papers)
    for paper in papers:
        if has_meta[paper.id]:
            assert paper.published is not None
        else:
            assert paper.published is None
            assert paper.upvotes == 0
            assert paper.author_count is None and paper.organisation is None


# -- dates and as_of -----------------------------------------------------------------------


def two_papers(as_of: date) -> list[dict]:
    """One paper dated in as_of's year (shown without a year), one in another year."""
    this_year = {
        "id": "this-year",
        "title": "This Year",
        "published": f"{as_of.year}-08-07",
        "author_count": 3,
        "organisation": None,
        "upvotes": 4,
        "links": {},
    }
    other_year = {
        "id": "other-year",
        "title": "Other Year",
        "published": "2016-03-03",
        "author_count": 1,
        "organisation": None,
        "upvotes": 0,
        "links": {},
    }
    return [this_year, other_year]


def test_a_yearless_date_takes_the_year_of_as_of(tmp_path):
    saved = date(2023, 9, 1)
    text = render_page(two_papers(saved), saved)
    assert "Aug 7 4" in text.splitlines()  # shown without a year
    assert "Mar 3, 2016" in text.splitlines()
    for as_of in (saved, date(2019, 1, 1)):
        this_year, other_year = read_text(tmp_path, text, as_of)
        assert this_year.published == date(as_of.year, 8, 7)
        assert this_year.upvotes == 4
        assert other_year.published == date(2016, 3, 3)
        assert other_year.upvotes == 0


def test_as_of_comes_from_a_date_in_the_file_name(tmp_path):
    text = render_page(two_papers(date(2023, 9, 1)), date(2023, 9, 1))
    first, _ = read_text(tmp_path, text, None, name="hf-daily-papers-2021-05-06.txt")
    assert first.published == date(2021, 8, 7)
    # a date given explicitly wins over the file name's
    first, _ = read_text(tmp_path, text, date(2020, 1, 1), name="hf-daily-papers-2021-05-06.txt")
    assert first.published == date(2020, 8, 7)


@pytest.mark.parametrize("name", ["page.txt", "hf-daily-papers-2021-13-45.txt"])
def test_a_yearless_date_without_as_of_is_an_error(tmp_path, name):
    saved = date(2023, 9, 1)
    text = render_page(two_papers(saved), saved)
    with pytest.raises(PaperclubError) as info:
        read_text(tmp_path, text, None, name=name)
    assert info.value.line == line_number(text, "Aug 7 4")
    assert "--as-of" in str(info.value)
    assert f"{name}:{info.value.line}:" in str(info.value)


def test_dates_with_years_need_no_as_of(tmp_path):
    sample = [p for p in with_published(load_sample()) if not p["published"].startswith("2025")]
    text = render_page(sample, AS_OF)  # every date is shown with its year
    papers = read_text(tmp_path, text, None)
    assert [p.published.isoformat() for p in papers] == [r["published"] for r in sample]


# -- broken pages --------------------------------------------------------------------------


def sample_page_blocks(n: int = 3) -> list[list[str]]:
    return page_blocks(with_published(load_sample())[:n], AS_OF)


def raises_at(tmp_path: Path, text: str, line: int) -> PaperclubError:
    path = tmp_path / "broken.txt"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(PaperclubError) as info:
        read(path, AS_OF)
    error = info.value
    assert error.line == line, str(error)
    assert error.path == str(path)
    assert str(error).startswith(f"{path}:{line}: ")
    return error


@pytest.mark.parametrize("bad", ["Foo 99", "Foo 3, 2024", "Aug", "7 Aug", "Aug 7, 24", "yesterday"])
def test_an_unreadable_date_line(tmp_path, bad):
    blocks = sample_page_blocks()
    blocks[-1][-1] = bad  # the last paper's date
    text = join_blocks(blocks)
    error = raises_at(tmp_path, text, line_number(text, bad))
    assert repr(bad) in error.message
    assert "Mar 3, 2024" in error.message  # says what a date looks like


@pytest.mark.parametrize("bad", ["Feb 30, 2024", "Feb 29, 2023 5", "Jun 31", "Apr 0, 2024"])
def test_an_invalid_date(tmp_path, bad):
    blocks = sample_page_blocks()
    blocks[-4][-1] = bad  # the middle paper's date
    text = join_blocks(blocks)
    error = raises_at(tmp_path, text, line_number(text, bad))
    assert repr(bad) in error.message
    assert "not a date" in error.message


def test_a_byline_and_dot_at_the_end_of_the_file(tmp_path):
    blocks = sample_page_blocks()
    blocks[-1] = blocks[-1][:2]  # byline and "·", the date cut off
    text = join_blocks(blocks)
    lines = text.splitlines()
    assert lines[-1] == MIDDOT
    error = raises_at(tmp_path, text, len(lines))
    assert "date" in error.message


def test_a_title_without_an_abstract_at_the_end_of_the_file(tmp_path):
    blocks = sample_page_blocks() + [["A Title Cut Off Here"]]
    text = join_blocks(blocks)
    error = raises_at(tmp_path, text, line_number(text, "A Title Cut Off Here"))
    assert "A Title Cut Off Here" in error.message
    assert "abstract" in error.message


def test_a_title_followed_by_a_meta_block_has_no_abstract(tmp_path):
    papers = with_published(load_sample())[:3]
    blocks = sample_page_blocks()
    blocks.pop(-2)  # the last paper's abstract
    text = join_blocks(blocks)
    error = raises_at(tmp_path, text, line_number(text, papers[-1]["title"]))
    assert "abstract" in error.message


def test_a_dot_where_a_title_should_be(tmp_path):
    """A meta block that lost its byline: the "·" comes where the next title should."""
    blocks = sample_page_blocks()
    blocks[-4] = blocks[-4][1:]  # the middle paper's byline
    text = join_blocks(blocks)
    lines = text.splitlines()
    dots = [n for n, line in enumerate(lines, 1) if line == MIDDOT]
    lonely_dot = [n for n in dots if lines[n - 2] == ""]  # a "·" after a blank line
    assert len(dots) == 3 and len(lonely_dot) == 1
    error = raises_at(tmp_path, text, lonely_dot[0])
    assert "title" in error.message


def test_a_byline_where_a_title_should_be(tmp_path):
    blocks = sample_page_blocks()
    blocks.insert(-3, [f"  {BULLET} 977 authors"])  # before the last paper's title
    text = join_blocks(blocks)
    error = raises_at(tmp_path, text, line_number(text, f"{BULLET} 977 authors"))
    assert "title" in error.message


def test_a_paragraph_where_a_title_should_be(tmp_path):
    papers = with_published(load_sample())[:3]
    blocks = sample_page_blocks()
    long_abstract = "This abstract lost its title. " * 20
    blocks[-3] = [long_abstract.strip()]  # the last paper's title
    text = join_blocks(blocks)
    assert papers[-1]["title"] not in text
    error = raises_at(tmp_path, text, line_number(text, long_abstract))
    assert "title" in error.message


# -- links ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url, kind",
    [
        ("https://github.com/owner/repo", "code"),
        ("https://www.github.com/owner/repo/tree/main/sub", "code"),
        ("https://gitlab.com/group/project", "code"),
        ("https://bitbucket.org/team/repo", "code"),
        ("https://codeberg.org/someone/thing", "code"),
        ("https://huggingface.co/datasets/org/name", "data"),
        ("https://zenodo.org/records/123456", "data"),
        ("https://doi.org/10.5281/zenodo.16408441", "data"),
        ("https://huggingface.co/org/model-7b", "model"),
        ("https://owner.github.io/project/", "project"),
        ("http://example.org/paper", "project"),
    ],
)
def test_find_links_kinds(url, kind):
    assert find_links(f"We release everything at {url} today.") == {kind: url}


@pytest.mark.parametrize("tail", [".", ",", ";", ":", "!", "?", "...", ").", "),"])
def test_find_links_strips_trailing_punctuation(tail):
    url = "https://github.com/owner/repo"
    opening = "(" if tail.startswith(")") else ""
    assert find_links(f"Code: {opening}{url}{tail} More text.") == {"code": url}


def test_find_links_keeps_a_trailing_slash_and_the_path():
    url = "https://github.com/MoE-Inf/awesome-moe-inference/"
    assert find_links(f"A list is at {url}.") == {"code": url}


def test_find_links_keeps_every_link_of_a_kind():
    first_code, second_code = "https://github.com/a/first", "https://gitlab.com/b/second"
    data = "https://huggingface.co/datasets/c/set"
    model = "https://huggingface.co/c/model"
    site, other_site = "https://a.example.org/", "https://b.example.org/"
    abstract = (
        f"See {site} and {first_code}. The data: {data}, the model {model}; "
        f"also {second_code} and {other_site}, and {first_code} again."
    )
    links = find_links(abstract)
    assert links == {
        "project": site,
        "code": first_code,
        "data": data,
        "model": model,
        "code-2": second_code,
        "project-2": other_site,
    }
    assert list(links) == ["project", "code", "data", "model", "code-2", "project-2"]


def test_the_real_page_keeps_both_code_links_of_a_paper():
    """aiflows (a library) and cc_flows (the experiments) in one abstract of the seed page."""
    [paper] = [p for p in read(SEED_PAGE, AS_OF) if "cc_flows" in p.abstract]
    assert paper.links == {
        "code": "https://github.com/epfl-dlab/aiflows",
        "code-2": "https://github.com/epfl-dlab/cc_flows",
    }


def test_find_links_without_links():
    assert find_links("No links here, only github.com mentioned in passing.") == {}


# -- detect --------------------------------------------------------------------------------


def detect(path: Path) -> bool:
    head = path.read_bytes()[:8192].decode("utf-8", errors="replace")
    return HFPageText().detect(path, head)


def test_detect_a_page(tmp_path):
    path = tmp_path / "page.txt"
    path.write_text(render_page(load_sample(), AS_OF), encoding="utf-8")
    assert detect(path)


def test_detect_a_page_of_organisations_only(tmp_path):
    papers = [p for p in load_sample() if p["organisation"]]
    assert papers and all(p["published"] for p in papers)
    path = tmp_path / "page.txt"
    path.write_text(render_page(papers, AS_OF), encoding="utf-8")
    assert BULLET not in path.read_text(encoding="utf-8")
    assert detect(path)


def test_detect_the_seed_page(seed_page):
    assert detect(seed_page)


def test_detect_not_a_json_list(tmp_path):
    path = tmp_path / "papers.json"
    path.write_text(json.dumps(load_sample(), indent=2), encoding="utf-8")
    assert not detect(path)


def test_detect_not_random_text(tmp_path):
    path = tmp_path / "notes.txt"
    path.write_text(
        "Meeting notes\n\nWe talked about papers for an hour.\n"
        "Daily standup at ten.\n6 authors came along.\n",
        encoding="utf-8",
    )
    assert not detect(path)


def test_detect_not_a_page_header_alone(tmp_path):
    path = tmp_path / "header.txt"
    path.write_text(join_blocks([[line] for line in header_lines(AS_OF)]), encoding="utf-8")
    assert not detect(path)


# -- the helper itself writes what the real page has ---------------------------------------


def test_render_matches_the_seed_page_meta_lines(seed_page):
    """The rendered byline and date lines are the seed page's, line for line."""
    sample = load_sample()
    seed = [line for line in seed_page.read_text(encoding="utf-8").splitlines() if line.strip()]
    ours = [line for line in render_page(sample, AS_OF).splitlines() if line.strip()]
    assert len(ours) == len(seed)
    assert short_date(AS_OF) in seed[: len(header_lines(AS_OF))]
    for paper in sample:
        i, j = seed.index(paper["title"]), ours.index(paper["title"])
        if paper["published"]:
            theirs = [line.rstrip() for line in seed[i + 2 : i + 5]]
            assert ours[j + 3 : j + 5] == theirs[1:]
            if paper["organisation"]:  # the avatar's alt text is the handle, case and all
                assert ours[j + 2].split(None, 1)[1] == theirs[0].split(None, 1)[1]
            else:
                assert ours[j + 2] == theirs[0]
            assert ours[j + 2] == byline(paper)
            assert ours[j + 4] == date_text(
                date.fromisoformat(paper["published"]), AS_OF, paper["upvotes"]
            )


def test_a_singular_author_byline(tmp_path):
    record = {
        "id": "solo",
        "title": "Solo",
        "published": "2024-05-06",
        "author_count": 1,
        "organisation": None,
        "upvotes": 0,
        "links": {},
    }
    for shown in (f"  {BULLET} 1 author", f"  {BULLET} 1 authors"):
        blocks = page_blocks([record], AS_OF)
        blocks[-1][0] = shown
        [paper] = read_text(tmp_path, join_blocks(blocks))
        assert (paper.author_count, paper.organisation) == (1, None)


# -- pages saved by other editors ----------------------------------------------------------


def test_detect_a_page_with_windows_line_endings(tmp_path):
    path = tmp_path / "page.txt"
    path.write_bytes(render_page(load_sample()[:5], AS_OF).replace("\n", "\r\n").encode())
    assert detect(path)


def test_a_page_with_a_byte_order_mark_reads_the_same(tmp_path):
    sample = load_sample()[:5]
    text = render_page(sample, AS_OF)
    path = tmp_path / "page.txt"
    path.write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    papers = read(path, AS_OF)
    assert [p.id for p in papers] == [r["id"] for r in sample]
