"""The `csv` and `yaml` sources: tables of papers where only the title is required. Every
expectation is read off the fixture text it is checked against."""

from __future__ import annotations

import json
import sqlite3
from datetime import date
from pathlib import Path

import pytest

from hfpage import load_sample, render_page
from paperclub.default_plugins.tables import CSVTable, YAMLList
from paperclub.errors import PaperclubError
from paperclub.models import Paper
from paperclub.sources import SourceFile

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures" / "tables"
CSV, YAML = CSVTable(), YAMLList()


def fixture_text(name: str) -> str:
    return (FIXTURES / name).read_text(encoding="utf-8")


def line_of(text: str, needle: str) -> int:
    return next(n for n, line in enumerate(text.splitlines(), 1) if needle in line)


def read(source, path: Path) -> list[Paper | PaperclubError]:
    return list(source.read(SourceFile(path), None))


def papers(source, path: Path) -> list[Paper]:
    items = read(source, path)
    assert not [i for i in items if isinstance(i, PaperclubError)], items
    return items


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


# -- CSV ---------------------------------------------------------------------------------------


def test_csv_with_every_column():
    text = fixture_text("papers.csv")
    flash, lora, mamba, lstm = papers(CSV, FIXTURES / "papers.csv")
    # Header names in any case: "arXiv ID" is arxiv_id, "Organisation" is organisation.
    assert text.startswith("Title,arXiv ID,DOI,Authors,Published,Upvotes,URL,Code,PDF,")

    assert flash.title == (
        "FlashAttention: Fast and Memory-Efficient Exact Attention with IO-Awareness"
    )
    assert flash.id == "arxiv:2205.14135" and flash.arxiv_id == "2205.14135" and flash.doi is None
    assert flash.authors == (
        "Tri Dao",
        "Daniel Y. Fu",
        "Stefano Ermon",
        "Atri Rudra",
        "Christopher Ré",
    )
    assert flash.author_count == 5
    assert flash.published == date(2022, 5, 27) and flash.extra["date_precision"] == "day"
    assert flash.upvotes == 12
    assert flash.links == {
        "abs": "https://arxiv.org/abs/2205.14135",
        "code": "https://github.com/Dao-AILab/flash-attention",
        "pdf": "https://arxiv.org/pdf/2205.14135",
    }
    assert flash.keywords == ("attention", "IO-aware", "GPU")
    assert flash.topics == ("inference", "hardware")
    assert flash.organisation == "Stanford"
    assert '""FlashAttention""' in text  # a quoted quote
    assert flash.abstract.endswith(
        'We propose "FlashAttention", an IO-aware exact attention algorithm.'
    )
    assert flash.extra == {"date_precision": "day", "venue": "NeurIPS 2022"}  # Notes is empty

    # an arXiv reference with a version; "A and B" authors; a month; "a, b" keywords; an
    # abstract over two lines
    assert ",arXiv:2106.09685v2," in text
    assert lora.arxiv_id == "2106.09685"
    assert lora.authors == ("Edward J. Hu", "Yelong Shen", "Phillip Wallis")
    assert lora.published == date(2021, 6, 1) and lora.extra["date_precision"] == "month"
    assert lora.keywords == ("fine-tuning", "adapters")
    assert lora.abstract == (
        "We propose Low-Rank Adaptation, or LoRA, which freezes the "
        "pre-trained model weights and injects trainable rank decomposition "
        "matrices into each layer."
    )
    assert lora.upvotes is None and lora.links == {"abs": "https://arxiv.org/abs/2106.09685"}
    assert lora.extra == {"date_precision": "month", "notes": "read in March"}

    # the title alone
    assert mamba == Paper(
        id="mamba-linear-time-sequence-modeling-with-selective-state-spaces",
        title="Mamba: Linear-Time Sequence Modeling with Selective State Spaces",
    )

    # a DOI as a doi.org URL, a year
    assert lstm.doi == "10.1162/neco.1997.9.8.1735" and lstm.id == "doi:10.1162/neco.1997.9.8.1735"
    assert lstm.links == {"doi": "https://doi.org/10.1162/neco.1997.9.8.1735"}
    assert lstm.published == date(1997, 1, 1) and lstm.extra["date_precision"] == "year"
    assert lstm.authors == ("Sepp Hochreiter", "Jürgen Schmidhuber") and lstm.upvotes == 3


