"""Connecting to a PostgreSQL database: the engine, the password dialogue and plain connection errors."""

from __future__ import annotations

import logging

import psycopg
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.exc import OperationalError

from leaddesk.services.server_db.address import ServerAddress
from leaddesk.services.server_db.credentials import (
    Notice,
    PasswordPrompt,
    forget_password,
    remember_password,
    stored_password,
)

logger = logging.getLogger(__name__)

CONNECT_TIMEOUT_SECONDS = 10
MAX_PASSWORD_PROMPTS = 3

# Every session works in UTC, so a timestamp without a zone that raw SQL binds is read as UTC.
SESSION_OPTIONS = "-c timezone=UTC"


class ServerConnectionError(Exception):
    """The server is unreachable or rejected the login; the message names what to check."""


def create_server_engine(address: ServerAddress) -> Engine:
    """Create an engine for address (whose URL may carry the password) without connecting."""
    return create_engine(
        address.url,
        connect_args={"options": SESSION_OPTIONS, "connect_timeout": CONNECT_TIMEOUT_SECONDS},
        pool_pre_ping=True,
    )


def _is_password_failure(error: psycopg.Error) -> bool:
    if getattr(error, "sqlstate", None) in {"28P01", "28000"}:
        return True
    message = str(error)
    return "password authentication failed" in message or "no password supplied" in message


def _explain(address: ServerAddress, error: psycopg.Error) -> str:
    message = " ".join(line.strip() for line in str(error).splitlines() if line.strip()) or type(error).__name__
    if getattr(error, "sqlstate", None) == "3D000" or "does not exist" in message and "database" in message:
        return (
            f"database {address.name!r} does not exist on {address.host}:{address.port}; create it with "
            f"`createdb -h {address.host} -p {address.port} -U {address.url.username} {address.name}`, "
            "or check the name in the URL"
        )
    return f"cannot connect to {address}: {message}; check the host, port and user, and that the server is running"


def _try_connect(address: ServerAddress, password: str | None) -> Engine:
    engine = create_server_engine(address.with_password(password))
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except OperationalError:
        engine.dispose()
        raise
    return engine


def connect_server(
    address: ServerAddress, password_prompt: PasswordPrompt | None = None, notice: Notice | None = None
) -> Engine:
    """Connect to address and return its engine, asking for the password only when the server wants one.

    The password comes from the URL, then this session or the OS keyring, then
    password_prompt. A prompted password that works is stored for the next time.
    """
    password = address.url.password
    source = "url"
    if password is None:
        password = stored_password(address)
        source = "stored" if password is not None else "none"
    failure: str | None = None
    prompts = 0
    while True:
        try:
            engine = _try_connect(address, password)
        except OperationalError as error:
            original = error.orig
            if not isinstance(original, psycopg.Error) or not _is_password_failure(original):
                raise ServerConnectionError(_explain(address, original)) from None
            if source == "stored":
                forget_password(address)
            if source == "url" or password_prompt is None or prompts >= MAX_PASSWORD_PROMPTS:
                reason = "the password was rejected" if password is not None else "the server wants a password"
                hint = (
                    "run the command on a terminal to be asked for it"
                    if password_prompt is None
                    else "check the password and try again"
                )
                raise ServerConnectionError(f"cannot log in to {address}: {reason}; {hint}") from None
            failure = "The password was rejected." if password is not None else None
            logger.info("asking for the password of %s", address)
            password = password_prompt(address.without_password(), failure)
            prompts += 1
            if password is None:
                raise ServerConnectionError(f"no password was given for {address}; nothing was opened") from None
            source = "prompt"
            continue
        if source == "prompt" and password is not None:
            remember_password(address, password, notice)
        logger.info("connected to %s", address)
        return engine
