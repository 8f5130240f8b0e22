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
SPACED = next(
    code
    for code in re.findall(r"```python\n(.*?)```", PLUGINS_MD, re.DOTALL)
    if "def paperclub_register_policies(" in code
)


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
    return [
        (f"p{i}", None if t == "-" else t, float(v))
        for i, (t, v) in enumerate(part.split(":") for part in spec.split())
    ]


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
    assert (
        "balance.policy: 'spacd' is not available (did you mean 'spaced'? choose from: "
        "spaced, spread, proportional, themed)"
    ) in result.stderr, result.stderr
    assert "Traceback" not in result.stderr


def test_the_built_in_policies_are_registered_like_a_plugins():
    from paperclub.plugins import Hooks, get_plugin_manager

    hooks = Hooks(get_plugin_manager())
    assert list(hooks.policies) == list(policies.BUILT_IN)


# -- papers_per_session: {min, max} ----------------------------------------------------------

MIN_MAX = [  # (topic, score) per paper, sessions, min, max
    ("a:5 a:4 b:3 b:-1 c:1", 3, 1, 2),
    ("a:3 a:3 a:3 b:1 -:2", 2, 1, 3),
    ("a:1 b:-2 c:-1 -:0.5", 3, 1, 2),
    ("a:4 b:4 a:1", 3, 0, 2),
]


def brute_force_range(problem):
    """`brute_force` for sessions of min to max papers (max is `per_session`)."""
    return brute_force(problem)  # violations() refuses more than max; evaluate prices < min


@pytest.mark.parametrize("spec, S, least, most", MIN_MAX)
@pytest.mark.parametrize("policy", ["spread", "proportional", "themed", "spaced"])
def test_min_and_max_papers_per_session_plan_optimally_against_brute_force(
    spec, S, least, most, policy
):
    """Between min and max papers a session: the places up to min cost `unfilled` when empty,
    the others are filled only where a paper gains; every policy, a plugin's too, is optimal
    against the brute force, and the greedy keeps the rules."""
    chosen = spaced_policy() if policy == "spaced" else policy
    problem = solver.prepare(
        items_of(spec),
        S,
        most,
        policy=chosen,
        min_per_session=least,
        pins={1: ["p1"]},
        before=[("p0", "p2")],
    )
    best = solver.solve_problem(problem)
    quick = greedy.plan_problem(problem)
    assert best.status == "optimal", best
    assert best.objective == pytest.approx(brute_force_range(problem))
    for sol in (best, quick):
        assert not solver.violations(problem, sol.lists())
        assert all(len(ids) <= most for ids in sol.sessions)
        assert sol.objective <= best.objective + 1e-9


def test_a_paper_that_loses_leaves_its_optional_place_empty():
    """Two places a session, one required: a paper with a negative score is not planned in a
    free place, and a weak paper fills a required one."""
    items = items_of("a:3 b:-1 c:-2")
    sol = solver.solve(items, 2, 2, min_per_session=1)
    assert sorted(len(ids) for ids in sol.sessions) == [1, 1]
    assert sol.counts["unfilled"] == 0 and "p2" not in sum(sol.lists(), [])
    exact = solver.solve(items, 2, 2)  # a plain number: every place counts
    assert sum(len(ids) for ids in exact.sessions) == 3


def test_papers_per_session_min_and_max_in_the_config(workspace, run, schedule):
    """The example of docs/config.md plans: sessions of one to three papers."""
    config_md = (ROOT / "docs" / "config.md").read_text()
    example = re.search(
        r"```yaml\nmeetings:\n  (papers_per_session: \{min: 1, max: 3\})\n```", config_md
    ).group(1)
    path = workspace / schedule
    text = path.read_text()
    assert "papers_per_session: 2" in text
    path.write_text(text.replace("papers_per_session: 2", example))
    result = run("plan", str(schedule), "--today", TODAY)
    assert result.exit_code == 0, result.stderr
    plan = yaml.safe_load((workspace / "schedules" / "ml-systems.plan.yaml").read_text())
    sizes = [len(s["papers"]) for s in plan["sessions"]]
    assert all(1 <= n <= 3 for n in sizes) and max(sizes) == 3, sizes

    # the plan check: a session of fewer papers than max but at least min is no problem
    from paperclub import config, planfile
    from paperclub.default_plugins import checks

    group = config.load_group(path)
    assert (group.meetings.min_papers_per_session, group.meetings.papers_per_session) == (1, 3)
    made = planfile.load(workspace / "schedules" / "ml-systems.plan.yaml")
    made.sessions[0].papers = made.sessions[0].papers[:1]
    assert not [p for p in checks.paperclub_check_plan(made, group) if "not enough" in p]
    made.sessions[0].papers = []
    assert [
        p
        for p in checks.paperclub_check_plan(made, group)
        if "has 0 papers, fewer than 1 (not enough candidates)" in p
    ]


