"""What plugins give back is checked (issue 15): every hook's answer, and every source, emitter
and command a plugin registers. A wrong type, an empty reason, text for bytes or bytes for
text, a missing attribute, an exception of any type: through the real command line, each is
exit code 3 and one line naming the plugin's file, the line and the hook (or the method), with
no traceback and nothing written. Then the helper modules beside workspace plugins
(plugins/_name.py): imported by the plugins, never loaded as one, and leaking nowhere."""

from __future__ import annotations

import json
import re
import sys

import pytest

from conftest import ROOT, TODAY
from paperclub import hookspecs
from paperclub.plugins import CHECKS, Hooks, get_plugin_manager
from test_plugins import PLUGIN_EXIT, _cli, write_plugin

HOOKS = sorted(n for n in vars(hookspecs) if n.startswith("paperclub_"))

# A plugin file is {hook}({args}) on line 1 and {body} on line 2: an answer that breaks the
# hook's contract is named at line 1 (where the function starts), an exception at line 2.
HOOK = "def {hook}({args}):\n    {body}\n"

# hook -> (its arguments, the command that calls it)
CALLED = {
    "paperclub_register_sources": ("register", "plan"),
    "paperclub_register_addresses": ("register", "address"),
    "paperclub_paper_topics": ("paper", "plan"),
    "paperclub_exclude_paper": ("paper", "plan"),
    "paperclub_score_paper": ("paper", "plan"),
    "paperclub_plan_sessions": ("sessions", "plan"),
    "paperclub_modify_plan": ("plan", "plan"),
    "paperclub_presenter_affinity": ("member", "plan"),
    "paperclub_check_plan": ("plan", "plan"),
    "paperclub_register_emitters": ("register", "plan"),
    "paperclub_register_policies": ("register", "plan"),
    "paperclub_customize_event": ("event", "plan"),
    "paperclub_register_commands": ("cli", "command"),
    "paperclub_declare_settings": ("", "plan"),
    "paperclub_announce": ("message, channel", "announce"),
}

# (hook, body, what the error says after "plugins/bad.py (line N)")
BAD_ANSWERS = [
    (
        "paperclub_register_sources",
        "return 'titles'",
        ": paperclub_register_sources returned str 'titles'; it returns nothing: "
        "call register(source)",
    ),
    (
        "paperclub_register_addresses",
        "return 'arxiv'",
        ": paperclub_register_addresses returned str 'arxiv'; it returns nothing: "
        "call register(address)",
    ),
    (
        "paperclub_paper_topics",
        "return 'physics'",
        ": paperclub_paper_topics returned str 'physics', not a list of topics (str) or None",
    ),
    (
        "paperclub_paper_topics",
        "return [b'physics']",
        ": paperclub_paper_topics returned bytes b'physics', not text: a topic (a str) "
        "(decode the bytes)",
    ),
    (
        "paperclub_paper_topics",
        "return ['physics', ' ']",
        ": paperclub_paper_topics returned an empty topic",
    ),
    (
        "paperclub_exclude_paper",
        "return True",
        ": paperclub_exclude_paper returned bool True, not a reason (a str) or None",
    ),
    (
        "paperclub_exclude_paper",
        "return ''",
        ": paperclub_exclude_paper returned an empty reason: say why the paper stays out, or "
        "return None to keep it",
    ),
    (
        "paperclub_exclude_paper",
        "return b'too old'",
        ": paperclub_exclude_paper returned bytes b'too old', not text",
    ),
    (
        "paperclub_score_paper",
        "return '0.5'",
        ": paperclub_score_paper returned str '0.5', not a number or {part: number}",
    ),
    (
        "paperclub_score_paper",
        "return {'': 1.0}",
        ": paperclub_score_paper returned a part named '': name each part with a word",
    ),
    (
        "paperclub_score_paper",
        "return {'mood': float('nan')}",
        ": paperclub_score_paper returned nan for 'mood', not a number",
    ),
    (
        "paperclub_plan_sessions",
        "return 5",
        ": paperclub_plan_sessions returned int 5, not a list of paper ids per session",
    ),
    (
        "paperclub_plan_sessions",
        "return [[1]] + [[]] * (len(sessions) - 1)",
        ": paperclub_plan_sessions chose int 1, not a paper id (a str)",
    ),
    (
        "paperclub_plan_sessions",
        "return ['nope'] + [[]] * (len(sessions) - 1)",
        ": paperclub_plan_sessions returned str 'nope' for 2026-12-03, not a list of paper ids",
    ),
    ("paperclub_modify_plan", "return plan", ": paperclub_modify_plan returned Plan "),
    (
        "paperclub_presenter_affinity",
        "return True",
        ": paperclub_presenter_affinity returned True for ",
    ),
    (
        "paperclub_check_plan",
        "return 'a problem'",
        ": paperclub_check_plan returned str 'a problem', not a list of problems (str) or None",
    ),
    ("paperclub_check_plan", "return ['']", ": paperclub_check_plan returned an empty problem"),
    (
        "paperclub_register_emitters",
        "return register",
        ": paperclub_register_emitters returned function ",
    ),
    (
        "paperclub_register_policies",
        "return ['spaced']",
        ": paperclub_register_policies returned list ['spaced']; it returns nothing: "
        "call register(policy)",
    ),
    ("paperclub_customize_event", "return event", ": paperclub_customize_event returned Event "),
    (
        "paperclub_register_commands",
        "return cli",
        ": paperclub_register_commands returned PaperclubGroup ",
    ),
    (
        "paperclub_announce",
        "return 'posted'",
        ": paperclub_announce returned str 'posted', not True (sent) or None (not a channel "
        "of its type)",
    ),
    (
        "paperclub_declare_settings",
        "return {'words': ['x']}",
        ": paperclub_declare_settings returned dict {'words': ['x']}, not a dataclass: return "
        "the class of the plugin's settings",
    ),
]

