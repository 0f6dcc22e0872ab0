"""Build a training table in DuckDB: schedule the anchors, run the compiled query, split, check."""
from __future__ import annotations

import uuid

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
from sqlglot import exp

from engine.labels import checks
from engine.labels.compile import ANCHORS, LISTED, PREDICT, TrainingSQL, compile_training_sql, forecast_steps, is_static
from engine.labels.scope import ident
from engine.labels.schedule import AnchorSchedule, build_schedule
from engine.labels.snapshot_columns import snapshot_columns
from engine.labels.splits import random_split
from engine.labels.table import TrainingTable
from engine.labels.time_outliers import time_outliers
from engine.labels.timespan import data_time_span
from engine.labels.unread_times import unread_time_columns
from engine.schema.model import Database
from engine.steady_floats import steady_floats
from pql.bound import BColumn, BoundQuery, TaskType, iter_aggregations
from pql.errors import EngineError


def schedule_for(con: duckdb.DuckDBPyConnection, db: Database, bq: BoundQuery,
                 events: dict[str, str] | None = None) -> AnchorSchedule:
    """The default anchor schedule of ``bq`` over the data in ``con`` (``events``: see `data_time_span`)."""
    start, end, target_start = data_time_span(con, db, bq, events)
    return build_schedule(bq, data_start=start, data_end=end, static=is_static(bq), steps=forecast_steps(bq),
                          target_start=target_start)


def explain_sql(db: Database, bq: BoundQuery, schedule: AnchorSchedule | None = None, *,
                query: exp.Select | None = None) -> str:
    """The training-table SQL, pretty-printed for EXPLAIN, headed by the anchor schedule."""
    sql = (query or compile_training_sql(db, bq, anchors=ANCHORS)).sql("duckdb", pretty=True)
    head = ["-- pql_anchors(anchor_time, split): one row per anchor time, split 'predict' for the prediction"]
    if schedule is not None:
        head += [f"--   {line}" for line in schedule.summary().splitlines()]
    return "\n".join(head) + "\n" + sql


def _anchors_arrow(schedule: AnchorSchedule) -> pa.Table:
    rows = schedule.anchors()
    return pa.table({"anchor_time": pa.array([t for t, _ in rows], pa.timestamp("us")),
                     "split": pa.array([s for _, s in rows], pa.string())})


def _sql(statement: exp.Expression) -> str:
    return statement.sql("duckdb")


class _Build:
    """One build's temporary relations in ``con`` (anchors, prebuilt events), dropped on exit."""

    def __init__(self, con: duckdb.DuckDBPyConnection):
        self.con = con
        self.prefix = f"pql_{uuid.uuid4().hex[:12]}"
        self.tables: list[str] = []
        self.views: list[str] = []

    def __enter__(self) -> "_Build":
        return self

    def __exit__(self, *exc) -> None:
        for name in self.tables:
            self.con.execute(_sql(exp.Drop(tables=[exp.Table(this=ident(name))], kind="TABLE", exists=True)))
        for name in self.views:
            self.con.unregister(name)

    def table(self, name: str, query: exp.Select) -> str:
        full = f"{self.prefix}_{name}"
        create = exp.Create(this=exp.Table(this=ident(full)), kind="TABLE", expression=query,
                            properties=exp.Properties(expressions=[exp.TemporaryProperty()]))
        self.con.execute(_sql(create))
        self.tables.append(full)
        return full

    def register(self, name: str, table: pa.Table) -> str:
        full = f"{self.prefix}_{name}"
        self.con.register(full, table)
        self.views.append(full)
        return full


def _static_columns(bq: BoundQuery) -> tuple[tuple[str, str], ...]:
    found: list[tuple[str, str]] = []

    def walk(e) -> None:
        if isinstance(e, BColumn):
            found.append((e.table, e.column))
        for child in ("left", "right", "expr", "item"):
            if hasattr(e, child):
                walk(getattr(e, child))
        for item in getattr(e, "items", ()):
            walk(item)

    walk(bq.target)
    return tuple(dict.fromkeys(found))


