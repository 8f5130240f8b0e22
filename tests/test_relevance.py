"""Selection that knows the group: relevance to its topics, interests, liked, read and library
papers, popularity that is fair across sources, min_relevance, and the explanations.

The catalog is real: arXiv records of four fields (condensed matter, astrophysics, quantum
physics, robotics) and Hugging Face Daily Papers with their upvotes (tests/fixtures/relevance,
see tests/fixtures/SOURCES.md). Which field a paper is in is read from its own arXiv
categories, never from the code under test.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import yaml

from conftest import TODAY
from paperclub.catalog import Catalog
from paperclub.models import Paper
from paperclub.signals import UNKNOWN, percentiles, popularity

FIXTURES = Path(__file__).parent / "fixtures" / "relevance"
RECORDS = [json.loads(line) for line in (FIXTURES / "arxiv.jsonl").open()]
FIELD = {f"arxiv:{r['id']}": r["categories"].split()[0] for r in RECORDS}
HF = [
    f"arxiv:{item['paper']['id']}"
    for item in json.loads((FIXTURES / "hf_daily_papers.json").read_text())
]


def field_of(paper_id: str) -> str:
    """The field of a record's own primary category (cs.RO, cond-mat, astro-ph, quant-ph);
    "ml" for a Hugging Face paper."""
    if paper_id in HF:
        return "ml"
    return FIELD[paper_id] if FIELD[paper_id] == "cs.RO" else FIELD[paper_id].split(".")[0]


def of_field(field: str) -> list[str]:
    return sorted(i for i in FIELD if field_of(i) == field)


def group(workspace: Path, name: str = "club", **extra) -> Path:
    """A group config over the real records: 2 sessions of 2 papers (a third of a field of the
    catalog), no profile unless given."""
    (workspace / "papers").mkdir(exist_ok=True)
    for source in ("arxiv.jsonl", "hf_daily_papers.json"):
        shutil.copy(FIXTURES / source, workspace / "papers" / source)
    config = {
        "group": {
            "name": "Journal club",
            "timezone": "Europe/Berlin",
            "organizer": {"name": "Ada", "email": "ada@example.org"},
        },
        "meetings": {
            "start": "2027-01-07",
            "weekday": "thursday",
            "time": "16:00",
            "count": 2,
            "papers_per_session": 2,
        },
        "catalog": {"sources": ["../papers/arxiv.jsonl", "../papers/hf_daily_papers.json"]},
        **extra,
    }
    (workspace / "schedules").mkdir(exist_ok=True)
    path = workspace / "schedules" / f"{name}.yaml"
    path.write_text(yaml.safe_dump(config, sort_keys=False))
    return path


def planned(run, config: Path) -> list[dict]:
    result = run("plan", str(config), "--today", TODAY)
    assert result.exit_code == 0, result
    shown = run("show", str(config), "--json")
    return [p for s in json.loads(shown.stdout)["sessions"] for p in s["papers"]]


def recommended(run, config: Path, *args: str) -> list[dict]:
    result = run("recommend", str(config), "--json", "--today", TODAY, *args)
    assert result.exit_code == 0, result
    return json.loads(result.stdout)


CONDENSED_MATTER = {
    "superconductivity": ["superconduct", "cuprate", "josephson"],
    "magnetism": ["magnet", "spin liquid", "antiferromagnet"],
    "topology": ["topological", "majorana", "quantum hall"],
}


# -- popularity ------------------------------------------------------------------------------


def test_percentiles_share_the_middle_of_ties():
    shares = percentiles({"a": 0, "b": 10, "c": 10, "d": 30})
    assert shares == {"a": 0.125, "b": 0.5, "c": 0.5, "d": 0.875}


def test_a_paper_no_source_rates_is_unknown_not_zero():
    papers = [
        Paper("hf:zero", "Zero", upvotes=0),
        Paper("hf:ten", "Ten", upvotes=10),
        Paper("hf:hundred", "Hundred", upvotes=100),
        Paper("arxiv:1", "Unrated"),
    ]
    shares = popularity(papers)
    assert "arxiv:1" not in shares  # unknown: the scoring counts it as the middle
    assert shares["hf:zero"] < UNKNOWN < shares["hf:hundred"]
    assert shares["hf:ten"] == UNKNOWN


def test_each_signal_is_normalised_on_its_own():
    # 5 upvotes is the most of the upvotes; 100 stars the fewest of the stars: the paper with
    # both is in the middle, whatever the two scales
    papers = [
        Paper("a", "A", upvotes=5, extra={"github_stars": 100}),
        Paper("b", "B", upvotes=1),
        Paper("c", "C", extra={"github_stars": 5000}),
    ]
    shares = popularity(papers)
    assert shares["a"] == pytest.approx((0.75 + 0.25) / 2)
    assert shares["b"] == 0.25 and shares["c"] == 0.75


def test_an_unrated_paper_outranks_one_rated_zero(run, workspace):
    (workspace / "papers.csv").write_text(
        "title,upvotes,abstract\nRated zero,0,A paper.\nNever rated,,A paper.\nRated one,1,A paper.\n"
    )
    config = group(
        workspace,
        catalog={"sources": ["../papers.csv"]},
        meetings={
            "start": "2027-01-07",
            "weekday": "thursday",
            "time": "16:00",
            "count": 2,
            "papers_per_session": 1,
        },
    )
    titles = {p["title"] for p in planned(run, config)}
    assert titles == {"Never rated", "Rated one"}  # 0.5 and 0.75; "Rated zero" has 0.25


# -- relevance -------------------------------------------------------------------------------


def test_without_a_profile_the_plan_is_what_popularity_and_recency_make_it(run, workspace):
    """No topics, interests, likes or history: relevance adds nothing, and the plan is the one
    planning makes from the papers alone (what it made before there was relevance)."""
    from datetime import date

    from paperclub import config as configs
    from paperclub.planner import make_plan
    from paperclub.plugins import Hooks, get_plugin_manager
    from paperclub.signals import measure

    papers = planned(run, group(workspace))
    assert all("relevance" not in p["score_parts"] and "relevance" not in p for p in papers)
    hooks = Hooks(get_plugin_manager(workspace))
    the_group = configs.load_group(workspace / "schedules" / "club.yaml")
    with Catalog(workspace / "catalog.sqlite") as catalog:
        pool = list(catalog.papers())
        measured = measure(the_group, catalog, pool, frozenset(), hooks.sources)
        assert measured.relevant is None and measured.scorer is None
        today = date.fromisoformat(TODAY)
        alone, _ = make_plan(the_group, pool, hooks, today=today)
    assert [[a.paper_id for a in s.papers] for s in alone.sessions] == [
        [p["id"] for p in s["papers"]]
        for s in json.loads(run("show", "schedules/club.yaml", "--json").stdout)["sessions"]
    ]


@pytest.mark.parametrize(
    "field,profile",
    [
        ("cond-mat", {"topics": CONDENSED_MATTER}),
        (
            "astro-ph",
            {
                "members": [
                    {"name": "Vera", "interests": ["galaxies", "stars", "Milky Way"]},
                    {"name": "Carl", "interests": ["dark matter", "cosmological"]},
                ]
            },
        ),
        ("quant-ph", {"selection": {"like": of_field("quant-ph")[:2]}}),
    ],
)
def test_a_profile_plans_the_groups_field_over_popular_papers(run, workspace, field, profile):
    papers = planned(run, group(workspace, **profile))
    fields = [field_of(p["id"]) for p in papers]
    # a quantum paper on superconducting qubits may pass for condensed matter: at most one
    assert len(papers) == 4 and fields.count(field) >= 3, fields
    # without the profile the same catalog plans other papers: popular ones, and the unrated
    plain = planned(run, group(workspace, name="plain"))
    assert [field_of(p["id"]) for p in plain].count(field) < fields.count(field)


def test_likes_pull_similar_papers_in_and_dislikes_push_them_out(run, workspace):
    liked = of_field("cond-mat")[:2]
    likes = group(workspace, "likes", selection={"like": liked})
    with_like = recommended(run, likes, "--limit", "5")
    others = [r for r in with_like if r["id"] not in liked]
    assert [field_of(r["id"]) for r in others[:3]] == ["cond-mat"] * 3
    assert {(r["relevance"]["like"] or {}).get("id") for r in others[:3]} <= set(liked)
    # the same likes, and two other condensed-matter papers disliked
    disliked = of_field("cond-mat")[-2:]
    both = group(workspace, "both", selection={"like": liked, "dislike": disliked})
    before = {r["id"]: r["relevance"]["value"] for r in recommended(run, likes, "--limit", "100")}
    with_dislike = recommended(run, both, "--limit", "100")
    after = {r["id"]: r["relevance"]["value"] for r in with_dislike}
    rest = [i for i in of_field("cond-mat") if i not in liked + disliked]
    assert sum(after[i] for i in rest) < sum(before[i] for i in rest)
    assert all(after[i] <= before[i] for i in rest)
    assert all(after[i] < 0.2 * before[i] for i in disliked)  # pushed out
    assert any(r["relevance"].get("unlike", {}).get("id") in disliked for r in with_dislike)


def test_a_paper_filed_where_the_liked_papers_are_beats_its_twin_filed_elsewhere(run, workspace):
    """arXiv categories are terms of the liked papers' centroid, each whole: of two records
    with one text, the one filed in cs.RO (as the liked papers are) is more relevant than the
    one filed in eess.SY (where none of them is). As words, "cs.RO" and "eess.SY" are "cs",
    "ro", "eess" and "sy": too short, or too rare in the liked papers, to tell. A disliked
    paper's categories are not held against its field."""
    robotics = of_field("cs.RO")
    model = next(r for r in RECORDS if f"arxiv:{r['id']}" == robotics[-1])
    twins = [
        {**model, "id": f"9912.0000{i}", "doi": None, "categories": c}
        for i, c in enumerate(("cs.RO", "eess.SY"), 1)
    ]
    config = group(workspace, selection={"like": robotics[:2]})
    with (workspace / "papers" / "arxiv.jsonl").open("a") as papers:
        papers.writelines(json.dumps(t) + "\n" for t in twins)
    shown = {r["id"]: r["relevance"]["value"] for r in recommended(run, config, "--limit", "100")}
    assert shown["arxiv:9912.00001"] > shown["arxiv:9912.00002"] > 0
    disliked = group(workspace, "disliked", selection={"dislike": robotics[:2]})
    shown = {r["id"]: r["relevance"]["value"] for r in recommended(run, disliked, "--limit", "100")}
    assert shown["arxiv:9912.00001"] == shown["arxiv:9912.00002"]


