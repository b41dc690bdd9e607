"""`leaddesk inbox`: print the prioritized inbox as a table or as JSON."""

from __future__ import annotations

import argparse
import getpass
import json
import logging
import sys
import uuid
from datetime import date, datetime, timezone

from sqlalchemy.orm import Session

from leaddesk.cli.errors import EXIT_OK, EXIT_USAGE, CliError
from leaddesk.models import STAGES
from leaddesk.services import inbox
from leaddesk.services.database import Database
from leaddesk.services.follow_up_state import local_today
from leaddesk.services.inbox import InboxQuery, InboxRow
from leaddesk.services.local_time import LocalTimeError, zone
from leaddesk.services.paths import resolve_database_path
from leaddesk.services.playbook import DEFAULT_SEGMENTS
from leaddesk.services.sla import ResponseState, format_remaining
from leaddesk.services.user_timezone import user_timezone

logger = logging.getLogger(__name__)

DEFAULT_LIMIT = 50

STATE_LABELS = {
    ResponseState.OVERDUE: "OVERDUE",
    ResponseState.DUE_SOON: "due soon",
    ResponseState.WAITING: "waiting",
    ResponseState.CONTACTED: "contacted",
}
# The State label of a won, lost or disqualified lead that was never contacted.
CLOSED_LABEL = "closed"

# Maximum width of each text column in the table, so one long company name cannot wrap every line.
MAX_COLUMN_WIDTH = 32

# Maximum number of rep names that the error for an unknown --owner lists.
MAX_REPS_LISTED = 20


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "inbox",
        help="print the prioritized inbox",
        description=(
            "Print leads in the order to work them: past their response deadline first, then due "
            "soonest, then due follow-ups, then by score. Won, lost and disqualified leads are never "
            "overdue. The Follow-up column shows each lead's next open follow-up in UTC, or its date "
            "for a date-only one, marked overdue when it is past and due today on its date."
        ),
    )
    parser.add_argument(
        "--db",
        default=argparse.SUPPRESS,
        help="database file (default: LEADDESK_DB, then the user data folder)",
    )
    parser.add_argument(
        "--now",
        metavar="ISO-8601",
        help=(
            "evaluate deadlines at this instant instead of the current time, e.g. 2024-05-06T14:30:00Z "
            "(a value without a UTC offset is taken as UTC)"
        ),
    )
    parser.add_argument(
        "--limit",
        type=_non_negative_int,
        default=DEFAULT_LIMIT,
        metavar="N",
        help=f"print at most N leads (default: {DEFAULT_LIMIT}; 0 prints all)",
    )
    parser.add_argument(
        "--timezone",
        metavar="ZONE",
        help=(
            "IANA timezone whose date decides when a date-only follow-up is due, e.g. Europe/Berlin "
            "(default: the timezone set for your user in the app, else this computer's)"
        ),
    )
    parser.add_argument("--json", action="store_true", help="print a JSON array of lead objects instead of a table")
    parser.add_argument("--stage", choices=STAGES, help="only leads in this stage")
    parser.add_argument("--owner", metavar="REP", help="only leads owned by this rep (name or id)")
    parser.add_argument(
        "--segment",
        choices=[rule.key for rule in DEFAULT_SEGMENTS],
        help="only leads in this segment",
    )
    parser.add_argument("--grade", choices=inbox.GRADES, help="only leads with this playbook grade")
    parser.add_argument(
        "--qualification",
        choices=inbox.QUALIFICATIONS,
        help="only SQL or MQL leads, or with none those that are neither (including leads not evaluated yet)",
    )
    parser.add_argument(
        "--search",
        metavar="TEXT",
        help="only leads whose name, email, company, title or phone contains TEXT (case-insensitive)",
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    now = parse_now(args.now)
    zone_name = check_zone(args.timezone)
    limit = args.limit or None

    path = resolve_database_path(getattr(args, "db", None))
    if not path.exists():
        # Database.open would create an empty file, which hides a mistyped --db behind an empty inbox.
        raise CliError(f"database file {path} not found; check --db, or import leads first with 'leaddesk import FILE'")
    database = Database.open(path)
    try:
        with database.session() as session:
            if zone_name is None:
                zone_name = user_timezone(session, _current_user())
            query = _query(args, now, zone_name)
            if query.owner is not None:
                check_owner(session, query.owner)
            rows = inbox.page(session, query, 0, limit)
            total = inbox.count_leads(session, query)
            dates = inbox.next_follow_up_dates(session, [row.id for row in rows])
    finally:
        database.dispose()
    logger.debug("inbox listed %d of %d leads at %s", len(rows), total, now.isoformat())

    if args.json:
        json.dump([_json_row(row, dates) for row in rows], sys.stdout, indent=2)
        sys.stdout.write("\n")
    else:
        sys.stdout.write(format_table(rows, now, total, dates, local_today(now, zone_name)))
    return EXIT_OK


def _query(args: argparse.Namespace, now: datetime, zone_name: str) -> InboxQuery:
    return InboxQuery(
        now=now,
        stage=args.stage,
        owner=args.owner,
        segment=args.segment,
        search=args.search,
        grade=args.grade,
        qualification=args.qualification,
        zone_name=zone_name,
    )


def _json_row(row: InboxRow, dates: dict[uuid.UUID, date]) -> dict:
    """Return the row's JSON object with next_follow_up_date: the date of a date-only next follow-up, else null."""
    values = row.to_json()
    day = dates.get(row.id)
    values["next_follow_up_date"] = day.isoformat() if day else None
    return values


def check_zone(name: str | None) -> str | None:
    """Return --timezone after checking that it names an IANA timezone, or None when it was not given."""
    if name is None:
        return None
    try:
        zone(name.strip())
    except LocalTimeError:
        raise CliError(
            f"invalid --timezone value {name!r}: use an IANA name such as Europe/Berlin", exit_code=EXIT_USAGE
        ) from None
    return name.strip()


def _current_user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        # getpass raises when neither the environment nor the password database names the user.
        return "unknown user"


def check_owner(session: Session, owner: str) -> None:
    """Raise CliError naming the known reps when owner matches no rep's name or id."""
    if inbox.owner_exists(session, owner):
        return
    try:
        uuid.UUID(owner)
        missing = f"no rep has the id {owner}"
    except ValueError:
        missing = f"no rep is named {owner!r}"

    names = inbox.rep_names(session)
    if not names:
        raise CliError(f"{missing}, and this database has no reps yet; leave out --owner")
    listed = ", ".join(names[:MAX_REPS_LISTED])
    if len(names) > MAX_REPS_LISTED:
        listed += f" and {len(names) - MAX_REPS_LISTED} more"
    raise CliError(f"{missing}; known reps: {listed}. Pass one of these names, or a rep id, to --owner")


def parse_now(value: str | None) -> datetime:
    """Parse --now as an ISO-8601 instant in UTC. A value without an offset is UTC, and None means the current time."""
    if value is None:
        return datetime.now(timezone.utc)
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        raise CliError(
            f"invalid --now value {value!r}: expected an ISO-8601 date and time such as 2024-05-06T14:30:00Z",
            exit_code=EXIT_USAGE,
        ) from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=timezone.utc)
    return parsed.astimezone(timezone.utc)


