"""The role holder's note (`announce: {role: 7 days before}`): "your turn as chair", to each
member holding a role of a session (`roles:`), against the real SMTP server of
tests/smtpserver.py. It goes as the presenter's note goes: by email only, once, missed when
the session began first, to a new holder after a re-plan; and a group whose config has no
`role:` rule gets exactly the messages it got before."""

from __future__ import annotations

import json
import re
import shutil
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path

import yaml
from click.testing import CliRunner

from conftest import TODAY
from paperclub.cli import App, cli
from smtpserver import SmtpServer
from test_announce import ChatPlugin, announce, configure, ids, plan_data, subject

NOTES = "https://docs.example.org/{group}/{date}"
KNUTH = "knuth@example.org"  # a member who only chairs


def with_roles(schedule: Path, port: int, **announce_rules) -> Path:
    """The sample with `roles: {chair: 1, scribe: 1}`, a member who only chairs and a notes
    link, announcing by the given rules to the local server (not planned yet)."""
    config = yaml.safe_load(schedule.read_text())
    config["roles"] = {"chair": 1, "scribe": 1}
    config["members"].append({"name": "Donald Knuth", "email": KNUTH, "roles": ["chair"]})
    config.setdefault("calendar", {})["notes_url"] = NOTES
    schedule.write_text(yaml.safe_dump(config, sort_keys=False, allow_unicode=True))
    configure(schedule, port, **announce_rules)
    return schedule


def plan(run, schedule: Path, today: str = TODAY) -> None:
    result = run("plan", str(schedule), "--today", today)
    assert result.exit_code == 0, result


def holders(schedule: Path, index: int) -> dict[str, str]:
    """The role holders of the plan's session `index` (0: s01): email -> role."""
    from paperclub import planfile

    emails = {m["name"]: m["email"] for m in yaml.safe_load(schedule.read_text())["members"]}
    session = planfile.load(schedule.with_name("ml-systems.plan.yaml")).sessions[index]
    return {emails[name]: role for role, names in session.roles.items() for name in names}


def role_notes(server: SmtpServer) -> list:
    return [m for m in server.messages if subject(m).startswith("Your turn as ")]


def test_each_role_holder_gets_a_note_naming_the_role_date_and_papers(schedule, smtp_server):
    plugin = ChatPlugin()
    with_roles(
        schedule,
        smtp_server.port,
        role="7 days before",
        channels=[{"type": "testchat", "name": "reading"}],
    )
    invoke = plugin.cli()

    assert invoke("plan", str(schedule), "--today", TODAY).exit_code == 0
    s01 = plan_data(schedule)["sessions"][0]
    mine = holders(schedule, 0)
    assert sorted(mine.values()) == ["chair", "scribe"]
    # s01's notes were due 26 Nov, 16:00; s02's are due 3 Dec, 16:00: not yet
    result = invoke("announce", str(schedule), "--due", "--now", "2026-11-27T08:00")
    assert result.exit_code == 0, result.output
    assert sorted(m.rcpt_tos[0] for m in smtp_server.messages) == sorted(mine)
    assert all(len(m.rcpt_tos) == 1 for m in smtp_server.messages)
    assert "sent role holder's note of 2026-12-03 to " in result.stdout
    assert plugin.sent == []  # by email only: no chat channel gets it
    titles = [p["title"] for p in s01["papers"]]
    presenters = [
        p["presenter"] if isinstance(p["presenter"], str) else p["presenter"]["name"]
        for p in s01["papers"]
    ]
    members = {m["email"]: m["name"] for m in yaml.safe_load(schedule.read_text())["members"]}
    for m in smtp_server.messages:
        email, role = m.rcpt_tos[0], mine[m.rcpt_tos[0]]
        msg = m.parsed
        assert subject(m) == f"Your turn as {role}: ML Systems Reading Group, Thu 3 Dec 2026 16:00"
        assert msg["To"] == f"{members[email]} <{email}>"
        assert msg["List-Id"] is None
        assert [p.get_content_type() for p in msg.iter_parts()] == ["text/plain", "text/html"]
        text = msg.get_body(("plain",)).get_content().replace("\r\n", "\n")
        html = msg.get_body(("html",)).get_content()
        assert text.startswith(f"Dear {members[email]},\n")
        assert (
            f"it is your turn: you are {role} at the session of ML Systems Reading Group " in text
        )
        assert "Thu 3 Dec 2026, 16:00–17:30 (Europe/Berlin)" in text
        assert "Where: Room 4.12 and https://meet.example.org/ml-systems" in text
        for title, presenter in zip(titles, presenters):
            assert title in text and f"Presenter: {presenter}" in text
        assert "Notes: https://docs.example.org/ml-systems/2026-12-03" in text
        assert 'id="session-s01"' in html  # the page's own session markup
        assert f'<span class="role">{role.capitalize()}: {members[email]}</span>' in html
    # run again: nothing more
    again = invoke("announce", str(schedule), "--due", "--now", "2026-11-28T08:00")
    assert again.output == "Nothing to send.\n"
    assert len(smtp_server.messages) == 2