# an exception of another type in each hook
RAISES = {
    "paperclub_register_sources": "ValueError('no sources today')",
    "paperclub_register_addresses": "PermissionError('no addresses')",
    "paperclub_paper_topics": "KeyError('topic')",
    "paperclub_exclude_paper": "TypeError('not this paper')",
    "paperclub_score_paper": "ZeroDivisionError('no score')",
    "paperclub_plan_sessions": "NotImplementedError('later')",
    "paperclub_modify_plan": "AttributeError('no presenter')",
    "paperclub_presenter_affinity": "LookupError('no member')",
    "paperclub_check_plan": "AssertionError('checked')",
    "paperclub_register_emitters": "OSError('no output')",
    "paperclub_register_policies": "ArithmeticError('no policy')",
    "paperclub_customize_event": "RuntimeError('no event')",
    "paperclub_register_commands": "UnicodeError('no command')",
    "paperclub_declare_settings": "IndexError('no settings')",
    "paperclub_announce": "ConnectionError('no chat')",
}

HOOK_CASES = [
    pytest.param(
        HOOK.format(hook=hook, args=CALLED[hook][0], body=body),
        CALLED[hook][1],
        f"plugins/bad.py (line 1){expected}",
        id=f"{hook}-{body}",
    )
    for hook, body, expected in BAD_ANSWERS
] + [
    pytest.param(
        HOOK.format(hook=hook, args=CALLED[hook][0], body=f"raise {error}"),
        CALLED[hook][1],
        f"plugins/bad.py (line 2) raised in {hook}: {error.split('(')[0]}: ",
        id=f"{hook}-raises",
    )
    for hook, error in RAISES.items()
]

