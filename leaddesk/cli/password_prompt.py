"""The command line's server password prompt: getpass on a terminal, nothing otherwise."""

from __future__ import annotations

import getpass
import sys

from leaddesk.services.server_db.address import ServerAddress


def terminal_password_prompt(address: ServerAddress, failure: str | None) -> str | None:
    """Ask for the password of address on the terminal, and return None on an empty entry or Ctrl-D."""
    if failure:
        print(failure, file=sys.stderr)
    try:
        password = getpass.getpass(f"Password for {address}: ")
    except EOFError:
        return None
    return password or None


def print_notice(message: str) -> None:
    print(f"leaddesk: {message}", file=sys.stderr)
