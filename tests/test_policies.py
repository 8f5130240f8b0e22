"""A balance policy is one object: a plugin's policy, defined in one file (the example of
docs/plugins.md), plans with the optimizer and the greedy, as the built-in ones do."""

from __future__ import annotations

import itertools
import re

import pytest
import yaml

from conftest import ROOT, TODAY
from paperclub import greedy, policies, solver

PLUGINS_MD = (ROOT / "docs" / "plugins.md").read_text()
SPACED = next(code for code in re.findall(r"```python\n(.*?)```", PLUGINS_MD, re.DOTALL)
              if "def paperclub_register_policies(" in code)


def spaced_policy():
    namespace: dict = {}
    exec(compile(SPACED, "docs/plugins.md", "exec"), namespace)
    return namespace["Spaced"]()


def brute_force(problem):
    """The best objective over every plan that keeps the rules (`solver.violations`)."""
    S, k = problem.sessions, problem.per_session
    ids = [it.id for it in problem.items]
    best = None
    for where in itertools.product(range(S + 1), repeat=len(ids)):  # S: not planned
        plan = [[pid for pid, s in zip(ids, where) if s == session] for session in range(S)]
        if any(len(p) > k for p in plan) or solver.violations(problem, plan):
            continue
        value = sum(solver.evaluate(problem, plan)[0].values())
        best = value if best is None else max(best, value)
    return best


INSTANCES = [  # (topic, score) per paper, sessions, papers per session
    ("a:5 a:4 a:3 b:2 b:1", 4, 1),
    ("a:5 a:4 b:3 b:2 c:1 -:1", 4, 1),
    ("a:3 a:3 a:3 a:3 b:1", 4, 2),
    ("a:1 b:1 a:1 c:2 -:0", 5, 1),
]


def items_of(spec):
    return [(f"p{i}", None if t == "-" else t, float(v))
            for i, (t, v) in enumerate(part.split(":") for part in spec.split())]


@pytest.mark.parametrize("spec, S, k", INSTANCES)
@pytest.mark.parametrize("weight", [0.5, 4.0])
def test_a_plugins_policy_plans_optimally_against_brute_force(spec, S, k, weight):
    policy = spaced_policy()
    items = items_of(spec)
    problem = solver.prepare(items, S, k, policy=policy, weights={"spaced": weight})
    best = solver.solve_problem(problem)
    quick = greedy.plan_problem(problem)
    assert best.status == "optimal"
    assert best.objective == pytest.approx(brute_force(problem))
    assert list(best.terms) == ["score", "consecutive", "spaced", "change", "unfilled"]
    for sol in (best, quick):
        assert not solver.violations(problem, sol.lists())
        assert sol.objective <= best.objective + 1e-9


def test_the_spaced_term_moves_a_topic_apart():
    """Two papers of a and fillers: spread of a three sessions apart costs `spaced`."""
    items = items_of("a:5 a:5 -:1 -:1 -:1 -:1")
    problem = solver.prepare(items, 4, 1, policy=spaced_policy(), weights={"spaced": 4.0})
    plan = solver.solve_problem(problem).lists()
    where = [s for s, ids in enumerate(plan) for pid in ids if pid in ("p0", "p1")]
    assert where and where[-1] - where[0] != 3 and solver.evaluate(problem, plan)[1]["spaced"] == 0


def test_paperclub_register_policies_a_policy_in_one_plugin_file_plans(workspace, run, schedule):
    (workspace / "plugins").mkdir()
    (workspace / "plugins" / "spaced.py").write_text(SPACED)
    path = workspace / schedule
    path.write_text(path.read_text().replace("policy: spread", "policy: spaced"))
    result = run("plan", str(schedule), "--today", TODAY)
    assert result.exit_code == 0, result
    plan = yaml.safe_load((workspace / "schedules" / "ml-systems.plan.yaml").read_text())
    assert "spaced" in plan["solver"]["terms"], plan["solver"]


def test_an_unknown_policy_names_the_closest_one(workspace, run, schedule):
    (workspace / "plugins").mkdir()
    (workspace / "plugins" / "spaced.py").write_text(SPACED)
    path = workspace / schedule
    path.write_text(path.read_text().replace("policy: spread", "policy: spacd"))
    result = run("plan", str(schedule), "--today", TODAY)
    assert result.exit_code == 1
    assert ("balance.policy: 'spacd' is not available (did you mean 'spaced'? choose from: "
            "spaced, spread, proportional, themed)") in result.stderr, result.stderr
    assert "Traceback" not in result.stderr


def test_the_built_in_policies_are_registered_like_a_plugins():
    from paperclub.plugins import Hooks, get_plugin_manager

    hooks = Hooks(get_plugin_manager())
    assert list(hooks.policies) == list(policies.BUILT_IN)
