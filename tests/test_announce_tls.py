"""`paperclub announce` over TLS, against the local SMTP server with certificates the tests
make (tests/certs.py): STARTTLS and SMTPS, a login only over TLS, and certificates the client
must refuse. The client trusts the tests' CA as a user trusts a private CA: SSL_CERT_FILE."""

from __future__ import annotations

import gc
import warnings
from pathlib import Path
from types import SimpleNamespace

import pytest

from certs import make_ca, make_server
from conftest import TODAY
from smtpserver import SmtpServer
from test_announce import MEMBERS, announce, configure

NOW = "2026-12-01T08:00"  # s01's agenda is due (3 days before 3 Dec), to the 5 members
FIRST = "agenda of 2026-12-03 to Ada Lovelace <ada@example.org>"


@pytest.fixture(scope="module")
def certs(tmp_path_factory):
    """The club's CA and its certificates for 127.0.0.1 and for mail.example.org only, and
    another CA that signed none of them."""
    tmp = tmp_path_factory.mktemp("certs")
    ca = make_ca(tmp / "club-ca", "Club CA")
    return SimpleNamespace(
        ca=ca,
        other_ca=make_ca(tmp / "other-ca", "Other CA"),
        localhost=make_server(ca, tmp / "localhost", "IP:127.0.0.1"),
        elsewhere=make_server(ca, tmp / "elsewhere", "DNS:mail.example.org"),
    )


@pytest.fixture
def servers():
    """Start SMTP servers with `servers(tls=..., certificate=...)`; all are stopped after."""
    started: list[SmtpServer] = []

    def start(**options) -> SmtpServer:
        started.append(SmtpServer(**options).start())
        return started[-1]

    yield start
    for server in started:
        server.stop()


def configure_tls(schedule, server: SmtpServer, security: str, **rules) -> None:
    configure(schedule, server.port, **rules)
    schedule.write_text(schedule.read_text().replace("security: none", f"security: {security}"))


def planned(run, schedule, server: SmtpServer, security: str) -> None:
    configure_tls(schedule, server, security, agenda="3 days before")
    assert run("plan", str(schedule), "--today", TODAY).exit_code == 0


def test_starttls_sends_over_tls_and_logs_in_only_then(run, schedule, servers, certs, monkeypatch):
    from aiosmtpd.smtp import AuthResult

    logins = []

    def authenticator(server, session, envelope, mechanism, data):
        logins.append((data.login, data.password, session.ssl is not None))
        ok = (data.login, data.password) == (b"ada", b"s3cret-Pa55")
        return AuthResult(success=ok, handled=False)  # handled=False: the server answers 535

    server = servers(tls="starttls", certificate=certs.localhost, authenticator=authenticator)
    planned(run, schedule, server, "starttls")
    monkeypatch.setenv("SSL_CERT_FILE", str(certs.ca.cert))
    monkeypatch.setenv("PAPERCLUB_SMTP_USER", "ada")
    monkeypatch.setenv("PAPERCLUB_SMTP_PASSWORD", "s3cret-Pa55")
    result = announce(run, schedule, "--due", "--now", NOW)
    assert result.exit_code == 0, result
    assert result.stdout.count("sent agenda of 2026-12-03") == 5
    assert "s3cret" not in result.stdout + result.stderr
    # one connection, one login, checked by the server, over the TLS session
    assert logins == [(b"ada", b"s3cret-Pa55", True)]
    assert len(server.messages) == 5
    assert {m.tls for m in server.messages} <= {"TLSv1.2", "TLSv1.3"}

    # a wrong password: refused by the server, named without the password, and the
    # connection closed (it was left open, found when collected: a ResourceWarning)
    monkeypatch.setenv("PAPERCLUB_SMTP_PASSWORD", "wrong-Pa55")
    configure_tls(schedule, server, "starttls", agenda="3 days before", presenter="7 days before")
    gc.collect()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ResourceWarning)
        refused = announce(run, schedule, "--due", "--now", NOW)
        gc.collect()
    assert [w.message for w in caught if w.category is ResourceWarning] == []
    assert refused.exit_code == 1
    assert "refused the login of ada (535)" in refused.stderr
    assert "Pa55" not in refused.stdout + refused.stderr
    assert len(server.messages) == 5


