"""Does the plan read what the group is about? Groups of several arXiv fields plan from one
catalog of real records, described three ways; then the same at scale.

    python bench/relevance.py            # the groups (about a minute)
    python bench/relevance.py --scale    # also 1,000,000 and 100,000 generated papers

The groups. The catalog is real: 3,330 arXiv records of 20 archives and 381 Hugging Face Daily
Papers with their upvotes, in their own formats, and the arXiv records (with their categories)
of 274 of those 381 (bench/data/relevance, SOURCES.md there). Six fields (condensed matter,
robotics, astrophysics, quantum physics, high-energy theory, mathematics), each described three
ways, as an organiser would, without naming a category: by topics only (`topics:` keywords), by
members' interests only, by five liked papers only (five of the field's papers, evenly spaced
by id). Each plans 12 sessions of 2 papers. Printed: the share of planned papers in the field
(a paper is in it when one of its own arXiv categories is, or an alias of one in arXiv's
taxonomy, as math-ph is math.MP; a Hugging Face paper without its arXiv record counts as out of
it), beside the share under today's score in the same run: log(1 + upvotes) + 0.5 x recency, a
paper no source rated counting as 0 (the score before relevance). Liked papers are not counted.
Target: at least 90 % for every group; today's score gets close to 0 %.

At scale (`--scale`): 1,000,000 papers from bench/snapshot.py's generator (Zipf words, ML
vocabulary first) imported once into bench/.cache; a profile of topics, interests and five
liked papers is scored over the whole catalog in a process of its own, against a full read
of the catalog's text in the same run (time and peak memory beyond the opened catalog).
Target: at most 5 s and 1 GB. Then `paperclub plan` over 100,000 candidates (52 sessions of
3), end to end in a process of its own, against the same plan without a profile. Target: at
most 10 s.
"""

from __future__ import annotations

import argparse
import gzip
import json
import math
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(HERE))

import yaml  # noqa: E402

from paperclub import planfile, workflow  # noqa: E402
from paperclub.hookspecs import hookimpl  # noqa: E402
from paperclub.plugins import Hooks, get_plugin_manager  # noqa: E402

DATA = HERE / "data" / "relevance"
TODAY = date(2026, 1, 1)
MB = 1 << 20

# field -> (its archive or category, topics, members' interests)
FIELDS = {
    "condensed matter": (
        "cond-mat",
        {
            "superconductivity": ["superconduct", "cuprate", "josephson", "pairing"],
            "magnetism": ["magnet", "spin liquid", "skyrmion", "antiferromagnet"],
            "topology": ["topological insulator", "chern", "weyl", "majorana", "quantum hall"],
            "correlated electrons": ["hubbard", "mott", "strongly correlated", "fermi liquid"],
            "soft matter": ["colloid", "polymer", "active matter", "glass"],
        },
        [
            ["superconductivity", "cuprates"],
            ["frustrated magnets", "spin liquids"],
            ["topological phases"],
            ["Hubbard model", "Mott insulators"],
            ["soft matter", "active matter"],
        ],
    ),
    "robotics": (
        "cs.RO",
        {
            "manipulation": ["manipulat", "grasp", "dexterous"],
            "locomotion": ["legged", "quadruped", "locomotion", "humanoid"],
            "planning": ["motion planning", "trajectory", "collision avoidance"],
            "perception": ["slam", "odometry", "lidar"],
        },
        [
            ["robot manipulation", "grasping"],
            ["legged locomotion"],
            ["motion planning"],
            ["SLAM", "visual odometry"],
            ["imitation learning", "sim-to-real"],
        ],
    ),
    "astrophysics": (
        "astro-ph",
        {
            "galaxies": ["galaxy", "galaxies", "redshift"],
            "stars": ["stellar", "star formation", "supernova"],
            "cosmology": ["cosmolog", "dark matter", "cmb"],
            "exoplanets": ["exoplanet", "planetary"],
        },
        [
            ["galaxy evolution"],
            ["star formation", "stellar populations"],
            ["cosmology", "dark energy"],
            ["exoplanets"],
            ["black holes", "accretion"],
        ],
    ),
    "quantum physics": (
        "quant-ph",
        {
            "entanglement": ["entangle", "bell"],
            "computing": ["qubit", "quantum circuit", "quantum algorithm"],
            "error correction": ["error correction", "surface code", "fault-tolerant"],
            "optics": ["photon", "cavity"],
        },
        [
            ["quantum computing", "qubits"],
            ["entanglement"],
            ["quantum error correction"],
            ["quantum optics"],
            ["quantum metrology"],
        ],
    ),
    "high-energy theory": (
        "hep-th",
        {
            "strings": ["string theory", "brane", "compactification"],
            "holography": ["ads/cft", "holograph", "conformal field theory"],
            "gauge theory": ["gauge theory", "yang-mills", "supersymmetr"],
            "gravity": ["black hole", "quantum gravity", "entropy"],
        },
        [
            ["string theory"],
            ["holography", "AdS/CFT"],
            ["supersymmetry"],
            ["black hole entropy"],
            ["conformal bootstrap", "scattering amplitudes"],
        ],
    ),
    "mathematics": (
        "math",
        {
            "number theory": ["prime", "modular form", "elliptic curve", "diophantine"],
            "geometry": ["manifold", "riemannian", "curvature", "algebraic variet"],
            "analysis": ["sobolev", "elliptic equation", "operator"],
            "combinatorics": ["graph", "combinatori", "permutation"],
        },
        [
            ["number theory", "modular forms"],
            ["Riemannian geometry"],
            ["partial differential equations"],
            ["combinatorics", "graph theory"],
            ["probability", "random matrices"],
        ],
    ),
}