def _plain_decimals(rows: pa.Table) -> pa.Table:
    """A DECIMAL label (a class read by FIRST, a list by LIST_DISTINCT; NUMERIC columns in PostgreSQL)
    as BIGINT when it has no fraction digits, else DOUBLE: Python reads DECIMAL as ``Decimal``, which
    neither JSON (the saved model's class list) nor numpy holds."""
    index = rows.schema.get_field_index("label")
    if index < 0:
        return rows
    field = rows.schema.field(index)
    listed = pa.types.is_list(field.type) or pa.types.is_large_list(field.type)
    inner = field.type.value_type if listed else field.type
    if not pa.types.is_decimal(inner):
        return rows
    plain = pa.int64() if inner.scale == 0 else pa.float64()
    return rows.set_column(index, field.with_type(pa.list_(plain) if listed else plain),
                           rows.column(index).cast(pa.list_(plain) if listed else plain))


def training_table(con: duckdb.DuckDBPyConnection, db: Database, bq: BoundQuery, *,
                   schedule: AnchorSchedule | None = None) -> TrainingTable:
    """Labelled rows for every scheduled anchor and the prediction rows, in one DuckDB query.

    ``con`` holds the tables of ``db``; ``schedule`` overrides the default anchors (tests, backtests).
    The anchor-independent events (rows keyed to the entity, partials per timestamp) are built once
    as temporary tables and serve the time span, the main query and the checks alike.
    """
    static = is_static(bq)
    try:
        with _Build(con) as build:
            compiler = TrainingSQL(db, bq, anchors=ANCHORS)
            explained = compiler.compile()  # also registers the aggregations, hence the events
            prebuilt = {name: build.table(name, query) for name, _, query in compiler.events()}
            by_table = {table: prebuilt[name] for name, table, _ in compiler.events()}
            schedule = schedule or schedule_for(con, db, bq, by_table)
            anchors = build.register("anchors", _anchors_arrow(schedule))
            query = compiler.compile(prebuilt, anchors=anchors)
            rows = con.sql(_sql(query)).to_arrow_table()
            rows = steady_floats(rows if bq.task is TaskType.LINK_RANKING else _plain_decimals(rows), only={"label"})
            target = next(iter_aggregations(bq.target), None)
            events = prebuilt.get(compiler.aggregates.events_of(target)) if target is not None else None
            appearing = (checks.formula_without_values(con, db, bq)
                         + checks.never_appearing(con, db, bq, events) + checks.null_keys(con, bq)
                         + checks.timeless_entities(con, db, bq) + snapshot_columns(con, db, bq, schedule.train)
                         + unread_time_columns(con, db, bq)
                         + time_outliers(con, db, bq))
            catalogue = checks.rank_beyond_catalogue(con, db, bq)
            if not static:
                appearing += checks.not_yet_joined(con, db, bq, build.register("rows", rows.select(
                    [*bq.entity.key, "anchor_time", "split"])), events)
    except duckdb.Error as e:
        raise EngineError(f"building the training table failed in DuckDB: {e}") from e
    keys = [*bq.entity.key, "anchor_time"]
    if static:  # rows already ordered by key, so reruns agree
        listed = LISTED in rows.column_names
        prediction = (rows.filter(rows.column(LISTED)) if listed else rows).select(keys)
        if listed:
            rows = rows.drop_columns([LISTED])
        labelled = random_split(rows, int(bq.option("seed", 0) or 0))
    else:
        is_predict = pc.equal(rows.column("split"), PREDICT)
        labelled = rows.filter(pc.invert(is_predict))
        prediction = rows.filter(is_predict).select(keys)
        if schedule.cohort:  # one anchor: split its entities, not its times
            labelled = random_split(labelled.sort_by([(k, "ascending") for k in keys[:-1]]), schedule.seed,
                                    strata=schedule.stratify)
    # DuckDB returns rows in a thread-dependent order; models that bag or batch rows must see the same
    # order every time, or the same seed would give different models.
    order = [(k, "ascending") for k in ("anchor_time", *keys[:-1])]
    labelled = labelled.sort_by(order)
    prediction = prediction.sort_by(order)
    warnings = [*schedule.notes, *checks.empty_splits(labelled), *checks.label_balance(labelled),
                *checks.number_classes(bq, labelled), *checks.class_coverage(bq, labelled), *appearing,
                *checks.unlisted_entities(bq, prediction)]
    return TrainingTable(table=labelled, prediction=prediction, entity_key=tuple(bq.entity.key), schedule=schedule,
                         sql=explain_sql(db, bq, schedule, query=explained), label_columns=_static_columns(bq) if static else (),
                         warnings=tuple(warnings), notes=(*schedule.info, *catalogue))


def train_table(con: duckdb.DuckDBPyConnection, db: Database, bq: BoundQuery) -> pa.Table:
    """The labelled rows as Arrow (the API behind ``pql train-table``)."""
    return training_table(con, db, bq).table
