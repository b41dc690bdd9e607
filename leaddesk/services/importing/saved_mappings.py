"""Saved column mappings: a confirmed mapping is reused for the next file with the same header row.

A source format, such as a CRM's contact export, keeps its header row from one export to
the next. The fingerprint of that row (see header_fingerprint) keys the mapping the user
confirmed last, so the next file of that format is mapped the same way without asking.
"""

from __future__ import annotations

import hashlib
import logging
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from leaddesk.models import SavedMapping
from leaddesk.services.importing.export_format import IGNORED
from leaddesk.services.importing.mapping import CUSTOM_PREFIX, LEAD_FIELDS

logger = logging.getLogger(__name__)

# Joins normalized headers before hashing; a unit separator cannot occur in a cleaned header.
_SEPARATOR = "\x1f"


@dataclass(frozen=True)
class SavedMappingMatch:
    """A saved mapping that fits a file's headers: header to target, and when it was saved."""

    mapping: dict[str, str]
    saved_at: datetime
    source_name: str | None

    def describe(self) -> str:
        return f"using the mapping saved on {self.saved_at:%Y-%m-%d}"


def normalize_header(header: str) -> str:
    """Return the header casefolded in Unicode NFC with whitespace collapsed, as fingerprints compare it."""
    return " ".join(unicodedata.normalize("NFC", header).casefold().split())


def header_fingerprint(headers: Sequence[str]) -> str:
    """Return the SHA-256 hex digest of the normalized headers in column order.

    "Email", " EMAIL " and "email" give the same fingerprint. Reordered or renamed columns
    give another one, so a mapping is reused only for the same layout.
    """
    text = _SEPARATOR.join(normalize_header(header) for header in headers)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def find_saved_mapping(session: Session, headers: Sequence[str]) -> SavedMappingMatch | None:
    """Return the saved mapping for these headers, translated to their spelling, or None.

    A saved mapping whose targets this version does not know is ignored with a log line,
    so the caller falls back to the suggested mapping.
    """
    saved = session.get(SavedMapping, header_fingerprint(headers))
    if saved is None:
        return None
    targets = [target for _header, target in saved.mapping]
    if len(targets) != len(headers):
        logger.warning("saved mapping %s has %d columns, the file %d; ignoring it", saved.fingerprint[:12], len(targets), len(headers))
        return None
    unknown = [target for target in targets if not _is_known_target(target)]
    if unknown:
        logger.warning("saved mapping %s names unknown fields %s; ignoring it", saved.fingerprint[:12], unknown)
        return None
    mapping = dict(zip(headers, targets))
    return SavedMappingMatch(mapping=mapping, saved_at=saved.saved_at, source_name=saved.source_name)


def _is_known_target(target: str) -> bool:
    return target.startswith(CUSTOM_PREFIX) or target in LEAD_FIELDS or target == IGNORED


def save_mapping(
    session: Session, headers: Sequence[str], mapping: Mapping[str, str], *, now: datetime, source_name: str | None
) -> None:
    """Store the mapping for this header row, replacing any earlier one; headers left out stay custom."""
    fingerprint = header_fingerprint(headers)
    pairs = [[header, mapping.get(header, CUSTOM_PREFIX + header)] for header in headers]
    saved = session.get(SavedMapping, fingerprint)
    if saved is None:
        saved = SavedMapping(fingerprint=fingerprint, headers=list(headers), created_at=now, use_count=0)
        session.add(saved)
    saved.mapping = pairs
    saved.source_name = source_name
    saved.saved_at = now
    saved.use_count = (saved.use_count or 0) + 1
    logger.info("saved the mapping of %d columns for header fingerprint %s", len(headers), fingerprint[:12])


def record_use(session: Session, headers: Sequence[str]) -> None:
    """Count one more import that used the mapping saved for this header row."""
    saved = session.get(SavedMapping, header_fingerprint(headers))
    if saved is not None:
        saved.use_count = (saved.use_count or 0) + 1


def forget_mapping(session: Session, headers: Sequence[str]) -> bool:
    """Delete the saved mapping for this header row; return whether there was one."""
    saved = session.get(SavedMapping, header_fingerprint(headers))
    if saved is None:
        return False
    session.delete(saved)
    return True


def list_saved_mappings(session: Session) -> list[SavedMapping]:
    """Return every saved mapping, most recently saved first."""
    return list(session.scalars(select(SavedMapping).order_by(SavedMapping.saved_at.desc())))
