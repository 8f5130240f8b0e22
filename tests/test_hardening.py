"""Crashes and races: an interrupted write leaves the old file whole, two imports at once both
land, and only the workspace's own plugins/ folder is ever loaded."""

from __future__ import annotations

import csv
import os
import re
import signal
import sqlite3
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import TODAY
from paperclub import files

ENV = {**os.environ, "PAPERCLUB_DISABLE_PLUGIN_AUTOLOAD": "1"}


# -- atomic writes ------------------------------------------------------------------------------


def test_a_failed_write_leaves_the_old_file_and_no_temporary(tmp_path, monkeypatch):
    (tmp_path / "out").mkdir()
    path = tmp_path / "out" / "plan.yaml"
    path.write_bytes(b"old\n" * 1000)

    def broken_fsync(fd):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(files.os, "fsync", broken_fsync)
    with pytest.raises(OSError):
        files.atomic_write(path, b"new\n" * 5000)
    assert path.read_bytes() == b"old\n" * 1000
    assert [p.name for p in path.parent.iterdir()] == ["plan.yaml"]


CHILD = """
import os, sys, time
from pathlib import Path
from paperclub import files
real = os.replace
def slow_replace(a, b):
    print("written", flush=True)
    time.sleep(60)  # killed here: the new bytes are on disk, the rename has not happened
    real(a, b)
files.os.replace = slow_replace
files.atomic_write(Path(sys.argv[1]), b"new " * 2_000_000)
"""


def test_sigkill_mid_write_leaves_the_old_file_whole(tmp_path):
    (tmp_path / "out").mkdir()
    path = tmp_path / "out" / "ml-systems.ics"
    path.write_bytes(b"old " * 1000)
    proc = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(path)], stdout=subprocess.PIPE, env=ENV, text=True
    )
    assert proc.stdout.readline().strip() == "written"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=10)
    assert path.read_bytes() == b"old " * 1000
    leftovers = [p for p in path.parent.iterdir() if p != path]
    assert len(leftovers) == 1 and leftovers[0].name.startswith(".ml-systems.ics.")


def test_a_crash_between_outputs_leaves_each_file_whole(run, schedule, workspace, monkeypatch):
    """Every file `plan` writes goes through atomic_write: with the second rename failing,
    each file is either its old self or its new self, never a mix."""
    assert run("plan", str(schedule), "--today", TODAY).exit_code == 0
    folder = workspace / "schedules"
    old = {p.name: p.read_bytes() for p in folder.iterdir()}
    Path(schedule).write_text(Path(schedule).read_text().replace('"16:00"', '"17:00"'))
    renames = []
    real = os.replace

    def failing_replace(a, b):
        renames.append(Path(b).name)
        if len(renames) == 2:
            raise OSError(5, "Input/output error")
        real(a, b)

    monkeypatch.setattr(files.os, "replace", failing_replace)
    with pytest.raises(OSError):
        run("plan", str(schedule), "--today", TODAY)
    now = {p.name: p.read_bytes() for p in folder.iterdir() if not p.name.startswith(".")}
    assert now[renames[0]] != old[renames[0]]  # the first file was replaced whole
    assert now[renames[1]] == old[renames[1]]  # the second is its old self
    assert not [p for p in folder.iterdir() if p.name.startswith(".")]


def test_written_files_are_readable_by_the_group_not_only_the_owner(run, schedule, workspace):
    """A published feed must be readable by a web server: not mkstemp's 0600."""
    assert run("plan", str(schedule), "--today", TODAY).exit_code == 0
    ics = workspace / "schedules" / "ml-systems.ics"
    mask = os.umask(0)
    os.umask(mask)
    assert stat.S_IMODE(ics.stat().st_mode) == 0o666 & ~mask
    ics.chmod(0o640)
    Path(schedule).write_text(Path(schedule).read_text().replace('"16:00"', '"17:00"'))
    assert run("plan", str(schedule), "--today", TODAY).exit_code == 0
    assert stat.S_IMODE(ics.stat().st_mode) == 0o640  # a replaced file keeps its mode


def test_no_module_writes_files_but_through_atomic_write():
    """Plans and outputs are written with atomic_write only (SQLite writes the catalog)."""
    src = Path(__file__).resolve().parent.parent / "src" / "paperclub"
    offenders = []
    for path in src.rglob("*.py"):
        if path.name == "files.py":
            continue
        text = path.read_text()
        offenders += [f"{path.relative_to(src)}: {m.group()}" for m in WRITES.finditer(text)]
    assert offenders == []


# a file opened for writing, in any spelling: open(p, "w"), path.open("ab"), mode="x", ...
WRITES = re.compile(r"""\bwrite_(?:bytes|text)\(|\bopen\([^)]*['"][wax]b?\+?['"]""")


def test_the_write_check_sees_every_spelling():
    for line in ('open(path, "w")', 'path.open("wb")', "open(p, mode='a')", 'p.write_text("x")'):
        assert WRITES.search(line), line
    assert not WRITES.search('path.open("rb")')


# -- two imports at once -----------------------------------------------------------------------


