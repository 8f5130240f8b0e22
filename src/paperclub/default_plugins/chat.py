"""Chat channels: an announcement posted to Slack, Mattermost, Discord, Zulip or Matrix, each
as the service documents it, by the standard library's urllib (no dependency).

- slack: an incoming webhook; POST JSON `{"text": ...}` in Slack's mrkdwn, links as
  `<url|text>`, `&`, `<`, `>` escaped (https://api.slack.com/messaging/webhooks,
  https://api.slack.com/reference/surfaces/formatting#escaping).
- mattermost: an incoming webhook; POST JSON `{"text": ...}` in Markdown
  (https://developers.mattermost.com/integrate/webhooks/incoming/).
- discord: Execute Webhook; POST JSON `{"content": ...}`, Markdown of 2,000 characters at
  most, with `allowed_mentions` empty so a title cannot ping @everyone
  (https://discord.com/developers/docs/resources/webhook#execute-webhook).
- zulip: `POST {site}/api/v1/messages`, form fields type=stream, to, topic, content (Zulip
  Markdown), HTTP basic auth with the bot's email and API key
  (https://zulip.com/api/send-message).
- matrix: `PUT {homeserver}/_matrix/client/v3/rooms/{room}/send/m.room.message/{txnId}`
  with a Bearer token; an `m.text` event with a plain `body` and an `org.matrix.custom.html`
  `formatted_body`; the txnId comes from the message's key, so the server deduplicates a
  retry (https://spec.matrix.org/v1.18/client-server-api/#put_matrixclientv3roomsroomidsendeventtypetxnid,
  https://spec.matrix.org/v1.18/client-server-api/#mtext).

A webhook URL is a secret (the token is in its path), and so are the API key and the token:
every message names a channel as "name (host)", never its URL. A refused connection, a
failed DNS lookup, a 4xx or 5xx answer is NotSent (it surely did not go out); no answer once
the request was sent is FateUnknown (it may have).
"""

from __future__ import annotations

import base64
import difflib
import hashlib
import html
import http.client
import json
import os
import re
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from email.message import Message as Headers
from typing import Any

from paperclub.errors import FateUnknown, NotSent, PaperclubError
from paperclub.fetch import USER_AGENT
from paperclub.hookspecs import hookimpl
from paperclub.models import Channel, Message

TIMEOUT = 10.0  # seconds to connect, and then for each read of the answer
DISCORD_LIMIT = 2000  # characters of a Discord message's content
ZULIP_TOPIC_LIMIT = 60  # characters of a Zulip topic
DETAIL_LIMIT = 200  # characters of a service's own explanation of an error, in ours

WEBHOOK_OPTIONS = ("url", "url_env")
OPTIONS = {
    "slack": WEBHOOK_OPTIONS,
    "mattermost": WEBHOOK_OPTIONS,
    "discord": WEBHOOK_OPTIONS,
    "zulip": ("site", "email", "stream", "topic", "api_key_env"),
    "matrix": ("homeserver", "room", "token_env"),
}
# keys a user might try for a secret that is read only from the environment or netrc
SECRET_KEYS = ("token", "api_key", "key", "password", "access_token")


@dataclass(frozen=True)
class Post:
    """One HTTP request to a chat service, ready to send."""

    method: str
    url: str  # holds a secret for a webhook: never shown
    headers: dict[str, str]
    body: bytes
    where: str  # "name (host)", for messages
    secrets: tuple[str, ...] = ()  # what an error must never show (the URL's path, a token)


@hookimpl(trylast=True)
def paperclub_announce(message: Message, channel: Channel) -> bool | None:
    post = request(message, channel)
    if post is None:
        return None
    send(post)
    return True


def request(
    message: Message, channel: Channel, environ: Mapping[str, str] | None = None
) -> Post | None:
    """The request that posts `message` to `channel`; None for a type not built in. Raises
    PaperclubError (at the channel's line) when its options are wrong or a secret missing."""
    build = BUILDERS.get(channel.type)
    if build is None:
        return None
    _check_options(channel)
    return build(message, channel, os.environ if environ is None else environ)


# -- each service's request ----------------------------------------------------------------------


def _slack(message: Message, channel: Channel, environ: Mapping[str, str]) -> Post:
    title = _slack_escape(message.subject)
    if message.url:
        title = f"<{_slack_url(message.url)}|{title}>"
    text = f"*{title}*\n{_slack_escape(message.text)}"
    return _webhook(channel, environ, {"text": text})


