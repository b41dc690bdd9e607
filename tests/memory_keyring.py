"""An in-memory OS keyring for tests, and fixtures that install it or a failing keyring."""

from __future__ import annotations

from collections.abc import Iterator

import keyring
import keyring.backend
import keyring.backends.fail
import pytest

from leaddesk.services.server_db.credentials import clear_session_passwords


class MemoryKeyring(keyring.backend.KeyringBackend):
    """An OS keyring stand-in that keeps passwords in a dict keyed by (service, username)."""

    priority = 1

    def __init__(self) -> None:
        super().__init__()
        self.passwords: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.passwords.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.passwords[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        self.passwords.pop((service, username), None)


@pytest.fixture
def memory_keyring() -> Iterator[MemoryKeyring]:
    """Install an empty MemoryKeyring, with no server passwords kept for the session, and restore the previous keyring."""
    previous = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    clear_session_passwords()
    yield backend
    keyring.set_keyring(previous)
    clear_session_passwords()


@pytest.fixture
def no_keyring() -> Iterator[None]:
    """Install keyring's fail backend, as on a machine without an OS keyring, and restore the previous keyring."""
    previous = keyring.get_keyring()
    keyring.set_keyring(keyring.backends.fail.Keyring())
    clear_session_passwords()
    yield
    keyring.set_keyring(previous)
    clear_session_passwords()
