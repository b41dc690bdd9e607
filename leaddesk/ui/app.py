"""Start the window: the Qt application, the database, the first-run offer of sample leads."""

from __future__ import annotations

import logging
import sys

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QApplication, QInputDialog, QLineEdit, QMessageBox, QWidget
from sqlalchemy.exc import SQLAlchemyError

from leaddesk import __version__
from leaddesk.services.database import Database, DatabaseError
from leaddesk.services.paths import resolve_database_path
from leaddesk.services.server_db.address import ServerAddress, ServerAddressError
from leaddesk.ui.main_window import MainWindow

logger = logging.getLogger(__name__)


def tr(text: str) -> str:
    return QCoreApplication.translate("LeadDeskApp", text)


def run_app(db_arg: str | None) -> int:
    """Open the window on the database that db_arg (or the defaults) names; return the exit code."""
    app = QApplication.instance() or QApplication(sys.argv)
    app.setApplicationName("LeadDesk")
    app.setApplicationVersion(__version__)

    database = open_database(db_arg)
    if database is None:
        return 1

    window = MainWindow(database)
    window.show()
    if database.created and ask_load_samples(window):
        window.load_sample_leads()

    try:
        return app.exec()
    finally:
        database.dispose()


def open_database(db_arg: str | None, parent: QWidget | None = None) -> Database | None:
    """Open the database file or server, or show why it cannot be opened and return None."""
    try:
        target = resolve_database_path(db_arg)
    except ServerAddressError as error:
        QMessageBox.critical(parent, tr("LeadDesk"), str(error))
        return None
    try:
        database = Database.open(
            target,
            password_prompt=lambda address, failure: ask_server_password(parent, address, failure),
            notice=lambda message: QMessageBox.information(parent, tr("LeadDesk"), message),
        )
    except DatabaseError as error:
        logger.error("cannot open database %s: %s", target, error)
        QMessageBox.critical(parent, tr("LeadDesk"), str(error))
        return None
    except (OSError, SQLAlchemyError) as error:
        logger.exception("cannot open database %s", target)
        QMessageBox.critical(
            parent,
            tr("LeadDesk"),
            tr("Cannot open the database {path}: {error}\n\nChoose another database with --db.").format(
                path=target, error=error
            ),
        )
        return None
    if database.backup_path is not None:
        logger.info("schema upgraded; backup at %s", database.backup_path)
    logger.info("opened database %s", database.location)
    return database


def ask_server_password(parent: QWidget | None, address: ServerAddress, failure: str | None) -> str | None:
    """Ask for the server password in a dialog, and return None on Cancel or an empty entry."""
    label = tr("Password for {address}:").format(address=address)
    if failure:
        label = f"{tr(failure)}\n\n{label}"
    password, accepted = QInputDialog.getText(parent, tr("Team server password"), label, QLineEdit.EchoMode.Password)
    if not accepted or not password:
        return None
    return password


def ask_load_samples(parent: QWidget) -> bool:
    """Ask whether to fill a new, empty database with sample leads."""
    answer = QMessageBox.question(
        parent,
        tr("Welcome to LeadDesk"),
        tr(
            "This database is new and empty. Load a few sample leads to see how the inbox works?\n\n"
            "You can import your own leads at any time with File > Import."
        ),
        QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
        QMessageBox.StandardButton.Yes,
    )
    return answer == QMessageBox.StandardButton.Yes
