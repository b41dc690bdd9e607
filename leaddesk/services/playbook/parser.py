"""Build a Playbook from TOML text, reporting every problem with its key, line and fix."""

from __future__ import annotations

import re
import tomllib
from datetime import date, timedelta
from typing import Any

import holidays

from leaddesk.services.business_calendar import MONDAY_TO_FRIDAY_9_TO_6, BusinessCalendar, WorkingHours
from leaddesk.services.playbook.conditions import Condition, condition_fields, parse_condition
from leaddesk.services.playbook.durations import DURATION_HINT, format_hours_range, parse_duration, parse_hours_range, parse_percent
from leaddesk.services.playbook.issues import IssueCollector, PlaybookError, PlaybookIssue, closest, join_path
from leaddesk.services.playbook.locate import key_lines, line_of
from leaddesk.services.playbook.sequences_section import parse_sequences
from leaddesk.services.playbook.zones import iana_zone_names, is_iana_zone_name
from leaddesk.services.playbook.model import (
    BudgetKind,
    ClockKind,
    DuplicateSettings,
    EngagementRule,
    EscalationAction,
    EscalationStep,
    FitRule,
    Playbook,
    QualificationRule,
    RepSettings,
    RoutingRule,
    RoutingStrategy,
    Scoring,
    SegmentRule,
)

SUPPORTED_VERSION = 1
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
TOP_LEVEL_KEYS = ("version", "calendar", "calendars", "segments", "customers", "qualification", "scoring", "routing", "reps", "team", "sequences", "duplicates")
CALENDAR_KEYS = ("timezone", "holidays", "holiday_region", "closed_dates", "hours")
SEGMENT_KEYS = ("key", "label", "respond_within", "clock", "min_employees", "max_employees", "source_contains", "when", "escalation")
# A segment is chosen once, when the lead arrives, so it cannot depend on later activity,
# on its own segment or on values that other rules set later.
FIELDS_NOT_FOR_SEGMENTS = ("activity", "segment", "owner", "score", "stage")
QUALIFICATION_STAGES = ("mql", "sql")
DUPLICATES_KEYS = ("review_threshold", "auto_merge_threshold", "auto_merge")
_TOML_POSITION = re.compile(r"\(at line (\d+), column (\d+)\)")
_SEGMENT_KEY = re.compile(r"^[a-z][a-z0-9_]*$")
# An escalation step at more than ten times the response budget is a typo, and larger shares overflow datetime.
MAX_STEP_FRACTION = 10.0
# Points beyond this are a typo, because each score group is capped (50 points by default).
MAX_POINTS = 1000


def parse_playbook(text: str, *, source: str = "playbook", default_timezone: str = "UTC") -> Playbook:
    """Return the playbook in text; raise PlaybookError listing every problem.

    default_timezone applies to calendars that name no timezone.
    """
    issues, playbook = _parse(text, default_timezone)
    if issues:
        raise PlaybookError(issues, source)
    assert playbook is not None
    return playbook


def check_playbook(text: str, default_timezone: str = "UTC") -> list[PlaybookIssue]:
    """Return every problem in text, in file order; an empty list means it is valid."""
    issues, _playbook = _parse(text, default_timezone)
    return issues


def _parse(text: str, default_timezone: str) -> tuple[list[PlaybookIssue], Playbook | None]:
    # Windows editors often save UTF-8 with a byte order mark, which TOML does not allow.
    text = text.removeprefix("\ufeff")
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        position = _TOML_POSITION.search(str(error))
        line = int(position.group(1)) if position else None
        message = _TOML_POSITION.sub("", str(error)).strip()
        fix = "fix the TOML syntax there: quote text values, and write one key = value per line"
        return [PlaybookIssue(path="", message=f"invalid TOML: {message}", fix=fix, line=line)], None

    collector = IssueCollector()
    playbook = _Builder(collector, default_timezone).build(data)
    lines = key_lines(text)
    located = [
        PlaybookIssue(issue.path, issue.message, issue.fix, line_of(issue.path, lines)) for issue in collector.issues
    ]
    located.sort(key=lambda issue: issue.line or 0)
    return located, (None if located else playbook)


