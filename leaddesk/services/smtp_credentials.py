"""The SMTP password: stored only in the OS keyring, or kept for this session when no keyring exists.

The password is never written to the database, settings or logs. Where keyring has no
usable backend (a headless Linux box without Secret Service, for example), store()
keeps the password in this process only and returns Storage.SESSION, and the user types it again after
a restart.
"""

from __future__ import annotations

import enum
import logging

import keyring
from keyring.errors import KeyringError

logger = logging.getLogger(__name__)

SERVICE_NAME = "LeadDesk SMTP"


class Storage(str, enum.Enum):
    KEYRING = "keyring"
    SESSION = "session"


class SmtpPasswordStore:
    """Passwords per SMTP account ("user@host"), in the keyring or, failing that, in memory."""

    def __init__(self) -> None:
        self._session: dict[str, str] = {}

    def store(self, account: str, password: str) -> Storage:
        """Save the password and return where it went."""
        try:
            keyring.set_password(SERVICE_NAME, account, password)
        except KeyringError as error:
            self._session[account] = password
            logger.warning(
                "no usable keyring (%s); the SMTP password for %s is kept for this session only", error, account
            )
            return Storage.SESSION
        self._session.pop(account, None)
        logger.info("stored the SMTP password for %s in the keyring", account)
        return Storage.KEYRING

    def load(self, account: str) -> str | None:
        """Return the password from this session, then from the keyring, or None."""
        if account in self._session:
            return self._session[account]
        try:
            return keyring.get_password(SERVICE_NAME, account)
        except KeyringError as error:
            logger.warning("could not read the SMTP password for %s from the keyring: %s", account, error)
            return None

    @staticmethod
    def explain(storage: Storage) -> str:
        """Return the sentence for the user about where the password is kept."""
        if storage is Storage.KEYRING:
            return "The password is saved in your system keyring."
        return (
            "No system keyring is available, so the password is kept only until LeadDesk closes. "
            "It was not written to disk."
        )
