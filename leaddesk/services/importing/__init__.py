"""Importing leads from CSV and spreadsheet files: preview a file, then run the import."""

from leaddesk.services.importing.errors import ImportCancelled, ImportFileError, MappingError
from leaddesk.services.importing.importer import run_import
from leaddesk.services.importing.mapping import CUSTOM_PREFIX, LEAD_FIELDS, suggest_mapping
from leaddesk.services.importing.preview import preview_file
from leaddesk.services.importing.report import ImportPreview, ImportReport, RejectedRow

__all__ = [
    "CUSTOM_PREFIX",
    "ImportCancelled",
    "ImportFileError",
    "ImportPreview",
    "ImportReport",
    "LEAD_FIELDS",
    "MappingError",
    "RejectedRow",
    "preview_file",
    "run_import",
    "suggest_mapping",
]