def test_csv_with_a_title_column_only():
    assert fixture_text("minimal.csv").splitlines()[0] == "title"
    first, second = papers(CSV, FIXTURES / "minimal.csv")
    assert first == Paper(id="attention-is-all-you-need", title="Attention is all you need")
    assert second.title == "Deep Residual Learning for Image Recognition"


def test_tsv_and_lower_case_aliases():
    text = fixture_text("papers.tsv")
    assert text.startswith("title\tauthors\tyear\tupvotes\tgithub\n")
    kool, ddpm = papers(CSV, FIXTURES / "papers.tsv")
    assert kool.title == "Attention, Learn to Solve Routing Problems!"  # a comma is no delimiter
    assert kool.authors == ("Wouter Kool", "Herke van Hoof", "Max Welling")
    assert kool.published == date(2018, 1, 1) and kool.upvotes == 7
    # a github column without https://
    assert kool.links == {"code": "https://github.com/wouterkool/attention-learn-to-route"}
    assert ddpm.authors == ("Jonathan Ho", "Ajay Jain", "Pieter Abbeel") and ddpm.upvotes is None
    assert ddpm.links == {}


def test_semicolon_delimited_csv():
    text = fixture_text("semicolon.csv")
    assert text.startswith("Title;Authors;Date;Upvotes;Tags\n")
    kool, chinchilla = papers(CSV, FIXTURES / "semicolon.csv")
    assert kool.title == "Attention, Learn to Solve Routing Problems!"
    assert kool.authors == ("Wouter Kool", "Herke van Hoof", "Max Welling")  # quoted "A; B"
    assert kool.published == date(2018, 3, 22)
    assert kool.keywords == ("routing", "reinforcement learning")  # Tags, comma-separated
    assert chinchilla.published == date(2022, 3, 1) and chinchilla.upvotes is None


def test_csv_errors_name_the_line_and_the_column():
    text = fixture_text("broken.csv")
    path = FIXTURES / "broken.csv"
    items = read(CSV, path)
    good = [i for i in items if isinstance(i, Paper)]
    errors = [i for i in items if isinstance(i, PaperclubError)]
    assert [p.title for p in good] == ["Good Paper One", "Good Paper Two"]
    assert all(e.path == str(path) for e in errors)
    assert [(e.line, e.message) for e in errors] == [
        (
            line_of(text, "Counted Wrongly"),
            "'Counted Wrongly': column 'upvotes': 'many' is not a whole number",
        ),
        (
            line_of(text, "Dated Wrongly"),
            "'Dated Wrongly': column 'published': '2024-13-01' is not a date "
            "(month must be in 1..12)",
        ),
        (line_of(text, ",3,2024-01-04,"), "no title (column 'title' is empty)"),
        (
            line_of(text, "Wrong Identifier"),
            "'Wrong Identifier': column 'arxiv_id': 'not-an-id' is not an arXiv id",
        ),
        (
            line_of(text, "Too Many"),
            "5 fields, but the header names 4 columns (a delimiter in an unquoted value?)",
        ),
    ]


def test_csv_lines_count_the_lines_of_quoted_newlines(tmp_path):
    text = (
        "title,abstract,upvotes\n"
        'Spread Out,"one\ntwo\nthree",1\n'
        "\n"
        "Counted Wrongly,short,lots\n"
        'Spread Wrongly,"four\nfive",lots\n'
    )
    items = read(CSV, write(tmp_path, "t.csv", text))
    assert items[0].abstract == "one two three"
    assert [e.line for e in items[1:]] == [6, 7]  # where each record starts
    assert items[1].line == line_of(text, "Counted Wrongly")
    assert items[2].line == line_of(text, "Spread Wrongly")


