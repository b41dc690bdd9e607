"""E-mail address syntax, and domains without a dot, which only a local relay accepts."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from leaddesk.services.email_address import address_problem, is_local_relay
from leaddesk.services.email_templates import RenderedEmail
from leaddesk.services.smtp_account import Security, SmtpAccount, SmtpAccountError
from leaddesk.services.smtp_sender import send

pytest.importorskip("aiosmtpd", reason="aiosmtpd is in the test extra; run `make test`")

from smtp_server import LOOPBACK, Mailbox, start_server  # noqa: E402

NOW = datetime(2026, 5, 4, 10, 0, tzinfo=timezone.utc)
TIMEOUT = 10.0


@pytest.mark.parametrize(
    ("host", "local"),
    [
        ("localhost", True),
        ("LOCALHOST.", True),
        ("127.0.0.1", True),
        ("::1", True),
        ("[::1]", True),
        ("10.1.2.3", True),
        ("192.168.0.25", True),
        ("mailhub", True),
        ("relay.corp.internal", True),
        ("printer.local", True),
        ("mail.home.arpa", True),
        ("smtp.example.com", False),
        ("1.1.1.1", False),
        ("8.8.8.8", False),
        ("", False),
    ],
)
def test_local_relay_hosts(host, local):
    assert is_local_relay(host) is local


def test_single_label_rejected_by_default():
    problem = address_problem("ops@localhost")

    assert problem is not None
    assert "'localhost' has no dot" in problem
    assert "use a full domain such as example.com" in problem


@pytest.mark.parametrize("address", ["ops@localhost", "jo@sales", "jö@büro"])
def test_single_label_accepted_for_relay(address):
    assert address_problem(address, local_relay=True) is None


@pytest.mark.parametrize(
    ("address", "problem"),
    [
        ("ops@-sales", "not a host name"),
        ("ops@sales-", "not a host name"),
        ("ops@sa_les", "not a host name"),
        ("ops@", "no domain after the @"),
        ("ops@sales.", "not a host name"),
    ],
)
def test_relay_still_checks_syntax(address, problem):
    found = address_problem(address, local_relay=True)

    assert found is not None
    assert problem in found


def test_dotted_domain_accepted_everywhere():
    assert address_problem("sam@example.com") is None
    assert address_problem("sam@example.com", local_relay=True) is None


def test_public_server_rejects_dotless_from():
    account = SmtpAccount("smtp.example.com", 587, Security.STARTTLS, "sam", "sam@intranet")

    with pytest.raises(SmtpAccountError) as caught:
        account.validate()

    assert "invalid From address 'sam@intranet'" in str(caught.value)
    assert "'intranet' has no dot" in str(caught.value)


def test_local_relay_accepts_dotless_from():
    SmtpAccount("localhost", 25, Security.NONE, "", "alerts@localhost").validate()
    SmtpAccount("mailhub", 25, Security.NONE, "", "alerts@sales").validate()


def test_loopback_relay_delivers_dotless(request):
    mailbox = Mailbox()
    server = start_server(mailbox)
    request.addfinalizer(server.stop)
    account = SmtpAccount(LOOPBACK, server.port, Security.NONE, "", "alerts@localhost")

    send(account, None, RenderedEmail("ops@localhost", "Disk full", "Body"), "", NOW, None, TIMEOUT)

    assert len(mailbox.messages) == 1
    assert mailbox.messages[0].mail_from == "alerts@localhost"
    assert mailbox.messages[0].rcpt_tos == ["ops@localhost"]
