"""Import an arXiv snapshot with `paperclub import`, and the same file with a plain reference
loader in the same run; then time searches on the catalog.

    python bench/import.py [--lines 1000000] [--runs 15]

The reference: stdlib json.loads per line, executemany of the same columns in one transaction
into a plain table plus an FTS5 table over title and abstract with default options.
Targets: paperclub <= 1.0x the reference's time, peak memory <= 500 MB; search < 100 ms
median for queries matching <= 1 % of the catalog, < 500 ms at 10 %.
The snapshot is generated once (bench/snapshot.py) and kept in bench/.cache/.
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import snapshot  # noqa: E402

MB = 1024 * 1024


def run_measured(cmd: list[str], env: dict | None = None) -> tuple[float, int, str]:
    """Wall time, peak resident memory (bytes) and stdout of a child process."""
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, env=env)
    out = proc.stdout.read().decode()
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"failed: {' '.join(cmd)}")
    return elapsed, usage.ru_maxrss * 1024, out


REFERENCE = r'''
import json, sqlite3, sys, time
path, db_path = sys.argv[1], sys.argv[2]
db = sqlite3.connect(db_path, isolation_level=None)
db.execute("""CREATE TABLE papers (id TEXT, title TEXT, abstract TEXT, authors TEXT,
    published TEXT, doi TEXT, keywords TEXT, extra TEXT)""")
db.execute("CREATE VIRTUAL TABLE papers_fts USING fts5(title, abstract)")
parse = insert = index = 0.0
db.execute("BEGIN")
with open(path, encoding="utf-8") as f:
    while True:
        t0 = time.perf_counter()
        rows = []
        for line in f:
            r = json.loads(line)
            rows.append((r["id"], r["title"], r["abstract"], r["authors"],
                         (r.get("versions") or [{}])[0].get("created"), r.get("doi"),
                         r.get("categories"), json.dumps([r.get("comments"), r.get("journal-ref")])))
            if len(rows) == 10000:
                break
        t1 = time.perf_counter()
        if not rows:
            break
        db.executemany("INSERT INTO papers VALUES (?, ?, ?, ?, ?, ?, ?, ?)", rows)
        t2 = time.perf_counter()
        db.executemany("INSERT INTO papers_fts VALUES (?, ?)", [(r[1], r[2]) for r in rows])
        t3 = time.perf_counter()
        parse += t1 - t0; insert += t2 - t1; index += t3 - t2
t0 = time.perf_counter()
db.execute("COMMIT")
insert += time.perf_counter() - t0
print(json.dumps({"parse": parse, "insert": insert, "index": index}))
'''


def pick_terms(catalog: Path, n_docs: int) -> dict[str, list[str]]:
    """Query words whose document frequency is near 1 % and near 10 % of the catalog."""
    db = sqlite3.connect(catalog)
    db.execute("CREATE VIRTUAL TABLE temp.vocab USING fts5vocab(main, 'papers_fts', 'row')")
    picks = {}
    for label, share in (("<=1%", 0.01), ("~10%", 0.10)):
        target = n_docs * share
        low, high = (target * 0.5, target) if share == 0.01 else (target * 0.8, target * 1.2)
        rows = db.execute(
            "SELECT term FROM vocab WHERE doc BETWEEN ? AND ? AND length(term) > 3 "
            "ORDER BY abs(doc - ?) LIMIT 5",
            (low, high, target),
        ).fetchall()
        picks[label] = [r[0] for r in rows]
    db.close()
    return picks


def time_search(catalog: Path, terms: dict[str, list[str]], runs: int) -> None:
    from paperclub.catalog import Catalog

    with Catalog(catalog) as cat:
        for label, words in terms.items():
            for word in words:
                matches = sum(
                    1
                    for _ in cat.db.execute(
                        "SELECT rowid FROM papers_fts WHERE papers_fts MATCH ?", (f'"{word}"',)
                    )
                )
                times = []
                for _ in range(runs):
                    started = time.perf_counter()
                    found = list(cat.papers(word, limit=100))
                    times.append(time.perf_counter() - started)
                print(
                    f"  search {word!r:16} {label:5} matches {matches:>7,} "
                    f"({matches / len(cat):6.2%}): median {statistics.median(times) * 1000:6.1f} ms,"
                    f" max {max(times) * 1000:6.1f} ms, {len(found)} shown"
                )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()

    cache = HERE / ".cache"
    cache.mkdir(exist_ok=True)
    data = cache / f"snapshot-{args.lines}-seed1.jsonl"
    if not data.exists():
        print(f"generating {data.name} ...", flush=True)
        snapshot.write(data.with_suffix(".tmp"), args.lines)
        data.with_suffix(".tmp").rename(data)
    print(f"{data.name}: {data.stat().st_size / MB:,.0f} MB, {args.lines:,} lines")

    with tempfile.TemporaryDirectory(dir=cache) as tmp:
        ref_db, our_db = Path(tmp) / "reference.sqlite", Path(tmp) / "catalog.sqlite"
        ref_time, ref_mem, ref_out = run_measured(
            [sys.executable, "-c", REFERENCE, str(data), str(ref_db)]
        )
        ref_split = json.loads(ref_out)
        env = {**os.environ, "PAPERCLUB_DISABLE_PLUGIN_AUTOLOAD": "1"}
        our_time, our_mem, our_out = run_measured(
            [
                sys.executable,
                "-m",
                "paperclub",
                "import",
                "--json",
                "--catalog",
                str(our_db),
                "--format",
                "arxiv-jsonl",
                str(data),
            ],
            env,
        )
        result = json.loads(our_out)[0]
        split = result["seconds"]

        print(
            f"reference  {ref_time:7.1f} s  peak {ref_mem / MB:6.0f} MB  "
            + "  ".join(f"{k} {v:.1f} s" for k, v in ref_split.items())
        )
        print(
            f"paperclub  {our_time:7.1f} s  peak {our_mem / MB:6.0f} MB  "
            + "  ".join(f"{k} {v:.1f} s" for k, v in split.items())
            + f"  ({result['added']:,} papers)"
        )
        print(f"ratio      {our_time / ref_time:7.2f}x  (target <= 1.0x; memory target <= 500 MB)")
        print(
            f"size       reference {ref_db.stat().st_size / MB:,.0f} MB, "
            f"paperclub {our_db.stat().st_size / MB:,.0f} MB"
        )
        time_search(our_db, pick_terms(our_db, result["added"]), args.runs)


if __name__ == "__main__":
    main()
