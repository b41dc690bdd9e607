"""Invalid UTF-8 bytes and NUL characters far past the sniffed start of a CSV file."""

from __future__ import annotations

from pathlib import Path

import pytest

from leaddesk.services.importing.encoding import EncodingError, count_utf8, fingerprint_file
from leaddesk.services.importing.errors import ImportFileError
from leaddesk.services.importing.reader import open_table

HEADER = b"Name,Email\n"
# 300 KiB of padding rows puts the damaged line past the 256 KiB sniffing window.
PADDING_ROWS = 12_000


def write_csv(tmp_path: Path, last_line: bytes) -> Path:
    body = "Tomás Ñúñez,tomas@example.com\n".encode("utf-8") * PADDING_ROWS
    path = tmp_path / "late.csv"
    path.write_bytes(HEADER + body + last_line)
    return path


def test_late_invalid_byte_names_line(tmp_path: Path):
    path = write_csv(tmp_path, b"Lars,l\xff@example.com\n")
    with pytest.raises(EncodingError) as caught:
        fingerprint_file(path)
    message = str(caught.value)
    assert f"line {PADDING_ROWS + 2} contains bytes that are not valid UTF-8" in message
    assert "0xff" in message
    assert "save the file again as UTF-8" in message


def test_late_invalid_byte_chosen_encoding(tmp_path: Path):
    path = write_csv(tmp_path, b"Lars,l\xff@example.com\n")
    assert fingerprint_file(path, "cp1252").encoding == "cp1252"


def test_cp1252_file_stays_cp1252(tmp_path: Path):
    path = tmp_path / "cp.csv"
    path.write_bytes(HEADER + "Tomás Ñúñez,tomas@example.com\n".encode("cp1252") * 50)
    assert fingerprint_file(path).encoding == "cp1252"


def test_many_invalid_bytes_stay_cp1252(tmp_path: Path):
    path = tmp_path / "mixed.csv"
    path.write_bytes(HEADER + "Zoë,z@example.com\n".encode("utf-8") + "Zoë,z@example.com\n".encode("cp1252") * 20)
    assert fingerprint_file(path).encoding == "cp1252"


def test_late_nul_names_line(tmp_path: Path):
    path = write_csv(tmp_path, b"Nu\x00ll Ferreira,n@example.com\n")
    with pytest.raises(ImportFileError) as caught:
        open_table(path)
    assert f"contains a NUL character on line {PADDING_ROWS + 2}" in str(caught.value)


def test_count_utf8_exact_counts(tmp_path: Path):
    path = tmp_path / "counts.csv"
    path.write_bytes("Name\nZoë\nÑú\n".encode("utf-8") + b"b\xffd\xfe\n")
    counts = count_utf8(path)
    assert counts.multibyte_chars == 3
    assert counts.non_ascii_bytes == 8
    assert counts.invalid_bytes == 2
    assert counts.first_invalid_line == 4
    assert counts.first_invalid_byte == 0xFF


def test_late_invalid_byte_chosen_utf8(tmp_path: Path):
    path = write_csv(tmp_path, b"Lars,l\xff@example.com\n")
    with pytest.raises(EncodingError, match="is not valid utf-8 text"):
        fingerprint_file(path, "utf-8")
