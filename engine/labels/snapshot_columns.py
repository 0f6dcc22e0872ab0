"""Date columns that look like a snapshot of today, read as of every past anchor.

A table row that features see at an anchor (every row of a static table; a timed table's rows from its
own time on) shows the values it holds now. A column kept up to date (``customers.last_order_at``, the
latest order ever) then tells the model, at an anchor a year ago, whether the customer orders again:
the feature sees the future. Such a date lies after the anchor on many training rows, yet never after
the data's end: it was written when the data was exported. A planned date (a reward's expiry, a
subscription's renewal) may lie after the anchor as well, but some reach past the data's end, so the
two are told apart by that.

Cheap: one scan per table with date columns, counting for each row how many of (at most `MAX_ANCHORS`
of) the training anchors see it and how many of those its date lies after; no join with the anchors and
no training table (EXPLAIN calls it as the run does). Numbers kept up to date (``lifetime_orders``) leave
no such trace: README's Schema section says how to drop them.
"""
from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlglot import exp

from engine.labels.compile import is_static
from engine.labels.expr import literal, not_null
from engine.labels.scope import Scope
from engine.labels.timespan import time_span_sql
from engine.schema.dtypes import Family, family
from engine.schema.model import Database, Table
from engine.schema.timecols import time_name_score
from pql.bound import BoundQuery
from pql.render import quote_name

# A date written with its row (a delivery a few days after the order, a confirmation) lies after only
# the few anchors right after the row appears; a column overwritten with the latest value lies after
# most anchors at which its row is visible, the early ones above all (0.5 on average for a uniform
# history; 0.57 for `last_order_at` in the review's generated shop). A third is well clear of both.
MIN_SHARE_AFTER_ANCHOR = 0.3
MIN_ROWS_WITH_VALUE = 50  # (row, anchor) pairs with a value: fewer prove no pattern
MAX_ANCHORS = 16  # training anchors spread evenly over training stand for all of them: a share, not a count
# A snapshot exported a little after the last recorded event (a login table left out of the database) may
# reach past the data's end by that much; a planned date (an expiry, a renewal) reaches weeks past it.
EXPORT_GRACE = timedelta(days=1)


def snapshot_columns(con, db: Database, bq: BoundQuery, train_anchors: Sequence[datetime]) -> list[str]:
    """One warning per date column of the query's graph that looks like a snapshot of today (see the
    module docstring); ``train_anchors`` are the schedule's training anchor times."""
    if is_static(bq) or not train_anchors:
        return []
    graph = [t for name in (bq.using or db.table_names) if (t := db.table(name)) is not None]
    candidates = {t.name: columns for t in graph if (columns := _date_columns(db, t))}
    data_end = _data_end(con, db, graph) if candidates else None
    if data_end is None:
        return []
    anchors = _spread(sorted(train_anchors), MAX_ANCHORS)
    warnings = []
    for table, columns in candidates.items():
        for column, (rows, after, latest) in zip(columns, _column_stats(con, db, table, columns, anchors)):
            if _looks_like_snapshot(rows, after, latest, data_end):
                warnings.append(_message(db.table(table), column, after / rows, data_end))
    return warnings


def _date_columns(db: Database, t: Table) -> list[str]:
    """Dates and timestamps of ``t`` that features read: not its time column, not a key or a link. A table
    that inherits its time (order lines) holds events, not things kept up to date, and costs a join: skipped."""
    if t.inherited_time is not None:
        return []
    keys = set(t.primary_key) | {c for fk in db.foreign_keys_from(t.name) for c in fk.columns}
    return [c.name for c in t.columns
            if family(c.dtype) is Family.TEMPORAL and c.name != t.time_column and c.name not in keys]


def _data_end(con, db: Database, graph: list[Table]) -> datetime | None:
    """The last event time: the latest value of any graph table's own time column."""
    timed = tuple(t.name for t in graph if t.time_column is not None)
    query = time_span_sql(db, ends=timed, starts=()) if timed else None
    if query is None:
        return None
    return max((hi for _, _, hi in con.sql(query.sql("duckdb")).fetchall() if hi is not None), default=None)


def _spread(anchors: list[datetime], at_most: int) -> list[datetime]:
    """Up to ``at_most`` of ``anchors``, evenly spaced, the first and the last included."""
    if len(anchors) <= at_most:
        return anchors
    step = (len(anchors) - 1) / (at_most - 1)
    return [anchors[round(i * step)] for i in range(at_most)]


def _timestamp(e: exp.Expression) -> exp.Expression:
    return exp.cast(e, exp.DataType.Type.TIMESTAMP)


def _anchors_before(moment: exp.Expression, anchors: list[datetime]) -> exp.Expression:
    """How many of ``anchors`` lie before ``moment`` (NULL for a NULL moment): a sum of comparisons,
    cheaper than joining every row with every anchor."""
    terms = [exp.cast(exp.LT(this=literal(a), expression=moment.copy()), exp.DataType.Type.INT) for a in anchors]
    total = terms[0]
    for term in terms[1:]:
        total = exp.Add(this=total, expression=term)
    return exp.Paren(this=total)


def _column_stats(con, db: Database, table: str, columns: list[str], anchors: list[datetime]
                  ) -> list[tuple[int, int, datetime | None]]:
    """Per column, over (row, anchor) pairs where the anchor sees the row: (pairs with a value, pairs whose
    value lies after the anchor), and the column's latest value over all rows. One scan.

    The anchors that see a row are those at or after its time, ``n - before(time)`` of them (all ``n`` in an
    untimed table; none for a NULL time, as features never see such a row); those its value lies after are
    the ones before the value too, ``before(value) - before(time)`` when positive."""
    scope = Scope(db, table, prefix="r")
    values = [_timestamp(scope.column((), c)) for c in columns]
    time = scope.time()
    seen_from = exp.Literal.number(0) if time is None else _anchors_before(time, anchors)
    stats = []
    for value in values:
        seeing = exp.Sub(this=exp.Literal.number(len(anchors)), expression=seen_from.copy())
        after = exp.func("greatest", exp.Literal.number(0),
                         exp.Sub(this=_anchors_before(value, anchors), expression=seen_from.copy()))
        stats += [exp.Filter(this=exp.Sum(this=seeing), expression=exp.Where(this=not_null(value.copy()))),
                  exp.Sum(this=after), exp.Max(this=value.copy())]
    found = con.sql(scope.apply(exp.select(*stats)).sql("duckdb")).fetchall()[0]
    return [(int(found[i] or 0), int(found[i + 1] or 0), found[i + 2]) for i in range(0, len(found), 3)]


def _looks_like_snapshot(rows: int, after: int, latest: datetime | None, data_end: datetime) -> bool:
    return (rows >= MIN_ROWS_WITH_VALUE and after / rows >= MIN_SHARE_AFTER_ANCHOR
            and latest is not None and latest <= data_end + EXPORT_GRACE)


def _message(table: Table, column: str, share: float, data_end: datetime) -> str:
    name = f"{quote_name(table.name)}.{quote_name(column)}"
    text = (f"{table.name}.{column} lies after the anchor on {share:.0%} of training rows where it is set and never "
            f"after the data's end ({data_end:%Y-%m-%d}): it looks like a snapshot of today, and features from it "
            f"see the future; drop it with WITH schema = 'ignore {name}' if it is")
    if table.is_timed or not time_name_score(column):
        return text
    # in an untimed table a creation date (a signup) looks the same: its rows exist before they began
    return text + (f"; if it is when each row began, make it the time column: "
                   f"WITH schema = 'time {quote_name(table.name)} = {quote_name(column)}'")
