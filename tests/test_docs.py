"""The docs stay true: every hook has a section, and every plugin example in docs/plugins.md
loads and plans."""

from __future__ import annotations

import json
import re
from pathlib import Path

import yaml

import pytest

from paperclub import hookspecs

from conftest import ROOT, TODAY

PLUGINS_MD = (ROOT / "docs" / "plugins.md").read_text()
EXAMPLES = re.findall(r"```python\n(.*?)```", PLUGINS_MD, re.DOTALL)
HOOKS = sorted(n for n in vars(hookspecs) if n.startswith("paperclub_"))


@pytest.mark.parametrize("hook", HOOKS)
def test_every_hook_has_a_section(hook):
    assert f"\n### {hook}\n" in PLUGINS_MD


def test_every_hook_has_an_example():
    for hook in HOOKS:
        assert any(f"def {hook}(" in example for example in EXAMPLES), hook


@pytest.mark.parametrize("example", EXAMPLES, ids=[f"example{i}" for i in range(len(EXAMPLES))])
def test_plugin_examples_load_and_plan(example, run, schedule, workspace):
    (workspace / "plugins").mkdir()
    (workspace / "plugins" / "example.py").write_text(example)
    result = run("plan", str(schedule), "--today", TODAY)
    assert result.exit_code == 0, result


def test_the_tutorial_plugin_changes_the_plan(run, schedule, workspace):
    assert run("plan", str(schedule), "--today", TODAY).exit_code == 0
    plan_file = workspace / "schedules" / "ml-systems.plan.yaml"
    before = plan_file.read_text()
    (workspace / "plugins").mkdir()
    (workspace / "plugins" / "prefer_code.py").write_text(EXAMPLES[0])
    assert run("plan", str(schedule), "--today", TODAY).exit_code == 0
    after = plan_file.read_text()
    assert after != before and "prefer_code: 2.0" in after


def test_readme_quickstart_is_two_make_targets():
    readme = (ROOT / "README.md").read_text()
    block = re.search(r"## Quickstart.*?```sh\n(.*?)```", readme, re.DOTALL).group(1)
    commands = [line.split("#")[0].strip() for line in block.splitlines() if line.strip()]
    assert commands == ["make demo", "make test"]
    makefile = (ROOT / "Makefile").read_text()
    assert re.search(r"^demo:", makefile, re.M) and re.search(r"^test:", makefile, re.M)
    assert "make test" in (ROOT / ".ci" / "run").read_text()


def test_config_doc_example_loads(tmp_path):
    from paperclub.config import load_group

    config_md = (ROOT / "docs" / "config.md").read_text()
    example = re.search(r"```yaml\n(.*?)```", config_md, re.DOTALL).group(1)
    path = tmp_path / "group.yaml"
    path.write_text(example)
    group = load_group(path)
    assert group.name == "ML Systems Reading Group" and group.meetings.count == 12


def test_usage_csv_example_imports(run, workspace):
    usage = (ROOT / "docs" / "usage.md").read_text()
    example = re.search(r"```csv\n(.*?)```", usage, re.DOTALL).group(1)
    (workspace / "papers.csv").write_text(example)
    result = run("import", "papers.csv")
    assert result.exit_code == 0, result
    rows = example.strip().splitlines()[1:]
    listed = json.loads(run("papers", "--json").stdout)
    assert len(listed) == len(rows)
    assert any(p["id"] == "arxiv:1706.03762" and p["links"].get("code") for p in listed)


def test_config_doc_balance_example_plans(run, schedule):
    config_md = (ROOT / "docs" / "config.md").read_text()
    example = re.search(r"```yaml\n(balance:\n  policy: proportional.*?)```", config_md, re.DOTALL).group(1)
    extra = yaml.safe_load(example)
    config = yaml.safe_load(Path(schedule).read_text())
    config["balance"] = extra["balance"]
    config["selection"]["weights"] = extra["selection"]["weights"]
    Path(schedule).write_text(yaml.safe_dump(config))
    result = run("plan", str(schedule), "--today", TODAY, "--explain")
    assert result.exit_code == 0, result
    assert "proportional" in result.stdout and "optimal" in result.stdout
