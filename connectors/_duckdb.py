"""The DuckDB connections pql opens: in UTC, and spilling to a private temporary folder.

DuckDB's session time zone defaults to the machine's: it decides how a ``TIMESTAMPTZ`` becomes a
plain ``TIMESTAMP`` and how text without an offset becomes a ``TIMESTAMPTZ``. pql compares plain
timestamps, so a run would depend on where it runs; in UTC it does not (convention 10).

When a query outgrows its memory limit DuckDB spills to ``temp_directory``, by default ``<file>.tmp``
beside the database file (``.tmp`` in the current folder for an in-memory one): a folder created in
the user's directory, left there if the process is killed, and an error where that directory is
read-only. pql's connections spill under the system's temporary folder instead; DuckDB creates the
folder when it first spills and removes it on close.
"""
from __future__ import annotations

import os
import tempfile
import uuid
from typing import TYPE_CHECKING

from sqlglot import exp

if TYPE_CHECKING:
    import duckdb

TIME_ZONE = "UTC"


def connect(database: str = ":memory:", *, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """``duckdb.connect`` in UTC, spilling to a private temporary folder (duckdb errors propagate)."""
    import duckdb

    con = duckdb.connect(database, read_only=read_only)
    try:
        set_time_zone(con, TIME_ZONE)
        spill = os.path.join(tempfile.gettempdir(), f"pql-duckdb-{os.getpid()}-{uuid.uuid4().hex[:8]}")
        con.execute(exp.Set(expressions=[exp.SetItem(this=exp.EQ(
            this=exp.var("temp_directory"), expression=exp.Literal.string(spill)))]).sql("duckdb"))
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
