"""`paperclub plan` end to end, with the I/O at the edges: read the config, sync its sources
into the catalog, plan, render every output in memory, and only then write the files, so a
failed plan leaves the plan file and earlier outputs as they were."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from paperclub import config, planfile, planner, rules, sources
from paperclub.catalog import Catalog
from paperclub.errors import PaperclubError, several
from paperclub.files import atomic_write
from paperclub.models import Candidate, Group, Member, Paper, Plan, Relevance, Votes
from paperclub.plugins import Hooks
from paperclub.signals import Signals, measure

if TYPE_CHECKING:
    from paperclub.addresses import Resolver
    from paperclub.registry import Source


@dataclass
class PlanResult:
    plan: Plan
    plan_path: Path
    problems: list[str]
    candidates: int
    changes: list[str] = field(default_factory=list)  # against the previous plan
    outputs: list[Path] = field(default_factory=list)
    written: list[Path] = field(default_factory=list)


def output_path(config_path: Path, extension: str) -> Path:
    """`schedules/ml-systems.yaml` writes `schedules/ml-systems.ics`, `.md`, ..."""
    return config_path.with_name(planfile.stem(config_path) + extension)


def render(hooks: Hooks, name: str, plan: Plan) -> bytes:
    """Emitter `name`'s output of `plan`; an emitter's crash, or an answer that is not bytes,
    is its plugin's error (the registry's stand-in checks it)."""
    return hooks.emitters[name].render(plan)


def resolver(
    catalog_path: Path, hooks: Hooks, group: Group | None = None, **options: Any
) -> Resolver:
    """What fetches the addresses among the sources (`arxiv:...`, `https://...`) into the
    workspace's cache, beside the catalog; a group's `catalog.refresh` says when a cached
    copy is fetched again. `options`: Resolver's `offline`, `always`."""
    from paperclub.addresses import Resolver, cache_dir

    return Resolver(
        lambda: hooks.addresses,
        cache_dir(catalog_path),
        max_age=group.refresh if group is not None else None,
        **options,
    )


def resolve_sources(
    group: Group, hooks: Hooks, addresses: Resolver
) -> list[tuple[Path, Source, str]] | None:
    """The group's sources as files (addresses fetched as needed), each with its source and
    label; None when the group takes every paper of the catalog. All are resolved before any
    is imported, so a source that cannot be fetched leaves the catalog as it was."""
    if not group.sources:
        return None
    return [
        sources.resolve(arg, hooks.sources, base=group.path.parent, addresses=addresses)
        for arg in group.sources
    ]


def import_sources(
    catalog: Catalog, resolved: list[tuple[Path, Source, str]] | None
) -> list[str] | None:
    """Import resolved sources (unchanged files are skipped); their labels."""
    if resolved is None:
        return None
    for path, source, label in resolved:
        catalog.import_file(path, source, label, as_of=None)
    return [label for _, _, label in resolved]


def sync_sources(
    group: Group, catalog: Catalog, hooks: Hooks, offline: bool = False
) -> list[str] | None:
    """Import the group's sources (unchanged files are skipped); their labels, or None when
    the group takes every paper of the catalog."""
    addresses = resolver(catalog.path, hooks, group, offline=offline)
    return import_sources(catalog, resolve_sources(group, hooks, addresses))


