"""The built-in chat channels (default_plugins/chat.py) against the local HTTP server: each
service's request as its documentation gives it (the pages are named in chat.py's
docstring), checked field by field; failures as NotSent or FateUnknown; secrets never shown;
a plugin's own channel type through the hook."""

from __future__ import annotations

import base64
import json
import re
import types
import urllib.parse

import pytest
import yaml

from conftest import ROOT
from httpserver import Response
from paperclub.default_plugins import chat
from paperclub.errors import FateUnknown, NotSent, PaperclubError
from paperclub.models import Channel, Message
from paperclub.plugins import Hooks, get_plugin_manager

SLACK_PATH = "/services/T0001/B0001/SlackSecret42"
DISCORD_PATH = "/api/webhooks/1234/DiscordSecret42"
MATTERMOST_PATH = "/hooks/MattermostSecret42"
TOKEN = "syt_MatrixSecret42"
API_KEY = "ZulipSecret42"
ROOM = "!abcdefg:example.org"


def message(**changes) -> Message:
    fields = dict(
        key="agenda/s05/1/chat",
        kind="agenda",
        subject="Session 5 <Attention> & more",
        text="Papers:\n- Attention Is All You Need (Ada)\n@everyone @channel @room @**all**",
        html="<html><head><style>p{}</style></head>"
        "<body><p>Papers: <b>Attention</b></p></body></html>",
        session="s05",
        url="https://club.example.org/ml-systems/#session-s05",
    )
    fields.update(changes)
    return Message(**fields)


@pytest.fixture(autouse=True)
def no_netrc(workspace, monkeypatch):
    """The user's ~/.netrc is never read; a test writes its own."""
    monkeypatch.setenv("NETRC", str(workspace / "netrc"))


@pytest.fixture
def hooks():
    return Hooks(get_plugin_manager())


def posted(server, path):
    [request] = [r for r in server.requests if r.path == path]
    return request


# -- each service's request ----------------------------------------------------------------------


def test_paperclub_announce_slack_posts_mrkdwn_text(http_server, hooks, monkeypatch):
    url = http_server.add(SLACK_PATH, Response(200, b"ok"))
    monkeypatch.setenv("SLACK_WEBHOOK_URL", url)
    channel = Channel("slack", "team", {"url_env": "SLACK_WEBHOOK_URL"}, line=7)
    assert hooks.announce(message(), channel) is True
    request = posted(http_server, SLACK_PATH)
    assert request.method == "POST"
    assert request.headers["content-type"] == "application/json"
    assert request.headers["user-agent"].startswith("paperclub/")
    assert "authorization" not in request.headers
    assert json.loads(request.body) == {
        "text": "*<https://club.example.org/ml-systems/#session-s05|"
        "Session 5 &lt;Attention&gt; &amp; more>*\n"
        "Papers:\n- Attention Is All You Need (Ada)\n@everyone @channel @room @**all**"
    }


def test_slack_link_address_cannot_break_out_and_plain_title_without_url(http_server, hooks):
    url = http_server.add(SLACK_PATH, Response(200, b"ok"))
    channel = Channel("slack", "slack", {"url": url})
    hooks.announce(message(url="https://x.example/?a=1&b=|>", text="<!channel>"), channel)
    sent = json.loads(http_server.requests[-1].body)["text"]
    assert sent.startswith("*<https://x.example/?a=1&amp;b=%7C&gt;|Session 5")
    assert sent.endswith("\n&lt;!channel&gt;")  # no @channel notification from a title
    hooks.announce(message(url=None), channel)
    assert json.loads(http_server.requests[-1].body)["text"].startswith(
        "*Session 5 &lt;Attention&gt; &amp; more*\n"
    )


def test_mattermost_posts_markdown_text(http_server, hooks):
    url = http_server.add(MATTERMOST_PATH, Response(200, b"ok"))
    assert hooks.announce(message(), Channel("mattermost", "mm", {"url": url}))
    request = posted(http_server, MATTERMOST_PATH)
    assert (request.method, request.headers["content-type"]) == ("POST", "application/json")
    assert json.loads(request.body) == {
        "text": "**[Session 5 \\<Attention\\> & more]"
        "(https://club.example.org/ml-systems/#session-s05)**\n\n"
        "Papers:\n- Attention Is All You Need (Ada)\n"
        "@everyone @\u200bchannel @room @**all**"
    }


