"""A SQLite database file, read with Python's own ``sqlite3`` and copied into a private DuckDB.

No DuckDB extension is needed (DuckDB cannot download one offline, and the packaged ones are tied to
one DuckDB release). The file is opened read-only (``mode=ro``), every table is read once, in one read
transaction (one consistent snapshot), into a private in-memory DuckDB database, and the file is closed
again: pql holds no lock on it afterwards and never changes it, except for ``INTO``
(`write_into_sqlite`), which adds a table in one transaction. (A database in WAL mode gets SQLite's own
``-wal``/``-shm`` files beside it while it is read, as with any SQLite reader.) Reading costs memory
of the order of ten times the file's size while it lasts (53 MiB of Online Retail: 0.7 GiB, 3 s).

SQLite types are per value; each column gets one type from its declared type and its values:

    declared INT…                        BIGINT (DOUBLE if a value has a fraction, else text)
    declared REAL / FLOA… / DOUB…        DOUBLE
    declared BOOL…                       BOOLEAN
    declared DATE / TIME…, or text that  TIMESTAMP when every value parses as one (ISO, or a common
      holds nothing but timestamps       layout such as 12/1/2010 8:26; noted), else text
    anything else                        what the values are (integers, numbers, text, bytes)

Keys come from the file's own catalog: ``PRAGMA table_info`` (primary keys, composite in order) and
``PRAGMA foreign_key_list`` (a foreign key without target columns points at the parent's primary key).
Views are read like tables (their rows at the time of reading; no keys). Tables pql wrote with ``INTO``
are listed in ``_pql_outputs`` and stay out of later graphs.
"""
from __future__ import annotations

import os
import sqlite3
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pyarrow as pa
from sqlglot import exp

from connectors._duckdb import connect
from connectors._sql import comment_on_table, create_as, select_all_from, table_ref
from connectors._staging import staged
from connectors.base import SCHEMA_FILE_NAME, Connector, DeclaredForeignKey, DeclaredKeys
from connectors.registry import register
from connectors.text_timestamps import epoch_candidates, find_text_timestamps

SQLITE_MAGIC = b"SQLite format 3\x00"
OUTPUTS_TABLE = "_pql_outputs"  # name, query: the tables INTO wrote


def is_sqlite_file(path: Path) -> bool:
    try:
        with path.open("rb") as f:
            return f.read(len(SQLITE_MAGIC)) == SQLITE_MAGIC
    except OSError:
        return False


@register
class SQLiteFileConnector(Connector):
    kind = "sqlite"

    def __init__(self, *, keys: DeclaredKeys, **kwargs: Any):
        super().__init__(**kwargs)
        self._keys = keys

    @classmethod
    def accepts(cls, source: object) -> bool:
        return isinstance(source, (str, os.PathLike)) and is_sqlite_file(Path(source).expanduser())

    @classmethod
    def from_source(cls, source: object, *, read_only: bool = True) -> SQLiteFileConnector:
        from pql.errors import ConnectorError

        path = Path(source).expanduser()
        try:
            src = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
        except sqlite3.Error as e:
            raise ConnectorError(f"cannot open SQLite file {path}: {e}") from e
        con = connect()
        try:
            src.execute("BEGIN")  # one read transaction: every table from the same snapshot
            tables = _table_names(src)
            outputs = _output_tables(src, tables)
            notes: list[str] = []
            for table in tables:
                notes += _copy_table(src, con, table, output_query=outputs.get(table))
            for view in _view_names(src):
                notes += _copy_view(src, con, view)
            keys = _declared_keys(src, [t for t in tables if t not in outputs])
        except sqlite3.Error as e:
            con.close()
            raise ConnectorError(f"cannot read SQLite file {path}: {e}") from e
        except BaseException:
            con.close()
            raise
        finally:
            src.close()
        schema_file = path.parent / SCHEMA_FILE_NAME
        return cls(name=str(path), connection=con, read_only=read_only, keys=keys, notes=tuple(notes),
                   schema_file=schema_file if schema_file.is_file() else None)

    def declared_keys(self) -> DeclaredKeys:
        return self._keys


def _select_all_sqlite(table: str) -> str:
    return select_all_from(table_ref(table)).sql("sqlite")


def _table_info(src: sqlite3.Connection, table: str) -> list[tuple]:
    """``(cid, name, declared type, notnull, default, pk position)`` per column (names bound, not quoted in)."""
    return src.execute("SELECT cid, name, type, \"notnull\", dflt_value, pk FROM pragma_table_info(?) ORDER BY cid",
                       (table,)).fetchall()


def _table_names(src: sqlite3.Connection) -> list[str]:
    rows = src.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").fetchall()
    return [name for (name,) in rows if not name.lower().startswith("sqlite_")]


def _view_names(src: sqlite3.Connection) -> list[str]:
    rows = src.execute("SELECT name FROM sqlite_master WHERE type = 'view' ORDER BY name").fetchall()
    return [name for (name,) in rows if not name.lower().startswith(("sqlite_", "_pql"))]