# Wrappers: what a wrapper returns is checked as an answer, and names the wrapper's line.
WRAPPER = (
    "from paperclub.hookspecs import hookimpl\n\n"
    "@hookimpl(wrapper=True)\n"
    "def {hook}({args}):\n"
    "    result = yield\n"
    "    {body}\n"
)
WRAPPER_CASES = [
    pytest.param(
        WRAPPER.format(hook=hook, args=CALLED[hook][0], body=body),
        "plan",
        f"plugins/bad.py (line 3): {hook} {expected}",
        id=f"wrapper-{hook}-{body}",
    )
    for hook, body, expected in [
        ("paperclub_plan_sessions", "return None", "returned None, not the papers of each session"),
        (
            "paperclub_plan_sessions",
            "return {}",
            "returned dict {}, not a list of paper ids per session",
        ),
        (
            "paperclub_exclude_paper",
            "return result or True",
            "returned bool True, not a reason (a str) or None",
        ),
        (
            "paperclub_paper_topics",
            "return None",
            "returned None, not the list of answers it got from yield",
        ),
        (
            "paperclub_paper_topics",
            "return result + ['physics']",
            "returned str 'physics', not a list of topics (str) or None",
        ),
        (
            "paperclub_score_paper",
            "return {'x': 1.0}",
            "returned dict {'x': 1.0}, not the list of answers it got from yield",
        ),
        ("paperclub_check_plan", "return result + [[b'x']]", "returned bytes b'x', not text"),
    ]
] + [
    pytest.param(
        WRAPPER.format(
            hook="paperclub_plan_sessions", args="sessions", body="return result[len(result)]"
        ),
        "plan",
        "plugins/bad.py (line 6) raised in paperclub_plan_sessions: IndexError: ",
        id="wrapper-raises",
    ),
]

# A source: attributes on line 5, detect() on lines 6-7, read() on lines 8-9, register() on 12.
SOURCE = """\
from paperclub.models import Paper
from paperclub.text import slugify

class Titles:
    {attributes}
    def detect(self, path, head):
        {detect}
    def read(self, {read_args}):
        {read}

def paperclub_register_sources(register):
    register({item})
"""
GOOD_SOURCE = {
    "attributes": 'name, description = "titles", "one title a line"',
    "detect": 'return path.suffix == ".titles"',
    "read_args": "file, as_of",
    "read": "return (Paper(id=slugify(t), title=t) for t in file.read_text().splitlines())",
    "item": "Titles()",
}
SOURCE_CASES = [
    pytest.param(
        SOURCE.format(**{**GOOD_SOURCE, **change}),
        "import",
        f"plugins/bad.py (line {line}){expected}",
        id=f"source-{name}",
    )
    for name, change, line, expected in [
        (
            "without-name",
            {"attributes": 'description = "x"'},
            12,
            ": paperclub_register_sources registered a source without a name: ",
        ),
        (
            "without-description",
            {"attributes": 'name = "titles"'},
            12,
            ": paperclub_register_sources registered source 'titles' whose description is None: "
            "give it a str such as 'one title a line'",
        ),
        (
            "a-class",
            {"item": "Titles"},
            12,
            ": paperclub_register_sources registered the class Titles, not a source: "
            "register(Titles())",
        ),
        (
            "without-read",
            {
                "item": "__import__('types').SimpleNamespace(name='titles', "
                "description='x', detect=Titles().detect)"
            },
            12,
            ": paperclub_register_sources registered source 'titles' without a method "
            "read(file, as_of)",
        ),
        (
            "read-takes-one",
            {"read_args": "file"},
            12,
            ": paperclub_register_sources registered source 'titles' whose read() cannot be "
            "called as read(file, as_of): too many positional arguments",
        ),
        (
            "detect-returns-none",
            {"detect": "pass"},
            6,
            ": detect() of source 'titles' returned None, not True or False",
        ),
        (
            "detect-raises",
            {"detect": "raise KeyError(path.suffix)"},
            7,
            " raised in detect() of source 'titles': KeyError: '.titles'",
        ),
        (
            "read-raises-valueerror",
            {"read": "raise ValueError('no year')"},
            9,
            " raised in read() of source 'titles': ValueError: no year",
        ),
        (
            "read-raises-while-reading",
            {"read": "yield Paper(id='a', title='A'); raise ValueError('line 2 is bad')"},
            9,
            " raised in read() of source 'titles': ValueError: line 2 is bad",
        ),
        (
            "read-yields-a-dict",
            {"read": "yield {'title': 'A'}"},
            8,
            ": read() of source 'titles' yielded dict {'title': 'A'}, not a Paper",
        ),
        (
            "read-returns-none",
            {"read": "pass"},
            8,
            ": read() of source 'titles' returned None, not the papers: yield them",
        ),
        (
            "read-returns-text",
            {"read": "return file.read_text()"},
            8,
            ": read() of source 'titles' returned str 'Attention Is All You Need\\n', not the "
            "papers: yield them",
        ),
    ]
]

