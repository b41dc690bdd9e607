"""Errors of the importer. Each message names the file or value at fault and the fix."""

from __future__ import annotations


class ImportFileError(ValueError):
    """A file that cannot be imported at all: missing, empty, not a table, or undecodable."""


class MappingError(ValueError):
    """A column mapping that names an unknown header or lead field."""


class ImportCancelled(Exception):
    """The import was cancelled; its transaction was rolled back and nothing was stored."""
