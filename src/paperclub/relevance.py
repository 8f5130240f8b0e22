"""Relevance: how well a paper fits what a group reads, from 0 (nothing in common) towards 1.

A profile is words (the topics' keywords, the members' interests) and papers (those the
group liked, has read, and those in members' libraries; and those it disliked). Each part
is scored with Okapi BM25 over the catalog's full-text index (SQLite FTS5 over title,
abstract and keywords, a word in the title counting double), one query per term, the terms'
scores summed in numpy, so a profile is scored over millions of papers in seconds:

- words: each profile word matched as topics are (the start of a word, or a phrase), each
  weighing 1;
- papers: Rocchio's centroid of the profile's papers, the mean of their tf-idf vectors
  (sublinear term frequency, each paper's vector of length 1), as arxiv-sanity ranks by a
  user's papers, each term then weighed by the share of the papers holding it; its
  `CENTROID_TERMS` heaviest terms, each weighing what the centroid gives it. A paper like
  the profile's papers as a body ranks first, not one that repeats a single rare word of one
  of them. A paper's arXiv categories are terms too, each whole (hep-th, not "hep" and
  "th") and counted `CATEGORY_COUNT` times: a paper filed where the profile's papers are
  beats one that only shares their words;
- dislike: the same for the disliked papers (without categories), with a bar `DISLIKE_BAR`
  times higher: a paper close to a disliked one loses relevance, not every paper of its
  field.

A profile of words alone gets its papers part by pseudo-relevance feedback: the `FEEDBACK`
papers the words match best (of those holding at least one word of typical weight) stand in
for the profile's papers (Rocchio's blind feedback),
so a paper in the field that holds none of the words is found too, and one that holds a
word in passing but is about something else falls behind.

Raw scores have no fixed scale, so each part's score `s` becomes `s / (s + reference)`,
where the reference is the score of a paper plainly about the subject: for words, one that
holds two of the profile's words of median weight once each in an abstract of average
length; for papers, one that holds a share `CENTROID_SHARE` of the centroid's weight so.
Such a paper gets 0.5; more evidence brings a paper closer to 1, with diminishing returns,
and a word in passing gives little. Then

    relevance = (1 - (1 - words) (1 - papers)) x (1 - dislike)

(either part is enough; likeness to disliked papers takes relevance away; a profile of
dislikes alone starts every paper at 1). The explanation of one paper (the words it holds,
the profile paper it is most like) is worked out in Python for the few papers shown.
"""

from __future__ import annotations

import json
import math
import re
import sqlite3
import statistics
import threading
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from paperclub.ids import is_arxiv_category
from paperclub.models import Paper, PaperRef, Relevance

if TYPE_CHECKING:
    from paperclub.catalog import Catalog

FEEDBACK = 10  # papers that stand in for a words-only profile's papers
CENTROID_TERMS = 100  # terms of the centroid query (more: closer to the full cosine)
CENTROID_SHARE = 0.05  # of the centroid's weight, held once each: a paper plainly alike
# Dislikes ask for more likeness (this many times the share): a paper loses relevance for
# being close to a disliked one, not for sharing its field's common words.
DISLIKE_BAR = 3.0
UNLIKE_SHOWN = 0.25  # an explanation names the disliked paper when it took this much away
WORD_MATCHES = 2  # profile words of median weight, held once each: a paper plainly about it
WEIGHTS = (2.0, 1.0, 1.0)  # BM25's column weights: title, abstract, keywords
# Document frequencies for choosing the centroid's terms are estimated from this many papers
# spread evenly over the catalog, then counted exactly for the best candidates.
SAMPLE = 2000
VIEWS = ("words", "papers", "dislike")
TOKEN = re.compile(r"[^\W_]+")
# Words too common to tell papers apart: skipping them saves looking them up.
STOPWORDS = frozenset(
    """
a about above after again against all also am an and any are as at be because been before
being below between both but by can could did do does doing down during each few for from
further had has have having he her here hers herself him himself his how however i if in
into is it its itself just me more most my myself no nor not now of off on once only or
other our ours ourselves out over own same she should so some such than that the their
theirs them themselves then there these they this those through to too under until up us
very was we were what when where which while who whom why will with would you your yours
yourself yourselves via within without using use used based show shows shown paper propose
proposed present results result approach method methods new novel work study well one two
three first second thus therefore may might must cannot
""".split()
)


def tokens(text: str) -> list[str]:
    """The words of `text` as the full-text index sees them (FTS5's unicode61 tokenizer
    with diacritics removed): lower case, letters and digits."""
    text = text.lower()
    if not text.isascii():
        text = "".join(
            c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c)
        )
    return TOKEN.findall(text)


