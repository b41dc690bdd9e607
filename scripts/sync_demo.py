"""Two devices share leads through a simulated sync tool, each device in its own process.

Run: .venv/bin/python scripts/sync_demo.py [--keep]

The parent process plays the sync tool: it copies files between the two devices' copies of
the team folder, late, half at first, and once as a Dropbox conflict copy. Every device
action (add, edit, delete, sync, show) runs as a separate `python scripts/sync_demo.py
device ...` process on that device's own database.
"""

from __future__ import annotations

import argparse
import json
import logging
import shutil
import subprocess
import sys
import tempfile
import uuid
from pathlib import Path

logger = logging.getLogger("sync_demo")

SHOWN_FIELDS = ("first_name", "company", "city", "stage", "notes", "deleted_at")


def device_main(argv: list[str]) -> int:
    """Run one action on one device's database, in this process."""
    from sqlalchemy import select

    from leaddesk.models import Lead
    from leaddesk.services.database import Database
    from leaddesk.services.sync import lead_history, sync_pass

    db_path, action, *rest = argv
    database = Database.open(Path(db_path))
    try:
        if action == "add":
            with database.session() as session:
                lead = Lead(id=uuid.UUID(rest[0]), first_name=rest[1], company=rest[2])
                session.add(lead)
        elif action == "edit":
            with database.session() as session:
                setattr(session.get(Lead, uuid.UUID(rest[0])), rest[1], rest[2])
        elif action == "delete":
            with database.session() as session:
                lead = session.get(Lead, uuid.UUID(rest[0]))
                lead.deleted_at = lead.received_at
        elif action == "sync":
            print(json.dumps(sync_pass(database).to_json()))
        elif action == "show":
            with database.session() as session:
                leads = session.scalars(select(Lead).order_by(Lead.first_name))
                print(json.dumps([{name: str(getattr(lead, name)) for name in SHOWN_FIELDS} for lead in leads]))
        elif action == "history":
            with database.session() as session:
                print(json.dumps([
                    {"field": c.field, "value": c.value, "old": c.old_value, "who": c.person, "current": c.current}
                    for c in lead_history(session, rest[0]) if c.field in SHOWN_FIELDS
                ]))
    finally:
        database.dispose()
    return 0


