"""A DuckDB database file: the embedded default. Read-only unless the caller will write (INTO).

pql reads the tables and views of the file's ``main`` schema. When ``main`` holds none and exactly one
other schema does, that schema's are read instead (as temporary views named like them, which is all a
read-only file allows), keys included; tables in other schemas are otherwise left out, with a note
that names them. Text columns holding nothing but timestamps read as TIMESTAMP, and TIMESTAMPTZ as
TIMESTAMP in UTC, through temporary views too (`connectors.text_timestamps`).
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from sqlglot import exp

from connectors import catalog
from connectors._duckdb import connect
from connectors._sql import create_as, qualified
from connectors.base import SCHEMA_FILE_NAME, Connector, DeclaredKeys
from connectors.registry import register
from connectors.text_timestamps import find_in

DUCKDB_SUFFIXES = (".duckdb", ".ddb", ".db")


@register
class DuckDBFileConnector(Connector):
    kind = "duckdb"

    def __init__(self, *, schema: str = "main", **kwargs: Any):
        super().__init__(**kwargs)
        self._schema = schema

    @classmethod
    def accepts(cls, source: object) -> bool:
        return isinstance(source, (str, os.PathLike)) and Path(source).suffix.lower() in DUCKDB_SUFFIXES

    @classmethod
    def from_source(cls, source: object, *, read_only: bool = True) -> DuckDBFileConnector:
        import duckdb

        from pql.errors import ConnectorError

        path = Path(source).expanduser()
        if not path.is_file():
            raise ConnectorError(f"database file not found: {path}")
        try:
            con = connect(str(path), read_only=read_only)
        except duckdb.Error as e:
            raise _cannot_open(path, e) from e
        try:
            schema, notes = _schema_to_read(con)
            if schema == "main":
                notes = (*notes, *_read_text_times(con))
        except BaseException:
            con.close()
            raise
        schema_file = path.parent / SCHEMA_FILE_NAME
        return cls(name=str(path), connection=con, read_only=read_only, schema=schema, notes=notes,
                   schema_file=schema_file if schema_file.is_file() else None)

    def declared_keys(self) -> DeclaredKeys:
        if self._schema == "main":
            return super().declared_keys()
        return catalog.declared_keys(self.connection, self.table_names(), schema=self._schema)


def _cannot_open(path: Path, error: Exception):
    """The `ConnectorError` for a file DuckDB refused; a file this process already holds open through
    another connection (``duckdb.connect`` in the same notebook) gets a hint on what to do instead."""
    from pql.errors import ConnectorError

    message = f"cannot open DuckDB file {path}: {error}"
    hint = None
    if "different configuration" in str(error):  # DuckDB opens a file once per process, in one mode
        hint = ("this process already has the file open through another DuckDB connection: pass that "
                "connection instead, pql.connect(con), or close it first")
    result = ConnectorError(f"{message}\n  hint: {hint}" if hint else message)
    result.message, result.hint = message, hint
    return result


def _schema_to_read(con) -> tuple[str, tuple[str, ...]]:
    """``main``, or the one other schema that holds tables when ``main`` holds none (made visible as temporary
    views); and notes on the schemas left out."""
    import duckdb

    from pql.errors import ConnectorError

    others = catalog.other_schemas(con)
    if not others:
        return "main", ()
    if not catalog.user_table_names(con) and len(others) == 1:
        ((schema, tables),) = others.items()
        try:
            (database,) = con.sql(exp.select(exp.func("current_database")).sql("duckdb")).fetchone()
            times = []
            for table in tables:  # fully qualified: a schema may share the file's (the database's) name
                source = qualified(table, schema, database)
                times.append(find_in(con, table, source))
                con.execute(create_as(table, times[-1].select(source), kind="VIEW", temporary=True))
        except duckdb.Error as e:
            raise ConnectorError(f"cannot read schema {schema!r}: {e}") from e
        shown = f"{', '.join(tables[:5])}{', …' if len(tables) > 5 else ''}"
        return schema, (f"schema main holds no tables: those of schema {schema} are read instead ({shown})",
                        *(note for found in times for note in found.notes))
    listed = "; ".join(f"{schema}: {', '.join(tables[:5])}{', …' if len(tables) > 5 else ''}"
                       for schema, tables in others.items())
    return "main", (f"tables outside schema main are not read ({listed}); pql reads schema main, or the only schema "
                    "with tables when main has none: copy them into main, or pass a duckdb connection that has a "
                    "TEMP VIEW of each",)


def _read_text_times(con) -> tuple[str, ...]:
    """Text columns holding only timestamps (a CSV imported as text) read as TIMESTAMP, and TIMESTAMPTZ
    as TIMESTAMP in UTC, as in every other source: a temporary view over the table under its own name
    (the file is never changed). Notes say which."""
    (database,) = con.sql(exp.select(exp.func("current_database")).sql("duckdb")).fetchall()[0]
    notes: list[str] = []
    for table in catalog.user_table_names(con):
        stored = qualified(table, "main", database)
        times = find_in(con, table, stored)
        if times.changes:
            con.execute(create_as(table, times.select(stored), kind="VIEW", temporary=True))
        notes += times.notes
    return tuple(notes)
