"""An installed plugin: a tiny distribution declaring `[project.entry-points.paperclub]` in its
pyproject.toml is built and installed by pip, offline, into a fresh virtual environment that
sees this one's packages; that environment's paperclub lists it and plans with it, and
PAPERCLUB_DISABLE_PLUGINS and PAPERCLUB_DISABLE_PLUGIN_AUTOLOAD turn it off.

The distribution brings its own few-line PEP 517 backend (`backend-path`), so the build needs
neither the network nor setuptools and wheel (Python 3.12's venv has no setuptools, and
setuptools before 70.1 needs the wheel package to build one)."""

from __future__ import annotations

import json
import os
import shutil
import site
import subprocess
import textwrap
import venv
from pathlib import Path

import pytest

from conftest import SCHEDULE, TODAY

PYPROJECT = """\
[build-system]
requires = []
build-backend = "wheel_backend"
backend-path = ["."]

[project]
name = "paperclub-no-benchmarks"
version = "1.2.3"

[project.entry-points.paperclub]
no_benchmarks = "paperclub_no_benchmarks"
"""

PLUGIN = '''\
"""Our group reads no benchmarks."""


def paperclub_exclude_paper(paper, group, history):
    if "bench" in paper.title.lower():
        return "a benchmark (paperclub-no-benchmarks)"
'''


# A PEP 517 backend that builds a pure-Python wheel of the one module named like the project:
# the metadata and the entry points come from pyproject.toml, as any backend takes them.
BACKEND = """\
import base64, hashlib, zipfile
from pathlib import Path

try:
    import tomllib
except ImportError:  # Python 3.10
    from pip._vendor import tomli as tomllib


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    project = tomllib.loads(Path("pyproject.toml").read_text())["project"]
    module = project["name"].replace("-", "_")
    stem = f"{module}-{project['version']}"
    info = f"{stem}.dist-info"
    entry_points = "".join(
        f"[{group}]\\n" + "".join(f"{k} = {v}\\n" for k, v in items.items())
        for group, items in project.get("entry-points", {}).items())
    files = {
        f"{module}.py": Path(f"{module}.py").read_bytes(),
        f"{info}/METADATA": (f"Metadata-Version: 2.1\\nName: {project['name']}\\n"
                             f"Version: {project['version']}\\n").encode(),
        f"{info}/WHEEL": b"Wheel-Version: 1.0\\nGenerator: wheel_backend\\n"
                         b"Root-Is-Purelib: true\\nTag: py3-none-any\\n",
        f"{info}/entry_points.txt": entry_points.encode(),
    }
    record = "".join(
        f"{name},sha256={base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b'=').decode()},{len(data)}\\n"
        for name, data in files.items()) + f"{info}/RECORD,,\\n"
    files[f"{info}/RECORD"] = record.encode()
    name = f"{stem}-py3-none-any.whl"
    with zipfile.ZipFile(Path(wheel_directory) / name, "w") as whl:
        for path, data in files.items():
            whl.writestr(path, data)
    return name
"""