def check_ids(group: Group, catalog: Catalog) -> Group:
    """Every paper id the config names (`selection.pin`, `before`, `like`, `dislike`,
    `members[].pin`) is a paper of the catalog; else an error naming each one's line and the
    closest papers, before anything is planned. Returns the group with an id a paper had
    before (a merged duplicate's) replaced by the paper's id now."""
    from paperclub.votes import not_found

    named = [
        (f"selection.pin.{day}[{i}]", pid)
        for day, ids in group.pins.items()
        for i, pid in enumerate(ids)
    ]
    named += [
        (f"selection.before[{i}][{j}]", pid)
        for i, pair in enumerate(group.before)
        for j, pid in enumerate(pair)
    ]
    named += [
        (f"selection.{key}[{i}]", pid)
        for key in ("like", "dislike")
        for i, pid in enumerate(getattr(group, key))
    ]
    named += [
        (f"members[{i}].pin[{j}]", pid)
        for i, m in enumerate(group.members)
        for j, pid in enumerate(m.pin)
    ]
    now: dict[str, str] = {}
    problems = []
    for key, pid in named:
        if pid not in now:
            paper = catalog.get(pid)
            now[pid] = paper.id if paper is not None else ""
        if not now[pid]:
            problems.append((group.lines.get(key), f"{key}: {not_found(catalog, pid)}"))
    if problems:
        raise several(group.path, problems)

    def ids(values: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(now[v] for v in values)

    return replace(
        group,
        pins={day: ids(v) for day, v in group.pins.items()},
        before=tuple((now[a], now[b]) for a, b in group.before),
        like=ids(group.like),
        dislike=ids(group.dislike),
        members=tuple(replace(m, pin=ids(m.pin)) for m in group.members),
    )


def _unknown(catalog: Catalog, paper_id: str) -> str | None:
    """Why a plan file's paper id is not a paper (its closest papers), or None if it is one."""
    from paperclub.votes import not_found

    return None if catalog.get(paper_id) is not None else not_found(catalog, paper_id)


def source_labels(group: Group, hooks: Hooks) -> list[str] | None:
    """The labels `sync_sources` gives, without importing: the papers of these are the
    group's candidates (None: every paper of the catalog)."""
    if not group.sources:
        return None
    from paperclub.addresses import split

    return [
        arg
        if split(arg, lambda: hooks.addresses) is not None
        else sources.resolve(arg, hooks.sources, base=group.path.parent)[2]
        for arg in group.sources
    ]


def plan(
    config_path: Path,
    catalog_path: Path,
    hooks: Hooks,
    *,
    today: date,
    force: bool = False,
    offline: bool = False,
) -> PlanResult:
    """Plan the group's term and write the plan file and outputs. `force`: take hand edits of
    sessions already held, and plan again sessions held as of the last plan (see
    `rules.hand_edits`); without it these are errors, and nothing is written. `offline`:
    addresses among the sources come from the cache only. A re-plan holds the plan file's
    lock: a claim made meanwhile waits, and is not lost to it (claims.py; a first plan has
    no claims to lose, and leaves no lock file when it fails)."""
    from paperclub.claims import locked

    path = planfile.plan_path(config_path)
    if not path.exists():
        return _plan(config_path, catalog_path, hooks, today=today, force=force, offline=offline)
    with locked(path):
        return _plan(config_path, catalog_path, hooks, today=today, force=force, offline=offline)


def _plan(
    config_path: Path,
    catalog_path: Path,
    hooks: Hooks,
    *,
    today: date,
    force: bool = False,
    offline: bool = False,
) -> PlanResult:
    group = config.load_group(
        config_path, emitters=hooks.emitters, policies=hooks.policies, settings=hooks.settings
    )
    plan_path = planfile.plan_path(config_path)
    previous = planfile.load(plan_path) if plan_path.exists() else None
    if not group.sources and not catalog_path.exists():
        raise PaperclubError(
            "no catalog here yet, and the config names no catalog.sources: "
            "run `paperclub import FILE` first",
            path=catalog_path,
        )
    addresses = resolver(catalog_path, hooks, group, offline=offline)
    resolved = resolve_sources(group, hooks, addresses)  # fetched before the catalog is opened
    with Catalog(catalog_path) as catalog:
        labels = import_sources(catalog, resolved)
        group = check_ids(group, catalog)
        if previous is not None:
            edits = rules.hand_edits(
                group, previous, today, lambda pid: _unknown(catalog, pid), force=force
            )
            if edits:
                raise several(plan_path, edits)
        papers = list(catalog.papers(sources=labels))
        if not papers:
            raise PaperclubError("no candidate papers in the catalog", path=catalog_path)
        signals = measure(group, catalog, papers, planner.taste(group), hooks.sources)
        with bound(hooks, catalog_path, today):
            the_plan, problems = planner.make_plan(
                group, papers, hooks, today=today, previous=previous, signals=signals
            )
    problems = list(group.warnings) + addresses.warnings + problems

    files, outputs = rendered(config_path, group, hooks, the_plan)
    result = PlanResult(the_plan, plan_path, problems, len(papers), outputs=outputs)
    if previous is not None:
        from paperclub.diff import diff

        result.changes = diff(previous, the_plan).lines()
    for path, data in files.items():
        if atomic_write(path, data):
            result.written.append(path)
    return result


def rendered(
    config_path: Path, group: Group, hooks: Hooks, the_plan: Plan
) -> tuple[dict[Path, bytes], list[Path]]:
    """The plan file and each output of the group's `outputs`, in memory (path -> bytes),
    and the outputs' paths: what `plan` writes, and a claim (claims.py) writes again."""
    files = {planfile.plan_path(config_path): planfile.dump(the_plan)}
    from paperclub import attendance  # the outputs (the web page) show who comes

    attendance.load(config_path, the_plan)
    outputs = []
    for name in group.outputs:
        path = output_path(config_path, hooks.emitters[name].extension)
        files[path] = render(hooks, name, the_plan)
        outputs.append(path)
    return files, outputs


def why(
    config_path: Path, catalog_path: Path, hooks: Hooks, paper_id: str, *, today: date
) -> list[str]:
    """Why a paper is where it is in the group's plan, or why it is not in it."""
    from paperclub import explain

    group = config.load_group(
        config_path, emitters=hooks.emitters, policies=hooks.policies, settings=hooks.settings
    )
    the_plan = planfile.load_existing(config_path)
    if not catalog_path.exists():
        raise PaperclubError("no catalog here yet", path=catalog_path)
    with Catalog(catalog_path) as catalog, bound(hooks, catalog_path, today):
        paper = catalog.get(paper_id)
        papers = list(catalog.papers(sources=sync_sources(group, catalog, hooks)))
        pool, excluded, signals = _pool(group, catalog, hooks, the_plan, today, papers=papers)

        def replan() -> Plan | None:
            """The plan `paperclub plan` would make now, not written (None if it fails)."""
            try:
                return planner.make_plan(
                    group, papers, hooks, today=today, previous=the_plan, signals=signals
                )[0]
            except PaperclubError:
                return None

        key = paper.id if paper else paper_id
        lines = explain.why_not(
            key,
            the_plan,
            group,
            {c.id: c for c in pool},
            excluded,
            in_catalog=paper is not None,
            signals=signals,
            paper=paper,
            today=today,
            replan=replan,
        )
    from paperclub import preferences

    # the members who asked for this paper (members[].prefer) or against it, and were not met
    return lines + preferences.about_paper(the_plan, group, key)


@contextmanager
def bound(hooks: Hooks, catalog_path: Path, today: date) -> Iterator[None]:
    """Within it, hooks that take `catalog` get a read-only view of the catalog at
    `catalog_path` (opened on a plugin's first use of it, closed at the end) and hooks that
    take `today` get `today`."""
    from paperclub.api import Catalog as CatalogView

    with CatalogView._of(catalog_path, hooks) as view, hooks.bound(catalog=view, today=today):
        yield


def _pool(
    group: Group,
    catalog: Catalog,
    hooks: Hooks,
    the_plan: Plan | None,
    today: date,
    member: Member | None = None,
    papers: list[Paper] | None = None,
) -> tuple[list[Candidate], dict[str, str], Signals]:
    """The group's candidates and excluded papers as a plan would see them, and the signals
    measured for them (relevance to `member`'s own profile, when given). `papers`: the
    group's papers, when the caller has them already."""
    if papers is None:
        papers = list(catalog.papers(sources=sync_sources(group, catalog, hooks)))
    group = check_ids(group, catalog)
    signals = measure(group, catalog, papers, planner.taste(group), hooks.sources, member=member)
    pool, excluded = planner.candidates(
        group, papers, hooks, planner.read_papers(group, the_plan, today), signals
    )
    return pool, excluded, signals


@dataclass
class Recommendation:
    candidate: Candidate
    relevance: Relevance | None
    votes: Votes


def recommend(
    config_path: Path,
    catalog_path: Path,
    hooks: Hooks,
    *,
    today: date,
    member: str | None = None,
    limit: int = 10,
) -> list[Recommendation]:
    """The best candidates the group's plan does not hold yet, best first: by the group's
    score, or with `member`, by the score with that member's own relevance (their interests
    and library) in place of the group's."""
    group = config.load_group(
        config_path, emitters=hooks.emitters, policies=hooks.policies, settings=hooks.settings
    )
    plan_path = planfile.plan_path(config_path)
    the_plan = planfile.load(plan_path) if plan_path.exists() else None
    chosen = next((m for m in group.members if m.name == member), None)
    if member is not None and chosen is None:
        names = ", ".join(m.name for m in group.members) or "none"
        raise PaperclubError(
            f"{member!r} is not a member of {group.name} (members: {names})", path=config_path
        )
    if not catalog_path.exists() and not group.sources:
        raise PaperclubError("no catalog here yet", path=catalog_path)
    with Catalog(catalog_path) as catalog, bound(hooks, catalog_path, today):
        pool, _, signals = _pool(group, catalog, hooks, the_plan, today, chosen)
        if chosen is not None and signals.scorer is None:
            raise PaperclubError(
                f"{member} has no interests or library to recommend by "
                "(members[].interests, members[].library)",
                path=config_path,
            )
        planned = {
            a.paper_id
            for s in (the_plan.sessions if the_plan else ())
            if not s.cancelled
            for a in s.papers
        }
        best = sorted((c for c in pool if c.id not in planned), key=lambda c: (-c.score, c.id))
        return [
            Recommendation(c, signals.explain(c.paper), signals.votes(c.paper))
            for c in best[:limit]
        ]
