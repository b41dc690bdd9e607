"""The name that signs emails: the SMTP account's name, then the user's rep, never the OS login."""

from __future__ import annotations

import pytest

from leaddesk.models import Rep
from leaddesk.services.email_sender_name import resolve_sender_name
from leaddesk.services.notifications.preferences import NotifyPreferences, save_preferences
from leaddesk.services.smtp_account import Security, SmtpAccount, SmtpAccountError


def account(display_name: str = "") -> SmtpAccount:
    return SmtpAccount("smtp.example.com", 587, Security.STARTTLS, "t2", "sam@example.com", display_name=display_name)


def test_account_name_comes_first(database):
    with database.session() as session:
        session.add(Rep(name="Sam Lee", email="sam@example.com"))
        session.flush()

        assert resolve_sender_name(session, "t2", account("Samantha Lee")) == "Samantha Lee"


def test_preferences_rep_name_used(database):
    with database.session() as session:
        save_preferences(session, NotifyPreferences(user="t2", rep_name="Ana Ruiz"))

        assert resolve_sender_name(session, "t2", None) == "Ana Ruiz"
        assert resolve_sender_name(session, "t2", account()) == "Ana Ruiz"


def test_rep_matched_by_from_address(database):
    with database.session() as session:
        session.add(Rep(name="Sam Lee", email="Sam@Example.com"))
        session.flush()

        assert resolve_sender_name(session, "t2", account()) == "Sam Lee"


def test_no_rep_gives_empty_name(database):
    with database.session() as session:
        assert resolve_sender_name(session, "t2", account()) == ""
        assert resolve_sender_name(session, "t2", None) == ""


def test_account_name_rejects_line_break():
    with pytest.raises(SmtpAccountError, match="invalid name 'Sam\\\\nBcc: x'"):
        account("Sam\nBcc: x").validate()
