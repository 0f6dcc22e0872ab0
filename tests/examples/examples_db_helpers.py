"""Reading helpers for the example-database tests."""
from __future__ import annotations

from pathlib import Path

import duckdb


def rows(path: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(path), read_only=True) as con:
        return con.sql(sql).fetchall()


def frame(path: Path, sql: str):
    with duckdb.connect(str(path), read_only=True) as con:
        return con.sql(sql).df()


def constraints(path: Path) -> set[tuple[str, str, tuple[str, ...], str | None]]:
    """{(table, 'PRIMARY KEY' | 'FOREIGN KEY', columns, referenced table or None)} of schema main."""
    out = set()
    for table, kind, columns, ref in rows(path, """
            SELECT table_name, constraint_type, constraint_column_names, referenced_table
            FROM duckdb_constraints()
            WHERE schema_name = 'main' AND constraint_type IN ('PRIMARY KEY', 'FOREIGN KEY')"""):
        out.add((table, kind, tuple(columns), ref if kind == "FOREIGN KEY" else None))
    return out


def table_columns(path: Path, schema: str = "main") -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    with duckdb.connect(str(path), read_only=True) as con:
        found = con.execute("""
            SELECT table_name, column_name FROM duckdb_columns()
            WHERE schema_name = ? AND NOT internal ORDER BY table_name, column_index""", [schema]).fetchall()
    for table, column in found:
        out.setdefault(table, []).append(column)
    return out


def table_contents(path: Path) -> dict[str, list[tuple]]:
    """Every table of every schema, rows sorted, for determinism checks."""
    out = {}
    with duckdb.connect(str(path), read_only=True) as con:
        for schema, table in con.sql("SELECT schema_name, table_name FROM duckdb_tables()").fetchall():
            name = f"{schema}.{table}"
            out[name] = sorted(con.table(name).fetchall(), key=repr)
    return out