def test_csv_as_excel_saves_it(tmp_path):
    """A byte order mark, CRLF line ends, semicolons."""
    path = tmp_path / "excel.csv"
    path.write_bytes("\ufeffTitle;Upvotes\r\nA Paper;1\r\nAnother;\r\n".encode("utf-8"))
    first, second = papers(CSV, path)
    assert (first.title, first.upvotes) == ("A Paper", 1)
    assert (second.title, second.upvotes) == ("Another", None)  # an empty cell rates nothing


def test_csv_record_ids(tmp_path):
    text = (
        "id,title\n"
        "17,A Numbered Row\n"
        "10.1038/nature14539,Deep learning\n"
        "arxiv:1706.03762v7,Attention Is All You Need\n"
    )
    numbered, doi, arxiv = papers(CSV, write(tmp_path, "ids.csv", text))
    assert numbered.id == "a-numbered-row" and numbered.extra == {"id": "17"}
    assert doi.doi == "10.1038/nature14539" and doi.id == "doi:10.1038/nature14539"
    assert arxiv.arxiv_id == "1706.03762" and "id" not in arxiv.extra


@pytest.mark.parametrize(
    "column, value, message",
    [
        ("author_count", "three", "'three' is not a whole number"),
        ("upvotes", "-2", "'-2' is not a whole number"),
        ("year", "2024-02-30", "'2024-02-30' is not a date"),
        ("date", "March 2024", "'March 2024' is not a date such as 2024-03-01, 2024-03 or 2024"),
        ("doi", "none yet", "'none yet' is not a DOI"),
        ("url", "see the wiki", "'see the wiki' is not a URL"),
        ("code", "yes", "'yes' is not a URL"),
    ],
)
def test_csv_bad_values(tmp_path, column, value, message):
    text = f"title,{column}\nA Paper,{value}\n"
    [error] = read(CSV, write(tmp_path, "bad.csv", text))
    assert isinstance(error, PaperclubError)
    assert error.line == 2
    assert error.message.startswith(f"'A Paper': column '{column}': {message}")


def test_a_csv_without_a_title_column_cannot_be_read(tmp_path):
    path = write(tmp_path, "people.csv", "\nname,email\nAda,ada@example.org\n")
    with pytest.raises(PaperclubError, match=r"no title column .*name, email") as error:
        read(CSV, path)
    assert error.value.line == 2


def test_a_csv_with_a_column_twice_cannot_be_read(tmp_path):
    path = write(tmp_path, "twice.csv", "Title,Upvotes,upvotes\nX,1,2\n")
    with pytest.raises(PaperclubError, match=r"column 'upvotes' appears twice \(columns 2 and 3\)"):
        read(CSV, path)


def test_an_empty_csv_has_no_papers(tmp_path):
    assert read(CSV, write(tmp_path, "empty.csv", "\n\n")) == []
    assert read(CSV, write(tmp_path, "header.csv", "title,authors\n")) == []


# -- YAML --------------------------------------------------------------------------------------


