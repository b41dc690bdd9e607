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


@pytest.fixture
def team_devices(tmp_path: Path) -> Iterator[tuple[Database, Database]]:
    """Yield Ann's and Bob's databases in team Acme, as if the sync tool delivered every file at once."""
    ann = Database.open(tmp_path / "ann" / "leads.sqlite")
    bob = Database.open(tmp_path / "bob" / "leads.sqlite")
    create_team(ann, tmp_path / "Team", "Acme", person="Ann", device_name="ann-laptop")
    join_team(bob, tmp_path / "Team", person="Bob", device_name="bob-laptop")
    yield ann, bob
    ann.dispose()
    bob.dispose()