def _mattermost(message: Message, channel: Channel, environ: Mapping[str, str]) -> Post:
    # @channel, @all and @here from a webhook notify everyone: a title cannot
    text = f"**{_md_title(message)}**\n\n" + re.sub(
        r"@(?=(all|channel|here)\b)", "@\u200b", message.text
    )
    return _webhook(channel, environ, {"text": text})


def _discord(message: Message, channel: Channel, environ: Mapping[str, str]) -> Post:
    content = _discord_content(f"**{_md_title(message)}**", message.text, message.url)
    return _webhook(channel, environ, {"content": content, "allowed_mentions": {"parse": []}})


def _zulip(message: Message, channel: Channel, environ: Mapping[str, str]) -> Post:
    site, host = _url_option(channel, "site", _text(channel, "site"))
    email = _text(channel, "email")
    stream = _text(channel, "stream")
    topic = _text(channel, "topic", required=False) or message.subject
    key = _secret(channel, "api_key_env", host, environ, login=email)
    # `@**all**`, `@*group*`: Zulip's wildcard and group mentions; a title cannot notify
    content = f"**{_md_title(message)}**\n\n" + message.text.replace("@*", "@\u200b*")
    body = urllib.parse.urlencode(
        {"type": "stream", "to": stream, "topic": topic[:ZULIP_TOPIC_LIMIT], "content": content}
    ).encode()
    auth = base64.b64encode(f"{email}:{key}".encode()).decode("ascii")
    return Post(
        "POST",
        site.rstrip("/") + "/api/v1/messages",
        {"Content-Type": "application/x-www-form-urlencoded", "Authorization": f"Basic {auth}"},
        body,
        f"{channel.name} ({host})",
        (key, auth),
    )


def _matrix(message: Message, channel: Channel, environ: Mapping[str, str]) -> Post:
    homeserver, host = _url_option(channel, "homeserver", _text(channel, "homeserver"))
    room = _text(channel, "room")
    if not room.startswith("!") or ":" not in room:
        raise _bad(
            channel,
            "room: a room id such as !abcdefg:example.org (Element: Room settings > "
            "Advanced > Internal room ID), not an alias",
        )
    token = _secret(channel, "token_env", host, environ)
    plain = f"{message.subject}\n\n{message.text}"
    heading = html.escape(message.subject, quote=False)
    if message.url:
        plain += f"\n\n{message.url}"
        heading = f'<a href="{html.escape(message.url)}">{heading}</a>'
    content = {
        "msgtype": "m.text",
        "body": plain,
        "format": "org.matrix.custom.html",
        "formatted_body": f"<h3>{heading}</h3>\n{_html_body(message.html)}",
        # present and empty: no mention, not even @room in a title (intentional mentions)
        "m.mentions": {},
    }
    path = "/_matrix/client/v3/rooms/{}/send/m.room.message/{}".format(
        urllib.parse.quote(room, safe=""), transaction_id(room, message.key)
    )
    return Post(
        "PUT",
        homeserver.rstrip("/") + path,
        {"Content-Type": "application/json", "Authorization": f"Bearer {token}"},
        _json(content),
        f"{channel.name} ({host})",
        (token,),
    )


BUILDERS: dict[str, Callable[[Message, Channel, Mapping[str, str]], Post]] = {
    "slack": _slack,
    "mattermost": _mattermost,
    "discord": _discord,
    "zulip": _zulip,
    "matrix": _matrix,
}


def transaction_id(room: str, key: str) -> str:
    """Matrix's txnId for the message `key` in `room`: the same on every retry, so the
    homeserver answers a repeated request with the event it made the first time."""
    return "paperclub-" + hashlib.sha256(f"{room}\n{key}".encode()).hexdigest()[:32]


def _webhook(channel: Channel, environ: Mapping[str, str], payload: dict[str, Any]) -> Post:
    has_url, has_env = "url" in channel.options, "url_env" in channel.options
    if has_url and has_env:
        raise _bad(channel, "give url or url_env, not both")
    if has_env:
        variable = _text(channel, "url_env")
        value = environ.get(variable, "").strip()
        if not value:
            raise _bad(channel, f"url_env: the environment variable {variable} is not set")
        url, host = _url_option(channel, f"the URL in {variable}", value)
    elif has_url:
        url, host = _url_option(channel, "url", _text(channel, "url"))
    else:
        raise _bad(
            channel,
            "no webhook URL: give url_env: NAME (an environment variable that holds it) or url",
        )
    parts = urllib.parse.urlsplit(url)
    return Post(
        "POST",
        url,
        {"Content-Type": "application/json"},
        _json(payload),
        f"{channel.name} ({host})",
        (parts.path, parts.query) if parts.path not in ("", "/") else (parts.query,),
    )