def test_discord_posts_content_without_mentions(http_server, hooks):
    url = http_server.add(DISCORD_PATH, Response(204))
    assert hooks.announce(message(), Channel("discord", "discord", {"url": url}))
    request = posted(http_server, DISCORD_PATH)
    assert (request.method, request.headers["content-type"]) == ("POST", "application/json")
    assert json.loads(request.body) == {
        "content": "**[Session 5 \\<Attention\\> & more]"
        "(https://club.example.org/ml-systems/#session-s05)**\n"
        "Papers:\n- Attention Is All You Need (Ada)\n@everyone @channel @room @**all**",
        "allowed_mentions": {"parse": []},
    }


def test_discord_truncates_at_2000_characters_on_a_line_boundary(http_server, hooks):
    url = http_server.add(DISCORD_PATH, Response(204))
    lines = [f"{i:03d} " + "x" * 95 for i in range(40)]  # 40 lines of 99 characters
    hooks.announce(message(text="\n".join(lines)), Channel("discord", "d", {"url": url}))
    content = json.loads(http_server.requests[-1].body)["content"]
    assert len(content) <= 2000
    head, *kept, dots, more = content.split("\n")
    assert head.startswith("**[Session 5")
    assert kept == lines[: len(kept)] and 15 < len(kept) < 20  # whole lines only
    assert (dots, more) == ("…", "More: <https://club.example.org/ml-systems/#session-s05>")
    # an emoji outside the BMP counts twice, as Discord (JavaScript) counts it
    hooks.announce(message(text="🦜" * 1500, url=None), Channel("discord", "d", {"url": url}))
    content = json.loads(http_server.requests[-1].body)["content"]
    assert len(content.encode("utf-16-le")) // 2 <= 2000 and content.endswith("\n…")


def test_zulip_posts_a_stream_message_with_basic_auth(http_server, hooks, monkeypatch):
    http_server.add("/api/v1/messages", Response(200, b'{"result": "success", "id": 42}'))
    monkeypatch.setenv("ZULIP_KEY", API_KEY)
    channel = Channel(
        "zulip",
        "zulip",
        {
            "site": http_server.url,
            "email": "bot@example.org",
            "stream": "reading",
            "api_key_env": "ZULIP_KEY",
        },
    )
    assert hooks.announce(message(), channel)
    request = posted(http_server, "/api/v1/messages")
    assert request.method == "POST" and request.query == {}  # nothing secret in the URL
    assert request.headers["content-type"] == "application/x-www-form-urlencoded"
    auth = base64.b64encode(f"bot@example.org:{API_KEY}".encode()).decode()
    assert request.headers["authorization"] == f"Basic {auth}"
    assert urllib.parse.parse_qs(request.body.decode()) == {
        "type": ["stream"],
        "to": ["reading"],
        "topic": ["Session 5 <Attention> & more"],
        "content": [
            "**[Session 5 \\<Attention\\> & more]"
            "(https://club.example.org/ml-systems/#session-s05)**\n\n"
            "Papers:\n- Attention Is All You Need (Ada)\n@everyone @channel @room @\u200b**all**"
        ],
    }


def test_zulip_topic_option_and_the_key_from_netrc(http_server, hooks, workspace):
    http_server.add("/api/v1/messages", Response(200, b'{"result": "success"}'))
    (workspace / "netrc").write_text(
        f"machine 127.0.0.1 login bot@example.org password {API_KEY}\n"
    )
    (workspace / "netrc").chmod(0o600)
    options = {
        "site": http_server.url + "/",
        "email": "bot@example.org",
        "stream": "reading",
        "topic": "ML systems " + "x" * 80,
    }
    hooks.announce(message(), Channel("zulip", "zulip", options))
    request = posted(http_server, "/api/v1/messages")
    assert request.headers["authorization"].endswith(
        base64.b64encode(f"bot@example.org:{API_KEY}".encode()).decode()
    )
    topic = urllib.parse.parse_qs(request.body.decode())["topic"][0]
    assert topic == ("ML systems " + "x" * 80)[:60]  # Zulip's longest topic


