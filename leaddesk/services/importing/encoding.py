"""Text encoding of an imported file: byte-order marks, UTF-16 without a BOM, UTF-8, cp1252.

Detection decodes the whole file, because a file can be valid UTF-8 for its first
megabyte and hold one cp1252 byte near the end.
"""

from __future__ import annotations

import codecs
import hashlib
import logging
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from leaddesk.services.importing.errors import ImportFileError

logger = logging.getLogger(__name__)

READ_CHUNK_BYTES = 1 << 20

# The first bytes that decide whether a BOM-less file is UTF-16.
UTF16_SAMPLE_BYTES = 4096

# In UTF-16 text that is mostly Latin script, the high byte of most characters is zero, so
# at least this share of the pairs has a zero on one side and almost none on the other.
UTF16_ZERO_SHARE = 0.3
UTF16_OTHER_SIDE_MAX_SHARE = 0.05

# A BOM-less file with more valid multi-byte UTF-8 sequences than invalid bytes, and at most
# INVALID_UTF8_FEW_BYTES invalid bytes or under INVALID_UTF8_MAX_SHARE of its non-ASCII
# bytes (never more than INVALID_UTF8_MAX_BYTES), is UTF-8 text with a few damaged bytes.
INVALID_UTF8_FEW_BYTES = 3
INVALID_UTF8_MAX_BYTES = 100
INVALID_UTF8_MAX_SHARE = 0.01

BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


@dataclass(frozen=True)
class FileFingerprint:
    """A file's text encoding (a Python codec name) and the SHA-256 of its bytes."""

    encoding: str
    sha256: str


class EncodingError(ImportFileError):
    """A file that cannot be decoded with the encoding that the user chose."""


def encoding_from_bom(head: bytes) -> str | None:
    """Return the codec for the byte-order mark at the start of head, or None."""
    for bom, codec in BOMS:
        if head.startswith(bom):
            return codec
    return None


def utf16_without_bom(head: bytes) -> str | None:
    """Return "utf-16-le" or "utf-16-be" when the zero bytes in head sit on one side of each pair."""
    sample = head[: UTF16_SAMPLE_BYTES - UTF16_SAMPLE_BYTES % 2]
    if len(sample) < 4:
        return None
    pairs = len(sample) // 2
    zeros_at_even = sample[0::2].count(0)
    zeros_at_odd = sample[1::2].count(0)
    if zeros_at_odd >= pairs * UTF16_ZERO_SHARE and zeros_at_even <= pairs * UTF16_OTHER_SIDE_MAX_SHARE:
        return "utf-16-le"
    if zeros_at_even >= pairs * UTF16_ZERO_SHARE and zeros_at_odd <= pairs * UTF16_OTHER_SIDE_MAX_SHARE:
        return "utf-16-be"
    return None


def fingerprint_file(path: Path, encoding: str | None = None) -> FileFingerprint:
    """Detect the text encoding of the file at path and hash it.

    A BOM wins; then UTF-16 by its zero bytes; then UTF-8 if every byte decodes; else
    cp1252. A file that is UTF-8 apart from a few invalid bytes raises EncodingError naming
    the line of the first one, because reading it as cp1252 would garble every accented
    letter in it. cp1252 leaves five byte values undefined, so a file that contains one of them
    is read as latin-1, which maps every byte to a character and loses nothing. A given
    encoding is checked against the whole file and raises EncodingError when it does not fit.
    """
    with path.open("rb") as handle:
        head = handle.read(UTF16_SAMPLE_BYTES)
    if encoding:
        candidates = [encoding]
    else:
        detected = encoding_from_bom(head) or utf16_without_bom(head)
        candidates = [detected] if detected else ["utf-8", "cp1252", "latin-1"]

    for name in candidates:
        if _decodes_whole_file(path, name):
            if name != candidates[0]:
                logger.info("%s is not valid %s; reading it as %s", path, candidates[0], name)
            return FileFingerprint(encoding=name, sha256=hash_file(path))
        if name == "utf-8" and not encoding:
            _check_mostly_utf8(path)

    raise EncodingError(
        f"{path.name} is not valid {candidates[0]} text; choose another encoding, "
        "or save the file again as UTF-8"
    )


