"""Vectorised key matching (a grouped SQL join in a private DuckDB) used for edges, inherited times
and primary-key lookups.

It runs on Arrow tables in a throw-away in-memory connection, so the user's connection is never
touched (no temporary views or tables left behind) and node order is decided once, in Python.
"""
from __future__ import annotations

from collections.abc import Sequence

import duckdb
import numpy as np
import pyarrow as pa
from sqlglot import exp

from connectors._duckdb import connect as connect_duckdb
from pql.errors import EngineError

_ROW = "__pql_row"
_VALUE = "__pql_value"


def _aligned(left: pa.Array, right: pa.Array) -> tuple[pa.Array, pa.Array]:
    """Make a key pair comparable: numbers compare as numbers, anything else mixed compares as text."""
    lt, rt = left.type, right.type
    if pa.types.is_dictionary(lt):
        left, lt = left.dictionary_decode(), lt.value_type
    if pa.types.is_dictionary(rt):
        right, rt = right.dictionary_decode(), rt.value_type
    numeric = (pa.types.is_integer, pa.types.is_floating, pa.types.is_decimal)
    if lt == rt or (any(f(lt) for f in numeric) and any(f(rt) for f in numeric)):
        return left, right
    return left.cast(pa.string()), right.cast(pa.string())


def _chunk(values: pa.Array | pa.ChunkedArray) -> pa.Array:
    return values.combine_chunks() if isinstance(values, pa.ChunkedArray) else values


def match_keys(left: Sequence[pa.Array], right: Sequence[pa.Array], right_value: np.ndarray, *,
               missing: int, scratch: duckdb.DuckDBPyConnection | None = None) -> np.ndarray:
    """int64 [len(left rows)]: for each left row, the smallest ``right_value`` among right rows whose
    (composite) key equals it; ``missing`` when a key part is NULL or no right row matches.

    Taking the minimum makes duplicate right keys (a defect in the data) resolve deterministically.
    ``scratch``: a private connection to reuse across calls (opening one costs tens of ms); never
    the user's connection.
    """
    if len(left) != len(right) or not left:
        raise ValueError("match_keys needs the same positive number of key columns on both sides")
    pairs = [_aligned(_chunk(lk), _chunk(rk)) for lk, rk in zip(left, right)]
    names = [f"k{i}" for i in range(len(pairs))]
    n_left = len(pairs[0][0])
    lhs = pa.table({**{n: p[0] for n, p in zip(names, pairs)}, _ROW: np.arange(n_left, dtype=np.int64)})
    rhs = pa.table({**{n: p[1] for n, p in zip(names, pairs)}, _VALUE: np.asarray(right_value, np.int64)})

    grouped = (exp.select(*names, exp.alias_(exp.Min(this=exp.column(_VALUE)), _VALUE))
               .from_("rhs").group_by(*names).subquery("r"))
    on = exp.and_(*(exp.EQ(this=exp.column(n, table="l"), expression=exp.column(n, table="r")) for n in names))
    query = (exp.select(exp.column(_ROW, table="l"), exp.column(_VALUE, table="r"))
             .from_(exp.alias_(exp.to_table("lhs"), "l", table=True))
             .join(grouped, on=on, join_type="inner"))
    con = scratch if scratch is not None else connect_duckdb()
    try:
        con.register("lhs", lhs)
        con.register("rhs", rhs)
        rows, values = con.sql(query.sql("duckdb")).fetchnumpy().values()
    except duckdb.Error as e:
        raise EngineError(f"could not match keys while building the graph: {e}") from e
    finally:
        if scratch is None:
            con.close()
        else:
            con.unregister("lhs")
            con.unregister("rhs")
    out = np.full(n_left, missing, dtype=np.int64)
    out[np.asarray(rows, dtype=np.int64)] = np.asarray(values, dtype=np.int64)
    return out
