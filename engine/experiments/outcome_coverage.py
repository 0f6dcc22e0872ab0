"""Do the units' outcome windows end inside the data?

A window that runs past the last timestamp of the outcome's tables counts only what happened by then,
so its unit looks quieter than it was: a 60-day outcome over 14 days of data reads as the 14-day one,
and an arm anchored after the data's end reads as all zeros. Wording follows PREDICT's anchor schedule
(`engine.labels.schedule`): "the last timestamp the query reads".

The last row seldom falls on the very end of the collection (Hillstrom's 14-day visit log ends 12 hours
short of its window), so a window ending within a tenth of its length after that timestamp counts as complete.
"""
from __future__ import annotations

from datetime import datetime

import pandas as pd
import pyarrow as pa

from engine.labels.timespan import time_span_sql
from engine.labels.windows import describe, shift_py
from engine.schema.model import Database
from pql.bound import BAggregation, BoundExpr, iter_aggregations
from pql.errors import PQLInputError

SLACK = 0.1  # of a window's length it may run past the data's last timestamp and still count as complete


def _data_end(con, db: Database, tables: tuple[str, ...]) -> datetime | None:
    query = time_span_sql(db, ends=tables, starts=())
    if query is None:
        return None
    return max((hi for _, _, hi in con.sql(query.sql("duckdb")).fetchall() if hi is not None), default=None)


def _complete_by(agg: BAggregation, end: datetime) -> datetime:
    """The latest anchor whose window ends by ``end`` plus the slack (a tenth of the window's length)."""
    w = agg.window
    slack = (shift_py(end, w.end - (w.start or 0), w.unit) - end) * SLACK
    return shift_py(end + slack, -w.end, w.unit)


def check_outcome_windows(con, db: Database, outcome: BoundExpr, units: pa.Table) -> list[str]:
    """Warnings for units (columns ``arm``, ``anchor_time``) whose outcome window ends after the data;
    an error when no unit's window ends inside it, or when a whole arm's windows start after it."""
    aggregations = [a for a in iter_aggregations(outcome) if a.window is not None]
    if not aggregations or units.num_rows == 0:
        return []
    end = _data_end(con, db, tuple(dict.fromkeys(a.table for a in aggregations)))
    if end is None:
        return []
    anchors = pd.Series(units.column("anchor_time").to_pandas())
    arms = pd.Series(units.column("arm").to_pylist())
    # complete: every window ends by `end`; unseen: every window starts at or after it (anchor + start < t)
    complete_by = min(_complete_by(a, end) for a in aggregations)
    unseen_from = max(shift_py(end, -(a.window.start or 0), a.window.unit) for a in aggregations)
    incomplete = (anchors > pd.Timestamp(complete_by)).to_numpy()
    unseen = (anchors >= pd.Timestamp(unseen_from)).to_numpy()
    reads = f"the last timestamp the outcome reads ({end})"
    if unseen.all():
        raise PQLInputError(f"every unit's outcome window starts at or after {reads}: the data ends before the "
                            f"first assignment ({anchors.min().to_pydatetime()}), so no outcome can be seen")
    if incomplete.all():
        earliest = anchors.min().to_pydatetime()
        after = describe(round(max(0.0, (end - earliest).total_seconds() / 86_400), 1), "days")
        raise PQLInputError(f"every unit's outcome window ends after {reads}: no outcome is complete (the "
                            f"earliest assignment, {earliest}, has {after} of data after it); shorten the "
                            "outcome window or wait for more data")
    for arm in sorted(set(arms[unseen])):
        if unseen[(arms == arm).to_numpy()].all():
            raise PQLInputError(f"every outcome window of arm '{arm}' starts at or after {reads}: nothing its "
                                "units did can be seen; check its assignment time (control_at=…, --control-at)")
    if not incomplete.any():
        return []
    by_arm = arms[incomplete].value_counts().sort_index()
    split = ", ".join(f"{arm} {count:,}" for arm, count in by_arm.items())
    return [f"{int(incomplete.sum()):,} of {len(anchors):,} units' outcome windows end after {reads}: their "
            f"outcomes count only what happened by then (by arm: {split})"]