def hash_file(path: Path) -> str:
    """Return the SHA-256 of the file's bytes as hex."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(READ_CHUNK_BYTES), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _decodes_whole_file(path: Path, name: str) -> bool:
    try:
        decoder = codecs.getincrementaldecoder(name)(errors="strict")
    except LookupError as error:
        raise EncodingError(f"unknown encoding {name!r}; use a name such as utf-8, utf-16 or cp1252") from error

    try:
        with path.open("rb") as handle:
            for chunk in iter(lambda: handle.read(READ_CHUNK_BYTES), b""):
                decoder.decode(chunk)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


@dataclass
class Utf8Counts:
    """Counts from decoding a file as UTF-8 with each invalid byte kept as a lone surrogate."""

    multibyte_chars: int = 0
    non_ascii_bytes: int = 0
    invalid_bytes: int = 0
    first_invalid_line: int | None = None
    first_invalid_byte: int | None = None


def count_utf8(path: Path) -> Utf8Counts:
    """Decode the file as UTF-8 in chunks and count its valid multi-byte characters and invalid bytes."""
    counts = Utf8Counts()
    decoder = codecs.getincrementaldecoder("utf-8")(errors="surrogateescape")
    newlines = 0
    with path.open("rb") as handle:
        chunks = iter(lambda: handle.read(READ_CHUNK_BYTES), b"")
        for chunk in _with_final(chunks):
            final = chunk is None
            text = decoder.decode(b"" if final else chunk, final=final)
            if not final:
                counts.non_ascii_bytes += len(chunk) - _ascii_count(chunk)
            if not text.isascii():
                invalid = len(_ESCAPED_BYTE.findall(text))
                counts.multibyte_chars += len(text) - len(text.encode("ascii", "ignore")) - invalid
                first = _ESCAPED_BYTE.search(text)
                if first and counts.first_invalid_line is None:
                    counts.first_invalid_line = newlines + text.count("\n", 0, first.start()) + 1
                    counts.first_invalid_byte = ord(first.group()) - 0xDC00
                counts.invalid_bytes += invalid
            newlines += text.count("\n")
    return counts


def _with_final(chunks: Iterator[bytes]) -> Iterator[bytes | None]:
    yield from chunks
    yield None


def _ascii_count(chunk: bytes) -> int:
    return len(chunk.translate(None, _NON_ASCII_BYTES))


_NON_ASCII_BYTES = bytes(range(0x80, 0x100))

# surrogateescape decodes each invalid byte 0xNN to the lone surrogate U+DCNN.
_ESCAPED_BYTE = re.compile("[\udc80-\udcff]")


def _check_mostly_utf8(path: Path) -> None:
    """Raise EncodingError when the file is UTF-8 text apart from a few invalid bytes.

    NOTE: the whole file is stopped, so nothing is stored. Rejecting only the rows with
    invalid bytes and importing the rest is not built yet.
    """
    counts = count_utf8(path)
    if counts.invalid_bytes == 0 or counts.multibyte_chars <= counts.invalid_bytes:
        return
    if counts.invalid_bytes > INVALID_UTF8_MAX_BYTES:
        return
    few = counts.invalid_bytes <= INVALID_UTF8_FEW_BYTES
    if not few and counts.invalid_bytes > counts.non_ascii_bytes * INVALID_UTF8_MAX_SHARE:
        return
    raise EncodingError(
        f"{path.name} is UTF-8 text, but line {counts.first_invalid_line} contains bytes that are not valid "
        f"UTF-8 (the first is 0x{counts.first_invalid_byte:02x}, and the file has {counts.invalid_bytes} in all); "
        "fix that line or save the file again as UTF-8, or choose an encoding to read the whole file with"
    )
