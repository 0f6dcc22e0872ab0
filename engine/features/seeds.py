"""Seeds: the (entity key, anchor_time) pairs features are computed for.

Seeds are registered as Arrow views, never written into the user's database (which may be read-only).
Each distinct (key, anchor_time) pair gets a dense integer ``__sid`` so every feature query groups
by one integer column whatever the key's arity, and duplicates are computed once.
"""
from __future__ import annotations

import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

import pyarrow as pa
from sqlglot import exp

from engine.features import sql
from pql.errors import PQLInputError

ANCHOR = "anchor_time"
ROW = "__pql_row"
SID = "__sid"


@dataclass(frozen=True, kw_only=True)
class StagedSeeds:
    every_row: str  # view: __pql_row, key columns, anchor_time, __sid (one row per input seed row)
    distinct: str  # view: __sid, key columns, anchor_time (one row per distinct pair)
    key_columns: tuple[str, ...]


def to_arrow(seeds) -> pa.Table:
    """Accept an Arrow table, a DuckDB relation or a pandas DataFrame."""
    if isinstance(seeds, pa.Table):
        return seeds
    if hasattr(seeds, "to_arrow_table"):
        return seeds.to_arrow_table()
    try:
        import pandas as pd
    except ImportError:  # pragma: no cover - pandas is a dependency
        pd = None
    if pd is not None and isinstance(seeds, pd.DataFrame):
        return pa.Table.from_pandas(seeds, preserve_index=False)
    raise PQLInputError(f"seeds must be a pyarrow.Table, DuckDB relation or pandas DataFrame, not {type(seeds).__name__}")


def unique_name(kind: str) -> str:
    return f"__pql_{kind}_{uuid.uuid4().hex[:12]}"


@contextmanager
def registered(con, name: str, data: pa.Table) -> Iterator[str]:
    con.register(name, data)
    try:
        yield name
    finally:
        con.unregister(name)


@contextmanager
def staged_seeds(con, seeds, key_columns: Sequence[str]) -> Iterator[StagedSeeds]:
    data = to_arrow(seeds)
    keys = tuple(key_columns)
    missing = [c for c in (*keys, ANCHOR) if c not in data.column_names]
    if missing:
        raise PQLInputError(f"seeds lack column(s) {', '.join(missing)}; they have {', '.join(data.column_names)}")
    data = data.select([*keys, ANCHOR]).append_column(ROW, pa.array(range(data.num_rows), pa.int64()))
    raw_name, all_name, distinct_name = unique_name("seeds_raw"), unique_name("seeds"), unique_name("seed_pairs")
    with registered(con, raw_name, data):
        order = [sql.col("r", k) for k in keys] + [sql.col("r", ANCHOR)]
        sid = exp.Window(this=exp.Anonymous(this="dense_rank"), order=exp.Order(expressions=order)) - sql.num(1)
        every = sql.run_arrow(
            con,
            exp.select(
                sql.col("r", ROW),
                *(sql.col("r", k) for k in keys),
                sql.alias(sql.as_timestamp(sql.col("r", ANCHOR)), ANCHOR),
                sql.alias(sid, SID),
            ).from_(sql.table(raw_name, "r")),
            what="seed staging",
        )
    with registered(con, all_name, every):
        distinct = sql.run_arrow(
            con,
            exp.select(sql.col("a", SID), *(sql.col("a", k) for k in keys), sql.col("a", ANCHOR))
            .distinct()
            .from_(sql.table(all_name, "a")),
            what="seed staging",
        )
        with registered(con, distinct_name, distinct):
            yield StagedSeeds(every_row=all_name, distinct=distinct_name, key_columns=keys)
