"""Choosing a term's papers: the optimizer of paperclub.solver against the greedy, against the
direct paper x session model solved by the same solver (HiGHS) in the same run, and against
PyCon UK's conference-scheduler (PuLP + CBC) on the instances it can model.

    python bench/plan.py [--quick] [--policy P ...] [--direct-limit S] [--peer-limit S]
                         [--time-limit S]

Instances (candidates, sessions, papers per session): (87, 12, 2) is the bundled sample
catalog planned with schedules/ml-systems.yaml (its real scores, topics, pin and before
pair); (1,000, 52, 3) and (100,000, 52, 3) are generated from a fixed seed: scores as the
built-in scoring makes them (log1p(upvotes), upvotes heavy-tailed, plus 0.5 x recency
halving yearly over two years), 20 topics of Zipf-like sizes, 3 % of the papers without a
topic, one pin and one before pair. Each balance policy (spread, proportional, themed), the
default weights; the direct model is built for each policy's objective.

Each run is a fresh child process (spawn), so its peak memory (ru_maxrss: the whole
process, Python and the instance included) is its own; times are of the solve alone
(highspy is imported before the clock starts; its import time is printed once).

Targets (issues 4 and 16), for every policy: (1,000, 52, 3) proven optimal in <= 1 s and
>= 20x faster than the direct model; (100,000, 52, 3) within 0.5 % of the proven bound in
<= 5 s, peak memory <= 1 GB; two runs of the optimizer give the same plan.
"""

from __future__ import annotations

import argparse
import math
import multiprocessing
import random
import resource
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from paperclub import greedy, solver  # noqa: E402

INSTANCES = ((87, 12, 2), (1_000, 52, 3), (100_000, 52, 3))
SEED = 4
TOPICS = 20


# -- instances ---------------------------------------------------------------------------------


def synthetic(n: int, sessions: int, per_session: int, seed: int = SEED) -> dict[str, Any]:
    rng = random.Random(f"{seed}/{n}")
    names = [f"topic-{i:02d}" for i in range(TOPICS)]
    sizes = [1 / (r + 1) ** 1.1 for r in range(TOPICS)]
    items = []
    for i in range(n):
        topic = rng.choices(names, sizes)[0] if rng.random() >= 0.03 else None
        upvotes = int(rng.paretovariate(1.1)) - 1  # most papers few, a few hundreds
        age = rng.uniform(0, 730)
        score = round(math.log1p(upvotes) + 0.5 * 2 ** (-age / 365), 9)
        items.append(solver.Item(f"p{i:06d}", topic, score))
    ranked = sorted(items, key=lambda it: (-it.score, it.id))
    # pin the fifth best paper to the second session; the best comes after the third best
    return {
        "items": items,
        "sessions": sessions,
        "per_session": per_session,
        "pins": {1: [ranked[4].id]},
        "before": [(ranked[2].id, ranked[0].id)],
        "label": f"{n:,} x {sessions} x {per_session}",
    }


def sample() -> dict[str, Any]:
    """The bundled sample catalog with schedules/ml-systems.yaml, through paperclub's own
    topics and scoring plugins."""
    from paperclub import config, meetings, planner
    from paperclub.plugins import Hooks, get_plugin_manager
    from paperclub.sources import DATA, SourceFile

    group = config.load_group(ROOT / "schedules" / "ml-systems.yaml")
    hooks = Hooks(get_plugin_manager(None))
    papers = [
        p
        for p in hooks.sources["paperclub-json"].read(SourceFile(DATA / "sample.json"), None)
        if not isinstance(p, Exception)
    ]
    pool, _ = planner.candidates(group, papers, hooks)
    slots = meetings.slots(group.meetings, group.timezone)
    index = {slot.start.date(): i for i, slot in enumerate(slots)}
    pins: dict[int, list[str]] = {}
    for day, pinned in group.pins.items():
        ids = (pinned,) if isinstance(pinned, str) else tuple(pinned)
        pins.setdefault(index[day], []).extend(ids)
    items = [solver.Item(c.id, c.topics[0] if c.topics else None, c.score) for c in pool]
    return {
        "items": items,
        "sessions": len(slots),
        "per_session": group.meetings.papers_per_session,
        "pins": pins,
        "before": list(group.before),
        "label": f"{len(items)} x {len(slots)} x {group.meetings.papers_per_session}",
    }


