"""Generate a file in the arXiv metadata snapshot format (JSON lines), with realistic lengths
and vocabulary, for the import benchmark.

    python bench/snapshot.py OUT.jsonl [--lines N] [--seed S]

Words follow a Zipf distribution (s = 1) over a 200,000-word vocabulary (common English and
ML words first, then made-up ones for a real corpus's long tail); titles have 6-16 words, abstracts
120-260 (about 1,000-1,800 characters, like arXiv's); about 5 % of titles and abstracts carry
LaTeX accents or math, 2 % of records have nulls where the snapshot has them, and ids follow
arXiv's two schemes.
"""

from __future__ import annotations

import argparse
import itertools
import json
import random
import string
from datetime import date, timedelta
from pathlib import Path

COMMON = """the of and a to in is we that for this on with by as are our model an be
from which it can these results show method using based data learning models paper approach
performance two has at also not new its propose such task both or more than large language
training network neural networks deep inference tasks demonstrate existing work methods their
state art however while each framework different accuracy problem time one into between
framework study analysis evaluation benchmark code generation reasoning efficient memory
compute transformer attention layers parameters fine tuning dataset datasets proposed
experiments significant improve improves improvement across multiple provide high low
scaling scale algorithm algorithms optimization gradient loss function functions training
distributed systems system hardware gpu accelerator throughput latency serving decoding
speculative quantization pruning sparse sparsity graph graphs representation representations
features feature agents agent policy reinforcement reward robust robustness theoretical
empirical prior previous recent novel simple effective efficiency cost costs stage level
quality set sets number small larger via under without over all most well other first
""".split()
CATEGORIES = [
    "cs.LG",
    "cs.CL",
    "cs.AI",
    "cs.CV",
    "cs.DC",
    "cs.PL",
    "cs.SE",
    "cs.AR",
    "stat.ML",
    "math.OC",
    "cs.IR",
    "cs.NE",
    "q-bio.QM",
    "physics.comp-ph",
    "cs.CR",
    "eess.SP",
    "math.ST",
    "cond-mat.dis-nn",
    "hep-th",
    "quant-ph",
]
LATEX = [
    'G{\\"o}del',
    "Poincar\\'e",
    'Schr\\"odinger',
    "$O(n \\log n)$",
    "$\\alpha$-divergence",
    "Erd\\H{o}s",
    'na\\"ive',
    "$\\ell_1$",
    "Fran\\c{c}ois",
    "$10^{-3}$",
]
FIRST = [
    "Ada",
    "Alan",
    "Grace",
    "Edsger",
    "Barbara",
    "Donald",
    "Yann",
    "Fei-Fei",
    "Geoffrey",
    "Jürgen",
    "Daphne",
    "Andrew",
    "Sanjeev",
    "Percy",
    "Chelsea",
    "Ilya",
    "Oriol",
    "Noam",
]
LAST = [
    "Lovelace",
    "Turing",
    "Hopper",
    "Dijkstra",
    "Liskov",
    "Knuth",
    "LeCun",
    "Li",
    "Hinton",
    "Schmidhuber",
    "Koller",
    "Ng",
    "Arora",
    "Liang",
    "Finn",
    "Sutskever",
    "Vinyals",
    "Shazeer",
]
LICENSE = "http://arxiv.org/licenses/nonexclusive-distrib/1.0/"


def vocabulary(rng: random.Random, size: int) -> list[str]:
    words = list(dict.fromkeys(COMMON))
    letters = string.ascii_lowercase
    while len(words) < size:
        words.append("".join(rng.choice(letters) for _ in range(rng.randint(4, 11))))
    return words


def wrap(text: str, width: int = 78) -> str:
    """The snapshot hard-wraps titles and abstracts with a newline and two spaces."""
    lines, line = [], ""
    for word in text.split(" "):
        if line and len(line) + 1 + len(word) > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}" if line else word
    lines.append(line)
    return "\n  ".join(lines)


def records(n: int, seed: int):
    rng = random.Random(seed)
    words = vocabulary(rng, 200_000)
    weights = list(itertools.accumulate(1 / (rank + 1) for rank in range(len(words))))
    start = date(2007, 4, 1)
    for i in range(n):
        day = start + timedelta(days=i * 6700 // n)
        if i % 1000 == 999:  # a few old-style ids, unique within their month
            ident = f"{rng.choice(['math', 'hep-th', 'cond-mat', 'astro-ph'])}/{day:%y%m}{i // 1000 % 1000:03d}"
        elif day.year < 2015:  # four digits after the dot until 2014, five since
            ident = f"{day:%y%m}.{i % 10000:04d}"
        else:
            ident = f"{day:%y%m}.{i % 100000:05d}"
        title_words = rng.choices(words, cum_weights=weights, k=rng.randint(6, 16))
        abstract_words = rng.choices(words, cum_weights=weights, k=rng.randint(120, 260))
        if rng.random() < 0.05:
            title_words.insert(rng.randrange(len(title_words)), rng.choice(LATEX))
        if rng.random() < 0.05:
            abstract_words.insert(rng.randrange(len(abstract_words)), rng.choice(LATEX))
        title = " ".join(title_words).capitalize()
        abstract = " ".join(abstract_words).capitalize() + "."
        authors = [(rng.choice(LAST), rng.choice(FIRST)) for _ in range(rng.randint(1, 8))]
        cats = rng.sample(CATEGORIES, rng.randint(1, 3))
        nulls = rng.random() < 0.02
        yield {
            "id": ident,
            "submitter": None if nulls else f"{authors[0][1]} {authors[0][0]}",
            "authors": ", ".join(f"{first} {last}" for last, first in authors[:-1])
            + (" and " if len(authors) > 1 else "")
            + f"{authors[-1][1]} {authors[-1][0]}",
            "title": wrap(title),
            "comments": None
            if nulls or rng.random() < 0.3
            else f"{rng.randint(4, 40)} pages, {rng.randint(1, 12)} figures",
            "journal-ref": None
            if rng.random() < 0.8
            else f"Journal {rng.randint(1, 99)} ({day.year})",
            "doi": None
            if rng.random() < 0.7
            else f"10.{rng.randint(1000, 9999)}/{rng.randint(10**6, 10**7)}",
            "report-no": None,
            "categories": " ".join(cats),
            "license": None if nulls else LICENSE,
            "abstract": "  " + wrap(abstract) + "\n",
            "versions": [
                {
                    "version": f"v{v + 1}",
                    "created": (day + timedelta(days=30 * v)).strftime("%a, %d %b %Y 10:00:00 GMT"),
                }
                for v in range(rng.randint(1, 3))
            ],
            "update_date": (day + timedelta(days=40)).isoformat(),
            "authors_parsed": None if nulls else [[last, first, ""] for last, first in authors],
        }


def write(path: Path, n: int, seed: int = 1) -> Path:
    with path.open("w", encoding="utf-8") as f:
        for record in records(n, seed):
            f.write(json.dumps(record, ensure_ascii=False))
            f.write("\n")
    return path


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("out", type=Path)
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    write(args.out, args.lines, args.seed)


if __name__ == "__main__":
    main()