@pytest.mark.parametrize(
    "value, why",
    [
        ("{min: 3, max: 2}", "min 3 is more than max 2"),
        ("{min: 1}", "give both min and max, nothing else"),
        ("{min: 1, max: 2, most: 3}", "give both min and max, nothing else"),
        ("{min: 0, max: 2}", None),
    ],
)
def test_bad_papers_per_session_ranges_are_refused(workspace, run, schedule, value, why):
    path = workspace / schedule
    lines = path.read_text().splitlines()
    line = next(i for i, text in enumerate(lines, 1) if "papers_per_session:" in text)
    path.write_text(
        path.read_text().replace("papers_per_session: 2", f"papers_per_session: {value}")
    )
    result = run("plan", str(schedule), "--today", TODAY)
    assert result.exit_code == 1 and "Traceback" not in result.stderr
    assert (
        f"{schedule}:{line}: meetings.papers_per_session: expected a whole number, at "
        "least 1, or {min: 1, max: 2}"
    ) in result.stderr, result.stderr
    if why:
        assert why in result.stderr
    assert not (workspace / "schedules" / "ml-systems.plan.yaml").exists()


from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402


@st.composite
def ranged(draw):
    """A tiny instance with sessions of min to max papers, for any policy."""
    n = draw(st.integers(1, 5))
    topics = draw(st.lists(st.sampled_from(["a", "b", None]), min_size=n, max_size=n))
    scores = draw(st.lists(st.sampled_from([-1.0, 0.0, 0.5, 2.0, 3.5]), min_size=n, max_size=n))
    items = [(f"p{i}", t, s) for i, (t, s) in enumerate(zip(topics, scores))]
    S = draw(st.integers(1, 3))
    most = draw(st.integers(1, 3))
    least = draw(st.integers(0, most))
    policy = draw(st.sampled_from(["spread", "proportional", "themed", "spaced"]))
    pins = (
        {draw(st.integers(0, S - 1)): [f"p{draw(st.integers(0, n - 1))}"]}
        if draw(st.booleans())
        else {}
    )
    return items, S, least, most, policy, pins


@settings(
    max_examples=120, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow]
)
@given(ranged())
def test_random_min_max_instances_match_brute_force(case):
    items, S, least, most, policy, pins = case
    chosen = spaced_policy() if policy == "spaced" else policy
    problem = solver.prepare(items, S, most, policy=chosen, min_per_session=least, pins=pins)
    best = solver.solve_problem(problem)
    assert best.status == "optimal", best
    assert best.objective == pytest.approx(brute_force(problem), abs=1e-6)
    quick = greedy.plan_problem(problem)
    assert not solver.violations(problem, quick.lists())
    assert quick.objective <= best.objective + 1e-9


@pytest.mark.parametrize("policy", ["proportional", "themed"])
def test_sessions_of_min_to_max_papers_are_proven_optimal_without_a_search(policy):
    """With places free to leave empty, the relaxation's counts still make a plan that
    reaches its bound when every place is worth filling: optimal, not stopped by a limit."""
    import random

    rng = random.Random(5)
    names = [f"t{i:02d}" for i in range(20)]
    weights = [1 / (r + 1) ** 1.1 for r in range(20)]  # topics of Zipf-like sizes
    items = [
        (f"p{i:04d}", rng.choices(names, weights)[0], round(rng.paretovariate(1.1), 3))
        for i in range(1000)
    ]
    sol = solver.solve(items, 52, 3, policy=policy, min_per_session=1)
    assert sol.status == "optimal" and sol.limit == "", sol
    assert [len(ids) for ids in sol.sessions] == [3] * 52
