"""Send a rendered email through the user's SMTP account, and log it on the lead's timeline.

send() opens a connection only when it is called with a saved account, so LeadDesk
touches the network for email only after the user set up SMTP. It blocks for up to
SEND_TIMEOUT seconds per network step, so the window calls it off the GUI thread. Each
failure becomes an SmtpSendError whose message names the setting to fix.
"""

from __future__ import annotations

import logging
import smtplib
import socket
import ssl
import uuid
from datetime import datetime
from email.message import EmailMessage
from email.utils import formataddr, format_datetime, make_msgid

from sqlalchemy.orm import Session

from leaddesk.models import ActivityKind
from leaddesk.services import activities
from leaddesk.services.activities import LoggedActivity
from leaddesk.services.email_address import address_problem, is_local_relay
from leaddesk.services.email_templates import RenderedEmail
from leaddesk.services.smtp_account import Security, SmtpAccount

logger = logging.getLogger(__name__)

# Seconds smtplib waits for the server at each step (connect, each reply).
SEND_TIMEOUT = 20.0
SETTINGS_PLACE = "Leads > SMTP account"


class SmtpSendError(OSError):
    """Sending failed. setting names what the user should check, such as "Password"."""

    def __init__(self, message: str, setting: str) -> None:
        super().__init__(message)
        self.setting = setting


def build_message(account: SmtpAccount, email: RenderedEmail, sender_name: str, now: datetime) -> EmailMessage:
    """Return the MIME message: plain text, UTF-8, with From, To, Subject, Date and Message-ID."""
    message = EmailMessage()
    # A CR or LF in a header value would end the header, so fold line breaks into spaces.
    sender_name = _one_line(sender_name)
    message["From"] = formataddr((sender_name, account.from_address)) if sender_name else account.from_address
    message["To"] = email.to
    message["Subject"] = _one_line(email.subject)
    message["Date"] = format_datetime(now)
    message["Message-ID"] = make_msgid(domain=account.from_address.rpartition("@")[2] or None)
    message.set_content(email.body)
    return message


def send(
    account: SmtpAccount,
    password: str | None,
    email: RenderedEmail,
    sender_name: str,
    now: datetime,
    ssl_context: ssl.SSLContext | None = None,
    timeout: float = SEND_TIMEOUT,
) -> str:
    """Send email through account and return its Message-ID; raise SmtpSendError on any failure.

    ssl_context defaults to the system's trusted certificates with host name checking.
    """
    account.validate()
    if account.username and not password:
        raise SmtpSendError(
            f"no SMTP password is stored for {account.password_key}; type it in {SETTINGS_PLACE}", "Password"
        )
    problem = address_problem(email.to, local_relay=is_local_relay(account.host))
    if problem:
        raise SmtpSendError(f"invalid recipient address {email.to!r}: {problem}; fix the lead's email address", "Recipient")
    try:
        message = build_message(account, email, sender_name, now)
    except ValueError as error:
        raise SmtpSendError(f"building the email to {email.to!r} failed: {error}; check the template and the lead", "Template") from error
    context = ssl_context or ssl.create_default_context()
    where = f"{account.host}:{account.port}"
    logger.info("sending email to %s through %s (%s)", email.to, where, account.security.value)
    try:
        client = _connect(account, context, timeout)
    except (ssl.SSLError, OSError) as error:
        raise _connection_error(account, error) from error
    try:
        _send_on(client, account, password, message, context)
    except (smtplib.SMTPException, ssl.SSLError, OSError) as error:
        raise _session_error(account, email, error) from error
    finally:
        _close(client)
    logger.info("sent email %s to %s through %s", message["Message-ID"], email.to, where)
    return str(message["Message-ID"])


def log_sent(
    session: Session,
    lead_id: uuid.UUID,
    email: RenderedEmail,
    template_key: str,
    actor: str | None,
    now: datetime,
) -> LoggedActivity:
    """Log an "Email sent" activity. Like a call, the first one stops the lead's response clock."""
    summary = f"Email sent: {email.subject} ({template_key} template, by SMTP to {email.to})"
    return activities.log_activity(session, lead_id, ActivityKind.EMAIL, summary, actor, now)


def _connect(account: SmtpAccount, context: ssl.SSLContext, timeout: float) -> smtplib.SMTP:
    # smtplib resolves the host with getaddrinfo, which rejects the brackets of "[::1]".
    if account.security is Security.SSL:
        return smtplib.SMTP_SSL(account.connect_host, account.port, timeout=timeout, context=context)
    return smtplib.SMTP(account.connect_host, account.port, timeout=timeout)