def test_yaml_list():
    text = fixture_text("papers.yaml")
    ppo, atari, dqn = papers(YAML, FIXTURES / "papers.yaml")

    assert ppo.title == "Proximal Policy Optimization Algorithms"
    assert ppo.arxiv_id == "1707.06347" and ppo.id == "arxiv:1707.06347"
    assert ppo.authors == (
        "John Schulman",
        "Filip Wolski",
        "Prafulla Dhariwal",
        "Alec Radford",
        "Oleg Klimov",
    )
    assert ppo.author_count == 5
    assert ppo.published == date(2017, 7, 20) and ppo.upvotes == 21
    assert ppo.links == {
        "abs": "https://arxiv.org/abs/1707.06347",
        "code": "https://github.com/openai/baselines",
    }
    assert ppo.keywords == ("reinforcement learning", "policy gradient")
    assert ppo.topics == ("training",)
    assert ppo.organisation == "OpenAI"
    assert ppo.abstract == (
        "We propose a new family of policy gradient methods for reinforcement "
        "learning, which alternate between sampling data through interaction "
        "with the environment."
    )
    assert ppo.extra == {
        "date_precision": "day",
        "venue": "arXiv preprint",
        "suggested_by": "Alan Turing",
    }

    assert atari == Paper(
        id="playing-atari-with-deep-reinforcement-learning",
        title="Playing Atari with Deep Reinforcement Learning",
    )

    # keys in any case ("Author Count"), a year as a number, tags as "a; b", a PDF URL
    assert "  Author Count: 19\n" in text and "  Year: 2015\n" in text
    assert dqn.title == "Human-level control through deep reinforcement learning"
    assert dqn.doi == "10.1038/nature14236" and dqn.id == "doi:10.1038/nature14236"
    assert dqn.author_count == 19 and dqn.authors == ()
    assert dqn.published == date(2015, 1, 1) and dqn.extra == {"date_precision": "year"}
    assert dqn.keywords == ("deep Q-learning", "Atari")
    assert dqn.links == {
        "pdf": "https://www.nature.com/articles/nature14236.pdf",
        "doi": "https://doi.org/10.1038/nature14236",
    }


def test_yaml_mapping_with_papers():
    text = fixture_text("wrapped.yaml")
    assert "\npapers:\n" in text
    attention, mixtral = papers(YAML, FIXTURES / "wrapped.yaml")
    assert attention.id == "arxiv:1706.03762"  # id: arxiv:1706.03762
    assert mixtral.published == date(2024, 1, 1) and mixtral.extra == {"date_precision": "month"}
    assert mixtral.links == {"url": "https://mistral.ai/news/mixtral-of-experts/"}


def test_yaml_errors_name_the_line_and_the_key():
    text = fixture_text("broken.yaml")
    path = FIXTURES / "broken.yaml"
    items = read(YAML, path)
    good = [i for i in items if isinstance(i, Paper)]
    errors = [i for i in items if isinstance(i, PaperclubError)]
    assert [p.title for p in good] == ["A Good Paper", "Another Good Paper"]
    assert all(e.path == str(path) for e in errors)
    assert [(e.line, e.message) for e in errors] == [
        # the line of the bad key, not of its paper
        (
            line_of(text, "upvotes: many"),
            "paper #2: 'Counted Wrongly': key 'upvotes': 'many' is not a whole number",
        ),
        (
            line_of(text, "published: 2024-13-01"),
            "paper #3: 'Dated Wrongly': key 'published': '2024-13-01' is not a date "
            "(month must be in 1..12)",
        ),
        (line_of(text, "- authors: [Nobody Known]"), "paper #4: no title"),
        (line_of(text, "- Just a title"), "paper #5 is text, not a mapping with a title"),
        (line_of(text, "- title: [A, List]"), "paper #6: key 'title': expected text, found a list"),
    ]


@pytest.mark.parametrize(
    "text, message",
    [
        ("just some text\n", "expected a list of papers, found text"),
        ("name: Ada\n", "expected a list of papers, found a mapping without `papers:`"),
        ("papers: none\n", "`papers:` is not a list"),
        ("- title: [unclosed\n", "not valid YAML"),
    ],
)
def test_yaml_that_is_no_list_of_papers(tmp_path, text, message):
    with pytest.raises(PaperclubError, match=message.replace("(", r"\(").replace(")", r"\)")):
        read(YAML, write(tmp_path, "x.yaml", text))


