"""`paperclub plugin new NAME`: a plugin package to start from, whose plugin plans and whose
own test passes; and, from a fresh virtual environment, the whole way a plugin author goes:
install paperclub, make the package, `pip install -e` it, run its test, see it listed and
planning."""

from __future__ import annotations

import glob
import importlib.util
import json
import os
import re
import subprocess
import sys
import sysconfig
import venv
from pathlib import Path

import pytest

from conftest import ROOT, TODAY
from paperclub.scaffold import TEMPLATE

FILES = [
    "demo-plugin/README.md",
    "demo-plugin/pyproject.toml",
    "demo-plugin/src/paperclub_demo_plugin/__init__.py",
    "demo-plugin/tests/test_demo_plugin.py",
]


def test_it_writes_a_package_and_says_what_next(run, workspace):
    result = run("plugin", "new", "demo-plugin")
    assert result.exit_code == 0, result
    assert result.stdout.splitlines() == [f"{f} (written)" for f in FILES] + [
        "paperclub-demo-plugin: the plugin demo_plugin, in "
        "demo-plugin/src/paperclub_demo_plugin/__init__.py",
        "Next: cd demo-plugin && pip install -e '.[test]' && pytest",
    ]
    pyproject = (workspace / "demo-plugin" / "pyproject.toml").read_text()
    assert 'name = "paperclub-demo-plugin"' in pyproject
    assert '[project.entry-points.paperclub]\ndemo_plugin = "paperclub_demo_plugin"' in pyproject
    for name in FILES:
        text = (workspace / name).read_text()
        assert "$" not in text and "MODULE" not in text and "ENTRY" not in text, name
        if name.endswith(".py"):
            compile(text, name, "exec")
    plugin = (workspace / FILES[2]).read_text()
    imports = re.findall(r"^from paperclub(\S*) import (.*)$", plugin, re.M)
    assert imports == [(".api", "Group, Paper, hookimpl, settings")]  # the public API only


def test_the_docs_show_what_it_prints(run):
    section = re.search(
        r"\n## A plugin package of your own\n(.*?)(?=\n## )",
        (ROOT / "docs" / "plugins.md").read_text(),
        re.DOTALL,
    ).group(1)
    command = re.search(r"```sh\n(.*?)\n```", section, re.DOTALL).group(1)
    shown = re.search(r"```text\n(.*?)```", section, re.DOTALL).group(1)
    assert command.split()[:1] == ["paperclub"]
    assert run(*command.split()[1:]).stdout == shown


def test_the_new_plugin_plans_in_process(run, workspace, paperclub_workspace, monkeypatch):
    """The template's plugin, imported from where the package was written, changes a plan:
    papers with its words get in, with its score part."""
    assert run("plugin", "new", "demo-plugin", "--dir", str(workspace / "pkg")).exit_code == 0
    path = workspace / "pkg" / "src" / "paperclub_demo_plugin" / "__init__.py"
    spec = importlib.util.spec_from_file_location("paperclub_demo_plugin", path)
    module = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, spec.name, module)  # as an import does: dataclasses need it
    spec.loader.exec_module(module)
    defaults = module.Settings()
    words = defaults.words

    def with_words(result):
        return [a for a in result.papers if any(w in a.title.lower() for w in words)]

    without = paperclub_workspace.plan()
    paperclub_workspace.load(module, "demo_plugin")
    planned = paperclub_workspace.plan()
    assert planned.exit_code == 0, planned
    assert len(with_words(planned)) > len(with_words(without))
    assert all(a.score_parts.get("demo_plugin") == defaults.weight for a in with_words(planned))
    assert "demo_plugin 10.00" in paperclub_workspace.show("--why").stdout


@pytest.mark.parametrize(
    "name, message",
    [
        (
            "demo plugin!",
            "'demo plugin!' is not a package name: letters and digits, with - _ . "
            "only between them (demo-plugin, say)",
        ),
        ("demo-", "'demo-' is not a package name"),
        ("ics", "ics is the name of a built-in plugin (paperclub.default_plugins.ics)"),
        ("paperclub", "name the plugin for what it does"),
    ],
)
def test_a_bad_name_is_an_error_and_nothing_is_written(run, workspace, name, message):
    result = run("plugin", "new", name)
    assert result.exit_code == 1
    assert result.stderr.startswith(f"Error: {message}")
    assert "Traceback" not in result.stderr
    assert list(workspace.iterdir()) == []


def test_names_become_the_distribution_module_and_entry_point(run, workspace):
    for name, module in [
        ("paperclub-rss", "paperclub_rss"),
        ("Seed.Similarity", "paperclub_seed_similarity"),
    ]:
        result = run("plugin", "new", name)
        assert result.exit_code == 0, result
        assert (workspace / name / "src" / module / "__init__.py").exists()
    assert 'name = "paperclub-rss"' in (workspace / "paperclub-rss" / "pyproject.toml").read_text()
    assert (
        'seed_similarity = "paperclub_seed_similarity"'
        in (workspace / "Seed.Similarity" / "pyproject.toml").read_text()
    )


def test_it_overwrites_nothing_without_force(run, workspace):
    folder = workspace / "demo-plugin"
    folder.mkdir()
    (folder / "README.md").write_text("mine\n")
    result = run("plugin", "new", "demo-plugin")
    assert result.exit_code == 1
    assert result.stderr.startswith(
        "Error: demo-plugin/README.md: exists already: paperclub "
        "plugin new overwrites nothing without --force"
    )
    assert [p.name for p in folder.iterdir()] == ["README.md"]
    assert (folder / "README.md").read_text() == "mine\n"
    assert run("plugin", "new", "demo-plugin", "--force").exit_code == 0
    assert "# paperclub-demo-plugin" in (folder / "README.md").read_text()