def test_matrix_puts_an_m_text_event_with_a_bearer_token(http_server, hooks, monkeypatch):
    path = (
        "/_matrix/client/v3/rooms/%21abcdefg%3Aexample.org/send/m.room.message/"
        + chat.transaction_id(ROOM, "agenda/s05/1/chat")
    )
    http_server.add(path, Response(200, b'{"event_id": "$e1"}'))
    monkeypatch.setenv("MATRIX_TOKEN", TOKEN)
    channel = Channel(
        "matrix",
        "matrix",
        {"homeserver": http_server.url, "room": ROOM, "token_env": "MATRIX_TOKEN"},
    )
    assert hooks.announce(message(), channel)
    request = posted(http_server, path)
    assert request.method == "PUT" and request.query == {}  # no token in the URL
    assert request.headers["content-type"] == "application/json"
    assert request.headers["authorization"] == f"Bearer {TOKEN}"
    assert json.loads(request.body) == {
        "msgtype": "m.text",
        "body": "Session 5 <Attention> & more\n\n"
        "Papers:\n- Attention Is All You Need (Ada)\n@everyone @channel @room @**all**\n\n"
        "https://club.example.org/ml-systems/#session-s05",
        "format": "org.matrix.custom.html",
        "formatted_body": '<h3><a href="https://club.example.org/ml-systems/#session-s05">'
        "Session 5 &lt;Attention&gt; &amp; more</a></h3>\n<p>Papers: <b>Attention</b></p>",
        "m.mentions": {},
    }


def test_matrix_transaction_id_is_stable_so_a_retry_is_deduplicated(http_server, hooks, workspace):
    sent = "/_matrix/client/v3/rooms/%21abcdefg%3Aexample.org/send/m.room.message/"
    http_server.add(
        sent + chat.transaction_id(ROOM, "agenda/s05/1/chat"),
        Response(500, b'{"errcode": "M_UNKNOWN", "error": "busy"}'),
        Response(200, b'{"event_id": "$e1"}'),
    )
    http_server.add(sent + chat.transaction_id(ROOM, "agenda/s06/1/chat"), Response(200, b"{}"))
    (workspace / "netrc").write_text(f"machine 127.0.0.1 login me password {TOKEN}\n")
    (workspace / "netrc").chmod(0o600)
    channel = Channel("matrix", "matrix", {"homeserver": http_server.url, "room": ROOM})
    with pytest.raises(NotSent, match=r"matrix \(127.0.0.1\): HTTP 500 .*M_UNKNOWN busy"):
        hooks.announce(message(), channel)
    assert hooks.announce(message(), channel)  # the retry: the same transaction
    hooks.announce(message(key="agenda/s06/1/chat"), channel)
    first, retry, other = (r.path.rsplit("/", 1)[1] for r in http_server.requests)
    assert first == retry != other
    assert all(r.headers["authorization"] == f"Bearer {TOKEN}" for r in http_server.requests)
    # another room: another transaction, even for the same message
    assert chat.transaction_id("!other:example.org", "agenda/s05/1/chat") != first


# -- failures ------------------------------------------------------------------------------------


def test_a_5xx_is_not_sent_and_names_the_channel_by_host_only(http_server, hooks):
    url = http_server.add(
        SLACK_PATH, Response(500, b"internal_error", {"Content-Type": "text/plain"})
    )
    with pytest.raises(NotSent) as raised:
        hooks.announce(message(), Channel("slack", "team", {"url": url}))
    assert str(raised.value) == "team (127.0.0.1): HTTP 500 Internal Server Error: internal_error"


def test_a_429_says_how_long_to_wait(http_server, hooks):
    url = http_server.add(
        DISCORD_PATH,
        Response(
            429,
            b'{"message": "You are being rate limited.", "retry_after": 64.57}',
            {"Content-Type": "application/json"},
        ),
    )
    with pytest.raises(NotSent) as raised:
        hooks.announce(message(), Channel("discord", "discord", {"url": url}))
    assert str(raised.value) == (
        "discord (127.0.0.1): HTTP 429 Too Many Requests: You are being rate limited.; "
        "the service asks to wait 65 seconds before the next message"
    )
    http_server.add(SLACK_PATH, Response(429, b"", {"Retry-After": "30"}))
    with pytest.raises(NotSent, match="asks to wait 30 seconds"):
        hooks.announce(message(), Channel("slack", "slack", {"url": http_server.url + SLACK_PATH}))


def test_a_redirect_is_not_followed(http_server, hooks):
    elsewhere = http_server.add("/elsewhere", Response(200, b"ok"))
    url = http_server.add(MATTERMOST_PATH, Response(301, headers={"Location": elsewhere}))
    with pytest.raises(NotSent, match="HTTP 301 .*does not follow"):
        hooks.announce(message(), Channel("mattermost", "mm", {"url": url}))
    assert [r.path for r in http_server.requests] == [MATTERMOST_PATH]


