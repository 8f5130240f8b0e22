"""paperclub.mail: the MIME message of an announcement, and SMTP by stages against a real
server on 127.0.0.1 (tests/smtpserver.py): refused, dropped, and what each means."""

from __future__ import annotations

import email
import email.policy
from datetime import datetime, timezone

import pytest

from paperclub import mail
from paperclub.errors import FateUnknown, NotSent, PaperclubError
from paperclub.models import Message, Person, Smtp

NOW = datetime(2026, 12, 1, 7, 0, tzinfo=timezone.utc)
ADA = Person("Ada Lovelace", "ada@example.org")


def message(**changes) -> Message:
    fields = dict(
        key="agenda/s01/0/grace@example.org",
        kind="agenda",
        subject="Reading group, Thu 3 Dec: Speculative decoding",
        text="The session.\n",
        html="<p>The session.</p>\n",
        session="s01",
        recipients=(Person("Grace Hopper", "grace@example.org"),),
        message_id="<abc.ml-systems@example.org>",
    )
    fields.update(changes)
    return Message(**fields)


def parsed(data: bytes) -> email.message.EmailMessage:
    return email.message_from_bytes(data, policy=email.policy.default)


def test_compose_quotes_hostile_names_and_subjects_into_their_own_header():
    evil = Person('Eve\r\nBcc: mallory@evil.example, "M" <m@evil.example>', "eve@example.org")
    m = message(
        subject="Title\r\nBcc: mallory@evil.example\r\n\r\nbody",
        recipients=(evil,),
        in_reply_to=("<a@example.org>", "<b@example.org>"),
    )
    data = mail.compose(m, ADA, NOW, "Group <g.lists.example.org>").as_bytes()
    msg = parsed(data)
    headers = data.split(b"\r\n\r\n", 1)[0]
    assert b"\r\nBcc:" not in headers and msg["Bcc"] is None
    assert [a.addr_spec for a in msg["To"].addresses] == ["eve@example.org"]
    assert (
        msg["To"].addresses[0].display_name == 'Eve Bcc: mallory@evil.example, "M" <m@evil.example>'
    )
    assert msg["Subject"].strip() == "Title Bcc: mallory@evil.example body"
    assert msg["In-Reply-To"] == "<b@example.org>"
    assert msg["References"] == "<a@example.org> <b@example.org>"
    assert msg["List-Id"] == "Group <g.lists.example.org>"
    assert msg["Date"] == "Tue, 01 Dec 2026 07:00:00 +0000"
    assert mail.envelope(m) == ["eve@example.org"]


def test_an_address_that_is_not_one_is_not_mailable():
    assert mail.mailable(ADA)
    assert not mail.mailable(Person("X", None))
    assert not mail.mailable(Person("X", "a,b@example.org"))
    assert not mail.mailable(Person("X", "a@example.org>, <b@evil.example"))


def test_compose_gives_the_same_bytes_for_the_same_message():
    cal = b"BEGIN:VCALENDAR\r\nMETHOD:CANCEL\r\nEND:VCALENDAR\r\n"
    one = mail.compose(message(calendar=cal), ADA, NOW).as_bytes()
    assert one == mail.compose(message(calendar=cal), ADA, NOW).as_bytes()
    part = list(parsed(one).iter_parts())[2]
    assert part.get_content_type() == "text/calendar" and part.get_param("method") == "CANCEL"


def server_config(smtp_server, security: str = "none") -> Smtp:
    return Smtp("127.0.0.1", smtp_server.port, security)


def test_send_hands_the_message_over_with_the_given_envelope(smtp_server):
    data = mail.compose(message(), ADA, NOW).as_bytes()
    with mail.Mailer(server_config(smtp_server), None, timeout=5) as mailer:
        mailer.send(data, "ada@example.org", ["grace@example.org"])
    (got,) = smtp_server.messages
    assert got.mail_from == "ada@example.org" and got.rcpt_tos == ["grace@example.org"]
    assert parsed(got.data)["Message-ID"] == "<abc.ml-systems@example.org>"


def test_a_refused_recipient_is_surely_not_sent(smtp_server):
    smtp_server.refuse = {"grace@example.org"}
    data = mail.compose(message(), ADA, NOW).as_bytes()
    with mail.Mailer(server_config(smtp_server), None, timeout=5) as mailer:
        with pytest.raises(NotSent, match=r"refused grace@example.org \(550\)"):
            mailer.send(data, "ada@example.org", ["grace@example.org"])
        mailer.send(data, "ada@example.org", ["ada@example.org"])  # the connection goes on
    assert [m.rcpt_tos for m in smtp_server.messages] == [["ada@example.org"]]


def test_a_drop_during_data_is_fate_unknown(smtp_server):
    smtp_server.drop_in_data = {1}
    data = mail.compose(message(), ADA, NOW).as_bytes()
    with mail.Mailer(server_config(smtp_server), None, timeout=5) as mailer:
        with pytest.raises(FateUnknown, match="may have been delivered"):
            mailer.send(data, "ada@example.org", ["grace@example.org"])
        mailer.send(data, "ada@example.org", ["grace@example.org"])  # a new connection
    assert len(smtp_server.messages) == 2


def test_a_server_without_starttls_is_not_used_unencrypted(smtp_server):
    data = mail.compose(message(), ADA, NOW).as_bytes()
    with mail.Mailer(server_config(smtp_server, "starttls"), None, timeout=5) as mailer:
        with pytest.raises(NotSent, match="does not offer STARTTLS"):
            mailer.send(data, "ada@example.org", ["grace@example.org"])
        with pytest.raises(NotSent, match="does not offer STARTTLS"):  # not tried again
            mailer.send(data, "ada@example.org", ["grace@example.org"])
    assert smtp_server.messages == []


def test_a_server_that_is_not_there_is_surely_not_sent(smtp_server):
    port = smtp_server.port
    smtp_server.stop()
    with mail.Mailer(Smtp("127.0.0.1", port, "none"), None, timeout=5) as mailer:
        with pytest.raises(NotSent, match="connection refused"):
            mailer.send(b"x", "ada@example.org", ["grace@example.org"])


def test_credentials_from_the_environment_or_netrc(tmp_path):
    assert mail.credentials("mail.example.org", {}) is None
    creds = mail.credentials(
        "mail.example.org", {mail.USER_ENV: "ada", mail.PASSWORD_ENV: "s3cret"}
    )
    assert creds is not None and (creds.user, creds.password) == ("ada", "s3cret")
    assert "s3cret" not in repr(creds)
    netrc = tmp_path / "netrc"
    netrc.write_text("machine mail.example.org login ada password fromnetrc\n")
    netrc.chmod(0o600)
    creds = mail.credentials("mail.example.org", {"NETRC": str(netrc)})
    assert creds is not None and creds.password == "fromnetrc"
    with pytest.raises(PaperclubError, match="no SMTP password for bob") as e:
        mail.credentials("mail.example.org", {mail.USER_ENV: "bob", "NETRC": str(netrc)})
    assert "fromnetrc" not in str(e.value)
