"""Detect sleep, wall-clock jumps and timezone changes by comparing the wall clock with a monotonic clock.

On Linux, time.monotonic() reads CLOCK_MONOTONIC, which ignores clock changes and does
not count suspend (clock_gettime(2)), so a wall clock that moved further (or less far, or
backwards) than the monotonic clock since the last observation means a sleep or a clock
change.

NOTE: Python's monotonic clock on Windows may count time asleep; there a sleep shows up
only through the wake timer and the application becoming active again.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

# Drift below this between the two clocks is ordinary timer slack, not a jump.
JUMP_TOLERANCE = timedelta(seconds=5)


@dataclass(frozen=True)
class ClockJump:
    """The wall clock moved by jump more than the monotonic clock, or the timezone changed."""

    jump: timedelta
    old_zone: str
    new_zone: str

    @property
    def zone_changed(self) -> bool:
        return self.old_zone != self.new_zone


class ClockWatch:
    """Remember the last observation of both clocks and the zone, and report a jump since then."""

    def __init__(
        self,
        wall: Callable[[], datetime],
        zone_name: Callable[[], str],
        monotonic: Callable[[], float] = time.monotonic,
        tolerance: timedelta = JUMP_TOLERANCE,
    ) -> None:
        self._wall = wall
        self._zone_name = zone_name
        self._monotonic = monotonic
        self._tolerance = tolerance
        self._last_wall = wall()
        self._last_monotonic = monotonic()
        self._last_zone = zone_name()

    def observe(self) -> ClockJump | None:
        """Take a new observation and return the jump since the previous one, or None."""
        wall = self._wall()
        monotonic = self._monotonic()
        zone_name = self._zone_name()
        jump = (wall - self._last_wall) - timedelta(seconds=monotonic - self._last_monotonic)
        old_zone = self._last_zone
        self._last_wall, self._last_monotonic, self._last_zone = wall, monotonic, zone_name
        if abs(jump) > self._tolerance or zone_name != old_zone:
            return ClockJump(jump, old_zone, zone_name)
        return None