@lru_cache(maxsize=4096)
def _word_pattern(word: str) -> re.Pattern[str]:
    # as the words query matches: the words in order, the last one a prefix
    return re.compile(r"\b" + " ".join(re.escape(t) for t in tokens(word)))


def holds(word: str, text: str) -> bool:
    """Whether `text` holds the profile word `word`, as the words query matches it."""
    return bool(tokens(word)) and bool(_word_pattern(word).search(" ".join(tokens(text))))


# A term of a centroid that is a whole arXiv category (cs.RO as one term, where its words
# "cs" and "ro" are two): the field the authors filed the paper in, matched in the keywords
# column only. Words never start with it.
CATEGORY = "#"
# A category counts as a word a paper holds this many times: the authors' own label of its
# field says more than any one word of it. Measured with bench/relevance.py (share of planned
# papers in the group's field): at 1, 17 of 18 groups reach 90 % (high-energy theory by
# likes plans hep-ph and math-ph papers on black holes and Yang-Mills: 89 %); at 3 or more,
# all 18 (lowest 95 %, 96 % at 4 and 6).
CATEGORY_COUNT = 4


def categories(keywords: Sequence[str]) -> list[str]:
    """The centroid terms of a paper's arXiv categories: hep-th is `#hep th`, not hep-ph."""
    return [CATEGORY + " ".join(tokens(k)) for k in keywords if is_arxiv_category(k)]


def _query(term: str) -> str:
    """The FTS5 query of a centroid term: a word, or a category as a phrase of its words in
    the keywords column."""
    if term.startswith(CATEGORY):
        return f'keywords : "{term[len(CATEGORY) :]}"'
    return f'"{term}"'


def paper_text(paper: Paper) -> str:
    return " ".join([paper.title, paper.abstract, *paper.keywords])


@dataclass(frozen=True)
class Seed:
    """A paper of the profile, and why it is there: liked, read, disliked, Ada's library."""

    paper: Paper
    why: str


@dataclass(frozen=True)
class Profile:
    """What a group (or one member) wants to read."""

    words: tuple[str, ...] = ()
    seeds: tuple[Seed, ...] = ()  # papers it wants more of
    disliked: tuple[Seed, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.words or self.seeds or self.disliked)


@dataclass
class _View:
    """One part of the profile as FTS5 queries: each query's weight, and the reference."""

    weights: dict[str, float]  # FTS5 query (one word or phrase) -> its weight
    idf: dict[str, float]  # the same queries -> idf, for the explanations
    reference: float
    names: dict[str, str] = field(default_factory=dict)  # query -> the word as written


