"""SMTP sending against a real aiosmtpd server on 127.0.0.1: STARTTLS, SSL, login and each failure's message."""

from __future__ import annotations

import socket
import ssl
import uuid
from datetime import datetime, timedelta, timezone
from email import message_from_bytes
from email.policy import default as default_policy
from pathlib import Path

import pytest

from leaddesk.models import Activity, Lead
from leaddesk.services.email_templates import RenderedEmail
from leaddesk.services.smtp_account import Security, SmtpAccount, SmtpAccountError, load_account, save_account
from leaddesk.services.smtp_sender import SmtpSendError, log_sent, send

pytest.importorskip("aiosmtpd", reason="aiosmtpd is in the test extra; run `make test`")

from smtp_server import LOOPBACK, Mailbox, free_loopback_port, self_signed_certificate, start_server  # noqa: E402

NOW = datetime(2026, 5, 4, 10, 0, tzinfo=timezone.utc)
USER, PASSWORD = "sam", "s3cret-pw"
EMAIL = RenderedEmail("jo@example.com", "Your request at Acme", "Hi Jo,\n\nwhen would a call suit you?\n\nBest,\nSam")
# Seconds. Short, so a test of a server that never responds fails fast.
TIMEOUT = 5.0


@pytest.fixture
def certificate(tmp_path: Path) -> tuple[Path, Path]:
    return self_signed_certificate(tmp_path)


@pytest.fixture
def trusting(certificate) -> ssl.SSLContext:
    """A client context that trusts only the test's self-signed certificate."""
    return ssl.create_default_context(cafile=str(certificate[0]))


def _account(port: int, security: Security, username: str = USER) -> SmtpAccount:
    return SmtpAccount(LOOPBACK, port, security, username, "sam@example.com")


def _serve(request, mailbox: Mailbox, **options):
    controller = start_server(mailbox, **options)
    request.addfinalizer(controller.stop)
    return controller


def test_starttls_login_delivers_message(request, certificate, trusting):
    mailbox = Mailbox()
    server = _serve(request, mailbox, tls="starttls", certificate=certificate, login=(USER, PASSWORD))

    message_id = send(_account(server.port, Security.STARTTLS), PASSWORD, EMAIL, "Sam Seller", NOW, trusting, TIMEOUT)

    assert mailbox.logins == [USER]
    assert len(mailbox.messages) == 1
    envelope = mailbox.messages[0]
    assert envelope.rcpt_tos == ["jo@example.com"]
    assert envelope.mail_from == "sam@example.com"
    received = message_from_bytes(envelope.original_content, policy=default_policy)
    assert received["Subject"] == "Your request at Acme"
    assert received["From"] == "Sam Seller <sam@example.com>"
    assert received["Message-ID"] == message_id
    assert "when would a call suit you?" in received.get_content()


# Over implicit SSL aiosmtpd cannot tell that the connection is encrypted, and warns about AUTH without TLS.
@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
def test_ssl_login_delivers_message(request, certificate, trusting):
    mailbox = Mailbox()
    server = _serve(request, mailbox, tls="ssl", certificate=certificate, login=(USER, PASSWORD))

    send(_account(server.port, Security.SSL), PASSWORD, EMAIL, "", NOW, trusting, TIMEOUT)

    assert mailbox.logins == [USER]
    assert [envelope.rcpt_tos for envelope in mailbox.messages] == [["jo@example.com"]]


def test_wrong_password_names_password(request, certificate, trusting):
    mailbox = Mailbox()
    server = _serve(request, mailbox, tls="starttls", certificate=certificate, login=(USER, PASSWORD))

    with pytest.raises(SmtpSendError) as caught:
        send(_account(server.port, Security.STARTTLS), "wrong", EMAIL, "", NOW, trusting, TIMEOUT)

    assert caught.value.setting == "Password"
    assert "SMTP login as 'sam'" in str(caught.value)
    assert "check User and Password" in str(caught.value)
    assert "wrong" not in str(caught.value)
    assert mailbox.messages == []


def test_untrusted_certificate_is_rejected(request, certificate):
    mailbox = Mailbox()
    server = _serve(request, mailbox, tls="starttls", certificate=certificate, login=(USER, PASSWORD))

    with pytest.raises(SmtpSendError) as caught:
        # The system's trusted certificates do not include the self-signed one.
        send(_account(server.port, Security.STARTTLS), PASSWORD, EMAIL, "", NOW, ssl.create_default_context(), TIMEOUT)

    assert caught.value.setting == "Host"
    assert "is not trusted" in str(caught.value)
    assert mailbox.logins == []
    assert mailbox.messages == []