# -- formatting ----------------------------------------------------------------------------------


def _slack_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _slack_url(url: str) -> str:
    # a | would end the address, a > the link
    return _slack_escape(url).replace("|", "%7C")


def _md_title(message: Message) -> str:
    """The subject as Markdown, a link to the message's page when it has one."""
    title = re.sub(r"([\\`*_~\[\]<>#|])", r"\\\1", message.subject)
    if not message.url:
        return title
    url = message.url.replace(" ", "%20").replace("(", "%28").replace(")", "%29")
    return f"[{title}]({url})"


def _units(text: str) -> int:
    """Length as Discord counts it, in UTF-16 code units (JavaScript's string length), so an
    emoji outside the BMP counts twice: never too long by Discord's count."""
    return len(text.encode("utf-16-le")) // 2


def _clip(text: str, units: int) -> str:
    """The longest start of `text` of at most `units` UTF-16 code units."""
    used = 0
    for i, char in enumerate(text):
        used += _units(char)
        if used > units:
            return text[:i]
    return text


def _discord_content(head: str, text: str, url: str | None) -> str:
    """`head` and `text` in DISCORD_LIMIT characters: whole lines as long as they fit, then
    an ellipsis and a link to the page with the rest."""
    whole = f"{head}\n{text}"
    if _units(whole) <= DISCORD_LIMIT:
        return whole
    tail = "\n…" + (f"\nMore: <{url}>" if url else "")
    room = DISCORD_LIMIT - _units(tail)
    kept = _clip(head, room)
    for line in text.splitlines():
        if _units(kept) + 1 + _units(line) > room:
            break
        kept += "\n" + line
    return kept + tail


def _html_body(document: str) -> str:
    """What is inside <body> of an HTML document (a fragment as it is): Matrix clients show a
    fragment, and drop <html>, <head> and <style>."""
    found = re.search(r"<body[^>]*>(.*)</body>", document, re.DOTALL | re.IGNORECASE)
    return (found.group(1) if found else document).strip()


def _json(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, sort_keys=True).encode()


# -- options and secrets -------------------------------------------------------------------------


def _bad(channel: Channel, problem: str) -> PaperclubError:
    return PaperclubError(
        f"announce.channels: {channel.name} ({channel.type}): {problem}", line=channel.line
    )