class Demo:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.databases = {name: root / name / "data" / "leads.sqlite" for name in ("ann", "bob")}
        self.folders = {name: root / name / "Dropbox" / "Team" for name in ("ann", "bob")}

    def device(self, name: str, *args: str) -> str:
        return self._run([sys.executable, __file__, "device", str(self.databases[name]), *args])

    def cli(self, name: str, *args: str) -> str:
        return self._run([sys.executable, "-m", "leaddesk", "--db", str(self.databases[name]), *args])

    @staticmethod
    def _run(command: list[str]) -> str:
        result = subprocess.run(command, capture_output=True, text=True)
        if result.returncode != 0:
            raise SystemExit(f"{' '.join(command)} failed with status {result.returncode}:\n{result.stderr}")
        return result.stdout.strip()

    def sync(self, name: str) -> None:
        report = json.loads(self.device(name, "sync"))
        logger.info(
            "%s syncs: %d changes out, %d in, %d rows changed, conflicts %s, waiting %s, archived %s",
            name, report["out"]["changes"], report["in"]["changes"], report["in"]["rows_changed"],
            [f"{c['kind']} {c['field']}" for c in report["conflicts"]], report["skipped"], report["archived"],
        )

    def show(self, name: str) -> list[dict]:
        leads = json.loads(self.device(name, "show"))
        for lead in leads:
            logger.info("  %s sees %s", name, ", ".join(f"{k}={v}" for k, v in lead.items() if v != "None"))
        return leads

    def deliver(self, source: str, target: str, mode: str = "full") -> None:
        """Copy the files of source's own device folder that target lacks, as the sync tool would."""
        src, dst = self.folders[source], self.folders[target]
        for path in sorted((src / "devices").rglob("*.json")):
            relative = path.relative_to(src)
            destination = dst / relative
            if destination.exists() and destination.read_bytes() == path.read_bytes():
                continue
            if not relative.parts[1] in self.own_devices(source):
                continue
            destination.parent.mkdir(parents=True, exist_ok=True)
            payload = path.read_bytes()
            if mode == "half" and relative.name.startswith("seg-"):
                destination.write_bytes(payload[: len(payload) // 2])
                logger.info("  sync tool: %s -> %s: %s (only %d of %d bytes so far)", source, target, relative, len(payload) // 2, len(payload))
            elif mode == "conflict-copy" and relative.name.startswith("seg-"):
                copy = destination.with_name(f"{destination.stem} ({source.title()}'s conflicted copy 2026-12-04).json")
                copy.write_bytes(payload)
                logger.info("  sync tool: %s -> %s: %s as conflict copy %s", source, target, relative, copy.name)
            else:
                destination.write_bytes(payload)
                logger.info("  sync tool: %s -> %s: %s", source, target, relative)

    def own_devices(self, name: str) -> set[str]:
        identity = json.loads(self.cli(name, "team", "status", "--json"))
        return {identity["device_id"]}

    def run(self) -> None:
        lead_a, lead_b = str(uuid.uuid4()), str(uuid.uuid4())
        logger.info("step 1: Ann creates the team folder in her Dropbox and adds two leads")
        logger.info("  %s", self.cli("ann", "team", "create", str(self.folders["ann"]), "--person", "Ann", "--device", "ann-laptop"))
        self.device("ann", "add", lead_a, "Ada", "Acme")
        self.device("ann", "add", lead_b, "Ben", "Bolt")
        self.sync("ann")

        logger.info("step 2: the sync tool delivers the team folder to Bob, who joins")
        self.folders["bob"].mkdir(parents=True)
        shutil.copy(self.folders["ann"] / "leaddesk-team.json", self.folders["bob"] / "leaddesk-team.json")
        self.deliver("ann", "bob")
        logger.info("  %s", self.cli("bob", "team", "join", str(self.folders["bob"]), "--person", "Bob", "--device", "bob-desktop"))
        self.show("bob")

        logger.info("step 3: both edit offline: Bob sets Ada's city and stage, Ann later sets Ada's company and stage")
        self.device("bob", "edit", lead_a, "city", "Oslo")
        self.device("bob", "edit", lead_a, "stage", "contacted")
        self.sync("bob")
        self.device("ann", "edit", lead_a, "company", "Acme Europe")
        self.device("ann", "edit", lead_a, "stage", "qualified")
        self.sync("ann")

        logger.info("step 4: Ann deletes Ben while Bob, offline, adds a note to Ben")
        self.device("ann", "delete", lead_b)
        self.sync("ann")
        self.device("bob", "edit", lead_b, "notes", "asked for a call on Monday")
        self.sync("bob")

        logger.info("step 5: the sync tool delivers Ann's files half-way, and Bob's as a conflict copy")
        self.deliver("ann", "bob", mode="half")
        self.deliver("bob", "ann", mode="conflict-copy")
        self.sync("bob")
        self.sync("ann")

        logger.info("step 6: the rest of Ann's files arrive; everyone syncs once more")
        self.deliver("ann", "bob")
        self.sync("bob")
        self.deliver("bob", "ann")
        self.sync("ann")

        logger.info("step 7: both devices hold the same leads")
        ann, bob = self.show("ann"), self.show("bob")
        logger.info("  converged: %s", ann == bob)
        logger.info("step 8: Ada's history on Bob's device")
        for change in json.loads(self.device("bob", "history", lead_a)):
            logger.info("  %s=%r (was %r) by %s%s", change["field"], change["value"], change["old"], change["who"], "" if change["current"] else "  [replaced by a later edit]")
        archived = sorted(p.relative_to(self.folders["ann"]).as_posix() for p in (self.folders["ann"] / "archive").rglob("*.json"))
        logger.info("  archived conflict copies in Ann's folder: %s", archived)
        if ann != bob:
            raise SystemExit("the devices did not converge")


def main() -> int:
    if len(sys.argv) > 1 and sys.argv[1] == "device":
        return device_main(sys.argv[2:])
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keep", action="store_true", help="keep the temporary folders and print their path")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s", stream=sys.stdout)
    root = Path(tempfile.mkdtemp(prefix="leaddesk-sync-demo-"))
    try:
        Demo(root).run()
    finally:
        if args.keep:
            logger.info("folders kept in %s", root)
        else:
            shutil.rmtree(root, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
