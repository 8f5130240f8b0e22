"""Plugins' own settings: `settings.<plugin>` in the group config, declared by the plugin's
`paperclub_declare_settings()` (a dataclass), checked like every other key and read back with
`paperclub.api.settings`."""

from __future__ import annotations

import dataclasses
from datetime import date
from pathlib import Path
from typing import Literal

import pytest

from conftest import TODAY
from test_plugins import PLUGIN_EXIT, write_plugin

SEED = """\
from dataclasses import dataclass, field
from datetime import date
from typing import Literal

from paperclub.api import settings


@dataclass(frozen=True)
class Settings:
    liked: list[str] = field(default_factory=list)
    max_age_years: int = 5
    weight: float = 1.0
    since: date | None = None
    mode: Literal["title", "abstract"] = "title"
    verbose: bool = False


def paperclub_declare_settings():
    return Settings


def paperclub_score_paper(paper, group, catalog):
    mine = settings(group, Settings)
    liked = [catalog.get(paper_id) for paper_id in mine.liked]
    words = {w for p in liked if p for w in p.title.lower().split() if len(w) > 6}
    shared = words & set(paper.title.lower().split())
    if shared and paper.id not in mine.liked:
        return {"seed": mine.weight * len(shared)}
"""

LIKED = ["mirror-speculative-decoding-breaking-the-serial-barrier-in-llm-inference"]  # sample


def _with_settings(schedule: Path, text: str) -> None:
    schedule.write_text(schedule.read_text() + text)


def _plan(run, schedule):
    return run("plan", str(schedule), "--today", TODAY)


def _parts(schedule: Path) -> list[dict]:
    import yaml

    plan = yaml.safe_load(schedule.with_name("ml-systems.plan.yaml").read_text())
    return [p.get("score_parts", {}) for s in plan["sessions"] for p in s.get("papers", [])]


def test_paperclub_declare_settings_the_config_reaches_the_plugin(run, schedule, workspace):
    write_plugin(workspace, "seed_similarity.py", SEED)
    lines = schedule.read_text().count("\n")
    _with_settings(
        schedule, f"settings:\n  seed_similarity:\n    liked: [{LIKED[0]}]\n    weight: 7\n"
    )
    result = _plan(run, schedule)
    assert result.exit_code == 0, result
    seeds = [p["seed"] for p in _parts(schedule) if "seed" in p]
    assert seeds and all(s % 7 == 0 for s in seeds)  # the weight given, not the default 1.0
    assert lines  # the section is at the end of the config: its lines are below


def test_without_a_section_the_plugin_gets_its_defaults(run, schedule, workspace):
    write_plugin(workspace, "seed_similarity.py", SEED)
    assert _plan(run, schedule).exit_code == 0
    assert not [p for p in _parts(schedule) if "seed" in p]  # no liked papers by default


@dataclasses.dataclass
class Mine:
    words: tuple[str, ...] = ()
    ids: list[str] = dataclasses.field(default_factory=list)
    count: int = 1
    share: float = 0.5
    since: date | None = None
    enabled: bool = True
    mode: Literal["a", "b"] = "a"


def test_the_values_are_read_into_the_dataclass(tmp_path):
    """Each type a field may have, from YAML: a tuple stays a tuple, a date is parsed."""
    from paperclub.config import load_group
    from paperclub.settings import Declared

    config = _config(
        tmp_path,
        "settings:\n  mine:\n    words: [x, y]\n    ids: one\n"
        "    count: 3\n    share: 1\n    since: 2024-02-29\n"
        "    enabled: false\n    mode: b\n",
    )
    group = load_group(config, settings=Declared({"mine": Mine}))
    from paperclub.api import settings

    assert settings(group, Mine) == Mine(("x", "y"), ["one"], 3, 1.0, date(2024, 2, 29), False, "b")


def test_a_group_without_the_plugin_gives_the_defaults(tmp_path):
    """A unit test of a plugin's function may build its group without loading the plugin."""
    from paperclub.api import settings
    from paperclub.config import load_group

    assert settings(load_group(_config(tmp_path, "")), Mine) == Mine()


SAMPLE = Path(__file__).resolve().parent.parent / "schedules" / "ml-systems.yaml"


def _config(folder: Path, extra: str) -> Path:
    path = folder / "group.yaml"
    path.write_text(SAMPLE.read_text() + extra)
    return path


