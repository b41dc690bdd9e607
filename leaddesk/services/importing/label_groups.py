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
import unicodedata
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from functools import lru_cache

from leaddesk.services.importing.errors import MappingError
from leaddesk.services.importing.mapping import FIELD_LABELS, ColumnPlan, header_words
from leaddesk.services.importing.values import InvalidValue, parse_email, parse_phone

# Headers such as "Phone 2 - Label" or "E-mail 1 - Value". Older Google exports write "Phone 1 - Type".
_PAIR_HEADER = re.compile(r"^(?P<kind>\D+?)\s*(?P<number>\d+)\s*-\s*(?P<part>label|type|value)$", re.IGNORECASE)
LABEL_PARTS = frozenset({"label", "type"})
VALUE_PART = "value"

# The lead field of a pair, by the words before its number joined ("E-mail" gives "email").
LABELLED_FIELDS = {"phone": "phone", "email": "email"}

# Google marks the contact's primary phone or e-mail by starting its label with "* ".
PRIMARY_MARK = "*"

# Label words by kind, lowest rank first, in English, German, French, Spanish, Portuguese,
# Italian and Dutch. Words are compared casefolded and without accents, so "Móvil" matches
# "movil". A B2B lead is reached at work, so work comes first, then mobile. A label without
# any of these words ("Main", "Google Voice", an empty or custom label) ranks
# UNKNOWN_LABEL_RANK, below mobile, because it does not say whose line it is. Home and other
# lines follow, then an assistant's line, which reaches the lead only through someone else.
# NOTE: the words other than English are common words for each kind, not a list checked
# against Google's translated labels.
LABEL_KIND_WORDS: tuple[tuple[int, str, frozenset[str]], ...] = (
    (
        0,
        "work",
        frozenset({
            "work", "business", "office", "direct", "company",
            "arbeit", "geschäftlich", "dienstlich", "büro", "firma",
            "travail", "bureau", "professionnel", "entreprise",
            "trabajo", "oficina", "empresa",
            "trabalho", "escritório", "comercial",
            "lavoro", "ufficio", "azienda",
            "werk", "zakelijk", "kantoor",
        }),
    ),
    (
        1,
        "mobile",
        frozenset({
            "mobile", "cell", "cellphone", "cellular", "iphone",
            "mobil", "handy", "mobiltelefon",
            "portable", "cellulaire",
            "móvil", "celular",
            "telemóvel",
            "cellulare",
            "mobiel", "gsm",
        }),
    ),
    (
        3,
        "home or other",
        frozenset({
            "home", "other", "personal", "private", "car",
            "privat", "zuhause", "persönlich", "andere", "sonstige",
            "domicile", "maison", "personnel", "privé", "autre",
            "casa", "hogar", "particular", "otro",
            "residencial", "pessoal", "outro",
            "privato", "personale", "abitazione", "altro",
            "thuis", "prive", "overig", "ander",
        }),
    ),
    (4, "assistant", frozenset({"assistant", "assistent", "asistente", "assistente"})),
)
UNKNOWN_LABEL_RANK = 2

# Label words of numbers that take no voice call, ranked after every other label, primary or not.
NO_CALL_WORDS = frozenset({"fax", "telefax", "pager"})

# A labelled phone with fewer digits than this gives way to one that has them, so a formula
# such as "=1+1" or a note such as "ext. 12" never beats a real number.
MIN_PHONE_DIGITS = 5

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
    equal labels. label_keys and value_keys are the custom field keys of the pairs' label
    and value columns, in the same order, because a row's labels and values are read from
    its custom fields.
    """

    field: str
    pairs: tuple[LabelPair, ...]
    label_keys: tuple[str, ...]
    value_keys: tuple[str, ...] = ()

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
        # build_plan keeps every value column of a group as a custom field keyed by its header.
        value_keys = tuple(custom_keys.get(pair.value_index, headers[pair.value_index]) for pair in ordered)
        groups.append(LabelGroup(field=field_name, pairs=ordered, label_keys=keys, value_keys=value_keys))
    return tuple(groups)


def plan_label_groups(plan: ColumnPlan) -> tuple[LabelGroup, ...]:
    """Return find_label_groups' groups for a column plan."""
    return find_label_groups(plan.headers, plan.columns_by_field, plan.custom_keys)


@lru_cache(maxsize=_LABEL_CACHE)
def label_rank(label: str) -> tuple[bool, bool, int]:
    """Return the sort key of a label, lowest first.

    Fax and pager labels come last. Among the others, a primary label ("* Work") comes
    first, then the rank of its first kind in LABEL_KIND_WORDS: work, mobile, a label of
    no known kind (UNKNOWN_LABEL_RANK, an empty label too), home or other, assistant.
    E-mail labels use the same words (Work, Home, Other), so both fields rank by that table.
    """
    text = label.strip()
    primary = text.startswith(PRIMARY_MARK)
    words = {_without_accents(word) for word in header_words(text.lstrip(PRIMARY_MARK))}
    no_call = not NO_CALL_WORDS.isdisjoint(words)
    return no_call, not primary, label_kind_rank(words)