def format_table(
    rows: list[InboxRow],
    now: datetime,
    total: int,
    dates: dict[uuid.UUID, date] | None = None,
    today: date | None = None,
) -> str:
    """Render rows as a plain-text table followed by a line that counts shown and matching leads.

    dates maps each lead whose next follow-up is date-only to that date (inbox.next_follow_up_dates),
    and today is the user's local date, which decides whether such a date is due or overdue.
    """
    dates = dates or {}
    today = today or local_today(now)
    if not rows:
        return "No leads match.\n"

    headers = ("State", "Due", "Name", "Company", "Segment", "Stage", "Owner", "Follow-up", "Qual", "Grade", "Score")
    cells = [
        (
            _state_label(row, now),
            _due_cell(row, now),
            row.name,
            row.company or "",
            row.segment_label,
            row.stage,
            row.owner_name or "",
            format_follow_up_date(dates[row.id], today) if row.id in dates else format_follow_up(row.next_follow_up_at, now),
            row.qualification.upper() if row.qualification else "",
            row.grade or "",
            str(row.score),
        )
        for row in rows
    ]
    cells = [tuple(_clip(value) for value in line) for line in cells]
    widths = [max(len(header), *(len(line[index]) for line in cells)) for index, header in enumerate(headers)]

    lines = [_format_line(headers, widths), _format_line(tuple("-" * width for width in widths), widths)]
    lines.extend(_format_line(line, widths) for line in cells)
    lines.append(f"{len(rows)} of {total} leads")
    return "\n".join(lines) + "\n"


def format_follow_up(due_at: datetime | None, now: datetime) -> str:
    """Return the next follow-up as UTC date and time, such as "2024-05-06 09:00Z overdue", or "" for none."""
    if due_at is None:
        return ""
    text = due_at.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%MZ")
    return f"{text} overdue" if due_at <= now else text


def format_follow_up_date(day: date, today: date) -> str:
    """Return a date-only follow-up as "2024-05-06", with "due today" on today and "overdue" after it."""
    if day == today:
        return f"{day.isoformat()} due today"
    if day < today:
        return f"{day.isoformat()} overdue"
    return day.isoformat()


def _state_label(row: InboxRow, now: datetime) -> str:
    if row.closed and row.first_contacted_at is None:
        return CLOSED_LABEL
    return STATE_LABELS[row.state_at(now)]


def _due_cell(row: InboxRow, now: datetime) -> str:
    # A closed lead's deadline no longer runs, so it shows no countdown.
    if row.response_due_at is None or row.first_contacted_at is not None or row.closed:
        return ""
    return format_remaining(row.response_due_at, now)


def _format_line(values: tuple[str, ...], widths: list[int]) -> str:
    # The score column is numeric, so it aligns right, and the rest align left.
    padded = [value.ljust(width) for value, width in zip(values[:-1], widths[:-1])]
    padded.append(values[-1].rjust(widths[-1]))
    return "  ".join(padded).rstrip()


def _clip(value: str) -> str:
    if len(value) <= MAX_COLUMN_WIDTH:
        return value
    return value[: MAX_COLUMN_WIDTH - 3] + "..."


# SQLite's LIMIT takes a signed 64-bit integer.
MAX_LIMIT = 2**63 - 1


def _non_negative_int(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"invalid count {value!r}: expected a whole number such as 20") from None
    if number < 0:
        raise argparse.ArgumentTypeError(f"invalid count {value!r}: expected 0 or more")
    if number > MAX_LIMIT:
        raise argparse.ArgumentTypeError(f"invalid count {value!r}: expected at most {MAX_LIMIT:,}; use 0 to print all")
    return number