@pytest.mark.parametrize(
    "section, line, message",
    [
        (
            "  seed_similarity:\n    max_age_yaers: 5\n",
            2,
            "settings.seed_similarity.max_age_yaers: unknown key (did you mean 'max_age_years'?)",
        ),
        (
            "  seed_similarty:\n    max_age_years: 5\n",
            1,
            "settings.seed_similarty: no plugin 'seed_similarty' declares settings (did you mean "
            "'seed_similarity'?)",
        ),
        (
            "  recent:\n    years: 5\n",
            1,
            "settings.recent: no plugin 'recent' declares settings (plugins with settings: "
            "seed_similarity)",
        ),
        (
            "  seed_similarity:\n    max_age_years: five\n",
            2,
            "settings.seed_similarity.max_age_years: expected a whole number, found 'five'",
        ),
        (
            "  seed_similarity:\n    max_age_years: true\n",
            2,
            "settings.seed_similarity.max_age_years: expected a whole number, found True",
        ),
        (
            "  seed_similarity:\n    weight: [1]\n",
            2,
            "settings.seed_similarity.weight: expected a number, found [1]",
        ),
        (
            "  seed_similarity:\n    liked:\n      - arxiv:2510.13161\n      - {id: x}\n",
            4,
            "settings.seed_similarity.liked[1]: expected text, found {'id': 'x'}",
        ),
        (
            "  seed_similarity:\n    since: 2027-02-30\n",
            2,
            "settings.seed_similarity.since: expected a date such as 2026-12-03 or null, found "
            "'2027-02-30': day is out of range for month",
        ),
        (
            "  seed_similarity:\n    mode: titel\n",
            2,
            "settings.seed_similarity.mode: expected one of title, abstract, found 'titel': did you "
            "mean 'title'?",
        ),
        (
            "  seed_similarity: [liked]\n",
            1,
            "settings.seed_similarity: expected a mapping of keys, found a list",
        ),
    ],
)
def test_a_bad_setting_names_file_line_and_what_was_expected(
    run, schedule, workspace, section, line, message
):
    write_plugin(workspace, "seed_similarity.py", SEED)
    at = schedule.read_text().count("\n") + 1  # the line of `settings:`
    _with_settings(schedule, "settings:\n" + section)
    result = _plan(run, schedule)
    assert result.exit_code == 1, result
    assert result.stderr == f"Error: schedules/ml-systems.yaml:{at + line}: {message}\n"
    assert sorted(p.name for p in schedule.parent.iterdir()) == ["ml-systems.yaml"]


def test_undeclared_settings_are_an_error(run, schedule, workspace):
    """A loaded plugin that declares no settings has no section: a typo would go unnoticed."""
    write_plugin(workspace, "plain.py", "def paperclub_score_paper(paper):\n    return None\n")
    _with_settings(schedule, "settings:\n  plain:\n    enabled: true\n")
    result = _plan(run, schedule)
    assert result.exit_code == 1
    assert (
        "settings.plain: no plugin 'plain' declares settings (no loaded plugin declares "
        "settings)" in result.stderr
    )


def test_a_required_setting_missing_is_an_error(run, schedule, workspace):
    write_plugin(
        workspace,
        "needs.py",
        """\
        from dataclasses import dataclass

        @dataclass
        class Settings:
            feed: str

        def paperclub_declare_settings():
            return Settings
        """,
    )
    result = _plan(run, schedule)
    assert result.exit_code == 1
    assert (
        result.stderr == "Error: schedules/ml-systems.yaml:1: settings.needs.feed: "
        "required (text)\n"
    )


def test_plugins_stays_refused(run, schedule):
    """A config names settings, never code to load."""
    _with_settings(schedule, "plugins: [evil.module]\n")
    result = _plan(run, schedule)
    assert result.exit_code == 1
    assert "plugins: a config cannot name plugins to load" in result.stderr
    assert "settings.<plugin>" in result.stderr


@pytest.mark.parametrize("switch", ["--no-local-plugins", "PAPERCLUB_DISABLE_PLUGINS"])
def test_the_settings_of_a_plugin_switched_off_are_kept_aside(
    run, schedule, workspace, monkeypatch, switch
):
    """Switching a plugin off never makes its config an error: its section is a warning."""
    write_plugin(workspace, "seed_similarity.py", SEED)
    _with_settings(schedule, "settings:\n  seed_similarity:\n    not_even_a_field: 1\n")
    if switch == "PAPERCLUB_DISABLE_PLUGINS":
        monkeypatch.setenv(switch, "seed_similarity")
        result = _plan(run, schedule)
    else:
        result = run(switch, "plan", str(schedule), "--today", TODAY)
    assert result.exit_code == 0, result
    assert (
        "settings.seed_similarity is not checked: the plugin seed_similarity is not "
        "loaded" in result.stderr
    )


@pytest.mark.parametrize(
    "declared, message",
    [
        ("Settings()", "returned Settings Settings(limit=1), not a dataclass: return the class"),
        ("dict", "returned type <class 'dict'>, not a dataclass"),
        (
            "Bad",
            "returned Bad, whose field table is dict[str, int]: a setting is bool, int, "
            "float, str, date, a list or tuple of one of them, a Literal, or X | None",
        ),
    ],
)
def test_paperclub_declare_settings_a_bad_declaration_is_the_plugins_error(
    run, schedule, workspace, declared, message
):
    write_plugin(
        workspace,
        "decl.py",
        f"""\
        from dataclasses import dataclass, field

        @dataclass
        class Settings:
            limit: int = 1

        @dataclass
        class Bad:
            table: dict[str, int] = field(default_factory=dict)

        def paperclub_declare_settings():
            return {declared}
        """,
    )
    result = _plan(run, schedule)
    assert result.exit_code == PLUGIN_EXIT, result
    assert (
        result.stderr == f"Error: plugins/decl.py (line 11): paperclub_declare_settings "
        f"{message}" + result.stderr.split(message, 1)[1]
    )
    assert len(result.stderr.splitlines()) == 1 and "Traceback" not in result.stderr
