"""Announcements as email: the MIME message of a `Message`, and SMTP that tells a message
surely not sent (`NotSent`) from one that may have gone out (`FateUnknown`).

Headers take only what the config gives (addresses) and one-line text: a title or a name
holding CR, LF, commas or angle brackets ends up quoted in a display name or a subject, never
as a header or a recipient of its own. Recipients are given to the server explicitly (the
envelope), never read back from the headers.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import SMTP as SMTP_POLICY
from email.utils import format_datetime
from functools import lru_cache
from types import TracebackType
from typing import TYPE_CHECKING

from paperclub.errors import FateUnknown, NotSent
from paperclub.models import Message, Person
from paperclub.text import one_line

if TYPE_CHECKING:
    import smtplib
    import ssl

    from paperclub.models import Smtp

USER_ENV = "PAPERCLUB_SMTP_USER"
PASSWORD_ENV = "PAPERCLUB_SMTP_PASSWORD"
TIMEOUT = 30  # seconds for each exchange with the server


def address(person: Person) -> Address:
    """`person` as a header address: the display name on one line (quoted as needed by the
    header registry), the address as the config gives it. A ValueError when the address is
    not one mail can use."""
    if not person.email:
        raise ValueError("no email address")
    parsed = Address(addr_spec=person.email)  # raises on what is not one address
    if parsed.addr_spec != person.email:
        raise ValueError(f"{person.email!r} is not a plain email address")
    return Address(display_name=one_line(person.name), addr_spec=person.email)


def mailable(person: Person) -> bool:
    try:
        address(person)
    except (ValueError, IndexError):
        return False
    return True


def method(calendar: bytes) -> str:
    """The iTIP method of a calendar part (REQUEST, CANCEL): its Content-Type names it."""
    for line in calendar.decode("utf-8", "replace").splitlines():
        if line.upper().startswith("METHOD:"):
            return line.split(":", 1)[1].strip().upper()
    return "PUBLISH"


def compose(
    message: Message, sender: Person, now: datetime, list_id: str | None = None
) -> EmailMessage:
    """The MIME message: text and HTML as alternatives, and the invitation (text/calendar
    with its method) as the third, where calendars look for it (RFC 6047)."""
    mail = EmailMessage(policy=SMTP_POLICY)
    mail["From"] = address(sender)
    mail["To"] = [address(r) for r in message.recipients]
    mail["Subject"] = one_line(message.subject)
    mail["Date"] = format_datetime(now)
    mail["Message-ID"] = message.message_id
    if message.in_reply_to:
        mail["In-Reply-To"] = message.in_reply_to[-1]
        mail["References"] = " ".join(message.in_reply_to)
    if list_id:
        mail["List-Id"] = list_id
    mail["Auto-Submitted"] = "auto-generated"  # RFC 3834: no vacation replies to the group
    body = _body(message.text, message.html, message.calendar)
    for name, value in body.items():  # MIME-Version, Content-Type (with its boundary)
        mail[name] = value
    mail.set_payload(body.get_payload())
    return mail


@lru_cache(maxsize=16)
def _body(text: str, html: str, calendar: bytes | None) -> EmailMessage:
    """The parts of a message, without its headers: every member's agenda of a session is
    the same parts, encoded once (the email package takes milliseconds a message)."""
    body = EmailMessage(policy=SMTP_POLICY)
    body.set_content(text)
    body.add_alternative(html, subtype="html")
    if calendar is not None:
        body.add_alternative(
            calendar.decode("utf-8"), subtype="calendar", params={"method": method(calendar)}
        )
    body.set_boundary(_boundary(body))
    return body


def _boundary(mail: EmailMessage) -> str:
    """A boundary made from the content, so the same message is the same bytes (the
    library's own is random), and found nowhere in it (a title cannot end a part early)."""
    import hashlib

    body = b"".join(part.as_bytes() for part in mail.iter_parts())
    for n in range(100):
        candidate = "=_paperclub_" + hashlib.sha256(body + str(n).encode()).hexdigest()[:32]
        if candidate.encode() not in body:
            return candidate
    raise ValueError("no MIME boundary found")  # not reached: a hash is not in the text


def envelope(message: Message) -> list[str]:
    """The recipients the server is given: the message's people's addresses, and no other."""
    return [r.email for r in message.recipients if r.email]


@dataclass(frozen=True)
class Credentials:
    user: str
    password: str = field(repr=False)  # never shown


def credentials(host: str, environ: Mapping[str, str] | None = None) -> Credentials | None:
    """PAPERCLUB_SMTP_USER and PAPERCLUB_SMTP_PASSWORD, else the netrc file's entry for the
    host; None: the server takes mail without a login (a relay on the local network)."""
    from paperclub.netrcfile import login

    environ = os.environ if environ is None else environ
    user, password = environ.get(USER_ENV) or None, environ.get(PASSWORD_ENV) or None
    found = login(host, user, password, environ, env=(USER_ENV, PASSWORD_ENV), what="SMTP password")
    return Credentials(*found) if found is not None else None


class Mailer:
    """One SMTP connection for a run, opened on the first message. Each message goes through
    the stages by hand (MAIL, RCPT, DATA) so a failure can be told apart: before DATA it
    surely was not sent; during or after DATA without the final answer, it may have been."""

    def __init__(self, smtp: Smtp, creds: Credentials | None, timeout: float = TIMEOUT):
        self.smtp, self.creds, self.timeout = smtp, creds, timeout
        self.conn: smtplib.SMTP | None = None
        self.broken: NotSent | None = None  # the server cannot be reached: not tried again

    @property
    def where(self) -> str:
        return f"{self.smtp.host}:{self.smtp.port}"

    def __enter__(self) -> Mailer:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        if self.conn is not None:
            try:
                self.conn.quit()
            except Exception:  # the server went away: nothing more to say to it
                self.conn.close()
            self.conn = None

    def _connect(self) -> smtplib.SMTP:
        import smtplib
        import ssl

        from paperclub.publish import _network_problem

        context = ssl.create_default_context()  # the system's CAs, or SSL_CERT_FILE's
        try:
            if self.smtp.security == "ssl":
                conn: smtplib.SMTP = smtplib.SMTP_SSL(
                    self.smtp.host, self.smtp.port, timeout=self.timeout, context=context
                )
            else:
                conn = smtplib.SMTP(self.smtp.host, self.smtp.port, timeout=self.timeout)
            try:
                self._greet(conn, context)
            except BaseException:
                conn.close()  # a refused login or TLS handshake: the connection is not kept
                raise
        except smtplib.SMTPAuthenticationError as e:
            # the server's answer is left out: some echo what they were given
            user = self.creds.user if self.creds else "?"
            raise NotSent(
                f"the SMTP server {self.where} refused the login of {user} ({e.smtp_code}): "
                f"check {USER_ENV} and {PASSWORD_ENV}, or ~/.netrc"
            ) from None
        except smtplib.SMTPNotSupportedError:
            raise NotSent(f"the SMTP server {self.where} does not take a login") from None
        except ssl.SSLCertVerificationError as e:
            raise NotSent(
                f"the SMTP server {self.where} was not trusted: {_unverified(e)}"
            ) from None
        except (smtplib.SMTPException, OSError) as e:
            problem = _network_problem(e) or _reply(e) or "the server hung up"
            raise NotSent(f"cannot reach the SMTP server {self.where}: {problem}") from None
        return conn

    def _greet(self, conn: smtplib.SMTP, context: ssl.SSLContext) -> None:
        """EHLO, then STARTTLS (and EHLO again, over TLS) as the config asks, then the login."""
        conn.ehlo()
        if self.smtp.security == "starttls":
            if not conn.has_extn("starttls"):
                raise NotSent(
                    f"the SMTP server {self.where} does not offer STARTTLS (set "
                    "announce.smtp.security: ssl or none if that is what it takes)"
                )
            conn.starttls(context=context)
            conn.ehlo()
        if self.creds is not None:
            conn.login(self.creds.user, self.creds.password)

    def send(self, data: bytes, sender: str, recipients: Sequence[str]) -> None:
        """Hand one message over; return once the server has taken it (its final 250).
        NotSent: surely not delivered. FateUnknown: may have been."""
        try:
            self._envelope(sender, recipients)
        except _Dropped:
            # a connection the server dropped while idle: once more on a new one (nothing
            # was handed over yet, so this cannot send it twice)
            self._envelope(sender, recipients, again=True)
        conn = self.conn
        assert conn is not None
        import smtplib

        try:
            code, reply = conn.data(data)
        except smtplib.SMTPResponseException as e:  # the server answered, and said no
            raise NotSent(f"the SMTP server {self.where} refused it: {_reply(e)}") from None
        except (smtplib.SMTPException, OSError) as e:
            self.conn = None
            raise FateUnknown(
                f"the connection to {self.where} ended while the message was handed over "
                f"({_reply(e) or type(e).__name__}): it may have been delivered"
            ) from None

    def _envelope(self, sender: str, recipients: Sequence[str], again: bool = False) -> None:
        import smtplib

        if self.broken is not None:
            raise self.broken
        fresh = self.conn is None
        if fresh:
            try:
                self.conn = self._connect()
            except NotSent as e:
                self.broken = e
                raise
        conn = self.conn
        assert conn is not None
        try:
            code, reply = conn.mail(sender)
            if code != 250:
                conn.rset()
                raise NotSent(
                    f"the SMTP server {self.where} refused the sender {sender}: "
                    + _said(code, reply)  # `530 5.7.0 Must issue a STARTTLS command first`
                )
            refused = []
            for recipient in recipients:
                code, reply = conn.rcpt(recipient)
                if code not in (250, 251):
                    refused.append(f"{recipient} ({code})")
            if refused:
                conn.rset()
                raise NotSent(f"the SMTP server {self.where} refused {', '.join(refused)}")
        except (smtplib.SMTPServerDisconnected, OSError) as e:
            self.conn = None
            if not fresh and not again:
                raise _Dropped from None
            raise NotSent(
                f"the connection to {self.where} ended before the message was handed over "
                f"({_reply(e) or type(e).__name__})"
            ) from None
        except smtplib.SMTPException as e:
            raise NotSent(f"the SMTP server {self.where} refused it: {_reply(e)}") from None


# OpenSSL's verify codes (X509_V_ERR_*): no CA this machine trusts signed the certificate
UNTRUSTED = {2, 18, 19, 20, 21}  # unable to get issuer (locally), self-signed (in chain), leaf
MISMATCH = {62, 64}  # hostname mismatch, IP address mismatch


def _unverified(error: ssl.SSLCertVerificationError) -> str:
    """What was wrong with the server's certificate, and what to do about it: OpenSSL's words
    (`certificate verify failed: unable to get local issuer certificate`) and a hint."""
    problem = one_line(str(error.verify_message or error.reason)).rstrip(".")
    if error.verify_code in UNTRUSTED:
        hint = " (no CA this machine trusts signed it: name a private CA's file in SSL_CERT_FILE)"
    elif error.verify_code in MISMATCH:
        hint = " (set announce.smtp.host to a name the certificate is for)"
    else:
        hint = ""
    return f"certificate verify failed: {problem}{hint}"


class _Dropped(Exception):
    """An idle connection turned out closed before anything was handed over."""


def _reply(error: BaseException) -> str:
    """The server's code and answer, one line, clipped (never a credential: nothing of ours
    is in an answer to MAIL, RCPT or DATA)."""
    return _said(getattr(error, "smtp_code", None), getattr(error, "smtp_error", b""))


def _said(code: int | None, text: bytes | str) -> str:
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    shown = one_line(str(text))[:200]
    return f"{code} {shown}".strip() if code else shown
