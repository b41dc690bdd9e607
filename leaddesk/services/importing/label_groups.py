"""Label and value column pairs, whose labels choose each row's phone or e-mail.

Google Contacts writes a contact's phones as pairs of columns, "Phone 1 - Label" and
"Phone 1 - Value", "Phone 2 - Label" and "Phone 2 - Value", and its e-mails as
"E-mail 1 - Label" and "E-mail 1 - Value". Each row's label names the kind of value in
its pair ("Work", "Mobile", "Home", or "* Mobile" for the contact's primary number), so
the column that contains the work phone changes from row to row. A LabelGroup makes the
import pick each row's phone or e-mail by those labels rather than by column position.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache

from leaddesk.services.importing.errors import MappingError
from leaddesk.services.importing.mapping import FIELD_LABELS, ColumnPlan, column_rank, header_words

# Headers such as "Phone 2 - Label" or "E-mail 1 - Value". Older Google exports write "Phone 1 - Type".
_PAIR_HEADER = re.compile(r"^(?P<kind>\D+?)\s*(?P<number>\d+)\s*-\s*(?P<part>label|type|value)$", re.IGNORECASE)
LABEL_PARTS = frozenset({"label", "type"})
VALUE_PART = "value"

# The lead field of a pair, by the words before its number joined ("E-mail" gives "email").
LABELLED_FIELDS = {"phone": "phone", "email": "email"}

# Google marks the contact's primary phone or e-mail by starting its label with "* ".
PRIMARY_MARK = "*"

# Label words of numbers that take no voice call, ranked after every other label, primary or not.
NO_CALL_WORDS = frozenset({"fax", "pager"})

_LABEL_CACHE = 1024


@dataclass(frozen=True)
class LabelPair:
    """The label column and value column of one numbered pair, such as "Phone 2 - Label" and "Phone 2 - Value"."""

    number: int
    label_index: int
    value_index: int


@dataclass(frozen=True)
class LabelGroup:
    """The pairs whose labels choose one field's value in each row.

    pairs are in the order the plan tries their value columns, which breaks ties between
    equal labels. label_keys are the custom field keys of the pairs' label columns, in
    the same order, because a row's labels are read from its custom fields.
    """

    field: str
    pairs: tuple[LabelPair, ...]
    label_keys: tuple[str, ...]

    @property
    def value_indexes(self) -> tuple[int, ...]:
        return tuple(pair.value_index for pair in self.pairs)


def parse_pair_header(header: str) -> tuple[str, int, str] | None:
    """Return (field, pair number, "label" or "value") for a header such as "Phone 2 - Label", else None."""
    match = _PAIR_HEADER.match(header.strip())
    if match is None:
        return None
    field_name = LABELLED_FIELDS.get("".join(header_words(match["kind"])))
    if field_name is None:
        return None
    part = match["part"].casefold()
    return field_name, int(match["number"]), "label" if part in LABEL_PARTS else VALUE_PART


def label_pairs(headers: Sequence[str]) -> tuple[dict[str, list[LabelPair]], list[str]]:
    """Return the complete pairs per field, and the label headers that have no value column.

    When two headers name the same part of one pair, the leftmost counts and the other
    stays an ordinary column.
    """
    parts: dict[tuple[str, int], dict[str, int]] = {}
    for index, header in enumerate(headers):
        parsed = parse_pair_header(header)
        if parsed is None:
            continue
        field_name, number, part = parsed
        parts.setdefault((field_name, number), {}).setdefault(part, index)

    pairs: dict[str, list[LabelPair]] = {}
    lone_labels: list[str] = []
    for (field_name, number), indexes in parts.items():
        if "label" in indexes and VALUE_PART in indexes:
            pairs.setdefault(field_name, []).append(LabelPair(number, indexes["label"], indexes[VALUE_PART]))
        elif "label" in indexes:
            lone_labels.append(headers[indexes["label"]])
    return pairs, lone_labels


def find_label_groups(
    headers: Sequence[str], columns_by_field: Mapping[str, Sequence[int]], custom_keys: Mapping[int, str]
) -> tuple[LabelGroup, ...]:
    """Return a LabelGroup for each field whose mapped column is the value column of a pair.

    A pair takes part when its value column can fill the field (mapped or as a fallback)
    and its label column is kept as a custom field. Sending the label columns to another
    field or leaving them out of the import therefore turns the per-row choice off. A group
    needs two such pairs, because with one there is nothing to choose between.
    """
    groups: list[LabelGroup] = []
    for field_name, pairs in label_pairs(headers)[0].items():
        columns = columns_by_field.get(field_name, ())
        usable = {
            pair.value_index: pair for pair in pairs if pair.value_index in columns and pair.label_index in custom_keys
        }
        if not columns or columns[0] not in usable or len(usable) < 2:
            continue
        ordered = tuple(usable[index] for index in columns if index in usable)
        keys = tuple(custom_keys[pair.label_index] for pair in ordered)
        groups.append(LabelGroup(field=field_name, pairs=ordered, label_keys=keys))
    return tuple(groups)


def plan_label_groups(plan: ColumnPlan) -> tuple[LabelGroup, ...]:
    """Return find_label_groups' groups for a column plan."""
    return find_label_groups(plan.headers, plan.columns_by_field, plan.custom_keys)


