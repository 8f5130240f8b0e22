"""Every extension point of paperclub. A plugin implements any of these with `@hookimpl`.

Built-in behaviour lives in `paperclub.default_plugins` and implements these same hooks, so a
plugin of yours can add to it or, for the first-result hooks, replace it. Every hook can also
be wrapped (`@hookimpl(wrapper=True)`, or the old-style `hookwrapper=True`): the wrapper gets
the hook's result from `yield` and returns the one paperclub goes on with.

Two arguments are there for the hooks that plan: `catalog`, a read-only view of the catalog
(`paperclub.api.Catalog`: get, search, the group's candidates), and `today`, the day the
command runs for (`--today`, else the date). Like every argument, take them only if you need
them. A plugin imports what it needs from `paperclub.api` only.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import pluggy

if TYPE_CHECKING:
    from datetime import date

    import click

    from paperclub.addresses import Address
    from paperclub.api import Catalog
    from paperclub.models import (
        Assignment,
        Candidate,
        Channel,
        Group,
        Member,
        Message,
        Paper,
        Plan,
        Session,
        Slot,
    )
    from paperclub.plugins import Hooks
    from paperclub.policies import Policy
    from paperclub.registry import Emitter, Source
    from paperclub.signals import Signals

hookspec = pluggy.HookspecMarker("paperclub")
hookimpl = pluggy.HookimplMarker("paperclub")


@hookspec
def paperclub_register_sources(register: Callable[[Source], None]) -> None:
    """Register importers: call `register(source)` once per format.

    A source has a `name` (what `--format` takes), `description`, `detect(path, head) -> bool`
    and `read(file, as_of) -> Iterator[Paper | PaperclubError]`: every paper of the
    `SourceFile`, and for a bad record a PaperclubError naming the line, after which reading
    goes on. All implementations run; a name registered twice is an error naming both plugins.
    """


@hookspec
def paperclub_register_addresses(register: Callable[[Address], None]) -> None:
    """Register addresses that fetch themselves: call `register(Address(scheme, description,
    fetch))` once per scheme. `paperclub import SCHEME:REST` and `catalog.sources` then call
    `fetch(rest, fetcher)`, which gets the text after `scheme:` and a `paperclub.api.Fetcher`
    (cached, polite, offline on request: fetch through it) and returns `(content, format)`:
    the bytes, and the name of a registered source that reads them (`"arxiv-atom"`). Pages
    are combined into one content, so an address imports all or nothing. A third item, the
    content's records as that source reads them (read while waiting between pages), spares
    the import reading the content again. A fault is a
    PaperclubError naming the address. `https://` addresses are built in. All
    implementations run; a scheme registered twice is an error naming both plugins.
    """


@hookspec
def paperclub_paper_topics(paper: Paper, group: Group) -> Sequence[str] | None:
    """Return topics for `paper` in `group`. All implementations run; the results are merged
    in order, duplicates dropped. The first topic is the one the balance works on."""


@hookspec(firstresult=True)
def paperclub_exclude_paper(
    paper: Paper,
    group: Group,
    history: frozenset[str],
    signals: Signals,
    catalog: Catalog,
    today: date,
) -> str | None:
    """Return a reason (a short sentence) to keep `paper` out of the plan, or None.

    `history` holds the ids of papers the group has read (earlier sessions and plans);
    `signals` what was measured over all the candidates (`signals.relevance(paper)`,
    `signals.popularity(paper)`, `signals.votes(paper)`); `catalog` the read-only catalog;
    `today` the day the command runs for: take them only if you need them. First non-None
    result wins.
    """


@hookspec
def paperclub_score_paper(
    paper: Paper,
    group: Group,
    history: frozenset[str],
    signals: Signals,
    catalog: Catalog,
    today: date,
) -> float | dict[str, float] | None:
    """Return a score for `paper`: a number, or named parts such as `{"recency": 0.4}`.

    `signals` holds what was measured over all the candidates: `signals.relevance(paper)`
    (0 to 1, how well it fits the group's topics, interests, liked and read papers; None
    without such a profile), `signals.popularity(paper)` (0 to 1, its percentile among the
    rated papers; None when no source rates it) and `signals.votes(paper)` (the members'
    votes and suggestions); `catalog` is the read-only catalog and `today` the day the command
    runs for (scores that must not change from day to day measure time against the term's
    start, `group.meetings.start`, instead); take them only if you need them. All
    implementations run and their parts are summed; each part is kept for the explanation of the plan. A bare number is
    named after the plugin (so a wrapper sees every answer as named parts).
    """


@hookspec(firstresult=True)
def paperclub_plan_sessions(
    candidates: Sequence[Candidate],
    sessions: Sequence[Slot],
    group: Group,
    previous: Mapping[str, Sequence[str]],
    catalog: Catalog,
    today: date,
) -> list[list[str]] | None:
    """Choose papers for the sessions: return one list of paper ids per session, in order.

    Hard rules: at most `group.meetings.papers_per_session` per session, each paper at most
    once, ids only from `candidates`. `previous` maps a session id (`Slot.id`) to the paper
    ids the previous plan had there (empty on a first plan): a planner that re-plans keeps
    them where changing gains little. `catalog` is the read-only catalog, `today` the day the
    command runs for. Take `previous`, `catalog` and `today` only if you need them. First
    non-None result wins.
    """


@hookspec
def paperclub_modify_plan(
    plan: Plan,
    group: Group,
    held: Sequence[Session],
    hooks: Hooks,
    previous: Plan | None,
    catalog: Catalog,
    today: date,
) -> None:
    """Change `plan` in place after the papers are chosen (for example, assign presenters).
    `plan.sessions` are the sessions being planned; `held` are the sessions kept as they are
    (those that took place, and those locked or edited by hand in the plan file: read them,
    never change them); `hooks` is for plugins that call other hooks; `previous` is the plan
    this one replaces (None on a first plan), for plugins that keep what they can of it;
    `catalog` is the read-only catalog, `today` the day the command runs for. Take `held`,
    `hooks`, `previous`, `catalog` and `today` only if you need them. All implementations run,
    in plugin order."""


@hookspec
def paperclub_presenter_affinity(
    member: Member, paper: Assignment, group: Group, catalog: Catalog, today: date
) -> float | None:
    """How well `member` fits to present `paper`: a number, higher is better (negative steers
    them away), or None to add nothing. `paper` is the `Assignment` in the plan (`paper_id`,
    `title`, `abstract`, `topics`, `score`, `links`); `catalog` the read-only catalog (the
    whole paper: `catalog.get(paper.paper_id)`), `today` the day the command runs for: take
    them only if you need them. All implementations run and the numbers are summed;
    the built-in one scores the member's `interests` against the paper's topics and title,
    and adds `paper.fit[member.name]` (0 to 1: the paper's relevance to the member's
    `library`, when they have one).
    Called once per member and paper (or session, with `presenters: per_session`, summed over
    its papers) by the presenter assignment, which maximizes the total affinity only after
    the hard rules, the balance of loads and the fewest consecutive sessions. Keep it
    deterministic. The paper's text is there to read: `paper.abstract`, `paper.links`. Once
    the presenters are chosen, each paper keeps its presenter's affinity by part in the plan
    file (`Assignment.affinity`: the built-in `interests` and `library`, every other answer
    under its plugin's name), which `paperclub why` and `paperclub members --why` show."""


@hookspec
def paperclub_check_plan(
    plan: Plan, group: Group, catalog: Catalog, today: date
) -> list[str] | None:
    """Return problems found in `plan`, one sentence each (empty or None when there are none).
    `catalog` is the read-only catalog, `today` the day the command runs for: take them only
    if you need them. All implementations run and every problem is reported."""


@hookspec
def paperclub_register_emitters(register: Callable[[Emitter], None], hooks: Hooks) -> None:
    """Register output formats: call `register(emitter)`; an emitter has `name`, `extension`,
    `media_type` and `render(plan) -> bytes`, pure and deterministic. `hooks` is there for
    emitters that call other hooks (the ics emitter calls `paperclub_customize_event`); take it
    only if you need it. All implementations run; a name registered twice is an error naming
    both plugins."""


@hookspec
def paperclub_register_policies(register: Callable[[Policy], None]) -> None:
    """Register balance policies: call `register(policy)` with an instance of a subclass of
    `paperclub.api.Policy`; `balance.policy` then takes its `name`. A policy holds its terms
    of the objective and their default weights (`selection.weights` keys), how it evaluates a
    plan, its part of the greedy's gain and what it adds to the optimizer's model: override
    what yours changes (see `paperclub.policies`, where spread, proportional and themed are
    registered the same way). All implementations run; a name registered twice is an error
    naming both plugins."""


@hookspec
def paperclub_customize_event(event: Any, session: Session, plan: Plan) -> None:
    """Edit the `icalendar.Event` made for `session` in place (add a video link, an alarm).
    Called by the ics emitter; all implementations run. Keep it deterministic."""


@hookspec
def paperclub_register_commands(cli: click.Group) -> None:
    """Add subcommands to the `paperclub` command line: `@cli.command()`. All run. A command
    gets the catalog and the day as the built-in commands do, by its options:
    `@paperclub.api.catalog_option` (`--catalog`, passed as a read-only `Catalog`) and
    `@paperclub.api.today_option` (`--today`, passed as a date)."""


@hookspec
def paperclub_declare_settings() -> type | None:
    """Return the dataclass of this plugin's own settings: the group config's
    `settings.<plugin>` (the plugin's short name) is read into it and checked against its
    fields' types (bool, int, float, str, date, a list of one of them, a Literal, X | None),
    defaults filled; `paperclub.api.settings(group, TheClass)` gives it back in any hook. All
    implementations run, each for its own plugin."""


@hookspec(firstresult=True)
def paperclub_announce(message: Message, channel: Channel) -> bool | None:
    """Send `message` to the chat `channel` (an entry of the config's `announce.channels`)
    when its `channel.type` is yours, and return True; return None for a type you do not
    send to. Raise `paperclub.api.NotSent` when it surely did not go out (a refused request,
    a 4xx/5xx answer: the next run sends it again) and `paperclub.api.FateUnknown` when it
    may have (a timeout after the request went out: reported, never sent twice). The
    built-in plugin `chat` sends to slack, mattermost, discord, zulip and matrix."""