@pytest.fixture(scope="module")
def plugin_env(tmp_path_factory):
    """A virtual environment with the plugin installed, and paperclub (with its dependencies)
    seen through a .pth file that adds this environment's site-packages."""
    root = tmp_path_factory.mktemp("entry_points")
    dist = root / "paperclub-no-benchmarks"
    dist.mkdir()
    (dist / "pyproject.toml").write_text(PYPROJECT)
    (dist / "paperclub_no_benchmarks.py").write_text(PLUGIN)
    (dist / "wheel_backend.py").write_text(BACKEND)
    env_dir = root / "venv"
    venv.EnvBuilder(with_pip=False).create(env_dir)
    python = env_dir / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
    target = subprocess.run(
        [python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    # addsitedir, not a bare path: it also runs this environment's own .pth files, among them
    # the one that makes the editable paperclub importable
    ours = [p for p in site.getsitepackages() if Path(p).is_dir()]
    (Path(target) / "zz_parent_env.pth").write_text(
        "".join(f"import site; site.addsitedir({p!r})\n" for p in ours)
    )
    pip = subprocess.run(
        [
            python,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--no-index",
            "--no-deps",
            "--no-build-isolation",
            "--disable-pip-version-check",
            str(dist),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert pip.returncode == 0, pip.stderr
    return python


def paperclub(python, workspace, *args, **env):
    environ = {k: v for k, v in os.environ.items() if not k.startswith("PAPERCLUB_")}
    return subprocess.run(
        [python, "-m", "paperclub", *args],
        cwd=workspace,
        capture_output=True,
        text=True,
        env={**environ, **env},
        stdin=subprocess.DEVNULL,
        timeout=120,
    )


@pytest.fixture
def plugin_workspace(workspace):
    (workspace / "schedules").mkdir()
    shutil.copy(SCHEDULE, workspace / "schedules" / "ml-systems.yaml")
    return workspace


def planned_titles(python, workspace, **env):
    config = "schedules/ml-systems.yaml"
    (workspace / "schedules" / "ml-systems.plan.yaml").unlink(missing_ok=True)
    plan = paperclub(python, workspace, "plan", config, "--today", TODAY, **env)
    assert plan.returncode == 0, plan.stderr
    shown = json.loads(paperclub(python, workspace, "show", config, "--json").stdout)
    return [p["title"] for s in shown["sessions"] for p in s["papers"]]


def test_an_installed_plugin_is_listed_and_changes_the_plan(plugin_env, plugin_workspace):
    listed = paperclub(plugin_env, plugin_workspace, "plugins")
    assert listed.returncode == 0, listed.stderr
    assert "no_benchmarks 1.2.3: paperclub_exclude_paper" in listed.stdout.splitlines()

    titles = planned_titles(plugin_env, plugin_workspace)
    assert titles and not [t for t in titles if "bench" in t.lower()]
    why = paperclub(
        plugin_env,
        plugin_workspace,
        "why",
        "schedules/ml-systems.yaml",
        "wa-hls4ml-a-benchmark-and-surrogate-models-for-hls4ml-resource-and-latency-estimation",
        "--today",
        TODAY,
    )
    assert "excluded: a benchmark (paperclub-no-benchmarks)" in why.stdout, why

    # the same environment without the plugin: autoload off, or the plugin disabled by name
    for env in (
        {"PAPERCLUB_DISABLE_PLUGIN_AUTOLOAD": "1"},
        {"PAPERCLUB_DISABLE_PLUGINS": "no_benchmarks"},
    ):
        titles = planned_titles(plugin_env, plugin_workspace, **env)
        assert [t for t in titles if "bench" in t.lower()], env
    disabled = paperclub(
        plugin_env, plugin_workspace, "plugins", PAPERCLUB_DISABLE_PLUGINS="no_benchmarks"
    )
    assert "no_benchmarks: disabled (PAPERCLUB_DISABLE_PLUGINS)" in disabled.stdout
    assert disabled.stderr == ""


def test_a_broken_installed_plugin_is_named_with_exit_code_3(
    plugin_env, plugin_workspace, tmp_path
):
    # shadow the installed module with a broken one, earlier on sys.path
    broken = tmp_path / "shadow"
    broken.mkdir()
    (broken / "paperclub_no_benchmarks.py").write_text(
        textwrap.dedent("""\
        def paperclub_exclude_papers(paper, group, history):
            return None
    """)
    )
    result = paperclub(
        plugin_env, plugin_workspace, "plan", "schedules/ml-systems.yaml", PYTHONPATH=str(broken)
    )
    assert result.returncode == 3, result.stderr
    assert "plugin no_benchmarks (paperclub_no_benchmarks)" in result.stderr
    assert (
        "paperclub_exclude_papers is not a paperclub hook; did you mean paperclub_exclude_paper?"
        in result.stderr
    )
    assert "Traceback" not in result.stderr
    assert paperclub(plugin_env, plugin_workspace, "--help", PYTHONPATH=str(broken)).returncode == 0