def test_a_slow_server_leaves_the_fate_unknown(http_server, hooks, monkeypatch):
    monkeypatch.setattr(chat, "TIMEOUT", 0.3)
    url = http_server.add(SLACK_PATH, Response(200, b"ok", delay=1.0))
    with pytest.raises(FateUnknown) as raised:
        hooks.announce(message(), Channel("slack", "team", {"url": url}))
    assert (
        str(raised.value) == "team (127.0.0.1): no answer in time: the message may have been posted"
    )
    assert len(http_server.requests) == 1  # it did reach the server


def test_a_refused_connection_is_not_sent(http_server, hooks, monkeypatch):
    url = http_server.url + SLACK_PATH
    http_server.stop()
    with pytest.raises(NotSent) as raised:
        hooks.announce(message(), Channel("slack", "team", {"url": url}))
    assert str(raised.value) == "team (127.0.0.1): cannot connect: Connection refused"


SECRETS = ("SlackSecret42", "DiscordSecret42", "MattermostSecret42", TOKEN, API_KEY)


@pytest.mark.parametrize("status", [404, 500, None])
@pytest.mark.parametrize("kind", ["slack", "discord", "mattermost", "zulip", "matrix"])
def test_no_error_shows_a_secret(http_server, hooks, monkeypatch, kind, status):
    monkeypatch.setenv("TOKEN", {"zulip": API_KEY, "matrix": TOKEN}.get(kind, ""))
    paths = {"slack": SLACK_PATH, "discord": DISCORD_PATH, "mattermost": MATTERMOST_PATH}
    # a careless server that quotes the request back, secrets and all
    echo = lambda r: Response(status or 200, f"bad {r.path} {r.headers}".encode())  # noqa: E731
    if kind in paths:
        options = {"url": http_server.url + paths[kind] + "?token=QuerySecret42"}
        http_server.add(paths[kind], echo)
    elif kind == "zulip":
        options = {
            "site": http_server.url,
            "email": "b@example.org",
            "stream": "s",
            "api_key_env": "TOKEN",
        }
        http_server.add("/api/v1/messages", echo)
    else:
        options = {"homeserver": http_server.url, "room": ROOM, "token_env": "TOKEN"}
        http_server.add(
            f"/_matrix/client/v3/rooms/{urllib.parse.quote(ROOM, safe='')}/send/"
            f"m.room.message/{chat.transaction_id(ROOM, message().key)}",
            echo,
        )
    if status is None:  # nothing listens: a connection error
        http_server.stop()
    with pytest.raises(NotSent) as raised:
        hooks.announce(message(), Channel(kind, kind, options))
    shown = str(raised.value)
    assert shown.startswith(f"{kind} (127.0.0.1): ")
    assert not any(secret in shown for secret in (*SECRETS, "QuerySecret42")), shown
    if status:
        assert f"HTTP {status}" in shown


# -- configuration -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "kind, options, problem",
    [
        ("slack", {}, "no webhook URL: give url_env: NAME"),
        (
            "slack",
            {"url_env": "NOT_SET_HERE"},
            "url_env: the environment variable NOT_SET_HERE is not set",
        ),
        ("discord", {"url": "hooks.example.org/Secret42"}, "url: not an http:// or https:// URL"),
        ("discord", {"url": "x", "url_env": "Y"}, "give url or url_env, not both"),
        ("mattermost", {"urll": "x"}, "unknown option 'urll' (did you mean 'url'?)"),
        ("zulip", {"site": "https://z.example.org", "email": "b@example.org"}, "stream: missing"),
        (
            "zulip",
            {"site": "https://z.example.org", "email": "b@example.org", "stream": "s"},
            "no API key: set api_key_env: NAME (an environment variable that holds it), or add "
            "`machine z.example.org login b@example.org password ...` to ~/.netrc",
        ),
        (
            "zulip",
            {"api_key": "Secret42"},
            "api_key: a secret is not read from the config: give api_key_env",
        ),
        ("matrix", {"homeserver": "https://m.example.org"}, "room: missing"),
        (
            "matrix",
            {"homeserver": "https://m.example.org", "room": "#club:example.org"},
            "room: a room id such as !abcdefg:example.org",
        ),
        (
            "matrix",
            {"homeserver": "https://m.example.org", "room": ROOM, "token": "Secret42"},
            "token: a secret is not read from the config: give token_env",
        ),
        (
            "matrix",
            {"homeserver": "https://m.example.org", "room": ROOM},
            "no access token: set token_env: NAME",
        ),
        ("matrix", {"homeserver": 3, "room": ROOM}, "homeserver: not a text"),
    ],
)
def test_a_misconfigured_channel_is_an_error_at_its_line(hooks, kind, options, problem):
    with pytest.raises(PaperclubError) as raised:
        hooks.announce(message(), Channel(kind, "club", options, line=12))
    error = raised.value
    assert type(error) is PaperclubError and error.line == 12
    assert error.message.startswith(f"announce.channels: club ({kind}): {problem}"), error.message
    assert "Secret42" not in error.message


