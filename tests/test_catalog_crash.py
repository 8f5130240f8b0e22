"""A killed import loses nothing: SIGKILL halfway through a large file leaves a catalog that
opens, passes SQLite's integrity check, and holds exactly what it held before."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from paperclub.catalog import Catalog


def big_snapshot(path: Path, lines: int) -> None:
    """arXiv snapshot lines of realistic size, quickly."""
    words = "sparse attention decoding model training data graph inference memory".split()
    with path.open("w", encoding="utf-8") as f:
        for i in range(lines):
            text = " ".join(words[(i + k) % len(words)] for k in range(200))
            f.write(
                json.dumps(
                    {
                        "id": f"{2000 + i // 90000}.{i % 90000 + 10000:05d}",
                        "title": f"Paper {i} on {words[i % 9]}",
                        "abstract": text,
                        "authors": "A. Author and B. Author",
                        "categories": "cs.LG",
                        "versions": [{"version": "v1", "created": "Mon, 2 Apr 2007 19:18:42 GMT"}],
                        "authors_parsed": [["Author", "A.", ""], ["Author", "B.", ""]],
                    }
                )
                + "\n"
            )


def rows(path: Path) -> list:
    db = sqlite3.connect(path)
    try:
        return [
            db.execute(f"SELECT * FROM {t} ORDER BY 1").fetchall()
            for t in ("papers", "imports", "aliases")
        ]
    finally:
        db.close()


def test_sigkill_mid_import_loses_nothing(tmp_path):
    catalog = tmp_path / "catalog.sqlite"
    env = {**os.environ, "PAPERCLUB_DISABLE_PLUGIN_AUTOLOAD": "1"}
    cli = [sys.executable, "-m", "paperclub", "import", "--catalog", str(catalog)]
    subprocess.run([*cli, "paperclub:sample"], check=True, env=env, capture_output=True)
    before = rows(catalog)

    data = tmp_path / "big.jsonl"
    big_snapshot(data, 120_000)
    proc = subprocess.Popen(
        [*cli, str(data)], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    wal = Path(f"{catalog}-wal")
    deadline = time.monotonic() + 60
    # wait until the import has written a good part of its transaction, then kill it
    while time.monotonic() < deadline and proc.poll() is None:
        if wal.exists() and wal.stat().st_size > 40 << 20:
            break
        time.sleep(0.05)
    assert proc.poll() is None, "the import finished before it could be killed"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert proc.returncode == -signal.SIGKILL

    with Catalog(catalog) as cat:
        assert cat.db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        cat.db.execute("INSERT INTO papers_fts(papers_fts, rank) VALUES ('integrity-check', 1)")
        assert len(cat) == 87
    assert rows(catalog) == before
