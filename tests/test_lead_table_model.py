"""LeadTableModel without widgets: row count, roles, colours, lazy page loads and the clock."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone

import pytest
from PySide6.QtCore import QCoreApplication, QLocale, Qt, QTranslator

from leaddesk.models import Lead
from leaddesk.services import inbox, lead_actions
from leaddesk.services.auto_evaluation import SKIP_KEY
from leaddesk.services.inbox import InboxQuery
from leaddesk.ui.labels import DUE_SOON_BACKGROUND, HIGHLIGHT_TEXT, OVERDUE_BACKGROUND, duration_text, weekday_time
from leaddesk.ui.lead_table_model import COLUMN_INDEX, DUE_COLUMN, LEAD_ID_ROLE, SORT_ROLE, STATE_ROLE, LeadTableModel
from leaddesk.ui.lead_table_view import fit_widths
from leaddesk.ui.tasks import TaskRunner

NOW = datetime(2024, 5, 6, 12, 0, tzinfo=timezone.utc)
PAGE_SIZE = 10
# The contacted lead has no open deadline, so it sorts last among the 25 leads.
CONTACTED_ROW = 24
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


class QueuedRunner:
    """A stand-in for TaskRunner that queues reads until run_all(), so tests see each query."""

    def __init__(self, database) -> None:
        self.database = database
        self.queued = []
        self.reads = 0

    def read(self, work, on_success=None, on_failure=None, description=""):
        self.reads += 1
        self.queued.append((work, on_success))

    def run_all(self) -> None:
        while self.queued:
            work, on_success = self.queued.pop(0)
            with self.database.session() as session:
                result = work(session)
            on_success(result)


class WordTranslator(QTranslator):
    """A translator that replaces whole source texts from a dictionary, in any context."""

    def __init__(self, texts: dict[str, str]) -> None:
        super().__init__()
        self.texts = texts

    def translate(self, context, source_text, disambiguation=None, n=-1):
        return self.texts.get(source_text, source_text)


@pytest.fixture
def german(qapp):
    translator = WordTranslator(
        {
            "due in {duration}": "fällig in {duration}",
            "overdue by {duration}": "überfällig seit {duration}",
            "{hours}h {minutes}m": "{hours} Std. {minutes} Min.",
            "{minutes}m {seconds}s": "{minutes} Min. {seconds} Sek.",
        }
    )
    QCoreApplication.installTranslator(translator)
    yield translator
    QCoreApplication.removeTranslator(translator)


@pytest.fixture
def lead_ids(database) -> list[uuid.UUID]:
    """Create 25 leads: one overdue, one due soon, one contacted and 22 waiting; return ids in inbox order."""
    with database.session() as session:
        # Left unevaluated, so the inbox orders them by Lead.score.
        session.info[SKIP_KEY] = True
        session.add(
            Lead(
                full_name="Overdue Olga",
                company="Acme",
                email="olga@acme.example",
                score=5,
                received_at=NOW - timedelta(hours=2),
                response_due_at=NOW - timedelta(minutes=90),
                response_warn_at=NOW - timedelta(minutes=100),
            )
        )
        session.add(
            Lead(
                full_name="Soon Sami",
                score=7,
                received_at=NOW - timedelta(minutes=12),
                response_due_at=NOW + timedelta(minutes=3),
                response_warn_at=NOW - timedelta(minutes=1),
            )
        )
        session.add(
            Lead(
                full_name="Contacted Cleo",
                stage="contacted",
                score=99,
                received_at=NOW - timedelta(days=1),
                response_due_at=NOW - timedelta(hours=20),
                first_contacted_at=NOW - timedelta(hours=23),
            )
        )
        for number in range(22):
            session.add(
                Lead(
                    full_name=f"Waiting {number:02d}",
                    score=number,
                    received_at=NOW - timedelta(minutes=5),
                    response_due_at=NOW + timedelta(hours=2, minutes=number),
                    response_warn_at=NOW + timedelta(hours=1, minutes=number),
                )
            )
    with database.session() as session:
        return inbox.list_lead_ids(session, InboxQuery(now=NOW))


@pytest.fixture
def runner(database) -> QueuedRunner:
    return QueuedRunner(database)


@pytest.fixture
def model(qapp, runner, lead_ids) -> LeadTableModel:
    model = LeadTableModel(runner, page_size=PAGE_SIZE)
    model.set_lead_ids(lead_ids, NOW)
    return model


def display(model: LeadTableModel, row: int, column: str):
    return model.data(model.index(row, COLUMN_INDEX[column]), Qt.ItemDataRole.DisplayRole)


def test_row_count_without_queries(model, runner, lead_ids):
    assert model.rowCount() == 25
    assert model.columnCount() == 10
    assert runner.reads == 0


def test_lead_id_role_without_queries(model, runner, lead_ids):
    assert model.data(model.index(24, 0), LEAD_ID_ROLE) == lead_ids[24]
    assert model.row_of(lead_ids[7]) == 7
    assert runner.reads == 0


def test_page_fetch_lazy(model, runner):
    assert display(model, 0, "name") is None
    assert runner.reads == 1

    display(model, 5, "company")
    assert runner.reads == 1

    runner.run_all()
    assert model.is_page_loaded(0)
    assert not model.is_page_loaded(1)
    assert display(model, 0, "name") == "Overdue Olga"

    display(model, 21, "name")
    assert runner.reads == 2
    runner.run_all()
    assert model.is_page_loaded(2)
    assert not model.is_page_loaded(1)


def test_page_fetch_emits_data_changed(model, runner):
    changes = []
    model.dataChanged.connect(lambda top_left, bottom_right: changes.append((top_left.row(), bottom_right.row())))

    display(model, 12, "name")
    runner.run_all()

    assert changes == [(10, 19)]


def test_display_columns(model, runner):
    display(model, 0, "name")
    display(model, CONTACTED_ROW, "name")
    runner.run_all()

    assert display(model, 0, "name") == "Overdue Olga"
    assert display(model, 0, "company") == "Acme"
    assert display(model, 0, "email") == "olga@acme.example"
    assert display(model, 0, "segment") == "General"
    assert model.data(model.index(0, COLUMN_INDEX["segment"]), Qt.ItemDataRole.ToolTipRole) == "General website visitor"
    assert display(model, 0, "stage") == "New"
    assert display(model, 0, "owner") == ""
    assert display(model, 0, "score") == "5"
    assert display(model, 0, "due") == "overdue by 1h 30m"
    assert display(model, 1, "due") == "due in 3m 0s"
    assert display(model, CONTACTED_ROW, "due") == "Contacted"


def test_due_text_translated(model, runner, german):
    display(model, 0, "name")
    runner.run_all()

    assert display(model, 0, "due") == "überfällig seit 1 Std. 30 Min."
    assert display(model, 1, "due") == "fällig in 3 Min. 0 Sek."


def test_due_text_at_deadline(model, runner):
    display(model, 0, "name")
    runner.run_all()

    model.tick(NOW + timedelta(minutes=3), 0, 9)

    assert model.data(model.index(1, 0), STATE_ROLE) == "overdue"
    assert display(model, 1, "due") == "overdue by 0s"


@pytest.mark.parametrize(
    ("delta", "expected"),
    [
        (timedelta(0), "0s"),
        (timedelta(seconds=59), "59s"),
        (timedelta(minutes=4, seconds=10), "4m 10s"),
        (timedelta(hours=1), "1h 0m"),
        (timedelta(hours=2, minutes=5, seconds=59), "2h 5m"),
        (timedelta(days=3, hours=1, minutes=2), "3d 1h"),
        (-timedelta(minutes=90), "1h 30m"),
    ],
)
def test_duration_text_units(qapp, delta, expected):
    assert duration_text(delta) == expected


def test_weekday_time_adds_far_date(qapp):
    previous = QLocale()
    QLocale.setDefault(QLocale(QLocale.Language.English, QLocale.Country.UnitedStates))
    try:
        near = (NOW + timedelta(days=2)).astimezone()
        far = (NOW + timedelta(days=8)).astimezone()

        assert weekday_time(near, NOW) == f"{WEEKDAYS[near.weekday()]} {near:%H:%M}"
        assert weekday_time(far, NOW) == f"{WEEKDAYS[far.weekday()]} {far.day} {MONTHS[far.month - 1]} {far:%H:%M}"
    finally:
        QLocale.setDefault(previous)


def test_fit_widths_unchanged_when_room():
    natural = {"name": 100, "email": 200, "score": 50}

    assert fit_widths(natural, 350, {"email": 80}) == natural
    assert fit_widths(natural, 1000, {"email": 80}) == natural


def test_fit_widths_shrinks_by_room():
    natural = {"name": 100, "email": 200, "score": 50}

    widths = fit_widths(natural, 300, {"name": 80, "email": 80})

    assert sum(widths.values()) <= 300
    assert widths["score"] == 50
    # email has 120 px above its minimum and name 20, so email gives up six times as much.
    assert widths["email"] == 200 - 43
    assert widths["name"] == 100 - 8


def test_fit_widths_stops_at_minimums():
    natural = {"name": 100, "email": 200, "score": 50}

    widths = fit_widths(natural, 100, {"name": 80, "email": 80})

    assert widths == {"name": 80, "email": 80, "score": 50}


def test_header_titles(model):
    titles = [model.headerData(column, Qt.Orientation.Horizontal) for column in range(model.columnCount())]

    assert titles == [
        "Name",
        "Company",
        "Email",
        "Segment",
        "Stage",
        "Owner",
        "Score",
        "Grade",
        "Received",
        "Response",
    ]


def test_state_colours(model, runner):
    display(model, 0, "name")
    display(model, CONTACTED_ROW, "name")
    runner.run_all()
    background = Qt.ItemDataRole.BackgroundRole
    foreground = Qt.ItemDataRole.ForegroundRole

    assert model.data(model.index(0, 0), background) == OVERDUE_BACKGROUND
    assert model.data(model.index(0, 0), foreground) == HIGHLIGHT_TEXT
    assert model.data(model.index(1, 3), background) == DUE_SOON_BACKGROUND
    assert model.data(model.index(2, 0), background) is None
    assert model.data(model.index(CONTACTED_ROW, 0), background) is None
    assert model.data(model.index(3, 0), background) is None
    assert model.data(model.index(3, 0), foreground) is None


def test_state_and_sort_roles(model, runner):
    display(model, 0, "name")
    display(model, CONTACTED_ROW, "name")
    runner.run_all()

    assert model.data(model.index(0, 0), STATE_ROLE) == "overdue"
    assert model.data(model.index(CONTACTED_ROW, 0), STATE_ROLE) == "contacted"
    assert model.data(model.index(0, COLUMN_INDEX["score"]), SORT_ROLE) == 5
    assert model.data(model.index(0, COLUMN_INDEX["name"]), SORT_ROLE) == "overdue olga"


def test_tick_updates_due_column(model, runner):
    display(model, 0, "name")
    runner.run_all()
    changes = []
    model.dataChanged.connect(
        lambda top_left, bottom_right: changes.append(
            (top_left.row(), top_left.column(), bottom_right.row(), bottom_right.column())
        )
    )

    model.tick(NOW + timedelta(seconds=1), 0, 9)

    assert changes == [(0, DUE_COLUMN, 9, DUE_COLUMN)]
    assert display(model, 1, "due") == "due in 2m 59s"


def test_tick_repaints_state_change(model, runner):
    display(model, 0, "name")
    runner.run_all()
    changes = []
    model.dataChanged.connect(lambda top_left, bottom_right: changes.append((top_left.row(), bottom_right.column())))

    model.tick(NOW + timedelta(minutes=3), 0, 9)

    assert (1, model.columnCount() - 1) in changes
    assert model.data(model.index(1, 0), Qt.ItemDataRole.BackgroundRole) == OVERDUE_BACKGROUND
    assert runner.reads == 1


def test_refresh_refetches_pages(model, runner, lead_ids):
    display(model, 0, "name")
    runner.run_all()

    model.set_lead_ids(lead_ids, NOW)

    assert not model.is_page_loaded(0)
    assert display(model, 0, "name") == "Overdue Olga"
    assert runner.reads == 2
    runner.run_all()
    assert model.is_page_loaded(0)


def test_refresh_drops_stale_pages(model, runner, lead_ids):
    display(model, 0, "name")
    model.set_lead_ids(lead_ids[:5], NOW)

    runner.run_all()

    assert not model.is_page_loaded(0)
    assert model.rowCount() == 5


def test_older_page_keeps_newer_row(model, runner, database, lead_ids):
    display(model, 0, "name")
    ((read_page, deliver_page),) = runner.queued
    runner.queued.clear()
    with database.session() as session:
        old_page = read_page(session)
    with database.session() as session:
        lead_actions.mark_contacted(session, lead_ids[0], NOW, "tester")
        written = inbox.fetch_rows(session, [lead_ids[0]], NOW)
    changes = []
    model.dataChanged.connect(lambda top_left, bottom_right: changes.append((top_left.row(), bottom_right.row())))

    model.update_rows(written)
    deliver_page(old_page)

    assert changes[0] == (0, 0)
    assert model.is_page_loaded(0)
    assert model.data(model.index(0, 0), STATE_ROLE) == "contacted"
    assert model.data(model.index(0, 0), Qt.ItemDataRole.BackgroundRole) is None
    assert display(model, 1, "name") == "Soon Sami"


def test_written_row_outlives_refresh(model, runner, database, lead_ids):
    display(model, 0, "name")
    runner.run_all()
    model.set_lead_ids(lead_ids, NOW)
    with database.session() as session:
        lead_actions.mark_contacted(session, lead_ids[0], NOW, "tester")
        written = inbox.fetch_rows(session, [lead_ids[0]], NOW)
    model.update_rows(written)

    # A second refresh arrives before any page of the first one.
    model.set_lead_ids(lead_ids, NOW)

    assert not model.is_page_loaded(0)
    assert model.data(model.index(0, 0), STATE_ROLE) == "contacted"
    assert display(model, 1, "name") == "Soon Sami"


def test_sort_requests(model):
    requests = []
    model.sort_requested.connect(lambda key, descending: requests.append((key, descending)))

    model.sort(COLUMN_INDEX["score"], Qt.SortOrder.DescendingOrder)
    model.sort(COLUMN_INDEX["due"], Qt.SortOrder.AscendingOrder)
    model.sort(-1, Qt.SortOrder.AscendingOrder)

    assert requests == [("score", True), ("due", False), (None, False)]


def test_threaded_runner_loads_page(qtbot, database, lead_ids):
    runner = TaskRunner(database)
    model = LeadTableModel(runner, page_size=PAGE_SIZE)
    model.set_lead_ids(lead_ids, NOW)

    with qtbot.waitSignal(model.page_loaded) as loaded:
        display(model, 15, "name")

    assert loaded.args == [10, 19]
    assert display(model, 15, "name").startswith("Waiting")
    runner.shut_down()
