"""Hybrid logical clock (Kulkarni et al., 2014): wall-clock milliseconds plus a logical counter.

A timestamp never goes backwards on one device and is always later than every timestamp
the device has received, so "later clock wins" respects what each editor had seen even
when wall clocks of two laptops disagree by a few seconds.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

# Width of the zero-padded parts, so that string order of encoded clocks is clock order.
_MS_DIGITS = 15
_COUNTER_DIGITS = 6


def encode(ms: int, counter: int) -> str:
    return f"{ms:0{_MS_DIGITS}d}.{counter:0{_COUNTER_DIGITS}d}"


def decode(text: str) -> tuple[int, int]:
    """Split an encoded clock into (milliseconds, counter); raise ValueError on another shape."""
    ms_text, _, counter_text = text.partition(".")
    if len(ms_text) != _MS_DIGITS or len(counter_text) != _COUNTER_DIGITS:
        raise ValueError(f"invalid hybrid logical clock {text!r}: expected {_MS_DIGITS} digits, a dot and {_COUNTER_DIGITS} digits")
    return int(ms_text), int(counter_text)


def wall_ms() -> int:
    return time.time_ns() // 1_000_000


@dataclass
class HybridClock:
    """The clock state of one device; the caller persists ms and counter after each use."""

    ms: int = 0
    counter: int = 0
    now_ms: Callable[[], int] = wall_ms

    def tick(self) -> str:
        """Advance for a local event and return its encoded timestamp."""
        physical = self.now_ms()
        if physical > self.ms:
            self.ms, self.counter = physical, 0
        else:
            self.counter += 1
        return encode(self.ms, self.counter)

    def receive(self, remote: str) -> None:
        """Move past a timestamp received from another device."""
        remote_ms, remote_counter = decode(remote)
        physical = self.now_ms()
        latest = max(self.ms, remote_ms, physical)
        if latest == self.ms and latest == remote_ms:
            self.counter = max(self.counter, remote_counter) + 1
        elif latest == self.ms:
            self.counter += 1
        elif latest == remote_ms:
            self.counter = remote_counter + 1
        else:
            self.counter = 0
        self.ms = latest
