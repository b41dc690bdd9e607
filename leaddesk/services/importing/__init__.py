"""Importing leads from CSV and spreadsheet files: preview a file, plan the import, run it, undo it."""

from leaddesk.services.importing.columns import preview_import
from leaddesk.services.importing.errors import ImportCancelled, ImportFileError, MappingError
from leaddesk.services.importing.importer import plan_import, run_import
from leaddesk.services.importing.mapping import CUSTOM_PREFIX, LEAD_FIELDS, suggest_mapping
from leaddesk.services.importing.policy import ImportPolicy, OnMatch, PolicyError
from leaddesk.services.importing.preview import preview_file
from leaddesk.services.importing.report import (
    ImportPlan,
    ImportPreview,
    ImportReport,
    PlannedRow,
    RejectedRow,
    RowAction,
)

__all__ = [
    "CUSTOM_PREFIX",
    "ImportCancelled",
    "ImportFileError",
    "ImportPlan",
    "ImportPolicy",
    "ImportPreview",
    "ImportReport",
    "LEAD_FIELDS",
    "MappingError",
    "OnMatch",
    "PlannedRow",
    "PolicyError",
    "RejectedRow",
    "RowAction",
    "plan_import",
    "preview_file",
    "preview_import",
    "run_import",
    "suggest_mapping",
]
