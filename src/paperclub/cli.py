"""The `paperclub` command line: thin commands that parse, call the core, and print.

Nothing heavy is imported at start-up (no icalendar, no YAML): `paperclub --help` stays fast.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any, TypeVar

import click

from paperclub import __version__
from paperclub.errors import PaperclubError, PluginError
from paperclub.messages import clip
from paperclub.text import plural

if TYPE_CHECKING:
    from click._termui_impl import ProgressBar

    from paperclub.catalog import Catalog, ImportResult
    from paperclub.plugins import Hooks
    from paperclub.publish import Change

F = TypeVar("F", bound=Callable[..., Any])


class App:
    """What every command shares: the workspace, and its plugins, loaded on first use."""

    def __init__(
        self, workspace: Path, local_plugins: bool = True, plugins: dict[str, object] | None = None
    ):
        self.workspace = workspace
        self.local_plugins = local_plugins  # False: --no-local-plugins, skip plugins/*.py
        self.plugins = plugins or {}  # name -> module, loaded beside the installed ones (tests)
        self._hooks: Hooks | None = None
        self.load_error: PluginError | None = None
        # a plugin's paperclub_register_commands failed: the command line is not what the
        # plugins meant (a command missing, a name taken), so every command stops with it
        self.commands_error: PluginError | None = None

    def load(self) -> Hooks | None:
        """The hooks, or None when a plugin failed to load (`load_error` says which)."""
        from paperclub.plugins import Hooks, get_plugin_manager

        try:
            self._hooks = Hooks(
                get_plugin_manager(
                    self.workspace, local_plugins=self.local_plugins, plugins=self.plugins
                )
            )
        except PluginError as e:
            self.load_error = e
        return self._hooks

    @property
    def hooks(self) -> Hooks:
        if self._hooks is None and self.load_error is None:
            self.load()
        if self.load_error is not None:
            raise self.load_error
        if self._hooks is None:  # load() sets the hooks or load_error: not reached
            raise PluginError("the plugins were not loaded")
        return self._hooks


class Failure(click.ClickException):
    def __init__(self, error: PaperclubError):
        super().__init__(str(error))
        # click declares exit_code a ClassVar, but reads it from the exception it catches
        self.exit_code = error.exit_code  # type: ignore[misc]


class PaperclubGroup(click.Group):
    """Turns every paperclub error into one clear line and its exit code (no traceback)."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            application = ctx.find_object(App)
            if application is not None and application.commands_error is not None:
                raise application.commands_error
            return super().invoke(ctx)
        except PaperclubError as e:
            raise Failure(e) from None
        except KeyboardInterrupt:
            click.echo("Interrupted; nothing was changed by the step under way.", err=True)
            sys.exit(130)


