"""A local SMTP server for the tests of `paperclub announce`: aiosmtpd's Controller on
127.0.0.1, port 0 (a free one), started and stopped by the `smtp_server` fixture, recording
each message's envelope and bytes as the server received them.

    def test_x(smtp_server):
        ... announce.smtp: {host: 127.0.0.1, port: smtp_server.port, security: none} ...
        assert [m.rcpt_tos for m in smtp_server.messages] == [["ada@example.org"]]

It can be told to fail as servers do: `die_after = 3` takes three messages, then is gone (the
connection closed before the next MAIL, new connections refused); `drop_in_data = {2}` reads
the 2nd message's data and hangs up without the final answer (the client cannot know whether
it was delivered); `refuse = {"grace@example.org"}` answers RCPT TO with 550.

With TLS, a certificate (tests/certs.py) and `tls="starttls"` (offered, and required before
MAIL and AUTH) or `tls="ssl"` (SMTPS: TLS from the first byte); each message records the TLS
version the server saw it over (`tls`, None: in the clear):

    server = SmtpServer(tls="starttls", certificate=localhost).start()
"""

from __future__ import annotations

import email
import email.policy
import threading
import time
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Any

import pytest
from aiosmtpd.controller import Controller


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    data: bytes  # as the server got it (CRLF line ends)
    tls: str | None = None  # the TLS version the message came over: `TLSv1.3`

    @property
    def parsed(self) -> EmailMessage:
        return email.message_from_bytes(self.data, policy=email.policy.default)  # type: ignore[return-value]


class Handler:
    def __init__(self, server: SmtpServer):
        self.server = server

    async def handle_MAIL(
        self, smtp: Any, session: Any, envelope: Any, address: str, options: Any
    ) -> str:
        if self.server.dead:
            smtp.transport.close()  # killed: no answer, the connection just ends
            return "421 gone"
        envelope.mail_from = address
        return "250 OK"

    async def handle_RCPT(
        self, smtp: Any, session: Any, envelope: Any, address: str, options: Any
    ) -> str:
        if address in self.server.refuse:
            return "550 no such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, smtp: Any, session: Any, envelope: Any) -> str:
        server = self.server
        with server.lock:
            server.seen += 1
            n = server.seen
            tls = smtp.transport.get_extra_info("ssl_object")
            server.messages.append(
                Received(
                    envelope.mail_from,
                    list(envelope.rcpt_tos),
                    envelope.original_content,
                    tls.version() if tls is not None else None,
                )
            )
        if n in server.drop_in_data:
            smtp.transport.close()  # taken, but the client never hears so
            return "250 OK"
        if server.die_after is not None and n >= server.die_after:
            server.dead = True
            threading.Thread(target=server.stop, args=(server.controller, 0.3), daemon=True).start()
        return "250 OK"


class _Controller(Controller):
    def _trigger_server(self) -> None:
        self.port = self.server.sockets[0].getsockname()[1]  # the free port 0 was given
        super()._trigger_server()


@dataclass
class SmtpServer:
    die_after: int | None = None
    drop_in_data: set[int] = field(default_factory=set)
    refuse: set[str] = field(default_factory=set)
    messages: list[Received] = field(default_factory=list)
    seen: int = 0
    dead: bool = False
    lock: threading.Lock = field(default_factory=threading.Lock)
    stopping: threading.Lock = field(default_factory=threading.Lock)
    authenticator: Any = None  # aiosmtpd's: AUTH offered when given (over TLS, with tls)
    tls: str | None = None  # "starttls" or "ssl", with a certificate
    certificate: Any = None  # a certs.Pair
    controller: Any = None

    @property
    def port(self) -> int:
        return int(self.controller.port)

    def start(self) -> SmtpServer:
        options: dict[str, Any] = {}
        if self.authenticator:
            options["authenticator"] = self.authenticator
            # aiosmtpd's default: no AUTH before TLS; only a server without TLS lifts it
            options["auth_require_tls"] = self.tls is not None
        if self.tls == "starttls":
            options.update(tls_context=self.certificate.context(), require_starttls=True)
        elif self.tls == "ssl":
            options.update(ssl_context=self.certificate.context())
        self.controller = _Controller(Handler(self), hostname="127.0.0.1", port=0, **options)
        self.controller.start()
        return self

    def stop(self, controller: Any = None, after: float = 0.0) -> None:
        time.sleep(after)  # killed right after a 250: let that answer reach the client
        controller = controller or self.controller
        with self.stopping:
            if controller is not None and controller._thread is not None:
                controller.stop()

    def restart(self) -> SmtpServer:
        """A new server (another port) with the same record: the old one came back."""
        self.stop()
        self.dead, self.die_after = False, None
        self.controller = None
        return self.start()


@pytest.fixture
def smtp_server():
    server = SmtpServer().start()
    try:
        yield server
    finally:
        server.stop()
