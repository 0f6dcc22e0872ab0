"""Time columns: which column says when a row happened, and which tables borrow a parent's time.

A table's time column is the DATE/TIMESTAMP column that most looks like a creation or event time:
``date``, ``timestamp``, ``created_at`` first, then ``order_date``-like names, then any other
point-in-time column; fewer NULLs break ties, then column order. Columns that describe something
else are never chosen: ``last_*``, ``updated_*``, ``*_end``, expiry, deletion, birth dates.

A table with no time column of its own that references exactly one table with one (order lines →
orders, results → races) inherits that parent's time through the foreign key.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence

from engine.schema.dtypes import Family
from engine.schema.model import ForeignKey, TimeSource
from engine.schema.names import norm, words
from engine.schema.profile import TableProfile

_SKIP_WORDS = frozenset({"last", "updated", "update", "modified", "changed", "deleted", "removed", "end",
                         "ended", "ends", "until", "expiry", "expires", "expiration", "expired", "dob",
                         "birth", "birthday", "birthdate", "born", "due", "cancelled"})
_BEST_NAMES = frozenset({"date", "time", "timestamp", "datetime", "ts", "eventtime", "eventdate", "eventts",
                         "createdat", "created", "createdon", "createddate", "creationdate", "creationtime"})
_TIME_WORDS = frozenset({"date", "time", "timestamp", "datetime", "at", "on", "ts", "day"})
_EVENT_WORDS = frozenset({"created", "creation", "order", "ordered", "transaction", "invoice", "purchase",
                          "event", "signup", "signed", "registered", "registration", "joined", "start",
                          "started", "redemption", "redeemed", "sent", "posted", "visit", "booking",
                          "booked", "placed", "submitted", "published", "release", "released"})
# words that make a name say "a moment" even on a number or text column (epoch seconds, compact ISO text)
_MOMENT_WORDS = _TIME_WORDS - {"day", "at", "on"} | {"dt", "epoch", "unix", "created", "updated", "modified", "deleted"}
_MOMENT_LAST_WORDS = frozenset({"at", "on"})  # shipped_on, visited_at; not price_on_sale
_MOMENT_ENDINGS = ("date", "datetime", "timestamp")  # one-word names: orderdate, eventtimestamp
_NOT_MOMENTS = frozenset({"candidate", "mandate", "update", "validate", "consolidate"})
_IDENTIFIER_WORDS = frozenset({"id", "key", "code", "no", "nr", "num", "number", "sk"})


def time_name_score(column: str) -> float:
    """0 = never a time column; higher = more like the moment the row came to be."""
    parts = set(words(column))
    if parts & _SKIP_WORDS:
        return 0.0
    if norm(column) in _BEST_NAMES or "created" in parts or "creation" in parts:
        return 3.0
    if parts & _EVENT_WORDS:
        return 2.5
    if parts & _TIME_WORDS:
        return 2.0
    return 1.0


def says_time(column: str) -> bool:
    """Whether ``column``'s name says it holds a moment (``visited_at``, ``event_ts``, ``OrderDate``,
    ``created``), whatever its type; ``date_id`` (a key) and ``day`` (of the month) do not."""
    parts = words(column)
    if not parts or parts[-1] in _IDENTIFIER_WORDS:
        return False
    name = norm(column)
    return (bool(set(parts) & _MOMENT_WORDS) or parts[-1] in _MOMENT_LAST_WORDS or name in _BEST_NAMES
            or (name.endswith(_MOMENT_ENDINGS) and name not in _NOT_MOMENTS))


def choose_time_column(profile: TableProfile, notes: list[str]) -> str | None:
    """The table's own time column, or None."""
    best: tuple[float, float, int, str] | None = None
    skipped = []
    for position, column in enumerate(profile.columns):
        if column.family is not Family.TEMPORAL or column.non_null == 0:
            continue
        strength = time_name_score(column.name)
        if strength == 0.0:
            skipped.append(column.name)
            continue
        rank = (strength, 1.0 - profile.null_fraction(column.name), -position, column.name)
        if best is None or rank > best:
            best = rank
    if best is None and skipped:
        notes.append(f"{profile.name}: {', '.join(skipped)} not used as a time column (not a creation/event time)")
    return None if best is None else best[3]


def inherited_times(tables: Sequence[str], own_time: Mapping[str, str], static: set[str],
                    links: Sequence[ForeignKey], notes: list[str]) -> dict[str, TimeSource]:
    """Time borrowed through a foreign key by each untimed table that references exactly one timed table."""
    result: dict[str, TimeSource] = {}
    for table in tables:
        if table in own_time or table in static:
            continue
        timed = [fk for fk in links if fk.table == table and fk.ref_table != table and fk.ref_table in own_time]
        if len(timed) == 1:
            fk = timed[0]
            result[table] = TimeSource(via=fk, parent_column=own_time[fk.ref_table])
            notes.append(f"{table}: no time column; inherits {fk.ref_table}.{own_time[fk.ref_table]} through {fk.name}")
        elif len(timed) > 1:
            via = ", ".join(fk.name for fk in timed)
            notes.append(f"{table}: no time column and several timed parents ({via}); no time inherited")
    return result
