"""National phone numbers, so that a phone stored without a country can meet its E.164 form.

A phone typed without "+" on a lead without a country cannot be parsed, so its match key
is its digits ("4155550132" of "415.555.0132"). The same number written "+1 415-555-0132"
has the key "+14155550132". Both have the national number 4155550132: the E.164 digits
after the country calling code, and the typed digits without a leading trunk prefix "0".
"""

from __future__ import annotations

from functools import lru_cache

from phonenumbers.phonenumberutil import COUNTRY_CODE_TO_REGION_CODE

from leaddesk.services.dedup.normalize import MIN_PHONE_DIGITS

# Country calling codes have one to three digits, and no code is the prefix of another.
_MAX_COUNTRY_CODE_DIGITS = 3


@lru_cache(maxsize=65536)
def national_number(phone_key: str) -> str | None:
    """Return the national number of a match phone key, or None when it is too short to identify a line.

    For an E.164 key ("+14155550132") it is the digits after the country calling code.
    For the digits of an unparsed phone ("04155550132") it is the digits without leading
    zeros, because "0" is the trunk prefix of most countries.
    NOTE: a trunk prefix other than "0" (such as "1" in North America) or digits typed with
    their country code but without "+" keep those leading digits, so they meet no E.164 key.
    """
    if phone_key.startswith("+"):
        digits = phone_key[1:]
        national = None
        for length in range(1, _MAX_COUNTRY_CODE_DIGITS + 1):
            if int(digits[:length]) in COUNTRY_CODE_TO_REGION_CODE:
                national = digits[length:]
                break
    else:
        national = phone_key.lstrip("0")
    if not national or len(national) < MIN_PHONE_DIGITS:
        return None
    return national


def same_national_number(phone_a: str, phone_b: str) -> str | None:
    """Return the national number that an unparsed phone key and an E.164 key share, else None.

    Two E.164 keys or two unparsed keys return None: those agree only as whole keys.
    """
    if phone_a.startswith("+") == phone_b.startswith("+"):
        return None
    national = national_number(phone_a)
    return national if national is not None and national == national_number(phone_b) else None
