"""The `bibtex` source: exports of Zotero, Better BibTeX, Mendeley and Google Scholar, and a
file kept by hand. Every expectation is read off the fixture text it is checked against."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from hfpage import load_sample, render_page
from paperclub.default_plugins.bibtex import BibTeX
from paperclub.errors import PaperclubError
from paperclub.models import Paper
from paperclub.sources import SourceFile

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "bibtex"
TABLES = Path(__file__).resolve().parent / "fixtures" / "tables"
SOURCE = BibTeX()


def fixture_text(name: str) -> str:
    return (FIXTURES / name).read_text(encoding="utf-8")


def line_of(text: str, needle: str) -> int:
    """The line (from 1) of the first line of `text` containing `needle`."""
    return next(n for n, line in enumerate(text.splitlines(), 1) if needle in line)


def read(path: Path) -> list[Paper | PaperclubError]:
    return list(SOURCE.read(SourceFile(path), None))


def by_key(name: str) -> dict[str, Paper]:
    items = read(FIXTURES / name)
    assert not [i for i in items if isinstance(i, PaperclubError)], items
    return {p.extra["bibtex_key"]: p for p in items}


def one(tmp_path: Path, text: str) -> Paper | PaperclubError:
    path = tmp_path / "one.bib"
    path.write_text(text, encoding="utf-8")
    [item] = read(path)
    return item


def entry(**fields: str) -> str:
    body = "".join(f"  {k} = {{{v}}},\n" for k, v in fields.items())
    return f"@misc{{one2024,\n{body}}}\n"


# -- the exports ---------------------------------------------------------------------------


def test_zotero_export():
    text = fixture_text("zotero.bib")
    papers = by_key("zotero.bib")
    assert list(papers) == ["vaswani_attention_2017", "devlin_bert_2019", "cho_learning_2014"]

    # @article, `journal = {arXiv:1706.03762 [cs]}`, `month = jun`, a local PDF in `file`
    p = papers["vaswani_attention_2017"]
    assert "title = {Attention {Is} {All} {You} {Need}}" in text
    assert p.title == "Attention Is All You Need"
    assert p.id == "arxiv:1706.03762" and p.arxiv_id == "1706.03762"
    assert p.doi is None
    assert p.extra["bibtex_type"] == "article"
    assert p.published == date(2017, 6, 1) and p.extra["date_precision"] == "month"
    assert "Kaiser, {\\L}ukasz" in text
    assert p.authors == (
        "Ashish Vaswani",
        "Noam Shazeer",
        "Niki Parmar",
        "Jakob Uszkoreit",
        "Llion Jones",
        "Aidan N. Gomez",
        "Łukasz Kaiser",
        "Illia Polosukhin",
    )
    assert p.author_count == 8
    assert p.abstract.startswith("The dominant sequence transduction models are based on")
    assert p.abstract.endswith("dispensing with recurrence and convolutions entirely.")
    assert p.keywords == (
        "Computer Science - Computation and Language",
        "Computer Science - Machine Learning",
    )
    # the url is arXiv's abstract page; the PDF in `file` is on Ada's disk, so no pdf link
    assert p.links == {"abs": "http://arxiv.org/abs/1706.03762"}
    assert p.extra["journal"] == "arXiv:1706.03762 [cs]"
    assert p.extra["note"] == "arXiv: 1706.03762"
    assert p.upvotes is None and p.topics == () and p.organisation is None

    # @misc as Zotero 6 writes preprints: an arXiv DOI, `note`, a PDF URL with `\:` in `file`
    p = papers["devlin_bert_2019"]
    assert p.title == (
        "BERT: Pre-training of Deep Bidirectional Transformers for Language Understanding"
    )
    assert p.arxiv_id == "1810.04805"
    assert p.doi == "10.48550/arxiv.1810.04805"  # DOIs ignore case; ids.doi lower-cases
    assert p.published == date(2019, 5, 1)
    assert "file = {Full Text PDF:https\\://arxiv.org/pdf/1810.04805v2:application/pdf}" in text
    assert p.links == {
        "abs": "http://arxiv.org/abs/1810.04805",
        "pdf": "https://arxiv.org/pdf/1810.04805v2",
        "doi": "https://doi.org/10.48550/arxiv.1810.04805",
    }
    assert p.extra["publisher"] == "arXiv"
    assert p.extra["note"] == "arXiv:1810.04805 [cs]"
    assert p.author_count == 4

    # @inproceedings: accents, a von part, an en dash, a DOI and no arXiv id
    p = papers["cho_learning_2014"]
    assert "{Encoder}{\\textendash}{Decoder}" in text
    assert p.title == (
        "Learning Phrase Representations using RNN Encoder–Decoder for "
        "Statistical Machine Translation"
    )
    assert 'van Merri{\\"e}nboer, Bart and G{\\"u}l{\\c c}ehre, {\\c C}a{\\u g}lar' in text
    assert p.authors == (
        "Kyunghyun Cho",
        "Bart van Merriënboer",
        "Çağlar Gülçehre",
        "Dzmitry Bahdanau",
        "Fethi Bougares",
        "Holger Schwenk",
        "Yoshua Bengio",
    )
    assert p.arxiv_id is None and p.doi == "10.3115/v1/d14-1179"
    assert p.id == "doi:10.3115/v1/d14-1179"
    assert p.links == {
        "url": "https://aclanthology.org/D14-1179",
        "doi": "https://doi.org/10.3115/v1/d14-1179",
    }
    assert p.published == date(2014, 10, 1)
    assert p.extra == {
        "bibtex_key": "cho_learning_2014",
        "bibtex_type": "inproceedings",
        "date_precision": "month",
        "booktitle": "Proceedings of the 2014 Conference on Empirical Methods in Natural "
        "Language Processing (EMNLP)",
        "publisher": "Association for Computational Linguistics",
        "pages": "1724–1734",  # `--` is an en dash in LaTeX
    }
    assert p.abstract == "" and p.keywords == ()


def test_better_biblatex_export():
    text = fixture_text("betterbiblatex.bib")
    papers = by_key("betterbiblatex.bib")

    p = papers["vaswaniAttentionAllYou2017"]
    assert "eprint = {1706.03762},\n  eprinttype = {arXiv}," in text
    assert p.arxiv_id == "1706.03762" and p.id == "arxiv:1706.03762"
    assert p.title == "Attention Is All You Need"  # from `Attention {{Is All You Need}}`
    assert p.published == date(2017, 6, 12) and p.extra["date_precision"] == "day"
    assert p.extra["bibtex_type"] == "online"
    assert p.keywords == (
        "Computer Science - Computation and Language",
        "Computer Science - Machine Learning",
    )
    assert p.links == {"abs": "http://arxiv.org/abs/1706.03762"}  # `file` is a local path
    assert "Lukasz Kaiser" in p.authors

    p = papers["hochreiterLongShortTermMemory1997"]
    assert p.title == "Long Short-Term Memory"
    assert p.authors == ("Sepp Hochreiter", "Jürgen Schmidhuber")
    assert p.published == date(1997, 11, 1) and p.extra["date_precision"] == "month"
    assert p.doi == "10.1162/neco.1997.9.8.1735" and p.arxiv_id is None
    assert p.links == {"doi": "https://doi.org/10.1162/neco.1997.9.8.1735"}
    assert p.extra["journal"] == "Neural Computation"  # biblatex's journaltitle
    assert p.extra["volume"] == "9" and p.extra["pages"] == "1735–1780"


def test_better_bibtex_export():
    text = fixture_text("betterbibtex.bib")
    [p] = by_key("betterbibtex.bib").values()
    assert "eprint = {2001.08361}" in text and "archiveprefix = {arXiv}" in text
    assert p.arxiv_id == "2001.08361"
    assert p.title == "Scaling Laws for Neural Language Models"
    assert p.published == date(2020, 1, 1) and p.extra["date_precision"] == "month"  # month = jan
    assert p.author_count == 10 and p.authors[3] == "Tom B. Brown"
    assert p.keywords == ("Computer Science - Machine Learning", "Statistics - Machine Learning")
    # `file` holds a PDF URL (with Zotero's `\:`) and a local snapshot: only the URL counts
    assert p.links["pdf"] == "https://arxiv.org/pdf/2001.08361v1"
    assert p.links["abs"] == "https://arxiv.org/abs/2001.08361"
    assert p.doi == "10.48550/arxiv.2001.08361"


def test_mendeley_export():
    text = fixture_text("mendeley.bib")
    papers = by_key("mendeley.bib")
    assert list(papers) == ["Vaswani2017", "Kingma2015"]  # the header lines are comments

    p = papers["Vaswani2017"]
    assert "archivePrefix = {arXiv},\narxivId = {1706.03762}," in text
    assert p.arxiv_id == "1706.03762"
    assert p.title == "Attention is all you need"  # `{{Attention is all you need}}`
    assert p.published == date(2017, 1, 1) and p.extra["date_precision"] == "year"
    # keywords = {attention,transformer} and mendeley-tags = {transformer,to-read}
    assert p.keywords == ("attention", "transformer", "to-read")
    # Mendeley writes `{\_}` in URLs; `file` is a local path
    assert "paper{\\_}files" in text
    assert p.links == {
        "url": "https://papers.nips.cc/paper_files/paper/2017/hash/"
        "3f5ee243547dee91fbd053c1c4a845aa-Abstract.html",
        "abs": "https://arxiv.org/abs/1706.03762",
    }
    assert p.extra["journal"] == "Advances in Neural Information Processing Systems"
    assert p.extra["volume"] == "2017-Decem"
    assert p.extra["pages"] == "5999–6009"
    assert "mendeley-groups" not in p.extra and "issn" not in p.extra

    p = papers["Kingma2015"]
    assert p.arxiv_id == "1412.6980"
    assert p.title == "Adam: A method for stochastic optimization"
    assert p.published == date(2014, 12, 1)  # month = {dec}
    assert p.authors == ("Diederik P. Kingma", "Jimmy Lei Ba")
    assert p.extra["booktitle"] == (
        "3rd International Conference on Learning Representations, ICLR 2015"
    )


def test_a_file_kept_by_hand():
    text = fixture_text("handwritten.bib")
    papers = by_key("handwritten.bib")
    # @preamble, @string and @comment blocks are no papers, and no errors either
    assert text.count("@comment") == 1 and text.count("@preamble") == 1
    assert list(papers) == [
        "brown2020language",
        "lewis2017deal",
        "Leclerc2023Ffcv",
        "gauss2019stra",
    ]

    p = papers["brown2020language"]
    assert "booktitle = neurips," in text  # a @string macro
    assert p.extra["booktitle"] == "Advances in Neural Information Processing Systems"
    assert "Ryder, Nick and others}" in text
    assert p.authors == ("Tom Brown", "Benjamin Mann", "Nick Ryder")
    assert p.author_count is None  # "and others": how many is not known
    assert p.published == date(2020, 12, 1)  # month = dec
    assert p.keywords == ("language models", "few-shot", "in-context learning")  # semicolons
    assert p.links == {
        "url": "https://proceedings.neurips.cc/paper/2020/hash/"
        "1457c0d6bfcb4967418bfb8ac142f64a-Abstract.html"
    }
    assert p.arxiv_id is None and p.doi is None and p.id == "language-models-are-few-shot-learners"

    p = papers["lewis2017deal"]  # as Google Scholar exports it
    assert "journal={arXiv preprint arXiv:1706.05125}" in text
    assert p.arxiv_id == "1706.05125"
    assert p.published == date(2017, 1, 1) and p.extra["date_precision"] == "year"
    assert p.authors[2] == "Yann N Dauphin"

    p = papers["Leclerc2023Ffcv"]  # field names in capitals, a numeric month
    assert "Month     = {6}," in text
    assert p.title == "FFCV: Accelerating Training by Removing Data Bottlenecks"
    assert p.published == date(2023, 6, 1)
    assert p.authors[-1] == "Aleksander Mądry"  # M\k{a}dry
    assert p.extra["bibtex_type"] == "inproceedings"  # @InProceedings
    assert p.extra["note"] == "Code: https://github.com/libffcv/ffcv"

    p = papers["gauss2019stra"]
    assert p.title == "Straßenverkehr, Garçons and Cafés: Öffentliche Räume im Maßstab 1:1"
    assert p.authors == ("Françoise Gauß", "Jérôme Müller-Schlößer")
    assert p.extra["booktitle"] == "International Conference on Machine Learning"  # @String{ICML
    assert p.published == date(2019, 1, 1)  # year = 2019, month = {January}
    assert p.extra["date_precision"] == "month"
    assert p.abstract == "Accents in every form: ö, ö, é, ß, ç; 50% of the whitespace is collapsed."


def test_bare_percent_and_ampersand_are_text(tmp_path):
    """LaTeX would take `%` for a comment and `&` for a table cell; exports mean the signs."""
    p = one(tmp_path, entry(title="Q&A for {BERT}", abstract="50% of it, and 10\\% more."))
    assert p.title == "Q&A for BERT"
    assert p.abstract == "50% of it, and 10% more."


def test_an_entry_with_a_title_only(tmp_path):
    p = one(tmp_path, "@misc{bare,\n  title = {Just {A} Title},\n}\n")
    assert p == Paper(
        id="just-a-title", title="Just A Title", extra={"bibtex_key": "bare", "bibtex_type": "misc"}
    )


# -- identifiers, dates, links ---------------------------------------------------------------


@pytest.mark.parametrize(
    "fields, expected",
    [
        ({"eprint": "1706.05125", "eprinttype": "arxiv"}, "1706.05125"),
        ({"eprint": "1706.05125v3", "archivePrefix": "arXiv"}, "1706.05125"),
        ({"eprint": "cond-mat/0603029", "archiveprefix": "arXiv"}, "cond-mat/0603029"),
        ({"arxivId": "1706.05125"}, "1706.05125"),
        ({"journal": "arXiv:1706.05125 [cs]"}, "1706.05125"),
        ({"journal": "arXiv preprint arXiv:1706.05125"}, "1706.05125"),
        ({"note": "arXiv: 1706.05125"}, "1706.05125"),
        ({"url": "https://arxiv.org/abs/1706.05125v2"}, "1706.05125"),
        ({"doi": "10.48550/arXiv.1706.05125"}, "1706.05125"),
        # not arXiv: another eprint archive, a journal's own numbers, another site's /abs/ URL
        ({"eprint": "1706.05125", "eprinttype": "jstor"}, None),
        ({"eprint": "1706.05125"}, None),
        ({"journal": "Nature", "volume": "1706.05125"}, None),
        ({"url": "https://example.org/abs/1706.05125"}, None),
    ],
)
def test_where_the_arxiv_id_is_found(tmp_path, fields, expected):
    p = one(tmp_path, entry(title="A Paper", **fields))
    assert p.arxiv_id == expected
    assert p.id == (f"arxiv:{expected}" if expected else "a-paper")
    if expected:
        assert expected in p.links["abs"]


def test_a_doi_from_a_doi_url(tmp_path):
    p = one(tmp_path, entry(title="ImageNet Classification", url="https://doi.org/10.1145/3065386"))
    assert p.doi == "10.1145/3065386" and p.id == "doi:10.1145/3065386"
    assert p.links == {"doi": "https://doi.org/10.1145/3065386"}


@pytest.mark.parametrize(
    "fields, published, precision",
    [
        ({"date": "2017-06-12"}, date(2017, 6, 12), "day"),
        ({"date": "2017-06"}, date(2017, 6, 1), "month"),
        ({"date": "2017"}, date(2017, 1, 1), "year"),
        ({"date": "2017-06-12/2017-06-14"}, date(2017, 6, 12), "day"),
        ({"year": "2017"}, date(2017, 1, 1), "year"),
        ({"year": "2017", "month": "1"}, date(2017, 1, 1), "month"),
        ({"year": "2017", "month": "09"}, date(2017, 9, 1), "month"),
        ({"year": "2017", "month": "January"}, date(2017, 1, 1), "month"),
        ({"year": "2017", "month": "Sept."}, date(2017, 9, 1), "month"),
        ({"date": "2018-02-03", "year": "2017"}, date(2018, 2, 3), "day"),  # date wins
    ],
)
def test_dates(tmp_path, fields, published, precision):
    p = one(tmp_path, entry(title="A Paper", **fields))
    assert p.published == published and p.extra["date_precision"] == precision


@pytest.mark.parametrize("macro, month", [("jan", 1), ("feb", 2), ("aug", 8), ("dec", 12)])
def test_month_macros(tmp_path, macro, month):
    p = one(tmp_path, f"@article{{m,\n  title = {{T}},\n  year = 2020,\n  month = {macro},\n}}\n")
    assert p.published == date(2020, month, 1)


@pytest.mark.parametrize(
    "field, value, message",
    [
        ("date", "2024-13-01", "date: '2024-13-01' is not a date"),
        ("date", "last spring", "date: 'last spring' is not a date"),
        ("year", "MMXVII", "year: 'MMXVII' is not a year"),
        ("month", "Smarch", "month: 'Smarch' is not a month"),
    ],
)
def test_bad_dates_name_the_entry_and_the_field_line(tmp_path, field, value, message):
    fields = {"title": "A Paper", field: value}
    if field == "month":
        fields["year"] = "2020"
    text = entry(**fields)
    error = one(tmp_path, text)
    assert isinstance(error, PaperclubError)
    assert error.message.startswith(f"entry one2024: {message}")
    assert error.line == line_of(text, f"{field} = ")
    assert error.path == str(tmp_path / "one.bib")


@pytest.mark.parametrize(
    "file_field, pdf",
    [
        (
            "Full Text PDF:https\\://arxiv.org/pdf/1706.03762v5:application/pdf",
            "https://arxiv.org/pdf/1706.03762v5",
        ),
        ("arXiv.org Snapshot:https\\://arxiv.org/abs/1706.03762:text/html", None),
        (
            "Snapshot:/home/ada/snap.html:text/html;PDF:https\\://example.org/a.pdf:application/pdf",
            "https://example.org/a.pdf",
        ),
        (":home/ada/Documents/Mendeley Desktop/paper.pdf:pdf", None),
        ("/home/ada/Zotero/storage/ABCD/paper.pdf", None),
        ("C\\:\\\\Users\\\\ada\\\\paper.pdf:PDF", None),
        ("https://example.org/papers/x.pdf", "https://example.org/papers/x.pdf"),
    ],
)
def test_a_pdf_link_only_from_a_url_in_file(tmp_path, file_field, pdf):
    p = one(tmp_path, entry(title="A Paper", file=file_field))
    assert p.links.get("pdf") == pdf


# -- errors ------------------------------------------------------------------------------------


def test_errors_name_the_file_the_line_and_the_entry():
    text = fixture_text("broken.bib")
    path = FIXTURES / "broken.bib"
    items = read(path)
    papers = [i for i in items if isinstance(i, Paper)]
    errors = [i for i in items if isinstance(i, PaperclubError)]
    # the valid entries around the bad ones are read: one before them, one after
    assert [p.extra["bibtex_key"] for p in papers] == ["good2014", "kingma2013auto"]
    assert papers[0].title == "Generative Adversarial Nets"  # the first good2014
    assert all(e.path == str(path) for e in errors)
    first_good = line_of(text, "@article{good2014,")
    second_good = next(
        n
        for n, line in enumerate(text.splitlines(), 1)
        if line == "@article{good2014," and n != first_good
    )
    expected = [
        (line_of(text, "@article{vaswani2017,"), "entry vaswani2017: no title"),
        (
            second_good,
            f"entry good2014: the key is used twice, on lines {first_good} and {second_good}",
        ),
        (line_of(text, "month = {Smarch}"), "entry badmonth2021: month: 'Smarch' is not a month"),
        (
            line_of(text, "date = {2024-13-01}"),
            "entry baddate2021: date: '2024-13-01' is not a date",
        ),
        (line_of(text, "@article{unclosed2019,"), "entry unclosed2019: cannot parse the entry"),
        (
            line_of(text, "@article{badname2022,"),
            "entry badname2022: cannot read the name 'Doe, Jr., John, Extra': too many commas",
        ),
        (
            line_of(text, "@article{twotitles2018,"),
            "entry twotitles2018: title given more than once",
        ),
    ]
    assert [(e.line, e.message[: len(m)]) for e, (_, m) in zip(errors, expected)] == expected
    assert len(errors) == len(expected)
    # in the order of the file, errors and papers mixed
    assert [i.line if isinstance(i, PaperclubError) else i.extra["bibtex_key"] for i in items][
        :2
    ] == ["good2014", expected[0][0]]


def test_a_file_that_is_not_utf8(tmp_path):
    path = tmp_path / "latin1.bib"
    path.write_bytes("@misc{x, title = {Caf\u00e9}}\n".encode("latin-1"))
    with pytest.raises(PaperclubError, match="not UTF-8"):
        read(path)


def test_without_bibtexparser_the_error_says_what_to_install(monkeypatch, run, workspace):
    monkeypatch.setitem(sys.modules, "bibtexparser", None)  # `import bibtexparser` fails
    with pytest.raises(PaperclubError, match=r"pip install 'paperclub\[bibtex\]'"):
        read(FIXTURES / "zotero.bib")
    result = run("import", str(FIXTURES / "zotero.bib"))
    assert result.exit_code == 1, result
    assert "pip install 'paperclub[bibtex]'" in result.stderr
    assert "Traceback" not in result.stderr


# -- detect ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name, head",
    [
        ("refs.bib", ""),  # the suffix is enough
        ("refs.txt", "@article{vaswani2017,\n  title = {Attention},\n}\n"),
        ("refs.txt", "% exported\n\n  @InProceedings{Leclerc2023Ffcv,\n  Title = {FFCV}}"),
        ("refs.txt", "@misc(key:with-colons_2024,\n title = {X})"),
        ("refs", "@string{neurips = {NeurIPS}}\n"),
    ],
)
def test_detects_bibtex(name, head):
    assert SOURCE.detect(Path(name), head)


def test_detects_the_fixtures():
    for path in FIXTURES.glob("*.bib"):
        assert SOURCE.detect(path.with_suffix(".txt"), path.read_text(encoding="utf-8")[:8192])


@pytest.mark.parametrize(
    "name, head",
    [
        ("page.txt", render_page(load_sample()[:3], date(2025, 11, 25))),
        ("papers.json", json.dumps(load_sample()[:3], indent=2)),
        (
            "ml-systems.yaml",
            (Path(__file__).resolve().parent.parent / "schedules" / "ml-systems.yaml").read_text(),
        ),
        ("papers.csv", (TABLES / "papers.csv").read_text(encoding="utf-8")),
        ("papers.yaml", (TABLES / "papers.yaml").read_text(encoding="utf-8")),
        ("page.html", "<html><style>\n@media (max-width: 600px) {\n body {}\n}\n</style></html>"),
        ("style.txt", "@media (max-width: 600px) {\n  body { margin: 0 }\n}\n"),
        ("plugin.py", "@hookimpl(trylast=True)\ndef paperclub_register_sources(register): ...\n"),
        ("notes.txt", "Ask @alice about the paper {Attention}, and @bob too.\n"),
        ("quoted.json", '[{"abstract": "\\n@article{x,\\n"}]'),
    ],
)
def test_does_not_claim_other_files(name, head):
    assert not SOURCE.detect(Path(name), head)


# -- through the command line --------------------------------------------------------------


def papers_json(run, *args: str) -> list[dict]:
    result = run("papers", "--json", *args)
    assert result.exit_code == 0, result
    return json.loads(result.stdout)


def catalog_rows(workspace: Path) -> list[tuple]:
    db = sqlite3.connect(workspace / "catalog.sqlite")
    try:
        return db.execute("SELECT * FROM papers ORDER BY id").fetchall()
    finally:
        db.close()


def test_import_stops_at_a_bad_entry(run, workspace):
    text = fixture_text("broken.bib")
    result = run("import", str(FIXTURES / "broken.bib"))
    assert result.exit_code == 1, result
    line = line_of(text, "@article{vaswani2017,")
    assert f"broken.bib:{line}: entry vaswani2017: no title" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (workspace / "catalog.sqlite").exists()


def test_import_skip_invalid_keeps_the_good_entries(run, workspace):
    text = fixture_text("broken.bib")
    result = run("import", str(FIXTURES / "broken.bib"), "--skip-invalid")
    assert result.exit_code == 0, result
    assert "skipped 7 invalid records" in result.stderr
    assert f"broken.bib:{line_of(text, 'month = {Smarch}')}: entry badmonth2021" in result.stderr
    listed = papers_json(run)
    assert sorted(p["id"] for p in listed) == ["arxiv:1312.6114", "arxiv:1406.2661"]
    assert all(p["sources"] == ["bibtex:broken.bib"] for p in listed)


def test_three_exports_of_one_paper_are_one_row(run, workspace):
    files = [str(FIXTURES / n) for n in ("zotero.bib", "betterbiblatex.bib", "mendeley.bib")]
    result = run("import", *files)
    assert result.exit_code == 0, result
    listed = {p["id"]: p for p in papers_json(run)}
    # zotero: 3 papers, betterbiblatex: Vaswani again and LSTM, mendeley: Vaswani again and Adam
    assert sorted(listed) == [
        "arxiv:1412.6980",
        "arxiv:1706.03762",
        "arxiv:1810.04805",
        "doi:10.1162/neco.1997.9.8.1735",
        "doi:10.3115/v1/d14-1179",
    ]
    vaswani = listed["arxiv:1706.03762"]
    assert vaswani["sources"] == [
        "bibtex:zotero.bib",
        "bibtex:betterbiblatex.bib",
        "bibtex:mendeley.bib",
    ]
    assert vaswani["keywords"] == [
        "Computer Science - Computation and Language",
        "Computer Science - Machine Learning",
        "attention",
        "transformer",
        "to-read",
    ]


@pytest.mark.parametrize("order", ["bibtex first", "csv first"])
def test_the_same_paper_in_bibtex_and_a_csv_is_one_row(run, workspace, order):
    """zotero.bib has it by arXiv id; minimal.csv by title only, in other case."""
    bib, csv = str(FIXTURES / "zotero.bib"), str(TABLES / "minimal.csv")
    assert "Attention is all you need" in (TABLES / "minimal.csv").read_text()
    files = [bib, csv] if order == "bibtex first" else [csv, bib]
    result = run("import", *files)
    assert result.exit_code == 0, result
    listed = papers_json(run)
    # 3 papers in zotero.bib, 2 in minimal.csv, one of them the same
    assert len(listed) == 4
    [row] = [p for p in listed if p["arxiv_id"] == "1706.03762"]
    assert row["id"] == "arxiv:1706.03762"
    assert sorted(row["sources"]) == ["bibtex:zotero.bib", "csv:minimal.csv"]
    assert row["author_count"] == 8 and row["extra"]["bibtex_key"] == "vaswani_attention_2017"


def test_importing_again_changes_nothing(run, workspace, tmp_path):
    bib = tmp_path / "refs.bib"
    bib.write_text(fixture_text("zotero.bib") + fixture_text("handwritten.bib"), encoding="utf-8")
    assert run("import", str(bib), str(TABLES / "minimal.csv")).exit_code == 0
    before = catalog_rows(workspace)
    assert len(before) == 8

    again = run("import", str(bib), str(TABLES / "minimal.csv"), "--json")
    assert again.exit_code == 0, again
    assert all(r["skipped_unchanged_file"] for r in json.loads(again.stdout))
    assert catalog_rows(workspace) == before

    # the file changed (a comment more), so it is read again: its papers are as they were
    bib.write_text(bib.read_text(encoding="utf-8") + "\n% read in 2024\n", encoding="utf-8")
    third = run("import", str(bib), "--json")
    assert third.exit_code == 0, third
    [summary] = json.loads(third.stdout)
    assert summary["skipped_unchanged_file"] is False and summary["papers"] == 7
    assert summary["added"] == 0 and summary["updated"] == 0
    assert catalog_rows(workspace) == before


def test_the_command_reports_bad_entries_and_nothing_else(workspace):
    """The real command: bibtexparser's own log of the failed blocks stays off the terminal."""
    text = fixture_text("broken.bib")
    env = {k: v for k, v in os.environ.items() if k != "PAPERCLUB_CATALOG"}
    env["PAPERCLUB_DISABLE_PLUGIN_AUTOLOAD"] = "1"
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "paperclub",
            "import",
            str(FIXTURES / "broken.bib"),
            "--skip-invalid",
        ],
        cwd=workspace,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 0, proc
    lines = proc.stderr.splitlines()
    assert lines[0] == "bibtex:broken.bib: skipped 7 invalid records:"
    assert len(lines) == 8 and all(
        line.startswith(f"  {FIXTURES / 'broken.bib'}:") for line in lines[1:]
    )
    line = line_of(text, "@article{unclosed2019,")
    assert f"broken.bib:{line}: entry unclosed2019" in proc.stderr
