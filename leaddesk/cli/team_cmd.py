"""`leaddesk team create|join|status FOLDER`: set up a team folder and show who uses it."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from leaddesk.cli.errors import EXIT_OK, CliError
from leaddesk.cli.lead_lookup import DB_HELP
from leaddesk.services.database import Database
from leaddesk.services.paths import resolve_database_path
from leaddesk.services.sync import Bundle, BundleError, SyncSetupError, create_team, join_team, load_identity, sync_pass


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "team",
        help="create or join a team folder in Dropbox, OneDrive, Google Drive, Syncthing or a share",
        description="Share leads with a team through a synced folder. Each device keeps its own database "
        "and exchanges changes through FOLDER; never put the database itself in the synced folder.",
    )
    actions = parser.add_subparsers(dest="team_action", required=True)
    for name, text in (("create", "create a team folder and make this database its first device"),
                       ("join", "make this database a device of an existing team folder")):
        action = actions.add_parser(name, help=text, description=text)
        action.add_argument("folder", metavar="FOLDER", help="the team folder inside the synced folder")
        action.add_argument("--name", help="the team's name (create only; default: the folder name)")
        action.add_argument("--person", help="your name as teammates see it (default: the login name)")
        action.add_argument("--device", help="this device's name (default: the host name)")
        action.add_argument("--db", default=argparse.SUPPRESS, help=DB_HELP)
    status = actions.add_parser("status", help="show the team folder and who has synced from which device")
    status.add_argument("--db", default=argparse.SUPPRESS, help=DB_HELP)
    status.add_argument("--json", action="store_true", help="print JSON instead of text")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    database = Database.open(resolve_database_path(getattr(args, "db", None)))
    try:
        if args.team_action == "status":
            return _status(database, args.json)
        folder = Path(args.folder)
        if args.team_action == "create":
            identity = create_team(database, folder, args.name or folder.resolve().name, args.person, args.device)
        else:
            identity = join_team(database, folder, args.person, args.device)
        report = sync_pass(database)
    except (BundleError, SyncSetupError) as error:
        raise CliError(str(error)) from None
    finally:
        database.dispose()
    print(
        f"{identity.person} on {identity.device_name} (device {identity.device_id}) syncs with {identity.bundle_path}; "
        f"first pass: {report.exported} changes out, {report.imported} in"
    )
    return EXIT_OK


def _status(database: Database, as_json: bool) -> int:
    with database.session() as session:
        identity = load_identity(session)
        if identity is None or not identity.bundle_path:
            raise CliError("this database is in no team yet; run 'leaddesk team create FOLDER' or 'leaddesk team join FOLDER'")
        folder = identity.bundle_path
        me = identity.device_id
    presence = Bundle.open(Path(folder)).read_presence()
    if as_json:
        print(json.dumps({"folder": folder, "device_id": me, "devices": presence}, indent=2))
        return EXIT_OK
    print(f"team folder: {folder}")
    for record in presence:
        marker = " (this device)" if record.get("device_id") == me else ""
        print(f"{record.get('person')} on {record.get('device_name')}{marker}: last sync {record.get('last_sync_at')}")
    return EXIT_OK
