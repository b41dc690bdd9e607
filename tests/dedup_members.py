"""Members with custom fields for the tests of fitted custom-field weights.

Each member has a copy under another person's name, so only the custom fields tell that
the two are one lead, and namesakes whose custom fields differ.
"""

from __future__ import annotations

import uuid

from lead_rows import add_lead
from sqlalchemy.orm import Session

FIRST = ["Ada", "Boris", "Chloe", "Dmitri", "Elena", "Farid", "Greta", "Hiro", "Ines", "Jonas",
         "Kofi", "Lena", "Marco", "Nadia", "Oskar", "Priya", "Quentin", "Rosa", "Sven", "Tara"]
LAST = ["Abbott", "Brennan", "Castillo", "Dubois", "Eriksen", "Fontaine", "Gallagher", "Hartmann",
        "Ibarra", "Jovanovic", "Kowalczyk", "Lindqvist", "Moreno", "Nakamura", "Okonkwo", "Petrov",
        "Quispe", "Rasmussen", "Santoro", "Tanaka"]
STREETS = ["Harbour Road", "Mill Lane", "Station Street", "Church Walk", "Kings Parade"]


def seed_members(session: Session) -> tuple[list[tuple[uuid.UUID, uuid.UUID]], list[tuple[uuid.UUID, uuid.UUID]]]:
    """Add 20 members and a copy of each under another name, and 10 pairs of namesakes; return both kinds of pairs."""
    copies, namesakes = [], []
    for index in range(20):
        custom = member_fields(index)
        original = add_lead(session, first_name=FIRST[index], last_name=LAST[index], custom_fields=dict(custom))
        copy = add_lead(session, first_name=FIRST[(index + 7) % 20], last_name=LAST[(index + 3) % 20], custom_fields=dict(custom))
        copies.append((original, copy))
    for index in range(10):
        pair = []
        for offset in (0, 1):
            custom = {"Member no": f"{5_300_000 + index * 104_729 + offset * 31}", "Street": f"{index + 40 + offset * 9} {STREETS[(index + offset) % 5]}"}
            pair.append(add_lead(session, first_name="Sam", last_name=f"Wu{'x' * index}", custom_fields=custom))
        namesakes.append((pair[0], pair[1]))
    return copies, namesakes


def member_fields(index: int) -> dict[str, str]:
    """Return the custom fields of member index, which it shares with its copy."""
    return {"Member no": f"{4_100_000 + index * 7919}", "Street": f"{index + 10} {STREETS[index % 5]}"}
