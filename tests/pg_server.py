"""A PostgreSQL server for the tests: the one LEADDESK_TEST_PG_URL names, or a throwaway cluster.

The throwaway cluster uses Debian's server binaries (package `postgresql`), keeps its data
directory and unix socket in a temporary folder, listens on a free loopback port, and is
stopped and deleted when the test session ends. PostgreSQL refuses to run as root, so as
root the binaries run through `runuser -u postgres`.

Inside the cluster, role `postgres` logs in without a password, and role
`leaddesk_password` (password PASSWORD_ROLE_SECRET) must send its password over TCP, so
the password prompt and keyring code run against a real server.
"""

from __future__ import annotations

import glob
import itertools
import logging
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import URL, make_url

logger = logging.getLogger(__name__)

TEST_PG_URL_ENV = "LEADDESK_TEST_PG_URL"
TEMPLATE_DATABASE = "leaddesk_test_template"
PASSWORD_ROLE = "leaddesk_password"
PASSWORD_ROLE_SECRET = "correct horse battery staple"
SERVER_PACKAGE_HINT = (
    "PostgreSQL server binaries (initdb, pg_ctl) not found; install the Debian package "
    "'postgresql' (bash installer/system-packages.sh --test does), or set "
    f"{TEST_PG_URL_ENV}=postgresql://USER@HOST:PORT/DB to use a running server"
)


class ServerUnavailable(Exception):
    """No PostgreSQL server is usable for the tests; the message names what to install or set."""


def find_server_binaries() -> Path | None:
    """Return the newest /usr/lib/postgresql/VERSION/bin that has initdb and pg_ctl, or None."""
    candidates = []
    for folder in glob.glob("/usr/lib/postgresql/*/bin"):
        path = Path(folder)
        if (path / "initdb").is_file() and (path / "pg_ctl").is_file():
            try:
                candidates.append((int(path.parent.name.split(".")[0]), path))
            except ValueError:
                continue
    if not candidates:
        return None
    return max(candidates)[1]


def _free_loopback_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class TestServer:
    """A reachable server with an admin URL that may create and drop databases."""

    admin_url: URL
    owns_cluster: bool = False
    _counter: itertools.count = field(default_factory=lambda: itertools.count(1))

    def url_for(self, database: str, *, role: str | None = None, password: str | None = None) -> URL:
        url = self.admin_url.set(database=database)
        if role is not None:
            url = url.set(username=role, password=password)
        return url

    def execute_admin(self, *statements: str, database: str | None = None) -> None:
        """Run statements outside a transaction (CREATE/DROP DATABASE need that), on the admin database by default."""
        url = self.admin_url if database is None else self.admin_url.set(database=database)
        engine = create_engine(url.set(drivername="postgresql+psycopg"), isolation_level="AUTOCOMMIT")
        try:
            with engine.connect() as connection:
                for statement in statements:
                    connection.execute(text(statement))
        finally:
            engine.dispose()

    def create_database(self, template: str | None = None) -> str:
        name = f"leaddesk_test_{os.getpid()}_{next(self._counter)}"
        template_clause = f" TEMPLATE {template}" if template else ""
        self.execute_admin(f'CREATE DATABASE "{name}"{template_clause}')
        return name

    def drop_database(self, name: str) -> None:
        self.execute_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


class ThrowawayCluster:
    """initdb, start and later stop and delete a private PostgreSQL cluster."""

    def __init__(self, binaries: Path) -> None:
        self.binaries = binaries
        self.folder = Path(tempfile.mkdtemp(prefix="leaddesk-pg-"))
        self.data_dir = self.folder / "data"
        self.socket_dir = self.folder / "socket"
        self.port = _free_loopback_port()
        self.as_root = os.geteuid() == 0

    def _run(self, *command: str) -> None:
        prefix = ["runuser", "-u", "postgres", "--"] if self.as_root else []
        completed = subprocess.run([*prefix, *command], capture_output=True, text=True, timeout=120)
        if completed.returncode != 0:
            raise ServerUnavailable(
                f"{Path(command[0]).name} failed with exit status {completed.returncode}: "
                f"{(completed.stderr or completed.stdout).strip()[-800:]}"
            )

    def start(self) -> URL:
        self.socket_dir.mkdir()
        if self.as_root:
            shutil.chown(self.folder, "postgres")
            shutil.chown(self.socket_dir, "postgres")
            self.folder.chmod(0o700)
        self._run(
            str(self.binaries / "initdb"), "-D", str(self.data_dir), "-U", "postgres",
            "--auth-local=trust", "--auth-host=scram-sha-256", "--encoding=UTF8", "--locale=C.UTF-8",
        )
        hba = self.data_dir / "pg_hba.conf"
        # The admin role logs in over TCP without a password; every other role needs one.
        lines = hba.read_text().splitlines()
        hba.write_text("\n".join(["host all postgres 127.0.0.1/32 trust", *lines]) + "\n")
        options = (
            f"-c listen_addresses=127.0.0.1 -c port={self.port} -c unix_socket_directories={self.socket_dir} "
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=60"
        )
        self._run(
            str(self.binaries / "pg_ctl"), "-D", str(self.data_dir), "-l", str(self.folder / "server.log"),
            "-o", options, "-w", "-t", "60", "start",
        )
        logger.info("started a throwaway PostgreSQL cluster on 127.0.0.1:%s in %s", self.port, self.folder)
        return URL.create("postgresql+psycopg", username="postgres", host="127.0.0.1", port=self.port, database="postgres")

    def stop(self) -> None:
        try:
            self._run(str(self.binaries / "pg_ctl"), "-D", str(self.data_dir), "-m", "immediate", "-w", "stop")
        except (ServerUnavailable, subprocess.TimeoutExpired) as error:
            logger.warning("stopping the throwaway PostgreSQL cluster in %s failed: %s", self.folder, error)
        shutil.rmtree(self.folder, ignore_errors=True)


def start_test_server() -> tuple[TestServer, ThrowawayCluster | None]:
    """Connect to LEADDESK_TEST_PG_URL, or start a throwaway cluster; raise ServerUnavailable when neither works."""
    configured = os.environ.get(TEST_PG_URL_ENV)
    if configured:
        url = make_url(configured).set(drivername="postgresql+psycopg")
        server = TestServer(url)
        try:
            server.execute_admin("SELECT 1")
        except Exception as error:  # noqa: BLE001 - any failure means the configured server is unusable
            raise ServerUnavailable(
                f"{TEST_PG_URL_ENV} is set but the server cannot be used: {error}; "
                "fix the URL or unset it to start a throwaway cluster"
            ) from error
        return server, None

    binaries = find_server_binaries()
    if binaries is None:
        raise ServerUnavailable(SERVER_PACKAGE_HINT)
    if os.geteuid() == 0:
        if shutil.which("runuser") is None:
            raise ServerUnavailable("running as root needs runuser (package util-linux) to start PostgreSQL as user postgres")
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            raise ServerUnavailable(
                "running as root needs the system user postgres, which the Debian package 'postgresql' creates"
            ) from None
    cluster = ThrowawayCluster(binaries)
    try:
        server = TestServer(cluster.start(), owns_cluster=True)
        server.execute_admin(f"CREATE ROLE {PASSWORD_ROLE} LOGIN CREATEDB PASSWORD '{PASSWORD_ROLE_SECRET}'")
    except BaseException:
        cluster.stop()
        raise
    return server, cluster