def test_relevance_is_between_0_and_1_and_explained(run, workspace):
    config = group(workspace, topics=CONDENSED_MATTER)
    papers = planned(run, config)
    words = {w for ws in CONDENSED_MATTER.values() for w in ws}
    for p in papers:
        relevance = p["relevance"]
        assert 0 < relevance["value"] < 1
        # the words behind it, or the best match of them it is most like
        assert relevance["matches"] or relevance["like"]["as"] == "a best match of the words"
        assert set(relevance["matches"]) <= words
    why = run("show", str(config), "--why")
    assert "relevance 0." in why.stdout and "matches " in why.stdout


def test_min_relevance_keeps_others_out_and_why_gives_the_figure(run, workspace):
    config = group(workspace, topics=CONDENSED_MATTER, selection={"min_relevance": 0.5})
    result = run("plan", str(config), "--today", TODAY)
    assert result.exit_code == 0, result
    shown = json.loads(run("show", str(config), "--json").stdout)
    papers = [p for s in shown["sessions"] for p in s["papers"]]
    assert papers and all(p["relevance"]["value"] >= 0.5 for p in papers)
    for outsider in (of_field("cs.RO")[0], HF[0]):
        why = run("why", str(config), outsider, "--today", TODAY)
        assert why.exit_code == 0, why
        line = why.stdout.splitlines()[0]
        assert line.startswith(f"{outsider} is excluded: relevance 0.")
        figure = float(line.split("relevance ")[1].split()[0])
        assert figure < 0.5 and "below selection.min_relevance 0.5" in line
    # without min_relevance the same papers are candidates
    open_door = group(workspace, "open", topics=CONDENSED_MATTER)
    assert run("plan", str(open_door), "--today", TODAY).exit_code == 0
    why = run("why", str(open_door), of_field("cs.RO")[0], "--today", TODAY)
    assert "is a candidate with score" in why.stdout


