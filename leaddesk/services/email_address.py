"""A syntax check of e-mail addresses (addr-spec, RFC 5322 section 3.4.1), for the From and To of SMTP mail.

It accepts the dot-atom form that real mailboxes use, with non-ASCII letters allowed as
RFC 6531 (SMTPUTF8) does, and rejects quoted local parts, comments and display names.
It checks syntax only: whether the mailbox exists is up to the server.

A domain without a dot (user@localhost, user@sales) is accepted only for a local relay.
RFC 5321 section 2.3.5 allows only fully qualified domains in SMTP, but RFC 6409 section
4.2 lets a submission server accept a single-label domain as a local convention and
complete it (sales to sales.example.net). A public server rejects such an address.
"""

from __future__ import annotations

import ipaddress
import re

# The characters RFC 5322 allows in an atom, plus any non-ASCII character (RFC 6531).
_ATOM = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~\-\u0080-\U0010ffff]+"
_LOCAL_PART = re.compile(rf"{_ATOM}(?:\.{_ATOM})*")
# A host name label: letters, digits and inner hyphens, or non-ASCII letters (an IDN).
_LABEL = re.compile(r"(?!-)[A-Za-z0-9\-\u0080-\U0010ffff]{1,63}(?<!-)")
MAX_LENGTH = 254
# Host name suffixes reserved for this machine or the local network: RFC 6761 (localhost),
# RFC 6762 (local, multicast DNS), RFC 8375 (home.arpa), and internal, which ICANN reserved
# for private use in 2024 (SSAC advisory SAC113).
_LOCAL_SUFFIXES = (".localhost", ".local", ".home.arpa", ".internal")


def is_local_relay(host: str) -> bool:
    """Return True when the SMTP host is this machine or a relay on the local network.

    That is localhost, a loopback, private or link-local IP address, a name without a dot
    (resolved through the local DNS search list) or a name under a local-only suffix.
    """
    name = host.strip().rstrip(".").lower()
    if name.startswith("[") and name.endswith("]"):
        name = name[1:-1]
    try:
        ip = ipaddress.ip_address(name)
    except ValueError:
        return bool(name) and (name == "localhost" or "." not in name or name.endswith(_LOCAL_SUFFIXES))
    return ip.is_loopback or ip.is_private or ip.is_link_local


def address_problem(address: str, local_relay: bool = False) -> str | None:
    """Return why address is not a usable e-mail address, or None when it is.

    local_relay allows a domain without a dot, for mail sent through a relay that
    is_local_relay() accepts.
    """
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
    if not all(_LABEL.fullmatch(label) for label in labels):
        return f"the domain {domain!r} is not a host name such as example.com"
    if len(labels) < 2 and not local_relay:
        return (
            f"the domain {domain!r} has no dot, and only a relay on this machine or network "
            "accepts such a domain; use a full domain such as example.com, or set the SMTP host to that relay"
        )
    return None