@click.group(cls=PaperclubGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", prog_name="paperclub")
@click.option(
    "--no-local-plugins",
    is_flag=True,
    expose_value=False,
    is_eager=True,
    callback=lambda ctx, param, value: _skip_local_plugins(ctx) if value else None,
    help="Do not load the workspace's plugins/*.py.",
)
def cli() -> None:
    """Plan a reading group's term: papers, dated sessions, topics, presenters, calendars.

    \b
    paperclub init [DIR]                      a workspace: a group config to edit, plugins/
    paperclub import PAGE.txt                 add papers to the catalog
    paperclub plan schedules/GROUP.yaml       plan the term, write calendar, agenda, page
    paperclub show schedules/GROUP.yaml       the plan as a table
    paperclub publish schedules/GROUP.yaml    send it to a CalDAV calendar
    paperclub announce schedules/GROUP.yaml --due  tell the members what is due, once
    paperclub claim schedules/GROUP.yaml PAPER --by NAME  sign up (or DATE --role chair)
    paperclub plugin new NAME                 a plugin package to start from
    """


def catalog_option(f: F) -> F:
    return click.option(
        "--catalog",
        type=click.Path(dir_okay=False, path_type=Path),
        envvar="PAPERCLUB_CATALOG",
        default="catalog.sqlite",
        show_default=True,
        help="The catalog file; also PAPERCLUB_CATALOG.",
    )(f)


def offline_option(f: F) -> F:
    return click.option(
        "--offline",
        is_flag=True,
        envvar="PAPERCLUB_OFFLINE",
        help="Fetch nothing: addresses (arxiv:..., https://...) come from the cache only; "
        "also PAPERCLUB_OFFLINE=1.",
    )(f)


def json_option(f: F) -> F:
    return click.option("--json", "as_json", is_flag=True, help="Print JSON.")(f)


def app() -> App:
    """What main() passes the commands; when `cli` is invoked without it (a wrapper, a test),
    one for the working directory."""
    context = click.get_current_context()
    application = context.find_object(App)
    if application is None:
        application = context.find_root().obj = App(Path(os.getcwd()))
    return application


def echo_table(rows: Sequence[tuple[str, ...]]) -> None:
    """Rows as aligned columns; the first row is the header."""
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for n, row in enumerate(rows):
        click.echo("  ".join(c.ljust(w) for c, w in zip(row, widths)).rstrip())
        if n == 0:
            click.echo("  ".join("-" * w for w in widths))


def echo_json(data: Any) -> None:
    import json

    click.echo(json.dumps(data, indent=2, ensure_ascii=False))


def parse_date(ctx: click.Context, param: click.Parameter, value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date such as 2026-12-03") from None


@cli.command()
@click.argument("folder", metavar="[DIR]", default=".", type=click.Path(path_type=Path))
@click.option("--force", is_flag=True, help="Overwrite the files init writes, if they exist.")
@click.option(
    "--today",
    callback=parse_date,
    metavar="DATE",
    help="The first session is the first Thursday a week or more after DATE (default: today).",
)
def init(folder: Path, force: bool, today: date | None) -> None:
    """Make a workspace in DIR (default: here): schedules/reading-group.yaml, a group config
    whose comments ask what to fill in, and plugins/ for the group's own plugins."""
    from paperclub import workspace

    written = workspace.init(folder, today or date.today(), force=force)
    for path in written:
        click.echo(f"{path} (written)")
    config = written[0].relative_to(folder)  # the group config
    go = "" if folder == Path(".") else f"cd {folder} && "
    click.echo(f"Next: edit {config}, then {go}paperclub plan {config}")


@cli.command(name="import")
@click.argument("paths", nargs=-1, required=True)
@click.option("--format", "fmt", help="The source format; detected from the content if not given.")
@click.option(
    "--as-of",
    callback=parse_date,
    metavar="DATE",
    help="When the page was saved: the year of dates shown without one.",
)
@click.option(
    "--skip-invalid",
    is_flag=True,
    help="Import the valid records of a file and list the ones skipped.",
)
@catalog_option
@offline_option
@json_option
def import_command(
    paths: tuple[str, ...],
    fmt: str | None,
    as_of: date | None,
    skip_invalid: bool,
    catalog: Path,
    offline: bool,
    as_json: bool,
) -> None:
    """Add papers from files to the catalog (each file all or nothing).

    PATHS are files, bundled data such as paperclub:sample, or addresses that paperclub
    fetches: arxiv:2410.17243, https://example.org/refs.bib (see docs/sources.md).
    """
    from paperclub import sources, workflow

    hooks = app().hooks
    addresses = workflow.resolver(catalog, hooks, offline=offline, always=True)
    resolved = [sources.resolve(p, hooks.sources, fmt, addresses=addresses) for p in paths]
    for warning in addresses.warnings:
        click.echo(f"warning: {warning}", err=True)
    results = []
    with open_catalog(catalog) as cat:
        for path, source, label in resolved:
            with progress_bar(label, path) as progress:
                result = cat.import_file(
                    path, source, label, as_of, skip_invalid=skip_invalid, progress=progress
                )
            results.append(result)
            if not as_json:
                report_import(result)
        total = len(cat)
    if as_json:
        echo_json([r.__dict__ for r in results])
    else:
        click.echo(f"{catalog}: {plural(total, 'paper')}")


def report_import(r: ImportResult) -> None:
    if r.skipped_unchanged_file:
        click.echo(f"{r.source}: unchanged since the last import ({plural(r.papers, 'paper')})")
        return
    click.echo(f"{r.source}: {plural(r.papers, 'paper')}, {r.added} new, {r.updated} updated")
    if r.skipped:
        click.echo(f"{r.source}: skipped {plural(len(r.skipped), 'invalid record')}:", err=True)
        for message in r.skipped:
            click.echo(f"  {message}", err=True)


class progress_bar:
    """A progress bar on stderr for files of a few MB and more, when stderr is a terminal."""

    def __init__(self, label: str, path: Path):
        self.label = label
        self.size = path.stat().st_size
        self.bar: ProgressBar[int] | None = None

    def __enter__(self) -> Callable[[int, int], None] | None:
        if self.size < (4 << 20) or not sys.stderr.isatty():
            return None
        self.bar = click.progressbar(length=self.size, label=self.label, file=sys.stderr)
        self.bar.__enter__()
        self.done = 0
        return self.update

    def update(self, done: int, total: int) -> None:
        if self.bar is None:  # handed out by __enter__ only with a bar
            return
        self.bar.update(done - self.done)
        self.done = done

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self.bar is not None:
            self.bar.__exit__(kind, error, tb)


class open_catalog:
    """Open a catalog; if this run created the file and failed before any paper landed,
    remove it again, so a failed first import leaves the folder as it was."""

    def __init__(self, path: Path):
        self.path = path
        self.created = not path.exists()

    def __enter__(self) -> Catalog:
        from paperclub.catalog import Catalog

        self.catalog = Catalog(self.path)
        return self.catalog

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        empty = len(self.catalog) == 0
        self.catalog.close()
        if kind is not None and self.created and empty:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{self.path}{suffix}").unlink(missing_ok=True)


@cli.command()
@click.argument("query", required=False)
@click.option("--topic", help="Only papers with this topic or source keyword (cs.LG, ...).")
@click.option(
    "--since", callback=parse_date, metavar="DATE", help="Only papers published on or after DATE."
)
@click.option(
    "--until", callback=parse_date, metavar="DATE", help="Only papers published on or before DATE."
)
@click.option(
    "--source",
    help="Only papers from this source: a format (hf-page) or a label (hf-page:file.txt).",
)
@click.option("--has-code", is_flag=True, help="Only papers with a code link.")
@click.option(
    "--limit",
    type=click.IntRange(min=0),
    default=100,
    show_default=True,
    help="At most this many papers; 0 for all.",
)
@catalog_option
@json_option
def papers(
    query: str | None,
    topic: str | None,
    since: date | None,
    until: date | None,
    source: str | None,
    has_code: bool,
    limit: int,
    catalog: Path,
    as_json: bool,
) -> None:
    """Search the catalog: papers whose title or abstract has every word of QUERY, best first.

    Without QUERY, every paper (that the filters keep), by id. "Quoted words" must occur
    together; a trailing * matches the start of a word.
    """
    from paperclub.catalog import Catalog

    if not catalog.exists():
        raise PaperclubError("no catalog here yet: run `paperclub import FILE` first", path=catalog)
    with Catalog(catalog) as cat:
        found = list(
            cat.papers(
                query,
                topic=topic,
                since=since,
                until=until,
                source=source,
                has_code=has_code,
                limit=limit or None,
            )
        )
    if as_json:
        echo_json([p.to_json() for p in found])
        return
    if found:
        # the id is what config keys (pin, before, like) and `why` take
        echo_table(
            [("Published", "Upvotes", "Title", "Id")]
            + [
                (
                    p.published_label,
                    "" if p.upvotes is None else str(p.upvotes),
                    clip(p.title, 60),
                    p.id,
                )
                for p in found
            ]
        )
    more = " (the first; --limit 0 shows all)" if limit and len(found) == limit else ""
    click.echo(f"{plural(len(found), 'paper')}{more}", err=True)


@cli.command()
@click.argument("schedule", type=click.Path(dir_okay=False, path_type=Path))
@catalog_option
@click.option(
    "--today",
    callback=parse_date,
    metavar="DATE",
    help="Plan as if today were DATE: sessions before it are kept as held.",
)
@click.option("--explain", is_flag=True, help="Also print why each paper is where it is.")
@click.option(
    "--force",
    is_flag=True,
    help="Change the past: take hand edits of sessions already held, and plan again "
    "the sessions held by the last plan when --today is earlier.",
)
@offline_option
@json_option
def plan(
    schedule: Path,
    catalog: Path,
    today: date | None,
    explain: bool,
    force: bool,
    offline: bool,
    as_json: bool,
) -> None:
    """Plan the term of a group config; write the plan file and the outputs it lists."""
    from paperclub import workflow

    result = workflow.plan(
        schedule,
        catalog,
        app().hooks,
        today=today or date.today(),
        force=force,
        offline=offline,
    )
    for problem in result.problems:
        click.echo(f"warning: {problem}", err=True)
    if explain and not as_json:
        from paperclub.explain import plan_reasons

        click.echo("\n".join(plan_reasons(result.plan)))
    if as_json:
        echo_json(
            {
                "plan": str(result.plan_path),
                "written": [str(p) for p in result.written],
                "outputs": [str(p) for p in result.outputs],
                "problems": result.problems,
                "changes": result.changes,
            }
        )
        return
    if result.changes:
        click.echo("Changed since the last plan:")
        for line in result.changes:
            click.echo(f"  {line}")
    sessions = [s for s in result.plan.sessions if not s.cancelled]
    n_papers = sum(len(s.papers) for s in sessions)
    click.echo(
        f"Planned {plural(len(sessions), 'session')} with {plural(n_papers, 'paper')} "
        f"from {plural(result.candidates, 'candidate')}."
    )
    for path in [result.plan_path, *result.outputs]:
        state = "written" if path in result.written else "unchanged"
        click.echo(f"  {path} ({state})")


@cli.command()
@click.argument("schedule", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--why", is_flag=True, help="Why each paper is where it is: score parts, topic balance, rules."
)
@json_option
def show(schedule: Path, why: bool, as_json: bool) -> None:
    """Show the plan of a group config (or a plan file) as a table."""
    from paperclub import attendance, planfile, turns

    the_plan = attendance.load(schedule, planfile.load_existing(schedule))
    if as_json:
        echo_json(planfile.to_json(the_plan))
        return
    if why:
        from paperclub.explain import plan_reasons

        click.echo("\n".join(plan_reasons(the_plan)))
        return
    from zoneinfo import ZoneInfo

    zone = ZoneInfo(the_plan.timezone)
    click.echo(f"{the_plan.group} ({the_plan.timezone})")
    voted = any(a.votes for s in the_plan.sessions for a in s.papers)
    answered = bool(the_plan.attendance)  # the column only once `paperclub rsvp` recorded some
    roles = turns.role_names(the_plan)  # a column per role, only for a group with roles
    rows = [
        (
            "Date",
            "Time",
            "Paper",
            "Topic",
            "Presenter",
            *(turns.label(r) for r in roles),
            *(("Votes",) if voted else ()),
            *(("Attendance",) if answered else ()),
        )
    ]
    blank = ("",) * (len(rows[0]) - 3 - answered)
    for s in the_plan.sessions:
        start = s.start.astimezone(zone)
        when = (start.strftime("%a %Y-%m-%d"), start.strftime("%H:%M"))
        # on the session's first line: "3 yes, 1 no, 1 maybe"
        coming = (attendance.label(the_plan.attendance.get(s.id, {})),) if answered else ()
        held = tuple(", ".join(s.roles.get(r, [])) for r in roles)  # on its first line too
        if s.cancelled:
            rows.append((*when, "(cancelled)", *blank, *coming))
        elif not s.papers:  # a session the term has no paper for yet
            rows.append(
                (*when, "(to be announced)", "", "", *held, *blank[2 + len(roles) :], *coming)
            )
        for i, a in enumerate(s.papers if not s.cancelled else []):
            lead = when if i == 0 else ("", "")
            rows.append(
                (
                    *lead,
                    clip(a.title, 60),
                    a.topics[0] if a.topics else "",
                    a.presenter or "",
                    *(held if i == 0 else ("",) * len(roles)),
                    *((a.votes.label(),) if voted else ()),
                    *(coming if i == 0 else ("",) * answered),
                )
            )
    echo_table(rows)


@cli.command()
@click.argument("schedule", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--why",
    is_flag=True,
    help="Why each member presents what: their affinity for each paper, by part.",
)
@json_option
def members(schedule: Path, why: bool, as_json: bool) -> None:
    """Each member's sessions, load and topics in the plan of SCHEDULE (a group config or its
    plan file)."""
    from paperclub import config, planfile, presenters, turns

    config_path = planfile.config_path(schedule)
    if not config_path.exists():
        raise PaperclubError(
            "no group config here: `paperclub members` reads the members from it", path=config_path
        )
    group = config.load_group(
        config_path,
        emitters=app().hooks.emitters,
        policies=app().hooks.policies,
        settings=app().hooks.settings,
    )
    from paperclub import attendance

    the_plan = attendance.load(config_path, planfile.load_existing(config_path))
    rows = presenters.summary(the_plan.sessions, group.members)
    roles = turns.role_names(the_plan)  # a group with roles: each member's load in each
    if roles:
        held = turns.loads(the_plan.sessions, roles)
        limits = {m.name: m.max_roles for m in group.members}
        for r in rows:
            mine = held.get(r["name"], {})
            r["roles"] = {
                role: {
                    "load": len(mine.get(role, [])),
                    "max": limits.get(r["name"], {}).get(role),
                    "sessions": mine.get(role, []),
                }
                for role in roles
            }
    answers = attendance.by_member(the_plan)  # {} until `paperclub rsvp` recorded some
    if answers:
        for r in rows:
            r["attendance"] = answers.get(r["name"], [])
    from paperclub import preferences

    wishes = preferences.outcomes(the_plan, group)  # [] when no member prefers or avoids
    for r in rows:
        outcomes = [o.to_json() for o in wishes if o.member == r["name"]]
        if outcomes:
            r["preferences"] = outcomes
    if as_json:
        echo_json(rows)
        return
    if why:
        from paperclub.explain import member_reasons

        click.echo("\n".join(member_reasons(the_plan, group)))
        return
    table = [
        (
            "Member",
            "Load",
            *(turns.label(role) for role in roles),
            "Sessions",
            "Topics",
            *(("Answers",) if answers else ()),
        )
    ]
    for r in rows:
        load = str(r["load"]) + (f" / {r['max_sessions']}" if r["max_sessions"] is not None else "")
        per_role = [
            str(h["load"]) + (f" / {h['max']}" if h["max"] is not None else "")
            for h in r.get("roles", {}).values()
        ]
        # the sessions they present in, and those they hold a role in: "2027-01-14 (chair)"
        dates = [(s["date"], s["date"]) for s in r["sessions"]] + [
            (s["date"], f"{s['date']} ({role})")
            for role, h in r.get("roles", {}).items()
            for s in h["sessions"]
        ]
        topics = ", ".join(t if n == 1 else f"{t} ({n})" for t, n in r["topics"].items())
        said = ", ".join(
            f"{a['date']} {attendance.word(a['partstat'])}" for a in r.get("attendance", [])
        )
        table.append(
            (
                r["name"] + ("" if r["member"] else " (not a member)"),
                load,
                *per_role,
                ", ".join(day for _, day in sorted(dates)),
                topics,
                *((said,) if answers else ()),
            )
        )
    echo_table(table)
    unmet = [o for o in wishes if not o.met]
    if unmet:
        click.echo("\nPreferences not met:")
        for o in unmet:
            click.echo(o.line())
            click.echo("\n".join(f"  {reason}" for reason in o.reasons))


@cli.command()
@click.argument("schedule", type=click.Path(dir_okay=False, path_type=Path))
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=Path))
def rsvp(schedule: Path, files: tuple[Path, ...]) -> None:
    """Record the members' answers to the sessions' invitations: FILES are the replies their
    calendars sent (saved messages, .eml, or calendars, .ics). One line per answer; a reply
    to no session of the plan, from no member, or older than the one recorded is reported
    and not recorded (exit 1 when nothing at all was recorded)."""
    from paperclub import attendance, config, invitations, planfile

    config_path = planfile.config_path(schedule)
    if not config_path.exists():
        raise PaperclubError(
            "no group config here: `paperclub rsvp` reads the members from it", path=config_path
        )
    hooks = app().hooks
    group = config.load_group(
        config_path, emitters=hooks.emitters, policies=hooks.policies, settings=hooks.settings
    )
    the_plan = planfile.load_existing(config_path)
    read = []  # every file is read before anything is recorded: a bad one records nothing
    for path in files:
        try:
            data = path.read_bytes()
        except OSError as e:
            raise PaperclubError(f"cannot read it: {e.strerror}", path=path) from None
        read += [(reply, str(path)) for reply in invitations.replies(data, str(path))]
    outcomes = attendance.record(config_path, the_plan, group.members, read)
    for o in outcomes:
        who = f"{o.member.name if o.member else o.reply.name or o.reply.email} <{o.reply.email}>"
        day = f" on {attendance.when(o.session, the_plan.timezone)}" if o.session else ""
        if o.state == "ignored":
            click.echo(f"{o.source}: not recorded: {who}{day}: {o.note}", err=True)
            continue
        verb = "recorded" if o.state == "recorded" else "already recorded"
        click.echo(f"{o.source}: {verb}: {who} {o.reply.partstat.lower()}{day}")
        if (
            o.reply.partstat == "DECLINED"
            and o.session is not None
            and o.member is not None
            and not o.session.cancelled
            and o.member.name in o.session.presenters
        ):
            day = attendance.when(o.session, the_plan.timezone)
            click.echo(
                f"{o.member.name} presents on {day} and declined: add {day} to their "
                f"unavailable in {config_path}, then run: paperclub plan {config_path}"
            )
    if outcomes and all(o.state == "ignored" for o in outcomes):
        raise PaperclubError("no answer recorded: none is a member's answer to this plan")