def _copy_view(src: sqlite3.Connection, con, view: str) -> list[str]:
    """A view is read like a table (its rows as they are now); one SQLite cannot evaluate is skipped, noted."""
    try:
        return _copy_table(src, con, view, output_query=None)
    except sqlite3.Error as e:
        return [f"{view}: a view SQLite cannot read ({e}); skipped"]


def _output_tables(src: sqlite3.Connection, tables: Sequence[str]) -> dict[str, str]:
    """``{table: query}`` of the tables an earlier INTO wrote (see `engine.results.write_into_sqlite`)."""
    if OUTPUTS_TABLE not in tables:
        return {}
    rows = src.execute(exp.select("name", "query").from_(table_ref(OUTPUTS_TABLE)).sql("sqlite")).fetchall()
    present = {t.lower(): t for t in tables}
    return {present[name.lower()]: query or "" for name, query in rows if name.lower() in present}


def _copy_table(src: sqlite3.Connection, con, table: str, *, output_query: str | None) -> list[str]:
    """One SQLite table into ``con`` as a DuckDB table of the same name; returns notes on the way in."""
    import duckdb

    from connectors.catalog import OUTPUT_MARKER
    from pql.errors import ConnectorError

    info = _table_info(src, table)
    rows = src.execute(_select_all_sqlite(table)).fetchall()
    columns = {}
    maybe_time: list[str] = []
    for j, (_, name, declared, *_rest) in enumerate(info):
        values = [row[j] for row in rows]
        columns[name], timed = _column(values, (declared or "").upper())
        if timed:
            maybe_time.append(name)
    arrow = pa.table(columns) if columns else pa.table({})
    try:
        with staged(con, arrow) as staging:
            times = find_text_timestamps(con, table, table_ref(staging), maybe_time,
                                         epochs=epoch_candidates(con, table_ref(staging)))
            con.execute(create_as(table, times.select(table_ref(staging)), kind="TABLE"))
        if output_query is not None:
            con.execute(comment_on_table(table, f"{OUTPUT_MARKER}: {output_query}".strip()))
    except duckdb.Error as e:
        raise ConnectorError(f"cannot copy SQLite table {table!r}: {e}") from e
    if output_query is not None:  # an INTO output stays out of the graph: notes about it would only puzzle
        return []
    return list(times.notes)


def _column(values: list, declared: str) -> tuple[pa.Array, bool]:
    """(the column as Arrow, whether it is text that may hold timestamps) by SQLite's affinity rules."""
    if "INT" in declared:
        wanted = [pa.int64(), pa.float64()]
    elif any(k in declared for k in ("REAL", "FLOA", "DOUB")):
        wanted = [pa.float64()]
    elif "BOOL" in declared and all(v in (0, 1) for v in values if v is not None):  # stored as 0/1
        return pa.array([None if v is None else bool(v) for v in values], type=pa.bool_()), False
    else:
        wanted = []
    for arrow_type in wanted:
        try:
            return pa.array(values, type=arrow_type), False
        except (pa.ArrowInvalid, pa.ArrowTypeError, OverflowError):
            continue
    try:
        array = pa.array(values)
    except (pa.ArrowInvalid, pa.ArrowTypeError, OverflowError):  # mixed kinds of values: keep them as text
        array = pa.array([None if v is None else v.decode("utf-8", "replace") if isinstance(v, bytes) else str(v)
                          for v in values], type=pa.string())
    if pa.types.is_null(array.type):  # no values at all: text, as SQLite would call it
        array = array.cast(pa.string())
    return array, pa.types.is_string(array.type)


def _declared_keys(src: sqlite3.Connection, tables: Sequence[str]) -> DeclaredKeys:
    primary_keys: dict[str, tuple[str, ...]] = {}
    for table in tables:
        info = _table_info(src, table)
        pk = sorted((position, name) for _, name, _, _, _, position in info if position)
        if pk:
            primary_keys[table] = tuple(name for _, name in pk)
    by_name = {t.lower(): t for t in tables}
    foreign_keys: list[DeclaredForeignKey] = []
    for table in tables:
        groups: dict[int, list[tuple[int, str, str | None, str]]] = {}
        for fk_id, seq, parent, child_col, parent_col in src.execute(
                "SELECT id, seq, \"table\", \"from\", \"to\" FROM pragma_foreign_key_list(?)", (table,)).fetchall():
            groups.setdefault(fk_id, []).append((seq, child_col, parent_col, parent))
        for parts in groups.values():
            parts.sort()
            parent = by_name.get(parts[0][3].lower())
            if parent is None:  # points outside the tables pql reads
                continue
            ref = tuple(p for _, _, p, _ in parts)
            if any(p is None for p in ref):  # REFERENCES parent: its primary key
                ref = primary_keys.get(parent, ())
            if len(ref) != len(parts):
                continue
            foreign_keys.append(DeclaredForeignKey(table=table, columns=tuple(c for _, c, _, _ in parts),
                                                   ref_table=parent, ref_columns=tuple(ref)))
    return DeclaredKeys(primary_keys=primary_keys, foreign_keys=tuple(foreign_keys))


__all__ = ["OUTPUTS_TABLE", "SQLITE_MAGIC", "SQLiteFileConnector", "is_sqlite_file"]
