"""Column mapping: which lead field each header of an imported file fills.

Headers are compared by their words, case- and punctuation-insensitively and without
digits, so "E-mail 2 Address", "EMAIL" and "Email address" all reach the email field.
Every column that maps to no field is kept as a custom field keyed by its header.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from leaddesk.lead_fields import COMPANY_AND_PLACE_FIELDS, NAME_FIELDS
from leaddesk.services.importing.errors import MappingError
from leaddesk.services.importing.shapes import column_shape

if TYPE_CHECKING:
    from leaddesk.services.importing.label_groups import LabelGroup

logger = logging.getLogger(__name__)

CUSTOM_PREFIX = "custom:"

# The lead fields a column can fill. "owner" is a rep's name, stored as the lead's owner_id.
LEAD_FIELDS = (
    "external_id",
    *NAME_FIELDS,
    "email",
    "phone",
    *COMPANY_AND_PLACE_FIELDS,
    "employee_count",
    "source",
    "segment",
    "stage",
    "owner",
    "notes",
    "received_at",
)

# The target of a column of LeadDesk ids, such as the "id" column of a LeadDesk export. It
# matches a row to the lead of this database with that id and is never stored.
LEADDESK_ID = "leaddesk_id"

# Header keys per field: the header's words casefolded and joined, digits dropped.
SYNONYMS: dict[str, tuple[str, ...]] = {
    "external_id": ("externalid", "recordid", "leadnumber", "prospectid", "leadid", "contactid", "crmid", "id"),
    "first_name": ("firstname", "givenname", "forename", "first"),
    "last_name": ("lastname", "surname", "familyname", "last"),
    "full_name": ("fullname", "contactname", "personname", "leadname", "displayname", "name"),
    "email": (
        "email",
        "emailaddress",
        "workemail",
        "businessemail",
        "personalemail",
        "primaryemail",
        "secondaryemail",
        "tertiaryemail",
        "mail",
    ),
    "phone": (
        "phone",
        "phonenumber",
        "telephone",
        "tel",
        "workdirectphone",
        "directphone",
        "workphone",
        "businessphone",
        "mobilephone",
        "mobilephonenumber",
        "mobile",
        "cellphone",
        "cell",
        "corporatephone",
        "homephone",
        "otherphone",
        "primaryphone",
    ),
    "company": (
        "company",
        "companyname",
        "companyaccount",
        "account",
        "accountname",
        "organization",
        "organisation",
        "organizationname",
        "organisationname",
        "employer",
    ),
    "title": ("jobtitle", "position", "organizationtitle", "designation", "jobposition", "title"),
    "website": ("website", "websiteurl", "web", "webpage", "webaddress", "companywebsite", "homepage", "url"),
    "domain": ("domain", "emaildomain", "companydomain", "websitedomain"),
    "linkedin_url": ("linkedinurl", "linkedin", "personlinkedinurl", "linkedinprofile", "linkedinprofileurl"),
    "city": ("city", "town", "locality"),
    "region": ("state", "region", "stateregion", "province", "stateprovince"),
    "country": ("country", "countryregion", "nation"),
    "industry": ("industry", "sector", "vertical"),
    "employee_count": (
        "employees",
        "numberofemployees",
        "noofemployees",
        "employeecount",
        "companysize",
        "headcount",
        "companyheadcount",
        "employeesize",
    ),
    "source": ("leadsource", "source", "originalsource", "originaltrafficsource"),
    "segment": ("segment",),
    "stage": ("leadstatus", "lifecyclestage", "leadstage", "status", "stage"),
    "owner": ("owner", "contactowner", "leadowner", "leadownername", "ownername", "salesrep", "assignedto"),
    "notes": ("notes", "note", "description", "comments", "comment"),
    "received_at": (
        "receivedat",
        "createdate",
        "createddate",
        "createdat",
        "createdon",
        "created",
        "datecreated",
        "creationdate",
        "dateadded",
        "submittedat",
        "submissiondate",
        "submitted",
        "connectedon",
        "personcreated",
    ),
}

# Headers so generic that a more specific column of the same field beats them wherever it
# sits: Outlook's "Title" contains "Mr." and its "Job Title" contains the job.
WEAK_KEYS = frozenset({"id", "name", "title", "status", "stage", "url"})

# Leading words that name whose value a column contains ("Person - Email", "Business City").
SUBJECT_PREFIXES = frozenset(
    {"person", "people", "contact", "lead", "address", "business", "home", "mailing", "other", "primary"}
)

# Trailing words that only qualify a value ("Phone - Mobile", "E-mail 1 - Value").
QUALIFIER_SUFFIXES = frozenset(
    {"value", "work", "home", "mobile", "other", "primary", "main", "personal", "business", "office", "cell"}
)

# Header words of custom columns whose numbers must keep every digit, such as "Zip" or "Lead ID".
IDENTIFIER_WORDS = frozenset(
    {"zip", "zipcode", "postcode", "postal", "plz", "fax", "id", "ids", "uid", "uuid", "phone", "tel", "telephone", "mobile"}
)

# Header words that rank the columns of one field by preference, lowest rank first, for
# fields whose exports carry several kinds. A B2B lead is reached at work, so a work phone
# beats a plain "Phone", which beats a mobile, which beats a home or other phone. Columns
# without any of these words rank 1. The other columns are kept as custom fields.
PREFERENCE_WORDS: dict[str, tuple[tuple[int, frozenset[str]], ...]] = {
    "phone": (
        (0, frozenset({"work", "business", "office", "direct", "dial"})),
        (2, frozenset({"mobile", "cell", "cellphone", "mobil"})),
        (3, frozenset({"home", "other", "personal", "private", "car", "fax"})),
    ),
}
NEUTRAL_RANK = 1

# A website column whose values are mostly LinkedIn profiles is the LinkedIn URL.
LINKEDIN_SHARE = 0.8

# Fields that a column may get from the shape of its values alone. A date column must also
# have no header, because a column such as "Last Activity Date" is a date but no arrival time.
SHAPE_FIELDS = frozenset({"email", "phone", "website", "linkedin_url"})
_UNLABELLED_HEADER = re.compile(r"^Column \d+$")

# Field names as the warnings spell them.
FIELD_LABELS = {"email": "e-mail", "external_id": "external id", "received_at": "received date"}

_KEY_TO_FIELD = {key: field_name for field_name, keys in SYNONYMS.items() for key in keys}
_WORD = re.compile(r"[^\W\d_]+")


@dataclass(frozen=True)
class ColumnPlan:
    """The role of each column in one import: which field it fills, or its custom field key.

    columns_by_field lists, per field, the column indexes that can fill it. The first is the
    column the mapping gives the field. The rest are fallbacks: their values are kept as
    custom fields and also fill the field in rows where every earlier column is empty.
    custom_keys maps each column index kept as a custom field to its key.
    """

    headers: tuple[str, ...]
    mapping: dict[str, str]
    columns_by_field: dict[str, tuple[int, ...]] = field(default_factory=dict)
    custom_keys: dict[int, str] = field(default_factory=dict)


def header_words(header: str) -> list[str]:
    """Return the header's words, casefolded, without digits or punctuation."""
    text = unicodedata.normalize("NFKC", header).casefold()
    return _WORD.findall(text)


