"""balance.cluster: papers without a topic get one from clustering their titles and
abstracts, deterministically, and the balance then works on those topics."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import yaml

from conftest import TODAY
from paperclub.cluster import cluster_topics
from paperclub.models import Paper

GROUPS = {
    "decoding": [
        "Speculative decoding with draft models",
        "Faster speculative decoding trees",
        "Draft model speculative decoding at scale",
        "Decoding speculatively in batches",
    ],
    "proofs": [
        "Theorem proving with language models",
        "Formal proofs from informal theorem statements",
        "Lean theorem proving benchmarks",
        "Automated theorem proving by search",
    ],
    "proteins": [
        "Protein structure prediction",
        "Protein language models for folding",
        "Designing protein sequences",
        "Protein binding prediction with graphs",
    ],
}
ABSTRACT = {
    "decoding": "draft model tokens verify speculative acceptance latency",
    "proofs": "lean proof theorem formal verification tactic",
    "proteins": "protein residue folding structure amino sequence",
}


def papers() -> list[Paper]:
    return [
        Paper(id=f"{g}-{i}", title=t, abstract=ABSTRACT[g])
        for g, titles in GROUPS.items()
        for i, t in enumerate(titles)
    ]


def test_papers_of_one_subject_share_a_cluster():
    topics = cluster_topics(papers(), max_clusters=3)
    assert set(topics) == {p.id for p in papers()}
    for group, titles in GROUPS.items():
        assert len({topics[f"{group}-{i}"] for i in range(len(titles))}) == 1
    assert len(set(topics.values())) == 3
    assert all(t.startswith("~ ") for t in topics.values())


def test_clustering_is_deterministic():
    assert cluster_topics(papers(), 3) == cluster_topics(list(reversed(papers())), 3)


def test_plan_with_clustered_topics(run, schedule, workspace):
    with (workspace / "untopiced.csv").open("w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["title", "abstract", "upvotes"])
        for group, titles in GROUPS.items():
            for i, title in enumerate(titles):
                writer.writerow([title, ABSTRACT[group], 10 - i])
    config = yaml.safe_load(Path(schedule).read_text())
    config["catalog"]["sources"] = ["../untopiced.csv"]
    config["topics"] = {}
    config["selection"]["pin"] = {}
    config["selection"]["before"] = []
    config["meetings"]["count"] = 4
    config["members"] = []
    config["balance"] = {"policy": "spread", "cluster": True}
    Path(schedule).write_text(yaml.safe_dump(config))
    result = run("plan", str(schedule), "--today", TODAY)
    assert result.exit_code == 0, result
    sessions = json.loads(run("show", str(schedule), "--json").stdout)["sessions"]
    for s in sessions:
        topics = [p["topics"][0] for p in s["papers"]]
        assert all(t.startswith("~ ") for t in topics)
        assert len(topics) == len(set(topics)) == 2  # spread: two clusters per session