def _check_options(channel: Channel) -> None:
    known = OPTIONS[channel.type]
    for key in channel.options:
        if key in known:
            continue
        secret_env = [k for k in known if k.endswith("_env") and k != "url_env"]
        if key in SECRET_KEYS and secret_env:
            raise _bad(
                channel,
                f"{key}: a secret is not read from the config: give {secret_env[0]}: NAME "
                "(an environment variable that holds it), or put it in ~/.netrc",
            )
        close = difflib.get_close_matches(str(key), known, n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else f" (known: {', '.join(known)})"
        raise _bad(channel, f"unknown option {key!r}{hint}")


def _text(channel: Channel, key: str, *, required: bool = True) -> str:
    value = channel.options.get(key)
    if value is None and not required:
        return ""
    if not isinstance(value, str) or not value.strip():
        raise _bad(channel, f"{key}: " + ("missing" if value is None else "not a text"))
    return value.strip()


def _url_option(channel: Channel, what: str, url: str) -> tuple[str, str]:
    """`url` and its host, checked (an http or https URL with a host); `what` names it in an
    error, which never shows the URL."""
    try:
        parts = urllib.parse.urlsplit(url)
        scheme, host = parts.scheme, parts.hostname
        parts.port  # noqa: B018 (raises on a bad port)
    except ValueError:
        scheme, host = "", None
    if scheme not in ("http", "https") or not host:
        raise _bad(channel, f"{what}: not an http:// or https:// URL")
    return url, host


def _secret(
    channel: Channel,
    option: str,
    host: str,
    environ: Mapping[str, str],
    *,
    login: str | None = None,
) -> str:
    """The API key or token: from the environment variable the option names, else the
    password of ~/.netrc's entry for `host` (whose login must be `login` when given)."""
    from paperclub.netrcfile import netrc_entry

    if option in channel.options:
        variable = _text(channel, option)
        value = environ.get(variable, "").strip()
        if not value:
            raise _bad(channel, f"{option}: the environment variable {variable} is not set")
        return value
    entry = netrc_entry(host, environ)
    if entry is not None and (login is None or entry[0] == login):
        return entry[1]
    what = "API key" if login else "access token"
    machine = f"machine {host} login {login or 'paperclub'} password ..."
    raise _bad(
        channel,
        f"no {what}: set {option}: NAME (an environment variable that holds it), or add "
        f"`{machine}` to ~/.netrc",
    )


# -- sending -------------------------------------------------------------------------------------


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """A redirect is an error: following it would carry the Authorization header and the
    message to an address nobody configured."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


def send(post: Post) -> None:
    """Make the request; NotSent when it surely did not go out, FateUnknown when it may have."""
    opener = urllib.request.build_opener(_NoRedirect)
    headers = {"User-Agent": USER_AGENT, **post.headers}
    req = urllib.request.Request(post.url, data=post.body, headers=headers, method=post.method)
    try:
        answer = opener.open(req, timeout=TIMEOUT)
    except urllib.error.HTTPError as e:
        body = _read(e)
        e.close()
        raise NotSent(_refused(post, e.code, e.reason, e.headers, body)) from None
    except urllib.error.URLError as e:
        # raised while connecting or sending the request: it never reached the service
        reason = e.reason.strerror if isinstance(e.reason, OSError) else None
        raise NotSent(_scrub(f"{post.where}: cannot connect: {reason or e.reason}", post)) from None
    except (OSError, http.client.HTTPException) as e:
        # the request went out and no answer came (a timeout, a dropped connection)
        what = "no answer in time" if isinstance(e, TimeoutError) else f"no answer ({e})"
        raise FateUnknown(
            _scrub(f"{post.where}: {what}: the message may have been posted", post)
        ) from None
    with answer:
        _read(answer)  # the answer is 2xx: posted, whatever the rest of the body does


def _read(answer: Any) -> bytes:
    try:
        return bytes(answer.read(64 * 1024))
    except (OSError, http.client.HTTPException):
        return b""


def _refused(post: Post, status: int, reason: str, headers: Headers, body: bytes) -> str:
    text = f"{post.where}: HTTP {status} {reason}".rstrip()
    detail = _detail(body, headers.get("Content-Type", ""))
    if detail:
        text += f": {detail}"
    if 300 <= status < 400:
        text += " (a redirect: paperclub does not follow one; give the channel's new address)"
    if status == 429:
        wait = _retry_after(headers.get("Retry-After"), body)
        text += f"; the service asks to wait {wait} before the next message" if wait else ""
    return _scrub(text, post)


def _detail(body: bytes, content_type: str) -> str:
    """The service's own explanation: Zulip's `msg`, Matrix's `errcode` and `error`,
    Discord's and Mattermost's `message`, or Slack's plain text (`no_service`)."""
    text = body.decode("utf-8", "replace").strip()
    if not text:
        return ""
    try:
        found = json.loads(text)
    except ValueError:
        found = None
    if isinstance(found, dict):
        parts = [found.get(k) for k in ("errcode", "error", "msg", "message")]
        text = " ".join(str(p) for p in parts if isinstance(p, (str, int)) and str(p))
    elif "html" in content_type:
        return ""
    line = " ".join(text.split())
    return line if len(line) <= DETAIL_LIMIT else line[: DETAIL_LIMIT - 1] + "…"


def _retry_after(header: str | None, body: bytes) -> str | None:
    """How long a 429 asks to wait, in words: Retry-After (seconds or a date), or the body's
    `retry_after` (Discord, seconds) or `retry_after_ms` (Matrix)."""
    if header and header.strip():
        try:
            return _seconds(float(header))
        except ValueError:
            return f"until {header.strip()}"  # an HTTP date
    try:
        found = json.loads(body)
    except ValueError:
        return None
    if isinstance(found, dict):
        if isinstance(found.get("retry_after_ms"), (int, float)):
            return _seconds(found["retry_after_ms"] / 1000)
        if isinstance(found.get("retry_after"), (int, float)):
            return _seconds(found["retry_after"])
    return None


def _seconds(value: float) -> str:
    whole = max(1, round(value))
    return f"{whole} second{'s' if whole != 1 else ''}"


def _scrub(text: str, post: Post) -> str:
    """`text` without the URL or any secret of `post`, should a server or a library have
    quoted one."""
    for secret in sorted((s for s in (post.url, *post.secrets) if s), key=len, reverse=True):
        text = text.replace(secret, "…")
    return text