def test_a_group_config_is_not_read_as_papers(tmp_path):
    path = write(tmp_path, "ml-systems.yaml", (ROOT / "schedules" / "ml-systems.yaml").read_text())
    with pytest.raises(PaperclubError, match="found a group config"):
        read(YAML, path)


def test_yaml_keys_that_clash_in_case(tmp_path):
    text = "- title: A\n  Upvotes: 1\n  upvotes: 2\n"
    [error] = read(YAML, write(tmp_path, "x.yaml", text))
    assert isinstance(error, PaperclubError) and error.line == 3
    assert "'Upvotes'" in error.message and "'upvotes'" in error.message


# -- detect ------------------------------------------------------------------------------------

PLAN = """\
# The plan of ML Systems Reading Group, written by `paperclub plan`.
group: ML Systems Reading Group
slug: ml-systems
sessions:
- id: s1
  papers:
  - paper_id: arxiv:1706.03762
    title: Attention Is All You Need
"""


@pytest.mark.parametrize(
    "name", ["papers.csv", "papers.tsv", "semicolon.csv", "minimal.csv", "broken.csv"]
)
def test_csv_detects_its_fixtures(name):
    assert CSV.detect(Path(name), fixture_text(name)[:8192])
    assert not YAML.detect(Path(name), fixture_text(name)[:8192])


@pytest.mark.parametrize(
    "name, head, expected",
    [
        ("list.txt", "Title,Authors,Year\nX,Y,2020\n", True),  # a header with a title column
        ("list.txt", "\ntitle;upvotes\nX;1\n", True),
        ("list.txt", "TITLE\tarxiv_id\n", True),
        ("anything.CSV", "", True),  # the suffix is enough
        ("list.txt", "title\nX\n", False),  # one column: could be any text
        ("notes.txt", "Title, Abstract, and Beyond\nA paper about titles.\n", False),
        ("page.txt", render_page(load_sample()[:3], date(2025, 11, 25)), False),
        ("papers.json", json.dumps(load_sample()[:3]), False),
        ("papers.json", json.dumps(load_sample()[:3], indent=2), False),
        ("refs.bib", "@article{x,\n  title = {A, B},\n}\n", False),
        ("papers.yaml", fixture_text("papers.yaml"), False),
    ],
)
def test_csv_detect(name, head, expected):
    assert CSV.detect(Path(name), head) is expected


@pytest.mark.parametrize(
    "name, head, expected",
    [
        ("papers.yaml", fixture_text("papers.yaml"), True),
        ("wrapped.yml", fixture_text("wrapped.yaml"), True),
        ("broken.yaml", fixture_text("broken.yaml"), True),
        ("flow.yaml", '[{"title": "A"}, {"title": "B"}]', True),
        # a group config, a plan file, other YAML
        ("ml-systems.yaml", (ROOT / "schedules" / "ml-systems.yaml").read_text(), False),
        ("ml-systems.plan.yaml", PLAN, False),
        (
            "inline.yaml",
            "group: {name: G}\nmeetings: {start: 2026-12-03}\npapers:\n  - title: A\n",
            False,
        ),
        ("people.yaml", "- name: Ada\n- name: Alan\n", False),
        ("config.yaml", "title: My Settings\ncolour: blue\n", False),
        # the right content without the suffix
        ("papers.txt", fixture_text("papers.yaml"), False),
        ("papers.json", json.dumps(load_sample()[:3], indent=2), False),
    ],
)
def test_yaml_detect(name, head, expected):
    assert YAML.detect(Path(name), head) is expected


# -- through the command line --------------------------------------------------------------


def papers_json(run) -> list[dict]:
    result = run("papers", "--json")
    assert result.exit_code == 0, result
    return json.loads(result.stdout)


def catalog(workspace: Path) -> tuple[list, list]:
    db = sqlite3.connect(workspace / "catalog.sqlite")
    try:
        return (
            db.execute("SELECT * FROM papers ORDER BY id").fetchall(),
            db.execute("SELECT * FROM imports ORDER BY source").fetchall(),
        )
    finally:
        db.close()


