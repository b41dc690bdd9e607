"""A user's SMTP account (host, port, security, user name, From address), stored in the settings table.

The password is not part of it: smtp_credentials.SmtpPasswordStore keeps that in the OS
keyring. Without a saved account LeadDesk sends no email itself and opens the mail app.
"""

from __future__ import annotations

import enum
import ipaddress
import json
import logging
from dataclasses import asdict, dataclass

from sqlalchemy.orm import Session

from leaddesk.models import Setting
from leaddesk.services.email_address import address_problem, is_local_relay

logger = logging.getLogger(__name__)

MAX_PORT = 65535


class Security(str, enum.Enum):
    """The encryption of the connection. STARTTLS upgrades a plain connection, and SSL starts with TLS."""

    STARTTLS = "starttls"
    SSL = "ssl"
    NONE = "none"


# The port each security setting usually runs on (RFC 8314 for 465, RFC 6409 for 587).
DEFAULT_PORTS = {Security.STARTTLS: 587, Security.SSL: 465, Security.NONE: 25}


class SmtpAccountError(ValueError):
    """An SMTP setting that cannot be used. The message names the setting and the fix."""


@dataclass(frozen=True)
class SmtpAccount:
    host: str
    port: int
    security: Security
    # Empty for a server that sends without logging in, such as a local relay.
    username: str
    from_address: str
    # The name in the From header and under emails. Empty means the user's rep name, if any.
    display_name: str = ""

    @property
    def connect_host(self) -> str:
        """Return the host to open a socket to: an IP literal written "[::1]" without its brackets."""
        host = self.host.strip()
        if host.startswith("[") and host.endswith("]"):
            return host[1:-1]
        return host

    @property
    def password_key(self) -> str:
        """Return the keyring account name of the password, "user@host"."""
        return f"{self.username}@{self.host}"

    def validate(self) -> None:
        """Raise SmtpAccountError naming the first unusable setting."""
        if not self.host.strip() or any(character.isspace() for character in self.host.strip()):
            raise SmtpAccountError(f"invalid SMTP host {self.host!r}; type the server name, such as smtp.example.com")
        host = self.host.strip()
        if host.startswith("[") or host.endswith("]"):
            if not (host.startswith("[") and host.endswith("]") and _is_ip_address(host[1:-1])):
                raise SmtpAccountError(
                    f"invalid SMTP host {self.host!r}: brackets may only enclose an IP address; "
                    "type a server name such as smtp.example.com, or an address such as [::1]"
                )
        if not 1 <= self.port <= MAX_PORT:
            raise SmtpAccountError(f"invalid SMTP port {self.port}; use 587 for STARTTLS or 465 for SSL")
        problem = address_problem(self.from_address, local_relay=is_local_relay(self.host))
        if problem:
            raise SmtpAccountError(
                f"invalid From address {self.from_address!r}: {problem}; type your email address, such as sam@example.com"
            )
        if any(character in self.display_name for character in "\r\n<>\""):
            raise SmtpAccountError(
                f"invalid name {self.display_name!r}: it may not contain line breaks, quotes or angle brackets; "
                "type your name as recipients should see it, such as Sam Lee"
            )
        if self.username and self.security is Security.NONE:
            raise SmtpAccountError(
                f"SMTP user {self.username!r} would send the password unencrypted; set Security to STARTTLS or SSL"
            )


def _is_ip_address(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


def _key(user: str) -> str:
    return f"smtp:{user}"


def load_account(session: Session, user: str) -> SmtpAccount | None:
    """Return the user's account, or None when none is saved or the saved one is unreadable."""
    setting = session.get(Setting, _key(user))
    if setting is None:
        return None
    try:
        values = json.loads(setting.value)
        return SmtpAccount(
            host=str(values["host"]),
            port=int(values["port"]),
            security=Security(values["security"]),
            username=str(values.get("username", "")),
            from_address=str(values["from_address"]),
            display_name=str(values.get("display_name", "")),
        )
    except (ValueError, KeyError, TypeError) as error:
        logger.warning("ignoring unreadable SMTP account for %s: %s", user, error)
        return None


def save_account(session: Session, user: str, account: SmtpAccount) -> None:
    """Validate and store the account; SmtpAccountError names the setting to fix."""
    account.validate()
    values = asdict(account)
    values["security"] = account.security.value
    session.merge(Setting(key=_key(user), value=json.dumps(values, sort_keys=True)))
    session.flush()
    logger.info("saved SMTP account %s:%d (%s) for %s", account.host, account.port, account.security.value, user)


def remove_account(session: Session, user: str) -> None:
    """Forget the user's account, so LeadDesk opens the mail app again."""
    setting = session.get(Setting, _key(user))
    if setting is not None:
        session.delete(setting)
        session.flush()
