"""The duplicate scan: candidates from the key index, scores, groups, and remembered decisions.

A full scan pairs every lead with the leads it shares a blocking key with. An incremental
scan (lead_ids) pairs only the given leads with all others, for a finished import or a
lead just saved. find_similar scores an unsaved lead, for the hint shown while it is typed.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from leaddesk.models import DedupDecision, Lead
from leaddesk.services.dedup.blocking_keys import IDENTIFIER_PREFIX, blocking_keys
from leaddesk.services.dedup.candidates import MAX_BLOCK_SIZE, candidate_pairs, key_blocks
from leaddesk.services.dedup.common_values import COMMON_VALUE_LEADS, common_custom_values, common_identifier_keys, count_common_values
from leaddesk.services.dedup.fitted_store import load_fitted_model, save_fitted_model
from leaddesk.services.dedup.fitting import (
    FittedModel,
    FittingSample,
    fit_sample,
    fitted_score,
    has_custom_fields,
    is_raisable,
    pair_pattern,
    raise_pairs,
)
from leaddesk.services.dedup.grouping import COMPATIBLE_SCORE, group_pairs
from leaddesk.services.dedup.hint_rules import identity_hint
from leaddesk.services.dedup.key_store import refresh_stale_keys
from leaddesk.services.dedup.loading import load_lead_keys
from leaddesk.services.dedup.normalize import KEY_SOURCE_FIELDS, fold_text, normalize_lead_keys
from leaddesk.services.dedup.scoring import LeadKeys, PairScore, evaluate_pair, evaluate_pair_parts, reasons_of
from leaddesk.services.dedup.settings import Thresholds, load_thresholds
from leaddesk.services.driver_sql import driver_cursor, stored_id_list_sql

logger = logging.getLogger(__name__)

# Pairs scored between two progress reports and cancel checks.
PROGRESS_STEP = 5000

# Columns of Lead that LeadKeys.from_row reads, for callers that build LeadKeys from ORM rows.
_KEY_COLUMNS = (
    "id",
    "company",
    "city",
    "custom_fields",
    "match_email",
    "match_phone",
    "match_phone_unparsed",
    "match_first_name",
    "match_last_name",
    "match_company",
    "match_domain",
)

# Progress as (pairs scored, candidate pairs). total is 0 while candidates are gathered.
ProgressCallback = Callable[[int, int], None]


class ScanCancelled(Exception):
    """The cancel check of a running scan returned True. Keys refreshed before it stay in the session."""


@dataclass(frozen=True)
class DuplicateGroup:
    """Leads that are likely one lead: the mean score of their matching pairs and each pair's reasons."""

    lead_ids: tuple[uuid.UUID, ...]
    confidence: float
    pairs: tuple[PairScore, ...]
    auto_merge: bool

    def to_dict(self) -> dict[str, Any]:
        return {
            "lead_ids": [str(lead_id) for lead_id in self.lead_ids],
            "confidence": round(self.confidence, 3),
            "auto_merge": self.auto_merge,
            "pairs": [pair.to_dict() for pair in self.pairs],
        }


@dataclass(frozen=True)
class SimilarLead:
    """A stored lead that an unsaved lead may duplicate: its id, the pair's score and the reasons."""

    lead_id: uuid.UUID
    score: float
    reasons: tuple[str, ...]
    # True when only the full name agrees (see hint_rules), so the hint should read as weaker.
    name_only: bool = False


class NotDuplicateError(ValueError):
    """A "not a duplicate" decision on a lead that does not exist, or on a lead and itself."""


