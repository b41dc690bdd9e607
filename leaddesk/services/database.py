"""Opening a LeadDesk database, an SQLite file or a PostgreSQL server: engine, migrations, backups."""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event, inspect
from sqlalchemy.orm import Session, sessionmaker

from leaddesk.services.backups import create_backup_file, integrity_problems, recover_unfinished_transaction, recovery_message
from leaddesk.services.server_db.address import ServerAddress, ServerAddressError, is_server_url
from leaddesk.services.server_db.credentials import Notice, PasswordPrompt

logger = logging.getLogger(__name__)

SQLITE_BUSY_TIMEOUT_MS = 10_000

# Page cache per connection, in KiB (SQLite takes a negative cache_size as KiB). A writer
# whose changes outgrow its cache must take the exclusive lock early to spill pages, which
# blocks every reader until it commits; 64 MiB keeps a 100,000-row import from spilling.
# WAL mode would avoid this too, but its side files break databases in synced folders.
SQLITE_CACHE_KIB = 65_536


class DatabaseError(Exception):
    """A database file that LeadDesk cannot open; the message explains why and what to do."""


class DatabaseCorruptError(DatabaseError):
    """The file failed PRAGMA integrity_check; the message names the newest backup to restore."""


class DatabaseTooNewError(DatabaseError):
    """The file was written by a newer LeadDesk whose schema this version does not know."""


def _alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", "leaddesk:migrations")
    return config


def head_revision() -> str:
    head = ScriptDirectory.from_config(_alembic_config()).get_current_head()
    assert head is not None, "the migrations folder has no revision"
    return head


def _enable_sqlite_pragmas(dbapi_connection: sqlite3.Connection, _record: object) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys = ON")
    cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute(f"PRAGMA cache_size = -{SQLITE_CACHE_KIB}")
    cursor.close()


def create_sqlite_engine(path: Path) -> Engine:
    engine = create_engine(f"sqlite:///{path}", connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000})
    event.listen(engine, "connect", _enable_sqlite_pragmas)
    return engine


def backup_sqlite_file(path: Path, label: str) -> Path:
    """Copy the database with SQLite's online backup API and return the copy's path."""
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    target = path.with_name(f"{path.stem}.backup-{label}-{stamp}{path.suffix}")
    source = sqlite3.connect(path)
    try:
        destination = sqlite3.connect(target)
        try:
            source.backup(destination)
        finally:
            destination.close()
    finally:
        source.close()
    logger.info("backed up %s to %s before %s", path, target, label)
    return target


