"""Turning one data row of an imported file into a lead draft: field values plus custom fields."""

from __future__ import annotations

import logging
import re
import uuid
from functools import lru_cache
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from leaddesk.lead_fields import COMPANY_AND_PLACE_FIELDS, NAME_FIELDS
from leaddesk.services.importing.dates import DateParser, DayMonthEvidence
from leaddesk.services.importing.label_groups import SkippedValues, order_by_labels, plan_label_groups
from leaddesk.services.importing.mapping import LEADDESK_ID, ColumnPlan, is_identifier_header
from leaddesk.services.importing.names import split_full_name
from leaddesk.services.importing.table import FlaggedRow, FlaggedValue
from leaddesk.services.importing.values import (
    PLACEHOLDER_ASCII_STARTS,
    InvalidValue,
    cell_text,
    check_digits_kept,
    clean_text,
    domain_of,
    is_placeholder,
    parse_email,
    parse_employee_count,
    parse_phone,
    parse_stage,
)

logger = logging.getLogger(__name__)

# Lead columns filled from plain text, after trimming.
TEXT_FIELDS = frozenset(
    {
        "external_id",
        *NAME_FIELDS,
        *COMPANY_AND_PLACE_FIELDS,
        "source",
        "notes",
        "owner",
    }
)

# A row with a single cell in a table at least this wide is a footer or a note line, such
# as "Grand Totals (3 records)" under a Salesforce report.
FOOTER_MIN_COLUMNS = 3

# A row of at most this many values whose first one is a total label, such as "Total:,3"
# or "Grand Totals (3 records)", is a footer under the data.
FOOTER_MAX_VALUES = 2
_COUNT = r"\(?\s*\d[\d,.]*\s*(?:records?|rows?|leads?|items?)?\s*\)?"
_TOTAL_LABEL = re.compile(
    rf"^(?:(?:(?:grand\s+|sub-?)?totals?|sum|count|records?)\s*:?\s*(?:{_COUNT})?|{_COUNT})$", re.IGNORECASE
)
_NUMBER = re.compile(r"^[\d,.\s]+$")

# Lead fields that identify a lead. A row without any of them would become a blank
# "(no name)" lead, so it is rejected.
# The LeadDesk id of an export row counts too, so that an exported blank lead round-trips.
IDENTIFYING_FIELDS = frozenset({*NAME_FIELDS, "email", "phone", "company", "external_id", LEADDESK_ID})

NO_IDENTITY_REASON = (
    "the row has no name, e-mail, phone, company or external id, so it cannot become a lead; "
    "fill one of them in the file, or remove the row if it is not a lead"
)

# Sentinel that _convert_text_row returns for a row that _convert_exactly must convert.
_CHECK_EXACTLY = object()

_STR_ONLY = {str}

# Stages, employee counts and website domains repeat across rows. Their parsers are pure
# functions of the text, so their results are cached, but errors are not.
_CACHED_TEXTS = 4096
_stage_of = lru_cache(maxsize=_CACHED_TEXTS)(parse_stage)
_employee_count_of = lru_cache(maxsize=_CACHED_TEXTS)(parse_employee_count)
_domain_of = lru_cache(maxsize=_CACHED_TEXTS)(domain_of)


def _all_text(cells: list[Any]) -> bool:
    return set(map(type, cells)) == _STR_ONLY


@dataclass
class LeadDraft:
    """One row's values: lead fields by name, and custom fields by key.

    fields may hold "owner" (a rep's name) and "email_normalized"; both are resolved or
    stored by the importer.
    """

    row: int
    fields: dict[str, Any]
    custom: dict[str, str]

    def __reduce__(self) -> tuple:
        # A constructor call loads faster than the default state dict. Drafts are pickled
        # when a worker process converts the rows (worker.py).
        return (LeadDraft, (self.row, self.fields, self.custom))


@dataclass
class RowProblem(Exception):
    """A row that cannot be imported: the column at fault ("" for the whole row), its value and why."""

    column: str
    value: str
    reason: str
    values: dict[str, str] = field(default_factory=dict)


@dataclass
class FooterLine(RowProblem):
    """A row that reads as a footer or note line of a report, such as "Grand Totals (3 records)".

    Under the last data row it is no lead, and the importer skips and reports it. Between
    data rows it is rejected like any other bad row.
    """


