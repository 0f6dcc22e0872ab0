"""The DuckDB connections pql reads through run in UTC, whatever the machine's time zone (``TZ``).

DuckDB's session time zone defaults to the machine's: it decides how a ``TIMESTAMPTZ`` becomes a
plain ``TIMESTAMP`` and how text without an offset becomes a ``TIMESTAMPTZ``. pql compares plain
timestamps, so a run would depend on where it runs; in UTC it does not (convention 10).
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from sqlglot import exp

if TYPE_CHECKING:
    import duckdb

TIME_ZONE = "UTC"


def connect(database: str = ":memory:", *, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """``duckdb.connect`` with the session time zone set to UTC (duckdb errors propagate)."""
    import duckdb

    con = duckdb.connect(database, read_only=read_only)
    try:
        set_time_zone(con, TIME_ZONE)
    except BaseException:
        con.close()
        raise
    return con


def time_zone(con: duckdb.DuckDBPyConnection) -> str:
    """The connection's session time zone (DuckDB's ``TimeZone`` setting)."""
    return con.sql(exp.select(exp.func("current_setting", exp.Literal.string("TimeZone"))).sql("duckdb")).fetchall()[0][0]


def set_time_zone(con: duckdb.DuckDBPyConnection, zone: str) -> None:
    con.execute(exp.Set(expressions=[exp.SetItem(this=exp.EQ(this=exp.var("TimeZone"),
                                                             expression=exp.Literal.string(zone)))]).sql("duckdb"))
