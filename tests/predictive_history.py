"""Closed leads with a known conversion signal, for the predictive scoring tests.

Referral leads and leads with many visits convert more often. Which leads are won is
fixed by a seeded random generator, so every run trains on the same data.
"""

from __future__ import annotations

import random
import uuid
from datetime import datetime, timedelta, timezone

from leaddesk.models import Lead
from leaddesk.services.auto_evaluation import SKIP_KEY

START = datetime(2026, 1, 5, 9, 0, tzinfo=timezone.utc)
SOURCES = ("referral", "web", "ads")


def build_closed_leads(
    database, won: int, lost: int, seed: int = 7, open_leads: int = 0, converted_field: bool = False
) -> list[Lead]:
    """Write won + lost closed leads (and open_leads still open); the won ones are those with the highest noisy logit.

    With converted_field, each lead also gets a custom "Converted" field of Yes or No matching its stage.
    """
    generator = random.Random(seed)
    # Ids from their own seeded generator, so the id-based held-out split repeats in every run.
    id_generator = random.Random(f"ids {seed}")
    drafts = []
    for index in range(won + lost + open_leads):
        source = generator.choice(SOURCES)
        visits = generator.randint(0, 12)
        plan = generator.choice(("basic", "pro"))
        logit = 1.6 * (source == "referral") - 0.8 * (source == "ads") + 0.35 * visits + generator.gauss(0, 1.0)
        drafts.append((logit, source, visits, plan, index))
    closed = drafts[: won + lost]
    ranked = sorted(closed, key=lambda draft: -draft[0])
    won_indexes = {draft[4] for draft in ranked[:won]}
    leads = []
    with database.session() as session:
        session.info[SKIP_KEY] = True
        for logit, source, visits, plan, index in drafts:
            if index >= won + lost:
                stage = "new"
            else:
                stage = "won" if index in won_indexes else "lost"
            custom_fields = {"Visits": str(visits), "Plan": plan}
            if converted_field:
                custom_fields["Converted"] = "Yes" if stage == "won" else "No"
            lead = Lead(
                id=uuid.UUID(int=id_generator.getrandbits(128), version=4),
                full_name=f"Lead {index}",
                source=source,
                stage=stage,
                received_at=START + timedelta(hours=index),
                custom_fields=custom_fields,
            )
            leads.append(lead)
        session.add_all(leads)
    return leads
