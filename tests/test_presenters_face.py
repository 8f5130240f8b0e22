"""The final MIP of a group with roles, solved on its LP relaxation's optimal face
(presenters._on_face): the same optimum as the whole MIP, by each of its three ways (the
relaxation integral, the MIP on the face, the whole MIP when the face has no assignment)."""

import math
import random
from collections import Counter

import pytest
from hypothesis import given

from paperclub import presenters
from paperclub.errors import PaperclubError
from test_roles import BIG, big_terms

highspy = pytest.importorskip("highspy")


def packing(seed: int) -> presenters._Model:
    """A random set packing: binaries, rows of 2 to 4 of them summing to at most 1, costs
    -1 to -3 (ties, and relaxations with halves in them)."""
    rng = random.Random(seed)
    m = presenters._Model()
    n = rng.randint(6, 14)
    for _ in range(n):
        m.col(-float(rng.randint(1, 3)), 1.0, True)
    for _ in range(rng.randint(4, 12)):
        m.row([(j, 1.0) for j in rng.sample(range(n), rng.randint(2, 4))], -math.inf, 1.0)
    return m


def test_the_face_gives_the_whole_mips_optimum_or_hands_it_back():
    ways: Counter[str] = Counter()
    narrowed = presenters._Model.without_fixed

    def spy(self):
        ways["narrowed"] += 1
        return narrowed(self)

    presenters._Model.without_fixed = spy  # type: ignore[method-assign]
    try:
        for seed in range(200):
            m = packing(seed)
            before = ways["narrowed"]
            status, values = presenters._on_face(m.copy(), highspy)
            whole, best, optimum = m.solve(highspy, integer=True)
            assert whole == "optimal" and best is not None
            if status is None:  # the face has no assignment: the whole MIP is solved
                assert ways["narrowed"] > before, seed
                ways["handed back"] += 1
                continue
            assert status == "optimal" and values is not None
            assert all(abs(v - round(v)) <= 1e-6 for v in values), seed
            for r in range(len(m.row_upper)):
                terms = range(m.starts[r], m.starts[r + 1])
                assert sum(m.value[k] * values[m.index[k]] for k in terms) <= 1 + 1e-9
            assert sum(c * v for c, v in zip(m.cost, values)) == pytest.approx(optimum), seed
            ways["on the face" if ways["narrowed"] > before else "integral"] += 1
    finally:
        presenters._Model.without_fixed = narrowed  # type: ignore[method-assign]
    # each way is taken by some of these problems
    assert ways["integral"] and ways["on the face"] and ways["handed back"], ways


def test_a_relaxation_without_a_solution_is_no_assignment():
    m = presenters._Model()
    a, b = m.col(-1.0, 1.0, True), m.col(-1.0, 1.0, True)
    m.row([(a, 1.0), (b, 1.0)], 3.0, 3.0)
    assert presenters._on_face(m, highspy) == ("infeasible", None)


def test_without_fixed_moves_fixed_columns_into_the_rows():
    m = presenters._Model()
    a, b, c = m.col(1.0, 1.0, True), m.col(2.0, 1.0, True), m.col(3.0, 1.0)
    m.row([(a, 1.0), (b, 1.0), (c, 2.0)], 1.0, 2.0)
    m.row([(a, 1.0)], 1.0, 1.0)  # left empty: dropped, as a = 1 meets it
    m.lower[a] = 1.0  # a fixed at 1
    m.upper[b] = 0.0  # b fixed at 0
    small, kept, full = m.without_fixed()
    assert list(kept) == [c]
    assert (small.cost, small.upper, small.integer) == ([3.0], [1.0], [False])
    assert (small.starts, small.index, small.value) == ([0, 1], [0], [2.0])
    assert (small.row_lower, small.row_upper) == ([0.0], [1.0])
    assert list(full) == [1.0, 0.0, 0.0]
    m.row([(b, 1.0)], 1.0, math.inf)  # b = 0 breaks it
    assert m.without_fixed() is None


@BIG
@given(big_terms)
def test_roles_on_the_face_are_as_good_as_the_whole_mip(term):
    """Larger random terms with roles: the same balance, consecutive sessions, preferences
    and affinity as the whole MIP gives."""
    try:
        fast = term.assign()
    except PaperclubError as e:
        with pytest.raises(PaperclubError) as whole_error:
            _whole(term)
        assert str(whole_error.value) == str(e)
        return
    whole = _whole(term)
    assert fast.status == whole.status == "optimal"
    assert fast.consecutive == whole.consecutive
    assert fast.objective.get("balance") == whole.objective.get("balance")
    assert fast.objective.get("preferences") == whole.objective.get("preferences")
    assert fast.objective.get("affinity", 0) == pytest.approx(whole.objective.get("affinity", 0))


def _whole(term):
    on_face = presenters._on_face
    presenters._on_face = lambda mip, highspy: (None, None)
    try:
        return term.assign()
    finally:
        presenters._on_face = on_face