def label_kind_rank(words: set[str]) -> int:
    """Return the rank of the first kind in LABEL_KIND_WORDS that one of the words names, else UNKNOWN_LABEL_RANK."""
    for rank, _kind, kind_words in _PLAIN_KIND_WORDS:
        if not kind_words.isdisjoint(words):
            return rank
    return UNKNOWN_LABEL_RANK


def _without_accents(word: str) -> str:
    decomposed = unicodedata.normalize("NFKD", word)
    return "".join(char for char in decomposed if not unicodedata.combining(char))


_PLAIN_KIND_WORDS = tuple(
    (rank, kind, frozenset(_without_accents(word) for word in words)) for rank, kind, words in LABEL_KIND_WORDS
)


def is_usable_value(field_name: str, text: str) -> bool:
    """Return whether a labelled cell's text can fill the field: a valid e-mail, or a phone of MIN_PHONE_DIGITS digits."""
    if not text:
        return False
    if field_name == "email":
        try:
            parse_email(text)
        except InvalidValue:
            return False
        return True
    if field_name == "phone":
        phone = parse_phone(text)[0]
        return sum(char.isdigit() for char in phone) >= MIN_PHONE_DIGITS
    return True


def order_by_labels(
    group: LabelGroup,
    columns: Sequence[int],
    custom: Mapping[str, str],
    row: int | None = None,
    skipped: SkippedValues | None = None,
) -> list[int]:
    """Return the order in which one row tries the field's columns.

    The group's value columns come first, sorted by the row's labels (label_rank), ties
    kept in plan order. A value that cannot fill the field (is_usable_value) moves behind
    every usable one, so the best valid value wins, and the row is rejected only when no
    value is usable. Columns of the field outside the group follow in plan order. custom
    is the row's custom fields, which hold its label and value texts. With skipped given,
    each non-empty value passed over for a usable one is recorded there for the report.
    """
    positions = sorted(
        range(len(group.pairs)), key=lambda position: (label_rank(custom.get(group.label_keys[position], "")), position)
    )
    if group.value_keys:
        usable = [position for position in positions if is_usable_value(group.field, custom.get(group.value_keys[position], ""))]
        if usable and usable[0] != positions[0]:
            if skipped is not None and row is not None:
                chosen = group.value_keys[usable[0]]
                for position in positions[: positions.index(usable[0])]:
                    text = custom.get(group.value_keys[position], "")
                    if text:
                        skipped.add(row, group.field, group.value_keys[position], text, chosen)
            positions = usable + [position for position in positions if position not in usable]
    ordered = [group.pairs[position].value_index for position in positions]
    grouped = set(ordered)
    ordered.extend(index for index in columns if index not in grouped)
    return ordered


@dataclass
class SkippedValues:
    """The labelled values that an import passed over because another labelled value was valid.

    Each value stays on its lead as a custom field, and warnings() names it in the report.
    The first MAX_NAMED are named, the rest counted. A row that is converted twice, once
    by the fast path and once exactly, is recorded once.
    """

    MAX_NAMED = 20

    named: list[tuple[int, str, str, str, str]] = dataclass_field(default_factory=list)
    count: int = 0
    _last_row: int | None = None
    _last_columns: set[str] = dataclass_field(default_factory=set)

    def add(self, row: int, field_name: str, column: str, value: str, chosen: str) -> None:
        if row != self._last_row:
            self._last_row = row
            self._last_columns = set()
        if column in self._last_columns:
            return
        self._last_columns.add(column)
        self.count += 1
        if len(self.named) < self.MAX_NAMED:
            self.named.append((row, field_name, column, value, chosen))

    def warnings(self) -> list[str]:
        """Return one warning per named value, and one that counts the values not named."""
        lines = []
        for row, field_name, column, value, chosen in self.named:
            if field_name == "phone":
                problem = f"has fewer than {MIN_PHONE_DIGITS} digits"
            else:
                problem = f"is not a valid {FIELD_LABELS.get(field_name, field_name)} address"
            lines.append(
                f"row {row}: {value!r} in column {column!r} {problem}, so the "
                f"{FIELD_LABELS.get(field_name, field_name)} comes from {chosen!r}, and the value is kept as "
                "a custom field"
            )
        if self.count > len(self.named):
            lines.append(
                f"{self.count - len(self.named)} more labelled values were passed over the same way "
                "and kept as custom fields"
            )
        return lines


# The rule that every label group follows, stated once after the groups' lines.
LABEL_RULE = (
    'Labels rank: primary ("*") first, then work, mobile, any other label such as Main or none, home or other, '
    "and fax or pager last. An invalid value gives way to a valid one, ties go to the column listed first, "
    "and every label and value column is also kept as a custom field"
)


def describe_group(group: LabelGroup, headers: Sequence[str]) -> str:
    """Return the line of the preview and the import report that names the columns a group chooses from."""
    values = _listed(headers[pair.value_index] for pair in group.pairs)
    field_label = FIELD_LABELS.get(group.field, group.field)
    return f"the {field_label} field is chosen row by row from {values} by their labels"


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