def scan_duplicates(
    session: Session,
    *,
    thresholds: Thresholds | None = None,
    refresh_keys: bool = True,
    lead_ids: Iterable[uuid.UUID] | None = None,
    progress: ProgressCallback | None = None,
    cancel: Callable[[], bool] | None = None,
) -> list[DuplicateGroup]:
    """Return the review queue: duplicate groups of live leads, most confident first.

    First recomputes the match keys of leads whose keys are missing or stale, unless
    refresh_keys is False. With lead_ids, only the blocks of those leads are scored, and
    only groups with one of them are returned. A full scan fits custom-field weights and
    stores them, and a scan with lead_ids applies the stored ones (see fitting). Pairs
    marked "not a duplicate" are never grouped together. progress is called with (done, total) as pairs are scored;
    cancel is polled as often, and ScanCancelled is raised when it returns True.
    """
    thresholds = thresholds or load_thresholds(session)
    targets = None if lead_ids is None else {lead_id.hex for lead_id in lead_ids}
    if targets is not None and not targets:
        return []
    _report(progress, 0, 0)
    if refresh_keys:
        refresh_stale_keys(session, cancelled=cancel)
    _check(cancel)

    connection = session.connection()
    if targets is None:
        leads = load_lead_keys(connection)
        blocks = list(key_blocks(connection))
    else:
        blocks = list(key_blocks(connection, targets))
        leads = load_lead_keys(connection, {member for _key, members in blocks for member in members})
    _drop_common_identifiers(leads, common_identifier_keys(connection))
    if targets is None:
        common = count_common_values(item for lead in leads.values() for item in lead.custom.items())
    else:
        common = common_custom_values(connection, {name for lead in leads.values() for name in lead.custom})
    _drop_common_custom_values(leads, common)
    # With targets, the other leads of their blocks are paired among themselves too, so that
    # a group of a new lead and two old duplicates of it gets the support of the old pair.
    pairs = candidate_pairs(iter(blocks), leads)
    _check(cancel)

    rejected = {(low.hex, high.hex) for low, high in decided_pairs(session)}
    # Only a full scan fits custom-field weights, because the leads an incremental scan
    # loads are the neighbours of its targets, not a sample of the database. An incremental
    # scan applies the weights that the last full scan stored.
    model = None if targets is None else load_fitted_model(session)
    collect = has_custom_fields(leads) and (targets is None or model is not None)
    sample = FittingSample([], []) if collect else None
    matches, compatible = _score_pairs(pairs, leads, rejected, thresholds, progress, cancel, sample)
    if targets is None:
        model = fit_sample(leads, sample) if sample is not None else None
        save_fitted_model(session, model)
    if sample is not None and model is not None:
        matches.extend(raise_pairs(model, sample, thresholds.review, thresholds.auto_merge))
    cannot_link = {(leads[low].id, leads[high].id) for low, high in rejected if low in leads and high in leads}

    grouped = group_pairs(matches, threshold=thresholds.review, cannot_link=cannot_link, compatible=compatible)
    groups = [_to_group(group, thresholds) for group in grouped]
    if targets is not None:
        groups = [group for group in groups if any(lead_id.hex in targets for lead_id in group.lead_ids)]
    groups.sort(key=lambda group: (-group.confidence, str(group.lead_ids[0])))
    logger.info(
        "duplicate scan: %d leads, %d candidate pairs, %d matching pairs, %d groups%s",
        len(leads), len(pairs), len(matches), len(groups),
        "" if targets is None else f", limited to {len(targets)} leads",
    )
    return groups


