"""Every hook is tested and documented, and the core calls only hooks that exist.

The rule: for each hook `paperclub_X` in paperclub.hookspecs there is a test function named
`test_paperclub_X_...` (or `test_paperclub_X`) somewhere in tests/, and a `### paperclub_X`
section in docs/plugins.md with its signature and an example defining it.
"""

from __future__ import annotations

import ast
import inspect
import re

import pytest

from conftest import ROOT
from paperclub import hookspecs, plugins

HOOKS = sorted(
    n for n, f in vars(hookspecs).items() if n.startswith("paperclub_") and inspect.isfunction(f)
)
DOCS = (ROOT / "docs" / "plugins.md").read_text()


def _test_functions() -> set[str]:
    names = set()
    for path in (ROOT / "tests").glob("test_*.py"):
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name.startswith(
                "test_"
            ):
                names.add(node.name)
    return names


TESTS = _test_functions()


def test_the_hooks_are_found():
    assert len(HOOKS) >= 11 and "paperclub_score_paper" in HOOKS


@pytest.mark.parametrize("hook", HOOKS)
def test_every_hook_has_a_test_named_after_it(hook):
    named = [t for t in TESTS if t == f"test_{hook}" or t.startswith(f"test_{hook}_")]
    assert named, f"no test named test_{hook}_... in tests/"


@pytest.mark.parametrize("hook", HOOKS)
def test_every_hook_has_a_documented_section_with_signature_and_example(hook):
    match = re.search(rf"\n### {hook}\n(.*?)(?=\n## |\n### |\Z)", DOCS, re.DOTALL)
    assert match, f"no ### {hook} section in docs/plugins.md"
    section = match.group(1)
    params = list(inspect.signature(getattr(hookspecs, hook)).parameters)
    assert f"`{hook}({', '.join(params)})" in section, "the signature, as in hookspecs.py"
    assert f"def {hook}(" in section, "an example implementing it"
    assert re.search(r"first result wins|all run", section, re.IGNORECASE), "how results combine"


def test_first_result_hooks_are_documented_as_such():
    for hook in HOOKS:
        section = re.search(rf"\n### {hook}\n(.*?)(?=\n## |\n### |\Z)", DOCS, re.DOTALL).group(1)
        firstresult = getattr(hookspecs, hook).paperclub_spec.get("firstresult", False)
        assert ("first result wins" in section.lower()) == firstresult, hook


def test_the_core_calls_only_hooks_that_exist():
    called = set(re.findall(r'"(paperclub_[a-z_]+)"', inspect.getsource(plugins.Hooks)))
    assert set(HOOKS) == called  # and the facade reaches every hook
