"""Server passwords: asked once, then kept in the OS keyring, or for this session only without one.

A password is never written to a file or a log. The keyring entry's service is "LeadDesk"
and its user name is the address's user@host:port/db.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

import keyring
import keyring.backends.fail
import keyring.errors

from leaddesk.services.server_db.address import ServerAddress

logger = logging.getLogger(__name__)

KEYRING_SERVICE = "LeadDesk"

PasswordPrompt = Callable[[ServerAddress, str | None], str | None]
"""Asks for the password of an address; the second argument is why the last one failed, if it did.
Returns None when the user cancels."""

Notice = Callable[[str], None]

NO_KEYRING_NOTICE = "No OS keyring is available, so the server password is kept for this session only."

# Passwords of this process for addresses whose keyring could not store them.
_session_passwords: dict[str, str] = {}

# The prompt and notice sink for Database.open calls that pass none. The CLI installs a
# getpass prompt when stdin is a terminal.
_default_prompt: PasswordPrompt | None = None
_default_notice: Notice | None = None


def set_default_prompt(prompt: PasswordPrompt | None, notice: Notice | None = None) -> None:
    """Set the password prompt and notice sink for opens that pass none; None turns prompting off."""
    global _default_prompt, _default_notice
    _default_prompt = prompt
    _default_notice = notice


def default_prompt() -> tuple[PasswordPrompt | None, Notice | None]:
    return _default_prompt, _default_notice


def keyring_available() -> bool:
    return not isinstance(keyring.get_keyring(), keyring.backends.fail.Keyring)


def stored_password(address: ServerAddress) -> str | None:
    """Return the password kept for address in this session or in the OS keyring, or None."""
    if address.keyring_key in _session_passwords:
        return _session_passwords[address.keyring_key]
    if not keyring_available():
        return None
    try:
        return keyring.get_password(KEYRING_SERVICE, address.keyring_key)
    except keyring.errors.KeyringError as error:
        logger.warning("reading the password of %s from the OS keyring failed: %s", address.keyring_key, error)
        return None


def remember_password(address: ServerAddress, password: str, notice: Notice | None = None) -> None:
    """Store a password that worked in the OS keyring, or for this session when no keyring works."""
    _session_passwords[address.keyring_key] = password
    if keyring_available():
        try:
            keyring.set_password(KEYRING_SERVICE, address.keyring_key, password)
            logger.info("stored the password of %s in the OS keyring", address.keyring_key)
            return
        except keyring.errors.KeyringError as error:
            logger.warning("storing the password of %s in the OS keyring failed: %s", address.keyring_key, error)
    logger.info("no OS keyring; keeping the password of %s for this session only", address.keyring_key)
    if notice is not None:
        notice(NO_KEYRING_NOTICE)


def forget_password(address: ServerAddress) -> None:
    """Delete a stored password that the server rejected, so the next attempt prompts again."""
    _session_passwords.pop(address.keyring_key, None)
    if not keyring_available():
        return
    try:
        keyring.delete_password(KEYRING_SERVICE, address.keyring_key)
    except keyring.errors.PasswordDeleteError:
        pass
    except keyring.errors.KeyringError as error:
        logger.warning("deleting the password of %s from the OS keyring failed: %s", address.keyring_key, error)


def clear_session_passwords() -> None:
    _session_passwords.clear()
