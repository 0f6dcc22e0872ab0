"""Backward-looking aggregation windows and their names.

A window of length ``w`` ending at an anchor covers ``anchor - w < t <= anchor`` (the same half-open
convention as PQL's target windows, mirrored into the past).
"""
from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta

from pql.errors import PQLInputError

DEFAULT_WINDOWS: tuple[timedelta, ...] = tuple(timedelta(days=d) for d in (7, 30, 90, 365))

# Multiples of the target horizon used when the caller knows it: one horizon back, a quarter-ish,
# half a year-ish and a year-ish of horizons, so a 30-day target gets 30/90/180/360 days.
HORIZON_MULTIPLES: tuple[int, ...] = (1, 3, 6, 12)


def normalize_windows(windows: Iterable[timedelta | int | float] | None) -> tuple[timedelta, ...]:
    """Sorted, de-duplicated windows; numbers are days. ``None`` gives :data:`DEFAULT_WINDOWS`."""
    if windows is None:
        return DEFAULT_WINDOWS
    out: set[timedelta] = set()
    for w in windows:
        delta = w if isinstance(w, timedelta) else timedelta(days=float(w))
        if delta <= timedelta(0):
            raise PQLInputError(f"feature windows must be positive, got {w!r}")
        out.add(delta)
    if not out:
        raise PQLInputError("at least one feature window is needed")
    return tuple(sorted(out))


def windows_for_horizon(horizon: timedelta) -> tuple[timedelta, ...]:
    """Feature windows scaled to a target window of length ``horizon``."""
    if horizon <= timedelta(0):
        raise PQLInputError(f"target horizon must be positive, got {horizon}")
    return tuple(horizon * m for m in HORIZON_MULTIPLES)


def window_days(window: timedelta) -> float:
    return window.total_seconds() / 86400.0


def window_suffix(window: timedelta) -> str:
    """Readable name: ``30d``, ``12h``, ``90m`` (the largest unit that divides exactly)."""
    seconds = int(round(window.total_seconds()))
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds % size == 0:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"