# An emitter: attributes on line 2, render() on lines 3-4, register() on line 7.
EMITTER = """\
class Titles:
    {attributes}
    def render(self, {render_args}):
        {render}

def paperclub_register_emitters(register):
    register({item})
"""
GOOD_EMITTER = {
    "attributes": 'name, extension, media_type = "titles", ".txt", "text/plain"',
    "render_args": "plan",
    "render": 'return "\\n".join(p.title for s in plan.sessions for p in s.papers).encode()',
    "item": "Titles()",
}
EMITTER_CASES = [
    pytest.param(
        EMITTER.format(**{**GOOD_EMITTER, **change}),
        "emit",
        f"plugins/bad.py (line {line}){expected}",
        id=f"emitter-{name}",
    )
    for name, change, line, expected in [
        (
            "without-name",
            {"attributes": 'extension, media_type = ".txt", "text/plain"'},
            7,
            ": paperclub_register_emitters registered an emitter without a name: ",
        ),
        (
            "without-extension",
            {"attributes": 'name, media_type = "titles", "text/plain"'},
            7,
            ": paperclub_register_emitters registered emitter 'titles' whose extension is None: "
            "give it a str such as '.txt'",
        ),
        (
            "extension-without-dot",
            {"attributes": 'name, extension, media_type = "titles", "txt", "text/plain"'},
            7,
            ": paperclub_register_emitters registered emitter 'titles' whose extension is 'txt': "
            "a dot and a word, such as '.txt'",
        ),
        (
            "extension-a-path",
            {"attributes": 'name, extension, media_type = "titles", "./../x.txt", "text/plain"'},
            7,
            ": paperclub_register_emitters registered emitter 'titles' whose extension is "
            "'./../x.txt'",
        ),
        (
            "media-type-bytes",
            {"attributes": 'name, extension, media_type = "titles", ".txt", b"text/plain"'},
            7,
            ": paperclub_register_emitters registered emitter 'titles' whose media_type is bytes "
            "b'text/plain': give it a str such as 'text/plain'",
        ),
        (
            "media-type-a-word",
            {"attributes": 'name, extension, media_type = "titles", ".txt", "text"'},
            7,
            ": paperclub_register_emitters registered emitter 'titles' whose media_type is 'text': "
            "a type/subtype",
        ),
        (
            "a-class",
            {"item": "Titles"},
            7,
            ": paperclub_register_emitters registered the class Titles, not an emitter",
        ),
        (
            "render-not-callable",
            {
                "item": "__import__('types').SimpleNamespace(name='titles', extension='.txt', "
                "media_type='text/plain', render=b'')"
            },
            7,
            ": paperclub_register_emitters registered emitter 'titles' without a method "
            "render(plan)",
        ),
        (
            "render-takes-nothing",
            {"render_args": "*, plan"},
            7,
            ": paperclub_register_emitters registered emitter 'titles' whose render() cannot be "
            "called as render(plan): too many positional arguments",
        ),
        (
            "render-returns-text",
            {"render": 'return "a title"'},
            3,
            ": render() of emitter 'titles' returned str 'a title', not bytes: encode the text, "
            "text.encode()",
        ),
        (
            "render-returns-none",
            {"render": "pass"},
            3,
            ": render() of emitter 'titles' returned None, not bytes",
        ),
        (
            "render-raises",
            {"render": "raise TypeError('no plan')"},
            4,
            " raised in render() of emitter 'titles': TypeError: no plan",
        ),
    ]
]