def find_similar(
    session: Session, values: Mapping[str, Any], *, limit: int = 5, thresholds: Thresholds | None = None
) -> list[SimilarLead]:
    """Return up to limit live leads that an unsaved lead may duplicate, best first.

    values contains lead fields by column name (first_name, email, phone, company, city,
    custom_fields, ...); missing ones count as empty. A stored lead with the id values["id"]
    is left out, so a lead being edited does not find itself. Only leads scoring at least
    the review threshold are returned, and below it leads with the same e-mail, phone or
    exact full name (see hint_rules.identity_hint). Values common among all live leads
    count as no evidence, as in the scan, and custom fields weigh as the last full scan
    fitted them.
    Stored keys are used as they are, so a lead whose keys are stale may be missed until
    the next scan refreshes them.
    """
    thresholds = thresholds or load_thresholds(session)
    fields = dict(values)
    keys = normalize_lead_keys({name: fields.get(name) for name in KEY_SOURCE_FIELDS})
    probe_keys = blocking_keys(keys, fields.get("city"), fields.get("custom_fields"))
    if not probe_keys:
        return []

    connection = session.connection()
    statement = (
        f"SELECT key, {stored_id_list_sql('lead_id', connection.dialect)} FROM lead_match_keys WHERE key IN "
        f"({', '.join('?' * len(probe_keys))}) GROUP BY key"
    )
    candidates: set[str] = set()
    blocks: dict[str, list[str]] = {}
    for key, members in driver_cursor(connection).execute(statement, tuple(sorted(probe_keys))):
        ids = members.split(",")
        if len(ids) < MAX_BLOCK_SIZE:
            candidates.update(ids)
            blocks[key] = ids
    own_id = fields.get("id")
    if isinstance(own_id, uuid.UUID):
        candidates.discard(own_id.hex)

    probe = LeadKeys.from_row(
        {"id": None, "company": fields.get("company"), "city": fields.get("city"), "custom_fields": fields.get("custom_fields"), **keys}
    )

    stored_leads = load_lead_keys(connection, candidates)
    if not stored_leads:
        return []
    compared = {"": probe, **stored_leads}
    _drop_common_identifiers(compared, common_identifier_keys(connection))
    _drop_common_custom_values(compared, common_custom_values(connection, {name for lead in compared.values() for name in lead.custom}))
    probe = compared.pop("")

    # A key that more live leads share than COMMON_VALUE_LEADS (a switchboard phone, a
    # common name) gives no hint alone. The live leads of each block are in stored_leads.
    common_keys = {key for key, ids in blocks.items() if sum(1 for lead_id in ids if lead_id in stored_leads) > COMMON_VALUE_LEADS}
    model = load_fitted_model(session) if has_custom_fields(compared) else None
    found = []
    for stored in compared.values():
        match = _similar_match(probe, stored, model, thresholds)
        if match is None:
            match = _identity_match(probe, stored, probe_keys, common_keys)
        if match is not None:
            found.append(match)
    found.sort(key=lambda item: (-item.score, str(item.lead_id)))
    return found[:limit]


def _similar_match(probe: LeadKeys, stored: LeadKeys, model: FittedModel | None, thresholds: Thresholds) -> SimilarLead | None:
    """Return stored as a SimilarLead when its pair with probe reaches the review threshold, by fixed or fitted weights."""
    if model is None:
        score, evidence = evaluate_pair(probe, stored)
    else:
        score, evidence, builtin = evaluate_pair_parts(probe, stored)
    if score >= thresholds.review:
        return SimilarLead(stored.id, score, reasons_of(evidence))
    if model is None:
        return None

    pattern = pair_pattern(probe, stored, builtin)
    if not is_raisable(pattern, probe, stored):
        return None
    fitted = fitted_score(model, pattern, evidence, thresholds.review, thresholds.auto_merge)
    return None if fitted is None else SimilarLead(stored.id, *fitted)


def _identity_match(probe: LeadKeys, stored: LeadKeys, probe_keys: set[str], common_keys: set[str]) -> SimilarLead | None:
    """Return stored as a SimilarLead when it shares an e-mail, a phone or an exact full name with probe."""
    score, evidence = evaluate_pair(probe, stored)
    hint = identity_hint(probe, stored, evidence, probe_keys, common_keys)
    if hint is None:
        return None
    return SimilarLead(stored.id, score, hint.reasons, hint.name_only)


def mark_not_duplicate(session: Session, lead_a: uuid.UUID, lead_b: uuid.UUID, *, actor: str | None = None) -> None:
    """Remember that two leads are different, so later scans never group them together."""
    if lead_a == lead_b:
        raise NotDuplicateError(f"lead {lead_a} was given twice; give two different leads")
    for lead_id in (lead_a, lead_b):
        if session.get(Lead, lead_id) is None:
            raise NotDuplicateError(f"lead {lead_id} not found; list duplicates with 'leaddesk dedupe'")
    low, high = sorted((lead_a, lead_b))
    session.merge(DedupDecision(lead_low_id=low, lead_high_id=high, decided_by=actor))
    logger.info("marked leads %s and %s as not duplicates", low, high)


