"""MQL/SQL qualification of a lead against the playbook's rules, with a reason per condition."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from leaddesk.models import Activity, Lead
from leaddesk.services.lead_facts import LeadFacts
from leaddesk.services.playbook.conditions import Outcome
from leaddesk.services.playbook.model import Playbook

# Later stages win: a lead that passes both rules is sales qualified.
STAGE_ORDER = ("sql", "mql")


@dataclass(frozen=True)
class RuleResult:
    stage: str
    label: str
    outcome: Outcome


@dataclass(frozen=True)
class Qualification:
    stage: str | None
    results: tuple[RuleResult, ...]

    def describe(self) -> list[str]:
        """Return readable lines: the stage, then each rule's reasons."""
        lines = [f"qualification: {self.stage.upper() if self.stage else 'not qualified'}"]
        for result in self.results:
            lines.append(f"{result.stage.upper()} ({result.label}):")
            lines.extend(f"  {line}" for line in result.outcome.lines())
        return lines

    def to_json(self) -> list[dict]:
        return [{"stage": result.stage, "label": result.label, **result.outcome.to_json()} for result in self.results]


def qualify(lead: Lead, playbook: Playbook, now: datetime, pending_activities: Sequence[Activity] = ()) -> Qualification:
    facts = LeadFacts(lead, playbook, now, pending_activities)
    results = tuple(RuleResult(rule.stage, rule.label, rule.condition.evaluate(facts)) for rule in playbook.qualification)
    passed = {result.stage for result in results if result.outcome.passed}
    stage = next((stage for stage in STAGE_ORDER if stage in passed), None)
    return Qualification(stage, results)
