"""What planning measures over the whole pool of papers before it scores any one of them:
relevance to the group's profile, popularity among the candidates, and the members' votes.

Measured once per plan (`measure`, which reads the catalog and the members' libraries) and
handed to the scoring and exclusion hooks as `signals`, so a per-paper hook can use
figures that only make sense against all the others.

Popularity is fair across sources: each signal (Hugging Face upvotes, GitHub stars) is the
percentile of a paper's value among the candidates that have that signal (ties share the
middle: `(below + equal / 2) / rated`), and a paper's popularity is the mean over the
signals it has. A paper no source could rate is unknown, not unpopular: it counts as the
middle, 0.5.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from paperclub.errors import PaperclubError
from paperclub.models import Group, Member, Paper, Relevance, Votes
from paperclub.relevance import Profile, Scorer, Seed

if TYPE_CHECKING:
    from paperclub.catalog import Catalog
    from paperclub.registry import Registry

# The built-in score parts' weights (selection.weights.NAME overrides each). Relevance leads:
# 0.15 of relevance (3 points) outweighs the whole range of popularity, so a paper plainly in
# the group's field outscores the most popular paper outside it, and popularity, recency and
# votes order papers of close relevance. A topic repeated in consecutive sessions (the
# optimizer's `consecutive`, 3) costs as much as 0.15 of relevance; a member's vote is worth
# 0.1 of it.
DEFAULT_WEIGHTS = {"relevance": 20.0, "popularity": 3.0, "recency": 0.5, "votes": 2.0}
UNKNOWN = 0.5  # the popularity of a paper that no source rated

# name -> the paper's value of the signal, or None when its sources do not rate it
POPULARITY: dict[str, Callable[[Paper], Any]] = {
    "upvotes": lambda p: p.upvotes,
    "github_stars": lambda p: p.extra.get("github_stars"),
}


def percentiles(values: Mapping[str, float]) -> dict[str, float]:
    """Each key's mid-rank percentile among the values: (below + equal / 2) / all."""
    ordered = sorted(values.values())
    n = len(ordered)
    return {
        key: (
            bisect.bisect_left(ordered, v)
            + (bisect.bisect_right(ordered, v) - bisect.bisect_left(ordered, v)) / 2
        )
        / n
        for key, v in values.items()
    }


def popularity(papers: Iterable[Paper]) -> dict[str, float]:
    """Paper id -> popularity from 0 to 1, for the papers some signal rates."""
    per_signal: dict[str, dict[str, float]] = {}
    for paper in papers:
        for name, read in POPULARITY.items():
            value = read(paper)
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                per_signal.setdefault(name, {})[paper.id] = float(value)
    shares: dict[str, list[float]] = {}
    for values in per_signal.values():
        for paper_id, share in percentiles(values).items():
            shares.setdefault(paper_id, []).append(share)
    return {paper_id: round(sum(s) / len(s), 4) for paper_id, s in shares.items()}


@dataclass
class Signals:
    """The pool's figures, for the scoring and exclusion hooks. Without a profile (no topics,
    interests, likes, dislikes or papers read) `relevance()` is None for every paper."""

    popular: dict[str, float] = field(default_factory=dict)  # paper id -> popularity
    relevant: dict[str, float] | None = None  # paper id -> relevance; None: no profile
    relevance_default: float = 0.0  # of a paper the profile's queries do not match
    voted: dict[str, Votes] = field(default_factory=dict)
    scorer: Scorer | None = None
    libraries: dict[str, Scorer] = field(default_factory=dict)  # member -> their library's

    @classmethod
    def of_pool(cls, papers: Iterable[Paper]) -> Signals:
        """Popularity alone: what planning measures without a catalog."""
        return cls(popular=popularity(papers))

    def popularity(self, paper: Paper) -> float | None:
        """The paper's popularity from 0 to 1, None when no source rates it (see UNKNOWN)."""
        return self.popular.get(paper.id)

    def relevance(self, paper: Paper) -> float | None:
        """The paper's relevance to the group from 0 to 1; None when the group has no
        profile."""
        if self.relevant is None:
            return None
        return self.relevant.get(paper.id, self.relevance_default)

    def votes(self, paper: Paper) -> Votes:
        return self.voted.get(paper.id, Votes())

    def explain(self, paper: Paper) -> Relevance | None:
        """The paper's relevance with the words and papers behind it (None: no profile)."""
        value = self.relevance(paper)
        if value is None or self.scorer is None:
            return None
        return self.scorer.explain(paper, value)

    def fit(self, papers: Sequence[Paper]) -> dict[str, dict[str, float]]:
        """Paper id -> {member: relevance to that member's library}, for the members who have
        one (their interests count in the presenters' affinity already)."""
        out: dict[str, dict[str, float]] = {p.id: {} for p in papers}
        for name, scorer in self.libraries.items():
            for paper_id, value in scorer.scores([p.id for p in papers]).items():
                out[paper_id][name] = value
        return out


