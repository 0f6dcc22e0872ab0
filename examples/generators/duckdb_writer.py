"""Write Arrow tables into a fresh DuckDB file with PRIMARY KEY / FOREIGN KEY constraints declared.

Shared by the example generators and the real-data loaders: both describe their tables as
:class:`TableSpec` plus an Arrow table, and this module turns them into one DuckDB file. The file
is built under a temporary name and moved into place at the end, so a failed run never leaves a
half-written database behind.
"""
from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pyarrow as pa
from sqlglot import exp

from pql.errors import ConnectorError

_VIEW = "__pql_example_rows"


@dataclass(frozen=True, kw_only=True)
class ForeignKeySpec:
    """``column`` references ``ref_table.ref_column`` (always the parent's primary key)."""

    column: str
    ref_table: str
    ref_column: str


@dataclass(frozen=True, kw_only=True)
class TableSpec:
    """One table to write; ``schema`` is set only for hidden tables such as ``truth.*``."""

    name: str
    primary_key: str | None = None
    foreign_keys: tuple[ForeignKeySpec, ...] = ()
    schema: str | None = None


def fk(column: str, ref_table: str, ref_column: str = "id") -> ForeignKeySpec:
    """Shorthand used by the generators, whose primary keys are all called ``id``."""
    return ForeignKeySpec(column=column, ref_table=ref_table, ref_column=ref_column)


def _ident(name: str) -> exp.Identifier:
    return exp.to_identifier(name, quoted=True)


def _table_ref(spec: TableSpec) -> exp.Table:
    return exp.Table(this=_ident(spec.name), db=_ident(spec.schema) if spec.schema else None)


def _normalise_arrow(rows: pa.Table) -> pa.Table:
    """Timestamps become microsecond TIMESTAMP (DuckDB would keep TIMESTAMP_S / _NS otherwise)."""
    fields = []
    for field in rows.schema:
        if pa.types.is_timestamp(field.type) and (field.type.unit != "us" or field.type.tz is not None):
            fields.append(pa.field(field.name, pa.timestamp("us"), field.nullable))
        else:
            fields.append(field)
    target = pa.schema(fields)
    return rows if target.equals(rows.schema) else rows.cast(target)


def _create_statement(spec: TableSpec, column_types: Sequence[tuple[str, str]]) -> str:
    columns: list[exp.Expression] = [
        exp.ColumnDef(this=_ident(name), kind=exp.DataType.build(dtype, dialect="duckdb"))
        for name, dtype in column_types
    ]
    if spec.primary_key is not None:
        columns.append(exp.PrimaryKey(expressions=[_ident(spec.primary_key)]))
    for key in spec.foreign_keys:
        parent = exp.Schema(this=exp.Table(this=_ident(key.ref_table)), expressions=[_ident(key.ref_column)])
        columns.append(exp.ForeignKey(expressions=[_ident(key.column)], reference=exp.Reference(this=parent)))
    create = exp.Create(this=exp.Schema(this=_table_ref(spec), expressions=columns), kind="TABLE")
    return create.sql(dialect="duckdb")


def _write_table(con: duckdb.DuckDBPyConnection, spec: TableSpec, rows: pa.Table) -> None:
    rows = _normalise_arrow(rows)
    con.register(_VIEW, rows)
    try:
        describe = exp.Describe(this=exp.select("*").from_(_ident(_VIEW)))
        column_types = [(r[0], r[1]) for r in con.sql(describe.sql(dialect="duckdb")).fetchall()]
        con.execute(_create_statement(spec, column_types))
        insert = exp.insert(exp.select("*").from_(_ident(_VIEW)), _table_ref(spec))
        con.execute(insert.sql(dialect="duckdb"))
    finally:
        con.unregister(_VIEW)


def write_database(path: str | os.PathLike, tables: Sequence[tuple[TableSpec, pa.Table]]) -> Path:
    """Write ``tables`` (parents before children) into a new DuckDB file at ``path``, replacing it.

    Constraints are checked by DuckDB on insert, so a dangling foreign key fails here, loudly.
    """
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".partial")
    for stale in (partial, Path(str(partial) + ".wal")):
        stale.unlink(missing_ok=True)
    current = "(setup)"
    try:
        with duckdb.connect(str(partial)) as con:
            con.execute("SET enable_progress_bar = false")  # a loader's output is the file, not a bar
            for schema in sorted({spec.schema for spec, _ in tables if spec.schema}):
                con.execute(exp.Create(this=_ident(schema), kind="SCHEMA", exists=True).sql(dialect="duckdb"))
            for spec, rows in tables:
                current = f"{spec.schema + '.' if spec.schema else ''}{spec.name}"
                _write_table(con, spec, rows)
            con.execute("CHECKPOINT")
    except duckdb.Error as e:
        partial.unlink(missing_ok=True)
        raise ConnectorError(f"could not write table {current} into {target}: {e}") from e
    target.with_name(target.name + ".wal").unlink(missing_ok=True)
    os.replace(partial, target)
    return target
