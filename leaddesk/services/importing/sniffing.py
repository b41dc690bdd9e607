"""Telling a file's format from its content, so a file's name never decides how it is read.

Workbooks are recognized by their container (ZIP for XLSX, XLSM, XLSB and ODS; OLE for
XLS), vCards and web pages by their first text, and common binary formats by their magic
numbers. Everything else is read as delimited text.
"""

from __future__ import annotations

import logging
import zipfile
from pathlib import Path

from leaddesk.services.importing.errors import ImportFileError

logger = logging.getLogger(__name__)

ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"

# Bytes read to recognize a format by its magic number.
HEAD_BYTES = 16

# Magic numbers of files that people pick by mistake, and what to call them in a message.
BINARY_MAGIC = (
    (b"%PDF-", "a PDF document"),
    (b"\x89PNG\r\n\x1a\n", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF87a", "a GIF image"),
    (b"GIF89a", "a GIF image"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive"),
    (b"Rar!\x1a\x07", "a RAR archive"),
    (b"SQLite format 3\x00", "an SQLite database"),
    (b"{\\rtf", "an RTF document"),
)

# Entries whose presence in a ZIP file names what it is.
_ZIP_KINDS = (
    ("word/", "a Word document"),
    ("ppt/", "a PowerPoint presentation"),
)

# In decoded text, this share of control characters other than tab, CR, LF and form feed marks binary data.
CONTROL_SHARE_FOR_BINARY = 0.05

# Characters of decoded text inspected for the checks above.
TEXT_SAMPLE_CHARS = 4096


def sniff_container(path: Path, head: bytes) -> str:
    """Return "workbook" for a ZIP or OLE workbook and "text" for anything else that may be text.

    Raises ImportFileError, naming the format, for a known binary format and for a ZIP
    file that contains no workbook.
    """
    for magic, name in BINARY_MAGIC:
        if head.startswith(magic):
            raise ImportFileError(
                f"{path.name} is {name}, not a table; export the leads as CSV, XLSX or vCard and import that file"
            )
    if head.startswith(ZIP_MAGIC):
        _check_zip_workbook(path)
        return "workbook"
    if head.startswith(OLE_MAGIC):
        return "workbook"
    return "text"


def sniff_text(path: Path, sample: str) -> str:
    """Return "vcard" or "csv" for decoded text, and raise ImportFileError for a web page or binary data."""
    start = sample.lstrip("\ufeff \t\r\n").casefold()[:200]
    if start.startswith("begin:vcard"):
        return "vcard"
    if start.startswith("<!doctype html") or start.startswith("<html"):
        raise ImportFileError(
            f"{path.name} is a web page, not a CSV file; download the file again with the site's export button"
        )
    if start.startswith("<?xml") and "urn:schemas-microsoft-com:office:spreadsheet" in sample[:TEXT_SAMPLE_CHARS]:
        raise ImportFileError(
            f"{path.name} is an Excel 2003 XML spreadsheet, which LeadDesk cannot read; "
            "open it in Excel or LibreOffice and save it as XLSX"
        )
    if "\x00" in sample:
        raise ImportFileError(f"{path.name} contains binary data, not text; export the leads again as CSV or XLSX")
    if _control_share(sample[:TEXT_SAMPLE_CHARS]) > CONTROL_SHARE_FOR_BINARY:
        raise ImportFileError(
            f"{path.name} contains binary data, not text: many of its bytes are control characters; "
            "export the leads again as CSV or XLSX"
        )
    return "csv"


def workbook_read_error(path: Path, error: Exception) -> ImportFileError:
    """Return a clear error for a workbook that the spreadsheet library failed on, without its internal text.

    The library's own message goes to the log, because it names OLE sectors or ZIP
    records that mean nothing to a user.
    """
    logger.info("reading %s as a workbook failed: %s", path, error)
    try:
        with path.open("rb") as handle:
            head = handle.read(1 << 20)
    except OSError:
        head = b""
    if head.startswith(OLE_MAGIC) and "EncryptedPackage".encode("utf-16-le") in head:
        return ImportFileError(
            f"{path.name} is a password-protected workbook; open it in Excel, remove the password "
            "(File > Info > Protect Workbook), save it and import it again"
        )
    if head.startswith(OLE_MAGIC):
        return ImportFileError(
            f"{path.name} is an older Office file that cannot be read as an Excel 97-2003 workbook; "
            "open it in Excel or LibreOffice and save it as XLSX or CSV"
        )
    return ImportFileError(
        f"{path.name} looks like a spreadsheet but it is damaged or incomplete; "
        "open it in a spreadsheet program and save it again as XLSX or CSV"
    )


def _check_zip_workbook(path: Path) -> None:
    try:
        with zipfile.ZipFile(path) as archive:
            names = archive.namelist()
            mimetype = archive.read("mimetype")[:100] if "mimetype" in names else b""
    except (zipfile.BadZipFile, OSError, KeyError) as error:
        logger.info("%s starts like a ZIP file but cannot be opened: %s", path, error)
        raise ImportFileError(
            f"{path.name} looks like a spreadsheet but it is damaged or incomplete; "
            "open it in a spreadsheet program and save it again as XLSX or CSV"
        ) from error

    if any(name.startswith("xl/") for name in names) or b"opendocument.spreadsheet" in mimetype:
        return
    for prefix, name in _ZIP_KINDS:
        if any(entry.startswith(prefix) for entry in names):
            raise ImportFileError(
                f"{path.name} is {name}, not a spreadsheet; export the leads as CSV or XLSX and import that file"
            )
    raise ImportFileError(
        f"{path.name} is a ZIP archive, not a spreadsheet; unpack it and import the CSV or XLSX file inside"
    )


def _control_share(text: str) -> float:
    if not text:
        return 0.0
    controls = sum(1 for char in text if (char < " " and char not in "\t\r\n\f") or "\x7f" <= char <= "\x9f")
    return controls / len(text)


def check_no_nul(path: Path, encoding: str) -> None:
    """Raise ImportFileError naming the line of the first NUL character in the decoded file.

    The sample that sniff_text checks covers only the start of the file, and a NUL past it
    would otherwise be stored inside a value.
    """
    line = 1
    with path.open(encoding=encoding, newline="") as handle:
        for block in iter(lambda: handle.read(1 << 20), ""):
            position = block.find("\x00")
            if position >= 0:
                line += block.count("\n", 0, position)
                raise ImportFileError(
                    f"{path.name} contains a NUL character on line {line}, which is not text; "
                    "delete it from that line (or export the file again) and import it again"
                )
            line += block.count("\n")
