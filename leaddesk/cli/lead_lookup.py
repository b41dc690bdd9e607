"""Shared options of the playbook commands that act on one lead: LEAD_ID, --now, --db, --json."""

from __future__ import annotations

import argparse
import uuid

from sqlalchemy.orm import Session

from leaddesk.cli.errors import EXIT_USAGE, CliError
from leaddesk.models import Lead

DB_HELP = "database file (default: LEADDESK_DB, then the user data folder)"
NOW_HELP = "evaluate at this instant instead of the current time, e.g. 2026-12-07T09:30:00Z (no offset means UTC)"


def add_common_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--db", default=argparse.SUPPRESS, help=DB_HELP)
    parser.add_argument("--now", metavar="ISO-8601", help=NOW_HELP)
    parser.add_argument("--json", action="store_true", help="print JSON instead of text")


def parse_lead_id(text: str) -> uuid.UUID:
    try:
        return uuid.UUID(text.strip())
    except ValueError:
        raise CliError(
            f"invalid lead id {text!r}; copy the id from 'leaddesk inbox --json'", exit_code=EXIT_USAGE
        ) from None


def load_lead(session: Session, text: str) -> Lead:
    lead = session.get(Lead, parse_lead_id(text))
    if lead is None or lead.deleted_at is not None:
        raise CliError(f"lead {text} not found; list leads with 'leaddesk inbox --json'")
    return lead