@cli.command()
@click.argument("old", type=click.Path(dir_okay=False, path_type=Path))
@click.argument("new", type=click.Path(dir_okay=False, path_type=Path))
@json_option
def diff(old: Path, new: Path, as_json: bool) -> None:
    """What changed from plan OLD to plan NEW (plan files, or group configs), per session and
    per member."""
    from paperclub import planfile
    from paperclub.diff import diff as plan_diff

    plans = []
    for path in (old, new):
        path = planfile.plan_path(path)
        if not path.exists():
            raise PaperclubError("no such plan file", path=path)
        plans.append(planfile.load(path))
    changes = plan_diff(*plans)
    if as_json:
        echo_json(changes.to_json())
        return
    click.echo("\n".join(changes.lines()) if changes else "No changes.")


@cli.command()
@click.argument("schedule", type=click.Path(dir_okay=False, path_type=Path))
@click.argument("paper")
@catalog_option
@click.option(
    "--today",
    callback=parse_date,
    metavar="DATE",
    help="Sessions before DATE count as held (default: today).",
)
def why(schedule: Path, paper: str, catalog: Path, today: date | None) -> None:
    """Why PAPER (an id) is in the plan of SCHEDULE where it is, or why it is not in it."""
    from paperclub import workflow

    lines = workflow.why(schedule, catalog, app().hooks, paper, today=today or date.today())
    click.echo("\n".join(lines))


