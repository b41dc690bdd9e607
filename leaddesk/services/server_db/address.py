"""Server addresses: telling a postgresql:// URL from a file path, and showing it without its password."""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

# URL schemes that name a PostgreSQL database. Any other URL given to --db is rejected, and
# text without a scheme is a file path.
SERVER_SCHEMES = ("postgresql://", "postgresql+psycopg://", "postgres://")
# A URL scheme of two or more characters, so that a Windows drive letter ("C://leads") stays a path.
_URL_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]+)://")
_URL_FORM = "postgresql://USER@HOST[:PORT]/DBNAME"
DEFAULT_PORT = 5432
DRIVER = "postgresql+psycopg"


class ServerAddressError(ValueError):
    """A postgresql:// URL that is malformed or lacks a part LeadDesk needs."""


def is_server_url(value: object) -> bool:
    """Return True for a ServerAddress or a URL; ServerAddress.parse rejects a URL whose scheme is not PostgreSQL's."""
    if isinstance(value, ServerAddress):
        return True
    return isinstance(value, str) and _URL_SCHEME.match(value.strip()) is not None


def _check_scheme(value: str) -> None:
    match = _URL_SCHEME.match(value.strip())
    if match is not None and not value.strip().lower().startswith(SERVER_SCHEMES):
        supported = ", ".join(SERVER_SCHEMES)
        raise ServerAddressError(
            f"{mask_url_text(value)} uses the unsupported scheme {match.group(1)}://; LeadDesk opens SQLite files "
            f"(give the file path) and PostgreSQL databases ({supported}), such as {_URL_FORM}"
        )


def _check_port(value: str, url: URL) -> None:
    """Raise ServerAddressError for a port that is no number from 1 to 65535, in the URL or as ?port=."""
    port = url.query.get("port")
    if isinstance(port, tuple):
        port = port[0] if port else None
    if url.port is not None:
        port = str(url.port)
    if port is None:
        return
    if not port.isdigit() or not 1 <= int(port) <= 65535:
        raise _invalid_port(value, port)


def _invalid_port(value: str, port: str) -> ServerAddressError:
    return ServerAddressError(
        f"{mask_url_text(value)} has the invalid port {port!r}; give a number from 1 to 65535, "
        f"such as {_URL_FORM.replace('[:PORT]', ':5432')}, or leave the port out to use {DEFAULT_PORT}"
    )


def _port_text(value: str) -> str:
    """Return the text between the host's ":" and the "/" of a URL whose port make_url could not read."""
    rest = value.partition("://")[2].rpartition("@")[2]
    return rest.split("/", 1)[0].rpartition(":")[2]


@dataclass(frozen=True)
class ServerAddress:
    """A PostgreSQL database named by a URL such as postgresql://user@host:port/dbname.

    It is used where LeadDesk otherwise passes a database file path: exists() returns True
    because only a connection can tell, and str() returns the URL with any password
    masked, so it is safe in messages and logs.
    """

    url: URL

    @classmethod
    def parse(cls, value: str) -> ServerAddress:
        text = value.strip()
        _check_scheme(text)
        if text.lower().startswith("postgres://"):
            text = "postgresql://" + text[len("postgres://"):]
        try:
            url = make_url(text)
        except ArgumentError as error:
            raise ServerAddressError(
                f"{mask_url_text(value)} is not a valid server URL; write it as {_URL_FORM}"
            ) from error
        except ValueError as error:
            # make_url converts the port with int(), so "host:notaport" fails here.
            raise _invalid_port(value, _port_text(text)) from error
        _check_port(value, url)
        url = url.set(drivername=DRIVER)
        host = url.host or _query_host(url)
        missing = [part for part, present in (("user", url.username), ("host", host), ("database name", url.database)) if not present]
        if missing:
            raise ServerAddressError(
                f"{cls(url)} lacks the {' and '.join(missing)}; write it as postgresql://USER@HOST[:PORT]/DBNAME, "
                "or postgresql://USER@/DBNAME?host=/SOCKET/FOLDER for a unix socket"
            )
        return cls(url)

    @property
    def host(self) -> str:
        """The host name, or the unix socket folder given as ?host=/folder as libpq allows."""
        return self.url.host or _query_host(self.url) or ""

    @property
    def port(self) -> int:
        if self.url.port:
            return self.url.port
        port = self.url.query.get("port")
        return int(port) if isinstance(port, str) and port.isdigit() else DEFAULT_PORT

    @property
    def keyring_key(self) -> str:
        """The OS keyring entry name of this database's password: user@host:port/db."""
        return f"{self.url.username}@{self.host}:{self.port}/{self.url.database}"

    @property
    def name(self) -> str:
        return self.url.database or ""

    def exists(self) -> bool:
        return True

    def without_password(self) -> ServerAddress:
        return ServerAddress(self.url.set(password=None))

    def with_password(self, password: str | None) -> ServerAddress:
        return ServerAddress(self.url.set(password=password))

    def __str__(self) -> str:
        display_url = self.url.set(drivername="postgresql")
        return display_url.render_as_string(hide_password=True)


def _query_host(url: URL) -> str | None:
    """Return the host given as ?host=, which libpq reads as a host name or, starting with "/", a socket folder."""
    host = url.query.get("host")
    if isinstance(host, tuple):
        host = host[0] if host else None
    return host or None


def mask_url_text(value: str) -> str:
    """Return value with the password part of user:password@host replaced by ***."""
    scheme, separator, rest = value.partition("://")
    if not separator or "@" not in rest:
        return value
    credentials, at, host_part = rest.rpartition("@")
    if ":" in credentials:
        credentials = credentials.split(":", 1)[0] + ":***"
    return f"{scheme}://{credentials}{at}{host_part}"