class TodaysScore:
    """The score before relevance: log(1 + upvotes) + 0.5 x recency, unrated as 0."""

    @hookimpl
    def paperclub_score_paper(self, paper, group):
        parts = {"upvotes": math.log1p(paper.upvotes or 0)}
        if paper.published is not None:
            age = max((group.meetings.start - paper.published).days, 0)
            parts["recency"] = 0.5 * 2 ** (-age / 365)
        return parts


def hooks(today_score: bool) -> Hooks:
    pm = get_plugin_manager(None, local_plugins=False)
    if today_score:
        pm.unregister(name="paperclub.default_plugins.scoring")
        pm.register(TodaysScore(), name="todays-score")
    return Hooks(pm)


# categories arXiv's taxonomy lists as another's alias (a paper in one is in both)
ALIASES = {
    "math-ph": "math.MP",
    "cs.IT": "math.IT",
    "stat.TH": "math.ST",
    "cs.NA": "math.NA",
    "eess.SY": "cs.SY",
    "econ.GN": "q-fin.EC",
}


def in_field(categories: list[str], field: str) -> bool:
    categories = [*categories, *(ALIASES[c] for c in categories if c in ALIASES)]
    return any(c == field or c.startswith(field + ".") for c in categories)


def config(folder: Path, name: str, how: str, field: str, liked: list[str]) -> Path:
    code, topics, interests = FIELDS[field]
    data = {
        "group": {
            "name": f"{field} ({how})",
            "timezone": "Europe/Berlin",
            "organizer": {"name": "Organiser", "email": "organiser@example.org"},
        },
        "meetings": {
            "start": "2026-01-08",
            "weekday": "thursday",
            "time": "16:00",
            "count": 12,
            "papers_per_session": 2,
        },
        "catalog": {"sources": ["arxiv.jsonl", "hf_daily_papers.json", "hf_arxiv.jsonl"]},
    }
    if how == "topics":
        data["topics"] = topics
    elif how == "interests":
        data["members"] = [
            {"name": f"Member {i + 1}", "interests": words} for i, words in enumerate(interests)
        ]
    else:
        data["selection"] = {"like": liked}
    path = folder / f"{name}.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def groups(verbose: bool = False) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for name in ("arxiv.jsonl", "hf_daily_papers.json", "hf_arxiv.jsonl"):
            with gzip.open(DATA / f"{name}.gz", "rb") as src, (folder / name).open("wb") as dst:
                shutil.copyfileobj(src, dst)
        records = [json.loads(line) for line in (folder / "arxiv.jsonl").open()]
        categories = {f"arxiv:{r['id']}": r["categories"].split() for r in records}
        for line in (folder / "hf_arxiv.jsonl").open():  # Hugging Face papers' own categories
            r = json.loads(line)
            categories[f"arxiv:{r['id']}"] = r["categories"].split()
        catalog = folder / "catalog.sqlite"
        hf = len(json.loads((folder / "hf_daily_papers.json").read_text()))
        print(
            f"catalog: {len(records):,} arXiv records, {hf:,} Hugging Face papers with "
            f"upvotes ({len(categories) - len(records)} with their arXiv record); "
            "12 sessions x 2 papers per group\n"
        )
        print(f"{'group':22} {'described by':12} {'in field':>9} {'today':>7}  seconds to plan")
        shares = []
        for field, (code, _, _) in FIELDS.items():
            primary = sorted(i for i, c in categories.items() if in_field(c[:1], code))
            liked = primary[:: len(primary) // 5][:5]
            for how in ("topics", "interests", "likes"):
                row, seconds, outside = [], [], []
                for today_score in (False, True):
                    path = config(
                        folder, f"g{len(shares)}{'t' if today_score else ''}", how, field, liked
                    )
                    started = time.perf_counter()
                    result = workflow.plan(path, catalog, hooks(today_score), today=TODAY)
                    seconds.append(time.perf_counter() - started)
                    planned = [
                        a for s in result.plan.sessions for a in s.papers if a.paper_id not in liked
                    ]
                    row.append(
                        sum(in_field(categories.get(a.paper_id, []), code) for a in planned)
                        / len(planned)
                    )
                    if not today_score:
                        outside = [
                            a for a in planned if not in_field(categories.get(a.paper_id, []), code)
                        ]
                shares.append(row[0])
                print(
                    f"{field:22} {how:12} {row[0]:9.0%} {row[1]:7.0%}  {seconds[0]:5.1f}",
                    flush=True,
                )
                for a in outside if verbose else ():
                    cats = " ".join(categories.get(a.paper_id, ["(no arXiv record)"]))
                    print(f"    outside the field: {a.paper_id} [{cats}] {a.title[:60]}")
        below = sum(s < 0.9 for s in shares)
        print(
            f"\nmean {sum(shares) / len(shares):.0%}, lowest {min(shares):.0%}; "
            f"{len(shares) - below} of {len(shares)} groups at 90 % or more (target: all)"
        )


# -- at scale ---------------------------------------------------------------------------------

PROFILE = {
    "topics": {
        "inference": ["speculative", "serving", "kv cache", "decoding", "quantization"],
        "code": ["code", "program", "compiler"],
    },
    "members": [
        {"name": "Ada", "interests": ["inference", "reasoning"]},
        {"name": "Alan", "interests": ["hardware", "training"]},
        {"name": "Grace", "interests": ["compilers", "evaluation"]},
        {"name": "Edsger", "interests": ["program verification"]},
    ],
}

SCORE = """
import json, resource, sys, time
from pathlib import Path
from paperclub.catalog import Catalog
from paperclub.relevance import Profile, Scorer, Seed
profile = json.loads(sys.argv[2])
with Catalog(Path(sys.argv[1])) as catalog:
    last = catalog.db.execute("SELECT max(rowid) FROM papers").fetchone()[0]
    liked = [catalog.db.execute("SELECT id FROM papers WHERE rowid = ?", (r,)).fetchone()[0]
             for r in range(last // 7, last, last // 6)][:5]
    opened = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    if sys.argv[3] == "score":
        words = [w for ws in profile["topics"].values() for w in ws]
        words += [w for m in profile["members"] for w in m["interests"]]
        seeds = tuple(Seed(catalog.get(i), "liked") for i in liked)
        relevance = Scorer.build(catalog, Profile(tuple(words), seeds)).array()
        found = int((relevance > 0).sum())
    else:  # the baseline: every paper's text read once
        found = sum(1 for _ in catalog.db.execute("SELECT title, abstract, keywords FROM papers"))
    seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"seconds": seconds, "found": found, "opened": opened * 1024,
                  "peak": peak * 1024}))
"""


def catalog_of(lines: int, seed: int) -> Path:
    """A catalog of `lines` generated papers, imported once into bench/.cache."""
    import snapshot

    cache = HERE / ".cache"
    cache.mkdir(exist_ok=True)
    path = cache / f"relevance-{lines}-seed{seed}.sqlite"
    if path.exists():
        return path
    data = cache / f"snapshot-{lines}-seed{seed}.jsonl"
    if not data.exists():
        print(f"generating {data.name} ...", flush=True)
        snapshot.write(data.with_suffix(".tmp"), lines, seed)
        data.with_suffix(".tmp").rename(data)
    print(f"importing {data.name} into {path.name} (once) ...", flush=True)
    partial = path.with_suffix(".tmp")
    for suffix in ("", "-wal", "-shm"):
        Path(f"{partial}{suffix}").unlink(missing_ok=True)
    subprocess.run(
        [
            sys.executable,
            "-m",
            "paperclub",
            "import",
            "--catalog",
            str(partial),
            "--format",
            "arxiv-jsonl",
            str(data),
        ],
        check=True,
        env=ENV,
        stdout=subprocess.DEVNULL,
    )
    partial.rename(path)
    return path


ENV = {**os.environ, "PAPERCLUB_DISABLE_PLUGIN_AUTOLOAD": "1", "PYTHONPATH": str(ROOT / "src")}


def scoring(lines: int) -> None:
    path = catalog_of(lines, 1)
    results = {}
    for what in ("read", "score"):
        out = subprocess.run(
            [sys.executable, "-c", SCORE, str(path), json.dumps(PROFILE), what],
            check=True,
            capture_output=True,
            text=True,
            env=ENV,
        ).stdout
        results[what] = json.loads(out)
    for what, label in (
        ("read", "read every paper's text (baseline)"),
        ("score", "score the profile over the catalog"),
    ):
        r = results[what]
        print(
            f"  {label:38} {r['seconds']:6.2f} s  peak {r['peak'] / MB:6.0f} MB "
            f"({(r['peak'] - r['opened']) / MB:5.0f} MB beyond the opened catalog)  "
            f"{r['found']:,} papers"
        )
    r = results["score"]
    print(
        f"  target: at most 5 s and 1 GB -> "
        f"{'met' if r['seconds'] <= 5 and r['peak'] - r['opened'] <= 1024 * MB else 'NOT met'}"
    )


def planning(lines: int) -> None:
    path = catalog_of(lines, 2)
    timings = {}
    with tempfile.TemporaryDirectory() as tmp:
        for label, profile in (("without a profile (baseline)", {}), ("with the profile", PROFILE)):
            data = {
                "group": {
                    "name": "Scale",
                    "timezone": "Europe/Berlin",
                    "organizer": {"name": "O", "email": "o@example.org"},
                },
                "meetings": {
                    "start": "2027-01-07",
                    "weekday": "thursday",
                    "time": "16:00",
                    "count": 52,
                    "papers_per_session": 3,
                },
                "outputs": ["ics", "markdown", "html"],
                **profile,
            }
            config = Path(tmp) / f"scale{len(timings)}.yaml"
            config.write_text(yaml.safe_dump(data))
            before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
            started = time.perf_counter()
            subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "paperclub",
                    "plan",
                    str(config),
                    "--catalog",
                    str(path),
                    "--today",
                    "2027-01-01",
                ],
                check=True,
                env=ENV,
                stdout=subprocess.DEVNULL,
            )
            timings[label] = time.perf_counter() - started
            peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
            planned = sum(len(s.papers) for s in planfile.load(planfile.plan_path(config)).sessions)
            print(
                f"  paperclub plan {label:30} {timings[label]:6.2f} s  "
                f"peak {max(peak, before) / 1024:5.0f} MB  {planned} papers planned"
            )
    print(f"  target: at most 10 s -> {'met' if timings['with the profile'] <= 10 else 'NOT met'}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", action="store_true", help="also the 1,000,000-paper runs")
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--plan-lines", type=int, default=100_000)
    parser.add_argument(
        "--verbose", action="store_true", help="list the planned papers outside each group's field"
    )
    args = parser.parse_args()
    groups(args.verbose)
    if args.scale:
        print(f"\nscoring a profile over {args.lines:,} generated papers")
        scoring(args.lines)
        print(f"\nplanning over {args.plan_lines:,} candidates")
        planning(args.plan_lines)


if __name__ == "__main__":
    main()
