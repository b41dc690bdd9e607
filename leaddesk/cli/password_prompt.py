"""The command line's server password prompt: getpass on a terminal, nothing otherwise."""

from __future__ import annotations

import getpass
import sys

from leaddesk.services.server_db.address import ServerAddress


def terminal_password_prompt(address: ServerAddress, failure: str | None) -> str | None:
    """Ask for the password of address on the terminal; an empty answer or Ctrl-D cancels."""
    if failure:
        print(failure, file=sys.stderr)
    try:
        answer = getpass.getpass(f"Password for {address}: ")
    except EOFError:
        return None
    return answer or None


def print_notice(message: str) -> None:
    print(f"leaddesk: {message}", file=sys.stderr)
