"""`leaddesk inbox`: being built; the subcommand exists so the parser is complete."""

from __future__ import annotations

import argparse

from leaddesk.cli.errors import CliError


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("inbox", help="inbox leads")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    raise CliError("not built yet")
