"""Re-planning mid-term: how much of the term one batch of new papers changes.

    python bench/replan.py [--new N] [--seed S] [--today DATE]

The experiment (issue 6): plan the sample term (schedules/ml-systems.yaml) before it starts;
add N (10) new papers to the catalog, generated from a fixed seed with the sample's topics
and a spread of upvotes like the sample's; re-plan from mid-term (`--today`, after the
fourth session). Printed:

- how many future sessions changed, with the default change penalty, against the baseline
  of the same re-plan with the penalty off (`selection.weights.change: 0`), in the same run;
- each change, grouped into the smallest sets of sessions that exchange papers, and what
  it gains: the plan's objective without the change term, minus that of the same plan with
  this group of sessions put back as they were. Each gain is more than the penalty of the
  changes it makes (the optimizer's plan is optimal counting the penalty, and putting a
  group back is a plan it could have chosen);
- whether planning again with nothing changed writes byte-identical files.
"""

from __future__ import annotations

import argparse
import csv
import random
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

import yaml  # noqa: E402

from paperclub import config, meetings, planfile, planner, solver, workflow  # noqa: E402
from paperclub.catalog import Catalog  # noqa: E402
from paperclub.default_plugins.optimizer import problem_for  # noqa: E402
from paperclub.plugins import Hooks, get_plugin_manager  # noqa: E402

WORDS = {  # title stems per topic of the sample config, so the new papers have topics
    "inference": [
        "Speculative Decoding",
        "KV Cache Compression",
        "Quantization-Aware Serving",
        "Serving Throughput",
    ],
    "code": [
        "Code Generation",
        "Program Repair",
        "Compiler Optimisation",
        "Transpiling Legacy Code",
    ],
    None: ["Scaling Laws", "Reward Models", "Long-Context Retrieval", "Benchmark Contamination"],
}
TAILS = [
    "for Large Language Models",
    "at Scale",
    "without Retraining",
    "in Practice",
    "with Verifiable Guarantees",
]


def new_papers(n: int, seed: int) -> list[dict]:
    """`n` papers with the sample's topics and upvotes drawn from the sample's own."""
    import json

    sample = json.loads((ROOT / "src" / "paperclub" / "data" / "sample.json").read_text())
    upvotes_seen = sorted(int(p.get("upvotes") or 0) for p in sample)
    rng = random.Random(seed)
    out = []
    for i in range(n):
        topic = rng.choice(list(WORDS))
        title = f"{rng.choice(WORDS[topic])} {rng.choice(TAILS)} ({i + 1})"
        upvotes = rng.choice(upvotes_seen)
        out.append(
            {
                "title": title,
                "upvotes": upvotes,
                "published": "2025-11-24",
                "arxiv_id": f"2511.{90000 + i}",
                "abstract": f"We study {title.lower()}.",
            }
        )
    return out