# -- the hook: other types -----------------------------------------------------------------------


def test_paperclub_announce_unknown_type_is_for_no_plugin(hooks):
    assert chat.paperclub_announce(message(), Channel("teams", "teams")) is None
    assert hooks.announce(message(), Channel("teams", "teams")) is False


def test_paperclub_announce_a_plugin_adds_its_own_channel_type(http_server, monkeypatch):
    url = http_server.add("/teams", Response(200, b"1"))

    def paperclub_announce(message, channel):
        if channel.type != "teams":
            return None
        chat.send(
            chat.Post(
                "POST",
                channel.options["url"],
                {"Content-Type": "application/json"},
                json.dumps({"title": message.subject}).encode(),
                channel.name,
            )
        )
        return True

    plugin = types.SimpleNamespace(paperclub_announce=paperclub_announce)
    hooks = Hooks(get_plugin_manager(plugins={"teams": plugin}))
    assert hooks.announce(message(), Channel("teams", "office", {"url": url}))
    assert json.loads(http_server.requests[-1].body) == {"title": "Session 5 <Attention> & more"}
    # the built-in types still go to the built-in plugin
    slack = http_server.add(SLACK_PATH, Response(200, b"ok"))
    assert hooks.announce(message(), Channel("slack", "slack", {"url": slack}))
    assert [r.path for r in http_server.requests] == ["/teams", SLACK_PATH]


# -- the docs ------------------------------------------------------------------------------------


def test_paperclub_announce_the_docs_example_plugin_posts(http_server):
    """docs/plugins.md's ntfy plugin, against the local server."""
    section = (ROOT / "docs" / "plugins.md").read_text().split("\n### paperclub_announce\n")[1]
    code = re.search(r"```python\n(.*?)```", section, re.DOTALL).group(1)
    plugin = types.ModuleType("ntfy")
    exec(compile(code, "ntfy.py", "exec"), plugin.__dict__)
    hooks = Hooks(get_plugin_manager(plugins={"ntfy": plugin}))
    http_server.add("/club", Response(200, b"{}"), Response(500))
    channel = Channel("ntfy", "ntfy", {"topic": "club", "server": http_server.url})
    assert hooks.announce(message(), channel)
    [request] = http_server.requests
    assert request.method == "POST" and request.headers["click"] == message().url
    assert request.body.decode() == f"{message().subject}\n\n{message().text}"
    with pytest.raises(NotSent, match="ntfy: HTTP 500"):
        hooks.announce(message(), channel)
    with pytest.raises(PaperclubError, match="give topic") as raised:
        hooks.announce(message(), Channel("ntfy", "ntfy", {}, line=4))
    assert raised.value.line == 4


def test_the_docs_channels_are_valid_and_every_option_documented():
    doc = (ROOT / "docs" / "announce.md").read_text()
    section = doc.split("## Chat channels\n")[1].split("\n## ")[0]
    config = yaml.safe_load(re.search(r"```yaml\n(.*?)```", section, re.DOTALL).group(1))
    entries = config["announce"]["channels"]
    assert sorted(e["type"] for e in entries) == sorted(chat.OPTIONS)
    for entry in entries:
        options = {k: v for k, v in entry.items() if k not in ("type", "name")}
        chat._check_options(Channel(entry["type"], entry.get("name", entry["type"]), options))
    documented = set(re.findall(r"^\| `(\w+)` \|", section, re.MULTILINE))
    assert documented == {"type", "name"} | {o for known in chat.OPTIONS.values() for o in known}