def test_session_next_and_dry_run_send_the_role_notes_when_the_rule_is_there(
    run, schedule, smtp_server
):
    with_roles(schedule, smtp_server.port, role="2 days before")
    plan(run, schedule)
    s02 = holders(schedule, 1)
    # --session: whatever the rule's time, as the presenter's note
    done = announce(
        run, schedule, "--session", "s02", "--now", "2026-11-20T08:00", "--dry-run", "--out", "out"
    )
    assert done.exit_code == 0, done
    files = sorted(p.name for p in Path("out").iterdir())
    assert [f for f in files if f.startswith("role-")] == sorted(
        f"role-s02-{plan_data(schedule)['sessions'][1]['sequence']}-{e}.eml" for e in s02
    )
    assert smtp_server.messages == []
    nxt = announce(run, schedule, "--next", "--now", "2026-11-20T08:00")
    assert nxt.exit_code == 0, nxt
    s01 = holders(schedule, 0)
    assert sorted(m.rcpt_tos[0] for m in role_notes(smtp_server)) == sorted(s01)


def test_due_ten_times_over_a_week_sends_each_role_note_once(run, schedule, smtp_server):
    with_roles(
        schedule,
        smtp_server.port,
        term="at plan",
        agenda="3 days before",
        presenter="7 days before",
        role="7 days before",
    )
    plan(run, schedule)
    start = datetime(2026, 11, 26, 9, 0)
    for n in range(10):  # every 17 hours from Thu 26 Nov, 09:00 to Wed 2 Dec, 18:00
        now = start + timedelta(hours=17 * n)
        result = announce(run, schedule, "--due", "--now", now.isoformat())
        assert result.exit_code == 0, result
    assert max(ids(smtp_server).values()) == 1
    notes = role_notes(smtp_server)
    # s01's (due 26 Nov, 16:00); s02's are due 3 Dec, 16:00
    assert sorted(m.rcpt_tos[0] for m in notes) == sorted(holders(schedule, 0))
    assert all("Thu 3 Dec 2026 16:00" in subject(m) for m in notes)
    kinds = Counter(subject(m).split(":")[0] for m in smtp_server.messages)
    assert kinds["Your turn as chair"] == kinds["Your turn as scribe"] == 1


def strip_roles(workspace: Path) -> None:
    """The same group and plan as a group without roles has them: no `roles:` in the config,
    none in the plan file."""
    config_path = workspace / "schedules" / "ml-systems.yaml"
    config = yaml.safe_load(config_path.read_text())
    del config["roles"]
    config["members"] = [m for m in config["members"] if m["email"] != KNUTH]
    config["members"].append({"name": "Donald Knuth", "email": KNUTH})
    config_path.write_text(yaml.safe_dump(config, sort_keys=False, allow_unicode=True))
    plan_path = workspace / "schedules" / "ml-systems.plan.yaml"
    data = yaml.safe_load(plan_path.read_text())
    for s in data["sessions"]:
        s.pop("roles", None)
    plan_path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True))