def claim_options(f: F) -> F:
    """What `claim` and `release` share: the schedule, the seat and who."""
    f = click.option(
        "--today",
        callback=parse_date,
        metavar="DATE",
        help="Sessions before DATE count as held (default: today).",
    )(f)
    f = click.option(
        "--role",
        metavar="ROLE",
        help="A role of the session of DATE (chair, scribe, ...; presenter).",
    )(f)
    f = click.option("--by", "member", required=True, metavar="NAME", help="Who (a member).")(f)
    f = click.argument("target", metavar="(PAPER | DATE)")(f)
    return click.argument("schedule", type=click.Path(dir_okay=False, path_type=Path))(f)


@cli.command()
@claim_options
def claim(schedule: Path, target: str, member: str, role: str | None, today: date | None) -> None:
    """Sign NAME up: to present PAPER (an id of the plan), or for a role of the session of
    DATE (--role; without it, per_session, the session's presenter). A claim is a lock in the
    plan file that every re-plan keeps; one against the rules is refused (exit 1) with the
    reason and the seats still open to NAME. The outputs are written again."""
    from paperclub import claims

    done = claims.claim(schedule, app().hooks, target, member, role, today=today or date.today())
    if not done.changed:
        click.echo(f"{done.member} has claimed the {done.what} already.")
        return
    click.echo(f"{done.member} claimed the {done.what}.")
    for name in done.displaced:
        click.echo(f"{name} was {done.what}: the next plan gives them another turn.")
    echo_written(done)