def papers_csv(path: Path, start: int, n: int) -> None:
    with path.open("w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["title", "arxiv_id", "upvotes", "abstract"])
        for i in range(start, start + n):
            writer.writerow(
                [
                    f"Paper number {i} on sparse attention",
                    f"2401.{10000 + i:05d}",
                    i % 50,
                    "words " * 200,
                ]
            )


def count(catalog: Path) -> int:
    db = sqlite3.connect(catalog)
    try:
        return db.execute("SELECT count(*) FROM papers").fetchone()[0]
    finally:
        db.close()


def test_two_imports_at_once_both_land_nothing_lost_or_doubled(tmp_path):
    catalog = tmp_path / "catalog.sqlite"
    a, b = tmp_path / "a.csv", tmp_path / "b.csv"
    papers_csv(a, 0, 30_000)
    papers_csv(b, 20_000, 30_000)  # 10,000 papers in both files
    cli = [sys.executable, "-m", "paperclub", "import", "--catalog", str(catalog)]
    procs = [
        subprocess.Popen(
            [*cli, str(f)], env=ENV, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        for f in (a, b)
    ]
    outs = [p.communicate(timeout=300) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outs
    assert count(catalog) == 50_000
    db = sqlite3.connect(catalog)
    assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    assert db.execute("SELECT count(*) FROM imports").fetchone()[0] == 2
    db.close()


def test_an_import_waits_for_another_writer(tmp_path):
    """A writer holding the catalog for a while delays an import; it does not fail it."""
    catalog = tmp_path / "catalog.sqlite"
    cli = [sys.executable, "-m", "paperclub", "import", "--catalog", str(catalog)]
    subprocess.run([*cli, "paperclub:sample"], check=True, env=ENV, capture_output=True)
    papers_csv(tmp_path / "a.csv", 0, 100)
    holder = sqlite3.connect(catalog, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    proc = subprocess.Popen(
        [*cli, str(tmp_path / "a.csv")],
        env=ENV,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    time.sleep(2)
    assert proc.poll() is None  # waiting for the lock
    holder.execute("COMMIT")
    holder.close()
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    assert count(catalog) == 87 + 100


# -- only the workspace's own plugins ----------------------------------------------------------

MARKER_PLUGIN = """
from pathlib import Path
Path({marker!r}).write_text("loaded")
"""


def plant(folder: Path, marker: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "evil.py").write_text(MARKER_PLUGIN.format(marker=str(marker)))


def test_a_parent_folders_plugins_are_never_loaded(run, schedule, workspace, tmp_path):
    marker = tmp_path / "marker"
    plant(workspace.parent / "plugins", marker)  # the folder above the workspace
    plant(workspace / "schedules" / "plugins", marker)  # beside the config, not the workspace
    assert run("plan", str(schedule), "--today", TODAY).exit_code == 0
    assert run("plugins").exit_code == 0
    assert not marker.exists()


def test_a_config_or_plan_file_cannot_name_a_plugin(run, schedule, workspace, tmp_path):
    marker = tmp_path / "marker"
    plant(tmp_path / "elsewhere", marker)
    evil = str(tmp_path / "elsewhere" / "evil.py")
    text = Path(schedule).read_text()
    Path(schedule).write_text(text + f"\nplugins: [{evil}]\n")
    result = run("plan", str(schedule), "--today", TODAY)
    assert (
        result.exit_code == 1 and "plugins: a config cannot name plugins to load" in result.stderr
    )
    Path(schedule).write_text(text)
    assert run("plan", str(schedule), "--today", TODAY).exit_code == 0
    plan = workspace / "schedules" / "ml-systems.plan.yaml"
    plan.write_text(plan.read_text() + f"plugins: [{evil}]\n")
    assert run("plan", str(schedule), "--today", TODAY).exit_code == 0
    assert run("show", str(schedule)).exit_code == 0
    assert not marker.exists()


def test_a_catalog_source_path_is_data_never_code(run, schedule, workspace, tmp_path):
    marker = tmp_path / "marker"
    plant(workspace, marker)
    text = (
        Path(schedule).read_text().replace("[paperclub:sample]", "[paperclub:sample, ../evil.py]")
    )
    Path(schedule).write_text(text)
    result = run("plan", str(schedule), "--today", TODAY)
    assert result.exit_code == 1 and "evil.py" in result.stderr
    assert "Traceback" not in result.stderr
    assert not marker.exists()


def test_a_catalog_busy_for_too_long_is_a_clear_error(run, tmp_path, monkeypatch):
    from paperclub import catalog as catalog_module

    monkeypatch.setattr(catalog_module, "BUSY_TIMEOUT", 0.5)
    catalog = tmp_path / "catalog.sqlite"
    assert run("import", "--catalog", str(catalog), "paperclub:sample").exit_code == 0
    papers_csv(tmp_path / "a.csv", 0, 10)
    holder = sqlite3.connect(catalog, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        result = run("import", "--catalog", str(catalog), str(tmp_path / "a.csv"))
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert result.exit_code == 1
    assert "the catalog is busy" in result.stderr and "Traceback" not in result.stderr
    assert count(catalog) == 87
