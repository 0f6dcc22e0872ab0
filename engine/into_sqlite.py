"""``INTO`` for a SQLite source: the predictions become a table of the SQLite file, in one transaction.

The connector (`connectors.sqlite_file`) reads a private copy of the file; this writes to the file itself,
with Python's ``sqlite3``: ``BEGIN IMMEDIATE`` (no other writer can slip in between the existence check
and the write), create the table, insert the rows, record it in ``_pql_outputs`` (so later queries leave
pql's own predictions out of their graph), ``COMMIT`` — or ``ROLLBACK`` and nothing changed.

Arrow types become SQLite's: integers INTEGER, floats REAL, booleans INTEGER (0/1), timestamps and dates
TIMESTAMP (ISO text, which the connector reads back as TIMESTAMP), everything else TEXT (lists as JSON).
"""
from __future__ import annotations

import datetime as dt
import json
import os
import sqlite3
from pathlib import Path
from typing import Any

import pyarrow as pa
from sqlglot import exp

from connectors._sql import table_ref
from connectors.sqlite_file import OUTPUTS_TABLE
from pql.errors import EngineError
from pql.render import quote_name


def _sqlite_type(arrow_type: pa.DataType) -> str:
    if pa.types.is_integer(arrow_type) or pa.types.is_boolean(arrow_type):
        return "INTEGER"
    if pa.types.is_floating(arrow_type) or pa.types.is_decimal(arrow_type):
        return "REAL"
    if pa.types.is_timestamp(arrow_type) or pa.types.is_date(arrow_type):
        return "TIMESTAMP"
    return "TEXT"


def _value(v: Any) -> Any:
    if v is None or isinstance(v, (int, float, str)):
        return int(v) if isinstance(v, bool) else v
    if isinstance(v, (dt.datetime, dt.date)):
        return v.isoformat(sep=" ") if isinstance(v, dt.datetime) else v.isoformat()
    if isinstance(v, (list, dict, tuple)):
        return json.dumps(v, default=str)
    return str(v)


def check_into_sqlite(path: Path, name: str) -> None:
    """Refuse, before any training, an INTO the SQLite file would refuse at the end: a name SQLite reserves
    (``sqlite_…``), a file this process may not write, or a folder where SQLite cannot make its journal."""
    if name.lower().startswith("sqlite_"):
        raise EngineError(f"INTO {quote_name(name)}: SQLite reserves names starting with 'sqlite_' for its own "
                          "tables; choose another name")
    if not os.access(path, os.W_OK):
        raise EngineError(f"INTO {quote_name(name)}: the SQLite file {path} is read-only for this user, so the "
                          "predictions could not be written; make it writable, or write the result with -o FILE")
    folder = path.resolve().parent
    if not os.access(folder, os.W_OK | os.X_OK):
        raise EngineError(f"INTO {quote_name(name)}: SQLite writes a journal beside {path.name}, and the folder "
                          f"{folder} is read-only for this user; make it writable, or write the result with -o FILE")


def write_into_sqlite(path: Path, name: str, table: pa.Table, *, replace: bool, query: str = "") -> None:
    """Create table ``name`` in the SQLite file at ``path``; refuse to overwrite unless ``replace``."""
    create = exp.Create(this=exp.Schema(this=table_ref(name), expressions=[
        exp.ColumnDef(this=exp.to_identifier(f.name, quoted=True), kind=exp.DataType.build(_sqlite_type(f.type)))
        for f in table.schema]), kind="TABLE").sql("sqlite")
    insert = exp.Insert(this=table_ref(name), expression=exp.Values(expressions=[
        exp.Tuple(expressions=[exp.Placeholder() for _ in table.schema])])).sql("sqlite")
    outputs = exp.Create(this=exp.Schema(this=table_ref(OUTPUTS_TABLE), expressions=[
        exp.ColumnDef(this=exp.to_identifier("name", quoted=True), kind=exp.DataType.build("TEXT"),
                      constraints=[exp.ColumnConstraint(kind=exp.PrimaryKeyColumnConstraint())]),
        exp.ColumnDef(this=exp.to_identifier("query", quoted=True), kind=exp.DataType.build("TEXT"))]),
        kind="TABLE", exists=True).sql("sqlite")
    record = exp.Insert(this=table_ref(OUTPUTS_TABLE), alternative="REPLACE", expression=exp.Values(
        expressions=[exp.Tuple(expressions=[exp.Placeholder(), exp.Placeholder()])])).sql("sqlite")
    rows = (tuple(_value(v) for v in row) for row in zip(*(c.to_pylist() for c in table.columns)))  # lazily
    try:
        con = sqlite3.connect(path, isolation_level=None)  # transactions by hand
    except sqlite3.Error as e:
        raise EngineError(f"cannot write predictions into '{name}': cannot open {path}: {e}") from e
    try:
        con.execute("BEGIN IMMEDIATE")
        try:
            existing = con.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND lower(name) = lower(?)",
                                   (name,)).fetchone()
            if existing and not replace:
                raise EngineError(f"table '{name}' already exists; write INTO OR REPLACE {quote_name(name)} to overwrite it")
            if existing:
                con.execute(exp.Drop(tables=[table_ref(existing[0])], kind="TABLE").sql("sqlite"))
            con.execute(create)
            con.executemany(insert, rows)
            con.execute(outputs)
            con.execute(record, (name, query))
            con.execute("COMMIT")
        except BaseException:
            try:
                con.execute("ROLLBACK")
            except sqlite3.Error:
                pass  # the transaction is already gone; the original error is the one to report
            raise
    except sqlite3.Error as e:
        raise EngineError(f"cannot write predictions into '{name}' in {path}: {e}") from e
    finally:
        con.close()
