"""Email templates, mailto: links and the SMTP password's keyring failure path."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

import keyring
import pytest
from keyring.errors import PasswordSetError
from memory_keyring import MemoryKeyring

from leaddesk.models import Lead
from leaddesk.services.email_templates import EmailTemplate, TemplateError, find_template, render
from leaddesk.services.smtp_credentials import SmtpPasswordStore, Storage

SECRET = "s3cret-Pa55-do-not-store"


def test_render_fills_placeholders():
    lead = Lead(first_name="Priya", last_name="Raman", email="priya@quillstack.example", company="Quillstack")

    email = render(find_template("first_touch"), lead, "Sam Rivera")

    assert email.to == "priya@quillstack.example"
    assert email.subject == "Your request at Quillstack"
    assert email.body.startswith("Hi Priya,\n\nthanks for reaching out.")
    assert email.body.endswith("Best,\nSam Rivera")


def test_missing_values_use_fallbacks():
    lead = Lead(email="info@example.com")

    email = render(find_template("follow_up"), lead, "Sam")

    assert email.subject == "Following up, there"
    assert "a priority for your team?" in email.body


def test_mailto_url_encodes_text():
    lead = Lead(first_name="Zoë", email="zoe+leads@example.com", company="A&B Ltd")

    url = render(find_template("first_touch"), lead, "Sam").mailto_url()

    parts = urlsplit(url)
    query = parse_qs(parts.query)
    assert parts.scheme == "mailto"
    assert unquote(parts.path) == "zoe+leads@example.com"
    assert query["subject"] == ["Your request at A&B Ltd"]
    assert query["body"][0].startswith("Hi Zoë,\r\n\r\nthanks")
    assert " " not in url
    assert "\n" not in url


def test_template_errors_name_value():
    lead = Lead(first_name="Jo", email="jo@example.com")
    bad = EmailTemplate("bad", "Bad", "Hi {firstname}", "")

    with pytest.raises(TemplateError, match=r"unknown placeholder \{firstname\}; use one of: \{first_name\}"):
        render(bad, lead, "Sam")
    with pytest.raises(TemplateError, match="has no email address"):
        render(find_template("first_touch"), Lead(full_name="No Mail"), "Sam")
    with pytest.raises(TemplateError, match="unknown template 'cold'"):
        find_template("cold")
    with pytest.raises(TemplateError, match="invalid brace in template text"):
        render(EmailTemplate("brace", "Brace", "Hi {first_name", ""), lead, "Sam")


class BrokenKeyring(MemoryKeyring):
    def set_password(self, service, username, password):
        raise PasswordSetError("Secret Service is not running")


@pytest.fixture
def restore_keyring():
    previous = keyring.get_keyring()
    yield
    keyring.set_keyring(previous)


def test_password_goes_to_keyring(restore_keyring):
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    store = SmtpPasswordStore()

    assert store.store("sam@smtp.example.com", SECRET) is Storage.KEYRING
    assert backend.passwords == {("LeadDesk SMTP", "sam@smtp.example.com"): SECRET}
    assert SmtpPasswordStore().load("sam@smtp.example.com") == SECRET


def test_keyring_failure_keeps_session_only(restore_keyring, database, db_path, isolated_data_dir, caplog):
    keyring.set_keyring(BrokenKeyring())
    store = SmtpPasswordStore()

    storage = store.store("sam@smtp.example.com", SECRET)

    assert storage is Storage.SESSION
    assert store.load("sam@smtp.example.com") == SECRET
    assert SmtpPasswordStore().load("sam@smtp.example.com") is None
    assert SmtpPasswordStore.explain(storage) == (
        "No system keyring is available, so the password is kept only until LeadDesk closes. It was not written to disk."
    )
    assert SECRET not in caplog.text
    database.dispose()
    written = [path for path in (db_path.parent, isolated_data_dir) if path.exists()]
    for folder in written:
        for path in Path(folder).rglob("*"):
            if path.is_file():
                assert SECRET.encode() not in path.read_bytes(), path


def test_default_fail_backend_keeps_session_only(restore_keyring):
    from keyring.backends import fail

    keyring.set_keyring(fail.Keyring())

    assert SmtpPasswordStore().store("sam@smtp.example.com", SECRET) is Storage.SESSION