@cli.command()
@claim_options
def release(schedule: Path, target: str, member: str, role: str | None, today: date | None) -> None:
    """Give back NAME's claim on PAPER, or on a role of the session of DATE: the lock goes;
    NAME keeps the turn until the next plan, which may give it to someone else."""
    from paperclub import claims

    done = claims.release(schedule, app().hooks, target, member, role, today=today or date.today())
    click.echo(f"{done.member} released the {done.what}.")
    echo_written(done)


def echo_written(done: Any) -> None:
    """The plan file and the outputs, as `plan` lists them."""
    for path in [done.plan_path, *done.outputs]:
        click.echo(f"  {path} ({'written' if path in done.written else 'unchanged'})")


def existing_catalog(path: Path) -> Catalog:
    """The catalog at `path`, which must exist (commands that read or vote on papers)."""
    from paperclub.catalog import Catalog

    if not path.exists():
        raise PaperclubError("no catalog here yet: run `paperclub import FILE` first", path=path)
    return Catalog(path)


@cli.command()
@click.argument("paper")
@click.option("--by", "member", required=True, metavar="NAME", help="Who votes.")
@click.option("--against", is_flag=True, help="Vote against the paper instead.")
@catalog_option
def vote(paper: str, member: str, against: bool, catalog: Path) -> None:
    """Vote for PAPER (an id, an arXiv id or link, a DOI, or its title), or against it.

    A member has one vote per paper: voting again replaces it.
    """
    from paperclub import votes

    with existing_catalog(catalog) as cat:
        found = votes.find(cat, paper)
        now = votes.cast(cat, found, member, votes.AGAINST if against else votes.FOR)
    side = "against" if against else "for"
    click.echo(
        f"{' '.join(member.split())} votes {side} {found.id} ({clip(found.title, 60)}): "
        f"{now.label()}."
    )


@cli.command()
@click.argument("paper")
@click.option("--by", "member", required=True, metavar="NAME", help="Who suggests it.")
@click.option("--note", metavar="TEXT", help="Why the group should read it.")
@catalog_option
def suggest(paper: str, member: str, note: str | None, catalog: Path) -> None:
    """Suggest PAPER (an id, an arXiv id or link, a DOI, or its title) for the group: a vote
    for it that the plan shows as "suggested by NAME"."""
    from paperclub import votes

    with existing_catalog(catalog) as cat:
        found = votes.find(cat, paper)
        now = votes.cast(cat, found, member, votes.FOR, suggested=True, note=note)
    click.echo(
        f"{' '.join(member.split())} suggests {found.id} ({clip(found.title, 60)}): {now.label()}."
    )


