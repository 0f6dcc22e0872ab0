"""sqlglot builders for the few statements connectors run (identifiers always quoted)."""
from __future__ import annotations

from sqlglot import exp


def table_ref(name: str) -> exp.Table:
    """A quoted table reference in the default schema."""
    return exp.Table(this=exp.to_identifier(name, quoted=True))


def qualified(table: str, schema: str, database: str) -> exp.Table:
    """``"database"."schema"."table"``: that very table, past any temporary view named like it."""
    return exp.Table(this=exp.to_identifier(table, quoted=True), db=exp.to_identifier(schema, quoted=True),
                     catalog=exp.to_identifier(database, quoted=True))


def create_as(name: str, query: exp.Expression, *, kind: str, temporary: bool = False) -> str:
    """``CREATE [TEMP] <kind> "name" AS <query>`` (``kind`` is "TABLE" or "VIEW")."""
    properties = exp.Properties(expressions=[exp.TemporaryProperty()]) if temporary else None
    return exp.Create(this=table_ref(name), kind=kind, expression=query, properties=properties).sql("duckdb")


def comment_on_table(name: str, text: str) -> str:
    """``COMMENT ON TABLE "name" IS 'text'`` (how INTO marks pql's own output tables)."""
    return exp.Comment(this=table_ref(name), kind="TABLE", expression=exp.Literal.string(text)).sql("duckdb")


def named_arg(name: str, value: exp.Expression) -> exp.PropertyEQ:
    """A DuckDB named function argument ``name := value``."""
    return exp.PropertyEQ(this=exp.to_identifier(name), expression=value)


def select_all_from(source: exp.Expression) -> exp.Select:
    return exp.select(exp.Star()).from_(source)
