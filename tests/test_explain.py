"""Explanations: `plan --explain`, `show --why` and `why PAPER`."""

from __future__ import annotations

import json
import re
from pathlib import Path

import yaml

from conftest import TODAY


def planned(run, schedule, *extra):
    result = run("plan", str(schedule), "--today", TODAY, *extra)
    assert result.exit_code == 0, result
    return result


def test_explain_gives_every_paper_its_score_parts_and_topic(run, schedule):
    out = planned(run, schedule, "--explain").stdout
    sessions = json.loads(run("show", str(schedule), "--json").stdout)["sessions"]
    for s in sessions:
        assert f"{s['start'][:10]} ({s['id']})" in out
        for p in s["papers"]:
            block = out[out.index(f"\n  {p['title']}\n") + 1:]  # its own line, not a mention
            score_line = block.splitlines()[1]
            parts = dict(re.findall(r"(\w+) (-?\d+\.\d+)", score_line.split("=", 1)[1]))
            assert set(parts) == set(p["score_parts"])
            assert abs(sum(map(float, parts.values())) - p["score"]) < 0.02
            # what the relevance rests on: the group's words, or the paper it is most like
            relevance = block.splitlines()[2]
            assert relevance.startswith(f"    relevance {p['relevance']['value']:.2f}: ")
            assert ("matches " + ", ".join(p["relevance"]["matches"]) in relevance
                    if p["relevance"]["matches"] else "most like " in relevance)
            topic = p["topics"][0]
            count = sum(any(q["topics"][:1] == [topic] for q in t["papers"]) for t in sessions)
            assert f"topic {topic}: {count} of {len(sessions)} sessions" in block.splitlines()[3]
    pin_day, pinned = next(iter(yaml.safe_load(Path(schedule).read_text())["selection"]["pin"].items()))
    assert f"pinned to {pin_day} (selection.pin)" in out


def test_show_why_matches_plan_explain(run, schedule):
    explained = planned(run, schedule, "--explain").stdout
    why = run("show", str(schedule), "--why").stdout
    assert why.strip() and why.strip() in explained


def test_why_a_planned_paper(run, schedule):
    planned(run, schedule)
    session = json.loads(run("show", str(schedule), "--json").stdout)["sessions"][3]
    paper = session["papers"][0]
    out = run("why", str(schedule), paper["id"], "--today", TODAY).stdout
    assert f"{paper['id']} is planned for" in out and session["start"][:10] in out
    assert f"score {paper['score']:.2f}" in out


def test_why_an_outscored_paper_names_the_papers_of_its_topic(run, schedule):
    planned(run, schedule)
    sessions = json.loads(run("show", str(schedule), "--json").stdout)["sessions"]
    chosen = {p["id"] for s in sessions for p in s["papers"]}
    papers = json.loads(run("papers", "--json", "--limit", "0").stdout)
    left = min((p for p in papers if p["id"] not in chosen and p["topics"]),
               key=lambda p: (p["upvotes"], p["id"]))
    out = run("why", str(schedule), left["id"], "--today", TODAY).stdout
    assert "is a candidate with score" in out and "but is not planned" in out
    # the least upvoted paper scores below every planned paper of its topic
    topic = re.search(r"outscored within its topic (\S+): the (\d+) planned", out)
    assert topic, out
    same = [p for s in sessions for p in s["papers"] if p["topics"][0] == topic.group(1)]
    assert int(topic.group(2)) == len(same)
    for p in sorted(same, key=lambda p: -p["score"])[:5]:
        assert p["title"] in out


def test_why_an_excluded_or_unknown_paper(run, schedule, workspace):
    planned(run, schedule)
    (workspace / "plugins").mkdir()
    (workspace / "plugins" / "no_surveys.py").write_text(
        "def paperclub_exclude_paper(paper, group, history):\n"
        "    if 'survey' in paper.title.lower():\n"
        "        return 'the group reads no surveys'\n")
    planned(run, schedule)  # again, with the plugin: the surveys leave the plan
    survey = "a-survey-of-quantization-methods-for-efficient-neural-network-inference"
    out = run("why", str(schedule), survey, "--today", TODAY).stdout
    assert out.splitlines()[0] == f"{survey} is excluded: the group reads no surveys"
    assert "not in the catalog" in run("why", str(schedule), "no-such-paper").stdout


def test_why_before_a_plan_exists(run, schedule):
    result = run("why", str(schedule), "anything")
    assert result.exit_code == 1 and "paperclub plan" in result.stderr
