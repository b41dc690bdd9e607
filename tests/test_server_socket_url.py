"""postgresql:// URLs that name a unix socket folder with ?host=, as libpq accepts them."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, text

from leaddesk.services.database import Database
from leaddesk.services.server_db.address import ServerAddress, ServerAddressError


def test_socket_url_parses():
    address = ServerAddress.parse("postgresql://postgres@/ld1?host=/tmp/sock")

    assert address.host == "/tmp/sock"
    assert address.port == 5432
    assert address.name == "ld1"
    assert address.keyring_key == "postgres@/tmp/sock:5432/ld1"


def test_socket_url_with_port():
    address = ServerAddress.parse("postgresql://postgres@/ld1?host=/tmp/sock&port=5499")

    assert address.port == 5499
    assert address.keyring_key == "postgres@/tmp/sock:5499/ld1"


def test_url_without_any_host_rejected():
    with pytest.raises(ServerAddressError) as raised:
        ServerAddress.parse("postgresql://postgres@/ld1")

    assert "lacks the host" in str(raised.value)
    assert "?host=/SOCKET/FOLDER" in str(raised.value)


def _socket_folder(pg_server) -> str:
    engine = create_engine(pg_server.admin_url.set(drivername="postgresql+psycopg"))
    try:
        with engine.connect() as connection:
            folders = connection.execute(text("SHOW unix_socket_directories")).scalar_one()
    finally:
        engine.dispose()
    folder = folders.split(",")[0].strip()
    if not folder.startswith("/"):
        pytest.skip(f"the test server listens on no unix socket folder ({folders!r})")
    return folder


def test_socket_url_connects(pg_server, pg_url):
    if not pg_server.owns_cluster:
        pytest.skip("only the throwaway cluster is known to accept trusted unix socket logins")
    folder = _socket_folder(pg_server)
    tcp = ServerAddress.parse(pg_url)
    socket_url = f"postgresql://{tcp.url.username}@/{tcp.name}?host={folder}&port={tcp.port}"

    database = Database.open(ServerAddress.parse(socket_url))
    try:
        with database.engine.connect() as connection:
            assert connection.execute(text("SELECT current_database()")).scalar_one() == tcp.name
    finally:
        database.dispose()