@cli.command(name="import-votes")
@click.argument("file", type=click.Path(dir_okay=False, exists=True, path_type=Path))
@catalog_option
def import_votes(file: Path, catalog: Path) -> None:
    """Record the votes of a form's CSV export (all or none): a header, then a row per vote
    with who (a name column) and which paper (an id, an arXiv link or a title); a vote column
    (for or against) and a note column (a suggestion's why) may follow."""
    from paperclub import votes

    with existing_catalog(catalog) as cat:
        done = votes.import_form(cat, file)
    click.echo(f"{file}: {plural(done.rows, 'vote')} for {plural(done.papers, 'paper')} recorded.")


@cli.command()
@click.argument("schedule", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--member", metavar="NAME", help="Rank by this member's interests and library.")
@click.option(
    "--limit", type=click.IntRange(min=1), default=10, show_default=True, help="How many papers."
)
@click.option(
    "--today",
    callback=parse_date,
    metavar="DATE",
    help="Sessions before DATE count as held (default: today).",
)
@catalog_option
@json_option
def recommend(
    schedule: Path, member: str | None, limit: int, today: date | None, catalog: Path, as_json: bool
) -> None:
    """The best candidates for the group of SCHEDULE that its plan does not hold yet, with
    their score parts and what they rest on."""
    from paperclub import planfile, workflow
    from paperclub.explain import evidence

    found = workflow.recommend(
        planfile.config_path(schedule),
        catalog,
        app().hooks,
        today=today or date.today(),
        member=member,
        limit=limit,
    )
    if as_json:
        echo_json(
            [
                {
                    "id": r.candidate.id,
                    "title": r.candidate.paper.title,
                    "score": round(r.candidate.score, 4),
                    "score_parts": {
                        k: round(v, 4) for k, v in sorted(r.candidate.score_parts.items())
                    },
                    "topics": list(r.candidate.topics),
                    "relevance": r.relevance.to_json() if r.relevance else None,
                    "votes": r.votes.to_json(),
                    "links": dict(sorted(r.candidate.paper.links.items())),
                }
                for r in found
            ]
        )
        return
    for n, r in enumerate(found, 1):
        c = r.candidate
        parts = ", ".join(f"{k} {v:.2f}" for k, v in sorted(c.score_parts.items()))
        click.echo(f"{n:>2}. {c.score:5.2f}  {clip(c.paper.title, 70)}  ({c.id})")
        click.echo(f"      {parts}")
        for line in evidence(r.relevance, r.votes, "      "):
            click.echo(line)
    if not found:
        click.echo("No candidates left that the plan does not hold.", err=True)


@cli.command()
@click.argument("schedule", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--url",
    metavar="URL",
    help="The CalDAV calendar's address (default: the config's calendar.caldav).",
)
@click.option(
    "--user",
    metavar="NAME",
    help="Log in as NAME (default: PAPERCLUB_CALDAV_USER, else ~/.netrc's login).",
)
@click.option(
    "--prune",
    is_flag=True,
    help="Also delete the events paperclub published for sessions no longer in the plan.",
)
@click.option("--dry-run", is_flag=True, help="Print what would change, and change nothing.")
def publish(schedule: Path, url: str | None, user: str | None, prune: bool, dry_run: bool) -> None:
    """Publish the plan of SCHEDULE (a group config or its plan file) to a CalDAV calendar:
    one event per session, cancelled sessions as cancelled events."""
    from paperclub import planfile
    from paperclub import publish as publishing

    the_plan = planfile.load_existing(schedule)
    if url is None:
        from paperclub import config

        config_path = planfile.config_path(schedule)
        missing = "no calendar address: give --url, or set calendar.caldav in the group config"
        if not config_path.exists():
            raise PaperclubError(missing, path=config_path)
        hooks = app().hooks
        url = config.load_group(
            config_path, emitters=hooks.emitters, policies=hooks.policies, settings=hooks.settings
        ).caldav_url
        if url is None:
            raise PaperclubError(missing, path=config_path)

    def report(change: Change) -> None:
        click.echo(publishing.describe(change, the_plan.timezone))

    outcome = publishing.publish(
        the_plan, url, user=user, prune=prune, dry_run=dry_run, hooks=app().hooks, on_change=report
    )
    for warning in publishing.warnings(outcome.changes):
        click.echo(f"warning: {warning}", err=True)
    shown = outcome.changes.items if dry_run else outcome.changes.of(publishing.KEEP)
    for change in shown:
        click.echo(publishing.describe(change, the_plan.timezone, dry_run=dry_run))
    counts = ", ".join(f"{n} {what}" for what, n in outcome.counts().items())
    if dry_run:
        click.echo(f"Dry run, nothing changed: publishing to {outcome.url} would give {counts}.")
    else:
        click.echo(f"Published to {outcome.url}: {counts}.")


@cli.command()
@click.argument("schedule", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--session", "session_id", metavar="ID", help="Announce this session (s05) now.")
@click.option("--next", "next_one", is_flag=True, help="Announce the next session now.")
@click.option(
    "--due", is_flag=True, help="Send what the config's announce rules make due (for cron)."
)
@click.option("--status", is_flag=True, help="Show the send log: sent, failed, unknown, missed.")
@click.option(
    "--now",
    metavar="DATETIME",
    help="Stand in for the clock: 2027-01-11T08:00 (the group's time zone unless an offset "
    "is given).",
)
@click.option(
    "--dry-run", is_flag=True, help="Write the messages into --out DIR; send and record nothing."
)
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), metavar="DIR")
@click.option(
    "--resend-unknown",
    is_flag=True,
    help="Send again the messages whose fate is unknown (they may arrive twice).",
)
@catalog_option
@json_option
def announce(
    schedule: Path,
    session_id: str | None,
    next_one: bool,
    due: bool,
    status: bool,
    now: str | None,
    dry_run: bool,
    out: Path | None,
    resend_unknown: bool,
    catalog: Path,
    as_json: bool,
) -> None:
    """Tell the members of SCHEDULE's group: the term, each session's agenda with its
    invitation, the presenters' and role holders' turns, updates and cancellations, by email
    and chat; each message once (the send log beside the plan file remembers)."""
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from paperclub import announce as announcing
    from paperclub import config, planfile, sendlog

    if sum((session_id is not None, next_one, due, status)) != 1:
        raise click.UsageError("give one of --session ID, --next, --due or --status")
    if dry_run != (out is not None):
        raise click.UsageError("--dry-run writes into --out DIR: give both")
    if as_json and not status:
        raise click.UsageError("--json goes with --status")
    config_path = planfile.config_path(schedule)
    hooks = app().hooks
    group = config.load_group(
        config_path, emitters=hooks.emitters, policies=hooks.policies, settings=hooks.settings
    )
    announcing.settings(group)
    the_plan = planfile.load_existing(config_path)
    moment = (
        announcing.parse_now(now, group.timezone)
        if now is not None
        else datetime.now(ZoneInfo(group.timezone))
    )
    path = announcing.log_path(config_path)
    if status:
        log = sendlog.SendLog.read(path)
        report_status(announcing, log.rows(), the_plan, group, moment, as_json)
        return
    announcing.fill_abstracts(the_plan, catalog)
    options: dict[str, Any] = {
        "session_id": session_id,
        "next_one": next_one,
        "resend_unknown": resend_unknown,
    }
    if dry_run and out is not None:
        rows = sendlog.SendLog.read(path).rows()
        plans = announcing.due(the_plan, group, rows, moment, **options)
        for warning in plans.warnings:
            click.echo(f"warning: {warning}", err=True)
        files = announcing.write_dry_run(plans.outgoing, group, moment, out)
        for item, file in zip(plans.outgoing, files):
            click.echo(f"would send {item.describe()} ({file})")
        if not plans.outgoing:
            click.echo("Nothing to send.")
        return
    failed = False
    with sendlog.locked(path):
        log = sendlog.SendLog.open(path)
        try:
            for row in log.stale(moment):
                failed = True
                click.echo(f"unknown: {row.kind} to {row.label} ({row.key}): {row.error}", err=True)
            plans = announcing.due(the_plan, group, log.rows(), moment, **options)
            for warning in plans.warnings:
                click.echo(f"warning: {warning}", err=True)

            def report(outcome: announcing.Outcome) -> None:
                what = outcome.outgoing.describe()
                if outcome.state == sendlog.SENT:
                    click.echo(f"sent {what}")
                elif outcome.state == sendlog.UNKNOWN:
                    click.echo(
                        f"unknown: {what}: {outcome.error}; not sent again unless "
                        "--resend-unknown is given",
                        err=True,
                    )
                else:
                    click.echo(f"failed: {what}: {outcome.error} (sent again next run)", err=True)

            outcomes = announcing.send(
                plans.outgoing,
                group,
                log,
                moment,
                hooks,
                resend_unknown=resend_unknown,
                on_outcome=report,
            )
        finally:
            log.close()
    if not outcomes:
        click.echo("Nothing to send.")
    if failed or any(o.state != sendlog.SENT for o in outcomes):
        sys.exit(1)


