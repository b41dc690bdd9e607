"""Reading back a file that LeadDesk exported, so that export then import gives the same leads.

An export (leaddesk.services.exporting) starts with the EXPORT_FIELDS columns in order,
and every column after them is a custom field. Read with the suggested mapping, such a
file would gain custom fields for the computed columns (score, deadlines, timestamps) and
a custom column named like a lead field, such as "Phone Number", would also fill that
field. The plan here maps every column to what the export wrote into it.
"""

from __future__ import annotations

from collections.abc import Sequence

from leaddesk.services.enrichment.export_columns import DERIVED_EXPORT_COLUMNS
from leaddesk.services.exporting import CUSTOM_HEADER_SUFFIX, EXPORT_FIELDS, RESERVED_HEADERS, strip_custom_suffixes
from leaddesk.services.importing.mapping import CUSTOM_PREFIX, LEAD_FIELDS, LEADDESK_ID, ColumnPlan

# The mapping target reported for a column that the import leaves out.
IGNORED = "ignored"

# The export's column of LeadDesk ids. The import matches a row to the lead of this database
# with that id and never stores the id, because a lead's id is not its external id.
ID_COLUMN = "id"


def is_leaddesk_export(headers: Sequence[str]) -> bool:
    """Return whether the header row starts with the columns of a LeadDesk export, in order."""
    return tuple(headers[: len(EXPORT_FIELDS)]) == EXPORT_FIELDS


def leaddesk_export_plan(headers: Sequence[str]) -> ColumnPlan:
    """Return the column plan of a LeadDesk export: fields 1:1, computed columns ignored, the rest custom.

    The computed columns are score, the response deadlines, first_contacted_at,
    next_follow_up_at, created_at, updated_at and updated_by. A custom header that the
    export suffixed with " (custom)" because its key is reserved (see
    exporting.custom_header) gets its key back.
    """
    mapping: dict[str, str] = {}
    columns_by_field: dict[str, tuple[int, ...]] = {}
    custom_keys: dict[int, str] = {}
    for index, header in enumerate(headers):
        if index < len(EXPORT_FIELDS):
            if header in LEAD_FIELDS:
                mapping[header] = header
                columns_by_field[header] = (index,)
            else:
                mapping[header] = IGNORED
            continue
        if header in DERIVED_EXPORT_COLUMNS:
            # Computed by enrichment; a custom field of this name was exported with CUSTOM_HEADER_SUFFIX.
            mapping[header] = IGNORED
            continue
        key = header
        if header.endswith(CUSTOM_HEADER_SUFFIX) and strip_custom_suffixes(header) in RESERVED_HEADERS:
            key = header[: -len(CUSTOM_HEADER_SUFFIX)]
        mapping[header] = CUSTOM_PREFIX + key
        custom_keys[index] = key

    columns_by_field[LEADDESK_ID] = (list(headers).index(ID_COLUMN),)
    mapping[ID_COLUMN] = LEADDESK_ID
    return ColumnPlan(
        headers=tuple(headers),
        mapping=mapping,
        columns_by_field=columns_by_field,
        custom_keys=custom_keys,
    )