def group_profile(
    group: Group, catalog: Catalog, read: Iterable[str], sources: Registry | None = None
) -> Profile:
    """What the group wants: the topics' keywords and members' interests, the papers it
    liked, has read (`read`: ids) and keeps in members' libraries, and those it disliked.
    A liked or disliked id the catalog does not have is an error naming its line."""
    words = []
    for topic, keywords in group.topics.items():
        words += list(keywords) or [topic]
    for member in group.members:
        words += list(member.interests)
    seeds = [Seed(paper, "liked") for paper in _papers(group, catalog, "like")]
    for paper_id in sorted(set(read)):
        paper = catalog.get(paper_id)
        if paper is not None:
            seeds.append(Seed(paper, "read"))
    for member in group.members:
        seeds += [Seed(paper, f"in {member.name}'s library") for paper in library(member, sources)]
    disliked = [Seed(paper, "disliked") for paper in _papers(group, catalog, "dislike")]
    return Profile(
        tuple(dict.fromkeys(w.strip() for w in words if w.strip())),
        tuple(_unique(seeds)),
        tuple(_unique(disliked)),
    )


def member_profile(member: Member, sources: Registry | None = None) -> Profile:
    """What one member reads: their interests and their library."""
    return Profile(
        tuple(member.interests),
        tuple(Seed(p, f"in {member.name}'s library") for p in library(member, sources)),
    )


def _unique(seeds: list[Seed]) -> list[Seed]:
    out: dict[str, Seed] = {}
    for seed in seeds:
        out.setdefault(seed.paper.id, seed)
    return list(out.values())


def _papers(group: Group, catalog: Catalog, key: str) -> list[Paper]:
    from paperclub.votes import not_found

    found = []
    for i, paper_id in enumerate(getattr(group, key)):
        paper = catalog.get(paper_id)
        if paper is None:
            raise PaperclubError(
                f"selection.{key}[{i}]: {not_found(catalog, paper_id)}",
                path=group.path,
                line=group.lines.get(f"selection.{key}[{i}]"),
            )
        found.append(paper)
    return found


_LIBRARIES: dict[tuple[Path, int, int], list[Paper]] = {}


def library(member: Member, sources: Registry | None) -> list[Paper]:
    """The papers of a member's library file, read as `paperclub import` would read it (but
    not imported: they are the member's, not candidates). Read once per version of the file."""
    if member.library is None or sources is None:
        return []
    from paperclub.sourcefile import SourceFile
    from paperclub.sources import resolve

    stat = member.library.stat()
    key = (member.library, stat.st_mtime_ns, stat.st_size)
    if key not in _LIBRARIES:
        path, source, _ = resolve(str(member.library), sources)
        papers = []
        for item in source.read(SourceFile(path), None):
            if isinstance(item, PaperclubError):
                raise item
            papers.append(item)
        _LIBRARIES[key] = papers
    return _LIBRARIES[key]


def measure(
    group: Group,
    catalog: Catalog,
    papers: Sequence[Paper],
    read: Iterable[str],
    sources: Registry | None = None,
    *,
    member: Member | None = None,
) -> Signals:
    """The signals of `papers` (the group's candidates) for `group`; with `member`, relevance
    to that member's own profile (their interests and library) instead of the group's."""
    from paperclub import votes

    signals = Signals.of_pool(papers)
    signals.voted = votes.tally(catalog)
    profile = (
        member_profile(member, sources)
        if member is not None
        else group_profile(group, catalog, read, sources)
    )
    if profile:
        signals.scorer = Scorer.build(catalog, profile)
        signals.relevant = signals.scorer.scores([p.id for p in papers])
        signals.relevance_default = signals.scorer.default
    for m in group.members:  # their fit steers who presents what
        if m.library is not None:
            own = Profile(seeds=member_profile(m, sources).seeds)
            if own:
                signals.libraries[m.name] = Scorer.build(catalog, own)
    return signals