def instance(n: int, sessions: int, per_session: int) -> dict[str, Any]:
    if (n, sessions, per_session) == (87, 12, 2):
        try:
            inst = sample()
            if (len(inst["items"]), inst["sessions"], inst["per_session"]) == (87, 12, 2):
                inst["label"] += " (sample)"
                return inst
        except Exception as e:  # the sample pipeline changed: say so, use a synthetic one
            print(
                f"(sample catalog unavailable: {e}; a synthetic instance instead)", file=sys.stderr
            )
    return synthetic(n, sessions, per_session)


def problem_of(inst: dict[str, Any], policy: str = "spread") -> solver.Problem:
    return solver.prepare(
        inst["items"],
        inst["sessions"],
        inst["per_session"],
        pins=inst["pins"],
        before=inst["before"],
        policy=policy,
    )


# -- the direct model: x[p, s] binary for every paper and session ------------------------------


def solve_direct(problem: solver.Problem, time_limit: float) -> solver.Solution:
    """The plain model of the same problem and objective, for every built-in policy: a
    binary per paper and session, no aggregation, no pruning, no relaxation; the same
    penalties, cuts, options and MIP start (the greedy plan) as the optimizer's model.
    Built with numpy, rowwise, straight into HiGHS."""
    import highspy
    import numpy as np

    started = time.perf_counter()
    p, w = problem, problem.weights
    policy = p.policy.name
    assert policy in ("spread", "proportional", "themed"), policy
    spread, themed = policy == "spread", policy == "themed"
    S, k, n = p.sessions, p.per_session, len(p.items)
    ids = [it.id for it in p.items]
    position = {pid: i for i, pid in enumerate(ids)}
    topics = sorted({it.topic for it in p.items if it.topic is not None})
    tix = {t: i for i, t in enumerate(topics)}
    T = len(topics)
    score = np.array([it.score for it in p.items])
    topic_of = np.array([tix[it.topic] if it.topic is not None else -1 for it in p.items])
    loose = bool((topic_of < 0).any())
    G = T + (1 if loose else 0)  # themed: the groups that can be a theme (no topic: last)
    targets = list(p.targets.items()) if policy == "proportional" else []

    # columns: x (n*S), y (T*S), z1 (T*(S-1)), z2 (spread: T*(S-2)), short (S),
    # deviation (proportional: one per target), theta and on (themed: G*S each)
    nx, ny = n * S, T * S
    n1, n2 = T * max(S - 1, 0), (T * max(S - 2, 0) if spread else 0)
    X, Y, Z1, Z2 = 0, nx, nx + ny, nx + ny + n1
    SH = Z2 + n2
    DEV = SH + S
    TH = DEV + len(targets)
    ON = TH + (G * S if themed else 0)
    ncol = ON + (G * S if themed else 0)
    cost = np.zeros(ncol)
    cost[:nx] = np.repeat(score, S)
    cost[Z1:Z2] = -w["consecutive"]
    cost[Z2:SH] = -w.get("nearby", 0.0)
    back = p.policy.empty_place(w)
    cost[SH:DEV] = [-solver.place_cost(p, s) + back for s in range(S)]  # earlier dearer
    cost[DEV:TH] = -w.get("proportional", 0.0)
    lower, upper = np.zeros(ncol), np.ones(ncol)
    upper[SH:DEV] = k
    upper[DEV:TH] = np.inf
    integer = np.zeros(ncol, dtype=bool)
    integer[:Z1] = True
    offset = 0.0
    if themed:
        integer[TH:ON] = True
        cost[ON:] = w["themed"]
        caps = np.full((G, S), float(k))
        if loose:
            caps[T, :] = 1.0  # papers without a topic: a theme of one
        upper[ON:] = caps.reshape(-1)
        offset = -w["themed"] * k * S
    for pid, s in p.pinned.items():
        i = position[pid]
        upper[X + i * S : X + (i + 1) * S] = 0
        lower[X + i * S + s] = upper[X + i * S + s] = 1

    starts, index, value, rlo, rhi = [], [], [], [], []

    def block(
        row_index: np.ndarray,
        col_index: np.ndarray,
        coef: np.ndarray,
        lo: np.ndarray,
        hi: np.ndarray,
    ) -> None:
        """Rows given as (row, column, coefficient) triples, rows numbered from 0."""
        order = np.lexsort((col_index, row_index))
        row_index, col_index, coef = row_index[order], col_index[order], coef[order]
        counts = np.bincount(row_index, minlength=len(lo))
        starts.append(counts)
        index.append(col_index.astype(np.int32))
        value.append(coef.astype(np.float64))
        rlo.append(lo)
        rhi.append(hi)

    paper = np.repeat(np.arange(n), S)
    cols = np.arange(nx)
    block(paper, cols, np.ones(nx), np.full(n, -np.inf), np.ones(n))  # each paper once
    sess = np.tile(np.arange(S), n)
    block(
        np.concatenate([sess, np.arange(S)]),
        np.concatenate([cols, SH + np.arange(S)]),
        np.ones(nx + S),
        np.full(S, float(k)),
        np.full(S, float(k)),
    )  # sessions filled
    has = topic_of >= 0
    cap = np.ones((T, S)) if spread else np.full((T, S), float(k))
    if spread:
        for s, pids in p.pins.items():  # pins may force two papers of a topic into a session
            forced: dict[int, int] = {}
            for pid in pids:
                t = int(topic_of[position[pid]])
                if t >= 0:
                    forced[t] = forced.get(t, 0) + 1
            for t, m in forced.items():
                cap[t, s] = max(1, m)
    xs = np.nonzero(has)[0]
    trow = np.repeat(topic_of[xs], S) * S + np.tile(np.arange(S), len(xs))
    tcol = np.repeat(xs, S) * S + np.tile(np.arange(S), len(xs))
    yrow = np.arange(T * S)
    block(
        np.concatenate([trow, yrow]),
        np.concatenate([tcol, Y + yrow]),
        np.concatenate([np.ones(len(trow)), -cap.reshape(-1)]),
        np.full(T * S, -np.inf),
        np.zeros(T * S),
    )  # papers of t in s only when y[t, s]
    if themed:  # on[g, s] <= papers of g in s; on[g, s] <= cap x theta[g, s]; one theme
        group_of = np.where(topic_of >= 0, topic_of, T)
        grow = np.repeat(group_of, S) * S + np.tile(np.arange(S), n)
        gs = np.arange(G * S)
        block(
            np.concatenate([grow, gs]),
            np.concatenate([cols, ON + gs]),
            np.concatenate([-np.ones(nx), np.ones(G * S)]),
            np.full(G * S, -np.inf),
            np.zeros(G * S),
        )
        block(
            np.concatenate([gs, gs]),
            np.concatenate([ON + gs, TH + gs]),
            np.concatenate([np.ones(G * S), -caps.reshape(-1)]),
            np.full(G * S, -np.inf),
            np.zeros(G * S),
        )
        block(np.tile(np.arange(S), G), TH + gs, np.ones(G * S), np.full(S, -np.inf), np.ones(S))
    for d, (g, share) in enumerate(targets):  # |have - share x (places - sum short)| <= dev
        if g == solver_others():
            member = np.array([it.topic not in p.targets for it in p.items])
        else:
            member = np.array([it.topic == g for it in p.items])
        mine = np.repeat(np.nonzero(member)[0] * S, S) + np.tile(np.arange(S), int(member.sum()))
        places = float(S * k)
        for sign in (1.0, -1.0):
            c = np.concatenate([mine, SH + np.arange(S), [DEV + d]])
            v = np.concatenate([np.full(len(mine), sign), np.full(S, sign * share), [-1.0]])
            block(
                np.zeros(len(c), dtype=np.int64),
                c,
                v,
                np.array([-np.inf]),
                np.array([sign * share * places]),
            )
    rows: list[tuple[list[int], list[float], float]] = []  # columns, coefficients, upper
    for t in range(T):  # penalties and the cut, as in the optimizer
        for s in range(S - 1):
            rows.append(
                ([Y + t * S + s, Y + t * S + s + 1, Z1 + t * (S - 1) + s], [1.0, 1.0, -1.0], 1.0)
            )
        for s in range(S - 2 if spread else 0):
            z2 = Z2 + t * (S - 2) + s
            rows.append(([Y + t * S + s, Y + t * S + s + 2, z2], [1.0, 1.0, -1.0], 1.0))
            rows.append(
                (
                    [Y + t * S + s + d for d in range(3)]
                    + [Z1 + t * (S - 1) + s, Z1 + t * (S - 1) + s + 1, z2],
                    [1.0, 1.0, 1.0, -1.0, -1.0, -1.0],
                    1.0,
                )
            )
    for a, b in p.before:  # b in session s only after a in an earlier one
        ia, ib = position[a], position[b]
        for s in range(S):
            rows.append(
                ([X + ib * S + s, *(X + ia * S + r for r in range(s))], [1.0, *([-1.0] * s)], 0.0)
            )
    if rows:
        r = np.concatenate([np.full(len(c), i) for i, (c, _, _) in enumerate(rows)])
        block(
            r,
            np.concatenate([np.array(c) for c, _, _ in rows]),
            np.concatenate([np.array(v) for _, v, _ in rows]),
            np.full(len(rows), -np.inf),
            np.array([u for _, _, u in rows]),
        )

    lp = highspy.HighsLp()
    lp.num_col_ = ncol
    lp.num_row_ = int(sum(len(x) for x in rlo))
    lp.col_cost_, lp.col_lower_ = cost, lower
    inf = highspy.kHighsInf
    lp.col_upper_ = np.clip(upper, -inf, inf)
    lp.offset_ = offset
    lp.row_lower_ = np.clip(np.concatenate(rlo), -inf, inf)
    lp.row_upper_ = np.clip(np.concatenate(rhi), -inf, inf)
    lp.sense_ = highspy.ObjSense.kMaximize
    lp.a_matrix_.format_ = highspy.MatrixFormat.kRowwise
    lp.a_matrix_.num_col_, lp.a_matrix_.num_row_ = ncol, lp.num_row_
    lp.a_matrix_.start_ = np.concatenate([[0], np.cumsum(np.concatenate(starts))]).astype(np.int32)
    lp.a_matrix_.index_ = np.concatenate(index)
    lp.a_matrix_.value_ = np.concatenate(value)
    kinds = highspy.HighsVarType
    lp.integrality_ = [kinds.kInteger if i else kinds.kContinuous for i in integer]
    h = solver._new_highs(highspy)
    for name, val in (
        ("output_flag", False),
        ("threads", 1),
        ("random_seed", 0),
        ("mip_rel_gap", solver.REL_GAP),
        ("mip_abs_gap", 1e-7),
        ("time_limit", max(time_limit - (time.perf_counter() - started), 0.0)),
    ):
        h.setOptionValue(name, val)
    h.passModel(lp)
    del lp  # HiGHS holds its own copy
    start = greedy.assign(problem)
    values = np.zeros(ncol)
    chosen = 0
    for s, pids in enumerate(start):
        chosen += len(pids)
        for pid in pids:
            values[X + position[pid] * S + s] = 1
        values[SH + s] = k - len(pids)
        per: dict[int, int] = {}
        for pid in pids:
            t = int(topic_of[position[pid]])
            if t >= 0:
                values[Y + t * S + s] = 1
            g = t if t >= 0 else T
            per[g] = per.get(g, 0) + 1
        if themed and per:
            g, m = max(per.items(), key=lambda e: (min(e[1], 1 if e[0] == T else k), -e[0]))
            values[TH + g * S + s] = 1
            values[ON + g * S + s] = min(m, 1 if g == T else k)
    yv = values[Y : Y + ny].reshape(T, S)
    if S > 1:
        values[Z1:Z2] = np.maximum(0, yv[:, :-1] + yv[:, 1:] - 1).reshape(-1)
    if S > 2 and spread:
        values[Z2:SH] = np.maximum(0, yv[:, :-2] + yv[:, 2:] - 1).reshape(-1)
    for d, (g, share) in enumerate(targets):
        topics = [p.by_id[pid].topic for pids in start for pid in pids]
        if g == solver_others():
            have = sum(1 for t in topics if t not in p.targets)
        else:
            have = sum(1 for t in topics if t == g)
        values[DEV + d] = abs(have - share * chosen)
    sol = highspy.HighsSolution()
    sol.col_value = values
    sol.value_valid = True
    h.setSolution(sol)
    h.run()
    info = h.getInfo()
    status = h.getModelStatus()
    if info.primal_solution_status != highspy.kSolutionStatusFeasible:
        return solver.greedy_solution(problem, start, started, "direct: no plan in time")
    x = np.asarray(h.getSolution().col_value)[:nx].reshape(n, S)
    plan: list[list[str]] = [[] for _ in range(S)]
    for i, s in zip(*np.nonzero(x > 0.5)):
        plan[s].append(ids[i])
    bound = info.mip_dual_bound if math.isfinite(info.mip_dual_bound) else math.inf
    optimal = status == highspy.HighsModelStatus.kOptimal
    sol = solver._solution(
        problem,
        plan,
        bound,  # its own bound only
        "optimal" if optimal else "feasible",
        "highs (direct)",
        started,
        "" if optimal else h.modelStatusToString(status),
    )
    broken = solver.violations(problem, plan)
    assert not broken, broken
    return sol


