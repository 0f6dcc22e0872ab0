"""Catalog queries shared by all connectors: user tables and declared constraints in DuckDB."""
from __future__ import annotations

from typing import TYPE_CHECKING

from sqlglot import exp

if TYPE_CHECKING:
    import duckdb

    from connectors.base import DeclaredKeys

#: Tables whose names start with this are pql's own (or hidden ground truth) and never user data.
HIDDEN_PREFIX = "_pql"
#: Predictions pql wrote with INTO carry this marker (a DuckDB table comment starting with it, or a
#: Parquet metadata key): they are outputs, and must not become inputs of the next query's graph.
OUTPUT_MARKER = "pql predictions"


def _visible() -> exp.Expression:
    """Objects a bare name finds: the current database's ``main`` schema, and the connection's temporary
    objects (``CREATE TEMP TABLE``, frames made visible with ``con.register``)."""
    return exp.or_(
        exp.and_(exp.column("database_name").eq(exp.func("current_database")),
                 exp.column("schema_name").eq(exp.Literal.string("main"))),
        exp.column("database_name").eq(exp.Literal.string("temp")),
    )


def _in_default_schema(catalog_function: str, name_column: str) -> exp.Select:
    """``SELECT <name_column> FROM <catalog_function>() WHERE`` visible by a bare name (`_visible`)."""
    return (
        exp.select(exp.column(name_column))
        .from_(exp.func(catalog_function))
        .where(_visible())
        .where(exp.not_(exp.column("internal")))
    )


def user_table_names(con: duckdb.DuckDBPyConnection) -> tuple[str, ...]:
    """Tables and views of the default schema and temporary ones, sorted, without hidden ``_pql*`` ones or
    INTO outputs."""
    from pql.errors import ConnectorError

    import duckdb

    comment = exp.column("comment")
    not_an_output = exp.or_(comment.is_(exp.null()),
                            exp.not_(exp.func("starts_with", comment, exp.Literal.string(OUTPUT_MARKER))))
    query = exp.union(
        _in_default_schema("duckdb_tables", "table_name").where(not_an_output),
        _in_default_schema("duckdb_views", "view_name"),
        distinct=True,
    )
    try:
        names = [row[0] for row in con.sql(query.sql("duckdb")).fetchall()]
    except duckdb.Error as e:
        raise ConnectorError(f"could not list tables: {e}") from e
    return tuple(sorted(n for n in names if not n.lower().startswith(HIDDEN_PREFIX)))


def temporary_names(con: duckdb.DuckDBPyConnection) -> frozenset[str]:
    """The connection's temporary tables and views (registered frames included): a bare name finds them first."""
    from pql.errors import ConnectorError

    import duckdb

    temp = exp.column("database_name").eq(exp.Literal.string("temp"))
    query = exp.union(exp.select(exp.column("table_name")).from_(exp.func("duckdb_tables")).where(temp),
                      exp.select(exp.column("view_name")).from_(exp.func("duckdb_views")).where(temp)
                      .where(exp.not_(exp.column("internal"))), distinct=True)
    try:
        return frozenset(row[0] for row in con.sql(query.sql("duckdb")).fetchall())
    except duckdb.Error as e:
        raise ConnectorError(f"could not list temporary tables: {e}") from e


def declared_keys(con: duckdb.DuckDBPyConnection, tables: tuple[str, ...], *, schema: str = "main") -> DeclaredKeys:
    """Declared PRIMARY KEY and FOREIGN KEY constraints among ``tables`` (from duckdb_constraints), of the
    visible tables (`_visible`) or those of the current database's ``schema``."""
    import duckdb

    from pql.errors import ConnectorError

    query = (
        exp.select("table_name", "constraint_type", "constraint_column_names", "referenced_table",
                   "referenced_column_names")
        .from_(exp.func("duckdb_constraints"))
        .where(_visible() if schema == "main" else exp.and_(
            exp.column("database_name").eq(exp.func("current_database")),
            exp.column("schema_name").eq(exp.Literal.string(schema))))
        .where(exp.column("constraint_type").isin(exp.Literal.string("PRIMARY KEY"),
                                                  exp.Literal.string("FOREIGN KEY")))
        .order_by("table_name", "constraint_index")
    )
    try:
        rows = con.sql(query.sql("duckdb")).fetchall()
    except duckdb.Error as e:
        raise ConnectorError(f"could not read declared constraints: {e}") from e
    return keys_from_rows(rows, tables)


def keys_from_rows(rows, tables) -> DeclaredKeys:
    """``(table, "PRIMARY KEY" | "FOREIGN KEY", columns, referenced table, referenced columns)`` rows, kept
    where they stay among ``tables``."""
    from connectors.base import DeclaredForeignKey, DeclaredKeys

    wanted = set(tables)
    primary_keys: dict[str, tuple[str, ...]] = {}
    foreign_keys: list[DeclaredForeignKey] = []
    for table, kind, columns, ref_table, ref_columns in rows:
        if table not in wanted:
            continue
        if kind == "PRIMARY KEY":
            primary_keys[table] = tuple(columns)
        elif ref_table in wanted:
            foreign_keys.append(DeclaredForeignKey(table=table, columns=tuple(columns), ref_table=ref_table,
                                                   ref_columns=tuple(ref_columns)))
    return DeclaredKeys(primary_keys=primary_keys, foreign_keys=tuple(foreign_keys))


def other_schemas(con: duckdb.DuckDBPyConnection) -> dict[str, tuple[str, ...]]:
    """``{schema: its tables and views}`` of the current database's schemas other than ``main`` that hold any."""
    import duckdb

    from pql.errors import ConnectorError

    def in_schemas(catalog_function: str, name_column: str) -> exp.Select:
        return (exp.select(exp.column("schema_name"), exp.column(name_column).as_("name"))
                .from_(exp.func(catalog_function))
                .where(exp.column("database_name").eq(exp.func("current_database")))
                .where(exp.column("schema_name").neq(exp.Literal.string("main")))
                .where(exp.not_(exp.column("internal"))))

    query = exp.union(in_schemas("duckdb_tables", "table_name"), in_schemas("duckdb_views", "view_name"), distinct=True)
    try:
        rows = con.sql(query.sql("duckdb")).fetchall()
    except duckdb.Error as e:
        raise ConnectorError(f"could not list schemas: {e}") from e
    found: dict[str, list[str]] = {}
    for schema, name in rows:
        if not name.lower().startswith(HIDDEN_PREFIX):
            found.setdefault(schema, []).append(name)
    return {schema: tuple(sorted(names)) for schema, names in sorted(found.items())}
