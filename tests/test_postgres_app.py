"""The window's start-up on a postgresql:// URL: the password dialog and the main window on a server."""

from __future__ import annotations

import pytest
from pg_server import PASSWORD_ROLE, PASSWORD_ROLE_SECRET
from PySide6.QtWidgets import QInputDialog, QMessageBox

from leaddesk.services.server_db.address import ServerAddress
from leaddesk.ui import app as app_module
from leaddesk.ui.main_window import MainWindow


def test_window_opens_on_server(qtbot, pg_url: str):
    database = app_module.open_database(pg_url)
    assert database is not None
    try:
        assert database.engine.dialect.name == "postgresql"
        window = MainWindow(database)
        qtbot.addWidget(window)
        window.show()
        assert window.isVisible()
        # Closing stops the window's background work, such as its live-change listener.
        window.close()
    finally:
        database.dispose()


def test_password_dialog_then_notice(qtbot, pg_server, pg_url: str, monkeypatch: pytest.MonkeyPatch, no_keyring):
    if not pg_server.owns_cluster:
        pytest.skip("needs the throwaway cluster, which has the password role")
    url = str(ServerAddress(ServerAddress.parse(pg_url).url.set(username=PASSWORD_ROLE)))
    prompts: list[str] = []
    notices: list[str] = []

    def fake_get_text(_parent, _title, label, _echo):
        prompts.append(label)
        return PASSWORD_ROLE_SECRET, True

    monkeypatch.setattr(QInputDialog, "getText", staticmethod(fake_get_text))
    monkeypatch.setattr(QMessageBox, "information", staticmethod(lambda _parent, _title, text: notices.append(text)))

    database = app_module.open_database(url)

    assert database is not None
    database.dispose()
    assert len(prompts) == 1
    assert PASSWORD_ROLE in prompts[0]
    assert notices == ["No OS keyring is available, so the server password is kept for this session only."]


def test_unreachable_server_shows_error(qtbot, monkeypatch: pytest.MonkeyPatch):
    errors: list[str] = []
    monkeypatch.setattr(QMessageBox, "critical", staticmethod(lambda _parent, _title, text: errors.append(text)))

    database = app_module.open_database("postgresql://ann:s3cret@127.0.0.1:1/leads")

    assert database is None
    assert "cannot connect to postgresql://ann:***@127.0.0.1:1/leads" in errors[0]
    assert "s3cret" not in errors[0]