def decided_pairs(session: Session) -> set[tuple[uuid.UUID, uuid.UUID]]:
    return {(low, high) for low, high in session.execute(select(DedupDecision.lead_low_id, DedupDecision.lead_high_id))}


def _score_pairs(
    pairs: set[tuple[str, str]],
    leads: dict[str, LeadKeys],
    rejected: set[tuple[str, str]],
    thresholds: Thresholds,
    progress: ProgressCallback | None,
    cancel: Callable[[], bool] | None,
    sample: FittingSample | None = None,
) -> tuple[list[PairScore], set[tuple[uuid.UUID, uuid.UUID]]]:
    """Score every pair but the rejected ones; return PairScores at or above the review threshold and the compatible pairs below it.

    With a sample, every pair's pattern is added to it, so that custom-field weights can
    be fitted to them or raise pairs below the threshold (see fitting).
    """
    review = thresholds.review
    ordered = list(pairs - rejected) if rejected else list(pairs)
    total = len(ordered)
    matches = []
    compatible = set()
    for start in range(0, total, PROGRESS_STEP):
        _report(progress, start, total)
        _check(cancel)
        for low, high in ordered[start : start + PROGRESS_STEP]:
            first, second = leads[low], leads[high]
            if sample is None:
                score, evidence = evaluate_pair(first, second)
            else:
                score, evidence, builtin = evaluate_pair_parts(first, second)
                sample.add(first, second, score, evidence, builtin, review)
            if score >= review:
                matches.append(PairScore(first.id, second.id, score, reasons_of(evidence)))
            elif score >= COMPATIBLE_SCORE:
                compatible.add((first.id, second.id))
    _report(progress, total, total)
    return matches, compatible


def _drop_common_identifiers(leads: dict[str, LeadKeys], common_keys: set[str]) -> None:
    """Leave out of the comparison each identifier whose blocking key is in common_keys.

    Such a value (a postcode, a default "000000") identifies no one, so its agreement must
    not weigh like a customer number's.
    """
    if not common_keys:
        return
    for stored_id, lead in leads.items():
        if not lead.identifiers:
            continue
        kept = {
            name: digits
            for name, digits in lead.identifiers.items()
            if f"{IDENTIFIER_PREFIX}{fold_text(name)}|{digits}" not in common_keys
        }
        if len(kept) < len(lead.identifiers):
            leads[stored_id] = replace(lead, identifiers=kept)


def _drop_common_custom_values(leads: dict[str, LeadKeys], common: set[tuple[str, str]]) -> None:
    """Leave out of the comparison each custom text value in common, as (field name, folded value).

    A value such as "Webinar" or "Software" in a lead-source or industry column is no
    evidence of who a lead is, and several of them would otherwise add up to a match.
    """
    if not common:
        return
    for stored_id, lead in leads.items():
        if lead.custom and not common.isdisjoint(lead.custom.items()):
            rare = {name: value for name, value in lead.custom.items() if (name, value) not in common}
            leads[stored_id] = replace(lead, custom=rare)


def _report(progress: ProgressCallback | None, done: int, total: int) -> None:
    if progress is not None:
        progress(done, total)


def _check(cancel: Callable[[], bool] | None) -> None:
    if cancel is not None and cancel():
        logger.info("duplicate scan cancelled")
        raise ScanCancelled("the duplicate scan was cancelled; nothing was grouped")


def _to_group(pairs: list[PairScore], thresholds: Thresholds) -> DuplicateGroup:
    members = sorted({pair.low_id for pair in pairs} | {pair.high_id for pair in pairs})
    confidence = sum(pair.score for pair in pairs) / len(pairs)
    auto_merge = all(pair.score >= thresholds.auto_merge for pair in pairs)
    return DuplicateGroup(tuple(members), confidence, tuple(pairs), auto_merge)
