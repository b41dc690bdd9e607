"""A fixture with two devices, Ann's and Bob's, that share one team folder.

A test module imports team_devices by name to use it. conftest.py does not import it, so that
test modules that never sync do not import the sync package.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from leaddesk.services.database import Database
from leaddesk.services.sync import create_team, join_team


def team_folder(tmp_path: Path) -> Path:
    """Return the folder that team_devices shares between Ann's and Bob's devices."""
    return tmp_path / "Team"


@pytest.fixture
def team_devices(tmp_path: Path) -> Iterator[tuple[Database, Database]]:
    """Yield Ann's and Bob's databases in team Acme, as if the sync tool delivered every file at once."""
    ann = Database.open(tmp_path / "ann" / "leads.sqlite")
    bob = Database.open(tmp_path / "bob" / "leads.sqlite")
    create_team(ann, team_folder(tmp_path), "Acme", person="Ann", device_name="ann-laptop")
    join_team(bob, team_folder(tmp_path), person="Bob", device_name="bob-laptop")
    yield ann, bob
    ann.dispose()
    bob.dispose()