def field_for_header(header: str) -> str | None:
    """Return the lead field a header names, or None for a custom column."""
    return _match_words(header_words(header))[0]


def is_weak_header(header: str) -> bool:
    return _match_words(header_words(header))[1] in WEAK_KEYS


def suggest_mapping(headers: Sequence[str], sample_rows: Sequence[Sequence[object]] = ()) -> dict[str, str]:
    """Map each header to a lead field or to "custom:<header>".

    Per field, the column with a specific header wins over one with a generic header (see
    WEAK_KEYS). Among those, the one whose header words rank first in PREFERENCE_WORDS
    wins, such as "Business Phone" over "Home Phone", then the leftmost. A website column whose sample values are LinkedIn profile URLs
    maps to linkedin_url. A column whose header names no field takes the field its sample
    values fit (see shapes.py), when no header claims that field. Every other column is custom.
    """
    candidates: dict[str, list[tuple[int, bool]]] = {}
    unnamed: list[int] = []
    for index, header in enumerate(headers):
        field_name, key = _match_words(header_words(header))
        if field_name is None:
            unnamed.append(index)
            continue
        if field_name == "website" and _mostly_linkedin(sample_rows, index):
            field_name = "linkedin_url"
        candidates.setdefault(field_name, []).append((index, key in WEAK_KEYS))

    for index in unnamed:
        shape = column_shape([row[index] if index < len(row) else "" for row in sample_rows])
        allowed = shape in SHAPE_FIELDS or (shape == "received_at" and _UNLABELLED_HEADER.match(headers[index]))
        if shape and allowed and shape not in candidates:
            candidates[shape] = [(index, False)]

    winners: dict[int, str] = {}
    for field_name, columns in candidates.items():
        strong = [index for index, weak in columns if not weak] or [columns[0][0]]
        winner = min(strong, key=lambda index: (column_rank(field_name, headers[index]), index))
        winners[winner] = field_name

    return {
        header: winners.get(index, CUSTOM_PREFIX + header)
        for index, header in enumerate(headers)
    }


