"""The playbook forms of qualification (MQL and SQL rules, existing customers) and scoring."""

from __future__ import annotations

import copy
from typing import Any

from PySide6.QtWidgets import QDoubleSpinBox, QFormLayout, QGroupBox, QHBoxLayout, QLabel, QLineEdit, QSpinBox, QVBoxLayout, QWidget

from leaddesk.ui.playbook_rule_list import LIST, NUMBER, Column, RuleListEditor
from leaddesk.ui.playbook_widgets import ConditionEditor, show_list, split_list

STAGES = (("mql", "Marketing qualified (MQL)"), ("sql", "Sales qualified (SQL)"))
GRADE_NAMES = ("A", "B", "C")
# The parser's defaults, shown when the file leaves a value out.
DEFAULT_CAP = 50
DEFAULT_HALF_LIFE_DAYS = 14.0
DEFAULT_GRADES = {"A": 70, "B": 50, "C": 25}


class FormError(ValueError):
    """A form value that cannot be saved; the message names the value and the fix."""


class QualificationForm(QWidget):
    """Edit [qualification.mql], [qualification.sql] and [customers]."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        intro = QLabel(self.tr("A lead is SQL when the SQL rule passes, else MQL when the MQL rule passes. "
                               "Untick a rule to leave it out."), self)
        intro.setWordWrap(True)
        layout.addWidget(intro)
        self.stage_boxes: dict[str, QGroupBox] = {}
        self.label_edits: dict[str, QLineEdit] = {}
        self.editors: dict[str, ConditionEditor] = {}
        stages = QHBoxLayout()
        for stage, title in STAGES:
            box = QGroupBox(self.tr(title), self)
            box.setCheckable(True)
            label = QLineEdit(box)
            editor = ConditionEditor(self.tr("Qualified when"), box)
            form = QFormLayout()
            form.addRow(self.tr("Label"), label)
            box_layout = QVBoxLayout(box)
            box_layout.addLayout(form)
            box_layout.addWidget(editor, stretch=1)
            stages.addWidget(box)
            self.stage_boxes[stage], self.label_edits[stage], self.editors[stage] = box, label, editor
        layout.addLayout(stages, stretch=1)

        customers = QGroupBox(self.tr("Existing customers (the existing_customer field)"), self)
        customer_form = QFormLayout(customers)
        self.domains_edit = QLineEdit(customers)
        self.domains_edit.setPlaceholderText(self.tr("e-mail domains, comma-separated, such as acme.com, initech.com"))
        self.companies_edit = QLineEdit(customers)
        self.companies_edit.setPlaceholderText(self.tr("company names, comma-separated"))
        customer_form.addRow(self.tr("Domains"), self.domains_edit)
        customer_form.addRow(self.tr("Companies"), self.companies_edit)
        layout.addWidget(customers)
        self._shown_customers: dict[str, str] = {}

    def load(self, document: dict[str, Any]) -> None:
        qualification = _table(document, "qualification")
        for stage, _title in STAGES:
            table = _table(qualification, stage)
            self.stage_boxes[stage].setChecked(stage in qualification)
            self.label_edits[stage].setText(str(table.get("label", stage.upper())))
            self.editors[stage].set_condition(table.get("when"))
        customers = _table(document, "customers")
        self._shown_customers = {key: show_list(customers.get(key, [])) for key in ("domains", "companies")}
        self.domains_edit.setText(self._shown_customers["domains"])
        self.companies_edit.setText(self._shown_customers["companies"])

    def store(self, document: dict[str, Any]) -> None:
        qualification = copy.deepcopy(_table(document, "qualification"))
        for stage, title in STAGES:
            if not self.stage_boxes[stage].isChecked():
                qualification.pop(stage, None)
                continue
            table = copy.deepcopy(_table(qualification, stage))
            label = self.label_edits[stage].text().strip() or stage.upper()
            # A file that leaves label out shows the stage name, which is not written back unless edited.
            if "label" in table or label != stage.upper():
                table["label"] = label
            condition = self.editors[stage].condition(title)
            if condition is None:
                raise FormError(f"{title} has no tests; add a test, or untick the rule to leave it out")
            table["when"] = condition
            qualification[stage] = table
        if qualification or "qualification" in document:
            document["qualification"] = qualification

        customers = copy.deepcopy(_table(document, "customers"))
        for key, edit in (("domains", self.domains_edit), ("companies", self.companies_edit)):
            if edit.text().strip() != self._shown_customers.get(key, ""):
                customers[key] = split_list(edit.text())
        if customers or "customers" in document:
            document["customers"] = customers


class ScoringForm(QWidget):
    """Edit [scoring]: caps, engagement half-life, grade thresholds, and the fit and engagement rules."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.fit_cap = _spin(self, 0, 1000)
        self.engagement_cap = _spin(self, 0, 1000)
        self.half_life = QDoubleSpinBox(self)
        self.half_life.setRange(0.5, 3650)
        self.half_life.setDecimals(1)
        self.half_life.setSuffix(self.tr(" days"))
        self.grade_spins = {grade: _spin(self, -1000, 1000) for grade in GRADE_NAMES}

        totals = QGroupBox(self.tr("Caps, decay and grades"), self)
        form = QFormLayout(totals)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.FieldsStayAtSizeHint)
        form.addRow(self.tr("Maximum fit points"), self.fit_cap)
        form.addRow(self.tr("Maximum engagement points"), self.engagement_cap)
        form.addRow(self.tr("Engagement points halve every"), self.half_life)
        grades = QHBoxLayout()
        for grade, box in self.grade_spins.items():
            grades.addWidget(QLabel(self.tr("{grade} from").format(grade=grade), totals))
            grades.addWidget(box)
        grades.addWidget(QLabel(self.tr("(below C is D)"), totals))
        grades.addStretch(1)
        form.addRow(self.tr("Grades by total"), grades)

        self.fit = RuleListEditor(
            self.tr("Fit points: who the lead is"),
            [Column("label", self.tr("Label")), Column("points", self.tr("Points"), NUMBER, minimum=-1000, maximum=1000)],
            {"label": "New fit rule", "points": 10, "when": {"field": "employees", "at_least": 100}},
            condition_title=self.tr("Award the points when"),
            parent=self,
        )
        self.engagement = RuleListEditor(
            self.tr("Engagement points: what the lead did"),
            [
                Column("label", self.tr("Label")),
                Column("points", self.tr("Points"), NUMBER, minimum=-1000, maximum=1000),
                Column("activity", self.tr("Activities"), LIST),
            ],
            {"label": "New engagement rule", "points": 5, "activity": ["call"]},
            hint=self.tr("Activities are kinds or words of the summary, comma-separated. Each matching activity "
                         "adds the points, halved for every half-life of its age."),
            parent=self,
        )
        rules = QHBoxLayout()
        rules.addWidget(self.fit, stretch=1)
        rules.addWidget(self.engagement, stretch=1)
        layout = QVBoxLayout(self)
        layout.addWidget(totals)
        layout.addLayout(rules, stretch=1)
        self._shown: dict[str, Any] = {}

    def load(self, document: dict[str, Any]) -> None:
        scoring = _table(document, "scoring")
        grades = _table(scoring, "grades")
        self.fit_cap.setValue(int(_number(scoring.get("fit_cap"), DEFAULT_CAP)))
        self.engagement_cap.setValue(int(_number(scoring.get("engagement_cap"), DEFAULT_CAP)))
        self.half_life.setValue(float(_number(scoring.get("half_life_days"), DEFAULT_HALF_LIFE_DAYS)))
        for grade, box in self.grade_spins.items():
            box.setValue(int(_number(grades.get(grade), DEFAULT_GRADES[grade])))
        self._shown = self._values()
        self.fit.load(scoring.get("fit"))
        self.engagement.load(scoring.get("engagement"))

    def _values(self) -> dict[str, Any]:
        return {
            "fit_cap": self.fit_cap.value(),
            "engagement_cap": self.engagement_cap.value(),
            "half_life_days": self.half_life.value(),
            "grades": {grade: box.value() for grade, box in self.grade_spins.items()},
        }

    def store(self, document: dict[str, Any]) -> None:
        values = self._values()
        grades = values["grades"]
        if not grades["A"] > grades["B"] > grades["C"]:
            raise FormError(
                f"grade thresholds A {grades['A']}, B {grades['B']}, C {grades['C']} are not in falling order; "
                "make A higher than B, and B higher than C"
            )
        scoring = copy.deepcopy(_table(document, "scoring"))
        for key, value in values.items():
            # Only edited values are written, so a default the file leaves out stays out.
            if value != self._shown.get(key):
                scoring[key] = int(value) if key == "half_life_days" and float(value).is_integer() else value
        scoring["fit"] = self.fit.entries()
        scoring["engagement"] = self.engagement.entries()
        for key in ("fit", "engagement"):
            if not scoring[key] and key not in _table(document, "scoring"):
                del scoring[key]
        if scoring or "scoring" in document:
            document["scoring"] = scoring


def _table(data: dict[str, Any], key: str) -> dict[str, Any]:
    value = data.get(key, {})
    return value if isinstance(value, dict) else {}


def _number(value: Any, default: float) -> Any:
    return value if isinstance(value, (int, float)) and not isinstance(value, bool) else default


def _spin(parent: QWidget, minimum: int, maximum: int) -> QSpinBox:
    box = QSpinBox(parent)
    box.setRange(minimum, maximum)
    return box
