"""Timestamps far outside the rest of their table: placeholder dates (``2099-12-31``, ``1900-01-01``) and typos.

One such row sets the data's end (so every anchor, the validation and test periods and the prediction
time move into years without data, where every label says "nothing happened") or its start (training
anchors stretch back over empty years). pql cannot know such a date is wrong, so it warns, with the
option that sets the span by hand. A row counts as an outlier when it lies beyond the 0.1% / 99.9%
quantile of its table's times by more than a quarter of the span between those quantiles.
"""
from __future__ import annotations

from datetime import datetime

from sqlglot import exp

from engine.labels.scope import Scope
from engine.labels.timespan import touched_tables
from engine.schema.model import Database
from pql.bound import BoundQuery, iter_aggregations

SHARE = 0.001  # the quantiles the bulk of the rows lies between
STRETCH = 0.25  # beyond them by more than this share of the span between them: an outlier


def time_outliers(con, db: Database, bq: BoundQuery) -> list[str]:
    """One warning per table the query reads (entity, target, WHERE, ASSUMING) with outlying times."""
    out = []
    anchor_time, train_start = bq.option("anchor_time"), bq.option("train_start")  # the span set by hand
    # every table read sets the end; only the target's set where anchors start (engine.labels.timespan)
    targets = {a.table for a in iter_aggregations(bq.target)}
    for name in touched_tables(bq):
        table = db.table(name)
        if table is None or not table.is_timed:
            continue
        scope = Scope(db, name)
        times = scope.apply(exp.select(exp.alias_(scope.time(), "t", quoted=True))).subquery("r")
        t = exp.column("t", table="r", quoted=True)
        span = exp.select(exp.func("quantile_disc", t.copy(), exp.Literal.number(SHARE)),
                          exp.func("quantile_disc", t.copy(), exp.Literal.number(1 - SHARE)),
                          exp.Min(this=t.copy()), exp.Max(this=t.copy())).from_(times.copy())
        lo, hi, first, last = con.sql(span.sql("duckdb")).fetchall()[0]
        if lo is None or hi <= lo:
            continue
        margin = (hi - lo) * STRETCH
        late_cut, early_cut = hi + margin, lo - margin
        if last <= late_cut and first >= early_cut:
            continue
        beyond = exp.select(*(exp.Filter(this=exp.Count(this=exp.Star()), expression=exp.Where(this=side))
                              for side in (t.copy() > _timestamp(late_cut), t.copy() < _timestamp(early_cut))))
        late, early = con.sql(beyond.from_(times).sql("duckdb")).fetchall()[0]
        if late and (anchor_time is None or anchor_time > late_cut):
            out.append(f"{name}: {_rows(late)} dated after {_day(late_cut)} (the latest {last}), well after 99.9% "
                       f"of its rows (by {_day(hi)}), and set{'s' if late == 1 else ''} the data's end, so the "
                       f"anchors and the prediction time: a placeholder date or a typo? WITH anchor_time = "
                       f"'{_day(hi)}' predicts as of the real end")
        if early and name in targets and (train_start is None or train_start < early_cut):
            out.append(f"{name}: {_rows(early)} dated before {_day(early_cut)} (the earliest {first}), well before "
                       f"99.9% of its rows (from {_day(lo)}), and stretch{'es' if early == 1 else ''} the training "
                       f"anchors back over years without data: a placeholder date or a typo? WITH train_start = "
                       f"'{_day(lo)}' starts training there")
    return out


def _timestamp(value: datetime) -> exp.Expression:
    return exp.cast(exp.Literal.string(value.isoformat(sep=" ")), exp.DataType.Type.TIMESTAMP)


def _rows(n: int) -> str:
    return f"{n:,} row{'s' if n != 1 else ''}"


def _day(t: datetime) -> str:
    return t.strftime("%Y-%m-%d")
