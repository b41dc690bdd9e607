"""The playbook form of routing: rules in order, named accounts, rep capacity, calendars and time off."""

from __future__ import annotations

import copy
import re
from datetime import date
from typing import Any

from PySide6.QtWidgets import QCheckBox, QFormLayout, QGroupBox, QHBoxLayout, QLabel, QLineEdit, QVBoxLayout, QWidget

from leaddesk.services.playbook import RoutingStrategy
from leaddesk.ui.playbook_rule_list import CHOICE, LIST, Column, RuleListEditor
from leaddesk.ui.playbook_rules import FormError
from leaddesk.ui.playbook_widgets import button_row, cell_text, combo, make_table, show_list, spin, spin_value, text_item

STRATEGIES = tuple(strategy.value for strategy in RoutingStrategy)
ACCOUNT_COLUMN, OWNER_COLUMN = range(2)
REP_COLUMN, CAPACITY_COLUMN, CALENDAR_COLUMN, TIME_OFF_COLUMN = range(4)
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class RoutingForm(QWidget):
    """Edit [routing], [routing.named_accounts], [reps] and [team]."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.assign_check = QCheckBox(self.tr("Route each new lead without an owner when it arrives"), self)
        self.rules = RuleListEditor(
            self.tr("Routing rules, in order: the first that finds an available rep wins"),
            [
                Column("name", self.tr("Name")),
                Column("strategy", self.tr("Strategy"), CHOICE, STRATEGIES),
                Column("reps", self.tr("Reps (comma-separated)"), LIST),
            ],
            {"name": "New rule", "strategy": "round_robin", "reps": []},
            condition_title=self.tr("Only for leads where (no tests: every lead)"),
            hint=self.tr("named_accounts gives a lead to the owner of its domain or company below; round_robin takes "
                         "turns; least_loaded picks the rep with the fewest open leads under capacity; fixed picks the "
                         "first available rep. Inactive reps, reps outside their calendar's hours and reps on time off "
                         "are skipped."),
            parent=self,
            side_by_side=True,
        )

        self.accounts = make_table(self, [self.tr("Domain or company"), self.tr("Rep")], ACCOUNT_COLUMN)
        account_buttons, _made = button_row(self, (self.tr("Add account"), self.add_account), (self.tr("Remove account"), self.remove_account))
        accounts_box = QGroupBox(self.tr("Named accounts"), self)
        accounts_layout = QVBoxLayout(accounts_box)
        accounts_layout.addWidget(self.accounts, stretch=1)
        accounts_layout.addLayout(account_buttons)

        self.reps = make_table(
            self, [self.tr("Rep"), self.tr("Capacity"), self.tr("Calendar"), self.tr("Time off")], TIME_OFF_COLUMN
        )
        rep_buttons, _made = button_row(self, (self.tr("Add rep"), self.add_rep), (self.tr("Remove rep"), self.remove_rep))
        reps_hint = QLabel(self.tr("Capacity is the maximum of open leads. Time off lists dates such as 2026-12-24 "
                                   "and ranges such as 2026-12-24..2026-12-31."), self)
        reps_hint.setWordWrap(True)
        self.team_lead_edit = QLineEdit(self)
        self.team_lead_edit.setPlaceholderText(self.tr("the rep who receives escalation alerts"))
        reps_box = QGroupBox(self.tr("Reps"), self)
        reps_layout = QVBoxLayout(reps_box)
        reps_layout.addWidget(self.reps, stretch=1)
        reps_layout.addLayout(rep_buttons)
        reps_layout.addWidget(reps_hint)
        team_form = QFormLayout()
        team_form.addRow(self.tr("Team lead"), self.team_lead_edit)
        reps_layout.addLayout(team_form)

        lower = QHBoxLayout()
        lower.addWidget(accounts_box, stretch=2)
        lower.addWidget(reps_box, stretch=3)
        layout = QVBoxLayout(self)
        layout.addWidget(self.assign_check)
        layout.addWidget(self.rules, stretch=1)
        layout.addLayout(lower, stretch=1)
        self._calendars: list[str] = []
        self._rep_bases: list[tuple[str | None, dict[str, Any]]] = []
        self._shown_accounts: dict[str, str] = {}

    def load(self, document: dict[str, Any]) -> None:
        routing = _table(document, "routing")
        self.assign_check.setChecked(routing.get("assign_new_leads", True) is not False)
        self.rules.load(routing.get("rules"))
        self._shown_accounts = {str(key): str(value) for key, value in _table(routing, "named_accounts").items()}
        self.accounts.setRowCount(0)
        for account, rep in self._shown_accounts.items():
            self._add_account_row(account, rep)
        self._calendars = ["", *sorted(_table(document, "calendars"))]
        self._rep_bases = []
        self.reps.setRowCount(0)
        for name, settings in _table(document, "reps").items():
            self._add_rep_row(name, settings if isinstance(settings, dict) else {})
        self.team_lead_edit.setText(str(_table(document, "team").get("lead", "")))

    def store(self, document: dict[str, Any]) -> None:
        routing = copy.deepcopy(_table(document, "routing"))
        assign = self.assign_check.isChecked()
        if assign != (routing.get("assign_new_leads", True) is not False):
            routing["assign_new_leads"] = assign
        routing["rules"] = self.rules.entries()
        if not routing["rules"] and "rules" not in _table(document, "routing"):
            del routing["rules"]
        accounts = self._accounts()
        if accounts != self._shown_accounts:
            routing["named_accounts"] = accounts
        if routing or "routing" in document:
            document["routing"] = routing

        reps = self._reps()
        if reps or "reps" in document:
            document["reps"] = reps
        team = copy.deepcopy(_table(document, "team"))
        lead = self.team_lead_edit.text().strip()
        if lead:
            team["lead"] = lead
        else:
            team.pop("lead", None)
        if team or "team" in document:
            document["team"] = team

    # Named accounts.

    def add_account(self) -> None:
        self._add_account_row("", "")
        self.accounts.setCurrentCell(self.accounts.rowCount() - 1, ACCOUNT_COLUMN)

    def remove_account(self) -> None:
        if self.accounts.currentRow() >= 0:
            self.accounts.removeRow(self.accounts.currentRow())

    def _add_account_row(self, account: str, rep: str) -> None:
        row = self.accounts.rowCount()
        self.accounts.insertRow(row)
        self.accounts.setItem(row, ACCOUNT_COLUMN, text_item(account))
        self.accounts.setItem(row, OWNER_COLUMN, text_item(rep))

    def _accounts(self) -> dict[str, str]:
        accounts: dict[str, str] = {}
        for row in range(self.accounts.rowCount()):
            account, rep = cell_text(self.accounts, row, ACCOUNT_COLUMN), cell_text(self.accounts, row, OWNER_COLUMN)
            if not account and not rep:
                continue
            if not account:
                raise FormError(f"named account row {row + 1}: missing domain or company for rep {rep!r}; enter one such as acme.com")
            if not rep:
                raise FormError(f"named account {account!r}: missing rep; enter the rep who owns it")
            if account.casefold() in {key.casefold() for key in accounts}:
                raise FormError(f"named account {account!r} is listed twice; keep one row per domain or company")
            accounts[account] = rep
        return accounts

    # Reps.

    def add_rep(self) -> None:
        self._add_rep_row("", {}, new=True)
        self.reps.setCurrentCell(self.reps.rowCount() - 1, REP_COLUMN)

    def remove_rep(self) -> None:
        row = self.reps.currentRow()
        if row >= 0:
            del self._rep_bases[row]
            self.reps.removeRow(row)

    def _add_rep_row(self, name: str, settings: dict[str, Any], new: bool = False) -> None:
        row = self.reps.rowCount()
        self.reps.insertRow(row)
        self._rep_bases.append((None if new else name, copy.deepcopy(settings)))
        capacity = settings.get("capacity")
        self.reps.setItem(row, REP_COLUMN, text_item(name))
        self.reps.setCellWidget(
            row, CAPACITY_COLUMN,
            spin(self.reps, capacity if isinstance(capacity, int) and not isinstance(capacity, bool) else None, none_text=self.tr("no limit")),
        )
        self.reps.setCellWidget(row, CALENDAR_COLUMN, combo(self.reps, self._calendars, str(settings.get("calendar", "")), editable=True))
        self.reps.setItem(row, TIME_OFF_COLUMN, text_item(show_list([str(day) for day in _as_list(settings.get("time_off"))])))

    def _reps(self) -> dict[str, dict[str, Any]]:
        reps: dict[str, dict[str, Any]] = {}
        for row, (_original, base) in enumerate(self._rep_bases):
            name = cell_text(self.reps, row, REP_COLUMN)
            if not name:
                raise FormError(f"rep row {row + 1}: missing name; enter the rep's name as in the Reps list, or remove the row")
            if name in reps:
                raise FormError(f"rep {name!r} is listed twice; keep one row per rep")
            settings = copy.deepcopy(base)
            capacity = spin_value(self.reps.cellWidget(row, CAPACITY_COLUMN))
            _put(settings, "capacity", capacity)
            calendar = self.reps.cellWidget(row, CALENDAR_COLUMN).currentText().strip()
            _put(settings, "calendar", calendar or None)
            time_off = cell_text(self.reps, row, TIME_OFF_COLUMN)
            if time_off != show_list([str(day) for day in _as_list(base.get("time_off"))]):
                _put(settings, "time_off", [_day(part.strip()) for part in time_off.split(",") if part.strip()] or None)
            reps[name] = settings
        return reps


def _day(text: str) -> date | str:
    """Return an ISO date as a TOML date, and a range such as 2026-12-24..2026-12-31 as text."""
    if _ISO_DATE.match(text):
        try:
            return date.fromisoformat(text)
        except ValueError:
            return text
    return text


def _put(table: dict[str, Any], key: str, value: Any) -> None:
    if value is None:
        table.pop(key, None)
    else:
        table[key] = value


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _table(data: dict[str, Any], key: str) -> dict[str, Any]:
    value = data.get(key, {})
    return value if isinstance(value, dict) else {}