# Commands: a name another command has is the plugin's error, never a silent replacement.
COMMAND = """\
import click

def paperclub_register_commands(cli):
    @cli.command({name})
    def {function}():
        click.echo("the plugin's")
"""
# An address: fetch() on lines 4-5, register() on line 8.
ADDRESS = """\
import json
from paperclub.api import Address

def fetch({fetch_args}):
    {fetch}

def paperclub_register_addresses(register):
    register({item})
"""
GOOD_ADDRESS = {
    "fetch_args": "rest, fetcher",
    "fetch": "return json.dumps([{'title': rest}]).encode(), 'paperclub-json'",
    "item": "Address('titles', 'titles:TITLE', fetch)",
}
ADDRESS_CASES = [
    pytest.param(
        ADDRESS.format(**{**GOOD_ADDRESS, **change}),
        "address",
        f"plugins/bad.py (line {line}){expected}",
        id=f"address-{name}",
    )
    for name, change, line, expected in [
        (
            "without-scheme",
            {"item": "Address('', 'x', fetch)"},
            8,
            ": paperclub_register_addresses registered an address without a scheme: ",
        ),
        (
            "scheme-https",
            {"item": "Address('https', 'x', fetch)"},
            8,
            ": paperclub_register_addresses registered address 'https' whose scheme is not a "
            "word of two or more letters (and not http or https, which are built in)",
        ),
        (
            "without-description",
            {"item": "Address('titles', None, fetch)"},
            8,
            ": paperclub_register_addresses registered address 'titles' whose description is "
            "None: give it a str such as 'arxiv:ID or arxiv:QUERY'",
        ),
        (
            "fetch-takes-one",
            {"fetch_args": "rest"},
            8,
            ": paperclub_register_addresses registered address 'titles' whose fetch() cannot "
            "be called as fetch(rest, fetcher): too many positional arguments",
        ),
        (
            "fetch-returns-str",
            {"fetch": "return 'x'"},
            4,
            ": fetch() of address 'titles' returned str 'x', not (content, format): the bytes "
            "and the name of the source that reads them",
        ),
        (
            "fetch-returns-records-not-a-list",
            {"fetch": "return b'[]', 'paperclub-json', 'papers'"},
            4,
            ": fetch() of address 'titles' returned as its third item str 'papers', not the "
            "list of the content's records (each a Paper, or a PaperclubError naming its line)",
        ),
        (
            "fetch-returns-records-of-dicts",
            {"fetch": "return b'[]', 'paperclub-json', [{'title': rest}]"},
            4,
            ": fetch() of address 'titles' returned as its third item dict",
        ),
        (
            "fetch-raises",
            {"fetch": "raise ValueError('offline')"},
            5,
            " raised in fetch() of address 'titles': ValueError: offline",
        ),
    ]
]

COMMAND_CASES = [
    pytest.param(
        COMMAND.format(name="", function="show"),
        "command",
        "plugins/bad.py (line 4): paperclub_register_commands added a command 'show', "
        "which is a built-in command: name yours differently",
        id="command-show",
    ),
    pytest.param(
        COMMAND.format(name='"plan"', function="mine"),
        "command",
        "plugins/bad.py (line 4): paperclub_register_commands added a command 'plan', "
        "which is a built-in command",
        id="command-named-plan",
    ),
    pytest.param(
        "def paperclub_register_commands(cli):\n    cli.add_command(print)\n",
        "command",
        "plugins/bad.py (line 2): paperclub_register_commands added builtin_function_or_"
        "method <built-in function print>, not a click command",
        id="command-not-one",
    ),
]


