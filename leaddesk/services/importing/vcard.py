"""Reading vCard files (versions 2.1, 3.0 and 4.0) as a table with one row per contact.

The parser follows the content-line grammar of RFC 6350 section 3.3, which RFC 2426
(version 3.0) shares: folded lines are unfolded, a property may carry a group prefix
("item1.EMAIL") and parameters ("TYPE=WORK,VOICE", "PREF=1", quoted values such as
LABEL="..."), and values escape commas, semicolons, backslashes and line breaks with a
backslash. Version 2.1's bare parameters ("TEL;WORK;VOICE:") and quoted-printable values
are read too.

Each contact becomes one row. N, FN, ORG, TITLE, EMAIL, TEL, ADR, URL and NOTE fill
columns whose headers the mapping recognizes ("First Name", "Email", "Phone", ...).
The preferred e-mail and phone (PREF=1, or TYPE=PREF in 3.0) come first, and further
ones get numbered columns. Every other property is kept under its own column, so it
becomes a custom field. Pictures and sounds are left out with a warning.
"""

from __future__ import annotations

import logging
import quopri
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from leaddesk.services.importing.encoding import FileFingerprint
from leaddesk.services.importing.errors import ImportFileError
from leaddesk.services.importing.table import ListRowStream, Table

logger = logging.getLogger(__name__)

_LINE_BREAK = re.compile(r"\r\n|\n|\r")

# Properties that hold pictures, sounds or keys, usually as large base64 data.
BINARY_PROPERTIES = frozenset({"PHOTO", "LOGO", "SOUND", "KEY"})

# Properties that only frame a contact.
FRAME_PROPERTIES = frozenset({"BEGIN", "END", "VERSION"})

# Column names of other properties; a property not listed keeps its own name, such as "X-ABUID".
OTHER_PROPERTY_HEADERS = {
    "NICKNAME": "Nickname",
    "CATEGORIES": "Categories",
    "BDAY": "Birthday",
    "ANNIVERSARY": "Anniversary",
    "GENDER": "Gender",
    "REV": "Revised",
    "KIND": "Kind",
    "ROLE": "Role",
    "TZ": "Time Zone",
    "GEO": "Geo",
    "LANG": "Language",
    "IMPP": "Instant Messaging",
    "RELATED": "Related",
    "MEMBER": "Member",
    # "Source" alone would map to the lead source.
    "SOURCE": "vCard Source",
    "PRODID": "vCard Product",
}

# The fixed columns, in the order they appear when any contact fills them.
NAME_HEADERS = ("Full Name", "First Name", "Last Name", "Middle Name", "Name Prefix", "Name Suffix")
ORGANIZATION_HEADERS = ("Company", "Department", "Title")


@dataclass
class Property:
    """One content line: its name, parameters (names upper-case) and raw value."""

    name: str
    params: dict[str, list[str]]
    value: str
    line: int

    @property
    def types(self) -> list[str]:
        return [kind.casefold() for kind in self.params.get("TYPE", [])]

    @property
    def preference(self) -> int:
        """Return 1 for the preferred value and larger numbers for the rest, as PREF orders them."""
        if "pref" in self.types:
            return 1
        for text in self.params.get("PREF", []):
            if text.isdigit():
                return int(text)
        return 101


@dataclass
class Contact:
    """The properties of one vCard, and the line where it begins."""

    line: int
    properties: list[Property] = field(default_factory=list)


def open_vcard(path: Path, fingerprint: FileFingerprint) -> Table:
    """Open a vCard file as a table whose rows are its contacts."""
    text = path.read_text(encoding=fingerprint.encoding)
    warnings: list[str] = []
    contacts = list(parse_contacts(text, path.name, warnings))
    if not contacts:
        raise ImportFileError(f"{path.name} contains no BEGIN:VCARD ... END:VCARD block; export the contacts again")

    columns: dict[str, None] = dict.fromkeys(NAME_HEADERS + ORGANIZATION_HEADERS)
    records = [_contact_record(contact, path.name, warnings) for contact in contacts]
    for record in records:
        columns.update(dict.fromkeys(record))
    headers = [name for name in columns if any(name in record for record in records)]
    if not headers:
        raise ImportFileError(
            f"the {len(contacts)} contact{'s' if len(contacts) > 1 else ''} in {path.name} have no properties "
            "such as a name, e-mail or phone; export the contacts again"
        )
    rows: list[list[object]] = [list(headers)]
    rows.extend([record.get(name, "") for name in headers] for record in records)

    logger.info("opened %s: vCard, %d contacts, %d columns", path, len(contacts), len(headers))
    return Table(
        path=path,
        sha256=fingerprint.sha256,
        headers=headers,
        header_row=1,
        open_rows=lambda: ListRowStream(rows, 1),
        kind="vcard",
        encoding=fingerprint.encoding,
        warnings=warnings,
    )


