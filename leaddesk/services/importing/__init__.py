"""Importing leads from CSV and spreadsheet files: preview a file, plan the import, run it, undo it.

The public names load on first use (PEP 562), so that the worker process that converts
a file's rows (worker.py) imports only the conversion modules. Importing the importer,
the exporter and their dependencies took about 1 s of the worker's start on a 2-core Xeon,
which the importing process spent waiting for the first chunk.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

# The module of each public name.
_EXPORTS = {
    "preview_import": "columns",
    "ImportCancelled": "errors",
    "ImportFileError": "errors",
    "MappingError": "errors",
    "plan_import": "importer",
    "run_import": "importer",
    "CUSTOM_PREFIX": "mapping",
    "LEAD_FIELDS": "mapping",
    "suggest_mapping": "mapping",
    "ImportPolicy": "policy",
    "OnMatch": "policy",
    "PolicyError": "policy",
    "preview_file": "preview",
    "ImportPlan": "report",
    "ImportPreview": "report",
    "ImportReport": "report",
    "PlannedRow": "report",
    "RejectedRow": "report",
    "RowAction": "report",
}

__all__ = sorted(_EXPORTS)

if TYPE_CHECKING:
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


def __getattr__(name: str) -> Any:
    """Load a public name, or a submodule such as importer, on first access."""
    module_name = _EXPORTS.get(name)
    if module_name is not None:
        value = getattr(importlib.import_module(f"{__name__}.{module_name}"), name)
        globals()[name] = value
        return value
    # Code may read a submodule as an attribute of the package, such as importing.store,
    # without importing it first.
    try:
        return importlib.import_module(f"{__name__}.{name}")
    except ModuleNotFoundError as error:
        if error.name != f"{__name__}.{name}":
            raise
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}") from None


def __dir__() -> list[str]:
    return sorted({*globals(), *_EXPORTS})
