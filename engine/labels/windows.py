"""Time arithmetic shared by the SQL side (DuckDB intervals) and the Python side (anchor schedules).

A window ``(start, end, unit)`` covers ``anchor + start < t <= anchor + end``. Months and years are
calendar intervals (2024-01-31 + 1 month = 2024-02-29) on both sides: DuckDB's ``INTERVAL n MONTH``
and pandas' ``DateOffset(months=n)`` clamp to the month's end the same way.
"""
from __future__ import annotations

from datetime import datetime

import pandas as pd
from sqlglot import exp

from pql.bound import BWindow
from pql.errors import PQLInputError

_SQL_UNIT = {"minutes": "MINUTE", "hours": "HOUR", "days": "DAY", "weeks": "WEEK", "months": "MONTH", "years": "YEAR"}
_SECONDS = {"minutes": 60, "hours": 3600, "days": 86_400, "weeks": 604_800}
CALENDAR_UNITS = frozenset({"months", "years"})


def _check_amount(amount: float, unit: str) -> None:
    if unit not in _SQL_UNIT:
        raise PQLInputError(f"unknown time unit '{unit}'")
    if unit in CALENDAR_UNITS and float(amount) != int(amount):
        raise PQLInputError(f"a window in {unit} must use whole numbers, got {amount:g}")


def interval(amount: float, unit: str) -> exp.Expression:
    """A DuckDB interval of ``amount`` ``unit`` (fractional amounts of fixed units become microseconds)."""
    _check_amount(amount, unit)
    if float(amount) == int(amount):
        return exp.Interval(this=exp.Literal.number(int(amount)), unit=exp.Var(this=_SQL_UNIT[unit]))
    micros = round(float(amount) * _SECONDS[unit] * 1_000_000)
    return exp.Anonymous(this="to_microseconds", expressions=[exp.Literal.number(micros)])


def shift(ts: exp.Expression, amount: float, unit: str) -> exp.Expression:
    """``ts + amount unit`` as SQL; zero adds nothing so the plain column stays visible."""
    if amount == 0:
        return ts
    if amount > 0:
        return exp.Add(this=ts, expression=interval(amount, unit))
    return exp.Sub(this=ts, expression=interval(-amount, unit))


def in_window(t: exp.Expression, anchor: exp.Expression, window: BWindow, *, step: int = 0) -> exp.Expression:
    """``anchor + start < t <= anchor + end`` (no lower bound for ``-INF``), the window moved ``step``
    lengths forward (forecasting)."""
    offset = step * window_length(window) if step else 0.0
    upper = exp.LTE(this=t, expression=shift(anchor, window.end + offset, window.unit))
    if window.start is None:
        return upper
    lower = exp.GT(this=t, expression=shift(anchor, window.start + offset, window.unit))
    return exp.and_(lower, upper)


def window_length(window: BWindow) -> float:
    """The window's span in its unit; a ``-INF`` window counts as its end (the forward part)."""
    start = 0.0 if window.start is None else window.start
    return float(window.end - start)


def shift_py(ts: datetime, amount: float, unit: str) -> datetime:
    """The Python twin of `shift`, for anchor schedules."""
    _check_amount(amount, unit)
    stamp = pd.Timestamp(ts)
    if unit == "months":
        out = stamp + pd.DateOffset(months=int(amount))
    elif unit == "years":
        out = stamp + pd.DateOffset(years=int(amount))
    else:
        out = stamp + pd.Timedelta(seconds=float(amount) * _SECONDS[unit])
    return out.to_pydatetime()


def describe(amount: float, unit: str) -> str:
    """``30 days``, ``1 month`` (for reports)."""
    text = f"{amount:g}"
    name = unit[:-1] if float(amount) == 1 else unit
    return f"{text} {name}"