@lru_cache(maxsize=_LABEL_CACHE)
def label_rank(label: str) -> tuple[bool, bool, int]:
    """Return the sort key of a label, lowest first.

    Fax and pager labels come last. Among the others, a primary label ("* Work") comes
    first, then PREFERENCE_WORDS' rank of the phone field: work or business, no kind
    word ("Main", an empty label), mobile, then home or other. E-mail labels use the same
    words (Work, Home, Other), so both fields rank by that one table.
    """
    text = label.strip()
    primary = text.startswith(PRIMARY_MARK)
    text = text.lstrip(PRIMARY_MARK)
    no_call = not NO_CALL_WORDS.isdisjoint(header_words(text))
    return no_call, not primary, column_rank("phone", text)


def order_by_labels(group: LabelGroup, columns: Sequence[int], custom: Mapping[str, str]) -> list[int]:
    """Return the order in which one row tries the field's columns.

    The group's value columns come first, sorted by the row's labels (label_rank), ties
    kept in plan order. Columns of the field outside the group follow in plan order.
    custom is the row's custom fields, which hold its label texts.
    """
    positions = sorted(
        range(len(group.pairs)), key=lambda position: (label_rank(custom.get(group.label_keys[position], "")), position)
    )
    ordered = [group.pairs[position].value_index for position in positions]
    grouped = set(ordered)
    ordered.extend(index for index in columns if index not in grouped)
    return ordered


def describe_group(group: LabelGroup, headers: Sequence[str]) -> str:
    """Return the line of the preview and the import report that describes how the group fills its field."""
    values = _listed(headers[pair.value_index] for pair in group.pairs)
    labels = _listed(headers[pair.label_index] for pair in group.pairs)
    field_label = FIELD_LABELS.get(group.field, group.field)
    return (
        f"the {field_label} field is chosen row by row from {values} by the labels in {labels}. "
        'A primary label (one starting with "*") wins, then work or business, then a label without a kind word '
        "such as Main, then mobile, then home or other, and fax or pager come last. "
        "Equal labels go to the column listed first, and every label and value column is also kept as a custom field"
    )


def lone_label_warnings(headers: Sequence[str]) -> list[str]:
    """Return a warning for each label column without its value column, such as "Phone 3 - Label" alone."""
    return [
        f"column {header!r} has no matching value column, so its labels choose nothing and it is kept as a "
        "custom field; export the file again with its value column, or ignore this column"
        for header in label_pairs(headers)[1]
    ]


def check_label_target(header: str, target: str) -> None:
    """Raise MappingError when a mapping sends a label column to the field its labels describe."""
    parsed = parse_pair_header(header)
    if parsed is None or parsed[2] != "label" or target not in LABELLED_FIELDS.values():
        return
    raise MappingError(
        f"the mapping sends the label column {header!r} to the {FIELD_LABELS.get(target, target)} field, "
        f'but that column contains labels such as "Work" or "* Mobile", not values; send the matching '
        f'"- Value" column to {target} instead, and keep {header!r} as a custom field'
    )


def _listed(names: Iterable[str]) -> str:
    quoted = [repr(name) for name in names]
    return ", ".join(quoted[:-1]) + " and " + quoted[-1] if len(quoted) > 1 else "".join(quoted)
