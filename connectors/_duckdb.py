"""The DuckDB connections pql opens: in UTC, and spilling to a private folder.

DuckDB's session time zone defaults to the machine's: it decides how a ``TIMESTAMPTZ`` becomes a
plain ``TIMESTAMP`` and how text without an offset becomes a ``TIMESTAMPTZ``. pql compares plain
timestamps, so a run would depend on where it runs; in UTC it does not (convention 10).

When a query outgrows its memory limit DuckDB spills to ``temp_directory``, by default ``<file>.tmp``
beside the database file (``.tmp`` in the current folder for an in-memory one): a folder created in
the user's directory, left there if the process is killed, and an error where that directory is
read-only. pql's connections spill to ``$PQL_HOME/spill/duckdb-<pid>-<id>`` instead (on disk: /tmp is
often memory-backed, the last place to spill to), which DuckDB creates when it first spills and removes
on close; a folder left by a process that died (killed mid-spill) is removed by a later connection once
a day old. Where the home cannot be written, the system's temporary folder serves.
"""
from __future__ import annotations

import os
import shutil
import tempfile
import time
import uuid
from pathlib import Path
from typing import TYPE_CHECKING

from sqlglot import exp

from pql.home import home

if TYPE_CHECKING:
    import duckdb

TIME_ZONE = "UTC"
STALE_SPILL_SECONDS = 24 * 3600


def connect(database: str = ":memory:", *, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """``duckdb.connect`` in UTC, spilling to a private folder (duckdb errors propagate)."""
    import duckdb

    con = duckdb.connect(database, read_only=read_only)
    try:
        set_time_zone(con, TIME_ZONE)
        _set(con, "temp_directory", str(_spill_root() / f"duckdb-{os.getpid()}-{uuid.uuid4().hex[:8]}"))
    except BaseException:
        con.close()
        raise
    return con


def _spill_root() -> Path:
    """``$PQL_HOME/spill`` (made if missing, cleared of dead processes' old folders), else the temp folder."""
    root = home() / "spill"
    try:
        root.mkdir(parents=True, exist_ok=True)
        old = time.time() - STALE_SPILL_SECONDS
        for folder in root.glob("duckdb-*-*"):
            pid = folder.name.split("-")[1]
            # the age matters too: a process of another container sharing this home is not visible here
            if pid.isdigit() and not _running(int(pid)) and folder.stat().st_mtime < old:
                shutil.rmtree(folder, ignore_errors=True)
    except OSError:
        return Path(tempfile.gettempdir())
    return root


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process
        pass
    return True


def time_zone(con: duckdb.DuckDBPyConnection) -> str:
    """The connection's session time zone (DuckDB's ``TimeZone`` setting)."""
    return con.sql(exp.select(exp.func("current_setting", exp.Literal.string("TimeZone"))).sql("duckdb")).fetchall()[0][0]


def set_time_zone(con: duckdb.DuckDBPyConnection, zone: str) -> None:
    _set(con, "TimeZone", zone)


def _set(con: duckdb.DuckDBPyConnection, setting: str, value: str) -> None:
    con.execute(exp.Set(expressions=[exp.SetItem(this=exp.EQ(this=exp.var(setting),
                                                             expression=exp.Literal.string(value)))]).sql("duckdb"))
