"""Server addresses: telling a postgresql:// URL from a file path, and showing it without its password."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

# URL schemes that name a PostgreSQL database; anything else given to --db is a file path.
SERVER_SCHEMES = ("postgresql://", "postgresql+psycopg://", "postgres://")
DEFAULT_PORT = 5432
DRIVER = "postgresql+psycopg"


class ServerAddressError(ValueError):
    """A postgresql:// URL that is malformed or lacks a part LeadDesk needs."""


def is_server_url(value: object) -> bool:
    return isinstance(value, str | ServerAddress) and (
        isinstance(value, ServerAddress) or value.strip().lower().startswith(SERVER_SCHEMES)
    )


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
        if text.lower().startswith("postgres://"):
            text = "postgresql://" + text[len("postgres://"):]
        try:
            url = make_url(text)
        except ArgumentError as error:
            raise ServerAddressError(
                f"{mask_url_text(value)} is not a valid server URL; write it as postgresql://USER@HOST[:PORT]/DBNAME"
            ) from error
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
