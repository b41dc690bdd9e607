"""Segments and response deadlines of new lead rows, equal to sla.start_response_clock but faster in bulk.

start_response_clock scans the business calendar four times per lead, which cost about a
quarter of a 100,000-row import (bench/import_bench.py). Most rows need no scan:

- a lead received while the business is open, whose deadline falls before that day's
  closing, is due after its budget of wall time, because the business stays open until then;
- a lead received while the business is closed gets the same deadlines as a lead received
  at the next opening, so those deadlines are computed once per opening and reused.

Every other row goes to sla.compute_response_clock. tests/test_import_pipeline.py checks
that both paths give what start_response_clock gives, across DST changes and weekends.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from leaddesk.models import Lead
from leaddesk.services.playbook import BudgetKind, ClockKind, Playbook, SegmentRule
from leaddesk.services.sla import WARN_FRACTION, compute_response_clock, start_response_clock

# Remembered segments and deadlines; each memo starts over when it grows past this.
MEMO_MAX_ENTRIES = 10_000


class ResponseClocks:
    """Sets segment, response_due_at and response_warn_at on new lead rows (plain dicts)."""

    def __init__(self, playbook: Playbook) -> None:
        self.playbook = playbook
        self.calendar = playbook.calendar
        # start_response_clock takes a Lead; one transient instance picks every row's segment.
        self._scratch = Lead()
        self._rules: dict[tuple, SegmentRule] = {}
        self._deadlines: dict[tuple[str, datetime], tuple[datetime, datetime]] = {}
        # Next openings by local day and the number of that day's intervals that had ended.
        self._openings: dict[tuple[date, int], datetime] = {}
        # The playbook computes these on every access, but it does not change during an import.
        self._segment_columns = playbook.segment_input_columns
        self._zone = self.calendar.zone

    def start_all(self, rows: list[dict[str, Any]], *, historical: bool) -> None:
        """Set each row's segment and, unless it is historical or past the stage "new", its deadlines.

        A lead that arrives in a later stage than "new" was already worked in another tool,
        so it gets no response deadline, as historical leads do.
        """
        for row in rows:
            rule = self._rule(row)
            row["segment"] = rule.key
            if historical or row["stage"] != "new":
                row["response_due_at"] = None
                row["response_warn_at"] = None
            else:
                row["response_due_at"], row["response_warn_at"] = self.deadlines(rule, row["received_at"])

    def deadlines(self, rule: SegmentRule, received_at: datetime) -> tuple[datetime, datetime]:
        """Return (due, warn) for a lead of the segment received at received_at."""
        if rule.budget_kind is BudgetKind.DURATION and rule.clock is ClockKind.AROUND_THE_CLOCK:
            return received_at + rule.budget, received_at + rule.budget * WARN_FRACTION

        if received_at.tzinfo is None:
            # Raise BusinessCalendar.local_date's error for a naive instant.
            self.calendar.local_date(received_at)
        day = received_at.astimezone(self._zone).date()
        intervals = self.calendar.open_intervals(day)
        ended = 0
        for opens, closes in intervals:
            if opens <= received_at < closes:
                fast = self._within_open_interval(rule, received_at, closes, len(intervals))
                return fast if fast is not None else self._computed(rule, received_at)
            if closes <= received_at:
                ended += 1

        # Closed: the clock starts at the next opening, so equal openings share deadlines.
        return self._computed(rule, self._next_opening(received_at, day, ended))

    def _next_opening(self, received_at: datetime, day: date, ended: int) -> datetime:
        """Return calendar.next_opening(received_at) for an instant of the local day when the business is closed.

        An interval of the day before ends by this day's midnight at the latest, so the
        next opening is the first interval of this day that has not ended, else one of a
        later day. Every closed instant of the day after the same number of ended
        intervals has the same next opening, which is computed once.
        """
        key = (day, ended)
        opening = self._openings.get(key)
        if opening is None:
            opening = self.calendar.next_opening(received_at)
            if len(self._openings) >= MEMO_MAX_ENTRIES:
                self._openings.clear()
            self._openings[key] = opening
        return opening

    def _within_open_interval(
        self, rule: SegmentRule, received_at: datetime, closes: datetime, intervals_that_day: int
    ) -> tuple[datetime, datetime] | None:
        if rule.budget_kind is BudgetKind.NEXT_BUSINESS_DAY:
            return None
        if rule.budget_kind is BudgetKind.SAME_BUSINESS_DAY:
            if intervals_that_day != 1:
                return None
            budget = closes - received_at
            return closes, received_at + budget * WARN_FRACTION
        if received_at + rule.budget <= closes:
            return received_at + rule.budget, received_at + rule.budget * WARN_FRACTION
        return None

    def _computed(self, rule: SegmentRule, start: datetime) -> tuple[datetime, datetime]:
        key = (rule.key, start)
        found = self._deadlines.get(key)
        if found is None:
            clock = compute_response_clock(rule, start, self.playbook)
            found = (clock.due_at, clock.warn_at)
            if len(self._deadlines) >= MEMO_MAX_ENTRIES:
                self._deadlines.clear()
            self._deadlines[key] = found
        return found

    def _rule(self, row: dict[str, Any]) -> SegmentRule:
        # The playbook's segment conditions may read more columns than employees and source.
        columns = self._segment_columns
        key = (row["segment"], *[_memo_key(value) if type(value) is dict else value for value in map(row.get, columns)])
        rule = self._rules.get(key)
        if rule is None:
            scratch = self._scratch
            for column in columns:
                setattr(scratch, column, row.get(column))
            scratch.segment = row["segment"]
            scratch.first_contacted_at = None
            # historical=True makes start_response_clock pick the segment without computing deadlines.
            start_response_clock(scratch, self.playbook, historical=True)
            rule = self.playbook.segment(scratch.segment)
            if len(self._rules) >= MEMO_MAX_ENTRIES:
                self._rules.clear()
            self._rules[key] = rule
        return rule


def _memo_key(value: Any) -> Any:
    """Return value in a hashable form; custom_fields is a dict."""
    return tuple(sorted((str(key), str(item)) for key, item in value.items())) if isinstance(value, dict) else value