def write_csv(path: Path, papers: list[dict]) -> None:
    with path.open("w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(papers[0]))
        writer.writeheader()
        writer.writerows(papers)


def edit(path: Path, change) -> None:
    data = yaml.safe_load(path.read_text())
    change(data)
    path.write_text(yaml.safe_dump(data, sort_keys=False))


def future(plan, today: date) -> dict[str, list[str]]:
    return {
        s.id: [a.paper_id for a in s.papers]
        for s in plan.sessions
        if s.start.date() >= today and s.status != "cancelled"
    }


def groups(before: dict[str, list[str]], after: dict[str, list[str]]) -> list[list[str]]:
    """The changed sessions, in the smallest groups that exchange papers among themselves."""
    changed = [sid for sid in after if set(after[sid]) != set(before.get(sid, ()))]
    where = {pid: sid for sid, ids in after.items() for pid in ids}
    parent = {sid: sid for sid in changed}

    def find(x: str) -> str:
        while parent[x] != x:
            x = parent[x]
        return x

    for sid in changed:
        for pid in before.get(sid, ()):
            other = where.get(pid)
            if other is not None and other != sid and other in parent:
                parent[find(other)] = find(sid)
    out: dict[str, list[str]] = {}
    for sid in changed:
        out.setdefault(find(sid), []).append(sid)
    return sorted(out.values())


def run(args) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        ws = Path(tmp)
        (ws / "schedules").mkdir()
        schedule = ws / "schedules" / "ml-systems.yaml"
        schedule.write_text((ROOT / "schedules" / "ml-systems.yaml").read_text())
        catalog = ws / "catalog.sqlite"
        hooks = Hooks(get_plugin_manager(ws))
        today = date.fromisoformat(args.today)

        started = time.perf_counter()
        workflow.plan(schedule, catalog, hooks, today=date(2026, 11, 1))
        first = planfile.load(planfile.plan_path(schedule))
        print(
            f"first plan: {sum(1 for s in first.sessions if s.status != 'cancelled')} sessions "
            f"({time.perf_counter() - started:.2f} s)"
        )

        papers = new_papers(args.new, args.seed)
        write_csv(ws / "schedules" / "new.csv", papers)
        edit(schedule, lambda c: c["catalog"].update(sources=["paperclub:sample", "new.csv"]))
        print(f"added {len(papers)} papers: upvotes {sorted(p['upvotes'] for p in papers)}")

        # the baseline: the same re-plan without the change penalty, in a copy of the workspace
        base_plan = ws / "schedules" / "ml-systems.plan.yaml"
        saved = base_plan.read_bytes()
        edit(schedule, lambda c: c["selection"]["weights"].update(change=0))
        baseline = workflow.plan(schedule, catalog, hooks, today=today).plan
        base_future = future(baseline, today)
        base_plan.write_bytes(saved)
        edit(schedule, lambda c: c["selection"]["weights"].pop("change"))

        started = time.perf_counter()
        result = workflow.plan(schedule, catalog, hooks, today=today)
        seconds = time.perf_counter() - started
        second = result.plan
        was, now = future(first, today), future(second, today)
        moved = [sid for sid in now if set(now[sid]) != set(was.get(sid, ()))]
        base_moved = [sid for sid in base_future if set(base_future[sid]) != set(was.get(sid, ()))]
        added = {f"arxiv:{p['arxiv_id']}" for p in papers}
        print(f"re-planned from {today}: {len(now)} future sessions, {seconds:.2f} s")
        print(
            f"  sessions changed, change penalty {planner_weight(schedule):g}: {len(moved)} "
            f"({sum(1 for s in now.values() for p in s if p in added)} new papers planned)"
        )
        print(
            f"  sessions changed, no change penalty (baseline): {len(base_moved)} "
            f"({sum(1 for s in base_future.values() for p in s if p in added)} new papers planned)"
        )
        lost = sum(1 for sid, ids in was.items() for p in ids if p not in base_future.get(sid, ()))
        print(f"  papers moved or dropped without the penalty: {lost}")

        # each group of changes against the plan with that group put back
        group = config.load_group(schedule, emitters=hooks.emitters)
        with Catalog(catalog) as cat:
            labels = workflow.sync_sources(group, cat, hooks)
            every = list(cat.papers(sources=labels))
        pool, _ = planner.candidates(group, every, hooks, planner.read_papers(group, first, today))
        slots = planner.identify(meetings.slots(group.meetings, group.timezone), first, today)
        problem = problem_for(pool, slots, group, was)
        order = [slot.id for slot in slots]
        plan_lists = [now.get(sid, []) for sid in order]
        terms, counts = solver.evaluate(problem, plan_lists)
        w = problem.weights["change"]
        base_value = sum(terms.values()) - terms["change"]
        title = {a.paper_id: a.title for s in [*first.sessions, *second.sessions] for a in s.papers}
        print(
            f"  objective {sum(terms.values()):.3f} = {base_value:.3f} without the change "
            f"term {terms['change']:.3f} ({counts['change']:g} papers moved or dropped)"
        )
        ok = True
        for sessions in groups(was, now):
            reverted = [
                list(was[sid]) if sid in sessions else list(now.get(sid, [])) for sid in order
            ]
            if solver.violations(problem, reverted):
                print(
                    f"  {', '.join(sessions)}: putting it back breaks a rule "
                    f"({solver.violations(problem, reverted)[0]})"
                )
                continue
            t2, c2 = solver.evaluate(problem, reverted)
            gain = base_value - (sum(t2.values()) - t2["change"])
            penalty = w * (counts["change"] - c2["change"])
            ok &= gain > penalty
            print(
                f"  {', '.join(sessions)}: gains {gain:.3f} for {counts['change'] - c2['change']:g} "
                f"changes, penalty {penalty:.3f}: {'more' if gain > penalty else 'NOT more'}"
            )
            for sid in sessions:
                out = [title.get(p, p)[:50] for p in was.get(sid, []) if p not in now[sid]]
                into = [title.get(p, p)[:50] for p in now[sid] if p not in was.get(sid, [])]
                print(f"      {sid}: - {'; '.join(out) or '(nothing)'}  + {'; '.join(into)}")
        print(f"every change gains more than its penalty: {'yes' if ok else 'NO'}")

        files = {p: p.read_bytes() for p in (ws / "schedules").iterdir()}
        again = workflow.plan(schedule, catalog, hooks, today=today)
        same = {p: p.read_bytes() for p in (ws / "schedules").iterdir()} == files
        print(
            f"planned again with nothing changed: {len(again.written)} files written, "
            f"byte-identical: {'yes' if same else 'NO'}"
        )


def planner_weight(schedule: Path) -> float:
    weights = yaml.safe_load(schedule.read_text())["selection"].get("weights") or {}
    return float(weights.get("change", solver.DEFAULT_WEIGHTS["change"]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--new", type=int, default=10)
    parser.add_argument("--seed", type=int, default=6)
    parser.add_argument("--today", default="2027-01-10")
    run(parser.parse_args())


if __name__ == "__main__":
    main()
