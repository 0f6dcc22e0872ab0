"""The target's aggregations evaluated on the past: "what happened in the last window like this one".

A target window ``(start, end]`` of length ``L = end - start`` looks forward from the anchor. Its
mirrored past window is ``(-L, 0]`` (lag 1), ``(-2L, -L]`` (lag 2), …: the same length, ending at the
anchor, so a past value never reads a row after the anchor, whatever the target's start (a target
``(10, 30]`` has past window ``(-20, 0]``, not ``(-10, 10]``). ``-INF`` starts stay ``-INF`` and the
window ends at the anchor.

The values come from the label compiler itself (`engine.labels.compile_training_sql`) run on a copy of
the query whose windows are moved: the same FK paths, filters, empty-window rules (COUNT/SUM of nothing
is 0; MIN/MAX/AVG/FIRST/LAST of nothing is missing) and entity lifetimes as the labels.
"""
from __future__ import annotations

import uuid
from dataclasses import replace
from typing import Callable

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from engine.labels.compile import compile_training_sql
from engine.labels.windows import window_length
from engine.schema.model import Database
from pql.bound import (BAggregation, BAnd, BArith, BCompare, BIn, BIsNull, BLike, BMatch, BNot, BOr, BoundExpr,
                       BoundQuery, BWindow, TaskType, iter_aggregations)
from pql.errors import EngineError

#: a split name the compiler treats as labelled (the prediction split would blank the values)
_LABELLED_SPLIT = "train"


def past_window(window: BWindow, lag: int = 1) -> BWindow:
    """The window of the same length as ``window`` that ends ``(lag - 1)`` lengths before the anchor;
    lag 0 means all history up to the anchor, ``(-INF, 0]``."""
    if lag == 0 or window.start is None:
        return BWindow(start=None, end=0.0, unit=window.unit)
    length = window_length(window)
    return BWindow(start=-lag * length, end=-(lag - 1) * length, unit=window.unit)


def map_aggregations(expr: BoundExpr, fn: Callable[[BAggregation], BoundExpr]) -> BoundExpr:
    """``expr`` with every aggregation replaced by ``fn(aggregation)`` (filters are left alone:
    they hold no aggregations)."""
    if isinstance(expr, BAggregation):
        return fn(expr)
    if isinstance(expr, (BCompare, BArith)):
        return replace(expr, left=map_aggregations(expr.left, fn), right=map_aggregations(expr.right, fn))
    if isinstance(expr, (BIn, BLike, BMatch, BIsNull)):
        return replace(expr, expr=map_aggregations(expr.expr, fn))
    if isinstance(expr, (BAnd, BOr)):
        return replace(expr, items=tuple(map_aggregations(i, fn) for i in expr.items))
    if isinstance(expr, BNot):
        return replace(expr, item=map_aggregations(expr.item, fn))
    return expr


def shifted(expr: BoundExpr, lag: int = 1) -> BoundExpr:
    """``expr`` with each windowed aggregation moved to its past window (see `past_window`).

    An expression that also reads before the anchor (``SUM(x, 0, 30) < SUM(x, -30, 0)``) moves as one
    piece, by ``lag`` times its furthest end, so its windows keep their places relative to each other
    (``SUM(x, -30, 0) < SUM(x, -60, -30)``: last month's decline) and still end by the anchor; moved
    one by one, both sides would land on ``(-30, 0]``. Such a target has one unit (the binder checks).
    A single aggregation moves by its length, as any other."""
    windows = [a.window for a in iter_aggregations(expr) if a.window is not None]
    if lag > 0 and not isinstance(expr, BAggregation) and any(w.start is not None and w.start < 0 for w in windows):
        step = lag * max(w.end for w in windows)
        return map_aggregations(expr, lambda a: a if a.window is None else replace(
            a, window=BWindow(start=a.window.start - step, end=a.window.end - step, unit=a.window.unit)))
    return map_aggregations(expr, lambda a: a if a.window is None else replace(a, window=past_window(a.window, lag)))


def _past_query(bq: BoundQuery, target: BoundExpr) -> BoundQuery:
    """A query whose 'label' is ``target`` for every entity alive at an anchor: no entity filter (the
    caller's rows already passed it; popularity needs everyone), no treatment, one step."""
    return replace(bq, target=target, task=TaskType.REGRESSION, where=None, assuming=None, treatment_arms=(),
                   outcome_task=None, forecast=None, entity=replace(bq.entity, values=None))


def past_values(con: duckdb.DuckDBPyConnection, db: Database, bq: BoundQuery, target: BoundExpr,
                anchors: pa.Array) -> pd.DataFrame:
    """``target`` (an expression over past windows) for every entity alive at each of ``anchors``.

    Returns a frame with the entity key column(s), ``anchor_time`` and ``value``; rows whose value is
    missing (an empty MIN/MAX/AVG window) are absent.
    """
    anchors = pc.unique(anchors.cast(pa.timestamp("us")))
    relation = pa.table({"anchor_time": anchors, "split": pa.array([_LABELLED_SPLIT] * len(anchors), pa.string())})
    name = f"pql_past_anchors_{uuid.uuid4().hex[:12]}"
    sql = compile_training_sql(db, _past_query(bq, target), anchors=name).sql("duckdb")
    con.register(name, relation)
    try:
        table = con.sql(sql).to_arrow_table()
    except duckdb.Error as e:
        raise EngineError(f"computing the heuristic's past values failed in DuckDB: {e}") from e
    finally:
        con.unregister(name)
    keep = [*bq.entity.key, "anchor_time", "label"]
    return table.select(keep).rename_columns([*bq.entity.key, "anchor_time", "value"]).to_pandas()


def align(rows: pa.Table, past: pd.DataFrame, key: tuple[str, ...]) -> list:
    """``past.value`` for each row of ``rows`` (entity key…, anchor_time), in order; None where absent."""
    left = rows.select([*key, "anchor_time"]).to_pandas()
    if left.empty:
        return []
    left["anchor_time"] = left["anchor_time"].astype("datetime64[us]")
    right = past.copy()
    right["anchor_time"] = right["anchor_time"].astype("datetime64[us]")
    merged = left.merge(right, on=[*key, "anchor_time"], how="left", validate="many_to_one")
    return [_plain(v) for v in merged["value"].tolist()]


def _plain(v):
    """A list for LIST_DISTINCT values (pandas hands back arrays), None for a missing value."""
    if isinstance(v, np.ndarray):
        return v.tolist()
    if v is None or (isinstance(v, float) and np.isnan(v)) or v is pd.NaT:
        return None
    return v


def past_for_rows(inputs_con, db: Database, bq: BoundQuery, target: BoundExpr, rows: pa.Table) -> list:
    """`past_values` at the anchors of ``rows``, aligned to ``rows``."""
    if rows.num_rows == 0:
        return []
    return align(rows, past_values(inputs_con, db, bq, target, rows.column("anchor_time")), tuple(bq.entity.key))
