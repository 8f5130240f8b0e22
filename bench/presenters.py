"""Assigning presenters: the exact assignment of paperclub.presenters (HiGHS) against the
round robin paperclub used before (`method="rotation"`), on the same terms, in the same run.

    python bench/presenters.py [--seeds N] [--members M] [--sessions S] [--papers K] [--no-roles]

The term (issue 5's size by default): 30 members x 52 weekly sessions x 3 papers, generated
from a fixed seed. 20 topics of Zipf-like sizes; each paper has 1-3 of them; each member 1-3
interests among them (the popular topics more likely) and is unavailable on about 8 % of the
dates; one member in five has max_sessions 3-5. The affinity is the built-in one (the
members' interests against the papers' topics). Both modes, per_paper and per_session.

Printed per run: the time of `assign()` (highspy is imported before the clock starts; its
import time is printed once), the load spread (max - min sessions) over all members and over
the members without max_sessions, the times a member presents in consecutive sessions, and
the mean affinity per paper.

Then the same terms with roles (issue 19): `roles: {chair: 1, scribe: 1}`, so 3 papers, a
chair and a scribe each session; one member in five takes only some of the roles
(members[].roles), one in ten has a maximum for a role (members[].max), and one in three
prefers two dates or papers and avoids one (members[].prefer, avoid). Printed beside the
round robin: the load spread per role (over the members who take it and have no maximum),
consecutive sessions, and the preferences met.

Target (issue 5): 30 x 52 x 3 assigned in < 1 s; (issue 19) with a chair and a scribe too,
exact, <= 1 s.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from dataclasses import replace
from datetime import date, datetime, timedelta
from datetime import time as clock
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from paperclub import presenters  # noqa: E402
from paperclub.models import Assignment, Group, Meetings, Member, Person, Session  # noqa: E402

TOPICS = 20
START = date(2027, 1, 7)


ROLES = {"chair": 1, "scribe": 1}


def term(members: int, sessions: int, papers: int, seed: int, roles: bool = False):
    rng = random.Random(f"{seed}/{members}/{sessions}/{papers}")
    names = [f"topic-{i:02d}" for i in range(TOPICS)]
    sizes = [1 / (r + 1) ** 1.1 for r in range(TOPICS)]
    zone = ZoneInfo("Europe/Berlin")
    days = [START + timedelta(weeks=w) for w in range(sessions)]

    def topics(n: int) -> list[str]:
        chosen: list[str] = []
        while len(chosen) < n:
            t = rng.choices(names, sizes)[0]
            if t not in chosen:
                chosen.append(t)
        return chosen

    roster = tuple(
        Member(
            name=f"Member {i:02d}",
            interests=tuple(topics(rng.randint(1, 3))),
            unavailable=tuple(d for d in days if rng.random() < 0.08),
            max_sessions=rng.randint(3, 5) if rng.random() < 0.2 else None,
        )
        for i in range(members)
    )
    plan = []
    for n, d in enumerate(days):
        start = datetime.combine(d, clock(16), zone)
        plan.append(
            Session(
                id=f"s{n + 1:02d}",
                uid=f"s{n + 1:02d}",
                start=start,
                end=start + timedelta(hours=1),
                papers=[
                    Assignment(
                        paper_id=f"p{n:02d}-{j}",
                        title=f"Paper {n}-{j}",
                        topics=topics(rng.randint(1, 3)),
                    )
                    for j in range(papers)
                ],
            )
        )
    if roles:  # drawn from a generator of their own: the terms without roles stay as they were
        more = random.Random(f"roles/{seed}/{members}/{sessions}/{papers}")
        every = ("presenter", *ROLES)
        ids = [a.paper_id for s in plan for a in s.papers]
        roster = tuple(
            replace(
                m,
                roles=tuple(r for r in every if more.random() < 0.6) or ("presenter",)
                if more.random() < 0.2
                else None,
                max_roles={more.choice(every): more.randint(1, 3)} if more.random() < 0.1 else {},
                prefer=tuple(more.sample([*map(str, days), *ids], 2))
                if (wants := more.random() < 1 / 3)
                else (),
                avoid=(str(more.choice(days)),) if wants else (),
            )
            for m in roster
        )
        roster = tuple(
            replace(m, avoid=tuple(a for a in m.avoid if a not in m.prefer)) for m in roster
        )
    group = Group(
        path=Path("bench.yaml"),
        name="Bench",
        slug="bench",
        timezone="Europe/Berlin",
        organizer=Person("Organizer"),
        members=roster,
        meetings=Meetings(
            start=START,
            weekday=START.weekday(),
            time=clock(16),
            duration=timedelta(hours=1),
            count=sessions,
            papers_per_session=papers,
        ),
        roles=dict(ROLES) if roles else {},
    )
    return group, plan


def check(group: Group, plan: list[Session], result: presenters.Result, mode: str) -> None:
    """The hard rules, so a fast wrong answer cannot pass for a good one."""
    members = {m.name: m for m in group.members}
    for s, who in zip(plan, result.presenters):
        assert None not in who, f"{s.id}: a paper without a presenter"
        assert len(set(who)) == (len(who) if mode == "per_paper" else 1), f"{s.id}: {who}"
        for name in who:
            assert s.start.date() not in members[name].unavailable, f"{s.id}: {name} is away"
    for name in result.loads:
        limit = members[name].max_sessions
        total = sum(loads[name] for loads in result.role_loads.values())
        assert limit is None or total <= limit, f"{name}: {total} > {limit}"
        for role, most in members[name].max_roles.items():
            assert result.role_loads[role][name] <= most, f"{name}: {role} over {most}"
    for s, who, roles in zip(plan, result.presenters, result.roles):
        seats = [n for names in roles.values() for n in names]
        assert len(seats) == sum(group.roles.values()), f"{s.id}: a role without a holder"
        assert len({*who, *seats}) == len(set(who)) + len(seats), f"{s.id}: two roles at once"
        for role, names in roles.items():
            for name in names:
                assert members[name].takes(role), f"{s.id}: {name} does not take {role}"
                assert s.start.date() not in members[name].unavailable, f"{s.id}: {name} is away"


def figures(group: Group, result: presenters.Result) -> str:
    loads = result.loads
    free = [loads[m.name] for m in group.members if m.max_sessions is None]
    return (
        f"spread {max(loads.values()) - min(loads.values()):>2} "
        f"(unlimited {max(free) - min(free)})  consecutive {result.consecutive:>3}  "
        f"affinity {result.mean_affinity:.3f}/paper"
    )


def role_figures(group: Group, result: presenters.Result) -> str:
    spreads = []
    for role, loads in result.role_loads.items():
        free = [
            loads[m.name]
            for m in group.members
            if m.takes(role) and role not in m.max_roles and m.max_sessions is None
        ]
        spreads.append(f"{role} {max(free) - min(free)}")
    return (
        f"spread {', '.join(spreads)}  consecutive {result.consecutive:>3}  "
        f"preferences met {result.preferences_met}/{result.preferences}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--members", type=int, default=30)
    parser.add_argument("--sessions", type=int, default=52)
    parser.add_argument("--papers", type=int, default=3)
    parser.add_argument("--no-roles", action="store_true", help="leave out the run with roles")
    args = parser.parse_args()

    started = time.perf_counter()
    import highspy  # noqa: F401

    print(f"highspy import: {time.perf_counter() - started:.3f} s")
    size = f"{args.members} members x {args.sessions} sessions x {args.papers} papers"
    worst = 0.0
    for mode in presenters.MODES:
        print(f"\n{size}, presenters: {mode}")
        for seed in range(args.seeds):
            group, plan = term(args.members, args.sessions, args.papers, seed)
            t0 = time.perf_counter()
            exact = presenters.assign(plan, group, mode=mode)
            seconds = time.perf_counter() - t0
            worst = max(worst, seconds)
            check(group, plan, exact, mode)
            t0 = time.perf_counter()
            rotation = presenters.assign(plan, group, mode=mode, method="rotation")
            rotation_seconds = time.perf_counter() - t0
            again = presenters.assign(plan, group, mode=mode)
            assert again.presenters == exact.presenters, "not deterministic"
            print(f"  seed {seed}  exact       {seconds:6.3f} s  {figures(group, exact)}")
            print(f"          round robin {rotation_seconds:6.3f} s  {figures(group, rotation)}")
    verdict = "ok" if worst < 1.0 else "MISSED"
    print(f"\nslowest exact assignment: {worst:.3f} s (target < 1 s: {verdict})")
    if args.no_roles:
        return
    worst = 0.0
    for mode in presenters.MODES:
        print(f"\n{size} + chair + scribe, presenters: {mode}")
        for seed in range(args.seeds):
            group, plan = term(args.members, args.sessions, args.papers, seed, roles=True)
            t0 = time.perf_counter()
            exact = presenters.assign(plan, group, mode=mode)
            seconds = time.perf_counter() - t0
            worst = max(worst, seconds)
            check(group, plan, exact, mode)
            t0 = time.perf_counter()
            rotation = presenters.assign(plan, group, mode=mode, method="rotation")
            rotation_seconds = time.perf_counter() - t0
            again = presenters.assign(plan, group, mode=mode)
            assert again.presenters == exact.presenters and again.roles == exact.roles
            print(f"  seed {seed}  exact       {seconds:6.3f} s  {role_figures(group, exact)}")
            print(
                f"          round robin {rotation_seconds:6.3f} s  {role_figures(group, rotation)}"
            )
    verdict = "ok" if worst <= 1.0 else "MISSED"
    print(f"\nslowest exact assignment with roles: {worst:.3f} s (target <= 1 s: {verdict})")


if __name__ == "__main__":
    main()