def test_read_papers_shape_the_next_plan(run, workspace):
    """Papers of held sessions are the group's taste: after a term of condensed matter, a plan
    with no other profile stays with it."""
    config = group(workspace, topics=CONDENSED_MATTER)
    first = planned(run, config)
    assert [field_of(p["id"]) for p in first].count("cond-mat") >= 3
    # the next term: the same plan file as history, no topics
    history = Path(config).with_name("club.plan.yaml")
    next_term = group(
        workspace,
        "next",
        selection={"history": [history.name]},
        meetings={
            "start": "2027-04-01",
            "weekday": "thursday",
            "time": "16:00",
            "count": 2,
            "papers_per_session": 2,
        },
    )
    papers = planned(run, next_term)
    assert [field_of(p["id"]) for p in papers].count("cond-mat") >= 3
    assert not {p["id"] for p in papers} & {p["id"] for p in first}  # read: not again
    assert any(p["relevance"].get("like", {}).get("as") == "read" for p in papers)


def test_a_members_library_moves_their_affinity_and_the_groups_choice(run, workspace):
    def library(field: str, name: str) -> str:
        rows = ["title,abstract,arxiv"] + [
            '"{}","{}",{}'.format(
                r["title"].replace('"', "'").replace("\n", " "),
                r["abstract"].replace('"', "'").replace("\n", " "),
                r["id"],
            )
            for r in RECORDS
            if f"arxiv:{r['id']}" in of_field(field)[-3:]
        ]
        path = workspace / "schedules" / name
        path.parent.mkdir(exist_ok=True)
        path.write_text("\n".join(rows) + "\n")
        return name

    members = [
        {"name": "Vera", "library": library("astro-ph", "vera.csv")},
        {"name": "Pierre", "library": library("cond-mat", "pierre.csv")},
    ]
    config = group(workspace, members=members)
    papers = planned(run, config)
    fields = [field_of(p["id"]) for p in papers]
    assert set(fields) == {"astro-ph", "cond-mat"}, fields
    # each presents the papers like their own library, as far as even loads (2 each) allow
    owner = {"astro-ph": "Vera", "cond-mat": "Pierre"}
    minority = min(set(fields), key=fields.count)
    assert all(p["presenter"] == owner[minority] for p in papers if field_of(p["id"]) == minority)
    other = ({"Vera", "Pierre"} - {owner[minority]}).pop()
    assert all(field_of(p["id"]) != minority for p in papers if p["presenter"] == other)
    for p in papers:
        assert p["relevance"]["like"]["as"] in ("in Vera's library", "in Pierre's library")
        # the library's part of the affinity is kept, and explains the choice
        assert set(p["affinity"]) == {"interests", "library"} and p["affinity"]["library"] > 0
        why = run("why", str(config), p["id"], "--today", TODAY).stdout.splitlines()[-1]
        assert why == (
            f"  {p['presenter']} presents it: affinity "
            f"{p['affinity']['library']:.2f} = interests 0.00 + library "
            f"{p['affinity']['library']:.2f}"
        )
    # the same members without libraries plan other papers
    plain = planned(run, group(workspace, "plain", members=[{"name": "Vera"}, {"name": "Pierre"}]))
    assert {p["id"] for p in plain} != {p["id"] for p in papers}
    assert sum(field_of(p["id"]) in ("astro-ph", "cond-mat") for p in plain) < len(plain)