def test_a_file_where_the_folder_goes_is_an_error(run, workspace):
    (workspace / "demo-plugin").write_text("")
    result = run("plugin", "new", "demo-plugin")
    assert result.exit_code == 1 and "demo-plugin: not a folder" in result.stderr


def test_the_templates_are_package_data():
    """An installed (not editable) paperclub has the files plugin new copies: each matches a
    package-data glob of pyproject.toml, as setuptools reads them (`*` stays in a folder)."""
    pyproject = (ROOT / "pyproject.toml").read_text()
    patterns = re.findall(r'"([^"]+)"', re.search(r"\npaperclub = \[(.*?)\]", pyproject).group(1))
    package = ROOT / "src" / "paperclub"
    shipped = {
        f for pattern in patterns for f in glob.glob(pattern, root_dir=package, recursive=True)
    }
    files = [p.relative_to(package).as_posix() for p in TEMPLATE.rglob("*") if p.is_file()]
    assert len(files) == 4
    assert sorted(set(files) - shipped) == []


def _clean_env(**extra: str) -> dict[str, str]:
    """This environment without the test run's settings (PAPERCLUB_DISABLE_PLUGIN_AUTOLOAD,
    pytest's own), as a user's shell has it."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("PAPERCLUB_", "PYTEST_", "PYTHON", "VIRTUAL_ENV"))
    }
    return {**env, **extra}


@pytest.mark.slow
def test_from_a_fresh_venv_a_new_plugin_installs_passes_its_test_and_plans(tmp_path):
    """The whole way, in a fresh virtual environment: paperclub installed into it from this
    repository (`pip install -e`), `paperclub plugin new demo-plugin`, `pip install -e` the
    package, its own test passes under the environment's pytest, `paperclub plugins --json`
    lists it, and a plan shows its effect.

    Offline and fast (about 20 s on 2 cores): the environment is made without pip, and sees the
    third-party packages of the one running this test (pip, setuptools, click, pytest, ...)
    through a .pth line naming a folder of links to them, paperclub's own install left out,
    so `import paperclub` fails until paperclub is installed into it; pip then builds with
    --no-build-isolation and --no-index, as nothing has to be downloaded."""
    deps = tmp_path / "deps"
    deps.mkdir()
    sites = {Path(sysconfig.get_path(kind)).resolve() for kind in ("purelib", "platlib")}
    for entry in sorted(e for site in sites for e in site.iterdir()):
        ours = entry.name.startswith(
            ("paperclub", "__editable__.paperclub", "__editable___paperclub")
        )
        if ours or entry.suffix == ".pth":
            continue  # paperclub's own install, and .pth files (not run from a .pth's folder)
        (deps / entry.name).symlink_to(entry)
    env_dir = tmp_path / "venv"
    venv.EnvBuilder(with_pip=False).create(env_dir)
    bin_dir = env_dir / ("Scripts" if os.name == "nt" else "bin")
    python = bin_dir / ("python.exe" if os.name == "nt" else "python")
    target = subprocess.run(
        [python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    (Path(target) / "zz_deps.pth").write_text(f"{deps}\n")
    env = _clean_env(PATH=f"{bin_dir}{os.pathsep}{os.environ['PATH']}", VIRTUAL_ENV=str(env_dir))

    def sh(*args: str | Path, cwd: Path = tmp_path, **more: str) -> subprocess.CompletedProcess:
        done = subprocess.run(
            [str(a) for a in args],
            cwd=cwd,
            env={**env, **more},
            capture_output=True,
            text=True,
            stdin=subprocess.DEVNULL,
            timeout=300,
        )
        assert done.returncode == 0, f"{args}\n{done.stdout}\n{done.stderr}"
        return done

    paperclub = bin_dir / "paperclub"
    pip = [python, "-m", "pip", "install", "--quiet", "--no-index", "--no-build-isolation"]
    fresh = subprocess.run([python, "-c", "import paperclub"], env=env, capture_output=True)
    assert fresh.returncode != 0  # nothing of this repository's install leaks in
    sh(*pip, "-e", ROOT)
    sh(
        python,
        "-c",
        "import paperclub, sys; assert paperclub.__file__.startswith("
        f"{str(ROOT)!r}), paperclub.__file__",
    )

    sh(paperclub, "plugin", "new", "demo-plugin")
    package = tmp_path / "demo-plugin"
    sh(*pip, "-e", f"{package}[test]")
    tested = sh(python, "-m", "pytest", "-p", "no:cacheprovider", cwd=package)
    assert re.search(r"\b4 passed\b", tested.stdout), tested.stdout

    listed = json.loads(sh(paperclub, "plugins", "--json").stdout)
    assert {
        "name": "demo_plugin",
        "version": "0.1.0",
        "hooks": ["paperclub_declare_settings", "paperclub_score_paper"],
    } in listed

    sh(paperclub, "init", "club", "--today", TODAY)
    club = tmp_path / "club"
    config = "schedules/reading-group.yaml"

    def planned(**more: str) -> list[dict]:
        (club / "schedules" / "reading-group.plan.yaml").unlink(missing_ok=True)
        sh(paperclub, "plan", config, "--today", TODAY, cwd=club, **more)
        shown = json.loads(sh(paperclub, "show", config, "--json", cwd=club).stdout)
        return [p for s in shown["sessions"] for p in s["papers"]]

    with_it = planned()
    without = planned(PAPERCLUB_DISABLE_PLUGINS="demo_plugin")
    scored = [p["title"] for p in with_it if "demo_plugin" in p["score_parts"]]
    assert scored and not [p for p in without if "demo_plugin" in p["score_parts"]]
    assert set(scored) - {p["title"] for p in without}  # papers the plugin brought in
