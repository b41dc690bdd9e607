"""Reminders for the user: what to show, to whom, when, and the notifier that shows it. Free of Qt."""
