"""The playbook: segments with response SLAs and escalation, business calendars,
qualification, scoring and routing, kept as one TOML file (resources/playbook.toml ships
the default) and stored in the database once imported.
"""

from leaddesk.services.playbook.issues import PlaybookError, PlaybookIssue
from leaddesk.services.playbook.model import (
    BudgetKind,
    ClockKind,
    EscalationAction,
    EscalationStep,
    Playbook,
    RepSettings,
    RoutingRule,
    RoutingStrategy,
    SegmentRule,
)
from leaddesk.services.playbook.parser import check_playbook, parse_playbook
from leaddesk.services.playbook.store import (
    PLAYBOOK_TEXT_KEY,
    TEAM_TIMEZONE_KEY,
    active_playbook_text,
    load_playbook,
    save_playbook_text,
    set_team_timezone,
    shipped_playbook,
    shipped_playbook_text,
    system_timezone_name,
    team_timezone,
)

# The shipped segments, in match order; command-line choices list their keys.
DEFAULT_SEGMENTS: tuple[SegmentRule, ...] = shipped_playbook().segments

__all__ = [
    "DEFAULT_SEGMENTS",
    "PLAYBOOK_TEXT_KEY",
    "TEAM_TIMEZONE_KEY",
    "BudgetKind",
    "ClockKind",
    "EscalationAction",
    "EscalationStep",
    "Playbook",
    "PlaybookError",
    "PlaybookIssue",
    "RepSettings",
    "RoutingRule",
    "RoutingStrategy",
    "SegmentRule",
    "active_playbook_text",
    "check_playbook",
    "load_playbook",
    "parse_playbook",
    "save_playbook_text",
    "set_team_timezone",
    "shipped_playbook",
    "shipped_playbook_text",
    "system_timezone_name",
    "team_timezone",
]

# Every write path of LeadDesk imports this package, so importing the listener here makes
# each ORM flush re-evaluate the leads it changes. It is imported last because it needs
# the names above.
from leaddesk.services import auto_evaluation  # noqa: E402,F401  (registers a listener)
