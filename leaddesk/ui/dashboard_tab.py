"""The dashboard tab: KPI charts under one filter, chart and PDF export, and conversion-model training.

Leads are read once on the read pool (reload), then every filter change recomputes the
figures from the cached facts on the GUI thread, which takes well under a second for
100,000 leads (bench/dashboard_bench.py).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from pathlib import Path

from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFileDialog,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from leaddesk.models import utc_now
from leaddesk.services.database import Database
from leaddesk.services.predictive import (
    NotEnoughDataError,
    carried_exclusions,
    excluded_fields,
    set_excluded_fields,
    train_conversion_model,
)
from leaddesk.services.predictive.dataset import CUSTOM_PREFIX, STAGE_OUTCOME_FIELD
from leaddesk.services.predictive.outcome_choices import outcome_choices
from leaddesk.services.predictive.schedule import retrain_due, retrain_weekly_enabled, set_retrain_weekly
from leaddesk.services.reporting import (
    DashboardReport,
    ReportFilter,
    active_model_summary,
    compute_dashboard,
    load_dashboard_facts,
    load_segment_labels,
)
from leaddesk.services.reporting.facts import LeadFact
from leaddesk.services.reporting.tables import ChartTable, dashboard_tables
from leaddesk.ui.dashboard_charts import COLUMNS, chart_widget, grid_rows
from leaddesk.ui.dashboard_pdf import write_pdf_report
from leaddesk.ui.dashboard_range import DateRangeEdit
from leaddesk.ui.tasks import ProgressRelay, TaskRunner
from leaddesk.ui.training_dialog import TrainingDialog

logger = logging.getLogger(__name__)

# (label, days back from now); None means all time.
PERIODS: tuple[tuple[str, int | None], ...] = (
    ("All time", None), ("Last 7 days", 7), ("Last 30 days", 30), ("Last 90 days", 90), ("Last 365 days", 365),
)
# The period choice after the presets, which shows the from and to date edits.
CUSTOM_RANGE = "Custom range…"
ALL = "All"
# How often the weekly retraining schedule is checked while the window is open.
RETRAIN_CHECK_MS = 60 * 60 * 1000
# The first check waits this long after start, so opening the window and the inbox come first.
RETRAIN_START_DELAY_MS = 15 * 1000


class ChartCard(QFrame):
    """One chart with buttons that save it as PNG and its numbers as CSV or XLSX."""

    def __init__(self, table: ChartTable, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.table = table
        self.setFrameShape(QFrame.Shape.StyledPanel)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        self.chart = chart_widget(table, self)
        layout.addWidget(self.chart)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        for label, suffix, save in (("PNG…", "png", self.save_png), ("CSV…", "csv", self.save_csv),
                                    ("XLSX…", "xlsx", self.save_xlsx)):
            button = QPushButton(self.tr(label), self)
            button.setToolTip(self.tr("Save this chart as {kind}").format(kind=suffix.upper()))
            button.clicked.connect(lambda _checked=False, s=suffix, f=save: self._ask_and_save(s, f))
            buttons.addWidget(button)
        layout.addLayout(buttons)

    def save_png(self, path: Path) -> None:
        if not self.chart.grab().save(str(path), "PNG"):
            raise OSError(f"cannot write the image {path}; check that the folder is writable")

    def save_csv(self, path: Path) -> None:
        self.table.write_csv(Path(path))

    def save_xlsx(self, path: Path) -> None:
        self.table.write_xlsx(Path(path))

    def _ask_and_save(self, suffix: str, save: Callable[[Path], None]) -> None:
        name, _filter = QFileDialog.getSaveFileName(
            self, self.tr("Save chart"), f"{self.table.key}.{suffix}", f"{suffix.upper()} (*.{suffix})"
        )
        if not name:
            return
        try:
            save(Path(name))
        except Exception as error:  # openpyxl and Qt raise many types, and the window must stay up
            logger.exception("saving chart %s to %s failed", self.table.key, name)
            QMessageBox.warning(self, self.tr("LeadDesk"), self.tr("Could not save the chart to {file}: {error}").format(
                file=name, error=error))


class DashboardTab(QWidget):
    """KPI charts for the leads that pass the filter bar, with export and model training."""

    report_shown = Signal(object)
    training_finished = Signal(object)

    def __init__(
        self,
        runner: TaskRunner,
        clock: Callable[[], datetime] = utc_now,
        parent: QWidget | None = None,
        retrain_start_delay_ms: int = RETRAIN_START_DELAY_MS,
    ) -> None:
        super().__init__(parent)
        self.runner = runner
        self.clock = clock
        self.facts: list[LeadFact] = []
        self.model_summary: dict | None = None
        self.segment_labels: dict[str, str] = {}
        self.report: DashboardReport | None = None
        self.cards: list[ChartCard] = []
        self._loaded_at: datetime | None = None
        self._training = False
        self._loading = False
        # The training dialog while it is open, so tests and the window can reach it.
        self.training_dialog: TrainingDialog | None = None

        layout = QVBoxLayout(self)
        layout.addLayout(self._build_filter_row())
        layout.addLayout(self._build_model_row())
        self.scroll = QScrollArea(self)
        self.scroll.setWidgetResizable(True)
        self.grid_host = QWidget(self.scroll)
        self.grid = QGridLayout(self.grid_host)
        self.scroll.setWidget(self.grid_host)
        layout.addWidget(self.scroll, 1)

        self._retrain_timer = QTimer(self)
        self._retrain_timer.setInterval(RETRAIN_CHECK_MS)
        self._retrain_timer.timeout.connect(self.check_retrain_schedule)
        self._retrain_timer.start()
        # Also check once on start, so a model that aged while the app was closed is retrained.
        QTimer.singleShot(retrain_start_delay_ms, self, self.check_retrain_schedule)

    # --- Building -----------------------------------------------------------------------

    def _build_filter_row(self) -> QHBoxLayout:
        row = QHBoxLayout()
        self.period = QComboBox(self)
        for label, _days in PERIODS:
            self.period.addItem(self.tr(label))
        self.period.addItem(self.tr(CUSTOM_RANGE))
        self.custom_range = DateRangeEdit(self.clock().date(), self)
        self.custom_range.setVisible(False)
        self.custom_range.range_changed.connect(self.apply_filter)
        self.owner = QComboBox(self)
        self.segment = QComboBox(self)
        self.source = QComboBox(self)
        for label, combo in ((self.tr("Arrived:"), self.period), (self.tr("Owner:"), self.owner),
                             (self.tr("Segment:"), self.segment), (self.tr("Source:"), self.source)):
            row.addWidget(QLabel(label, self))
            row.addWidget(combo)
            if combo is self.period:
                row.addWidget(self.custom_range)
            combo.currentIndexChanged.connect(self.apply_filter)
        row.addStretch(1)
        self.reload_button = QPushButton(self.tr("Reload"), self)
        self.reload_button.clicked.connect(self.reload)
        row.addWidget(self.reload_button)
        self.pdf_button = QPushButton(self.tr("Export PDF report…"), self)
        self.pdf_button.clicked.connect(self._ask_pdf)
        row.addWidget(self.pdf_button)
        return row

    def _build_model_row(self) -> QHBoxLayout:
        row = QHBoxLayout()
        self.model_status = QLabel(self.tr("Conversion model: not loaded yet"), self)
        self.model_status.setWordWrap(True)
        row.addWidget(self.model_status, 1)
        self.progress = QProgressBar(self)
        self.progress.setRange(0, 100)
        self.progress.setVisible(False)
        row.addWidget(self.progress)
        self.exclude_button = QPushButton(self.tr("Excluded fields…"), self)
        self.exclude_button.setToolTip(self.tr("Fields the team fills after contacting a lead, left out of training"))
        self.exclude_button.clicked.connect(self._ask_excluded_fields)
        row.addWidget(self.exclude_button)
        self.weekly = QCheckBox(self.tr("Retrain weekly"), self)
        self.weekly.toggled.connect(self._on_weekly_toggled)
        row.addWidget(self.weekly)
        self.outcome = QComboBox(self)
        self.outcome.setToolTip(self.tr("The field that tells whether a lead converted; training learns to predict it"))
        self.outcome.addItem(self.tr("Outcome: won versus lost"), STAGE_OUTCOME_FIELD)
        self._outcome_chosen = False
        self.outcome.currentIndexChanged.connect(self._on_outcome_picked)
        row.addWidget(self.outcome)
        self.train_button = QPushButton(self.tr("Train model"), self)
        self.train_button.clicked.connect(self.start_training)
        row.addWidget(self.train_button)
        return row

    # --- Loading and filtering ----------------------------------------------------------

    def showEvent(self, event) -> None:
        super().showEvent(event)
        if self._loaded_at is None and not self._loading:
            self.reload()

    def reload(self) -> None:
        """Read the lead facts and the active model's figures on the read pool, then redraw."""
        now = self.clock()

        def load(database: Database) -> tuple:
            return (load_dashboard_facts(database, now), active_model_summary(database),
                    retrain_weekly_enabled(database), load_segment_labels(database), outcome_choices(database))

        self._loading = True
        self.runner.read_job(load, self._on_loaded, self._on_load_failed, description="load the dashboard")

    def _on_load_failed(self, error: Exception) -> None:
        self._loading = False
        self.model_status.setText(self.tr("Loading the dashboard failed: {error}").format(error=error))

    def _on_loaded(self, result: tuple) -> None:
        """Take the facts, model summary, weekly flag, segment labels and outcome choices that reload read."""
        self._loading = False
        self.facts, self.model_summary, weekly, self.segment_labels, outcomes = result
        self._show_outcome_choices(*outcomes)
        self._loaded_at = self.clock()
        self.weekly.blockSignals(True)
        self.weekly.setChecked(weekly)
        self.weekly.blockSignals(False)
        self._fill_choices()
        self._show_model_status()
        self.apply_filter()

    def _fill_choices(self) -> None:
        """Offer every owner, segment and source of the facts; items show labels and carry the key as data."""
        for combo, attribute in ((self.owner, "owner"), (self.segment, "segment"), (self.source, "source")):
            current = combo.currentData()
            values = {getattr(fact, attribute) for fact in self.facts}
            display_names = {value: self.segment_labels.get(value, value) if attribute == "segment" else value
                     for value in values}
            combo.blockSignals(True)
            combo.clear()
            combo.addItem(self.tr(ALL), None)
            for value in sorted(values, key=lambda item: display_names[item].casefold()):
                combo.addItem(display_names[value], value)
            index = combo.findData(current) if current is not None else 0
            combo.setCurrentIndex(max(index, 0))
            combo.blockSignals(False)

    def custom_range_chosen(self) -> bool:
        return self.period.currentIndex() == len(PERIODS)

    def current_filter(self) -> ReportFilter | None:
        """Return the filter bar's filter, or None while the custom range is invalid, which its label shows."""
        now = self.clock()
        custom = self.custom_range_chosen()
        self.custom_range.setVisible(custom)
        if custom:
            # NOTE: the days are read in the clock's zone, which is UTC in the app, as the presets are.
            bounds = self.custom_range.bounds(now.tzinfo)
            if bounds is None:
                return None
            since, until = bounds
        else:
            days = PERIODS[max(self.period.currentIndex(), 0)][1]
            since, until = (now - timedelta(days=days) if days else None), None

        def chosen(combo: QComboBox) -> frozenset[str]:
            return frozenset() if combo.currentIndex() <= 0 else frozenset({combo.currentData()})

        return ReportFilter(
            since=since,
            until=until,
            owners=chosen(self.owner),
            segments=chosen(self.segment),
            sources=chosen(self.source),
        )

    def apply_filter(self) -> None:
        """Recompute every figure from the cached facts and redraw the charts. An invalid range keeps the last ones."""
        chosen = self.current_filter()
        if chosen is None:
            return
        report = compute_dashboard(self.facts, chosen, self.clock(), self.model_summary,
                                   self.segment_labels)
        self.show_report(report)

    def show_report(self, report: DashboardReport) -> None:
        self.report = report
        for card in self.cards:
            self.grid.removeWidget(card)
            card.deleteLater()
        self.cards = []
        tables = dashboard_tables(report)
        self.cards = [ChartCard(table, self.grid_host) for table in tables]
        for row, indexes in enumerate(grid_rows(tables)):
            # A chart alone in its row, such as the heatmap, spans both columns.
            span = COLUMNS if len(indexes) == 1 else 1
            for column, index in enumerate(indexes):
                self.grid.addWidget(self.cards[index], row, column, 1, span)
        self.report_shown.emit(report)

    def _show_model_status(self) -> None:
        model = self.model_summary
        if model is None:
            self.model_status.setText(self.tr(
                "Conversion model: none validated yet, so leads keep the playbook's rule score. "
                "Train one once there are enough won and lost leads."))
        else:
            self.model_status.setText(self.tr("Conversion model version {version}: held-out AUC {auc:.3f}, trained {when}")
                                      .format(version=model["version"], auc=model["auc"], when=model["trained_at"][:16]))

    # --- Export -------------------------------------------------------------------------

    def export_pdf(self, path: Path) -> None:
        """Write the charts of the current filter, and the filter itself, to a PDF report at path."""
        if self.report is None:
            raise ValueError("the dashboard has not been loaded yet; reload it before exporting")
        chosen = self.report.filter
        parts = [self.period.currentText()]
        # Only the custom range sets until, and the report keeps the filter it was computed with.
        if chosen.since is not None and chosen.until is not None:
            last_day = chosen.until - timedelta(days=1)
            parts = [f"arrived {chosen.since:%Y-%m-%d} to {last_day:%Y-%m-%d}"]
        segments = {self.report.segment_label(key) for key in chosen.segments}
        for label, values in (("owner", chosen.owners), ("segment", segments), ("source", chosen.sources)):
            if values:
                parts.append(f"{label} {', '.join(sorted(values))}")
        subtitle = (f"{self.report.leads} leads; {'; '.join(parts)}; "
                    f"computed {self.report.now.strftime('%Y-%m-%d %H:%M')} UTC")
        write_pdf_report(Path(path), "LeadDesk dashboard", subtitle, [card.table for card in self.cards])

    def _ask_pdf(self) -> None:
        name, _filter = QFileDialog.getSaveFileName(self, self.tr("Export PDF report"), "dashboard.pdf", "PDF (*.pdf)")
        if not name:
            return
        try:
            self.export_pdf(Path(name))
        except (OSError, ValueError) as error:
            logger.error("exporting the dashboard to %s failed: %s", name, error)
            self.model_status.setText(str(error))

    # --- Training -----------------------------------------------------------------------

    def _chosen_outcome_field(self) -> str | None:
        # None lets training reuse the active model's outcome field, which the combo shows until the user picks another.
        return self.outcome.currentData() if self._outcome_chosen else None

    def start_training(self) -> None:
        """Train now, or first show the training dialog when the active model's exclusions would carry over."""
        if self._training:
            return
        outcome_field = self._chosen_outcome_field()
        self.runner.read_job(lambda database: carried_exclusions(database, outcome_field), self._confirm_training,
                             self._on_train_failed, description="read the active model's excluded fields")

    def _confirm_training(self, carried) -> TrainingDialog | None:
        if not carried.excluded:
            self.train_model()
            return None
        dialog = TrainingDialog(carried.version, carried.excluded, self)
        dialog.accepted.connect(lambda: self.train_model(include=dialog.lifted_fields()))
        dialog.finished.connect(lambda _result: setattr(self, "training_dialog", None))
        dialog.finished.connect(dialog.deleteLater)
        self.training_dialog = dialog
        dialog.open()
        return dialog

    def train_model(self, include: Sequence[str] = ()) -> None:
        """Train a conversion model on the read pool, showing progress; the window stays usable.

        include lists exclusions of the active model to lift, as `score train --include` does.
        """
        if self._training:
            return
        self._training = True
        self.train_button.setEnabled(False)
        self.progress.setValue(0)
        self.progress.setVisible(True)
        relay = ProgressRelay(self)
        relay.progressed.connect(self._on_progress)
        outcome_field = self._chosen_outcome_field()
        included = list(include)
        self.runner.read_job(
            lambda database: train_conversion_model(database, outcome_field=outcome_field, include=included,
                                                    progress=relay.progressed.emit),
            self._on_trained,
            self._on_train_failed,
            description="train the conversion model",
        )

    def _show_outcome_choices(self, custom_fields: list[str], active_field: str | None) -> None:
        """List won versus lost and the yes/no custom fields, selecting the active model's outcome field."""
        current = self.outcome.currentData() if self._outcome_chosen else active_field
        self.outcome.blockSignals(True)
        self.outcome.clear()
        self.outcome.addItem(self.tr("Outcome: won versus lost"), STAGE_OUTCOME_FIELD)
        for key in custom_fields:
            self.outcome.addItem(self.tr("Outcome: {field}").format(field=key), CUSTOM_PREFIX + key)
        if current is not None and self.outcome.findData(current) < 0:
            self.outcome.addItem(self.tr("Outcome: {field}").format(field=current.removeprefix(CUSTOM_PREFIX)), current)
        self.outcome.setCurrentIndex(max(self.outcome.findData(current or STAGE_OUTCOME_FIELD), 0))
        self.outcome.blockSignals(False)

    def _on_outcome_picked(self, _index: int) -> None:
        self._outcome_chosen = True

    def _on_progress(self, fraction: float, message: str) -> None:
        self.progress.setValue(int(fraction * 100))
        self.model_status.setText(self.tr("Training: {message}").format(message=message))

    def _finish_training(self) -> None:
        self._training = False
        self.train_button.setEnabled(True)
        self.progress.setVisible(False)

    def _on_trained(self, result) -> None:
        self._finish_training()
        self.model_status.setText(self.tr("Model version {version}: {decision}").format(
            version=result.version, decision=result.decision))
        self.training_finished.emit(result)
        self.reload()

    def _on_train_failed(self, error: Exception) -> None:
        self._finish_training()
        if isinstance(error, (NotEnoughDataError, ValueError)):
            self.model_status.setText(str(error))
        else:
            self.model_status.setText(self.tr("Training failed: {error}. The log file has the details.").format(error=error))
        self.training_finished.emit(error)

    def check_retrain_schedule(self) -> None:
        """Start training when weekly retraining is on and the active model is a week old or missing."""
        if self._training:
            return
        now = self.clock()
        self.runner.read_job(lambda database: retrain_due(database, now),
                             lambda due: self.train_model() if due else None,
                             description="check the retraining schedule")

    def _on_weekly_toggled(self, enabled: bool) -> None:
        self.runner.job(lambda database: set_retrain_weekly(database, enabled), description="save the retraining schedule")

    def _on_excluded_saved(self, saved: list[str]) -> None:
        self.model_status.setText(self.tr("Fields excluded from training: {names}").format(
            names=", ".join(saved) or self.tr("none")))

    def _on_excluded_rejected(self, error: Exception) -> None:
        # UnknownFieldError names the value and the closest field names; nothing was saved.
        self.model_status.setText(self.tr("Excluded fields not saved: {error}").format(error=error))

    def _ask_excluded_fields(self) -> None:
        def ask(current: list[str]) -> None:
            text, accepted = QInputDialog.getText(
                self, self.tr("Excluded fields"),
                self.tr("Fields left out of training, separated by commas (for example Tags, Lead Quality):"),
                text=", ".join(current))
            if accepted:
                names = [name.strip() for name in text.split(",")]
                self.runner.job(lambda database: set_excluded_fields(database, names),
                                self._on_excluded_saved, self._on_excluded_rejected,
                                description="save the excluded fields")

        self.runner.read_job(excluded_fields, ask, description="read the excluded fields")
