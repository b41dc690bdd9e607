"""A syntax check of e-mail addresses (addr-spec, RFC 5322 section 3.4.1), for the From and To of SMTP mail.

It accepts the dot-atom form that real mailboxes use, with non-ASCII letters allowed as
RFC 6531 (SMTPUTF8) does, and rejects quoted local parts, comments and display names.
It checks syntax only: whether the mailbox exists is up to the server.
"""

from __future__ import annotations

import re

# The characters RFC 5322 allows in an atom, plus any non-ASCII character (RFC 6531).
_ATOM = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~\-\u0080-\U0010ffff]+"
_LOCAL_PART = re.compile(rf"{_ATOM}(?:\.{_ATOM})*")
# A host name label: letters, digits and inner hyphens, or non-ASCII letters (an IDN).
_LABEL = re.compile(r"(?!-)[A-Za-z0-9\-\u0080-\U0010ffff]{1,63}(?<!-)")
MAX_LENGTH = 254


def address_problem(address: str) -> str | None:
    """Return why address is not a usable e-mail address, or None when it is."""
    if not address:
        return "it is empty"
    if any(character in "\r\n" for character in address):
        return "it contains a line break"
    if any(character.isspace() for character in address):
        return "it contains a space"
    if len(address) > MAX_LENGTH:
        return f"it is longer than {MAX_LENGTH} characters"
    local, at, domain = address.rpartition("@")
    if not at:
        return "it has no @"
    if not local:
        return "it has nothing before the @"
    if not domain:
        return "it has no domain after the @"
    if not _LOCAL_PART.fullmatch(local):
        return f"the part before the @ ({local!r}) is not a plain name"
    labels = domain.split(".")
    # NOTE: a domain without a dot (user@localhost) is rejected, although a local relay may accept it.
    if len(labels) < 2 or not all(_LABEL.fullmatch(label) for label in labels):
        return f"the domain {domain!r} is not a host name such as example.com"
    return None