def parse_contacts(text: str, name: str, warnings: list[str]) -> Iterator[Contact]:
    """Yield the contacts of a vCard text, adding a warning for each line that is not part of one."""
    contact: Contact | None = None
    for number, line in _logical_lines(text):
        if not line.strip():
            continue
        prop = parse_property(line, number)
        if prop is None:
            warnings.append(f"line {number} of {name} is not a vCard property and was ignored: {line[:60]!r}")
            continue

        if prop.name == "BEGIN" and prop.value.strip().upper() == "VCARD":
            if contact is not None:
                warnings.append(
                    f"the contact that starts on line {contact.line} of {name} has no END:VCARD; "
                    f"it was read up to line {number}, where the next contact begins"
                )
                yield contact
            contact = Contact(line=number)
        elif prop.name == "END" and prop.value.strip().upper() == "VCARD":
            if contact is None:
                warnings.append(f"line {number} of {name} ends a contact that never began, and was ignored")
                continue
            yield contact
            contact = None
        elif contact is None:
            warnings.append(f"line {number} of {name} is outside any BEGIN:VCARD ... END:VCARD block and was ignored")
        else:
            contact.properties.append(prop)

    if contact is not None:
        warnings.append(
            f"the contact that starts on line {contact.line} of {name} has no END:VCARD; it was read to the end of the file"
        )
        yield contact


def parse_property(line: str, number: int) -> Property | None:
    """Parse one unfolded content line, or return None when it has no name and colon."""
    position, length = 0, len(line)
    while position < length and line[position] not in ";:":
        position += 1
    if position >= length:
        return None
    name = line[:position].strip().upper()
    if "." in name:
        # A group prefix ("item1.EMAIL") ties properties together in Apple's exports; it is dropped.
        name = name.rsplit(".", 1)[1]
    if not name:
        return None

    params: dict[str, list[str]] = {}
    while line[position] == ";":
        position += 1
        start = position
        quoted = False
        while position < length and (quoted or line[position] not in ";:"):
            if line[position] == '"':
                quoted = not quoted
            position += 1
        if position >= length:
            return None
        _add_param(params, line[start:position])

    value = line[position + 1:]
    if "QUOTED-PRINTABLE" in (encoding.upper() for encoding in params.get("ENCODING", [])):
        value = _decode_quoted_printable(value, (params.get("CHARSET") or ["utf-8"])[0])
    return Property(name=name, params=params, value=value, line=number)


def split_components(value: str, separator: str = ";") -> list[str]:
    """Split a structured value at separators that no backslash escapes, and unescape each part."""
    parts, current, index = [], [], 0
    while index < len(value):
        char = value[index]
        if char == "\\" and index + 1 < len(value):
            current.append(value[index:index + 2])
            index += 2
            continue
        if char == separator:
            parts.append(unescape("".join(current)))
            current = []
        else:
            current.append(char)
        index += 1
    parts.append(unescape("".join(current)))
    return parts


def unescape(text: str) -> str:
    """Undo vCard text escaping: \\n and \\N are line breaks; \\, \\; and \\\\ are the character itself."""
    if "\\" not in text:
        return text.strip()
    out, index = [], 0
    while index < len(text):
        char = text[index]
        if char == "\\" and index + 1 < len(text):
            following = text[index + 1]
            out.append("\n" if following in "nN" else following)
            index += 2
            continue
        out.append(char)
        index += 1
    return "".join(out).strip()


def _logical_lines(text: str) -> Iterator[tuple[int, str]]:
    """Yield (first physical line number, unfolded line), joining quoted-printable soft line breaks too."""
    physical = _LINE_BREAK.split(text.lstrip("\ufeff"))
    index = 0
    while index < len(physical):
        number = index + 1
        line = physical[index]
        index += 1
        while index < len(physical):
            following = physical[index]
            if following[:1] in (" ", "\t"):
                line += following[1:]
            elif line.endswith("=") and "QUOTED-PRINTABLE" in line.upper().split(":", 1)[0]:
                line = line[:-1] + following
            else:
                break
            index += 1
        yield number, line


def _add_param(params: dict[str, list[str]], text: str) -> None:
    if "=" in text:
        key, raw = text.split("=", 1)
        key = key.strip().upper()
    else:
        # Version 2.1 writes bare types: TEL;WORK;VOICE:...
        key, raw = "TYPE", text
        if raw.strip().upper() in ("QUOTED-PRINTABLE", "BASE64", "8BIT", "7BIT"):
            key = "ENCODING"
    raw = raw.strip()
    if len(raw) >= 2 and raw[0] == raw[-1] == '"':
        raw = raw[1:-1]
    if key == "TYPE":
        # TYPE=WORK,VOICE and TYPE="work,voice" are both two types.
        values = [part.strip().strip('"') for part in raw.split(",")]
    else:
        values = [unescape(raw) if key == "LABEL" else raw]
    params.setdefault(key, []).extend(value for value in values if value)


def _decode_quoted_printable(value: str, charset: str) -> str:
    raw = quopri.decodestring(value.encode("ascii", "backslashreplace"))
    try:
        return raw.decode(charset)
    except (LookupError, UnicodeDecodeError):
        return raw.decode("cp1252", "replace")


