"""Roles beside presenters (`roles: {chair: 1, scribe: 1}`): the plan file's `roles:` of a
session, read and written, and the notes link of a session (`calendar.notes_url`)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from paperclub import planfile
from paperclub.errors import PaperclubError
from paperclub.models import notes_link

OLD_PLAN = Path(__file__).resolve().parent / "fixtures" / "old-plan" / "ml-systems.plan.yaml"


def with_roles(plan):
    """The old plan with roles on its first two sessions: one holder, a lock, and a role of
    two holders (one of them locked)."""
    first, second = plan.sessions[0], plan.sessions[1]
    first.roles = {"chair": ["Ada Lovelace"], "scribe": ["Alan Turing"]}
    first.locked_roles = {"scribe": ["Alan Turing"]}
    second.roles = {"chair": ["Grace Hopper"], "discussant": ["Alan Turing", "Barbara Liskov"]}
    second.locked_roles = {"discussant": ["Barbara Liskov"]}
    return plan


def test_an_old_plan_file_reads_without_roles_and_writes_as_before():
    old = planfile.load(OLD_PLAN)
    assert all(s.roles == {} and s.locked_roles == {} for s in old.sessions)
    assert old.notes_url is None
    written = planfile.dump(old)
    assert b"roles:" not in written and b"notes_url" not in written
    # what it held, written back as it was (a later format's `turns` added), digests too
    before, after = yaml.safe_load(OLD_PLAN.read_bytes()), yaml.safe_load(written)
    for s in after["sessions"]:
        s.pop("turns", None)
    assert after == before
    assert not any(planfile.edited(s) for s in old.sessions)


def test_roles_round_trip_in_the_format_of_the_plan_file(tmp_path):
    plan = with_roles(planfile.load(OLD_PLAN))
    plan.notes_url = "https://docs.example.org/{group}/{date}"
    path = tmp_path / "ml-systems.plan.yaml"
    path.write_bytes(planfile.dump(plan))
    data = yaml.safe_load(path.read_bytes())
    assert data["notes_url"] == "https://docs.example.org/{group}/{date}"
    assert data["sessions"][0]["roles"] == {
        "chair": "Ada Lovelace",
        "scribe": {"name": "Alan Turing", "locked": True},
    }
    assert data["sessions"][1]["roles"] == {
        "chair": "Grace Hopper",
        "discussant": ["Alan Turing", {"name": "Barbara Liskov", "locked": True}],
    }
    assert all("roles" not in s for s in data["sessions"][2:])  # only sessions with roles
    again = planfile.load(path)
    assert [(s.roles, s.locked_roles) for s in again.sessions] == [
        (s.roles, s.locked_roles) for s in plan.sessions
    ]
    assert again.notes_url == plan.notes_url
    assert planfile.dump(again) == path.read_bytes()
    assert not any(planfile.edited(s) for s in again.sessions)


def test_a_hand_edited_role_tells_the_session_edited(tmp_path):
    plan = with_roles(planfile.load(OLD_PLAN))
    path = tmp_path / "x.plan.yaml"
    path.write_bytes(planfile.dump(plan))
    path.write_text(path.read_text().replace("chair: Ada Lovelace", "chair: Grace Hopper"))
    edited = planfile.load(path)
    assert planfile.edited(edited.sessions[0]) and not planfile.edited(edited.sessions[1])


@pytest.mark.parametrize(
    "old, new, message",
    [
        ("chair: Ada Lovelace", "chair: 3", "session s01: roles.chair: expected a name"),
        ("chair: Ada Lovelace", "chair: {name: Ada, lockd: true}", "roles.chair: expected a name"),
        ("chair: Ada Lovelace", "chair: ''", "roles.chair: expected a name"),
        ("chair: Ada Lovelace", "chair: [Ada, Ada]", "roles.chair: Ada is named twice"),
    ],
)
def test_a_bad_role_in_the_plan_file_names_file_line_and_problem(tmp_path, old, new, message):
    path = tmp_path / "x.plan.yaml"
    path.write_bytes(planfile.dump(with_roles(planfile.load(OLD_PLAN))))
    text = path.read_text().replace(old, new)
    path.write_text(text)
    with pytest.raises(PaperclubError) as info:
        planfile.load(path)
    assert message in info.value.message and str(info.value.path) == str(path)
    assert info.value.line == text.splitlines().index("    " + new) + 1


def test_a_session_roles_that_are_not_a_mapping_are_an_error(tmp_path):
    path = tmp_path / "x.plan.yaml"
    path.write_bytes(planfile.dump(with_roles(planfile.load(OLD_PLAN))))
    text = path.read_text()
    start = text.index("  roles:\n")
    end = text.index("  papers:\n", start)
    path.write_text(text[:start] + "  roles: [Ada]\n" + text[end:])
    with pytest.raises(PaperclubError, match="session s01: roles: expected a mapping") as info:
        planfile.load(path)
    assert info.value.line == text[:start].count("\n") + 1


def test_notes_link_fills_the_template_with_the_local_date():
    plan = planfile.load(OLD_PLAN)
    session = plan.sessions[0]  # 2026-12-03 16:00 in Berlin
    assert notes_link(plan, session) is None
    plan.notes_url = "https://docs.example.org/{group}/{date}?s={session}&x={other}"
    assert notes_link(plan, session) == (
        "https://docs.example.org/ml-systems/2026-12-03?s=s01&x={other}"
    )
    # the group's date, not UTC's: a session at 00:30 in Berlin is on the previous day in UTC
    from datetime import timezone

    late = session.start.replace(hour=0, minute=30)
    session.start = late.astimezone(timezone.utc)
    plan.notes_url = "https://n.example.org/{date}"
    assert notes_link(plan, session) == "https://n.example.org/2026-12-03"
