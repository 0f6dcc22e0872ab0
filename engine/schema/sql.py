"""Small sqlglot helpers for introspection queries: quoted identifiers and wrapped execution."""
from __future__ import annotations

from typing import TYPE_CHECKING

from sqlglot import exp

if TYPE_CHECKING:
    import duckdb


def table_ref(name: str) -> exp.Table:
    return exp.Table(this=exp.to_identifier(name, quoted=True))


def column_ref(name: str, table: str | None = None) -> exp.Column:
    return exp.column(name, table=table, quoted=True)


def not_null(expression: exp.Expression) -> exp.Expression:
    return exp.Not(this=exp.Is(this=expression.copy(), expression=exp.Null()))


def run(con: duckdb.DuckDBPyConnection, query: exp.Expression, doing: str) -> list[tuple]:
    """Execute ``query``; a DuckDB failure becomes a SchemaError saying what pql was trying to do."""
    import duckdb

    from pql.errors import SchemaError

    try:
        return con.sql(query.sql("duckdb")).fetchall()
    except duckdb.Error as e:
        raise SchemaError(f"could not {doing}: {e}") from e
