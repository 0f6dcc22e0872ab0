"""Timestamps far outside the rest of their table: placeholder dates (``2099-12-31``, ``1900-01-01``) and typos.

One such row sets the data's end (so every anchor, the validation and test periods and the prediction
time move into years without data, where every label says "nothing happened") or its start (training
anchors stretch back over empty years). pql cannot know such a date is wrong, so it warns, with the
option that sets the span by hand. A row counts as an outlier when it lies beyond the 0.1% / 99.9%
quantile of its table's times by more than a quarter of the span between those quantiles.

A placeholder on more rows than that (``2099-12-31`` on 1% of the customers) moves those quantiles
with it, so a second rule looks for a gap: among the latest (earliest) 5% of a table's rows, the widest
gap between consecutive times; when it is at least a year and wider than the whole span of the rows
before it (after it), the rows beyond it are outliers. Real data that pauses for longer than it has run
is rare; a cluster of identical far-off dates is the usual cause.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlglot import exp

from engine.labels.scope import Scope
from engine.labels.timespan import touched_tables
from engine.schema.model import Database
from pql.bound import BoundQuery, iter_aggregations

SHARE = 0.001  # the quantiles the bulk of the rows lies between
STRETCH = 0.25  # beyond them by more than this share of the span between them: an outlier
TAIL = 0.05  # the gap rule looks for a gap within this share of rows at either end ...
MIN_GAP_DAYS = 365  # ... at least this wide and wider than the span of all the rows on its other side
MIN_GAP_ROWS = 200  # in a table with at least this many rows (a few rows prove no pattern)


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
        late_share = early_share = None  # the gap rule's share of rows on the bulk's side, when it decides
        late_fix, early_fix = late_cut, early_cut  # an anchor_time / train_start short of these silences it
        # a gap of a year wider than the rest of the span needs two years in all: shorter data skips the scan
        if (last <= late_cut or first >= early_cut) and last - first >= timedelta(days=2 * MIN_GAP_DAYS):
            gaps = _gaps(con, times.sql("duckdb"), lo, hi)
            if gaps is not None:
                (late_at, late_bulk, late_far), (early_at, early_bulk, early_far) = gaps
                if last <= late_cut and late_at is not None:
                    late_cut, hi, late_share, late_fix = late_at, late_at, late_bulk, late_far
                if first >= early_cut and early_at is not None:
                    early_cut, lo, early_share, early_fix = early_at, early_at, early_bulk, early_far
        if last <= late_cut and first >= early_cut:
            continue
        beyond = exp.select(*(exp.Filter(this=exp.Count(this=exp.Star()), expression=exp.Where(this=side))
                              for side in (t.copy() > _timestamp(late_cut), t.copy() < _timestamp(early_cut))))
        late, early = con.sql(beyond.from_(times).sql("duckdb")).fetchall()[0]
        if late and (anchor_time is None or anchor_time > late_fix):
            out.append(f"{name}: {_rows(late)} dated after {_day(late_cut)} (the latest {last}), well after {_share(late_share)} "
                       f"of its rows (by {_day(hi)}), and set{'s' if late == 1 else ''} the data's end, so the "
                       f"anchors and the prediction time: a placeholder date or a typo? WITH anchor_time = "
                       f"'{_moment(hi)}' predicts as of the real end")
        if early and name in targets and (train_start is None or train_start < early_fix):
            out.append(f"{name}: {_rows(early)} dated before {_day(early_cut)} (the earliest {first}), well before "
                       f"{_share(early_share)} of its rows (from {_day(lo)}), and stretch{'es' if early == 1 else ''} the training "
                       f"anchors back over years without data: a placeholder date or a typo? WITH train_start = "
                       f"'{_day(lo)}' starts training there")
    return out


def _gaps(con, times: str, lo: datetime, hi: datetime):
    """((last time before the late gap, share of rows up to it, first time after it), and the same for
    the early gap mirrored), each ``(None, None, None)`` when its end has no such gap; None for a small table.

    One scan: the widest gap between consecutive distinct times within the latest and the earliest
    `TAIL` of the rows, and the rows on the bulk's side of each."""
    sql = f"""
        WITH r AS (SELECT "t" FROM {times} WHERE "t" IS NOT NULL),
        q AS (SELECT COUNT(*) AS n, quantile_disc("t", {TAIL}) AS lo_tail, quantile_disc("t", {1 - TAIL}) AS hi_tail FROM r),
        d AS (SELECT DISTINCT r."t" FROM r, q WHERE r."t" >= q.hi_tail OR r."t" <= q.lo_tail),
        g AS (SELECT "t", LAG("t") OVER (ORDER BY "t") AS prev,
                     epoch("t") - epoch(LAG("t") OVER (ORDER BY "t")) AS gap FROM d),
        late AS (SELECT arg_max(prev, gap) AS before, max(gap) AS gap FROM g, q WHERE g.prev >= q.hi_tail),
        early AS (SELECT arg_max("t", gap) AS after, max(gap) AS gap FROM g, q WHERE g."t" <= q.lo_tail)
        SELECT q.n, late.before, late.gap, early.after, early.gap,
               (SELECT COUNT(*) FROM r WHERE r."t" <= late.before), (SELECT COUNT(*) FROM r WHERE r."t" >= early.after)
        FROM q, late, early"""
    n, before, late_gap, after, early_gap, up_to, from_ = con.sql(sql).fetchall()[0]
    if not n or n < MIN_GAP_ROWS:
        return None
    floor = MIN_GAP_DAYS * 86400

    def side(at, gap, bulk_span, rows, sign):
        if at is None or gap is None or gap < floor or gap <= bulk_span:
            return None, None, None
        return at, rows / n, at + sign * timedelta(seconds=gap)

    late = side(before, late_gap, (before - lo).total_seconds() if before is not None else 0, up_to, 1)
    early = side(after, early_gap, (hi - after).total_seconds() if after is not None else 0, from_, -1)
    return late, early


def _share(share: float | None) -> str:
    """The bulk's share of rows: 99.9% for the quantile rule, the count for the gap rule."""
    if share is None:
        return "99.9%"
    return f"{share:.1%}" if share < 0.999 else "99.9%"


def _timestamp(value: datetime) -> exp.Expression:
    return exp.cast(exp.Literal.string(value.isoformat(sep=" ")), exp.DataType.Type.TIMESTAMP)


def _rows(n: int) -> str:
    return f"{n:,} row{'s' if n != 1 else ''}"


def _day(t: datetime) -> str:
    return t.strftime("%Y-%m-%d")


def _moment(t: datetime) -> str:
    """``t`` to the second unless it is a midnight: an anchor at the day would drop that day's later rows."""
    return _day(t) if (t.hour, t.minute, t.second) == (0, 0, 0) else t.strftime("%Y-%m-%d %H:%M:%S")
