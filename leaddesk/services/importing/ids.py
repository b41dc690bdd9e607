"""Time-ordered UUIDs for rows inserted in bulk.

Random (version 4) primary keys land all over SQLite's primary-key index, so every insert
touches a different page. In the import benchmark (bench/import_bench.py) that cost about a
second per 100,000 leads. These ids follow the version 7 layout of RFC 9562: a 48-bit Unix time in
milliseconds, then random bits, so ids of one import are consecutive and later imports
sort after earlier ones. They are as unique as version 4 ids for LeadDesk's purposes: the
62 low bits start at a random value and count up.
"""

from __future__ import annotations

import secrets
import uuid
from datetime import datetime

_VERSION_7 = 0x7 << 76
_VARIANT_RFC = 0x2 << 62
_LOW_BITS = (1 << 62) - 1

_UUID = uuid.UUID
_SAFE_UNKNOWN = uuid.SafeUUID.unknown
_new_object = object.__new__
_set_attribute = object.__setattr__


class OrderedIds:
    """Hands out consecutive version 7 UUIDs that start at the given instant."""

    def __init__(self, start: datetime) -> None:
        milliseconds = int(start.timestamp() * 1000) & ((1 << 48) - 1)
        random_a = secrets.randbits(12)
        self._high = (milliseconds << 80) | _VERSION_7 | (random_a << 64) | _VARIANT_RFC
        # Start in the lower half so that counting up cannot overflow into the variant bits.
        self._next = secrets.randbits(61)

    def new(self) -> uuid.UUID:
        value = self._next
        self._next = (value + 1) & _LOW_BITS
        # What uuid.UUID(int=...) does, without its argument checks, which cost more than the rest.
        ordered_id = _new_object(_UUID)
        _set_attribute(ordered_id, "int", self._high | value)
        _set_attribute(ordered_id, "is_safe", _SAFE_UNKNOWN)
        return ordered_id

    def new_hex(self) -> str:
        """Return the next id as 32 lowercase hex digits, the form UUID.hex and LeadDesk's id columns use."""
        value = self._next
        self._next = (value + 1) & _LOW_BITS
        return "%032x" % (self._high | value)