def report_status(
    announcing: Any, rows: list[Any], the_plan: Any, group: Any, now: Any, as_json: bool
) -> None:
    """`announce --status`: the log, newest last, and what was missed."""
    from zoneinfo import ZoneInfo

    missed = announcing.missed(the_plan, group, rows, now)
    if as_json:
        echo_json(
            {
                "messages": [r.to_json() for r in rows],
                "missed": [m.to_json() for m in missed],
                "counts": announcing.status(rows),
            }
        )
        return
    zone = ZoneInfo(group.timezone)
    if rows:
        table = [("When", "Kind", "Session", "To", "State")]
        for r in rows:
            table.append(
                (
                    r.at.astimezone(zone).strftime("%Y-%m-%d %H:%M"),
                    r.kind,
                    r.session or "-",
                    r.label,
                    r.state + (f" ({r.tries} tries)" if r.tries > 1 else ""),
                )
            )
        echo_table(table)
        for r in rows:
            if r.state in ("failed", "unknown") and r.error:
                click.echo(
                    f"{r.state}: {r.kind} of {r.session or 'the term'} to {r.label}: {r.error}"
                )
    else:
        click.echo("Nothing sent yet.")
    for m in missed:
        click.echo(
            f"missed: {m.kind} of {m.date} to {m.label} (due "
            f"{m.due.astimezone(zone):%Y-%m-%d %H:%M}; the session began before it went out)"
        )
    counts = announcing.status(rows)
    if counts or missed:
        parts = [f"{n} {state}" for state, n in sorted(counts.items())]
        if missed:
            parts.append(f"{len(missed)} missed")
        click.echo(", ".join(parts) + ".")


