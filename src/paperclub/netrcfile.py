"""The netrc file ($NETRC, else ~/.netrc): where the credentials of a CalDAV server, an SMTP
server or a chat service may be kept instead of the environment, one `machine HOST login USER
password SECRET` line each. Read by publish.py, mail.py and the chat plugin alike."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from paperclub.errors import PaperclubError


def netrc_entry(host: str, environ: Mapping[str, str]) -> tuple[str, str] | None:
    """(login, password) of the netrc file's entry for `host`, or None; a file others can
    read, or one that is not a netrc file, is an error naming it (never quoting a token)."""
    import netrc

    explicit = environ.get("NETRC")
    path = Path(explicit).expanduser() if explicit else Path("~/.netrc").expanduser()
    if not path.is_file():
        return None
    try:
        # netrc checks ~/.netrc's permissions only when it finds the file itself
        found = netrc.netrc(None if not explicit and path == Path.home() / ".netrc" else str(path))
    except netrc.NetrcParseError as e:
        if "too permissive" in str(e.msg):
            raise PaperclubError(
                "others can read this file, which holds passwords: chmod 600 it", path=path
            ) from None
        # the parser's message may quote a token of the file, which may be a password
        raise PaperclubError(
            "not a netrc file (machine HOST login USER password ...)", path=path, line=e.lineno
        ) from None
    except OSError as e:
        raise PaperclubError(f"cannot read: {e.strerror}", path=path) from None
    entry = found.authenticators(host)
    if not entry or not entry[0] or entry[2] is None:
        return None
    return entry[0], entry[2]


def login(
    host: str,
    user: str | None,
    password: str | None,
    environ: Mapping[str, str],
    *,
    env: tuple[str, str],
    what: str = "password",
    or_else: str = "",
) -> tuple[str, str] | None:
    """The user and password to log in to `host` with: those given (the environment's, a
    URL's), the password else from the netrc file's entry for the host, for that user (or
    with its login, when no user is given); None: no login. A user without a password, or a
    password without a user, is an error naming what to set (`env`: the user's and the
    password's variables; `or_else`: another way to give the user)."""
    if password is None:
        entry = netrc_entry(host, environ)
        if entry is not None and (user is None or user == entry[0]):
            user, password = entry
    if user is not None and password is None:
        raise PaperclubError(
            f"no {what} for {user} at {host}: set {env[1]}, or add "
            f"`machine {host} login {user} password ...` to ~/.netrc"
        )
    if user is None and password is not None:
        raise PaperclubError(f"{env[1]} is set but no user: set {env[0]}{or_else}")
    return (user, password) if user is not None and password is not None else None