def test_import_csv_tsv_and_yaml(run, workspace):
    files = [
        str(FIXTURES / n)
        for n in ("papers.csv", "papers.tsv", "semicolon.csv", "papers.yaml", "wrapped.yaml")
    ]
    result = run("import", *files, "--json")
    assert result.exit_code == 0, result
    summaries = json.loads(result.stdout)
    assert [s["source"] for s in summaries] == [
        "csv:papers.csv",
        "csv:papers.tsv",
        "csv:semicolon.csv",
        "yaml:papers.yaml",
        "yaml:wrapped.yaml",
    ]
    assert [s["papers"] for s in summaries] == [4, 2, 2, 3, 2]
    listed = {p["title"]: p for p in papers_json(run)}
    # the routing paper is in the TSV and in the semicolon CSV: one row, both sources
    routing = listed["Attention, Learn to Solve Routing Problems!"]
    assert routing["sources"] == ["csv:papers.tsv", "csv:semicolon.csv"]
    assert routing["published"] == "2018-03-22"  # the exact date beats the TSV's year
    assert routing["links"] == {"code": "https://github.com/wouterkool/attention-learn-to-route"}
    assert routing["keywords"] == ["routing", "reinforcement learning"]
    assert len(listed) == 4 + 2 + 1 + 3 + 2


def test_import_stops_at_a_bad_row(run, workspace):
    text = fixture_text("broken.csv")
    result = run("import", str(FIXTURES / "broken.csv"))
    assert result.exit_code == 1, result
    assert (
        f"broken.csv:{line_of(text, 'Counted Wrongly')}: 'Counted Wrongly': column 'upvotes'"
        in result.stderr
    )
    assert "Traceback" not in result.stderr
    assert not (workspace / "catalog.sqlite").exists()


def test_import_stops_at_a_bad_yaml_item(run, workspace):
    text = fixture_text("broken.yaml")
    result = run("import", str(FIXTURES / "broken.yaml"))
    assert result.exit_code == 1, result
    assert f"broken.yaml:{line_of(text, 'upvotes: many')}: paper #2" in result.stderr


def test_import_skip_invalid(run, workspace):
    result = run(
        "import", str(FIXTURES / "broken.csv"), str(FIXTURES / "broken.yaml"), "--skip-invalid"
    )
    assert result.exit_code == 0, result
    assert "csv:broken.csv: skipped 5 invalid records" in result.stderr
    assert "yaml:broken.yaml: skipped 5 invalid records" in result.stderr
    assert sorted(p["title"] for p in papers_json(run)) == [
        "A Good Paper",
        "Another Good Paper",
        "Good Paper One",
        "Good Paper Two",
    ]


def test_a_group_config_is_not_imported(run, workspace, schedule):
    result = run("import", str(schedule))
    assert result.exit_code == 1, result
    assert "cannot tell the format" in result.stderr
    forced = run("import", str(schedule), "--format", "yaml")
    assert forced.exit_code == 1, forced
    assert "group config" in forced.stderr


def test_importing_again_changes_nothing(run, workspace, tmp_path):
    csv = tmp_path / "list.csv"
    csv.write_text(fixture_text("papers.csv"), encoding="utf-8")
    files = [str(csv), str(FIXTURES / "papers.yaml")]
    assert run("import", *files).exit_code == 0
    before = catalog(workspace)
    assert run("import", *files).exit_code == 0
    assert catalog(workspace) == before
    # a changed file is read again; the same rows give the same papers
    csv.write_text(fixture_text("papers.csv").replace("\n", "\r\n"), encoding="utf-8")
    result = run("import", str(csv), "--json")
    assert result.exit_code == 0, result
    [summary] = json.loads(result.stdout)
    assert summary["papers"] == 4 and summary["added"] == summary["updated"] == 0
    assert catalog(workspace)[0] == before[0]
