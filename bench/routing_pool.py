"""A round-robin routing rule over three reps, for the post-import benchmark and its tests."""

from __future__ import annotations

from leaddesk.models import Rep
from leaddesk.services.database import Database
from leaddesk.services.playbook import save_playbook_text, shipped_playbook_text

ROUTING_REPS = ("Ana", "Ben", "Cy")
ROUTING_RULES = """
[routing]
assign_new_leads = true

[[routing.rules]]
name = "Pool"
strategy = "round_robin"
reps = ["Ana", "Ben", "Cy"]
"""


def add_routing_rules(database: Database, rules: str = ROUTING_RULES) -> None:
    """Save rules as the playbook's routing section and add the reps of ROUTING_REPS."""
    # The rules replace the shipped text from its routing section on, so the sections after it take their defaults.
    head = shipped_playbook_text().split("# Routing rules", 1)[0]
    with database.session() as session:
        save_playbook_text(session, head + rules)
        for name in ROUTING_REPS:
            session.add(Rep(name=name))
