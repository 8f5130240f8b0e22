"""The same paper arriving through the Hugging Face API, an arXiv Atom feed and a Zotero
BibTeX export is one catalog row holding the fields of all three."""

from __future__ import annotations

import json
import textwrap

HF = [
    {
        "paper": {
            "id": "2510.13161",
            "title": "Mirror Speculative Decoding: Breaking the Serial Barrier in LLM Inference",
            "summary": "Speculative decoding accelerates LLM inference.",
            "authors": [{"name": "Nikhil Bhendawade"}, {"name": "Kumari Nishu"}],
            "publishedAt": "2025-10-15T04:21:00.000Z",
            "upvotes": 37,
            "githubRepo": "https://github.com/apple/ml-mirror-sd",
            "ai_keywords": ["speculative decoding", "NPU"],
        },
        "numComments": 2,
        "organization": {"name": "apple", "fullname": "Apple"},
    }
]

ATOM = textwrap.dedent("""\
    <?xml version="1.0" encoding="UTF-8"?>
    <feed xmlns="http://www.w3.org/2005/Atom" xmlns:arxiv="http://arxiv.org/schemas/atom">
      <title>arXiv Query</title>
      <entry>
        <id>http://arxiv.org/abs/2510.13161v2</id>
        <published>2025-10-15T04:21:00Z</published>
        <updated>2025-10-20T10:00:00Z</updated>
        <title>Mirror Speculative Decoding: Breaking the Serial Barrier in LLM
          Inference</title>
        <summary>  Speculative decoding accelerates LLM inference by using a draft model.
        </summary>
        <author><name>Nikhil Bhendawade</name></author>
        <author><name>Kumari Nishu</name></author>
        <author><name>Mahyar Najibi</name></author>
        <arxiv:doi>10.1234/mirror.2025</arxiv:doi>
        <arxiv:comment>12 pages, 5 figures</arxiv:comment>
        <link href="http://arxiv.org/abs/2510.13161v2" rel="alternate" type="text/html"/>
        <link title="pdf" href="http://arxiv.org/pdf/2510.13161v2" rel="related" type="application/pdf"/>
        <arxiv:primary_category term="cs.CL"/>
        <category term="cs.CL"/>
        <category term="cs.LG"/>
      </entry>
    </feed>
    """)

BIBTEX = textwrap.dedent("""\
    @article{bhendawade2025mirror,
      title = {Mirror {Speculative} {Decoding}: {Breaking} the {Serial} {Barrier} in {LLM} {Inference}},
      author = {Bhendawade, Nikhil and Nishu, Kumari and Najibi, Mahyar},
      journal = {arXiv:2510.13161 [cs]},
      year = {2025},
      keywords = {Computer Science - Computation and Language, reading group},
    }
    """)


def test_three_sources_one_row(run, workspace):
    (workspace / "daily.json").write_text(json.dumps(HF))
    (workspace / "query.atom").write_text(ATOM)
    (workspace / "zotero.bib").write_text(BIBTEX)
    for name in ("daily.json", "query.atom", "zotero.bib"):
        result = run("import", name)
        assert result.exit_code == 0, result
    papers = json.loads(run("papers", "--json").stdout)
    assert len(papers) == 1
    paper = papers[0]
    assert paper["id"] == "arxiv:2510.13161"
    assert paper["sources"] == ["hf-json:daily.json", "arxiv-atom:query.atom", "bibtex:zotero.bib"]
    assert paper["upvotes"] == 37  # from Hugging Face
    assert paper["organisation"] == "Apple"
    assert paper["links"]["code"] == "https://github.com/apple/ml-mirror-sd"
    assert paper["doi"] == "10.1234/mirror.2025"  # from arXiv
    assert paper["extra"]["comment"] == "12 pages, 5 figures"
    assert {"cs.CL", "cs.LG"} <= set(paper["keywords"])  # arXiv categories
    assert {"speculative decoding", "NPU"} <= set(paper["keywords"])  # HF keywords
    assert "reading group" in paper["keywords"]  # Zotero keywords
    assert paper["author_count"] == 3 and len(paper["authors"]) == 3  # the longer list wins
    assert paper["published"] == "2025-10-15"  # the exact date beats BibTeX's year
    # searching finds it once, and importing all three again changes nothing
    assert [p["id"] for p in json.loads(run("papers", "serial barrier", "--json").stdout)] == [
        paper["id"]
    ]
    for name in ("daily.json", "query.atom", "zotero.bib"):
        assert "unchanged" in run("import", name).stdout
    assert json.loads(run("papers", "--json").stdout) == papers
