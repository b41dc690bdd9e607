"""Warnings about the last segment's filters, which segment_for never applies."""

from __future__ import annotations

from leaddesk.services.playbook.model import Playbook


def fallback_segment_warnings(playbook: Playbook) -> list[str]:
    """Return a warning when the last segment has a condition or filter.

    A lead that matches no earlier segment gets the last one whether or not it matches,
    so a filter there has no effect.
    """
    if not playbook.segments:
        return []
    rule = playbook.segments[-1]
    filters = []
    if rule.condition is not None:
        filters.append("when")
    if rule.min_employees is not None:
        filters.append("min_employees")
    if rule.max_employees is not None:
        filters.append("max_employees")
    if rule.source_keywords:
        filters.append("source_contains")
    if not filters:
        return []
    index = len(playbook.segments) - 1
    return [
        f"segments[{index}]: the last segment {rule.key!r} is the fallback for every lead that matches no earlier "
        f"segment, so its {', '.join(filters)} is ignored; remove it, or add a segment without filters after this one"
    ]