def test_server_without_starttls_names_security(request, trusting):
    mailbox = Mailbox()
    server = _serve(request, mailbox)

    with pytest.raises(SmtpSendError) as caught:
        send(_account(server.port, Security.STARTTLS), PASSWORD, EMAIL, "", NOW, trusting, TIMEOUT)

    assert caught.value.setting == "Security"
    assert "does not offer STARTTLS" in str(caught.value)
    assert mailbox.messages == []


def test_ssl_to_plain_server_names_security(request, trusting):
    mailbox = Mailbox()
    server = _serve(request, mailbox)

    with pytest.raises(SmtpSendError) as caught:
        send(_account(server.port, Security.SSL), PASSWORD, EMAIL, "", NOW, trusting, TIMEOUT)

    assert caught.value.setting == "Security"
    assert "TLS with SMTP server" in str(caught.value)
    assert "port 465 uses SSL and port 587 uses STARTTLS" in str(caught.value)


def test_closed_port_names_host_and_port(trusting):
    port = free_loopback_port()

    with pytest.raises(SmtpSendError) as caught:
        send(_account(port, Security.STARTTLS), PASSWORD, EMAIL, "", NOW, trusting, TIMEOUT)

    assert caught.value.setting == "Host"
    assert f"could not reach SMTP server {LOOPBACK}:{port}" in str(caught.value)
    assert "check Host and Port" in str(caught.value)


def test_unknown_host_names_host(monkeypatch, trusting):
    def no_such_host(*_args, **_kwargs):
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    # No name lookup leaves the machine: the resolver itself is replaced.
    monkeypatch.setattr(socket, "getaddrinfo", no_such_host)
    account = SmtpAccount("smtp.nowhere.example", 587, Security.STARTTLS, USER, "sam@example.com")

    with pytest.raises(SmtpSendError) as caught:
        send(account, PASSWORD, EMAIL, "", NOW, trusting, TIMEOUT)

    assert caught.value.setting == "Host"
    assert "SMTP host 'smtp.nowhere.example' not found" in str(caught.value)


def test_missing_password_fails_before_connecting(monkeypatch, trusting):
    def no_connection(*_args, **_kwargs):
        raise AssertionError("send() opened a connection without a password")

    monkeypatch.setattr(socket, "create_connection", no_connection)

    with pytest.raises(SmtpSendError) as caught:
        send(_account(587, Security.STARTTLS), None, EMAIL, "", NOW, trusting, TIMEOUT)

    assert caught.value.setting == "Password"
    assert "no SMTP password is stored for sam@127.0.0.1" in str(caught.value)


def test_relay_without_login_delivers(request, trusting):
    mailbox = Mailbox()
    server = _serve(request, mailbox)

    send(_account(server.port, Security.NONE, username=""), None, EMAIL, "", NOW, trusting, TIMEOUT)

    assert len(mailbox.messages) == 1
    assert mailbox.logins == []


@pytest.mark.parametrize(
    ("account", "expected"),
    [
        (SmtpAccount("", 587, Security.STARTTLS, USER, "sam@example.com"), "invalid SMTP host ''"),
        (SmtpAccount("smtp.example.com", 0, Security.STARTTLS, USER, "sam@example.com"), "invalid SMTP port 0"),
        (SmtpAccount("smtp.example.com", 587, Security.STARTTLS, USER, "sam"), "invalid From address 'sam'"),
        (SmtpAccount("smtp.example.com", 25, Security.NONE, USER, "sam@example.com"), "set Security to STARTTLS or SSL"),
        (
            SmtpAccount("[smtp.example.com]", 587, Security.STARTTLS, USER, "sam@example.com"),
            "brackets may only enclose an IP address",
        ),
        (SmtpAccount("[::1", 587, Security.STARTTLS, USER, "sam@example.com"), "invalid SMTP host '[::1'"),
    ],
)
def test_account_validation_names_setting(account, expected):
    with pytest.raises(SmtpAccountError) as caught:
        account.validate()

    assert expected in str(caught.value)


def test_account_round_trip(database):
    account = _account(587, Security.STARTTLS)
    with database.session() as session:
        assert load_account(session, "sam") is None
        save_account(session, "sam", account)
    with database.session() as session:
        assert load_account(session, "sam") == account
        assert load_account(session, "ana") is None


