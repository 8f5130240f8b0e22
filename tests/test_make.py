"""The README's two commands on a fresh machine: `make demo` installs only what the demo runs,
`make test` adds the test extra and brings Chromium (scripts/ensure-browser), or says in one
line what to install."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from conftest import ROOT
from test_html import chromium_path  # the browser the web page tests run

ENSURE_BROWSER = ROOT / "scripts" / "ensure-browser"


def ensure_browser(path: list[Path], **env: str) -> subprocess.CompletedProcess:
    """Run the script with only `path` on PATH (so no chromium the machine has is found)."""
    return subprocess.run(
        [str(ENSURE_BROWSER)],
        env={"PATH": os.pathsep.join(map(str, path)), **env},
        capture_output=True,
        text=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
    )


def bin_with(tmp_path: Path, **programs: str) -> Path:
    """A folder for PATH holding bash and the given programs (name: the real one's path)."""
    folder = tmp_path / "bin"
    folder.mkdir(parents=True)
    for name, target in {"bash": shutil.which("bash"), **programs}.items():
        (folder / name).symlink_to(target)
    return folder


def assert_says_what_to_install(done: subprocess.CompletedProcess) -> None:
    assert done.returncode == 1 and done.stdout == ""
    lines = done.stderr.splitlines()
    assert len(lines) == 1, done.stderr
    assert "apt-get install chromium" in lines[0] and "PAPERCLUB_CHROMIUM=" in lines[0]


def test_without_chromium_a_user_is_told_what_to_install(tmp_path):
    """Not root: nothing is installed (apt-get is there, and never run)."""
    programs = {"apt-get": shutil.which("apt-get")} if shutil.which("apt-get") else {}
    done = ensure_browser([bin_with(tmp_path, **programs)], PAPERCLUB_TEST_UID="1000")
    assert_says_what_to_install(done)
    assert done.stderr.startswith("The web page tests need Chromium, which is not on PATH: install")


def test_without_chromium_or_apt_get_root_is_told_what_to_install(tmp_path):
    done = ensure_browser([bin_with(tmp_path)], PAPERCLUB_TEST_UID="0")
    assert_says_what_to_install(done)


def test_a_chromium_on_path_or_named_is_enough(tmp_path):
    done = ensure_browser(
        [bin_with(tmp_path / "a", chromium=chromium_path())], PAPERCLUB_TEST_UID="1000"
    )
    assert (done.returncode, done.stdout, done.stderr) == (0, "", "")
    done = ensure_browser([bin_with(tmp_path / "b")], PAPERCLUB_CHROMIUM=chromium_path())
    assert (done.returncode, done.stdout, done.stderr) == (0, "", "")


def test_a_wrong_paperclub_chromium_is_named(tmp_path):
    done = ensure_browser(
        [bin_with(tmp_path, chromium=chromium_path())], PAPERCLUB_CHROMIUM=str(tmp_path / "chrome")
    )
    assert done.returncode == 1 and done.stderr == (
        f"PAPERCLUB_CHROMIUM={tmp_path / 'chrome'} is not a program: point it at a Chromium or "
        "Chrome, or unset it\n"
    )


def make_n(folder: Path, target: str) -> list[str]:
    """The commands `make TARGET` would run in `folder` (a copy of the Makefile)."""
    env = {k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL")}
    done = subprocess.run(
        ["make", "-n", "--no-print-directory", target],
        cwd=folder,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )  # as if run by hand
    assert done.returncode == 0, done.stderr
    return done.stdout.splitlines()


def installs(commands: list[str]) -> list[str]:
    return [c.split("pip install --quiet ")[1] for c in commands if "pip install --quiet -e" in c]


def test_demo_installs_paperclub_and_test_adds_the_test_extra_once(tmp_path):
    for name in ("Makefile", "pyproject.toml"):
        shutil.copy(ROOT / name, tmp_path / name)
    # a fresh clone: the demo installs paperclub alone; the tests, paperclub and the extra
    assert installs(make_n(tmp_path, "demo")) == ["-e ."]
    test = make_n(tmp_path, "test")
    assert installs(test) == ["-e .", "-e '.[test]'"]
    # and check for the browser before the tests run
    assert test[-3:] == ["scripts/ensure-browser", "scripts/ensure-libical", ".venv/bin/pytest"]
    # after `make demo`, `make test` adds only the extra; after both, nothing is installed
    later = (tmp_path / "pyproject.toml").stat().st_mtime + 10
    (tmp_path / ".venv").mkdir()
    (tmp_path / ".venv" / ".installed").touch()
    os.utime(tmp_path / ".venv" / ".installed", (later, later))
    test = make_n(tmp_path, "test")
    assert installs(test) == ["-e '.[test]'"] and not any("-m venv" in c for c in test)
    (tmp_path / ".venv" / ".installed-test").touch()
    os.utime(tmp_path / ".venv" / ".installed-test", (later + 1, later + 1))
    assert installs(make_n(tmp_path, "demo")) == installs(make_n(tmp_path, "test")) == []


GATES = [".venv/bin/ruff check .", ".venv/bin/ruff format --check .", ".venv/bin/mypy src"]


def test_make_lint_runs_the_gates_and_make_test_runs_them_before_the_tests(tmp_path):
    for name in ("Makefile", "pyproject.toml"):
        shutil.copy(ROOT / name, tmp_path / name)
    # a fresh clone: `make lint` installs paperclub and the lint extra alone, then checks
    lint = make_n(tmp_path, "lint")
    assert installs(lint) == ["-e .", "-e '.[lint]'"] and lint[-3:] == GATES
    assert make_n(tmp_path, "test")[-6:] == [
        *GATES,
        "scripts/ensure-browser",
        "scripts/ensure-libical",
        ".venv/bin/pytest",
    ]
    # the test extra brings the lint extra, so after `make test` `make lint` installs nothing
    test_extra = (ROOT / "pyproject.toml").read_text().split("\ntest = [", 1)[1].split("]\n", 1)[0]
    assert '"paperclub[lint]"' in test_extra
    later = (tmp_path / "pyproject.toml").stat().st_mtime + 10
    (tmp_path / ".venv").mkdir()
    for stamp in (".installed", ".installed-test", ".installed-lint"):
        (tmp_path / ".venv" / stamp).touch()
        os.utime(tmp_path / ".venv" / stamp, (later, later))
    assert installs(make_n(tmp_path, "lint")) == [] and make_n(tmp_path, "lint") == GATES


def test_ci_runs_make_test_which_brings_the_browser():
    ci = (ROOT / ".ci" / "run").read_text()
    assert "make test" in ci and "apt-get" not in ci  # scripts/ensure-browser does it
    assert os.access(ENSURE_BROWSER, os.X_OK) and os.access(ROOT / ".ci" / "run", os.X_OK)


# -- libical for the invitation tests ----------------------------------------------------------

ENSURE_LIBICAL = ROOT / "scripts" / "ensure-libical"


def ensure_libical(path: list[Path], **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(ENSURE_LIBICAL)],
        env={"PATH": os.pathsep.join(map(str, path)), **env},
        capture_output=True,
        text=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
    )


def test_libical_for_the_system_python_is_found():
    done = ensure_libical([Path("/usr/bin"), Path("/bin")])
    assert done.returncode == 0 and done.stderr == "", done


def test_without_libical_a_user_is_told_what_to_install(tmp_path):
    """A Python without libical's bindings (the one running the tests): nothing installed,
    one line saying what to install, for a user and for root alike (apt-get installs into the
    system Python, not this one)."""
    programs = {"apt-get": shutil.which("apt-get")} if shutil.which("apt-get") else {}
    for uid in ("1000", "0"):
        done = ensure_libical(
            [bin_with(tmp_path / uid, **programs)],
            PAPERCLUB_TEST_UID=uid,
            PAPERCLUB_ITIP_PYTHON=sys.executable,
        )
        assert done.returncode == 1 and done.stdout == ""
        (line,) = done.stderr.splitlines()
        assert line.startswith("The invitation tests need libical for ")
        assert "apt-get install python3-gi gir1.2-ical-3.0" in line


def test_the_invitation_tests_fail_without_libical(tmp_path):
    """Not skipped: a failure that says what to install."""
    import pytest

    from itip import itip_check

    with pytest.raises(pytest.fail.Exception, match="install python3-gi and gir1.2-ical-3.0"):
        itip_check(b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n", tmp_path, python=sys.executable)
    with pytest.raises(pytest.fail.Exception, match="is missing"):
        itip_check(b"", tmp_path, python=str(tmp_path / "no-python"))
