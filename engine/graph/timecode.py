"""How row times become int64 seconds since the Unix epoch, the graph's one time unit.

Two sentinels keep the temporal filter a single comparison (``neighbour_time <= anchor``):
rows of untimed (static) tables get ``ALWAYS_VISIBLE`` so every anchor sees them, and timed rows
whose time is NULL or unparsable get ``NEVER_VISIBLE``: with no time we cannot prove they happened
before the anchor, so hiding them is the leakage-safe choice.
"""
from __future__ import annotations

import numpy as np
import pyarrow as pa
from sqlglot import exp

ALWAYS_VISIBLE = np.iinfo(np.int64).min
NEVER_VISIBLE = np.iinfo(np.int64).max

_NUMERIC_PREFIXES = ("TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UTINYINT", "USMALLINT",
                     "UINTEGER", "UBIGINT", "DOUBLE", "FLOAT", "REAL", "DECIMAL", "INT")


def epoch_seconds_sql(column: exp.Expression, dtype: str) -> exp.Expression:
    """A DuckDB expression turning ``column`` of DuckDB type ``dtype`` into BIGINT epoch seconds.

    DATE/TIMESTAMP[TZ] use ``epoch`` (UTC for TZ-aware values); numbers are taken to be epoch
    seconds already (a time column is never a number: connectors read epoch numbers of any unit as
    TIMESTAMP, `connectors.text_timestamps`); anything else (text) is ``TRY_CAST`` to TIMESTAMP, NULL
    when it does not parse.
    ``floor`` (not integer division, which truncates toward zero in DuckDB) keeps pre-1970 times right.
    """
    upper = dtype.upper()
    if upper.startswith(("DATE", "TIMESTAMP")):
        value: exp.Expression = column
    elif upper.startswith(_NUMERIC_PREFIXES):
        return exp.cast(exp.Anonymous(this="floor", expressions=[exp.cast(column, "DOUBLE")]), "BIGINT")
    else:
        value = exp.TryCast(this=column, to=exp.DataType.build("TIMESTAMP"))
    seconds = exp.Anonymous(this="epoch", expressions=[value])
    return exp.cast(exp.Anonymous(this="floor", expressions=[seconds]), "BIGINT")


def seconds_to_numpy(values: pa.ChunkedArray | pa.Array, *, null_as: int = NEVER_VISIBLE) -> np.ndarray:
    """int64 [N] from an Arrow integer column, NULLs replaced by ``null_as``."""
    arr = values.combine_chunks() if isinstance(values, pa.ChunkedArray) else values
    return arr.cast(pa.int64()).fill_null(null_as).to_numpy(zero_copy_only=False).astype(np.int64, copy=False)
