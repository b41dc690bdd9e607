"""The text that a spreadsheet shows for a whole number under a digit-pattern number format.

Spreadsheets keep postcodes, phone numbers and ids typed as numbers, and show them
through formats such as "00000" (02134) or "(###) ###-####". The stored number has lost
the leading zeros and the punctuation, so the importer rebuilds the shown text from the
cell's format. Only formats made of digit placeholders and literal characters are
rebuilt. Formats with decimals, exponents, percentages, thousands separators, dates,
colors or conditions are left to the plain number.
"""

from __future__ import annotations

# Placeholders and what each shows when the number has no digit left for it.
_PLACEHOLDER_FILL = {"0": "0", "#": "", "?": " "}

# Characters that make a format something other than a digit pattern.
_NOT_A_DIGIT_PATTERN = frozenset(".,%Ee@/*_[yYmMdDhHsS")

# Above this, a spreadsheet number has lost digits, so no text is rebuilt from it.
MAX_EXACT_NUMBER = 10**15


def is_digit_pattern(code: str) -> bool:
    """Return whether a number format shows whole numbers through at least two digit placeholders."""
    tokens = _tokens(_first_section(code))
    if tokens is None:
        return False
    placeholders = [token for kind, token in tokens if kind == "digit"]
    if len(placeholders) < 2:
        return False
    # "##" alone shows the plain number, so only zero padding or punctuation changes the text.
    return "0" in placeholders or any(kind == "literal" for kind, _token in tokens)


def digit_pattern_text(value: object, code: str) -> str | None:
    """Return the text the format shows for value, or None when the format or value does not qualify.

    Digits fill the placeholders from the right. Digits beyond the placeholders go in
    front of the leftmost one, as spreadsheets show them.
    """
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    if value < 0 or value >= MAX_EXACT_NUMBER or value != int(value):
        return None
    if not is_digit_pattern(code):
        return None
    tokens = _tokens(_first_section(code))
    assert tokens is not None

    digits = list(str(int(value)))
    pieces: list[str] = []
    for kind, token in reversed(tokens):
        if kind == "literal":
            pieces.append(token)
        elif digits:
            pieces.append(digits.pop())
        else:
            pieces.append(_PLACEHOLDER_FILL[token])
    if digits:
        first = max(index for index, (kind, _token) in enumerate(reversed(tokens)) if kind == "digit")
        pieces[first] = "".join(digits) + pieces[first]
    return "".join(reversed(pieces))


def _first_section(code: str) -> str:
    """Return the part of a format for positive numbers: the text before the first unquoted semicolon."""
    quoted = False
    for index, char in enumerate(code):
        if char == '"':
            quoted = not quoted
        elif char == ";" and not quoted:
            return code[:index]
    return code


def _tokens(section: str) -> list[tuple[str, str]] | None:
    """Split a format section into ("digit", placeholder) and ("literal", text), or None for other formats."""
    tokens: list[tuple[str, str]] = []
    index = 0
    while index < len(section):
        char = section[index]
        if char == '"':
            end = section.find('"', index + 1)
            if end < 0:
                return None
            tokens.append(("literal", section[index + 1:end]))
            index = end + 1
            continue
        if char == "\\" and index + 1 < len(section):
            tokens.append(("literal", section[index + 1]))
            index += 2
            continue
        if char in _PLACEHOLDER_FILL:
            tokens.append(("digit", char))
        elif char in _NOT_A_DIGIT_PATTERN or char.isalpha():
            return None
        else:
            tokens.append(("literal", char))
        index += 1
    return tokens
