"""Arrow or pandas data made visible to a DuckDB connection for one statement's time, under a hidden name."""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

STAGING = "_pql_staging"  # hidden (`_pql` prefix): never listed as a user table


@contextmanager
def staged(con, frame: Any) -> Iterator[str]:
    """Register ``frame`` as a view named `STAGING` and yield that name; unregistered again afterwards.
    DuckDB errors from the body propagate for the caller to word."""
    import duckdb

    con.register(STAGING, frame)
    try:
        yield STAGING
    finally:
        try:
            con.unregister(STAGING)
        except duckdb.Error:
            pass