def test_recommend_for_a_member_ranks_by_their_own_profile(run, workspace):
    config = group(
        workspace,
        members=[
            {"name": "Vera", "interests": ["galaxy", "stellar", "cosmolog"]},
            {"name": "Pierre", "interests": ["graphene", "phonon", "antiferromagnet"]},
            {"name": "Quiet"},
        ],
    )
    vera = recommended(run, config, "--member", "Vera", "--limit", "4")
    assert [field_of(r["id"]) for r in vera] == ["astro-ph"] * 4
    pierre = recommended(run, config, "--member", "Pierre", "--limit", "4")
    assert [field_of(r["id"]) for r in pierre].count("cond-mat") >= 3
    group_wide = recommended(run, config, "--limit", "8")
    assert {field_of(r["id"]) for r in group_wide} >= {"astro-ph", "cond-mat"}
    for r in group_wide:
        assert set(r["score_parts"]) >= {"relevance", "popularity"}
    text = run("recommend", str(config), "--limit", "2", "--today", TODAY)
    assert text.exit_code == 0 and " 1. " in text.stdout and "relevance 0." in text.stdout
    nobody = run("recommend", str(config), "--member", "Nobody", "--today", TODAY)
    assert nobody.exit_code == 1 and "'Nobody' is not a member" in nobody.stderr
    quiet = run("recommend", str(config), "--member", "Quiet", "--today", TODAY)
    assert quiet.exit_code == 1 and "Quiet has no interests or library" in quiet.stderr