@cli.command()
@click.argument("schedule", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--format",
    "fmt",
    default="ics",
    show_default=True,
    metavar="NAME",
    help="The output: ics, markdown, or one a plugin registers.",
)
@click.option(
    "--member",
    metavar="NAME",
    help="Only the sessions NAME presents in, as a calendar of their own.",
)
@click.option(
    "--all-members",
    is_flag=True,
    help="One file per presenter, GROUP-MEMBER.ics next to the config (or in -o DIR).",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(path_type=Path),
    metavar="PATH",
    help="Write to PATH (a folder with --all-members) instead of standard output.",
)
@click.option(
    "--today",
    callback=parse_date,
    metavar="DATE",
    help="The day outputs mark the next session from (default: today).",
)
def export(
    schedule: Path,
    fmt: str,
    member: str | None,
    all_members: bool,
    output: Path | None,
    today: date | None,
) -> None:
    """Write an output of the plan of SCHEDULE (a group config or its plan file) without
    planning again: the group's, one member's (--member) or every presenter's (--all-members)."""
    from paperclub import feeds

    if member is not None and all_members:
        raise click.UsageError("--member and --all-members exclude each other")
    outputs = feeds.export(
        schedule,
        app().hooks,
        fmt,
        member=member,
        all_members=all_members,
        output=output,
        today=today or date.today(),
    )
    for o in outputs:
        if o.path is None:
            click.echo(o.data, nl=False)  # bytes, as they are: CRLF stays
    for path, changed in feeds.write(outputs):
        click.echo(f"{path} ({'written' if changed else 'unchanged'})")


@cli.command()
@json_option
def plugins(as_json: bool) -> None:
    """List the loaded plugins and the hooks each implements."""
    from paperclub.plugins import plugin_info

    info = plugin_info(app().hooks.pm)
    if as_json:
        echo_json(info)
        return
    for row in info:
        version = f" {row['version']}" if "version" in row else ""
        hooks = (
            "disabled (PAPERCLUB_DISABLE_PLUGINS)"
            if row.get("disabled")
            else ", ".join(row["hooks"])
        )
        click.echo(f"{row['name']}{version}: {hooks}")


@cli.group()
def plugin() -> None:
    """Start a plugin of your own: `paperclub plugin new NAME`."""


@plugin.command(name="new")
@click.argument("name")
@click.option(
    "--dir",
    "folder",
    type=click.Path(path_type=Path),
    metavar="DIR",
    help="Write the package into DIR (default: a folder NAME here).",
)
@click.option("--force", is_flag=True, help="Overwrite the files it writes, if they exist.")
def plugin_new(name: str, folder: Path | None, force: bool) -> None:
    """Write a plugin package NAME to start from: pyproject.toml with the entry point, the
    plugin (a score part, with its settings), a README, and a test that uses paperclub.testing."""
    from paperclub import scaffold

    folder = folder if folder is not None else Path(name)
    made, written = scaffold.new_plugin(name, folder, force=force)
    for path in written:
        click.echo(f"{path} (written)")
    click.echo(
        f"{made.distribution}: the plugin {made.entry_point}, in "
        f"{folder / 'src' / made.module / '__init__.py'}"
    )
    go = "" if folder == Path(".") else f"cd {folder} && "
    click.echo(f"Next: {go}pip install -e '.[test]' && pytest")


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else argv
    # the global options come before the command: --no-local-plugins must be known now
    options = args[: next((i for i, a in enumerate(args) if not a.startswith("-")), len(args))]
    application = App(Path(os.getcwd()), local_plugins="--no-local-plugins" not in options)
    # Plugins may add commands, so they load before the command line is read; a plugin that
    # fails to load is reported when a command needs plugins, and --help still works.
    workspace = application.workspace if application.local_plugins else None
    hooks = application.load() if _may_add_commands(workspace) else None
    if hooks is not None:
        try:
            hooks.register_commands(cli)
        except PluginError as e:
            application.load_error = application.commands_error = e
    cli.main(args=argv, prog_name="paperclub", obj=application)


def _skip_local_plugins(ctx: click.Context) -> None:
    application = ctx.find_object(App)
    if application is not None and application.local_plugins:
        application.local_plugins = False
        application._hooks, application.load_error = None, None  # loaded again without them


def _may_add_commands(workspace: Path | None) -> bool:
    """Whether a plugin, built-in or not, could implement paperclub_register_commands."""
    return _builtin_adds_commands() or _has_extra_plugins(workspace)


def _builtin_adds_commands() -> bool:
    """Whether a built-in plugin implements paperclub_register_commands, read from their
    sources: importing them imports pluggy and the planner, which `paperclub --help` does
    without. Where no source is found (a sourceless install), it assumes one does."""
    from paperclub import default_plugins

    files = [f for folder in default_plugins.__path__ for f in Path(folder).glob("*.py")]
    try:
        return not files or any(
            "paperclub_register_commands" in f.read_text(encoding="utf-8") for f in files
        )
    except (OSError, UnicodeDecodeError):
        return True


def _has_extra_plugins(workspace: Path | None) -> bool:
    """Whether anything beyond the built-in plugins could add commands. Checked cheaply, so
    `paperclub --help` in a plain workspace imports no plugin at all. `workspace` is None when
    its plugins/ is skipped."""
    if workspace is not None and any(
        not p.name.startswith("_")  # _x.py: a helper (plugins.py)
        for p in (workspace / "plugins").glob("*.py")
    ):
        return True
    if os.environ.get("PAPERCLUB_DISABLE_PLUGIN_AUTOLOAD"):  # plugins.AUTOLOAD_ENV
        return False
    # importlib.metadata costs more than all of click; an installed distribution's
    # entry_points.txt with a [paperclub] section is what it would find.
    for entry in sys.path:
        try:
            names = os.listdir(entry or ".")
        except OSError:
            continue
        for name in names:
            if name.endswith((".dist-info", ".egg-info")):
                try:
                    with open(os.path.join(entry, name, "entry_points.txt"), encoding="utf-8") as f:
                        if "[paperclub]" in f.read():
                            return True
                except OSError:
                    continue
    return False