def test_sent_email_stops_response_clock(database):
    with database.session() as session:
        lead = Lead(
            full_name="Jo Doe",
            email="jo@example.com",
            received_at=NOW - timedelta(minutes=20),
            response_due_at=NOW + timedelta(minutes=10),
        )
        session.add(lead)
        session.flush()
        lead_id: uuid.UUID = lead.id

    with database.session() as session:
        logged = log_sent(session, lead_id, EMAIL, "first_touch", "sam", NOW)

    assert logged.first_contact is True
    with database.session() as session:
        lead = session.get(Lead, lead_id)
        activity = session.get(Activity, logged.activity_id)
        assert lead.first_contacted_at == NOW
        assert lead.stage == "contacted"
        assert activity.kind == "email"
        assert activity.summary == "Email sent: Your request at Acme (first_touch template, by SMTP to jo@example.com)"


@pytest.mark.parametrize(
    "recipient",
    ["jo@example.com\r\nBcc: eve@example.com", "jo@example.com\n", "jo@", "jo example.com"],
)
def test_bad_recipient_names_value(request, trusting, recipient):
    mailbox = Mailbox()
    server = _serve(request, mailbox)
    email = RenderedEmail(recipient, "Hi", "Body")

    with pytest.raises(SmtpSendError) as caught:
        send(_account(server.port, Security.NONE, username=""), None, email, "", NOW, trusting, TIMEOUT)

    assert caught.value.setting == "Recipient"
    assert repr(recipient) in str(caught.value)
    assert "fix the lead's email address" in str(caught.value)
    assert mailbox.messages == []


def test_newline_in_subject_is_folded(request, trusting):
    mailbox = Mailbox()
    server = _serve(request, mailbox)
    email = RenderedEmail("jo@example.com", "Hi Jo\r\nBcc: eve@example.com", "Body")

    send(_account(server.port, Security.NONE, username=""), None, email, "Sam\nSeller", NOW, trusting, TIMEOUT)

    assert len(mailbox.messages) == 1
    envelope = mailbox.messages[0]
    assert envelope.rcpt_tos == ["jo@example.com"]
    received = message_from_bytes(envelope.content, policy=default_policy)
    assert received["Subject"] == "Hi Jo Bcc: eve@example.com"
    assert received["Bcc"] is None
    assert received["From"] == "Sam Seller <sam@example.com>"


def test_non_ascii_recipient_without_smtputf8(request, trusting):
    mailbox = Mailbox()
    server = _serve(request, mailbox, smtputf8=False)
    email = RenderedEmail("jörg@bücher.example", "Hi", "Body")

    with pytest.raises(SmtpSendError) as caught:
        send(_account(server.port, Security.NONE, username=""), None, email, "", NOW, trusting, TIMEOUT)

    message = str(caught.value)
    assert "does not support SMTPUTF8" in message
    assert "'jörg@bücher.example'" in message
    assert "login" not in message
    assert caught.value.setting == "Recipient"


def test_non_ascii_recipient_with_smtputf8(request, trusting):
    mailbox = Mailbox()
    server = _serve(request, mailbox)
    email = RenderedEmail("jörg@bücher.example", "Hi", "Body")

    send(_account(server.port, Security.NONE, username=""), None, email, "", NOW, trusting, TIMEOUT)

    assert mailbox.messages[0].rcpt_tos == ["jörg@bücher.example"]


@pytest.mark.parametrize(
    ("from_address", "problem"),
    [
        ("sam@", "no domain after the @"),
        ("@example.com", "nothing before the @"),
        ("sam@example", "has no dot"),
        (" sam@example.com", "contains a space"),
    ],
)
def test_from_address_validation(from_address, problem):
    account = SmtpAccount("smtp.example.com", 587, Security.STARTTLS, USER, from_address)

    with pytest.raises(SmtpAccountError) as caught:
        account.validate()

    assert f"invalid From address {from_address!r}" in str(caught.value)
    assert problem in str(caught.value)


def _has_ipv6_loopback() -> bool:
    if not socket.has_ipv6:
        return False
    try:
        with socket.socket(socket.AF_INET6, socket.SOCK_STREAM) as probe:
            probe.bind(("::1", 0))
    except OSError:
        return False
    return True


@pytest.mark.skipif(not _has_ipv6_loopback(), reason="this machine has no IPv6 loopback address ::1")
def test_bracketed_ipv6_host_delivers(request):
    mailbox = Mailbox()
    server = _serve(request, mailbox, host="::1")
    account = SmtpAccount("[::1]", server.port, Security.NONE, "", "sam@localhost")

    account.validate()
    send(account, None, EMAIL, "Sam Seller", NOW, timeout=TIMEOUT)

    assert account.connect_host == "::1"
    assert [envelope.rcpt_tos for envelope in mailbox.messages] == [["jo@example.com"]]