def test_a_server_that_requires_starttls_refuses_mail_in_the_clear(run, schedule, servers, certs):
    server = servers(tls="starttls", certificate=certs.localhost)
    planned(run, schedule, server, "none")
    result = announce(run, schedule, "--due", "--now", NOW)
    assert result.exit_code == 1
    assert result.stderr.splitlines()[0] == (
        f"failed: {FIRST}: the SMTP server 127.0.0.1:{server.port} refused the sender "
        "ada@example.org: 530 Must issue a STARTTLS command first (sent again next run)"
    )
    assert [line[:8] for line in result.stderr.splitlines()] == ["failed: "] * 5
    assert server.messages == []


def test_ssl_sends_over_tls_from_the_first_byte(run, schedule, servers, certs, monkeypatch):
    server = servers(tls="ssl", certificate=certs.localhost)
    planned(run, schedule, server, "ssl")
    monkeypatch.setenv("SSL_CERT_FILE", str(certs.ca.cert))
    result = announce(run, schedule, "--due", "--now", NOW)
    assert result.exit_code == 0, result
    assert result.stdout.count("sent agenda of 2026-12-03") == 5
    assert len(server.messages) == 5
    assert {m.tls for m in server.messages} <= {"TLSv1.2", "TLSv1.3"}


@pytest.mark.parametrize("security", ["starttls", "ssl"])
def test_a_certificate_the_client_does_not_trust_sends_nothing_until_it_does(
    run, schedule, servers, certs, monkeypatch, tmp_path, security
):
    server = servers(tls=security, certificate=certs.localhost)
    planned(run, schedule, server, security)
    monkeypatch.setenv("SSL_CERT_FILE", str(certs.other_ca.cert))
    first = announce(run, schedule, "--due", "--now", NOW)
    assert first.exit_code == 1
    assert first.stdout == ""
    assert first.stderr.splitlines()[0] == (
        f"failed: {FIRST}: the SMTP server 127.0.0.1:{server.port} was not trusted: "
        "certificate verify failed: unable to get local issuer certificate (no CA this machine "
        "trusts signed it: name a private CA's file in SSL_CERT_FILE) (sent again next run)"
    )
    assert [line[:8] for line in first.stderr.splitlines()] == ["failed: "] * 5
    assert server.messages == []
    status = announce(run, schedule, "--status", "--now", NOW)
    assert status.stdout.endswith("\n5 failed.\n")

    if security == "starttls":  # docs/announce.md shows this line
        docs = (Path(__file__).parent.parent / "docs" / "announce.md").read_text()
        (shown,) = [line for line in docs.splitlines() if "was not trusted" in line]
        real = first.stderr.splitlines()[0]
        assert shown.replace("smtp.example.org:587", f"127.0.0.1:{server.port}") == real

    # trusted now, as docs/announce.md says: a file of the CAs trusted before and the club's;
    # each message goes out once
    bundle = tmp_path / "cas.pem"
    bundle.write_text(certs.other_ca.cert.read_text() + certs.ca.cert.read_text())
    monkeypatch.setenv("SSL_CERT_FILE", str(bundle))
    second = announce(run, schedule, "--due", "--now", "2026-12-01T09:00")
    assert second.exit_code == 0, second
    assert second.stdout.count("sent agenda of 2026-12-03") == 5
    assert len(server.messages) == 5
    assert sorted(r for m in server.messages for r in m.rcpt_tos) == sorted(MEMBERS)
    again = announce(run, schedule, "--due", "--now", "2026-12-01T10:00")
    assert again.stdout == "Nothing to send.\n"


@pytest.mark.parametrize("security", ["starttls", "ssl"])
def test_a_certificate_for_another_host_is_refused(
    run, schedule, servers, certs, monkeypatch, security
):
    server = servers(tls=security, certificate=certs.elsewhere)  # mail.example.org only
    planned(run, schedule, server, security)
    monkeypatch.setenv("SSL_CERT_FILE", str(certs.ca.cert))
    result = announce(run, schedule, "--due", "--now", NOW)
    assert result.exit_code == 1
    assert result.stderr.splitlines()[0] == (
        f"failed: {FIRST}: the SMTP server 127.0.0.1:{server.port} was not trusted: "
        "certificate verify failed: IP address mismatch, certificate is not valid for "
        "'127.0.0.1' (set announce.smtp.host to a name the certificate is for) "
        "(sent again next run)"
    )
    assert server.messages == []