# A policy: a subclass of paperclub.api.Policy with a name and a description
POLICY = (
    "from paperclub.api import Policy\n\n"
    "class Spaced(Policy):\n"
    "    {attributes}\n\n"
    "def paperclub_register_policies(register):\n"
    "    register({item})\n"
)
GOOD_POLICY = {"attributes": 'name, description = "spaced", "topics apart"', "item": "Spaced()"}
POLICY_CASES = [
    pytest.param(
        POLICY.format(**{**GOOD_POLICY, **change}),
        "plan",
        f"plugins/bad.py (line 7): paperclub_register_policies registered {expected}",
        id=f"policy-{name}",
    )
    for name, change, expected in [
        (
            "without-name",
            {"attributes": 'description = "topics apart"'},
            "a policy without a name: ",
        ),
        (
            "description-bytes",
            {"attributes": 'name, description = "spaced", b"apart"'},
            "policy 'spaced' whose description is bytes b'apart': give it a str such as "
            "'one topic per session'",
        ),
        (
            "not-a-policy",
            {"item": "__import__('types').SimpleNamespace(name='spaced', description='apart')"},
            "policy 'spaced' that is SimpleNamespace namespace(name='spaced', "
            "description='apart'), not a Policy: subclass paperclub.api.Policy",
        ),
        ("a-class", {"item": "Spaced"}, "the class Spaced, not a policy: register(Spaced())"),
    ]
] + [
    pytest.param(
        POLICY.format(**{**GOOD_POLICY, "attributes": 'name, description = "themed", "mine"'}),
        "plan",
        "policy 'themed' is registered twice: by plugins/bad.py and by "
        "paperclub.default_plugins.policies",
        id="policy-name-taken",
    ),
]


def _outputs_titles(schedule):
    text = schedule.read_text()
    schedule.write_text(text.replace("outputs: [ics, markdown, html]", "outputs: [ics, titles]"))


def _fails(run, workspace, schedule, command):
    """Run `command` for a case; its exit code and stderr, and what it wrote."""
    if command == "command":  # commands are added at start-up: the real entry point
        result = _cli(workspace, "show", str(schedule))
        return result.returncode, result.stderr
    if command == "import":
        (workspace / "reading.titles").write_text("Attention Is All You Need\n")
        result = run("import", "reading.titles")
        assert not (workspace / "catalog.sqlite").exists()  # nothing imported, no catalog left
        return result.exit_code, result.stderr
    if command == "address":
        result = run("import", "titles:Attention Is All You Need")
        assert not (workspace / "catalog.sqlite").exists()
        assert not (workspace / ".paperclub-cache").exists()
        return result.exit_code, result.stderr
    if command == "announce":  # a chat channel of a type only the plugin sends to
        config = schedule.read_text()
        config = config[: config.index("\nannounce:")] + "\nannounce:\n  term: at plan\n"
        schedule.write_text(config + "  channels: [{type: teams}]\n")
        assert run("plan", str(schedule), "--today", TODAY).exit_code == 0
        result = run("announce", str(schedule), "--due", "--now", "2026-11-20T08:00")
        return result.exit_code, result.stderr
    if command == "emit":  # the plan's outputs have the plugin's
        _outputs_titles(workspace / schedule)
    result = run("plan", str(schedule), "--today", TODAY)
    assert sorted(p.name for p in (workspace / "schedules").iterdir()) == ["ml-systems.yaml"]
    return result.exit_code, result.stderr


@pytest.mark.parametrize(
    "source, command, expected",
    HOOK_CASES
    + WRAPPER_CASES
    + SOURCE_CASES
    + EMITTER_CASES
    + POLICY_CASES
    + ADDRESS_CASES
    + COMMAND_CASES,
)
def test_a_bad_answer_or_an_exception_names_the_plugin_line_and_hook(
    source, command, expected, workspace, run, schedule
):
    write_plugin(workspace, "bad.py", source)
    # `run` raises what the command line did not turn into an error: a traceback's worth
    code, stderr = _fails(run, workspace, schedule, command)
    assert code == PLUGIN_EXIT, stderr
    assert stderr.startswith(f"Error: {expected}"), stderr
    assert len(stderr.splitlines()) == 1 and "Traceback" not in stderr


def test_every_hook_and_registered_kind_is_in_the_table():
    answered = {hook for hook, _, _ in BAD_ANSWERS}
    assert answered == set(HOOKS) == set(RAISES) == set(CALLED)
    # and every hook's answers are checked: by CHECKS, or (against their arguments) by the
    # two Hooks methods that call them
    assert set(CHECKS) | {"paperclub_plan_sessions", "paperclub_presenter_affinity"} == set(HOOKS)
    # each kind, each of its attributes and methods (see paperclub.registry.KINDS)
    from paperclub.registry import KINDS

    ids = {p.id for p in SOURCE_CASES + EMITTER_CASES + POLICY_CASES + ADDRESS_CASES}
    for kind, (attributes, methods) in KINDS.items():
        for attr in attributes:
            assert any(i.startswith(f"{kind}-") and attr.replace("_", "-") in i for i in ids), (
                kind,
                attr,
            )
        for method in methods:
            assert any(i.startswith(f"{kind}-{method}") for i in ids), (kind, method)
    assert COMMAND_CASES


