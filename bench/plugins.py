"""What loading plugins and checking their settings adds to `paperclub plan` on the sample.

    python bench/plugins.py [--runs N]

Two workspaces with the sample term (schedules/ml-systems.yaml, the bundled sample catalog),
planned alternately in the same run, so machine noise hits both alike: one with no plugins
(only paperclub's own), one with the repository's example plugins (plugins/*.py), the
settings-declaring plugin of docs/plugins.md ("Settings of your own") and its `settings:`
section. Installed plugins are off in both (PAPERCLUB_DISABLE_PLUGIN_AUTOLOAD=1).
Target: the plugins add at most 10 % to the median.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TODAY = "2026-11-01"


def workspace(folder: Path, plugins: bool) -> list[str]:
    """A workspace in `folder`; the command that plans it."""
    (folder / "schedules").mkdir(parents=True)
    config = (ROOT / "schedules" / "ml-systems.yaml").read_text()
    if plugins:
        (folder / "plugins").mkdir()
        for example in sorted((ROOT / "plugins").glob("*.py")):
            shutil.copy(example, folder / "plugins" / example.name)
        doc = (ROOT / "docs" / "plugins.md").read_text()
        part = re.search(r"\n### Settings of your own\n(.*?)(?=\n### )", doc, re.DOTALL).group(1)
        code = re.search(r"```python\n(.*?)```", part, re.DOTALL).group(1)
        (folder / "plugins" / "seed_similarity.py").write_text(code)
        config += re.search(r"```yaml\n(.*?)```", part, re.DOTALL).group(1)
    (folder / "schedules" / "ml-systems.yaml").write_text(config)
    return [
        sys.executable,
        "-m",
        "paperclub",
        "plan",
        "schedules/ml-systems.yaml",
        "--today",
        TODAY,
    ]


def timed(cmd: list[str], cwd: Path, env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(
        cmd, cwd=cwd, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args()
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("PAPERCLUB_")},
        "PAPERCLUB_DISABLE_PLUGIN_AUTOLOAD": "1",
    }
    base = Path(tempfile.mkdtemp())
    bare, full = base / "bare", base / "plugins"
    bare_cmd, full_cmd = workspace(bare, False), workspace(full, True)
    for cmd, cwd in ((bare_cmd, bare), (full_cmd, full)):  # the catalog, the first plan
        timed(cmd, cwd, env)
    without, with_plugins = [], []
    for _ in range(args.runs):
        without.append(timed(bare_cmd, bare, env))
        with_plugins.append(timed(full_cmd, full, env))
    m_without, m_with = statistics.median(without), statistics.median(with_plugins)
    plugins = sorted(p.name for p in (full / "plugins").glob("*.py"))
    print(
        f"paperclub plan, no plugins       median {m_without * 1000:7.1f} ms  "
        f"(min {min(without) * 1000:.1f})"
    )
    print(
        f"paperclub plan, {len(plugins)} plugins + settings median {m_with * 1000:7.1f} ms  "
        f"(min {min(with_plugins) * 1000:.1f}): {', '.join(plugins)}"
    )
    overhead = (m_with / m_without - 1) * 100
    print(f"overhead {overhead:+.1f} % (target <= 10 %)")
    shutil.rmtree(base)


if __name__ == "__main__":
    main()
