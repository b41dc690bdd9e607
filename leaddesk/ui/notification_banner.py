"""An in-app banner above the inbox that shows reminders when no desktop notification service exists."""

from __future__ import annotations

import uuid

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from leaddesk.services.notifications.notifier import Notification

BANNER_STYLE = "QFrame#notificationBanner { background: #fff4ce; border: 1px solid #e0c060; border-radius: 4px; }"
URGENT_STYLE = "QFrame#notificationBanner { background: #fde7e9; border: 1px solid #c42b1c; border-radius: 4px; }"


class NotificationBanner(QFrame):
    """Shows the latest reminder with Open and Dismiss buttons. It is a Notifier, named "banner"."""

    name = "banner"
    open_requested = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("notificationBanner")
        self.setStyleSheet(BANNER_STYLE)
        self.notification: Notification | None = None

        self.title_label = QLabel(self)
        font = self.title_label.font()
        font.setBold(True)
        self.title_label.setFont(font)
        self.body_label = QLabel(self)
        self.body_label.setWordWrap(True)
        self.service_label = QLabel(
            self.tr("No desktop notification service was found, so reminders show here."), self
        )
        self.service_label.setStyleSheet("color: #5c4a00;")
        self.service_label.hide()

        self.open_button = QPushButton(self.tr("Open lead"), self)
        self.open_button.clicked.connect(self._open)
        self.dismiss_button = QPushButton(self.tr("Dismiss"), self)
        self.dismiss_button.clicked.connect(self.dismiss)

        text = QVBoxLayout()
        text.setSpacing(2)
        text.addWidget(self.title_label)
        text.addWidget(self.body_label)
        text.addWidget(self.service_label)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(10, 6, 10, 6)
        layout.addLayout(text, stretch=1)
        layout.addWidget(self.open_button)
        layout.addWidget(self.dismiss_button)
        self.hide()

    def set_service_missing(self, missing: bool) -> None:
        """Show or hide the line explaining that the banner replaces desktop notifications.

        When no service exists and no reminder is shown yet, the banner appears at once with
        that line, so the user learns it before the first reminder is due.
        """
        self.service_label.setVisible(missing)
        if missing and self.notification is None:
            self.title_label.setText(self.tr("Reminders show in this banner"))
            self.body_label.hide()
            self.open_button.hide()
            self.setStyleSheet(BANNER_STYLE)
            self.show()

    def available(self) -> bool:
        return True

    def post(self, notification: Notification) -> bool:
        self.notification = notification
        self.title_label.setText(notification.title)
        self.body_label.setText(notification.body)
        self.body_label.setVisible(bool(notification.body))
        self.open_button.setVisible(notification.lead_id is not None)
        self.setStyleSheet(URGENT_STYLE if notification.urgent else BANNER_STYLE)
        self.show()
        return True

    def dismiss(self) -> None:
        self.notification = None
        self.hide()

    def _open(self) -> None:
        lead_id: uuid.UUID | None = self.notification.lead_id if self.notification else None
        self.dismiss()
        if lead_id is not None:
            self.open_requested.emit(lead_id)
