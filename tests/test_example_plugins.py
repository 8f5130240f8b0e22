"""The example plugins in the repository's plugins/ folder do what their docstrings say: each is
copied into a workspace's plugins/ and the sample term planned with and without it."""

from __future__ import annotations

import importlib.util
import json
import shutil
from pathlib import Path

import pytest

from conftest import ROOT, TODAY
from paperclub.models import Paper

EXAMPLES = ROOT / "plugins"
PEFT_SURVEY = "parameter-efficient-fine-tuning-for-large-models-a-comprehensive-survey"


def install(workspace: Path, name: str) -> None:
    (workspace / "plugins").mkdir(exist_ok=True)
    shutil.copy(EXAMPLES / name, workspace / "plugins" / name)


def fresh_plan(run, schedule, workspace) -> list[dict]:
    """Plan from scratch (a re-plan would keep what it can of the last plan) and return the
    planned papers as `paperclub show --json` gives them."""
    (workspace / "schedules" / "ml-systems.plan.yaml").unlink(missing_ok=True)
    result = run("plan", str(schedule), "--today", TODAY)
    assert result.exit_code == 0, result
    shown = json.loads(run("show", str(schedule), "--json").stdout)
    return [p for s in shown["sessions"] for p in s["papers"]]


def load_module(name: str):
    spec = importlib.util.spec_from_file_location(f"example_{name}", EXAMPLES / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_examples_are_the_ones_the_docs_name():
    assert sorted(p.name for p in EXAMPLES.glob("*.py")) == ["no_surveys.py", "prefer_code.py"]
    docs = (ROOT / "docs" / "plugins.md").read_text()
    for path in EXAMPLES.glob("*.py"):
        assert f"plugins/{path.name}" in docs


# -- prefer_code ---------------------------------------------------------------------------------


def test_prefer_code_plans_more_papers_with_code(run, schedule, workspace):
    before = fresh_plan(run, schedule, workspace)
    install(workspace, "prefer_code.py")
    after = fresh_plan(run, schedule, workspace)
    with_code = lambda papers: sum(bool(p["links"].get("code")) for p in papers)  # noqa: E731
    assert with_code(after) > with_code(before)
    for p in after:  # the part, named prefer_code, at the default weight, only with code
        assert p["score_parts"].get("prefer_code") == (0.5 if p["links"].get("code") else None)


def test_prefer_code_reads_its_weight_from_the_config(run, schedule, workspace):
    config = (
        Path(schedule)
        .read_text()
        .replace("recency: 0.5, votes: 2.0}", "recency: 0.5, votes: 2.0, prefer_code: 2.0}")
    )
    Path(schedule).write_text(config)
    install(workspace, "prefer_code.py")
    parts = [p["score_parts"] for p in fresh_plan(run, schedule, workspace)]
    assert {part["prefer_code"] for part in parts if "prefer_code" in part} == {2.0}


# -- no_surveys ----------------------------------------------------------------------------------


def test_no_surveys_takes_the_surveys_out_and_why_says_so(run, schedule, workspace):
    before = fresh_plan(run, schedule, workspace)
    assert PEFT_SURVEY in [p["id"] for p in before]  # the sample plans one survey
    install(workspace, "no_surveys.py")
    after = fresh_plan(run, schedule, workspace)
    assert len(after) == len(before)  # another paper takes its place
    assert not [p["title"] for p in after if "survey" in p["title"].lower()]
    why = run("why", str(schedule), PEFT_SURVEY, "--today", TODAY)
    assert why.exit_code == 0, why
    assert (
        why.stdout.splitlines()[0] == f"{PEFT_SURVEY} is excluded: a survey (plugins/no_surveys.py)"
    )


@pytest.mark.parametrize(
    "title, excluded",
    [
        ("A Survey of Quantization Methods", True),
        ("LLM Serving: A Review", True),
        ("An Overview of Speculative Decoding", True),
        ("SURVEYS of program synthesis", True),
        ("Reviewer Agents for Code", False),  # a word that starts like one is not one
        ("Speculative Decoding Done Right", False),
    ],
)
def test_no_surveys_matches_whole_words_of_the_title(title, excluded):
    module = load_module("no_surveys")
    reason = module.paperclub_exclude_paper(
        Paper(id="x", title=title), group=None, history=frozenset()
    )
    assert reason == ("a survey (plugins/no_surveys.py)" if excluded else None)


# -- both, as `make demo` loads them from the repository root ---------------------------


def test_the_examples_together_plan_the_sample(run, schedule, workspace):
    for path in EXAMPLES.glob("*.py"):
        install(workspace, path.name)
    listed = {r["name"]: r["hooks"] for r in json.loads(run("plugins", "--json").stdout)}
    assert listed["plugins/prefer_code.py"] == ["paperclub_score_paper"]
    assert listed["plugins/no_surveys.py"] == ["paperclub_exclude_paper"]
    papers = fresh_plan(run, schedule, workspace)
    assert len(papers) == 24
    assert not [p for p in papers if "survey" in p["title"].lower()]
    assert any("prefer_code" in p["score_parts"] for p in papers)