class Database:
    """An open LeadDesk database: the engine and a session factory.

    Pass this object to services explicitly; LeadDesk keeps no global database.
    """

    def __init__(self, engine: Engine, path: Path | None = None, address: ServerAddress | None = None) -> None:
        self.engine = engine
        self.path = path
        self.address = address
        self._sessions = sessionmaker(engine, expire_on_commit=False)
        self.backup_path: Path | None = None
        self.created = False

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    @property
    def location(self) -> str:
        """The file path or the server URL with its password masked, for messages and logs."""
        if self.address is not None:
            return str(self.address)
        return str(self.path) if self.path is not None else "an in-memory database"

    @classmethod
    def open(
        cls,
        target: Path | str | ServerAddress,
        *,
        password_prompt: PasswordPrompt | None = None,
        notice: Notice | None = None,
    ) -> Database:
        """Open an SQLite file, or a postgresql://user@host[:port]/dbname database, at this schema version.

        An SQLite file is created when missing, and an older one is backed up next to
        itself before it is upgraded. A server database must exist; the server's password
        comes from the URL, the OS keyring or password_prompt (see server_db.connect).
        A database from a newer LeadDesk raises DatabaseTooNewError and is left untouched.
        """
        if is_server_url(target):
            return cls._open_server(target, password_prompt, notice)  # type: ignore[arg-type]
        path = Path(target)  # type: ignore[arg-type]
        if path.is_dir():
            raise DatabaseError(f"{path} is a folder; give the path of a database file, such as {path / 'leads.sqlite'}")
        existed = path.exists() and path.stat().st_size > 0
        if existed:
            _check_is_sqlite(path)
            # A file that an interrupted writer left gets the full check, and any other the quick check.
            # Both catch damaged pages and records before anything writes. Only the full
            # check compares indexes with their tables, which took 2.6 s against 0.3 s on
            # 100,000 leads, too long for every CLI command.
            try:
                rolled_back = recover_unfinished_transaction(path)
            except sqlite3.Error:
                # integrity_problems tries again and reports the failure with what to do.
                rolled_back = True
            problems = integrity_problems(path, quick=not rolled_back)
            if problems:
                raise DatabaseCorruptError(recovery_message(path, problems))
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise DatabaseError(f"cannot create the folder for {path}: {error.strerror}; choose another --db") from error
        database = cls(create_sqlite_engine(path), path)
        database.created = not existed
        if existed:
            database._check_is_leaddesk()
        database.upgrade_schema()
        return database

    @classmethod
    def _open_server(
        cls, target: str | ServerAddress, password_prompt: PasswordPrompt | None, notice: Notice | None
    ) -> Database:
        from leaddesk.services.server_db.connect import ServerConnectionError, connect_server
        from leaddesk.services.server_db.credentials import default_prompt

        fallback_prompt, fallback_notice = default_prompt()
        password_prompt = password_prompt or fallback_prompt
        notice = notice or fallback_notice
        try:
            address = target if isinstance(target, ServerAddress) else ServerAddress.parse(target)
            engine = connect_server(address, password_prompt, notice)
        except (ServerAddressError, ServerConnectionError) as error:
            raise DatabaseError(str(error)) from None
        database = cls(engine, None, address.without_password())
        database._check_is_leaddesk()
        database.created = database.current_revision() is None
        database.upgrade_schema()
        return database

    def _check_is_leaddesk(self) -> None:
        """Raise DatabaseError for an SQLite file that other software made, before anything is written."""
        with self.engine.connect() as connection:
            tables = set(inspect(connection).get_table_names())
            revision = MigrationContext.configure(connection).get_current_revision()
        if not tables:
            return
        if "alembic_version" not in tables:
            raise DatabaseError(
                f"{self.location} is a database of another program (tables: {', '.join(sorted(tables)[:5])}); "
                "LeadDesk leaves it untouched. Choose another database with --db."
            )
        if revision is None:
            raise DatabaseError(
                f"{self.location} has LeadDesk tables but no schema revision, so it cannot be upgraded safely; "
                "restore it from a backup copy, or choose another file with --db."
            )

    def current_revision(self) -> str | None:
        with self.engine.connect() as connection:
            return MigrationContext.configure(connection).get_current_revision()

    def upgrade_schema(self) -> None:
        config = _alembic_config()
        script = ScriptDirectory.from_config(config)
        head = head_revision()
        current = self.current_revision()
        if current == head:
            return
        if current is not None and current not in {rev.revision for rev in script.walk_revisions()}:
            raise DatabaseTooNewError(
                f"{self.location} was written by a newer LeadDesk (schema revision {current}); "
                f"this version knows revisions up to {head}. Install the newer LeadDesk to open it, "
                "or open another file with --db."
            )
        if current is not None and self.path is not None and self.engine.dialect.name == "sqlite":
            self.backup_path = create_backup_file(self.path, f"before-migration-rev{current}")
        logger.info("upgrading schema of %s from %s to %s", self.location, current, head)
        with self.engine.begin() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, "head")

    @contextmanager
    def session(self) -> Iterator[Session]:
        """Yield a session for one unit of work; commit on success, roll back on error."""
        session = self._sessions()
        try:
            yield session
            session.commit()
        except Exception:
            session.rollback()
            raise
        finally:
            session.close()

    def dispose(self) -> None:
        self.engine.dispose()


def _check_is_sqlite(path: Path) -> None:
    with path.open("rb") as handle:
        header = handle.read(16)
    if header != b"SQLite format 3\x00":
        raise DatabaseError(
            f"{path} is not a LeadDesk database (it is not an SQLite file). "
            "Choose another file with --db, or move this one away to start a new database."
        )