class _Builder:
    def __init__(self, issues: IssueCollector, default_timezone: str) -> None:
        self.issues = issues
        self.default_timezone = default_timezone

    def build(self, data: dict[str, Any]) -> Playbook:
        self.issues.check_keys(data, "", TOP_LEVEL_KEYS)
        version = data.get("version", SUPPORTED_VERSION)
        if version != SUPPORTED_VERSION:
            self.issues.add("version", f"unsupported playbook version {version!r}", f"write version = {SUPPORTED_VERSION}")

        calendar = self.calendar(self.table(data, "calendar"), "calendar")
        calendars = {
            name: self.calendar(self.table(self.table(data, "calendars"), name, "calendars"), join_path("calendars", name))
            for name in self.table(data, "calendars")
        }
        segments = self.segments(data.get("segments"))
        # Validated here so its issues get lines like the rest; services.sequences reads the section itself.
        parse_sequences(data.get("sequences"), self.issues)

        customers = self.table(data, "customers")
        self.issues.check_keys(customers, "customers", ("domains", "companies"))
        reps = self.reps(self.table(data, "reps"), calendars)
        team = self.table(data, "team")
        self.issues.check_keys(team, "team", ("lead",))
        team_lead = team.get("lead")
        if team_lead is not None and not isinstance(team_lead, str):
            self.issues.add("team.lead", f"invalid rep name {team_lead!r}", 'write lead = "Rep Name"')
            team_lead = None

        return Playbook(
            calendar=calendar,
            segments=segments,
            qualification=self.qualification(self.table(data, "qualification")),
            scoring=self.scoring(self.table(data, "scoring")),
            routing=self.routing_rules(self.table(data, "routing")),
            named_accounts=self.named_accounts(self.table(self.table(data, "routing"), "named_accounts", "routing")),
            assign_new_leads=self.assign_new_leads(self.table(data, "routing")),
            reps=reps,
            team_lead=team_lead,
            customer_domains=frozenset(name.casefold() for name in self.texts(customers, "domains", "customers")),
            customer_companies=frozenset(name.casefold() for name in self.texts(customers, "companies", "customers")),
            duplicates=self.duplicates(data),
        )

    def duplicates(self, data: dict) -> DuplicateSettings | None:
        if "duplicates" not in data:
            return None
        table = self.table(data, "duplicates")
        self.issues.check_keys(table, "duplicates", DUPLICATES_KEYS)
        defaults = DuplicateSettings()
        review = self.threshold(table, "review_threshold", defaults.review_threshold)
        auto_merge_threshold = self.threshold(table, "auto_merge_threshold", defaults.auto_merge_threshold)
        if review > auto_merge_threshold:
            self.issues.add(
                "duplicates.review_threshold",
                f"review_threshold {review:g} is above auto_merge_threshold {auto_merge_threshold:g}",
                "lower review_threshold or raise auto_merge_threshold, so review_threshold <= auto_merge_threshold",
            )
        auto_merge = table.get("auto_merge", defaults.auto_merge)
        if not isinstance(auto_merge, bool):
            self.issues.add("duplicates.auto_merge", f"expected true or false, got {auto_merge!r}", "write auto_merge = false or auto_merge = true")
            auto_merge = defaults.auto_merge
        return DuplicateSettings(review, auto_merge_threshold, auto_merge)

    def threshold(self, table: dict, key: str, default: float) -> float:
        value = table.get(key, default)
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 1:
            self.issues.add(join_path("duplicates", key), f"invalid {key} {value!r}", f"write a number from 0 to 1, such as {key} = {default}")
            return default
        return float(value)

    # Small readers that add an issue and return an empty value when a value has the wrong type.

    def table(self, data: dict, key: str, parent: str = "") -> dict:
        value = data.get(key, {})
        if not isinstance(value, dict):
            self.issues.add(join_path(parent, key), f"expected a table, got {value!r}", f"write [{join_path(parent, key)}] as a table header")
            return {}
        return value

    def texts(self, data: dict, key: str, parent: str) -> list[str]:
        value = data.get(key, [])
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            self.issues.add(join_path(parent, key), f"expected a list of texts, got {value!r}", f'write {key} = ["first", "second"]')
            return []
        return [item.strip() for item in value if item.strip()]

    def optional_int(self, data: dict, key: str, path: str, minimum: int = 0) -> int | None:
        value = data.get(key)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
            self.issues.add(join_path(path, key), f"invalid {key} {value!r}", f"write a whole number of {minimum} or more")
            return None
        return value

    # Calendars.

    def calendar(self, data: dict, path: str) -> BusinessCalendar:
        self.issues.check_keys(data, path, CALENDAR_KEYS)
        zone = self.timezone(data, path)
        country, region = self.holiday_country(data, path)
        closed = set()
        for index, value in enumerate(data.get("closed_dates", [])):
            if isinstance(value, date):
                closed.add(value)
            else:
                where = join_path(join_path(path, "closed_dates"), index)
                self.issues.add(where, f"invalid date {value!r}", "write an unquoted TOML date such as 2026-12-24")
        hours_path = join_path(path, "hours")
        weekly_hours = self.weekly_hours(self.table(data, "hours", path), hours_path)
        if "hours" not in data:
            # With no hours table the calendar keeps BusinessCalendar's Monday-to-Friday 09:00-18:00.
            weekly_hours = dict(MONDAY_TO_FRIDAY_9_TO_6)
        elif not weekly_hours:
            self.issues.add(
                hours_path,
                "the calendar has no open hours on any weekday, so no business-hours deadline can be computed",
                'give at least one weekday opening hours, such as mon = ["09:00-18:00"], or "00:00-24:00" for a full day',
            )
        return BusinessCalendar(
            timezone_name=zone,
            weekly_hours=weekly_hours,
            closed_dates=frozenset(closed),
            holiday_country=country,
            holiday_subdivision=region,
        )

    def timezone(self, data: dict, path: str) -> str:
        name = data.get("timezone")
        if name is None:
            return self.default_timezone
        if is_iana_zone_name(str(name)):
            return str(name)
        guess = closest(str(name), iana_zone_names())
        fix = f'did you mean "{guess}"?' if guess else 'use an IANA name such as "Europe/Berlin"'
        self.issues.add(join_path(path, "timezone"), f"unknown timezone {name!r}", fix)
        return self.default_timezone

    def holiday_country(self, data: dict, path: str) -> tuple[str | None, str | None]:
        country = data.get("holidays")
        region = data.get("holiday_region")
        if country in (None, ""):
            if region:
                self.issues.add(join_path(path, "holiday_region"), "holiday_region needs holidays", 'add holidays = "US" (the country)')
            return None, None
        supported = holidays.list_supported_countries()
        code = str(country).upper()
        if code not in supported:
            guess = closest(code, supported)
            fix = f'did you mean "{guess}"?' if guess else 'use an ISO 3166 country code such as "US" or "DE"'
            self.issues.add(join_path(path, "holidays"), f"unknown holiday country {country!r}", fix)
            return None, None
        if region in (None, ""):
            return code, None
        regions = supported[code]
        if str(region).upper() not in regions:
            listed = ", ".join(regions[:40]) or "none"
            self.issues.add(join_path(path, "holiday_region"), f"unknown region {region!r} of {code}", f"use one of: {listed}")
            return code, None
        return code, str(region).upper()

    def weekly_hours(self, data: dict, path: str) -> dict[int, WorkingHours]:
        self.issues.check_keys(data, path, WEEKDAYS)
        result: dict[int, WorkingHours] = {}
        for weekday, name in enumerate(WEEKDAYS):
            ranges = data.get(name, [])
            where = join_path(path, name)
            if isinstance(ranges, str):
                ranges = [ranges]
            if not isinstance(ranges, list):
                self.issues.add(where, f"invalid hours {ranges!r}", f'write {name} = ["09:00-12:00", "13:00-18:00"] or [] for a day off')
                continue
            parsed = []
            for value in ranges:
                try:
                    parsed.append(parse_hours_range(str(value)))
                except ValueError as error:
                    self.issues.add(where, str(error), 'write "HH:MM-HH:MM" with the opening before the closing, such as "09:00-18:00"')
            parsed.sort()
            for (opens, closes), (next_opens, next_closes) in zip(parsed, parsed[1:]):
                if next_opens < closes:
                    self.issues.add(
                        where,
                        f"the hours {format_hours_range(opens, closes)} and {format_hours_range(next_opens, next_closes)} overlap",
                        "make each range end before the next one begins, or merge them into one",
                    )
            if parsed:
                result[weekday] = tuple(parsed)
        return result

    # Segments and escalation.

    def segments(self, raw: Any) -> tuple[SegmentRule, ...]:
        if not isinstance(raw, list) or not raw:
            self.issues.add("segments", "the playbook has no segments", "add at least one [[segments]] table; the last one is the fallback")
            return ()
        rules = []
        seen: set[str] = set()
        for index, data in enumerate(raw):
            path = join_path("segments", index)
            rule = self.segment(data, path)
            if rule is None:
                continue
            if rule.key in seen:
                self.issues.add(join_path(path, "key"), f"duplicate segment key {rule.key!r}", "give each segment its own key")
            seen.add(rule.key)
            rules.append(rule)
        return tuple(rules)

    def segment(self, data: dict, path: str) -> SegmentRule | None:
        self.issues.check_keys(data, path, SEGMENT_KEYS)
        key = data.get("key")
        key_fix = 'write lower-case letters, digits and "_", such as key = "mid_market"'
        if key is None or (isinstance(key, str) and not key.strip()):
            self.issues.add(join_path(path, "key"), "the segment key is empty", key_fix)
            return None
        if not isinstance(key, str) or not _SEGMENT_KEY.match(key):
            self.issues.add(join_path(path, "key"), f"invalid segment key {key!r}", key_fix)
            return None
        label = data.get("label", key)

        clock_text = data.get("clock", "business_hours")
        try:
            clock = ClockKind(clock_text)
        except ValueError:
            self.issues.add(join_path(path, "clock"), f"invalid clock {clock_text!r}", 'write "around_the_clock" or "business_hours"')
            clock = ClockKind.BUSINESS_HOURS
        budget_kind, budget = self.budget(data.get("respond_within"), join_path(path, "respond_within"))
        minimum = self.optional_int(data, "min_employees", path)
        maximum = self.optional_int(data, "max_employees", path, minimum=1)
        if minimum is not None and maximum is not None and maximum <= minimum:
            self.issues.add(join_path(path, "max_employees"), f"max_employees {maximum} is not above min_employees {minimum}", "raise max_employees or lower min_employees")
        keywords = tuple(word.casefold() for word in self.texts(data, "source_contains", path))

        condition = None
        if "when" in data:
            condition = parse_condition(data["when"], join_path(path, "when"), self.issues)
            used = sorted(set(condition_fields(condition)) & set(FIELDS_NOT_FOR_SEGMENTS))
            if used:
                self.issues.add(
                    join_path(path, "when"),
                    f"a segment condition cannot use {', '.join(used)}",
                    "a lead's segment is set when it arrives, so use lead fields such as employees, country or industry",
                )
                condition = None
        ladder = self.escalation(data.get("escalation", []), join_path(path, "escalation"))
        escalate_after = next((step.after for step in ladder if step.after is not None), None)

        return SegmentRule(
            key=key,
            label=str(label),
            budget_kind=budget_kind,
            clock=clock,
            budget=budget,
            escalate_after=escalate_after,
            min_employees=minimum,
            max_employees=maximum,
            source_keywords=keywords,
            escalation=ladder,
            condition=condition,
        )

    def budget(self, value: Any, path: str) -> tuple[BudgetKind, timedelta]:
        fix = f'{DURATION_HINT}, or "same business day" or "next business day"'
        if not isinstance(value, str):
            self.issues.add(path, f"missing or invalid respond_within {value!r}", fix)
            return BudgetKind.DURATION, timedelta(0)
        words = " ".join(value.lower().replace("_", " ").split())
        if words == "same business day":
            return BudgetKind.SAME_BUSINESS_DAY, timedelta(0)
        if words == "next business day":
            return BudgetKind.NEXT_BUSINESS_DAY, timedelta(0)
        try:
            budget = parse_duration(value)
        except ValueError as error:
            self.issues.add(path, str(error), fix)
            return BudgetKind.DURATION, timedelta(0)
        if budget <= timedelta(0):
            self.issues.add(path, f"respond_within {value!r} is not positive", fix)
        return BudgetKind.DURATION, budget

    def escalation(self, raw: Any, path: str) -> tuple[EscalationStep, ...]:
        if not isinstance(raw, list):
            self.issues.add(path, f"expected [[...escalation]] tables, got {raw!r}", "write one [[segments.escalation]] table per step")
            return ()
        steps = []
        for index, data in enumerate(raw):
            where = join_path(path, index)
            if not isinstance(data, dict):
                self.issues.add(where, f"invalid escalation step {data!r}", 'write at = "80%" and action = "remind_owner"')
                continue
            self.issues.check_keys(data, where, ("at", "action"))
            action_text = data.get("action")
            try:
                action = EscalationAction(action_text)
            except ValueError:
                choices = ", ".join(action.value for action in EscalationAction)
                self.issues.add(join_path(where, "action"), f"unknown action {action_text!r}", f"use one of: {choices}")
                continue
            at = str(data.get("at", ""))
            fraction = parse_percent(at)
            if fraction is not None:
                if fraction <= 0 or fraction > MAX_STEP_FRACTION:
                    self.issues.add(
                        join_path(where, "at"),
                        f"invalid share {at!r}",
                        f'write a share above 0% and at most {MAX_STEP_FRACTION:.0%}, such as "80%"',
                    )
                    continue
                steps.append(EscalationStep(action, at_fraction=fraction))
                continue
            try:
                steps.append(EscalationStep(action, after=parse_duration(at)))
            except ValueError as error:
                self.issues.add(join_path(where, "at"), f"invalid step time {at!r}: {error}", f'write a share of the SLA such as "80%", or {DURATION_HINT}')
        return tuple(steps)

    # Qualification and scoring.

    def qualification(self, data: dict) -> tuple[QualificationRule, ...]:
        self.issues.check_keys(data, "qualification", QUALIFICATION_STAGES)
        rules = []
        for stage in QUALIFICATION_STAGES:
            if stage not in data:
                continue
            path = join_path("qualification", stage)
            table = self.table(data, stage, "qualification")
            self.issues.check_keys(table, path, ("label", "when"))
            if "when" not in table:
                self.issues.add(path, "missing when", 'add when = { field = "employees", at_least = 50 }')
                continue
            condition = parse_condition(table["when"], join_path(path, "when"), self.issues)
            if condition is not None:
                rules.append(QualificationRule(stage, str(table.get("label", stage.upper())), condition))
        return tuple(rules)

    def scoring(self, data: dict) -> Scoring:
        self.issues.check_keys(data, "scoring", ("fit", "engagement", "fit_cap", "engagement_cap", "half_life_days", "grades"))
        fit = []
        for index, rule in enumerate(self.rule_list(data, "fit")):
            path = join_path("scoring.fit", index)
            self.issues.check_keys(rule, path, ("label", "points", "when"))
            points = self.points(rule, path)
            condition = self.condition_of(rule, path)
            if points is not None and condition is not None:
                fit.append(FitRule(str(rule.get("label", f"fit rule {index + 1}")), points, condition))
        engagement = []
        for index, rule in enumerate(self.rule_list(data, "engagement")):
            path = join_path("scoring.engagement", index)
            self.issues.check_keys(rule, path, ("label", "points", "activity"))
            points = self.points(rule, path)
            names = self.texts(rule, "activity", path)
            if not names:
                self.issues.add(join_path(path, "activity"), "missing activity names", 'write activity = ["pricing viewed"]')
            elif points is not None:
                engagement.append(EngagementRule(str(rule.get("label", names[0])), points, tuple(names)))
        half_life = data.get("half_life_days", 14)
        if isinstance(half_life, bool) or not isinstance(half_life, (int, float)) or half_life <= 0:
            self.issues.add("scoring.half_life_days", f"invalid half_life_days {half_life!r}", "write a number of days above 0, such as 14")
            half_life = 14
        return Scoring(
            fit=tuple(fit),
            engagement=tuple(engagement),
            fit_cap=self.optional_int(data, "fit_cap", "scoring") or 50,
            engagement_cap=self.optional_int(data, "engagement_cap", "scoring") or 50,
            half_life_days=float(half_life),
            grades=self.grades(self.table(data, "grades", "scoring")),
        )

    def rule_list(self, data: dict, key: str) -> list[dict]:
        raw = data.get(key, [])
        if not isinstance(raw, list) or not all(isinstance(item, dict) for item in raw):
            self.issues.add(join_path("scoring", key), f"expected [[scoring.{key}]] tables", f"write one [[scoring.{key}]] table per rule")
            return []
        return raw

    def points(self, rule: dict, path: str) -> int | None:
        points = rule.get("points")
        if isinstance(points, bool) or not isinstance(points, int) or abs(points) > MAX_POINTS:
            self.issues.add(
                join_path(path, "points"),
                f"missing or invalid points {points!r}",
                f"write a whole number from -{MAX_POINTS} to {MAX_POINTS}, such as points = 10",
            )
            return None
        return points

    def condition_of(self, rule: dict, path: str) -> Condition | None:
        if "when" not in rule:
            self.issues.add(path, "missing when", 'add when = { field = "employees", at_least = 50 }')
            return None
        return parse_condition(rule["when"], join_path(path, "when"), self.issues)

    def grades(self, data: dict) -> tuple[tuple[str, int], ...]:
        if not data:
            return Scoring().grades
        self.issues.check_keys(data, "scoring.grades", ("A", "B", "C"))
        thresholds = []
        for grade in ("A", "B", "C"):
            value = data.get(grade)
            if isinstance(value, bool) or not isinstance(value, int):
                self.issues.add(join_path("scoring.grades", grade), f"missing or invalid threshold {value!r}", "write A, B and C as whole numbers, A highest")
                return Scoring().grades
            thresholds.append((grade, value))
        if not thresholds[0][1] > thresholds[1][1] > thresholds[2][1]:
            self.issues.add("scoring.grades", f"grade thresholds {dict(thresholds)} are not in falling order", "make A > B > C")
        return tuple(thresholds)

    # Routing and reps.

    def routing_rules(self, data: dict) -> tuple[RoutingRule, ...]:
        self.issues.check_keys(data, "routing", ("rules", "named_accounts", "assign_new_leads"))
        raw = data.get("rules", [])
        if not isinstance(raw, list):
            self.issues.add("routing.rules", f"expected [[routing.rules]] tables, got {raw!r}", "write one [[routing.rules]] table per rule")
            return ()
        rules = []
        for index, rule in enumerate(raw):
            path = join_path("routing.rules", index)
            if not isinstance(rule, dict):
                self.issues.add(path, f"invalid routing rule {rule!r}", 'write name, strategy and reps')
                continue
            self.issues.check_keys(rule, path, ("name", "strategy", "reps", "when"))
            try:
                strategy = RoutingStrategy(rule.get("strategy"))
            except ValueError:
                choices = ", ".join(item.value for item in RoutingStrategy)
                self.issues.add(join_path(path, "strategy"), f"unknown strategy {rule.get('strategy')!r}", f"use one of: {choices}")
                continue
            reps = tuple(self.texts(rule, "reps", path))
            if strategy is not RoutingStrategy.NAMED_ACCOUNTS and not reps:
                self.issues.add(join_path(path, "reps"), f"strategy {strategy.value} needs reps", 'write reps = ["Dana", "Sam"]')
            condition = parse_condition(rule["when"], join_path(path, "when"), self.issues) if "when" in rule else None
            rules.append(RoutingRule(str(rule.get("name", f"rule {index + 1}")), strategy, reps, condition))
        return tuple(rules)

    def assign_new_leads(self, data: dict) -> bool:
        value = data.get("assign_new_leads", True)
        if not isinstance(value, bool):
            self.issues.add("routing.assign_new_leads", f"expected true or false, got {value!r}", "write assign_new_leads = true")
            return True
        return value

    def named_accounts(self, data: dict) -> dict[str, str]:
        accounts = {}
        for account, rep in data.items():
            if not isinstance(rep, str) or not rep.strip():
                self.issues.add(join_path("routing.named_accounts", account), f"invalid rep {rep!r}", f'write "{account}" = "Rep Name"')
                continue
            accounts[account.strip().casefold()] = rep.strip()
        return accounts

    def reps(self, data: dict, calendars: dict[str, BusinessCalendar]) -> dict[str, RepSettings]:
        result = {}
        for name, settings in data.items():
            path = join_path("reps", name)
            if not isinstance(settings, dict):
                self.issues.add(path, f"expected a table, got {settings!r}", f'write [reps."{name}"] with capacity, calendar and time_off')
                continue
            self.issues.check_keys(settings, path, ("capacity", "calendar", "time_off"))
            calendar = None
            calendar_name = settings.get("calendar")
            if calendar_name is not None:
                calendar = calendars.get(str(calendar_name))
                if calendar is None:
                    known = ", ".join(sorted(calendars)) or "none defined"
                    self.issues.add(join_path(path, "calendar"), f"unknown calendar {calendar_name!r}", f"define [calendars.{calendar_name}] or use one of: {known}")
            result[name] = RepSettings(
                name=name,
                capacity=self.optional_int(settings, "capacity", path),
                calendar=calendar,
                time_off=frozenset(self.date_list(settings.get("time_off", []), join_path(path, "time_off"))),
            )
        return result

    def date_list(self, raw: Any, path: str) -> list[date]:
        """Read dates and "YYYY-MM-DD..YYYY-MM-DD" ranges."""
        if not isinstance(raw, list):
            raw = [raw]
        days: list[date] = []
        for index, value in enumerate(raw):
            if isinstance(value, date):
                days.append(value)
                continue
            try:
                first_text, _dots, last_text = str(value).partition("..")
                first = date.fromisoformat(first_text.strip())
                last = date.fromisoformat(last_text.strip()) if last_text else first
            except ValueError:
                self.issues.add(join_path(path, index), f"invalid date {value!r}", 'write 2026-12-24 or "2026-12-24..2026-12-31"')
                continue
            if last < first:
                self.issues.add(join_path(path, index), f"date range {value!r} ends before it starts", "swap the two dates")
                continue
            days.extend(first + timedelta(days=offset) for offset in range((last - first).days + 1))
        return days
