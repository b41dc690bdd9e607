"""Server passwords against a real PostgreSQL server: asked once, kept in the keyring, never in a file or log."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from memory_keyring import MemoryKeyring
from pg_server import PASSWORD_ROLE, PASSWORD_ROLE_SECRET

from leaddesk.services.database import Database, DatabaseError
from leaddesk.services.server_db.address import ServerAddress, mask_url_text
from leaddesk.services.server_db.credentials import KEYRING_SERVICE, NO_KEYRING_NOTICE, clear_session_passwords


class Prompt:
    """A password prompt that answers from a list and records each call."""

    def __init__(self, *answers: str | None) -> None:
        self.answers = list(answers)
        self.calls: list[tuple[str, str | None]] = []

    def __call__(self, address: ServerAddress, failure: str | None) -> str | None:
        self.calls.append((str(address), failure))
        return self.answers.pop(0) if self.answers else None


@pytest.fixture
def password_url(pg_server, pg_url: str) -> str:
    """The test database's URL for the role that must send a password."""
    if not pg_server.owns_cluster:
        pytest.skip("password tests need the throwaway cluster, which has the password role")
    address = ServerAddress.parse(pg_url)
    return str(ServerAddress(address.url.set(username=PASSWORD_ROLE)))


def test_password_asked_once_then_keyring(password_url: str, memory_keyring: MemoryKeyring):
    prompt = Prompt(PASSWORD_ROLE_SECRET)

    Database.open(password_url, password_prompt=prompt).dispose()
    clear_session_passwords()
    Database.open(password_url, password_prompt=prompt).dispose()

    assert len(prompt.calls) == 1
    key = ServerAddress.parse(password_url).keyring_key
    assert key.startswith(f"{PASSWORD_ROLE}@127.0.0.1:")
    assert memory_keyring.passwords == {(KEYRING_SERVICE, key): PASSWORD_ROLE_SECRET}


def test_without_keyring_session_only(password_url: str, no_keyring):
    prompt = Prompt(PASSWORD_ROLE_SECRET)
    notices: list[str] = []

    Database.open(password_url, password_prompt=prompt, notice=notices.append).dispose()
    Database.open(password_url, password_prompt=prompt, notice=notices.append).dispose()

    assert len(prompt.calls) == 1
    assert notices == [NO_KEYRING_NOTICE]
    clear_session_passwords()
    with pytest.raises(DatabaseError, match="wants a password"):
        Database.open(password_url, password_prompt=None)


def test_wrong_password_asks_again(password_url: str, memory_keyring: MemoryKeyring):
    prompt = Prompt("wrong", PASSWORD_ROLE_SECRET)

    Database.open(password_url, password_prompt=prompt).dispose()

    assert [failure for _address, failure in prompt.calls] == [None, "The password was rejected."]
    assert list(memory_keyring.passwords.values()) == [PASSWORD_ROLE_SECRET]


def test_rejected_stored_password_forgotten(password_url: str, memory_keyring: MemoryKeyring):
    key = ServerAddress.parse(password_url).keyring_key
    memory_keyring.passwords[(KEYRING_SERVICE, key)] = "outdated"
    prompt = Prompt(PASSWORD_ROLE_SECRET)

    Database.open(password_url, password_prompt=prompt).dispose()

    assert len(prompt.calls) == 1
    assert memory_keyring.passwords[(KEYRING_SERVICE, key)] == PASSWORD_ROLE_SECRET


def test_cancelled_prompt_opens_nothing(password_url: str, memory_keyring: MemoryKeyring):
    with pytest.raises(DatabaseError, match="no password was given"):
        Database.open(password_url, password_prompt=Prompt(None))

    assert memory_keyring.passwords == {}


def test_no_prompt_explains_terminal(password_url: str, memory_keyring: MemoryKeyring):
    with pytest.raises(DatabaseError) as caught:
        Database.open(password_url, password_prompt=None)

    assert "wants a password" in str(caught.value)
    assert "terminal" in str(caught.value)


def test_password_never_in_logs_or_files(
    password_url: str, memory_keyring: MemoryKeyring, caplog: pytest.LogCaptureFixture, tmp_path: Path
):
    caplog.set_level(logging.DEBUG)
    with_password = password_url.replace(f"{PASSWORD_ROLE}@", f"{PASSWORD_ROLE}:{PASSWORD_ROLE_SECRET.replace(' ', '%20')}@")

    database = Database.open(with_password)
    try:
        assert PASSWORD_ROLE_SECRET not in database.location
    finally:
        database.dispose()
    Database.open(password_url, password_prompt=Prompt(PASSWORD_ROLE_SECRET)).dispose()

    assert PASSWORD_ROLE_SECRET not in caplog.text
    assert "correct%20horse" not in caplog.text
    for path in tmp_path.rglob("*"):
        if path.is_file():
            assert PASSWORD_ROLE_SECRET.encode() not in path.read_bytes(), path


def test_wrong_url_password_masked(password_url: str, memory_keyring: MemoryKeyring):
    with_password = password_url.replace(f"{PASSWORD_ROLE}@", f"{PASSWORD_ROLE}:not-it@")

    with pytest.raises(DatabaseError) as caught:
        Database.open(with_password, password_prompt=Prompt(PASSWORD_ROLE_SECRET))

    assert "not-it" not in str(caught.value)
    assert "password was rejected" in str(caught.value)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("postgresql://ann:s3cret@db.example:5433/leads", "postgresql://ann:***@db.example:5433/leads"),
        ("postgresql://ann@db.example/leads", "postgresql://ann@db.example/leads"),
        ("leads.sqlite", "leads.sqlite"),
    ],
)
def test_mask_url_text(text: str, expected: str):
    assert mask_url_text(text) == expected


@pytest.mark.parametrize(
    ("text", "missing"),
    [("postgresql://db.example/leads", "user"), ("postgresql://ann@db.example", "database name")],
)
def test_incomplete_url_named(text: str, missing: str):
    with pytest.raises(DatabaseError, match=missing):
        Database.open(text)


def test_address_string_masks_password():
    address = ServerAddress.parse("postgres://ann:s3cret@db.example/leads")

    assert str(address) == "postgresql://ann:***@db.example/leads"
    assert address.keyring_key == "ann@db.example:5432/leads"