def test_good_answers_pass_the_checks(workspace, run, schedule):
    """The table's bad answers next to good ones of the same hooks: all of these plan."""
    write_plugin(
        workspace,
        "good.py",
        """
        def paperclub_paper_topics(paper):
            return ("systems",) if "system" in paper.title.lower() else []

        def paperclub_exclude_paper(paper):
            return "too old" if paper.published and paper.published.year < 2020 else None

        def paperclub_score_paper(paper):
            return 1 if paper.has_code else {"other": 0.5}

        def paperclub_presenter_affinity(member):
            return 1 if member.name == "Ada Lovelace" else 0.0

        def paperclub_check_plan(plan):
            return ()

        def paperclub_modify_plan(plan):
            return None
    """,
    )
    write_plugin(workspace, "titles.py", EMITTER.format(**GOOD_EMITTER))
    _outputs_titles(workspace / schedule)
    result = run("plan", str(schedule), "--today", TODAY)
    assert result.exit_code == 0, result
    assert (workspace / "schedules" / "ml-systems.txt").read_text().strip()


def test_a_command_of_two_plugins_names_both(workspace):
    for name in ("a.py", "b.py"):
        write_plugin(workspace, name, COMMAND.format(name="", function="stats"))
    result = _cli(workspace, "stats")
    assert result.returncode == PLUGIN_EXIT
    # pluggy calls the last registered first: b.py adds it, then a.py is told
    assert result.stderr == (
        "Error: plugins/a.py (line 4): paperclub_register_commands added a "
        "command 'stats', which is a command of plugins/b.py: name yours "
        "differently\n"
    )
    assert _cli(workspace, "--help").returncode == 0
    fixed = _cli(workspace, "--no-local-plugins", "plugins")
    assert fixed.returncode == 0, fixed.stderr


def test_commands_of_an_earlier_load_are_replaced(workspace):
    """In one process (a test, paperclub.testing), each load's plugins add their commands
    afresh: a second load is not told its own command is taken."""
    import click

    write_plugin(workspace, "hello.py", COMMAND.format(name="", function="hello"))

    @click.group()
    def group():
        pass

    @group.command()
    def show():
        pass

    for _ in range(2):
        Hooks(get_plugin_manager(workspace)).register_commands(group)
    assert sorted(group.commands) == ["hello", "show"]
    assert group.commands["show"] is show


# -- helpers beside workspace plugins: plugins/_name.py --------------------------------------


HELPER = """
    WORDS = ("survey", "review")

    def about(paper):
        return next((w for w in WORDS if w in paper.title.lower().split()), None)
"""
USES_HELPER = """
    from _words import about

    def paperclub_exclude_paper(paper):
        word = about(paper)
        if word:
            return f"a {word} (plugins/_words.py)"
"""


def test_a_helper_is_imported_by_the_plugins_and_is_no_plugin(workspace, run, schedule):
    write_plugin(workspace, "_words.py", HELPER)
    write_plugin(workspace, "no_surveys.py", USES_HELPER)
    path = sys.path[:]
    listed = json.loads(run("plugins", "--json").stdout)
    names = [r["name"] for r in listed if r["name"].startswith("plugins/")]
    assert names == ["plugins/no_surveys.py"]
    result = run("plan", str(schedule), "--today", TODAY)
    assert result.exit_code == 0, result
    why = run(
        "why",
        str(schedule),
        "a-survey-on-inference-optimization-techniques-for-mixture-of-experts-models",
        "--today",
        TODAY,
    )
    assert why.stdout.splitlines()[0].endswith("is excluded: a survey (plugins/_words.py)")
    # nothing leaks: the folder is not on sys.path, the helper is not importable by its name
    assert sys.path == path and "_words" not in sys.modules
    with pytest.raises(ModuleNotFoundError):
        __import__("_words")


