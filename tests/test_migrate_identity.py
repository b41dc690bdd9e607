"""migrate-to gives a team database's copy a device id of its own, on a real PostgreSQL server and back."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from leaddesk.cli.main import main
from leaddesk.models import Lead
from leaddesk.services.database import Database
from leaddesk.services.sync import create_team, load_identity, sync_pass


def _identity(target: str | Path) -> tuple[str, str, str | None]:
    database = Database.open(target)
    try:
        with database.session() as session:
            identity = load_identity(session)
            return identity.device_id, identity.person, identity.bundle_path
    finally:
        database.dispose()


def test_round_trip_gets_new_device(tmp_path: Path, pg_url: str):
    source = tmp_path / "ann.sqlite"
    database = Database.open(source)
    create_team(database, tmp_path / "Team", "Acme", person="Ann")
    with database.session() as session:
        session.add(Lead(full_name="Ada Byron"))
    sync_pass(database)
    database.dispose()
    original = _identity(source)
    back = tmp_path / "back.sqlite"

    assert main(["migrate-to", pg_url, "--db", str(source)]) == 0
    assert main(["migrate-to", str(back), "--db", pg_url]) == 0

    on_server, returned = _identity(pg_url), _identity(back)
    assert on_server[0] != original[0]
    assert returned[0] not in (original[0], on_server[0])
    assert returned[1:] == original[1:]
    assert _identity(source) == original, "the source keeps its own id"

    # The copy applies the segments written under the old id instead of skipping them as its own.
    copy = Database.open(back)
    try:
        report = sync_pass(copy)
        with copy.session() as session:
            names = list(session.scalars(select(Lead.full_name)))
    finally:
        copy.dispose()
    assert report.identity_notice is None
    assert names == ["Ada Byron"]