class RowConverter:
    """Converts data rows with one column plan; date columns read their order from evidence.

    evidence maps a column index to what was found about its day/month order, from a
    sample or from the whole column. seen_evidence counts the same for every row
    converted, so that the caller can check the order used (see date_order.py).
    """

    def __init__(
        self,
        plan: ColumnPlan,
        *,
        zone: ZoneInfo,
        today: date,
        evidence: dict[int, DayMonthEvidence],
        segment_keys: frozenset[str],
    ) -> None:
        self.plan = plan
        self.headers = plan.headers
        self.width = len(plan.headers)
        self.segment_keys = segment_keys
        self._custom_items = sorted(plan.custom_keys.items())
        # Columns whose numbers must keep every digit: phones, ids and postcodes.
        self._digit_columns = frozenset(
            index
            for index, header in enumerate(plan.headers)
            if is_identifier_header(header)
            or index in plan.columns_by_field.get("phone", ())
            or index in plan.columns_by_field.get("external_id", ())
        )
        self._digit_indexes = tuple(sorted(self._digit_columns))
        # Columns that fill lead fields, where a web-form placeholder such as "Select" reads as empty.
        self._field_indexes = tuple(sorted({index for columns in plan.columns_by_field.values() for index in columns}))
        # The day/month evidence of every row converted, to check the order that evidence gave.
        self.seen_evidence = {index: DayMonthEvidence() for index in plan.columns_by_field.get("received_at", ())}
        self._seen_items = tuple(self.seen_evidence.items())
        self._date_parsers: dict[int, DateParser] = {}
        for index in plan.columns_by_field.get("received_at", ()):
            found = evidence.get(index, DayMonthEvidence())
            self._date_parsers[index] = DateParser(zone, day_first=found.is_day_first, today=today, serials=found.has_serials)
        self._fields: list[tuple[str, tuple[int, ...], Callable[[int, Any, str, LeadDraft], bool]]] = [
            (name, columns, self._converter_for(name)) for name, columns in plan.columns_by_field.items()
        ]
        # Fields whose columns each row tries in the order of its labels, such as Google's phones.
        self.label_groups = {group.field: group for group in plan_label_groups(plan)}
        # Labelled values passed over for a valid one, named in the import report.
        self.skipped_values = SkippedValues()
        # The same for _convert_text_row: (name, its only column or None, columns, converter or
        # None for a plain text field).
        self._text_row_steps = [
            (name, columns[0] if len(columns) == 1 else None, columns, None if name in TEXT_FIELDS else converter)
            for name, columns, converter in self._fields
        ]

    def convert(self, row: int, cells: Sequence[Any]) -> LeadDraft | None:
        """Return the row's draft, or None for a row without any value; raise RowProblem for a bad row."""
        for index, evidence in self._seen_items:
            if index < len(cells):
                evidence.add(cells[index])
        if type(cells) is list and len(cells) == self.width and _all_text(cells):
            draft = self._convert_text_row(row, cells)
            if draft is not _CHECK_EXACTLY:
                return draft
        return self._convert_exactly(row, cells)

    def _convert_text_row(self, row: int, cells: list[str]) -> LeadDraft | None | object:
        """Convert a row of plain text cells of the header's width, the common case of CSV files.

        The cells are cleaned in bulk instead of one by one. Any problem returns
        _CHECK_EXACTLY, so that _convert_exactly finds and reports the first problem of the
        row in the usual order.
        """
        joined = "".join(cells)
        if joined.isascii() and "'" not in joined:
            texts = list(map(str.strip, cells))
            starts = PLACEHOLDER_ASCII_STARTS
            for index in self._field_indexes:
                text = texts[index]
                if text[:1] in starts and is_placeholder(text):
                    texts[index] = ""
        else:
            texts = [cell.strip() if cell.isascii() and "'" not in cell else clean_text(cell) for cell in cells]
            for index in self._field_indexes:
                if is_placeholder(texts[index]):
                    texts[index] = ""
        if self.width - texts.count("") <= FOOTER_MAX_VALUES:
            # Few values: possibly a total line such as "Total:,3", or an empty row.
            return _CHECK_EXACTLY
        try:
            for index in self._digit_indexes:
                if texts[index]:
                    texts[index] = check_digits_kept(cells[index], texts[index])
        except InvalidValue:
            return _CHECK_EXACTLY

        draft = LeadDraft(row=row, fields={}, custom={})
        custom = draft.custom
        for index, key in self._custom_items:
            text = texts[index]
            if text:
                custom[key] = text
        fields = draft.fields
        try:
            for name, single, columns, converter in self._text_row_steps:
                if single is not None:
                    text = texts[single]
                    if not text:
                        continue
                    if converter is None:
                        fields[name] = text
                    else:
                        converter(single, cells[single], text, draft)
                    continue
                if name in self.label_groups:
                    columns = order_by_labels(self.label_groups[name], columns, custom, row, self.skipped_values)
                for index in columns:
                    text = texts[index]
                    if not text:
                        continue
                    if converter is None:
                        fields[name] = text
                        break
                    if converter(index, cells[index], text, draft):
                        break
        except InvalidValue:
            return _CHECK_EXACTLY
        if fields.keys().isdisjoint(IDENTIFYING_FIELDS):
            return _CHECK_EXACTLY
        self._complete(draft)
        return draft

    def _convert_exactly(self, row: int, cells: Sequence[Any]) -> LeadDraft | None:
        if isinstance(cells, FlaggedRow):
            raise RowProblem(column="", value=cells.value, reason=cells.reason)
        count = len(cells)
        if count == 1 and self.width >= FOOTER_MIN_COLUMNS and cell_text(cells[0]).strip():
            raise FooterLine(
                column="",
                value=clean_text(cell_text(cells[0])),
                reason=(
                    f"the row has 1 value, but the header has {self.width} columns; "
                    "it looks like a footer or note line, not a lead"
                ),
            )
        self._reject_total_line(cells)

        draft = LeadDraft(row=row, fields={}, custom={})
        for index, key in self._custom_items:
            text = self._checked_text(cells, index)
            if text:
                draft.custom[key] = text

        if count > self.width:
            self._keep_extra_cells(cells, draft)

        for name, columns, converter in self._fields:
            if name in self.label_groups:
                columns = order_by_labels(self.label_groups[name], columns, draft.custom, row, self.skipped_values)
            for index in columns:
                text = self._checked_text(cells, index)
                if not text or is_placeholder(text):
                    continue
                try:
                    if converter(index, cells[index], text, draft):
                        break
                except InvalidValue as error:
                    raise RowProblem(column=self.headers[index], value=text, reason=str(error)) from None

        if not draft.fields and not draft.custom:
            return None
        if draft.fields.keys().isdisjoint(IDENTIFYING_FIELDS):
            raise RowProblem(column="", value="", reason=NO_IDENTITY_REASON)
        self._complete(draft)
        return draft

    def _complete(self, draft: LeadDraft) -> None:
        """Fill the fields that come from other fields: names from a full name, the domain from the website."""
        full_name = draft.fields.get("full_name")
        if full_name and not draft.fields.get("first_name") and not draft.fields.get("last_name"):
            first, last = split_full_name(full_name)
            if first:
                draft.fields["first_name"] = first
            if last:
                draft.fields["last_name"] = last
        if "website" in draft.fields and "domain" not in draft.fields:
            domain = _domain_of(draft.fields["website"])
            if domain:
                draft.fields["domain"] = domain

    def row_values(self, cells: Sequence[Any]) -> dict[str, str]:
        """Return the row's non-empty cells as text keyed by header, for the rejected-rows file."""
        values: dict[str, str] = {}
        for index, raw in enumerate(cells):
            text = cell_text(raw)
            if text == "":
                continue
            header = self.headers[index] if index < self.width else f"Column {index + 1}"
            values[header] = text
        return values

    def _reject_total_line(self, cells: Sequence[Any]) -> None:
        """Raise RowProblem for a footer line such as "Total: 3" or "Grand Totals (3 records)"."""
        values: list[str] = []
        for cell in cells:
            if cell is None or cell == "":
                continue
            text = cell_text(cell).strip()
            if not text:
                continue
            if not values and not _TOTAL_LABEL.match(text):
                return
            values.append(text)
            if len(values) > FOOTER_MAX_VALUES:
                return
        if not values or (len(values) == 2 and not _NUMBER.match(values[1])):
            return
        raise FooterLine(
            column="",
            value=" ".join(values),
            reason="the row reads like a total or a record count under the data, not a lead",
        )

    def _checked_text(self, cells: Sequence[Any], index: int) -> str:
        """Return the cell's cleaned text ("" when empty or missing), or raise RowProblem for a flagged value."""
        if index >= len(cells):
            return ""
        raw = cells[index]
        if raw is None or raw == "":
            return ""
        text = clean_text(raw if isinstance(raw, str) else cell_text(raw))
        if not text:
            return ""
        if type(raw) is FlaggedValue:
            raise RowProblem(column=self.headers[index], value=text, reason=raw.reason)
        if index in self._digit_columns:
            return self._check_digits(index, raw, text)
        return text

    def _check_digits(self, index: int, raw: Any, text: str) -> str:
        try:
            return check_digits_kept(raw, text)
        except InvalidValue as error:
            raise RowProblem(column=self.headers[index], value=text, reason=str(error)) from None

    def _keep_extra_cells(self, cells: Sequence[Any], draft: LeadDraft) -> None:
        for index in range(self.width, len(cells)):
            text = clean_text(cell_text(cells[index]))
            if text:
                draft.custom[f"Column {index + 1}"] = text

    def _converter_for(self, name: str) -> Callable[[int, Any, str, LeadDraft], bool]:
        """Return the converter of a field; it stores the value and returns True once the field is filled."""
        converters: dict[str, Callable[[int, Any, str, LeadDraft], bool]] = {
            "email": self._email,
            "phone": self._phone,
            "employee_count": self._employee_count,
            "stage": self._stage,
            "segment": self._segment,
            "received_at": self._received_at,
            LEADDESK_ID: self._leaddesk_id,
        }
        if name in converters:
            return converters[name]
        if name in TEXT_FIELDS:
            return _text_converter(name)
        raise ValueError(f"no converter for the lead field {name!r}")

    def _keep_original(self, index: int, text: str, draft: LeadDraft) -> None:
        """Keep a cell's text as a custom field when its field stores only part of it."""
        draft.custom[self.plan.custom_keys.get(index, self.headers[index])] = text

    def _email(self, index: int, raw: Any, text: str, draft: LeadDraft) -> bool:
        email, normalized, several = parse_email(text)
        draft.fields["email"] = email
        draft.fields["email_normalized"] = normalized
        if several:
            self._keep_original(index, text, draft)
        return True

    def _phone(self, index: int, raw: Any, text: str, draft: LeadDraft) -> bool:
        phone, several = parse_phone(text)
        if not phone:
            return False
        draft.fields["phone"] = phone
        if several:
            self._keep_original(index, text, draft)
        return True

    def _employee_count(self, index: int, raw: Any, text: str, draft: LeadDraft) -> bool:
        if isinstance(raw, str):
            count, from_range = _employee_count_of(text)
        else:
            count, from_range = parse_employee_count(raw)
        draft.fields["employee_count"] = count
        if from_range:
            self._keep_original(index, text, draft)
        return True

    def _stage(self, index: int, raw: Any, text: str, draft: LeadDraft) -> bool:
        stage = _stage_of(text)
        if stage is None:
            # A status LeadDesk has no stage for stays with the lead, and the next column may map.
            self._keep_original(index, text, draft)
            return False
        draft.fields["stage"] = stage
        return True

    def _segment(self, index: int, raw: Any, text: str, draft: LeadDraft) -> bool:
        if text not in self.segment_keys:
            self._keep_original(index, text, draft)
            return False
        draft.fields["segment"] = text
        return True

    def _received_at(self, index: int, raw: Any, text: str, draft: LeadDraft) -> bool:
        value = raw if isinstance(raw, (datetime, date, int, float)) and not isinstance(raw, bool) else text
        draft.fields["received_at"] = self._date_parsers[index].parse(value)
        return True


    def _leaddesk_id(self, index: int, raw: Any, text: str, draft: LeadDraft) -> bool:
        try:
            draft.fields[LEADDESK_ID] = uuid.UUID(text)
        except ValueError:
            raise InvalidValue(
                f"{text!r} is not a LeadDesk id; keep the id column of the export unchanged, or empty it"
            ) from None
        return True


def _text_converter(name: str) -> Callable[[int, Any, str, LeadDraft], bool]:
    def convert(index: int, raw: Any, text: str, draft: LeadDraft) -> bool:
        draft.fields[name] = text
        return True

    return convert