def test_without_a_role_rule_a_group_with_roles_gets_the_messages_it_got_before(
    run, schedule, workspace, smtp_server, monkeypatch
):
    rules = {"term": "at plan", "agenda": "3 days before", "presenter": "7 days before"}
    with_roles(schedule, smtp_server.port, **rules)
    plan(run, schedule)
    assert any(s.get("roles") for s in plan_data(schedule)["sessions"])
    before = workspace.parent / "before"
    shutil.copytree(workspace, before)
    strip_roles(before)

    def sent(folder: Path) -> list[tuple]:
        """Every message a week of cron and an organizer's --session and --next send."""
        monkeypatch.chdir(folder)
        server = SmtpServer().start()
        try:
            path = folder / "schedules" / "ml-systems.yaml"
            config = yaml.safe_load(path.read_text())
            config["announce"]["smtp"]["port"] = server.port
            path.write_text(yaml.safe_dump(config, sort_keys=False, allow_unicode=True))
            runs = [
                ("--due", "--now", (datetime(2026, 11, 26, 9) + timedelta(hours=17 * n)))
                for n in range(12)
            ]
            for args in [
                *[(a, b, c.isoformat()) for a, b, c in runs],
                ("--session", "s04", "--now", "2026-12-10T08:00"),
                ("--next", "--now", "2026-12-11T08:00"),
            ]:
                result = CliRunner().invoke(
                    cli, ["announce", "schedules/ml-systems.yaml", *args], obj=App(folder)
                )
                assert result.exit_code == 0, result.output
            return sorted(
                (m.rcpt_tos[0], m.parsed["Message-ID"], subject(m)) for m in server.messages
            )
        finally:
            server.stop()

    with_roles_sent = sent(workspace)
    assert with_roles_sent == sent(before)
    assert len(with_roles_sent) > 30
    assert not any(s.startswith("Your turn as") for _, _, s in with_roles_sent)
    assert smtp_server.messages == []


def test_a_replan_that_moves_the_chair_sends_the_new_chair_a_note(run, schedule, smtp_server):
    rules = {"agenda": "3 days before", "presenter": "7 days before", "role": "7 days before"}
    with_roles(schedule, smtp_server.port, **rules)
    plan(run, schedule)
    # s02's agenda (due 7 Dec, 16:00), presenters' and role notes (3 Dec) go out
    assert announce(run, schedule, "--due", "--now", "2026-12-08T08:00").exit_code == 0
    was = {role: email for email, role in holders(schedule, 1).items()}
    assert sorted(m.rcpt_tos[0] for m in role_notes(smtp_server)) == sorted(was.values())
    smtp_server.messages.clear()
    # the chair cannot come: a re-plan gives s02 another one
    config = yaml.safe_load(schedule.read_text())
    old_chair = next(m for m in config["members"] if m["email"] == was["chair"])
    old_chair["unavailable"] = [*old_chair.get("unavailable", []), "2026-12-10"]
    schedule.write_text(yaml.safe_dump(config, sort_keys=False, allow_unicode=True))
    plan(run, schedule, today="2026-12-08")
    now = {role: email for email, role in holders(schedule, 1).items()}
    assert now["chair"] != was["chair"]
    result = announce(run, schedule, "--due", "--now", "2026-12-08T09:00")
    assert result.exit_code == 0, result
    got = [(m.rcpt_tos[0], subject(m)) for m in smtp_server.messages]
    # the new chair gets their note at once (its time has passed); a holder who keeps their
    # role gets no second one; every member gets the update, the old chair too, and nothing
    # else (as a presenter taken off a session)
    notes = [(to, s) for to, s in got if s.startswith("Your turn")]
    assert notes == [
        (now["chair"], "Your turn as chair: ML Systems Reading Group, Thu 10 Dec 2026 16:00")
    ]
    update = "Changed: ML Systems Reading Group, Thu 10 Dec 2026 16:00: "
    assert sorted(to for to, s in got if s.startswith(update)) == sorted(
        m["email"] for m in config["members"]
    )
    assert [s for to, s in got if to == was["chair"]] == [
        s for to, s in got if to == was["chair"] and s.startswith(update)
    ]
    assert len(got) == len(config["members"]) + 1
    # and nothing more on the next run
    assert announce(run, schedule, "--due", "--now", "2026-12-08T10:00").stdout == (
        "Nothing to send.\n"
    )