def test_recommend_leaves_out_what_is_planned(run, workspace):
    config = group(workspace, topics=CONDENSED_MATTER)
    chosen = {p["id"] for p in planned(run, config)}
    assert not chosen & {r["id"] for r in recommended(run, config, "--limit", "20")}


# -- bad input -------------------------------------------------------------------------------


def test_an_unknown_liked_paper_names_file_line_and_the_closest(run, workspace):
    real = of_field("astro-ph")[0]
    config = group(workspace, selection={"like": [of_field("cond-mat")[0], real[:-1]]})
    result = run("plan", str(config), "--today", TODAY)
    assert result.exit_code == 1 and "Traceback" not in result.stderr
    line = config.read_text().splitlines().index(f"  - {real[:-1]}") + 1
    assert result.stderr.startswith(f"Error: {config}:{line}: selection.like[1]: ")
    assert f"'{real[:-1]}' is not in the catalog; the closest:" in result.stderr
    assert real in result.stderr  # the closest match, by id
    assert not Path(config).with_name("club.plan.yaml").exists()


def test_a_missing_library_names_file_line_and_the_closest(run, workspace):
    (workspace / "schedules").mkdir()
    (workspace / "schedules" / "vera.bib").write_text("")
    config = group(workspace, members=[{"name": "Vera", "library": "vera.bbi"}])
    result = run("plan", str(config), "--today", TODAY)
    assert result.exit_code == 1 and "Traceback" not in result.stderr
    line = config.read_text().splitlines().index("  library: vera.bbi") + 1
    assert f"{config}:{line}: members[0].library: no such file" in result.stderr
    assert "did you mean 'vera.bib'?" in result.stderr


def test_a_broken_library_names_its_own_file_and_line(run, workspace):
    (workspace / "schedules").mkdir()
    (workspace / "schedules" / "vera.csv").write_text("title,upvotes\nA paper,many\n")
    config = group(workspace, members=[{"name": "Vera", "library": "vera.csv"}])
    result = run("plan", str(config), "--today", TODAY)
    assert result.exit_code == 1 and "Traceback" not in result.stderr
    assert "vera.csv:2:" in result.stderr and "many" in result.stderr
    with Catalog(workspace / "catalog.sqlite") as catalog:  # the library is not imported
        assert catalog.by_title("A paper") is None


def test_words_no_paper_holds_make_nothing_relevant(run, workspace):
    """A profile whose words the catalog does not have: every paper has relevance 0 (not 1),
    so the plan is what popularity and recency make it."""
    config = group(workspace, topics={"origami": ["origami", "kirigami folding"]})
    papers = planned(run, config)
    assert papers and all(p["relevance"]["value"] == 0 for p in papers)
    assert all(p["score_parts"]["relevance"] == 0 for p in papers)