def build_plan(headers: Sequence[str], mapping: Mapping[str, str] | None, sample_rows=()) -> ColumnPlan:
    """Check a mapping against the headers and turn it into a ColumnPlan.

    Headers that the mapping leaves out are kept as custom columns. A custom column whose
    header names a field that another column fills becomes a fallback of that field.
    """
    suggested = suggest_mapping(headers, sample_rows)
    if mapping is None:
        mapping = suggested
    _check_mapping(headers, mapping)

    full_mapping = {header: mapping.get(header, CUSTOM_PREFIX + header) for header in headers}
    columns_by_field: dict[str, list[int]] = {}
    custom_keys: dict[int, str] = {}
    for index, header in enumerate(headers):
        target = full_mapping[header]
        if target.startswith(CUSTOM_PREFIX):
            custom_keys[index] = target[len(CUSTOM_PREFIX):] or header
        else:
            columns_by_field.setdefault(target, []).append(index)

    for index, header in enumerate(headers):
        if index not in custom_keys:
            continue
        suggested_field = field_for_header(header)
        if suggested_field == "website" and suggested[header] == "linkedin_url":
            suggested_field = "linkedin_url"
        if suggested_field in columns_by_field:
            columns_by_field[suggested_field].append(index)

    # A field filled by several mapped columns: the later ones are fallbacks, kept as custom too,
    # tried in order of preference, so a mobile number fills an empty work phone before a home one.
    for field_name, columns in columns_by_field.items():
        columns[1:] = sorted(columns[1:], key=lambda index: column_rank(field_name, headers[index]))
        for index in columns[1:]:
            custom_keys.setdefault(index, headers[index])

    # Labels choose a different value column in each row, so every value column of a label
    # group is kept as a custom field, the mapped one too, and sits beside its label there.
    for group in _label_groups().find_label_groups(headers, columns_by_field, custom_keys):
        for index in group.value_indexes:
            custom_keys.setdefault(index, headers[index])

    return ColumnPlan(
        headers=tuple(headers),
        mapping=full_mapping,
        columns_by_field={name: tuple(columns) for name, columns in columns_by_field.items()},
        custom_keys=custom_keys,
    )


def mapping_warnings(headers: Sequence[str], mapping: Mapping[str, str]) -> list[str]:
    """Return a warning per field that several columns could fill, naming the one that does.

    The other columns are never dropped: each is kept as a custom field and fills the
    field in rows where the earlier columns are empty. For a field whose columns are
    labelled pairs, such as Google's "Phone 1 - Label" and "Phone 1 - Value", the warning
    says instead that each row's labels choose the value (see label_groups.py).
    """
    columns = _competing_columns(headers, mapping)
    label_groups = _label_groups()
    groups = {group.field: group for group in mapping_label_groups(headers, mapping)}

    warnings = []
    for field_name, names in columns.items():
        filling = [header for header in names if mapping.get(header) == field_name]
        if len(names) < 2 or not filling:
            continue
        if field_name in groups:
            warnings.append(label_groups.describe_group(groups[field_name], headers))
            continue
        first = filling[0]
        warnings.append(_competing_columns_message(field_name, first, [header for header in names if header != first]))
    if groups:
        warnings.append(label_groups.LABEL_RULE)
    return warnings + label_groups.lone_label_warnings(headers)


def mapping_label_groups(headers: Sequence[str], mapping: Mapping[str, str]) -> tuple[LabelGroup, ...]:
    """Return the label groups that a suggested or confirmed mapping forms, as mapping_warnings finds them."""
    columns = _competing_columns(headers, mapping)
    positions = {header: index for index, header in enumerate(headers)}
    columns_by_field = {
        field_name: [positions[header] for header in sorted(names, key=lambda header: mapping.get(header) != field_name)]
        for field_name, names in columns.items()
    }
    custom_keys = {
        index: header
        for index, header in enumerate(headers)
        if mapping.get(header, CUSTOM_PREFIX + header).startswith(CUSTOM_PREFIX)
    }
    return _label_groups().find_label_groups(headers, columns_by_field, custom_keys)


def _competing_columns(headers: Sequence[str], mapping: Mapping[str, str]) -> dict[str, list[str]]:
    """Return, per field, the headers mapped to it and the custom headers that name it."""
    columns: dict[str, list[str]] = {}
    for header in headers:
        target = mapping.get(header, CUSTOM_PREFIX + header)
        if target.startswith(CUSTOM_PREFIX):
            named = field_for_header(header)
            if named is None or named not in mapping.values():
                continue
            target = named
        columns.setdefault(target, []).append(header)
    return columns


