"""Route a lead to a rep by the playbook's ordered rules, explaining each choice and skip.

The first rule that yields a rep wins. Named accounts always go to their owner unless that
rep is missing or inactive. The other strategies skip reps that are inactive, outside
their calendar's hours, on time off or, for least_loaded and round_robin, at capacity.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from leaddesk.models import Activity, Lead, Rep, Setting
from leaddesk.services.follow_up_owners import hand_over_follow_ups
from leaddesk.services.lead_facts import LeadFacts
from leaddesk.services.playbook import Playbook, RoutingRule, RoutingStrategy

logger = logging.getLogger(__name__)

OPEN_STAGES = ("new", "contacted", "qualified")
ROUND_ROBIN_KEY_PREFIX = "routing.round_robin."
ASSIGNMENT_KIND = "assignment"


@dataclass
class RoutingDecision:
    rep: Rep | None = None
    rule: str | None = None
    strategy: str | None = None
    reasons: list[str] = field(default_factory=list)

    def describe(self) -> list[str]:
        head = f"route: {self.rep.name} by rule {self.rule!r} ({self.strategy})" if self.rep else "route: no rep (stays unassigned)"
        return [head, *(f"  {reason}" for reason in self.reasons)]

    def to_json(self) -> dict:
        return {
            "rep": self.rep.name if self.rep else None,
            "rep_id": str(self.rep.id) if self.rep else None,
            "rule": self.rule,
            "strategy": self.strategy,
            "reasons": self.reasons,
        }


def open_lead_counts(session: Session) -> dict:
    """Return the number of open leads (new, contacted, qualified) per owner id."""
    rows = session.execute(
        select(Lead.owner_id, func.count())
        .where(Lead.owner_id.is_not(None), Lead.deleted_at.is_(None), Lead.stage.in_(OPEN_STAGES))
        .group_by(Lead.owner_id)
    )
    return dict(rows.all())


class _Router:
    def __init__(self, session: Session, playbook: Playbook, now: datetime, exclude: Iterable[str]) -> None:
        self.session = session
        self.playbook = playbook
        self.now = now
        self.exclude = set(exclude)
        self.reps = {rep.name: rep for rep in session.scalars(select(Rep))}
        self.loads = open_lead_counts(session)

    def unavailable_reason(self, name: str, check_capacity: bool) -> str | None:
        """Return why rep name cannot take a lead now, or None when they can."""
        rep = self.reps.get(name)
        if rep is None:
            return f"{name}: no rep of that name; add the rep or fix the playbook"
        if not rep.active:
            return f"{name}: inactive"
        if name in self.exclude:
            return f"{name}: current owner, being reassigned"
        settings = self.playbook.reps.get(name)
        calendar = self.playbook.rep_calendar(name)
        local_day = calendar.local_date(self.now)
        if settings and local_day in settings.time_off:
            return f"{name}: on time off on {local_day.isoformat()}"
        if not calendar.is_open(self.now):
            opening = calendar.next_opening(self.now).astimezone(calendar.zone)
            return f"{name}: outside working hours (next opening {opening:%a %Y-%m-%d %H:%M} {calendar.timezone_name})"
        if check_capacity and settings and settings.capacity is not None:
            load = self.loads.get(rep.id, 0)
            if load >= settings.capacity:
                return f"{name}: at capacity ({load} of {settings.capacity} open leads)"
        return None

    def available(self, names: Iterable[str], reasons: list[str], check_capacity: bool = True) -> list[str]:
        result = []
        for name in names:
            reason = self.unavailable_reason(name, check_capacity)
            if reason:
                reasons.append(f"skipped {reason}")
            else:
                result.append(name)
        return result


def route_lead(
    session: Session,
    lead: Lead,
    playbook: Playbook,
    now: datetime,
    *,
    exclude: Iterable[str] = (),
    remember: bool = True,
) -> RoutingDecision:
    """Pick a rep for lead by the playbook's rules without assigning it.

    remember=False (the simulator) leaves the stored round-robin positions unchanged.
    exclude names reps that must not get the lead, such as the owner it is taken from.
    """
    return _route(_Router(session, playbook, now, exclude), lead, remember)


def route_leads(session: Session, leads: Iterable[Lead], playbook: Playbook, now: datetime) -> list[RoutingDecision]:
    """Pick a rep for each lead in order without assigning them, as route_lead would one at a time.

    One router serves all leads and counts each pick in the rep's open leads, so capacity
    and least_loaded see the earlier picks without a query per lead. leads may be any
    objects with the attributes LeadFacts reads.
    """
    router = _Router(session, playbook, now, ())
    decisions = []
    for lead in leads:
        decision = _route(router, lead, remember=True)
        if decision.rep is not None:
            router.loads[decision.rep.id] = router.loads.get(decision.rep.id, 0) + 1
        decisions.append(decision)
    return decisions


def _route(router: _Router, lead: Lead, remember: bool) -> RoutingDecision:
    playbook, now = router.playbook, router.now
    decision = RoutingDecision()
    facts = LeadFacts(lead, playbook, now)
    for rule in playbook.routing:
        if rule.condition is not None:
            outcome = rule.condition.evaluate(facts)
            if not outcome.passed:
                decision.reasons.append(f"rule {rule.name!r} does not apply: {outcome.reason}")
                continue
        name = _apply(rule, router, facts, decision.reasons, remember)
        if name is not None:
            decision.rep = router.reps[name]
            decision.rule = rule.name
            decision.strategy = rule.strategy.value
            return decision
        decision.reasons.append(f"rule {rule.name!r} found no available rep")
    if not playbook.routing:
        decision.reasons.append("the playbook has no routing rules")
    return decision


def _apply(rule: RoutingRule, router: _Router, facts: LeadFacts, reasons: list[str], remember: bool) -> str | None:
    if rule.strategy is RoutingStrategy.NAMED_ACCOUNTS:
        return _named_account(router, facts, reasons)
    if rule.strategy is RoutingStrategy.FIXED:
        candidates = router.available(rule.reps, reasons)
        if candidates:
            reasons.append(f"{candidates[0]}: first available rep of the list")
            return candidates[0]
        return None
    if rule.strategy is RoutingStrategy.LEAST_LOADED:
        return _least_loaded(rule, router, reasons)
    return _round_robin(rule, router, reasons, remember)


def _named_account(router: _Router, facts: LeadFacts, reasons: list[str]) -> str | None:
    accounts = router.playbook.named_accounts
    keys = sorted(facts.company_domains())
    company = (facts.lead.company or "").strip().casefold()
    if company:
        keys.append(company)
    for key in keys:
        owner = accounts.get(key)
        if owner is None:
            continue
        rep = router.reps.get(owner)
        if rep is None or not rep.active:
            state = "not found" if rep is None else "inactive"
            reasons.append(f"named account {key!r} belongs to {owner}, who is {state}")
            continue
        reasons.append(f"named account {key!r} belongs to {owner}")
        return owner
    reasons.append(f"no named account matches {', '.join(repr(key) for key in keys) or 'a lead without domain or company'}")
    return None


def _least_loaded(rule: RoutingRule, router: _Router, reasons: list[str]) -> str | None:
    candidates = router.available(rule.reps, reasons)
    if not candidates:
        return None
    capacities = [router.playbook.reps[name].capacity for name in candidates if name in router.playbook.reps]
    # A rep without a capacity counts as having the largest capacity of the group.
    default_capacity = max([capacity for capacity in capacities if capacity], default=1)

    def share(name: str) -> float:
        settings = router.playbook.reps.get(name)
        capacity = settings.capacity if settings and settings.capacity else default_capacity
        return router.loads.get(router.reps[name].id, 0) / capacity

    chosen = min(candidates, key=share)
    loads = ", ".join(f"{name} {router.loads.get(router.reps[name].id, 0)}" for name in candidates)
    reasons.append(f"{chosen}: lowest share of capacity in use (open leads: {loads})")
    return chosen


def _round_robin(rule: RoutingRule, router: _Router, reasons: list[str], remember: bool) -> str | None:
    key = ROUND_ROBIN_KEY_PREFIX + rule.name
    setting = router.session.get(Setting, key)
    last = setting.value if setting else None
    start = rule.reps.index(last) + 1 if last in rule.reps else 0
    order = [*rule.reps[start:], *rule.reps[:start]]
    candidates = router.available(order, reasons)
    if not candidates:
        return None
    chosen = candidates[0]
    reasons.append(f"{chosen}: next in round-robin order after {last or 'the start'}")
    if remember:
        if setting is None:
            router.session.add(Setting(key=key, value=chosen))
        else:
            setting.value = chosen
    return chosen


def lead_router(session: Session, playbook: Playbook, now: datetime) -> _Router:
    """Return a router that assign_lead can reuse for many leads, reading the reps and open-lead counts once."""
    return _Router(session, playbook, now, ())


def assign_lead(
    session: Session,
    lead: Lead,
    playbook: Playbook,
    now: datetime,
    *,
    exclude: Iterable[str] = (),
    actor: str | None = None,
    router: _Router | None = None,
) -> RoutingDecision:
    """Route lead and make the chosen rep its owner, logging the decision on its timeline.

    The open follow-ups of the previous owner move to the chosen rep (see follow_up_owners).
    A router from lead_router skips the per-call queries and counts the move in its open-lead loads.
    """
    if router is None:
        decision = route_lead(session, lead, playbook, now, exclude=exclude)
    else:
        router.exclude = set(exclude)
        decision = _route(router, lead, remember=True)
        if decision.rep is not None and lead.stage in OPEN_STAGES:
            if lead.owner_id is not None:
                router.loads[lead.owner_id] = router.loads.get(lead.owner_id, 0) - 1
            router.loads[decision.rep.id] = router.loads.get(decision.rep.id, 0) + 1
    if decision.rep is not None:
        hand_over_follow_ups(session, lead.id, lead.owner_id, decision.rep.id)
        lead.owner_id = decision.rep.id
        lead.owner = decision.rep
        summary = f"Assigned to {decision.rep.name} by routing rule {decision.rule!r} ({decision.strategy})"
        session.add(Activity(lead_id=lead.id, kind=ASSIGNMENT_KIND, occurred_at=now, summary=summary, actor=actor))
        logger.info("lead %s assigned to %s by rule %r", lead.id, decision.rep.name, decision.rule)
    return decision
