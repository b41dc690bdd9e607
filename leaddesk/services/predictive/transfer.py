"""Copying every model version from one database's model store into another's, for `leaddesk migrate-to`.

The table copy alone moves the conversion_models rows, but an SQLite database keeps its
models in files next to it. So after the tables are copied, the versions are read from the
source store and written to the target store under the same numbers, with their metadata
(validation included) and the active flag.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from leaddesk.services.database import Database
from leaddesk.services.predictive.store import listed_versions, model_store

logger = logging.getLogger(__name__)


class ModelCopyError(Exception):
    """The model versions in the target store differ from the source's after the copy."""


@dataclass
class ModelCopyReport:
    copied: list[int] = field(default_factory=list)
    active: int | None = None
    # Versions left out with the reason, such as unreadable metadata or missing model bytes.
    skipped: dict[int, str] = field(default_factory=dict)
    # Versions that were in the target store before and were deleted.
    replaced: int = 0


def copy_models(source: Database, target: Database) -> ModelCopyReport:
    """Replace the target store's model versions with the source store's readable versions and active flag.

    Raises ModelCopyError when the target store does not list the copied versions and active version afterwards.
    """
    source_store = model_store(source)
    target_store = model_store(target)
    report = ModelCopyReport()
    active = source_store.active()
    report.replaced = target_store.clear()
    for version in source_store.versions():
        stored = source_store.load(version)
        if stored is None:
            report.skipped[version] = source_store.problem(version) or "not found"
            continue
        try:
            data = stored.read_bytes()
        except OSError as error:
            report.skipped[version] = f"model bytes unreadable ({error})"
            continue
        is_active = active is not None and active.version == version
        target_store.put(version, data, stored.metadata, is_active)
        report.copied.append(version)
        if is_active:
            report.active = version
    for version, reason in report.skipped.items():
        logger.warning("model version %d from %s was not copied: %s", version, source_store.location, reason)

    copied_back = target_store.versions()
    active_back = target_store.active()
    if copied_back != report.copied or (active_back.version if active_back else None) != report.active:
        raise ModelCopyError(
            f"after the copy {target_store.location} lists model versions {listed_versions(copied_back)} "
            f"(active: {active_back.version if active_back else 'none'}), but {listed_versions(report.copied)} "
            f"(active: {report.active or 'none'}) were copied; run migrate-to again with --replace"
        )
    logger.info("copied model versions %s from %s to %s (active: %s)", listed_versions(report.copied),
                source_store.location, target_store.location, report.active)
    return report
