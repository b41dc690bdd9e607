"""`leaddesk migrate-to` carries conversion model versions between the file store and the server table."""

from __future__ import annotations

import json
from pathlib import Path

from leaddesk.cli.main import main
from leaddesk.models import Lead
from leaddesk.services.database import Database
from leaddesk.services.predictive import predict_lead, train_conversion_model
from leaddesk.services.predictive.store import FileModelStore, model_store
from leaddesk.services.predictive.table_store import TableModelStore
from predictive_history import build_closed_leads


def _trained(database) -> list:
    """Write closed leads and one open lead, and store two versions with version 1 active."""
    leads = build_closed_leads(database, won=150, lost=250, open_leads=1)
    train_conversion_model(database, method="logistic")
    second = train_conversion_model(database, method="logistic", exclude=["Plan"])
    assert second.activated
    model_store(database).activate(1)
    return leads


def _versions(database) -> tuple[list[int], int | None, dict[int, float]]:
    store = model_store(database)
    active = store.active()
    aucs = {version: store.load(version).validation["auc"] for version in store.versions()}
    return store.versions(), active.version if active else None, aucs


def test_sqlite_to_server_copies_models(db_path: Path, pg_url: str, capsys):
    source = Database.open(db_path)
    leads = _trained(source)
    expected = _versions(source)
    source.dispose()

    code = main(["migrate-to", pg_url, "--db", str(db_path), "--json"])
    report = json.loads(capsys.readouterr().out)

    target = Database.open(pg_url)
    try:
        assert code == 0
        assert report["models"]["copied"] == [1, 2]
        assert report["models"]["active"] == 1
        assert isinstance(model_store(target), TableModelStore)
        assert _versions(target) == expected
        assert predict_lead(target, leads[-1].id).model_version == 1
    finally:
        target.dispose()


def test_server_to_sqlite_copies_models(pg_url: str, tmp_path: Path, capsys):
    source = Database.open(pg_url)
    leads = _trained(source)
    expected = _versions(source)
    source.dispose()
    copy = tmp_path / "copy.sqlite"

    code = main(["migrate-to", str(copy), "--db", pg_url])
    output = capsys.readouterr().out

    target = Database.open(copy)
    try:
        assert code == 0
        assert "conversion model versions copied: 1, 2 (active: 1)" in output
        assert isinstance(model_store(target), FileModelStore)
        assert _versions(target) == expected
        assert predict_lead(target, leads[-1].id).probability is not None
    finally:
        target.dispose()


def test_replace_keeps_source_models(db_path: Path, pg_url: str, capsys):
    server = Database.open(pg_url)
    build_closed_leads(server, won=150, lost=250, seed=11)
    train_conversion_model(server, method="logistic")
    server.dispose()
    source = Database.open(db_path)
    _trained(source)
    expected = _versions(source)
    source.dispose()

    code = main(["migrate-to", pg_url, "--db", str(db_path), "--replace"])
    capsys.readouterr()

    target = Database.open(pg_url)
    try:
        assert code == 0
        assert _versions(target) == expected
    finally:
        target.dispose()


def test_sqlite_to_sqlite_copies_files(db_path: Path, tmp_path: Path, capsys):
    source = Database.open(db_path)
    _trained(source)
    expected = _versions(source)
    source.dispose()
    copy = tmp_path / "copy.sqlite"

    code = main(["migrate-to", str(copy), "--db", str(db_path)])
    capsys.readouterr()

    target = Database.open(copy)
    try:
        assert code == 0
        assert _versions(target) == expected
    finally:
        target.dispose()


def test_unreadable_version_reported(db_path: Path, tmp_path: Path, capsys):
    source = Database.open(db_path)
    _trained(source)
    store = model_store(source)
    (store.folder / "model-v2.json").write_text("[1, 2]", encoding="utf-8")
    source.dispose()
    copy = tmp_path / "copy.sqlite"

    code = main(["migrate-to", str(copy), "--db", str(db_path)])
    output = capsys.readouterr().out

    target = Database.open(copy)
    try:
        assert code == 0
        assert "conversion model versions copied: 1 (active: 1)" in output
        assert "not copied: model version 2 in" in output
        assert model_store(target).versions() == [1]
    finally:
        target.dispose()


def test_target_model_files_need_replace(db_path: Path, tmp_path: Path, capsys):
    source = Database.open(db_path)
    _trained(source)
    source.dispose()
    copy = tmp_path / "copy.sqlite"
    other = Database.open(copy)
    build_closed_leads(other, won=150, lost=250, seed=11)
    train_conversion_model(other, method="logistic")
    with other.session() as session:
        session.execute(Lead.__table__.delete())
    other.dispose()

    code = main(["migrate-to", str(copy), "--db", str(db_path)])
    error = capsys.readouterr().err

    target = Database.open(copy)
    try:
        assert code != 0
        assert "already contains conversion model versions 1" in error
        assert "--replace" in error
        assert model_store(target).versions() == [1]
    finally:
        target.dispose()