def test_each_workspace_has_its_own_helpers(workspace, tmp_path, run):
    """A helper of one name in two workspaces: each plugin gets its own, and a plugin whose
    workspace has none does not get another's."""
    loaded = {}
    for word in ("first", "second"):
        folder = tmp_path / word
        folder.mkdir()
        write_plugin(folder, "_words.py", f"WORD = {word!r}\n")
        write_plugin(folder, "uses.py", "from _words import WORD\n")
        pm = get_plugin_manager(folder)
        loaded[word] = pm.get_plugin("plugins/uses.py").WORD
    assert loaded == {"first": "first", "second": "second"}
    write_plugin(workspace, "uses.py", "from _words import WORD\n")
    result = run("plugins")
    assert result.exit_code == PLUGIN_EXIT
    assert result.stderr == (
        "Error: plugins/uses.py:1: failed to import: ModuleNotFoundError: "
        "No module named '_words'\n"
    )


@pytest.mark.parametrize(
    "name, taken",
    [
        ("_csv", "the name of a module of Python's standard library"),
        ("_pytest", "the name of a module that is loaded"),
        ("_elsewhere", "the name of the module "),
    ],
)
def test_a_helper_named_like_another_module_is_an_error(
    name, taken, workspace, run, monkeypatch, tmp_path
):
    elsewhere = tmp_path / "site"
    elsewhere.mkdir()
    (elsewhere / "_elsewhere.py").write_text("")
    monkeypatch.syspath_prepend(str(elsewhere))
    write_plugin(workspace, f"{name}.py", HELPER)
    result = run("plugins")
    assert result.exit_code == PLUGIN_EXIT
    assert result.stderr.startswith(
        f"Error: plugins/{name}.py: this helper's name {name} is already {taken}"
    ), result.stderr
    assert result.stderr.rstrip().endswith(
        f"a plugin's `import {name}` would be ambiguous; rename the file"
    )


def test_a_helper_that_fails_names_its_line(workspace, run):
    write_plugin(workspace, "_words.py", "WORDS = ()\nLIMIT = 1 / len(WORDS)\n")
    write_plugin(workspace, "uses.py", "import json\nfrom _words import WORDS\n")
    result = run("plugins")
    assert result.exit_code == PLUGIN_EXIT
    assert result.stderr == (
        "Error: plugins/uses.py:2: failed to import: ZeroDivisionError: "
        "division by zero (in plugins/_words.py, line 2)\n"
    )
    write_plugin(workspace, "_words.py", "WORDS = (\n")
    result = run("plugins")
    assert result.stderr == "Error: plugins/_words.py:1: syntax error: '(' was never closed\n"


def test_the_helper_example_in_the_docs_runs(workspace, run, schedule):
    """docs/plugins.md's helper example: its blocks are ```py, since tests/test_docs.py loads
    every ```python block alone as a plugin (and this plugin needs its helper)."""
    section = re.search(
        r"\n### Helper modules\n(.*?)(?=\n## |\n### )",
        (ROOT / "docs" / "plugins.md").read_text(),
        re.DOTALL,
    ).group(1)
    blocks = re.findall(r"```py\n(# (plugins/\S+\.py).*?)```", section, re.DOTALL)
    assert [path for _, path in blocks] == ["plugins/_words.py", "plugins/no_reviews.py"]
    for code, path in blocks:
        (workspace / "plugins").mkdir(exist_ok=True)
        (workspace / path).write_text(code)
    listed = [r["name"] for r in json.loads(run("plugins", "--json").stdout)]
    assert "plugins/no_reviews.py" in listed and "plugins/_words.py" not in listed
    assert run("plan", str(schedule), "--today", TODAY).exit_code == 0
    shown = json.loads(run("show", str(schedule), "--json").stdout)
    titles = [p["title"].lower() for s in shown["sessions"] for p in s["papers"]]
    assert not [t for t in titles if "survey" in t.split() or "review" in t.split()]