@dataclass
class Scorer:
    """Relevance of the catalog's papers to a profile: `array()` for the whole catalog (by
    rowid), `scores(ids)` for some papers, `explain()` for why one scored as it did."""

    path: Path  # the catalog file: the queries run on connections of their own, at once
    db: sqlite3.Connection
    profile: Profile
    views: dict[str, _View | None] = field(default_factory=dict)
    documents: int = 0
    _array: Any = None
    _scaled: dict[str, Any] = field(default_factory=dict)  # each view's part, by rowid
    _seed_tokens: dict[str, set[str]] = field(default_factory=dict)
    # a words-only profile's stand-ins for papers (pseudo-relevance feedback)
    feedback: tuple[Seed, ...] = ()

    @classmethod
    def build(cls, catalog: Catalog, profile: Profile) -> Scorer:
        scorer = cls(catalog.path, catalog.db, profile)
        scorer.documents = catalog.db.execute("SELECT count(*) FROM papers").fetchone()[0]
        scorer.views = {
            "words": scorer._words(profile.words),
            "papers": scorer._centroid([s.paper for s in profile.seeds]),
            "dislike": scorer._centroid(
                [s.paper for s in profile.disliked], DISLIKE_BAR, fields=False
            ),
        }
        return scorer

    @cached_property
    def _sample(self) -> _Sample:
        return _Sample(self.db)

    # -- the queries -------------------------------------------------------------------------

    def _idf(self, n: int) -> float:
        """BM25's idf of a term in `n` papers, as FTS5 computes it."""
        return max(math.log((self.documents - n + 0.5) / (n + 0.5)), 1e-6)

    def _count(self, match: str) -> int:
        return self.db.execute(
            "SELECT count(*) FROM papers_fts WHERE papers_fts MATCH ?", (match,)
        ).fetchone()[0]

    def _words(self, words: Sequence[str]) -> _View | None:
        names: dict[str, str] = {}
        for word in words:
            parts = tokens(word)
            if parts:  # a prefix of a word, or a phrase whose last word is a prefix
                names.setdefault('"' + " ".join(parts) + '"*', word)
        idf = {q: self._idf(n) for q in names if (n := self._count(q))}
        if not idf:
            return None
        return _View(
            dict.fromkeys(idf, 1.0),
            idf,
            WORD_MATCHES * statistics.median(idf.values()),
            {q: names[q] for q in idf},
        )

    def _centroid(
        self, papers: Sequence[Paper], bar: float = 1.0, fields: bool = True
    ) -> _View | None:
        """The papers' mean tf-idf vector, cut to its heaviest terms. `fields`: with their arXiv
        categories as terms (not for dislikes: a disliked paper is not a disliked field)."""
        counts = [
            Counter(
                [
                    t
                    for t in tokens(p.title) * 2 + tokens(p.abstract) + tokens(" ".join(p.keywords))
                    if len(t) > 2 and not t.isdigit() and t not in STOPWORDS
                ]
                + (categories(p.keywords) * CATEGORY_COUNT if fields else [])
            )
            for p in papers
        ]
        counts = [c for c in counts if c]
        if not counts:
            return None
        # idf estimated from the sample (a term unseen there is rare) to weigh each paper's
        # vector; counted exactly for the shortlist of the heaviest terms
        estimate = {
            t: self._idf(self._sample.documents(t, self.documents)) for c in counts for t in c
        }
        centroid: defaultdict[str, float] = defaultdict(float)
        for c in counts:
            vector = {t: (1 + math.log(n)) * estimate[t] for t, n in c.items()}
            norm = math.sqrt(sum(v * v for v in vector.values()))
            for t, v in vector.items():
                centroid[t] += v / norm / len(counts)
        shortlist = sorted(centroid, key=lambda t: (-centroid[t], t))[: 2 * CENTROID_TERMS]
        exact: dict[str, float] = {}
        for term in shortlist:
            n = self._count(_query(term))
            if 2 <= n <= self.documents / 3:  # one paper's own word; or too common to tell
                exact[term] = self._idf(n)
        weight = {t: centroid[t] * exact[t] / estimate[t] for t in exact}
        chosen = sorted(weight, key=lambda t: (-weight[t], t))[:CENTROID_TERMS]
        if not chosen:
            return None
        # what the papers share is what the group reads: a chosen term weighs the share of
        # the papers holding it, so one paper's rare words do not pull in its neighbours (the
        # terms are still chosen by the centroid alone: weighing before choosing would favour
        # common words, whose long posting lists make the queries four times slower)
        held = Counter(t for c in counts for t in c)
        queries = {_query(t): weight[t] * held[t] / len(counts) for t in chosen}
        idf = {_query(t): exact[t] for t in chosen}
        # a paper holding this share of the centroid's weight, once each (`bar` times more
        # for dislikes)
        reference = bar * CENTROID_SHARE * sum(queries[q] * idf[q] for q in queries)
        return _View(queries, idf, reference, {_query(t): t for t in chosen})

    # -- scoring -------------------------------------------------------------------------------

    @property
    def default(self) -> float:
        """The relevance of a paper no query matches: 0, or 1 when the profile holds only
        dislikes (every paper is as welcome as the next, but those like a disliked one)."""
        return 0.0 if (self.profile.words or self.profile.seeds) else 1.0

    def array(self) -> Any:
        """Every paper's relevance: a numpy array indexed by rowid."""
        if self._array is None:
            import numpy as np

            size = self.db.execute("SELECT coalesce(max(rowid), 0) + 1 FROM papers").fetchone()[0]
            raw = {view: np.zeros(size) for view in VIEWS}
            self._run(("words", "papers", "dislike"), raw)
            words = self.views.get("words")
            if words is not None and self.views.get("papers") is None:
                # the best matches, each at least as good as one word of typical weight
                best = np.argsort(-raw["words"], kind="stable")[:FEEDBACK]
                rows = self.db.execute(
                    "SELECT * FROM papers WHERE rowid IN (SELECT value FROM json_each(?))",
                    (_json([int(r) for r in best if raw["words"][r] >= words.reference / 2]),),
                )
                from paperclub.catalog import paper_of_row

                self.feedback = tuple(
                    Seed(paper_of_row(r), "a best match of the words") for r in rows
                )
                self.views["papers"] = self._centroid([s.paper for s in self.feedback])
                self._run(("papers",), raw)
            scaled = self._scaled = {}
            for view in VIEWS:
                v = self.views.get(view)
                scaled[view] = raw[view] / (raw[view] + v.reference) if v else raw[view]
            if self.default:
                relevance = np.ones(size)
            else:
                relevance = 1 - (1 - scaled["words"]) * (1 - scaled["papers"])
            self._array = relevance * (1 - scaled["dislike"])
        return self._array

    def _run(self, views: Sequence[str], raw: dict[str, Any]) -> None:
        """Add each query's weighted BM25 to its view's scores: two queries at a time, each
        thread on a connection of its own (SQLite then works on two cores)."""
        import numpy as np

        # queries of one weight run as one OR query: BM25 sums over its phrases, and the
        # catalog is read once for them all (a view of words is a single query)
        grouped: dict[tuple[str, float], list[str]] = {}
        for view in views:
            for query, weight in v.weights.items() if (v := self.views.get(view)) else ():
                grouped.setdefault((view, weight), []).append(query)
        tasks = [
            (view, " OR ".join(queries), weight) for (view, weight), queries in grouped.items()
        ]
        sql = (
            "SELECT rowid, ? * -bm25(papers_fts, "
            + ", ".join(map(str, WEIGHTS))
            + ") FROM papers_fts WHERE papers_fts MATCH ?"
        )
        local = threading.local()
        opened: list[sqlite3.Connection] = []

        def run(task: tuple[str, str, float]) -> tuple[str, list]:
            if not hasattr(local, "db"):
                local.db = sqlite3.connect(
                    self.path.resolve().as_uri() + "?mode=ro", uri=True, check_same_thread=False
                )
                opened.append(local.db)
            view, query, weight = task
            return view, local.db.execute(sql, (weight, query)).fetchall()

        try:
            with ThreadPoolExecutor(max_workers=2) as pool:
                for view, rows in pool.map(run, tasks):
                    if rows:
                        found = np.array(rows)
                        raw[view][found[:, 0].astype(np.int64)] += found[:, 1]
        finally:
            for db in opened:
                db.close()

    def scores(self, paper_ids: Sequence[str]) -> dict[str, float]:
        """Paper id -> relevance, rounded to 4 places, for these papers."""
        rows = self.db.execute(
            "SELECT id, rowid FROM papers WHERE id IN (SELECT value FROM json_each(?))",
            (_json(list(paper_ids)),),
        )
        relevance = self.array()
        return {paper_id: round(float(relevance[rowid]), 4) for paper_id, rowid in rows}

    # -- explaining ----------------------------------------------------------------------------

    def explain(self, paper: Paper, value: float) -> Relevance:
        """Why `paper` has relevance `value` (from `scores()`): the profile's words it holds,
        the profile paper it is most like, and the disliked paper it is like."""
        self.array()  # the feedback papers, if any, are known once the catalog is scored
        text = paper_text(paper)
        words = self.views.get("words")
        held = tuple(name for name in (words.names.values() if words else ()) if holds(name, text))
        mine = set(tokens(text))
        seeds = self.profile.seeds or self.feedback
        unlike = None
        if self.profile.disliked:
            row = self.db.execute("SELECT rowid FROM papers WHERE id = ?", (paper.id,)).fetchone()
            if row is None or self._scaled["dislike"][row[0]] >= UNLIKE_SHOWN:
                unlike = self._most_like(mine, self.profile.disliked, "dislike", paper)
        return Relevance(value, held, self._most_like(mine, seeds, "papers", paper), unlike)

    def _most_like(
        self, mine: set[str], seeds: Sequence[Seed], view: str, paper: Paper
    ) -> PaperRef | None:
        """The seed sharing the most weight of the view's terms with the paper (not itself)."""
        v = self.views.get(view)
        if v is None:
            return None
        shared = {term: v.weights[q] * v.idf[q] for q, term in v.names.items() if term in mine}
        best, best_weight = None, 0.0
        for seed in seeds:
            if seed.paper.id == paper.id:
                continue
            theirs = self._seed_tokens.get(seed.paper.id)
            if theirs is None:
                theirs = self._seed_tokens[seed.paper.id] = set(tokens(paper_text(seed.paper)))
            weight = sum(w for term, w in shared.items() if term in theirs)
            if weight > best_weight:
                best, best_weight = seed, weight
        return PaperRef(best.paper.id, best.paper.title, best.why) if best else None


class _Sample:
    """How many papers of an even sample of the catalog hold each term."""

    def __init__(self, db: sqlite3.Connection):
        last = db.execute("SELECT coalesce(max(rowid), 0) FROM papers").fetchone()[0]
        step = max(1, last // SAMPLE)
        rows = db.execute(
            "SELECT title, abstract, keywords FROM papers WHERE rowid IN "
            "(SELECT value FROM json_each(?))",
            (_json(list(range(1, last + 1, step))),),
        ).fetchall()
        self.seen: Counter[str] = Counter()
        for title, abstract, keywords in rows:
            self.seen.update(
                {*tokens(" ".join((title, abstract, keywords))), *categories(json.loads(keywords))}
            )
        self.size = max(len(rows), 1)

    def documents(self, term: str, total: int) -> int:
        """The estimated number of papers holding `term` (1 when the sample has none)."""
        return max(1, round(self.seen[term] * total / self.size))


def _json(values: list) -> str:
    return json.dumps(values)