def test_status_lists_role_notes_sent_and_missed(run, schedule, smtp_server):
    with_roles(schedule, smtp_server.port, role="7 days before")
    plan(run, schedule)
    assert announce(run, schedule, "--due", "--now", "2026-11-27T08:00").exit_code == 0
    # no run from 3 Dec, 16:00 (s02's notes due) until after s02 began: missed
    status = announce(run, schedule, "--status", "--now", "2026-12-10T18:00")
    assert status.exit_code == 0, status
    members = {m["email"]: m["name"] for m in yaml.safe_load(schedule.read_text())["members"]}
    for email in holders(schedule, 0):
        assert re.search(
            rf"2026-11-27 08:00\s+role\s+s01\s+{members[email]} <{email}>\s+sent", status.stdout
        )
    for email in holders(schedule, 1):
        assert (
            f"missed: role of 2026-12-10 to {members[email]} <{email}> (due 2026-12-03 16:00; "
            "the session began before it went out)"
        ) in status.stdout
    assert "2 sent, 2 missed." in status.stdout
    data = json.loads(
        announce(run, schedule, "--status", "--json", "--now", "2026-12-10T18:00").stdout
    )
    assert sorted(m["kind"] for m in data["messages"]) == ["role", "role"]
    assert all(m["key"].startswith("role/s01/") for m in data["messages"])
    assert sorted(m["session"] for m in data["missed"]) == ["s02", "s02"]
    assert {m["kind"] for m in data["missed"]} == {"role"}


def test_a_bad_role_rule_names_file_and_line(run, schedule):
    configure(schedule, 25, agenda="3 days before")
    text = schedule.read_text() + "  role: seven days before\n"
    schedule.write_text(text)
    result = run("announce", str(schedule), "--due", "--now", "2026-12-01T08:00")
    assert result.exit_code == 1
    line = len(text.splitlines())
    assert (
        f"schedules/ml-systems.yaml:{line}: announce.role: expected `at plan`, or a time before "
        "the session such as `3 days before`, found 'seven days before'"
    ) in result.stderr
    assert "Traceback" not in result.stderr
    schedule.write_text(text.replace("  role: seven days before", "  rol: 7 days before"))
    result = run("announce", str(schedule), "--due", "--now", "2026-12-01T08:00")
    assert result.exit_code == 1
    assert f":{line}: announce.rol: unknown key (did you mean 'role'?)" in result.stderr
    assert not schedule.with_name("ml-systems.announce.sqlite").exists()


def test_the_config_doc_s_announce_example_loads_with_its_role_rule(schedule):
    from paperclub.config import load_group

    doc = (Path(__file__).resolve().parent.parent / "docs" / "config.md").read_text()
    example = re.search(r"```yaml\n(announce:\n.*?)```", doc, re.DOTALL).group(1)
    config = yaml.safe_load(schedule.read_text())
    config["announce"] = yaml.safe_load(example)["announce"]
    schedule.write_text(yaml.safe_dump(config, sort_keys=False))
    assert load_group(schedule).announce.rules["role"] == timedelta(days=7)
