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
