"""The time span anchors may cover.

The end is the last timestamp of the tables the query touches (target, WHERE, ASSUMING, entity): the
latest complete label window ends there. The start is the first timestamp of the graph's tables
(``USING``, or the whole database): features may draw on any of them, so history starts there, and an
anchor before the target table's first row is still valid when its window reaches that row (RelBench
takes the database's minimum timestamp the same way). Time anchors themselves start no earlier than
one window before the target's first row (the span's third value; see `engine.labels.schedule.build_schedule`).
"""
from __future__ import annotations

from datetime import datetime

from sqlglot import exp

from engine.labels.scope import Scope, ident
from engine.schema.model import Database
from pql.bound import BoundQuery, iter_aggregations


def touched_tables(bq: BoundQuery) -> tuple[str, ...]:
    """The entity table and every aggregated table of the target, WHERE and ASSUMING, in order."""
    names = [bq.entity.table]
    for expr in (bq.target, bq.where, bq.assuming):
        names.extend(a.table for a in iter_aggregations(expr))
    return tuple(dict.fromkeys(names))


def time_span_sql(db: Database, *, ends: tuple[str, ...], starts: tuple[str, ...],
                  events: dict[str, str] | None = None) -> exp.Select | None:
    """One scan per table, one row each: ``(table, MIN(t), MAX(t))``, the maximum for ``ends`` only.

    A start-only table whose time is inherited from a parent that is also scanned is skipped: its
    rows carry parent times, so it cannot lower the minimum (and its join is the costly part).
    ``events`` maps a table to a prebuilt events table of its rows (column ``t``), read instead: the
    join that inherited time needs is then already done (rows without an entity key are left out).
    """
    events = events or {}
    wanted = tuple(dict.fromkeys((*ends, *starts)))
    parts = []
    for name in wanted:
        table = db.table(name)
        if table is None or not table.is_timed:
            continue
        if name not in ends and table.inherited_time is not None and table.inherited_time.via.ref_table in wanted:
            continue
        if name in events:
            t = exp.column("t", quoted=True)
        else:
            scope = Scope(db, name)
            t = scope.time()
        hi = exp.Max(this=t.copy()) if name in ends else exp.cast(exp.Null(), exp.DataType.Type.TIMESTAMP)
        select = exp.select(exp.alias_(exp.Literal.string(name), "name", quoted=True),
                            exp.alias_(exp.Min(this=t), "lo", quoted=True), exp.alias_(hi, "hi", quoted=True))
        parts.append(select.from_(exp.Table(this=ident(events[name]))) if name in events else scope.apply(select))
    if not parts:
        return None
    union = parts[0]
    for p in parts[1:]:
        union = exp.union(union, p, distinct=False)
    return union


def data_time_span(con, db: Database, bq: BoundQuery, events: dict[str, str] | None = None
                   ) -> tuple[datetime | None, datetime | None, datetime | None]:
    """(first timestamp of the graph's tables, last timestamp of the touched tables, first timestamp of
    the tables the target aggregates), from one scan per table."""
    touched = touched_tables(bq)
    graph = tuple(bq.using or db.table_names)
    if not any((t := db.table(name)) is not None and t.is_timed for name in touched):
        touched = graph  # a static target on untimed tables: "now" is the data's last timestamp anywhere
    query = time_span_sql(db, ends=touched, starts=graph, events=events)
    if query is None:
        return None, None, None
    spans = con.sql(query.sql("duckdb")).fetchall()
    target = {a.table for a in iter_aggregations(bq.target)}

    def first(values) -> datetime | None:
        return min((v for v in values if v is not None), default=None)

    return (first(lo for _, lo, _ in spans), max((hi for _, _, hi in spans if hi is not None), default=None),
            first(lo for name, lo, _ in spans if name in target))
