"""How long `paperclub --help` takes, against `python -c "import click"` in the same run.

    python bench/startup.py [--runs N]

Target: paperclub --help within 2x of importing click alone (it should import nothing heavy:
no icalendar, no YAML, no solver). Runs alternate, so machine noise hits both sides alike;
medians are printed, and the modules --help imported beyond click are listed.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time

HEAVY = ("icalendar", "yaml", "pluggy", "sqlite3", "highspy", "ortools", "jinja2", "caldav")


def timed(cmd: list[str], cwd: str) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, cwd=cwd, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()
    env_cwd = tempfile.mkdtemp()  # an empty workspace: no plugins/ folder
    help_cmd = [sys.executable, "-m", "paperclub", "--help"]
    click_cmd = [sys.executable, "-c", "import click"]
    for cmd in (help_cmd, click_cmd):  # warm the file cache
        timed(cmd, env_cwd)
    ours, base = [], []
    for _ in range(args.runs):
        ours.append(timed(help_cmd, env_cwd))
        base.append(timed(click_cmd, env_cwd))
    m_ours, m_base = statistics.median(ours), statistics.median(base)
    print(f"paperclub --help        median {m_ours * 1000:6.1f} ms  (min {min(ours) * 1000:.1f})")
    print(f'python -c "import click" median {m_base * 1000:6.1f} ms  (min {min(base) * 1000:.1f})')
    print(f"ratio {m_ours / m_base:.2f}x (target <= 2.0x)")

    probe = (
        "import sys; sys.argv = ['paperclub', '--help']\n"
        "from paperclub.cli import main\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        f"print(sorted({{m.split('.')[0] for m in sys.modules}} & set({HEAVY!r})), file=sys.stderr)"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=env_cwd,
        capture_output=True,
        text=True,
        env={**os.environ},
    ).stderr.strip()
    print(f"heavy modules imported by --help: {out}")


if __name__ == "__main__":
    main()