def _contact_record(contact: Contact, name: str, warnings: list[str]) -> dict[str, str]:
    """Return one contact's columns and values, the preferred e-mail and phone first."""
    record: dict[str, str] = {}
    by_name: dict[str, list[Property]] = {}
    for prop in contact.properties:
        by_name.setdefault(prop.name, []).append(prop)

    _fill_names(record, by_name)
    _fill_organization(record, by_name)
    _fill_numbered(record, "Email", by_name.get("EMAIL", []), _plain_value)
    _fill_numbered(record, "Phone", by_name.get("TEL", []), _phone_value)
    _fill_addresses(record, by_name.get("ADR", []))
    _fill_urls(record, by_name.get("URL", []))
    notes = [unescape(prop.value) for prop in by_name.get("NOTE", [])]
    if any(notes):
        record["Notes"] = "\n".join(note for note in notes if note)

    handled = {"N", "FN", "ORG", "TITLE", "EMAIL", "TEL", "ADR", "URL", "NOTE", "LABEL"}
    for prop_name, props in by_name.items():
        if prop_name in handled or prop_name in FRAME_PROPERTIES:
            continue
        if prop_name in BINARY_PROPERTIES:
            warnings.append(
                f"the contact on line {contact.line} of {name} has a {prop_name} (a picture, sound or key); "
                "LeadDesk does not store those, so it was left out"
            )
            continue
        header = OTHER_PROPERTY_HEADERS.get(prop_name, prop_name)
        values = [unescape(prop.value) for prop in props]
        record[header] = "\n".join(value for value in values if value)
    # Version 2.1 and 3.0 write a formatted address as its own LABEL property.
    labels = [unescape(prop.value) for prop in by_name.get("LABEL", [])]
    if any(labels) and "Address Label" not in record:
        record["Address Label"] = "\n".join(label for label in labels if label)
    return {header: value for header, value in record.items() if value}


def _fill_names(record: dict[str, str], by_name: dict[str, list[Property]]) -> None:
    for prop in by_name.get("FN", [])[:1]:
        record["Full Name"] = unescape(prop.value)
    for prop in by_name.get("N", [])[:1]:
        parts = split_components(prop.value) + [""] * 5
        family, given, additional, prefix, suffix = parts[:5]
        record["First Name"] = given
        record["Last Name"] = family
        record["Middle Name"] = additional
        record["Name Prefix"] = prefix
        record["Name Suffix"] = suffix


def _fill_organization(record: dict[str, str], by_name: dict[str, list[Property]]) -> None:
    for prop in by_name.get("ORG", [])[:1]:
        parts = [part for part in split_components(prop.value) if part]
        if parts:
            record["Company"] = parts[0]
            record["Department"] = "; ".join(parts[1:])
    titles = [unescape(prop.value) for prop in by_name.get("TITLE", [])]
    record["Title"] = "\n".join(title for title in titles if title)


def _fill_numbered(record: dict[str, str], header: str, props: list[Property], value_of) -> None:
    """Fill header, "header Type", "header 2", ... with the values in PREF order."""
    ordered = sorted(props, key=lambda prop: prop.preference)
    position = 0
    for prop in ordered:
        value = value_of(prop)
        if not value:
            continue
        position += 1
        column = header if position == 1 else f"{header} {position}"
        record[column] = value
        kinds = [kind for kind in prop.types if kind not in ("pref", "internet", "voice")]
        if kinds:
            record[f"{column} Type"] = ", ".join(kinds)


def _fill_addresses(record: dict[str, str], props: list[Property]) -> None:
    """Spread the preferred address over its columns; keep further addresses whole, one per column."""
    ordered = sorted(props, key=lambda prop: prop.preference)
    for position, prop in enumerate(ordered, start=1):
        parts = split_components(prop.value) + [""] * 7
        po_box, extended, street, city, region, postal_code, country = parts[:7]
        label = "\n".join(prop.params.get("LABEL", []))
        kinds = ", ".join(kind for kind in prop.types if kind != "pref")
        if position == 1:
            record["Street"] = "\n".join(part for part in (street, extended, po_box) if part)
            record["City"] = city
            record["Region"] = region
            record["Postal Code"] = postal_code
            record["Country"] = country
            record["Address Type"] = kinds
            record["Address Label"] = label
            continue
        lines = [street, extended, po_box, " ".join(part for part in (postal_code, city) if part), region, country]
        formatted = label or "\n".join(line for line in lines if line)
        suffix = f" ({kinds})" if kinds else ""
        record[f"Address {position}{suffix}"] = formatted


def _fill_urls(record: dict[str, str], props: list[Property]) -> None:
    websites = []
    for prop in sorted(props, key=lambda prop: prop.preference):
        url = unescape(prop.value)
        if not url:
            continue
        if "linkedin.com/" in url.casefold() and "LinkedIn" not in record:
            record["LinkedIn"] = url
        else:
            websites.append(url)
    for position, url in enumerate(websites, start=1):
        record["Website" if position == 1 else f"Website {position}"] = url


def _plain_value(prop: Property) -> str:
    return unescape(prop.value)


def _phone_value(prop: Property) -> str:
    """Return a phone number, without the "tel:" scheme of a version 4.0 URI value."""
    value = unescape(prop.value)
    if value[:4].casefold() == "tel:":
        value = value[4:]
    return value