def solver_others() -> str:
    from paperclub.policies import OTHERS

    return OTHERS


# -- conference-scheduler (PyCon UK), PuLP + CBC ------------------------------------------------


def conference_scheduler(problem: solver.Problem, time_limit: float) -> dict[str, Any]:
    """Schedule the candidates with conference-scheduler: a slot per place (k concurrent
    venues per session), an event per paper tagged with its topic (events sharing a tag
    never run concurrently: our spread rule), a pinned paper unavailable everywhere but its
    session. It schedules every event exactly once and has no score, no choice of papers,
    no order between sessions (before pairs, consecutive sessions): its plan is scored with
    our objective afterwards. Note: the library applies tag clashes only to events that list
    some unavailability, so each event lists a slot outside the term."""
    import pulp
    from conference_scheduler import scheduler
    from conference_scheduler.resources import Event, Slot

    p = problem
    first = datetime(2026, 1, 1, 16, 0)
    slots = [
        Slot(
            venue=f"place {j + 1}",
            starts_at=first + timedelta(weeks=s),
            duration=90,
            capacity=100,
            session=f"session {s + 1:02d}",
        )
        for s in range(p.sessions)
        for j in range(p.per_session)
    ]
    nowhere = Slot(
        venue="nowhere", starts_at=datetime(2000, 1, 1), duration=90, capacity=0, session="none"
    )
    events = []
    for it in p.items:
        away = [nowhere]
        if it.id in p.pinned:
            away += [sl for i, sl in enumerate(slots) if i // p.per_session != p.pinned[it.id]]
        events.append(
            Event(
                name=it.id,
                duration=90,
                demand=0,
                tags=[it.topic] if it.topic else [],
                unavailability=away,
            )
        )
    started = time.perf_counter()
    try:
        found = scheduler.solution(
            events, slots, solver=pulp.PULP_CBC_CMD(msg=False, timeLimit=time_limit)
        )
    except ValueError:
        found = None
    seconds = time.perf_counter() - started
    if found is None:
        return {"seconds": seconds, "objective": None, "note": "no solution"}
    plan: list[list[str]] = [[] for _ in range(p.sessions)]
    for e, sl in found:
        plan[sl // p.per_session].append(p.items[e].id)
    terms, _ = solver.evaluate(p, plan)
    broken = solver.violations(p, plan)
    return {
        "seconds": seconds,
        "objective": sum(terms.values()),
        "note": f"broke: {'; '.join(broken)}" if broken else "all rules kept",
    }


# -- runs, each in its own process -------------------------------------------------------------


def _child(method: str, key: tuple, options: dict[str, Any], out: Any) -> None:
    try:
        import highspy  # noqa: F401  (its import is in no solve time)

        inst = (
            instance(*key)
            if key[0] >= 0
            else top_of(instance(*(-key[0], *key[1:])), key[1] * key[2])
        )
        problem = problem_of(inst, options.get("policy", "spread"))
        if method == "peer":
            result = conference_scheduler(problem, options["peer_limit"])
        else:
            if method == "optimizer":
                sol = solver.solve_problem(problem, time_limit=options["time_limit"])
            elif method == "greedy":
                sol = greedy.plan_problem(problem)
            else:
                sol = solve_direct(problem, options["direct_limit"])
            result = {
                "seconds": sol.seconds,
                "objective": sol.objective,
                "bound": sol.bound,
                "gap": sol.gap,
                "status": sol.status,
                "note": sol.note,
                "terms": sol.terms,
                "sessions": sol.sessions,
            }
        result["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        out.send(result)
    except Exception as e:  # report, do not hang the parent
        out.send({"error": f"{type(e).__name__}: {e}"})


def top_of(inst: dict[str, Any], places: int) -> dict[str, Any]:
    """The instance cut to its `places` best candidates (pinned and paired papers kept): as
    many papers as places, the most conference-scheduler can model."""
    keep = {pid for ids in inst["pins"].values() for pid in ids}
    keep |= {pid for pair in inst["before"] for pid in pair}
    rest = sorted(
        (it for it in inst["items"] if it.id not in keep), key=lambda it: (-it.score, it.id)
    )
    chosen = [it for it in inst["items"] if it.id in keep]
    chosen += rest[: max(places - len(chosen), 0)]
    return {
        **inst,
        "items": chosen,
        "label": f"{len(chosen)} x {inst['sessions']} x {inst['per_session']} "
        f"(the {len(chosen)} best of {inst['label'].split(' ')[0]})",
    }


def run(method: str, key: tuple, options: dict[str, Any], wall: float) -> dict[str, Any]:
    ctx = multiprocessing.get_context("spawn")
    here, there = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=_child, args=(method, key, options, there))
    proc.start()
    if here.poll(wall):
        result = here.recv()
    else:
        result = {"error": f"no answer in {wall:.0f} s (killed)"}
    proc.join(5)
    if proc.is_alive():
        proc.kill()
        proc.join()
    return result


def fmt(x: float | None, digits: int = 3) -> str:
    if x is None or (isinstance(x, float) and not math.isfinite(x)):
        return "-"
    return f"{x:,.{digits}f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="skip the 100,000 instance")
    parser.add_argument("--time-limit", type=float, default=10.0, help="the optimizer's")
    parser.add_argument(
        "--direct-limit",
        type=float,
        default=120.0,
        help="the direct model's time limit (default 120 s; 60 s at 100,000)",
    )
    parser.add_argument(
        "--peer-limit", type=float, default=120.0, help="conference-scheduler's CBC time limit"
    )
    parser.add_argument(
        "--policy",
        action="append",
        dest="policies",
        choices=("spread", "proportional", "themed"),
        help="only this policy (repeat for more; default: all three)",
    )
    args = parser.parse_args()
    args.policies = args.policies or ["spread", "proportional", "themed"]

    import importlib.metadata as md
    import subprocess

    imports = {}
    for module in ("highspy", "ortools.sat.python.cp_model", "pulp"):
        code = (
            f"import time; t = time.perf_counter(); import {module}; print(time.perf_counter() - t)"
        )
        done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
        ok = done.returncode == 0
        imports[module] = float(done.stdout.strip().splitlines()[-1]) if ok else None
    versions = {}
    for dist in ("highspy", "ortools", "conference-scheduler", "PuLP"):
        try:
            versions[dist] = md.version(dist)
        except md.PackageNotFoundError:
            versions[dist] = "not installed"
    print(
        f"python {sys.version.split()[0]}; highspy {versions['highspy']}, "
        f"conference-scheduler {versions['conference-scheduler']} (PuLP {versions['PuLP']}, "
        f"CBC), ortools {versions['ortools']}"
    )
    print(
        "import time: "
        + ", ".join(f"{m.split('.')[0]} {fmt(s, 3)} s" for m, s in imports.items() if s is not None)
    )
    print(
        "default weights; times of the solve alone; peak = the child process's ru_maxrss; "
        "each optimizer run twice (its plans compared)\n"
    )

    header = (
        f"{'instance':<28} {'method':<26} {'status':<9} {'time s':>8} {'objective':>11} "
        f"{'bound':>11} {'gap':>8} {'to best':>8} {'peak MB':>8}"
    )
    results: dict[tuple, dict[str, dict[str, Any]]] = {}
    keys = [k for k in INSTANCES if not (args.quick and k[0] >= 100_000)]
    for policy in args.policies:
        for key in keys:
            options = {
                "time_limit": args.time_limit,
                "peer_limit": args.peer_limit,
                "policy": policy,
                "direct_limit": options_limit(key, args),
            }
            row = results[policy, key] = {}
            for method in ("optimizer", "again", "greedy", "direct"):
                wall = (options["direct_limit"] if method == "direct" else args.time_limit) + 300
                row[method] = run("optimizer" if method == "again" else method, key, options, wall)
    for policy in args.policies:
        print(f"policy {policy}:")
        print(header)
        print("-" * len(header))
        for key in keys:
            row = results[policy, key]
            label = instance_label(key)
            bounds = [
                r["bound"] for r in row.values() if "bound" in r and r.get("status") != "greedy"
            ]
            best = min(bounds) if bounds else None
            for method, r in row.items():
                if method == "again":
                    continue
                name = {
                    "optimizer": "optimizer (topics)",
                    "greedy": "greedy",
                    "direct": f"direct x[p,s] ({fmt(options_limit(key, args), 0)} s cap)",
                }[method]
                if "error" in r:
                    print(f"{label:<28} {name:<26} {r['error']}")
                    label = ""
                    continue
                to_best = solver.gap(r["objective"], best) if best is not None else None
                print(
                    f"{label:<28} {name:<26} {r['status']:<9} {fmt(r['seconds']):>8} "
                    f"{fmt(r['objective']):>11} {fmt(r['bound']):>11} {pct(r['gap']):>8} "
                    f"{pct(to_best):>8} {fmt(r['peak_mb'], 0):>8}"
                )
                label = ""
            opt, direct, again = row["optimizer"], row["direct"], row["again"]
            if opt.get("status") == direct.get("status") == "optimal" and abs(
                opt["objective"] - direct["objective"]
            ) > 1e-6 * max(1, abs(opt["objective"])):
                print(
                    f"  !! the optimal objectives differ: {opt['objective']} != "
                    f"{direct['objective']}"
                )
            if opt.get("terms"):
                print(
                    "  optimizer's terms: "
                    + ", ".join(f"{k} {v:,.3f}" for k, v in opt["terms"].items())
                )
            same = "error" not in opt and opt.get("sessions") == again.get("sessions")
            print(f"  two runs of the optimizer: {'the same plan' if same else 'DIFFERENT plans'}")
        print()

    if "spread" in args.policies:
        # conference-scheduler: the smallest instance as is, then cut to as many papers as
        # places (it models spread's rule, not the other policies')
        small = keys[0]
        peer_rows = []
        for key in (small, (-small[0], small[1], small[2])):
            options = {
                "time_limit": args.time_limit,
                "peer_limit": args.peer_limit,
                "direct_limit": args.direct_limit,
            }
            peer = run("peer", key, options, args.peer_limit + 300)
            ours = run("optimizer", key, options, args.time_limit + 300)
            peer_rows.append((key, peer, ours))
        print(
            "conference-scheduler (schedules every event once; no scores, no before pairs, "
            "no consecutive rule) beside the optimizer on the same instance (spread):"
        )
        for key, peer, ours in peer_rows:
            label = instance_label(key)
            if "error" in peer:
                print(f"{label:<40} conference-scheduler: {peer['error']}")
            else:
                print(
                    f"{label:<40} conference-scheduler {fmt(peer['seconds'])} s, objective "
                    f"{fmt(peer['objective']) if peer['objective'] is not None else 'no solution'}"
                    f" ({peer['note']}), peak {fmt(peer['peak_mb'], 0)} MB"
                )
            if "error" not in ours:
                print(
                    f"{'':<40} optimizer            {fmt(ours['seconds'])} s, objective "
                    f"{fmt(ours['objective'])} ({ours['status']}, gap "
                    f"{fmt(100 * ours['gap'])}%)"
                )

    print("\ntargets:")
    for policy in args.policies:
        for key, want in (
            ((1_000, 52, 3), "proven optimal <= 1 s, >= 20x faster than direct"),
            ((100_000, 52, 3), "gap <= 0.5 % in <= 5 s, peak <= 1,024 MB"),
        ):
            if (policy, key) not in results:
                continue
            row = results[policy, key]
            opt, direct, again = row["optimizer"], row["direct"], row["again"]
            where = f"{policy:<13} {instance_label(key)}"
            if "error" in opt:
                print(f"  {where}: optimizer failed")
                continue
            same = opt.get("sessions") == again.get("sessions")
            if key[0] == 1_000:
                speed = (direct["seconds"] / opt["seconds"]) if "error" not in direct else math.inf
                ok = opt["status"] == "optimal" and opt["seconds"] <= 1 and speed >= 20 and same
                more = (
                    ""
                    if direct.get("status") == "optimal"
                    else " (direct did not finish: at least)"
                )
                print(
                    f"  {where}: {want}: {opt['status']} in {opt['seconds']:.3f} s, "
                    f"{speed:,.0f}x faster{more}{'' if same else ', plans differ'} -> "
                    f"{'met' if ok else 'NOT met'}"
                )
            else:
                ok = opt["gap"] <= 0.005 and opt["seconds"] <= 5 and opt["peak_mb"] <= 1024 and same
                print(
                    f"  {where}: {want}: gap {100 * opt['gap']:.4f} % in "
                    f"{opt['seconds']:.3f} s, peak {opt['peak_mb']:,.0f} MB"
                    f"{'' if same else ', plans differ'} -> {'met' if ok else 'NOT met'}"
                )


def pct(x: float | None) -> str:
    return "-" if x is None or not math.isfinite(x) else f"{100 * x:.3f}%"


def options_limit(key: tuple, args: argparse.Namespace) -> float:
    return args.direct_limit if key[0] < 100_000 else min(args.direct_limit, 60.0)


def instance_label(key: tuple) -> str:
    if key[0] < 0:
        n, S, k = -key[0], key[1], key[2]
        return f"{S * k} x {S} x {k} (best {S * k} of {n})"
    n, S, k = key
    return f"{n:,} x {S} x {k}" + (" (sample)" if key == (87, 12, 2) else "")


if __name__ == "__main__":
    main()