def _send_on(
    client: smtplib.SMTP, account: SmtpAccount, password: str | None, message: EmailMessage, context: ssl.SSLContext
) -> None:
    client.ehlo()
    if account.security is Security.STARTTLS:
        if not client.has_extn("starttls"):
            raise _NoStartTls()
        client.starttls(context=context)
        client.ehlo()
    if account.username:
        client.login(account.username, password or "")
    for address in (account.from_address, str(message["To"])):
        if not address.isascii() and not client.has_extn("smtputf8"):
            raise _NoSmtpUtf8(address)
    client.send_message(message)


def _close(client: smtplib.SMTP) -> None:
    try:
        client.quit()
    except (smtplib.SMTPException, OSError):
        # The message went out, or an error was already raised; a failed goodbye changes neither.
        client.close()


class _NoStartTls(smtplib.SMTPException):
    pass


class _NoSmtpUtf8(smtplib.SMTPException):
    """The server does not offer SMTPUTF8 (RFC 6531), which a non-ASCII address needs."""

    def __init__(self, address: str) -> None:
        super().__init__(address)
        self.address = address


def _connection_error(account: SmtpAccount, error: BaseException) -> SmtpSendError:
    where = f"{account.host}:{account.port}"
    if isinstance(error, socket.gaierror):
        return SmtpSendError(
            f"SMTP host {account.host!r} not found ({error.strerror}); check Host in {SETTINGS_PLACE}", "Host"
        )
    if isinstance(error, ssl.SSLError):
        return _tls_error(account, error)
    if isinstance(error, TimeoutError):
        return SmtpSendError(
            f"SMTP server {where} timed out; check Host, Port and Security "
            f"(465 uses SSL, 587 uses STARTTLS) in {SETTINGS_PLACE}",
            "Port",
        )
    return SmtpSendError(
        f"could not reach SMTP server {where} ({error}); check Host and Port in {SETTINGS_PLACE}", "Host"
    )


def _tls_error(account: SmtpAccount, error: ssl.SSLError) -> SmtpSendError:
    where = f"{account.host}:{account.port}"
    if isinstance(error, ssl.SSLCertVerificationError):
        return SmtpSendError(
            f"the certificate of SMTP server {where} is not trusted ({error.verify_message}); "
            f"check that Host is the server's own name in {SETTINGS_PLACE}",
            "Host",
        )
    return SmtpSendError(
        f"TLS with SMTP server {where} failed ({error.reason or error}); check Security in {SETTINGS_PLACE}: "
        "port 465 uses SSL and port 587 uses STARTTLS",
        "Security",
    )


def _session_error(account: SmtpAccount, email: RenderedEmail, error: BaseException) -> SmtpSendError:
    where = f"{account.host}:{account.port}"
    if isinstance(error, _NoStartTls):
        return SmtpSendError(
            f"SMTP server {where} does not offer STARTTLS; set Security to SSL (port 465) in {SETTINGS_PLACE}",
            "Security",
        )
    if isinstance(error, _NoSmtpUtf8):
        return SmtpSendError(
            f"SMTP server {where} does not support SMTPUTF8, which the address {error.address!r} needs "
            "because it has non-ASCII characters; use an ASCII address or a server that offers SMTPUTF8",
            "Recipient" if error.address != account.from_address else "From",
        )
    if isinstance(error, ssl.SSLError):
        return _tls_error(account, error)
    if isinstance(error, smtplib.SMTPAuthenticationError):
        return SmtpSendError(
            f"SMTP login as {account.username!r} on {where} failed: the server replied {error.smtp_code} "
            f"{_text(error.smtp_error)}; check User and Password in {SETTINGS_PLACE}",
            "Password",
        )
    if isinstance(error, smtplib.SMTPNotSupportedError):
        return SmtpSendError(
            f"SMTP server {where} offers no login ({error}); clear User, or check Security in {SETTINGS_PLACE}",
            "User",
        )
    if isinstance(error, smtplib.SMTPSenderRefused):
        return SmtpSendError(
            f"SMTP server {where} rejected the From address {account.from_address!r}: {error.smtp_code} "
            f"{_text(error.smtp_error)}; check From in {SETTINGS_PLACE}",
            "From",
        )
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return SmtpSendError(
            f"SMTP server {where} rejected the recipient {email.to!r}; check the lead's email address", "Recipient"
        )
    if isinstance(error, smtplib.SMTPServerDisconnected):
        return SmtpSendError(
            f"SMTP server {where} closed the connection ({error}); check Port and Security in {SETTINGS_PLACE}",
            "Security",
        )
    if isinstance(error, TimeoutError):
        return SmtpSendError(f"SMTP server {where} timed out during sending; try again later", "Host")
    return SmtpSendError(f"SMTP server {where} failed to send the email: {error}; try again later", "Host")


def _one_line(text: str) -> str:
    return " ".join(text.splitlines())


def _text(reply: bytes | str) -> str:
    return reply.decode("utf-8", "replace") if isinstance(reply, bytes) else str(reply)
