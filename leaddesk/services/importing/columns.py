"""Choosing the column plan of an import: the mapping passed in, LeadDesk's own export, a saved mapping, or the suggestion.

Besides lead fields and "custom:<key>", a mapping here may send a column to IGNORED
("ignored"), which leaves the column out of the import.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path

from sqlalchemy.orm import Session

from leaddesk.services.database import Database
from leaddesk.services.importing.export_format import IGNORED, is_leaddesk_export, leaddesk_export_plan
from leaddesk.services.importing.mapping import ColumnPlan, build_plan
from leaddesk.services.importing.preview import preview_file
from leaddesk.services.importing.rejected import annotation_width
from leaddesk.services.importing.report import ImportPreview
from leaddesk.services.importing.saved_mappings import find_saved_mapping

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ColumnChoice:
    """The plan an import uses and where it came from.

    source is "explicit", "leaddesk_export", "saved" or "suggested"; saved_at is set for
    "saved". notes are lines for the report, such as which saved mapping is used.
    """

    plan: ColumnPlan
    source: str
    saved_at: datetime | None = None
    notes: list[str] = field(default_factory=list)


def choose_columns(
    session: Session,
    headers: Sequence[str],
    mapping: Mapping[str, str] | None,
    sample_rows: Sequence[Sequence[object]] = (),
) -> ColumnChoice:
    """Return the column plan for these headers, in this order of precedence.

    A mapping passed in wins. Without one, a file that LeadDesk exported is read column
    for column, then the mapping saved for this header row is used, then the suggested
    one. Raises MappingError for a mapping passed in that does not fit the headers.
    """
    export_plan = leaddesk_export_plan(headers) if is_leaddesk_export(headers) else None
    if mapping is not None and (export_plan is None or dict(mapping) != export_plan.mapping):
        return ColumnChoice(plan=plan_with_ignored(headers, mapping, sample_rows), source="explicit")

    if export_plan is not None:
        # Also taken for a mapping passed in that is the export's own, as preview_import shows it.
        note = (
            "this is a LeadDesk export: computed columns (score, deadlines, timestamps) are not imported, "
            "and the id column matches leads of this database by their LeadDesk id without being stored"
        )
        return ColumnChoice(plan=export_plan, source="leaddesk_export", notes=[note])

    saved = find_saved_mapping(session, headers)
    if saved is not None:
        logger.info("using the mapping saved on %s for these %d headers", saved.saved_at.isoformat(), len(headers))
        return ColumnChoice(
            plan=plan_with_ignored(headers, saved.mapping, sample_rows),
            source="saved",
            saved_at=saved.saved_at,
            notes=[saved.describe()],
        )
    return ColumnChoice(plan=build_plan(headers, None, sample_rows), source="suggested")


def plan_with_ignored(
    headers: Sequence[str], mapping: Mapping[str, str], sample_rows: Sequence[Sequence[object]] = ()
) -> ColumnPlan:
    """Return build_plan's plan for the mapping, with the columns it sends to IGNORED left out."""
    ignored = {header for header, target in mapping.items() if target == IGNORED}
    if not ignored:
        return build_plan(headers, mapping, sample_rows)

    kept = {header: target for header, target in mapping.items() if header not in ignored}
    plan = build_plan(headers, kept, sample_rows)
    indexes = {index for index, header in enumerate(headers) if header in ignored}
    columns_by_field = {
        name: tuple(index for index in columns if index not in indexes)
        for name, columns in plan.columns_by_field.items()
    }
    return replace(
        plan,
        mapping={header: IGNORED if header in ignored else target for header, target in plan.mapping.items()},
        columns_by_field={name: columns for name, columns in columns_by_field.items() if columns},
        custom_keys={index: key for index, key in plan.custom_keys.items() if index not in indexes},
    )


def preview_import(
    database: Database,
    path: Path | str,
    encoding: str | None = None,
    header_row: int | None = None,
    sheet: str | None = None,
    *,
    fill_merged: bool = False,
) -> ImportPreview:
    """Return preview_file's preview with the mapping that run_import without a mapping would use.

    For a header row with a saved mapping, the preview shows that mapping, sets
    saved_mapping_at and puts "using the mapping saved on DATE" first among its warnings.
    A LeadDesk export shows its column-for-column mapping, where computed columns map to
    IGNORED. The row and reason columns of a rejected-rows file are left out of headers.
    """
    preview = preview_file(path, encoding=encoding, header_row=header_row, sheet=sheet, fill_merged=fill_merged)
    width = len(preview.headers) - annotation_width(preview.headers)
    if width < len(preview.headers):
        preview.headers = preview.headers[:width]
        preview.sample_rows = [row[:width] for row in preview.sample_rows]
        preview.warnings.append(
            "the last two columns, row and reason, come from a rejected-rows file and are not imported"
        )

    with database.session() as session:
        choice = choose_columns(session, preview.headers, None, preview.sample_rows)
    preview.mapping_source = choice.source
    if choice.source != "suggested":
        preview.mapping = {header: choice.plan.mapping[header] for header in preview.headers}
        preview.saved_mapping_at = choice.saved_at
        preview.warnings = [*choice.notes, *preview.warnings]
    return preview