def plan_warnings(plan: ColumnPlan) -> list[str]:
    """Return mapping_warnings' warning for each field that several columns of the plan fill.

    The plan is what the import runs, so these warnings hold for a saved or explicit
    mapping too, whose columns the suggestion behind mapping_warnings may not know.
    """
    label_groups = _label_groups()
    groups = {group.field: group for group in label_groups.plan_label_groups(plan)}
    warnings = []
    for field_name, columns in plan.columns_by_field.items():
        if len(columns) < 2:
            continue
        if field_name in groups:
            warnings.append(label_groups.describe_group(groups[field_name], plan.headers))
            continue
        first, *others = (plan.headers[index] for index in columns)
        warnings.append(_competing_columns_message(field_name, first, others))
    if groups:
        warnings.append(label_groups.LABEL_RULE)
    return warnings + label_groups.lone_label_warnings(plan.headers)


def _competing_columns_message(field_name: str, first: str, others: list[str]) -> str:
    listed = ", ".join(repr(header) for header in others)
    return (
        f"{len(others) + 1} columns could fill the {FIELD_LABELS.get(field_name, field_name.replace('_', ' '))} field; "
        f"{first!r} fills it, and {listed} {'is kept as a custom field' if len(others) == 1 else 'are kept as custom fields'} "
        f"that {'fills' if len(others) == 1 else 'fill'} it only in rows where {first!r} is empty"
    )


def column_rank(field_name: str, header: str) -> int:
    """Return the preference rank of a column of the field by its header words (see PREFERENCE_WORDS)."""
    ranks = PREFERENCE_WORDS.get(field_name)
    if not ranks:
        return NEUTRAL_RANK
    words = set(header_words(header))
    for rank, rank_words in ranks:
        if words & rank_words:
            return rank
    return NEUTRAL_RANK


def is_identifier_header(header: str) -> bool:
    """Return whether a header names a value that is digits, not an amount: a phone, id or postcode."""
    words = header_words(header)
    if IDENTIFIER_WORDS.intersection(words):
        return True
    return _match_words(words)[0] in ("phone", "external_id")


def known_header_count(cells: Sequence[object]) -> int:
    """Return how many cells read as headers of a lead field, to tell a header row from a title."""
    return sum(1 for cell in cells if isinstance(cell, str) and cell.strip() and field_for_header(cell))


def _match_words(words: list[str]) -> tuple[str | None, str]:
    """Return (field, matched key) for a header's words, trying its core without prefix and suffix."""
    for candidate in _word_variants(words):
        key = "".join(candidate)
        if key in _KEY_TO_FIELD:
            return _KEY_TO_FIELD[key], key
    return None, ""


def _word_variants(words: list[str]) -> list[list[str]]:
    variants = [words]
    core = words
    if len(core) > 1 and core[0] in SUBJECT_PREFIXES:
        core = core[1:]
        variants.append(core)
    if len(core) > 1 and core[-1] in QUALIFIER_SUFFIXES:
        variants.append(core[:-1])
    return variants


def _mostly_linkedin(sample_rows: Sequence[Sequence[object]], index: int) -> bool:
    values = [str(row[index]).casefold() for row in sample_rows if index < len(row) and str(row[index]).strip()]
    if not values:
        return False
    linkedin = sum(1 for value in values if "linkedin.com/" in value)
    return linkedin >= len(values) * LINKEDIN_SHARE


def _label_groups():
    """Return the label_groups module, imported on first use because it imports this one."""
    from leaddesk.services.importing import label_groups

    return label_groups


def _check_mapping(headers: Sequence[str], mapping: Mapping[str, str]) -> None:
    known_headers = set(headers)
    for header, target in mapping.items():
        if header not in known_headers:
            raise MappingError(
                f"the mapping names the column {header!r}, but the file has no such header; "
                f"use one of: {', '.join(headers[:12])}{' …' if len(headers) > 12 else ''}"
            )
        if target.startswith(CUSTOM_PREFIX):
            continue
        if target not in LEAD_FIELDS and target != LEADDESK_ID:
            raise MappingError(
                f"the mapping sends column {header!r} to the unknown lead field {target!r}; "
                f"use one of {', '.join(LEAD_FIELDS)}, or custom:<name> to keep it as a custom field"
            )
        _label_groups().check_label_target(header, target)
